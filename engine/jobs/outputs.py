"""Outputs that would destroy an input, or each other (B22).

`-o export.csv` on the audited export replaced it with the report; `-o X --rejects X` kept
one of the two silently. Before anything is read or written, every output a command will
write is compared with every input it reads and with every other output, as files: by
device and inode when the path exists (so `./x`, a symbolic link and a hard link to the
input are all the same file), by the folder's device and inode and the name when it does
not (two outputs that do not exist yet). Standard output (`-`) is never compared.
"""

from __future__ import annotations

import os

from ..errors import XukeError


def _identity(path: str) -> tuple | None:
    try:
        st = os.stat(path)
        return ("file", st.st_dev, st.st_ino)
    except FileNotFoundError:
        pass
    except OSError:
        return None  # the write itself will say what is wrong with it
    parent = os.path.dirname(os.path.abspath(path))
    try:
        st = os.stat(parent)
    except OSError:
        return None
    return ("new", st.st_dev, st.st_ino, os.path.basename(path))


def check_outputs(outputs: list[tuple[str, str | None]], inputs: list[tuple[str, str | None]]) -> None:
    """`outputs` and `inputs` are (option, path) pairs, such as ("-o", "report.json") or
    ("input", "export.csv"); a None or "-" path is skipped. XukeError (one line) when an
    output is an input or another output."""
    seen: dict[tuple, tuple[str, str]] = {}
    for option, path in inputs:
        if path and path != "-":
            ident = _identity(os.fspath(path))
            if ident is not None and ident[0] == "file":
                seen.setdefault(ident, (option, os.fspath(path)))
    for option, path in outputs:
        if not path or path == "-":
            continue
        path = os.fspath(path)
        ident = _identity(path)
        if ident is None:
            continue
        if ident in seen:
            other, other_path = seen[ident]
            what = "the input" if other == "input" else other
            same = f" ({other_path})" if other_path != path else ""
            raise XukeError(f"{option} {path}: is the same file as {what}{same}; it would be overwritten. "
                            "Write it somewhere else")  # fmt: skip
        seen[ident] = (option, path)
