"""Parsed rule files kept in xuke's private cache (engine/cachedir.py), so that `xuke check
rules` and a pre-commit lint start without parsing every pack again (parsing was 90 % of
loading the standard packs; with the parser's tables cached too, lark is not even imported).

Each entry is the parsed program (the AST) of one rule file, named by a SHA-256 of the
grammar, the parser's code and the file's name and text: an edited file, another grammar or
another parser never meets an old entry. The cache directory's checks (this user's, 0700,
no links) and the signing of every entry with the user's key are cachedir's; an entry that
cannot be read is parsed again and rewritten. `XUKE_NO_CACHE=1` parses every file afresh.
At most `MAX_ENTRIES` parsed files are kept, the most recently written.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .. import cachedir
from ..lang import ast as A
from ..resources import GRAMMAR_DIR

MAX_ENTRIES = 512
_PREFIX = "pack-"
_KEY_BASE: list[bytes] = []


def _name(file: str, source: str) -> str:
    if not _KEY_BASE:
        # what makes a parse: the grammar, the code that builds the AST and the AST itself
        # (their text, so that an edited checkout never meets an entry of the old code)
        lang = Path(A.__file__).parent
        parts = [*sorted(Path(GRAMMAR_DIR).glob("*.lark")), lang / "syntax.py", lang / "ast.py", lang / "keywords.py"]
        _KEY_BASE.append(hashlib.sha256(b"\0".join(p.read_bytes() for p in parts)).digest())
    h = hashlib.sha256(_KEY_BASE[0])
    h.update(file.encode("utf-8", "surrogatepass") + b"\0" + source.encode("utf-8", "surrogatepass"))
    return _PREFIX + h.hexdigest()[:40]


def parse_cached(source: str, file: str) -> A.Program:
    """The parsed program of one rule file: from the cache when an entry for exactly this
    name and text is there, else parsed (and stored). A syntax error raises
    DiagnosticError as `syntax.parse` does; nothing is stored for it."""
    if os.environ.get("XUKE_NO_CACHE"):
        return _parse(source, file)
    name = _name(file, source)
    program = cachedir.load(name)
    if isinstance(program, A.Program) and program.file == file and program.source == source:
        return program
    program = _parse(source, file)
    try:
        stored = cachedir.store(name, program)
    except (RecursionError, TypeError, ValueError):  # a program pickle cannot hold: not cached
        stored = False
    if stored:
        _prune()
    return program


def _parse(source: str, file: str) -> A.Program:
    from ..lang.syntax import parse  # the parser (lark and the grammar) only when needed

    return parse(source, file)


def _prune() -> None:
    """Keep the MAX_ENTRIES most recent parsed files (the cache is an optimisation: any
    error here only leaves more entries)."""
    try:
        with os.scandir(cachedir.cache_dir()) as it:
            entries = [e for e in it if e.name.startswith(_PREFIX) and e.is_file(follow_symlinks=False)]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime)
        for e in entries[: len(entries) - MAX_ENTRIES]:
            os.unlink(e.path)
    except OSError:
        pass
