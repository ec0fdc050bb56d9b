"""`--format json` and `--format jsonl`: deterministic bytes.

Findings keep the key order of `Finding.to_dict()`; nested data (group, trace, summary)
is put in sorted key order here, because it comes from the runtime and possibly from
several worker processes, and the bytes must not depend on who built a dict first.
Output is UTF-8 with Chinese as is (no \\u escapes): people read these files.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import orjson

from ..findings import Finding
from .aggregate import sort_findings
from .atomic import AtomicFile, atomic_write, write_error

# audit summaries open with the reconciliation, whatever order the runtime built them in
SUMMARY_ORDER = (
    "rows_read",
    "rows_evaluated",
    "rows_rejected",
    "findings_by_rule",
    "skipped_rules",
    "unknown_columns",
    "departments",
)

_INT64 = (-(2**63), 2**64 - 1)


def canonical(value: Any) -> Any:
    """Plain JSON data with every mapping's keys sorted; exotic values made strings."""
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        # orjson refuses integers outside 64 bits; keep them exact as text
        return value if _INT64[0] <= value <= _INT64[1] else str(value)
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # amounts stay exact
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def finding_record(f: Finding) -> dict[str, Any]:
    """`Finding.to_dict()` with its nested data made canonical."""
    out = f.to_dict()
    for key in ("group", "trace"):
        if key in out:
            out[key] = canonical(out[key])
    if "data" in out:
        out["data"] = canonical_data(out["data"])
    return out


def canonical_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A finding's `data` (`report ... with (...)`), in the order the rule gives it: numbers
    stay JSON numbers, dates ISO text. A decimal is written as the double of the same value
    (97.5, never 97.49999: the shortest text that reads back as it); one no double holds
    exactly (more than 15 significant digits) is written as text, so no digit is lost."""
    return {str(k): _data_value(v) for k, v in data.items()}


def _data_value(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        number = float(value)
        return number if Decimal(repr(number)) == value else str(value)
    if isinstance(value, (list, tuple)):
        return [_data_value(v) for v in value]
    return canonical(value)


def data_json(data: Mapping[str, Any] | None) -> str | None:
    """`data` as one line of JSON (for a CSV cell), or None when the finding has none."""
    if data is None:
        return None
    return orjson.dumps(canonical_data(data)).decode()


def canonical_summary(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    summary = dict(summary or {})
    out: dict[str, Any] = {}
    for key in SUMMARY_ORDER:
        if key in summary:
            out[key] = canonical(summary.pop(key))
    skipped = out.get("skipped_rules")
    if isinstance(skipped, list) and all(isinstance(e, dict) for e in skipped):
        out["skipped_rules"] = sorted(skipped, key=lambda e: (str(e.get("rule", "")), repr(e)))
    for key in sorted(summary, key=str):
        out[str(key)] = canonical(summary[key])
    return out


def dumps_json(findings: Iterable[Finding], summary: Mapping[str, Any] | None = None) -> bytes:
    doc = {
        "findings": [finding_record(f) for f in sort_findings(findings)],
        "summary": canonical_summary(summary),
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def dumps_jsonl(findings: Iterable[Finding]) -> bytes:
    return b"".join(_line(f) for f in sort_findings(findings))


def render_jsonl(findings: Iterable[Finding]) -> bytes:
    """One chunk's JSONL lines, as an audit renders them while it runs (the lines of
    consecutive chunks, concatenated, are the streamed report)."""
    return dumps_jsonl(findings)


def copy_jsonl(path: str | os.PathLike, blocks: Iterable[bytes]) -> None:
    """Write lines rendered beforehand (`render_jsonl`), atomically as any report."""
    atomic_write(path, lambda fh: fh.writelines(blocks), binary=True)


def _line(f: Finding) -> bytes:
    out = f.to_dict()
    for key in ("group", "trace"):
        if key in out:
            out[key] = _sorted_fragment(out[key])
    if "data" in out:
        out["data"] = canonical_data(out["data"])
    return orjson.dumps(out, option=orjson.OPT_APPEND_NEWLINE)


def _sorted_fragment(value: Any) -> Any:
    """`canonical(value)` already serialised, for compact output: orjson sorts the keys
    itself, several times faster than building the canonical copy first (the JSONL
    writer is the serial tail of a parallel audit). Anything it would render differently
    from `canonical` (non-str keys, integers beyond 64 bits, sets, other mappings,
    dataclasses) is refused here and takes the canonical path, so the bytes never depend
    on which path ran."""
    try:
        return orjson.Fragment(orjson.dumps(value, default=_plain, option=_FAST))
    except orjson.JSONEncodeError:
        return canonical(value)


_FAST = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError


def write_json(
    path: str | os.PathLike, findings: Iterable[Finding], summary: Mapping[str, Any] | None = None
) -> None:
    data = dumps_json(findings, summary)
    atomic_write(path, lambda fh: fh.write(data), binary=True)


def write_jsonl(path: str | os.PathLike, findings: Iterable[Finding]) -> None:
    data = dumps_jsonl(findings)
    atomic_write(path, lambda fh: fh.write(data), binary=True)


class JsonlWriter:
    """JSONL for a streaming audit: open once, `write` each chunk, `close` to publish.

    Each chunk is sorted; chunks are written in the order given, so the file is in
    `Finding.sort_key` order when the caller hands chunks over in input order (which
    it must do anyway for the output not to depend on the number of workers). Nothing
    appears at `path` until `close()`; an exception inside a `with` block, or `abort()`,
    leaves any previous file untouched.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = path
        self.count = 0
        self._out = AtomicFile(path, binary=True)

    def write(self, findings: Iterable[Finding]) -> int:
        lines = [_line(f) for f in sort_findings(findings)]
        try:
            self._out.stream.write(b"".join(lines))
        except BrokenPipeError:
            self.abort()
            raise
        except OSError as exc:
            self.abort()
            raise write_error("standard output" if self._out.is_stdout else self.path, exc) from None
        self.count += len(lines)
        return len(lines)

    def close(self) -> None:
        self._out.commit()

    def abort(self) -> None:
        self._out.abort()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
