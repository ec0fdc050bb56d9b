"""`--format github`: GitHub Actions workflow commands, one line per finding, which the
runner turns into annotations on the pull request's files:

    ::error file=rules/a.rules,line=3,col=6,endColumn=9,title=XUKE-CHECK::message

Levels: critical and error -> error, warning -> warning, info -> notice. Locations are
the SARIF report's regions (sarif.region_of): a clause's line and columns, a record's
line in its export (none for Parquet or a database), a file-level finding (a department,
a whole document) with no line.
Paths are relative to the working directory (the workspace in a GitHub job), with
forward slashes. Data and properties are escaped as the Actions toolkit does
(`%`, CR, LF; and `:` `,` in properties), so a message cannot end the command early
or start another one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from ..findings import Finding
from .atomic import atomic_write
from .sarif import is_file_name, region_of

COMMANDS = {"critical": "error", "error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_path(file: str, base_dir: str | os.PathLike | None = None) -> str:
    """`file` as the runner matches it: relative to the workspace when inside it."""
    if not is_file_name(file):  # a database URL, "<records>"
        return file
    path = os.path.abspath(file)
    base = os.path.abspath(base_dir if base_dir is not None else os.curdir)
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive
        return Path(path).as_posix()
    return Path(path).as_posix() if rel == os.pardir or rel.startswith(os.pardir + os.sep) else Path(rel).as_posix()


def command(f: Finding, base_dir=None) -> str:
    props = []
    if f.file:
        props.append(("file", workflow_path(f.file, base_dir)))
        region = region_of(f)
        if region is not None:
            props.append(("line", region["startLine"]))
            if "startColumn" in region:
                props.append(("col", region["startColumn"]))
            if region.get("endLine", region["startLine"]) != region["startLine"]:
                props.append(("endLine", region["endLine"]))
            if "endColumn" in region:
                props.append(("endColumn", region["endColumn"]))
    props.append(("title", f"{f.rule} {f.title}".strip()))
    head = ",".join(f"{k}={escape_property(str(v))}" for k, v in props)
    where = f" ({f.case_id})" if f.case_id else ""  # which case, for an audit
    return f"::{COMMANDS.get(f.severity, 'warning')} {head}::{escape_data((f.message or f.title) + where)}"


def render_github(findings: Iterable[Finding], base_dir=None) -> str:
    return "".join(command(f, base_dir) + "\n" for f in findings)


def write_github(out: str, findings: Iterable[Finding], base_dir=None) -> None:
    text = render_github(findings, base_dir)
    if out == "-":
        sys.stdout.write(text)
        return
    atomic_write(out, lambda fh: fh.write(text))
