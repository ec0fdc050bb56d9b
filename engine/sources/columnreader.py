"""The column reader: a byte range of a CSV export as one typed table, for the column
strategy (engine/run/columns.py).

It is a fast path beside the row reader (records.py), never a second set of rules: the
cells are split by polars, and each distinct raw value of a column goes through the row
reader's own converter (its caches included), once. A date-time written the usual way
(`2025-03-03 09:34:56`) is converted by its date and a check of its time, so that a
column of distinct time stamps costs one conversion per day.

Every row ends where the row reader would put it, with the same numbers and reasons:
a range with anything the fast path does not reproduce exactly — a record over several
lines, a blank, over-long or undecodable line, a line in another encoding, a NUL or a
stray carriage return, a line whose quoting polars reads otherwise than Python's csv
module, or a line with the wrong number of cells — returns None, and the caller reads
that range with the row reader. A row with a bad value, a missing required value or a
duplicate case id is built by the row reader's own code (`_Layout.build`, `_finish`),
in order, so its reject and the table of case ids seen are those of a row-by-row read.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import polars as pl

from ..domain.schema import RECORD_FIELDS
from .csvreader import MAX_LINE, _is_utf8, line_start
from .records import _MISS, RecordSource, Reject, Span, _Bad, _SeenIds

_TYPES = {spec.name: spec.type for spec in RECORD_FIELDS}
_POLARS = {"text": pl.String, "int": pl.Int64, "bool": pl.Boolean, "date": pl.Date}
_ISO_DATETIME = r"^\d{4}-\d{2}-\d{2} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$"
MIN_DISTINCT_SPLIT = 64  # distinct date-times in a column before they are converted by their date
# a range is read into memory whole (and again as UTF-8 for polars): a larger one, from a
# huge --chunk-size, is left to the row reader, which streams
MAX_BLOCK = 64 << 20


@dataclass
class ColumnRows:
    """The rows of one byte range: the clean ones as a table, the others as rejects."""

    table: pl.DataFrame  # `_row` (file row number, or from the range's start), canonical fields
    rows_read: int
    rejects: list[Reject]
    # per canonical field: the raw key of each clean row (table order) and key -> value
    keys: dict = field(default_factory=dict)
    converted: dict = field(default_factory=dict)
    unknown: set = field(default_factory=set)  # extra columns with a value in a clean row

    def values(self, k: int) -> dict:
        """The typed values of the k-th clean row, exactly as the row reader gives them."""
        return self.values_of([k])[0]

    def values_of(self, ks: list[int]) -> list[dict]:
        """`values` of several rows at once (the rows where a rule fired)."""
        out: list[dict] = [{} for _ in ks]
        index = pl.Series(ks, dtype=pl.Int64)
        for name, keys in self.keys.items():
            converted = self.converted[name]
            for d, key in zip(out, keys.gather(index).to_list(), strict=True):
                value = converted[key]
                if value is not None:
                    d[name] = value
        return out


def read_columns(source: RecordSource, start: int, end: int, rows: int, lines: int, seen: _SeenIds,
                 span: Span) -> ColumnRows | None:  # fmt: skip
    """The records of a CSV file starting in [start, end) (start a record boundary), rows
    numbered from `rows` + 1 and physical lines from `lines` + 1; None when the range
    must be read by the row reader (see the module's docstring). Nothing is added to
    `seen` or `span` unless the range is read here."""
    if source.format != "csv":
        return None
    csvfile = source._file
    layout = source._layouts[None]
    first, _ = source.data_start
    start = first if start <= first else line_start(source.path, start)  # as RecordSource.read does
    if end - start > MAX_BLOCK:
        return None
    with open(source.path, "rb") as fh:
        fh.seek(start)
        block = fh.read(max(0, end - start))
        if block and not block.endswith(b"\n"):  # the rest of the last line the range starts
            rest = fh.readline(MAX_LINE + 2)
            block += rest
    if not block:
        return None
    if b"\x00" in block or block.count(b"\r") != block.count(b"\r\n"):
        return None
    raw_lines = block.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()
    encoding = csvfile.encoding
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError:
        return None
    quoted = []
    for i, line in enumerate(raw_lines):
        if len(line) > MAX_LINE or not line.strip():
            return None
        if encoding == "gb18030" and not line.isascii() and _is_utf8(line):
            return None  # a UTF-8 line in a GBK file: a reject with its own reason
        if b'"' in line:
            quoted.append(i)
    ncols, delim = layout.ncols, csvfile.delimiter
    try:
        table = pl.read_csv(io.BytesIO(block if encoding == "utf-8" else text.encode("utf-8")), has_header=False,
                            infer_schema=False, quote_char='"', separator=delim, empty_string_is_null=False,
                            new_columns=[f"c{i}" for i in range(ncols)], truncate_ragged_lines=False,
                            raise_if_empty=False)  # fmt: skip
    except pl.exceptions.PolarsError:
        return None
    if table.height != len(raw_lines) or table.width != ncols:
        return None
    # every line has its cells: unquoted ones by counting separators (polars fills a short
    # line with nulls), quoted ones as Python's csv module reads them
    seps = delim.encode(encoding)
    for i, line in enumerate(raw_lines):
        if i not in quoted and line.count(seps) != ncols - 1:
            return None
    for i in quoted:
        try:
            cells = next(csv.reader([raw_lines[i].decode(encoding).rstrip("\r")], delimiter=delim, strict=True))
        except csv.Error:
            return None
        if cells != list(table.row(i)):
            return None
    return _convert(source, layout, table, rows, lines, seen, span, start, start + len(block))


def _convert(source, layout, table: pl.DataFrame, rows: int, lines: int, seen: _SeenIds, span: Span,
             start: int, stop: int) -> ColumnRows:  # fmt: skip
    n = table.height
    typed: dict[str, pl.Series] = {}
    keys: dict[str, pl.Series] = {}
    converted: dict[str, dict] = {}
    bad = pl.repeat(False, n, dtype=pl.Boolean, eager=True)
    for pos, name, get, convert in layout.columns:
        column = table.get_column(f"c{pos}")
        keys[name], converted[name], broken = _typed_column(name, column, get, convert)
        typed[name] = _series(name, _TYPES[name], keys[name], converted[name])
        if broken is not None:
            bad = bad | broken
    required = [f for f in source.required if f in typed]
    if required:
        bad = bad | pl.DataFrame(typed).select(pl.any_horizontal([pl.col(f).is_null() for f in required])).to_series()
    case_ids = typed["case_id"].to_list() if "case_id" in typed else [None] * n
    bad_rows = bad.to_list()
    rejects: list[Reject] = []
    keep = [True] * n
    finish = source._finish
    for k in range(n):
        row = rows + k + 1
        if not bad_rows[k]:
            first = seen.add(case_ids[k], row)
            if not first:
                continue  # the common case: clean and new
            # a duplicate: its reason as the row reader writes it (records._finish)
            at = f"row {first}" if first > 0 else "an earlier row"
            rejects.append(Reject(row, f"duplicate case_id {case_ids[k]!r} (first at {at})",
                                  layout.raw(list(table.row(k))), None, lines + k + 1, first))  # fmt: skip
            keep[k] = False
            continue
        keep[k] = False
        cells = list(table.row(k))
        values, errors = layout.build(cells)
        rejects.append(finish(row, values, {}, errors, seen, None, lines + k + 1, layout.raw, cells))
    frame = pl.DataFrame({"_row": pl.int_range(rows + 1, rows + n + 1, dtype=pl.Int64, eager=True), **typed})
    unknown = set()
    if len(rejects):
        mask = pl.Series("keep", keep, dtype=pl.Boolean)
        frame, table = frame.filter(mask), table.filter(mask)
        keys = {name: k.filter(mask) for name, k in keys.items()}
    for pos, name in layout.extras:
        if (table.get_column(f"c{pos}") != "").any():
            unknown.add(name)
    span.start, span.stop, span.lines = start, stop, lines + n
    return ColumnRows(frame, n, rejects, keys, converted, unknown)


def _typed_column(name: str, column: pl.Series, get, convert) -> tuple[pl.Series, dict, pl.Series | None]:
    """A column of raw text through the row reader's converter, once per distinct value:
    (the key of each row, key -> value or None, which rows hold a value it refused)."""
    kind = _TYPES[name]
    keys = column
    if kind == "date" and column.n_unique() > MIN_DISTINCT_SPLIT:
        split = column.str.contains(_ISO_DATETIME)
        dates = column.str.slice(0, 10)
        ok = {v: _one(get, convert, v) for v in dates.filter(split).unique().to_list()}
        # a date-time whose date the converter refuses keeps its whole text as its key
        # (the reason names the text as written)
        refused = [v for v, r in ok.items() if r.__class__ is _Bad]
        if refused:
            split = split & ~dates.is_in(pl.Series(refused, dtype=pl.String).implode())
        keys = pl.select(pl.when(split).then(dates).otherwise(column)).to_series()
    results = {v: _one(get, convert, v) for v in keys.unique().to_list()}
    bad = [v for v, r in results.items() if r.__class__ is _Bad]
    converted = {v: None if r.__class__ is _Bad else r for v, r in results.items()}
    broken = keys.is_in(pl.Series(bad, dtype=pl.String).implode()) if bad else None
    return keys, converted, broken


def _one(get, convert, raw):
    value = get(raw, _MISS)
    return convert(raw) if value is _MISS else value


def _series(name: str, kind: str, keys: pl.Series, converted: dict) -> pl.Series:
    """The typed column: each row's key replaced by its value."""
    old = list(converted)
    if kind == "decimal":
        new = pl.Series([converted[k] for k in old]) if old else pl.Series([], dtype=pl.Null)
        return keys.replace_strict(old, new).alias(name) if old else pl.Series(name, [None] * len(keys))
    new = pl.Series([converted[k] for k in old], dtype=_POLARS[kind], strict=True)
    return keys.replace_strict(old, new, return_dtype=_POLARS[kind]).alias(name)
