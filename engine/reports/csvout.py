"""Findings as CSV, for Excel users and for spreadsheets of record.

UTF-8 with a byte-order mark, because Excel on a Chinese Windows otherwise opens a
UTF-8 file as GBK and shows mojibake; CRLF line ends as RFC 4180 and Excel expect.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from typing import IO

from ..findings import DATE_FIELDS, Finding
from .aggregate import join_cites, sort_findings
from .atomic import atomic_write
from .jsonout import data_json

COLUMNS = (
    "rule",
    "severity",
    "title",
    "message",
    "cites",
    "file",
    "case_id",
    "row",
    "line",
    "article",
    "group",
    "fingerprint",
    # added after the first columns, so that a script reading them by position still works
    *DATE_FIELDS,
    "history_status",
    "history_since_run",
    "history_runs",
    "data",  # `report ... with (...)`: one JSON object (DEPT-SCORE's figures and grade)
)

# Excel runs a cell that starts with one of these as a formula (CSV injection). Input
# data (case ids, clause text) reaches the report, so such a cell gets a leading
# apostrophe, which Excel shows as text and hides.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... also after leading blanks and control characters, which spreadsheets skip ("\x01=1+1"
# was missed: B25)
_SKIPPED_LEAD = "".join(map(chr, range(0x21))) + "\x7f\u00a0\u3000\ufeff"


def _cell(value: object) -> str | int:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    formula_like = text.startswith(_FORMULA_START) or text.lstrip(_SKIPPED_LEAD).startswith(_FORMULA_START)
    return "'" + text if formula_like else text


def row_of(f: Finding) -> list[str | int]:
    group = (
        json.dumps(f.group, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        if f.group is not None
        else None
    )
    values = (
        f.rule,
        f.severity,
        f.title,
        f.message,
        join_cites(f.cites),
        f.file,
        f.case_id,
        f.row,
        f.line,
        f.article,
        group,
        f.fingerprint(),
        *(getattr(f, name) for name in DATE_FIELDS),
        *((f.history.get("status"), f.history.get("since_run"), f.history.get("runs")) if f.history else (None,) * 3),
        data_json(f.data),
    )
    return [_cell(v) for v in values]


def write_csv_stream(stream: IO[str], findings: Iterable[Finding]) -> None:
    """Write to an open text stream (opened with newline=""), BOM included."""
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in sort_findings(findings):
        writer.writerow(row_of(f))


def write_csv(path: str | os.PathLike, findings: Iterable[Finding]) -> None:
    findings = sort_findings(findings)
    atomic_write(path, lambda fh: write_csv_stream(fh, findings))
