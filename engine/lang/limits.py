"""Bounds of the language shared by the parser and the checker, and the stack they need.

`MAX_NUMBER` and `MAX_DEPTH` are part of the language (docs/language.md). The passes over
the syntax tree (Lark's transformer, the checker, the compiler, the formatter) recurse two
or three frames per nesting level, so an expression at MAX_DEPTH needs more than Python's
default 1000 frames under a test runner. `deep_recursion` raises the limit for the duration
of one call instead of for the whole process on import.
"""

from __future__ import annotations

import functools
import sys
import threading

MAX_NUMBER = 2**53  # integers beyond this lose precision (or fail) as JSON numbers in the engine
MAX_DEPTH = 256  # nesting levels: a 200-way `or` passes; far within the stack deep_recursion grants
_FRAMES = 10_000
_lock = threading.Lock()
_depth = 0  # calls under way that raised the limit (nested or in other threads)
_saved = 0


def deep_recursion(fn):
    """Run `fn` with a recursion limit of at least _FRAMES, restoring the caller's limit after."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _depth, _saved
        with _lock:
            if _depth == 0:
                _saved = sys.getrecursionlimit()
                if _saved < _FRAMES:
                    sys.setrecursionlimit(_FRAMES)
            _depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with _lock:
                _depth -= 1
                if _depth == 0 and sys.getrecursionlimit() == _FRAMES and _saved < _FRAMES:
                    sys.setrecursionlimit(_saved)

    return wrapper
