"""xuke: the rule engine behind the `xuke` command (parse -> check -> compile -> run)."""
import sys as _sys

# The AST passes recurse once or twice per nesting level and the syntax module caps
# nesting at 256 levels (syntax.MAX_DEPTH); a 200-way `or` is a 200-deep chain. Python's
# default of 1000 frames is too tight for that under a test runner; raise it, never lower.
if _sys.getrecursionlimit() < 10000:
    _sys.setrecursionlimit(10000)
