"""A private cache of parsed rule files, so that `xuke check rules` and a pre-commit lint
start without building the parser and parsing every pack again.

Each entry is the parsed program (the AST) of one rule file, keyed by a SHA-256 of the
grammar, the parser's code and the file's name and text: an edited file, another grammar
or another parser never meets an old entry. Entries are pickled frames signed with this
user's key (run/sealed.py, the key checkpoints use) and checked before they are read: a
file someone else put in the directory is refused, never unpickled.

The directory is `$XUKE_CACHE_DIR`, or `xuke/packs` under `$XDG_CACHE_HOME` (default
`~/.cache`). It is made with mode 0700 and used only when it is a real directory (not a
symlink) that belongs to this user and that no one else may write; otherwise, or with
`XUKE_NO_CACHE=1`, every file is parsed as if there were no cache. An entry that cannot be
read (cut short, tampered with, from another user) is parsed again and rewritten. The
cache keeps the `MAX_ENTRIES` most recently written entries.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

from ..lang import ast as A
from ..resources import GRAMMAR_DIR
from ..run import sealed

MAX_ENTRIES = 512
_FORMAT = "xuke-pack-cache-1"


def cache_dir() -> Path | None:
    """The cache directory, made if need be; None when it cannot be used safely."""
    if os.environ.get("XUKE_NO_CACHE"):
        return None
    explicit = os.environ.get("XUKE_CACHE_DIR")
    if explicit:
        path = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = Path(base) / "xuke" / "packs"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    if info.st_mode & 0o022:  # others could plant files, or remove ours
        return None
    return path


_KEY_BASE: list[bytes] = []


def _key(name: str, source: str) -> str:
    if not _KEY_BASE:
        # what makes a parse: the grammar, the code that builds the AST and the AST itself
        # (their text, so that an edited checkout never meets an entry of the old code)
        lang = Path(A.__file__).parent
        parts = [*sorted(Path(GRAMMAR_DIR).glob("*.lark")), lang / "syntax.py", lang / "ast.py", lang / "keywords.py"]
        _KEY_BASE.append(_FORMAT.encode() + hashlib.sha256(b"\0".join(p.read_bytes() for p in parts)).digest())
    h = hashlib.sha256(_KEY_BASE[0])
    h.update(name.encode("utf-8", "surrogatepass") + b"\0" + source.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def parse_cached(source: str, name: str) -> A.Program:
    """The parsed program of one rule file: from the cache when an entry for exactly this
    name and text is there, else parsed (and stored). A syntax error raises
    DiagnosticError as `syntax.parse` does; nothing is stored for it."""
    directory = cache_dir()
    if directory is None:
        return _parse(source, name)
    path = directory / f"{_key(name, source)}.ast"
    try:
        key = sealed.user_key()
    except Exception:  # no key can be made: work without the cache
        return _parse(source, name)
    program = _read(path, key)
    if program is not None and program.file == name and program.source == source:
        return program
    program = _parse(source, name)
    _write(directory, path, key, program)
    return program


def _parse(source: str, name: str) -> A.Program:
    from ..lang.syntax import parse  # the parser (lark and the grammar) only when needed

    return parse(source, name)


def _read(path: Path, key: bytes) -> A.Program | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            if hasattr(os, "getuid") and os.fstat(fh.fileno()).st_uid != os.getuid():
                return None
            data = fh.read()
        value = sealed.loads(key, data)
    except (OSError, sealed.Tampered):
        return None
    return value if isinstance(value, A.Program) else None


def _write(directory: Path, path: Path, key: bytes, program: A.Program) -> None:
    """Write an entry atomically (a temporary file renamed over it); a cache that cannot
    be written is no error."""
    try:
        data = sealed.dumps(key, program)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _prune(directory)
    except (OSError, RecursionError, TypeError, ValueError):  # a program pickle cannot hold
        pass


def _prune(directory: Path) -> None:
    entries = list(directory.glob("*.ast"))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for p in entries[: len(entries) - MAX_ENTRIES]:
        try:
            p.unlink()
        except OSError:
            pass
