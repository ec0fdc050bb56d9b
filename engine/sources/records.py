"""Approval records from CSV, JSONL and XLSX exports, as canonical typed rows.

Every input row ends up as exactly one `Row` (normalised cleanly) or one `Reject` (with a
one-line reason and the raw cells), numbered 1, 2, 3... in file order, so that an audit
can reconcile rows read = evaluated + rejected. Blank lines are not rows. Whatever a
line holds, iteration does not raise: only problems with the file as a whole (missing,
empty, no header, a required column absent) raise `InputError`, and they do so when the
source is opened.
"""

from __future__ import annotations

import os
import unicodedata
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import islice

from ..domain.schema import RECORD_FIELDS, FieldSpec, record_aliases
from ..domain.values import as_text, converter, normalise_text
from ..errors import InputError, XukeError
from .csvreader import CsvFile, line_start
from .jsonlreader import JsonlFile
from .xlsxreader import XlsxFile

_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_SPECS = {spec.name: spec for spec in RECORD_FIELDS}
CACHE_SIZE = 4096  # distinct raw values remembered per column (dates, departments, 是/否 ...)


@dataclass(slots=True)
class Row:
    """A row that normalised cleanly."""

    row: int  # 1-based data row within its file (header and blank lines not counted; across sheets)
    values: dict[str, object]  # canonical field -> typed value; empty cells omitted
    extra: dict[str, str] = field(default_factory=dict)  # columns with no canonical name, as text
    sheet: str | None = None
    line: int | None = None  # where it starts: physical line (CSV, JSONL) or sheet row (XLSX)


@dataclass(slots=True)
class Reject:
    """A row that could not be used, and why (one line)."""

    row: int
    reason: str  # e.g. "received_at: bad date '2025-02-30'"
    raw: dict[str, str]  # header -> cell text; cells beyond the header as _col<N>
    sheet: str | None = None
    line: int | None = None
    first_row: int = 0  # a duplicate case id: the row it was first seen on (-1: too large to keep)


@dataclass(slots=True)
class Span:
    """What a read of a CSV or JSONL file covered: the byte offset it started at, the
    offset of the first line it did not read, and the physical line count there (counted
    as the read was told: from the file's start, or from `start`)."""

    start: int = 0
    stop: int = 0
    lines: int = 0


def header_key(text: object) -> str:
    """Headers match ignoring surrounding and repeated whitespace, full/half width and ASCII case."""
    s = unicodedata.normalize("NFKC", text if isinstance(text, str) else as_text(text)).replace("\ufeff", "")
    return " ".join(s.split()).lower()


def alias_index(extra: dict[str, str] | None = None) -> dict[str, str]:
    """header_key(header) -> canonical field, from the schema plus configured aliases."""
    index = {header_key(alias): name for alias, name in record_aliases().items()}
    for alias, name in (extra or {}).items():
        if name not in _SPECS:
            raise XukeError(f"aliases: {alias!r} maps to unknown field {name!r}")
        index[header_key(alias)] = name  # configuration wins over the built-in names
    return index


# ---- per-column conversion ----------------------------------------------------------

_MISS = object()


class _Bad:
    """A conversion failure, cached like a value so that a repeated bad cell costs a lookup."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def _column(spec: FieldSpec) -> tuple[Callable[[object, object], object], Callable[[object], object]]:
    """(lookup, convert) for one canonical field: a cache of raw text -> result, and the
    converter that fills it, returning the value, None, or a _Bad.

    Exports repeat the same dates, departments and 是/否 endlessly; a dict hit is far
    cheaper than parsing. Only str keys are cached: typed XLSX/JSON values such as 1,
    1.0 and True compare equal but must not share a result. Plain closures, not a class
    with __call__: this runs for every cell that misses the cache.
    """
    name, convert = spec.name, converter(spec)
    cache: dict[str, object] = {}
    limit = 0 if name == "case_id" else CACHE_SIZE  # ids are unique: caching them never pays

    def slow(raw: object) -> object:
        try:
            value = convert(raw)
        except ValueError as e:
            value = _Bad(f"{name}: {e}")
        if len(cache) < limit and raw.__class__ is str:
            cache[raw] = value
        return value

    return cache.get, slow


class _Layout:
    """How one header's columns map onto the canonical record."""

    def __init__(self, header: list[object], index: dict[str, str], required: tuple[str, ...], where: str):
        self.headers: list[str] = []
        self.mapping: dict[str, str] = {}
        self.columns: list[tuple[int, str, Callable, Callable]] = []  # (position, field, lookup, convert)
        self.extras: list[tuple[int, str]] = []
        owner: dict[str, str] = {}
        names: set[str] = set()
        for i, cell in enumerate(header):
            text = normalise_text(cell) if cell is not None else ""
            name = text or f"column {i + 1}"
            if name in names:  # unknown duplicates stay apart in `extra`
                name = next(
                    f"{name} ({k})" for k in range(2, len(header) + 2) if f"{name} ({k})" not in names
                )
            names.add(name)
            self.headers.append(name)
            canonical = index.get(header_key(text)) if text else None
            if canonical is None:
                self.extras.append((i, name))
                continue
            if canonical in owner:
                raise InputError(
                    f"{where}: columns {owner[canonical]!r} and {name!r} both map to {canonical}"
                )
            owner[canonical] = name
            self.mapping[name] = canonical
            self.columns.append((i, canonical, *_column(_SPECS[canonical])))
        self.fields = set(owner)
        self.ncols = len(header)
        _require(self.fields, self.headers, required, where)

    def build(self, cells: list[str]) -> tuple[dict[str, object], list[str] | None]:
        """Typed values of one row of text cells (CSV) aligned with the header, and any errors.

        The hottest loop of an audit: `build_typed` is its twin for typed cells, kept
        separate so that this one pays for no type test per cell."""
        values: dict[str, object] = {}
        errors = None
        for i, name, get, convert in self.columns:
            value = get(cells[i], _MISS)
            if value is _MISS:
                value = convert(cells[i])
            if value is None:
                continue
            if value.__class__ is _Bad:
                if errors is None:
                    errors = []
                errors.append(value.reason)
                continue
            values[name] = value
        return values, errors

    def build_typed(self, cells) -> tuple[dict[str, object], list[str] | None]:
        """`build` for cells that may be typed (XLSX): only text goes through the caches."""
        values: dict[str, object] = {}
        errors = None
        for i, name, get, convert in self.columns:
            raw = cells[i]
            value = get(raw, _MISS) if raw.__class__ is str else _MISS
            if value is _MISS:
                value = convert(raw)
            if value is None:
                continue
            if value.__class__ is _Bad:
                if errors is None:
                    errors = []
                errors.append(value.reason)
                continue
            values[name] = value
        return values, errors

    def extra(self, cells) -> dict[str, str]:
        out = {}
        for i, name in self.extras:
            cell = cells[i]
            if cell is not None and cell != "":
                out[name] = cell if cell.__class__ is str else as_text(cell)
        return out

    def raw(self, cells) -> dict[str, str]:
        out = {}
        for i, cell in enumerate(cells):
            key = self.headers[i] if i < len(self.headers) else f"_col{i + 1}"
            out[key] = "" if cell is None else cell if cell.__class__ is str else as_text(cell)
        return out


def _require(fields: set[str], headers: list[str], required: tuple[str, ...], where: str) -> None:
    missing = [f for f in required if f not in fields]
    if missing:
        wanted = "; ".join(f"{f} ({' / '.join(_SPECS[f].aliases)})" for f in missing)
        found = ", ".join(normalise_text(h) for h in headers) or "none"  # one line, whatever the keys hold
        raise InputError(f"{where}: no column for required {wanted}; headers found: {found}")


def _blank(cells) -> bool:
    return all(c is None or (c.__class__ is str and not c.strip()) for c in cells)


# ---- duplicate case ids -------------------------------------------------------------

_ROW_TYPE = "I" if array("I").itemsize == 4 else "L"


class _SeenIds:
    """The case ids seen so far, and the row each was first seen on, in flat arrays.

    A compact hash table (the layout of CPython's dict): the ids' 8-byte blake2b digests
    and 4-byte rows in two dense arrays in the order they were met, and an index of 4-byte
    slots into them, probed linearly at a load of 1/4 to 1/2. That is 20-28 bytes per
    distinct id (10^8 ids: about 2.4 GB), where a set of str would take over 100; and
    growing rebuilds only the index, so the peak while it grows is the index's old and
    new size, not a second copy of everything. Two different ids share a digest with
    probability about n^2 / 2^65 (3e-4 at 10^8 rows); the digest is stable across runs,
    so a collision at least reports the same way every time.
    """

    __slots__ = ("_index", "_keys", "_rows", "_mask", "_mark")

    def __init__(self, bits: int = 16):
        self._index = array(_ROW_TYPE, [0]) * (1 << bits)  # 1 + position in the dense arrays
        self._keys = array("Q")
        self._rows = array(_ROW_TYPE)
        self._mask = (1 << bits) - 1
        self._mark: int | None = None

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, row: int) -> int:
        """0 if `key` is new (it is now recorded at `row`); else the row it was first seen
        on, or -1 when that row number was too large to store."""
        return self.add_digest(id_digest(key), row)

    def add_digest(self, h: int, row: int) -> int:
        """`add` for a key's `id_digest`."""
        index, keys, mask = self._index, self._keys, self._mask
        i = h & mask
        while True:
            at = index[i]
            if not at:
                break
            if keys[at - 1] == h:
                return self._rows[at - 1] or -1
            i = (i + 1) & mask
        keys.append(h)
        self._rows.append(row if 0 < row <= 0xFFFFFFFF else 0)
        index[i] = len(keys)
        if len(keys) * 2 > mask + 1:
            self._grow()
        return 0

    def first_row(self, h: int) -> int:
        """The row a key with digest `h` was first seen on: 0 if never, -1 if too large."""
        index, keys, mask = self._index, self._keys, self._mask
        i = h & mask
        while at := index[i]:
            if keys[at - 1] == h:
                return self._rows[at - 1] or -1
            i = (i + 1) & mask
        return 0

    def start_journal(self) -> None:
        """From now on, also list each new key's digest and row in `journal`: what a
        reader of one part of a file found first, for whoever joins the parts."""
        self._mark = len(self._keys)

    @property
    def journal(self) -> tuple[array, array] | None:
        """(digests, rows) of the keys added since `start_journal`, as new arrays."""
        if self._mark is None:
            return None
        return self._keys[self._mark :], self._rows[self._mark :]

    def _grow(self) -> None:
        size = 2 * len(self._index)
        self._index = None  # freed before the new index is made
        index, mask = array(_ROW_TYPE, [0]) * size, size - 1
        for at, h in enumerate(self._keys, 1):
            i = h & mask
            while index[i]:
                i = (i + 1) & mask
            index[i] = at
        self._index, self._mask = index, mask


def id_digest(key: str) -> int:
    """The 8-byte digest a case id is remembered by (never 0: 0 marks an empty slot)."""
    return (
        int.from_bytes(blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") or 1
    )


# ---- the source ---------------------------------------------------------------------


class RecordSource:
    """Typed rows of one input file, streamed in bounded memory.

    `headers`, `mapping` (header -> canonical field), `unknown_headers` and
    `present_fields` describe the columns; for a workbook they cover every sheet read,
    and `present_fields` holds the fields every sheet has a column for (a field missing
    from one sheet would read as null there, and rules on nulls would misfire).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        encoding: str | None = None,
        sheet: str | None = None,
        aliases: dict[str, str] | None = None,
        required: tuple[str, ...] | list[str] = ("case_id", "received_at"),
    ):
        self.path = os.fspath(path)
        self.required = tuple(required)
        for f in self.required:
            if f not in _SPECS:
                raise XukeError(f"required field {f!r} is not a record field")
        index = alias_index(aliases)
        if not os.path.exists(self.path):
            raise InputError(f"{self.path}: no such file")
        if os.path.isdir(self.path):
            raise InputError(f"{self.path}: is a directory, not a file")
        ext = os.path.splitext(self.path)[1].lower()
        self.format = _FORMATS.get(ext)
        if self.format is None:
            hint = " (save it as .xlsx or CSV)" if ext == ".xls" else ""
            raise InputError(
                f"{self.path}: unsupported file type {ext or '(none)'!r}{hint}; expected .csv, .tsv, .jsonl or .xlsx"
            )
        if sheet is not None and self.format != "xlsx":
            raise InputError(f"{self.path}: a sheet can only be chosen in an .xlsx workbook")
        try:
            if self.format == "csv":
                self._file = CsvFile(self.path, encoding)
                self._layouts = {None: _Layout(self._file.header, index, self.required, self.path)}
            elif self.format == "jsonl":
                # Keys may differ from line to line, so the sample's keys only describe
                # the file; each object is mapped key by key as it is read.
                self._file = JsonlFile(self.path, encoding)
                self._layouts = {}
            else:
                self._file = XlsxFile(self.path, sheet)
                self._layouts = {
                    title: _Layout(header, index, self.required, f"{self.path} [sheet {title}]")
                    for title, (_, header) in self._file.headers.items()
                }
        except OSError as e:
            raise InputError(f"{self.path}: cannot read: {e.strerror or e}") from None
        self._index = index
        self._describe_columns()

    def _describe_columns(self) -> None:
        """headers, mapping, present_fields and unknown_headers, from the layouts (a header
        row) or, for keyed records (JSONL), from the keys of the sample read up front."""
        index = self._index
        layouts = list(self._layouts.values())
        if layouts:
            self.headers = list(dict.fromkeys(h for lay in layouts for h in lay.headers))
            self.mapping = {h: c for lay in layouts for h, c in lay.mapping.items()}
            self.present_fields = set.intersection(*(lay.fields for lay in layouts))
        else:
            self.headers = list(self._file.header)
            self.mapping = {k: index[header_key(k)] for k in self.headers if header_key(k) in index}
            self.present_fields = set(self.mapping.values())
            _require(self.present_fields, self.headers, self.required, self.path)
        self.unknown_headers = [h for h in self.headers if h not in self.mapping]

    @property
    def ranged(self) -> bool:
        """Whether the source can be read from a byte offset (CSV, JSONL), so that workers
        can read parts of it themselves; others are read from their start, here."""
        return self.format in ("csv", "jsonl")

    @property
    def encoding(self) -> str | None:
        """The text encoding used (CSV), for reports."""
        return getattr(self._file, "encoding", None)

    def chunks(self, size: int) -> Iterator[list[Row | Reject]]:
        if size < 1:
            raise ValueError("chunk size must be at least 1")
        it = iter(self)
        while chunk := list(islice(it, size)):
            yield chunk

    def __iter__(self) -> Iterator[Row | Reject]:
        return (item for item, _ in self.read())

    @property
    def data_start(self) -> tuple[int, int]:
        """(byte offset, physical lines before it) where the records of a CSV or JSONL
        file start."""
        if self.format == "csv":
            return self._file.data_start, self._file.data_lines
        return 0, 0

    def read(
        self,
        start: int | None = None,
        end: int | None = None,
        *,
        rows: int = 0,
        lines: int | None = None,
        seen: _SeenIds | None = None,
        span: Span | None = None,
    ) -> Iterator[tuple[Row | Reject, tuple[int, int] | None]]:
        """(item, mark) for every row; `mark` is (byte offset, physical lines read) where
        reading could stop after this item and start again, or None (always for .xlsx).

        A CSV or JSONL file can be read from `start` (a record boundary: `data_start`, or a
        mark; any other offset is moved to the next line start) up to the first record that
        ends at or beyond `end`, with rows numbered from `rows` + 1 and physical lines from
        `lines` + 1, against the duplicate case ids in `seen` (which the read adds to).
        `span`, if given, receives where the read stopped."""
        seen = _SeenIds() if seen is None else seen
        if self.format == "xlsx":
            if start is not None or end is not None:
                raise ValueError("an .xlsx workbook can only be read whole")
            return ((item, None) for item in self._iter_xlsx(seen, rows))
        first, first_lines = self.data_start
        if start is None:
            start, lines = first, first_lines if lines is None else lines
        elif start <= first:
            start = first
        else:
            start = line_start(self.path, start)
        lines = lines or 0
        if span is not None:
            span.start = span.stop = start
            span.lines = lines
        if self.format == "csv":
            return self._iter_csv(start, end, rows, lines, seen, span)
        return self._iter_jsonl(start, end, rows, lines, seen, span)

    def _finish(self, n, values, extra, errors, seen, sheet, line, raw, cells):
        """Required values and duplicate ids, then the Row, or the Reject with raw(cells)."""
        for f in self.required:
            if f not in values and not (errors and any(e.startswith(f + ":") for e in errors)):
                errors = (errors or []) + [f"{f}: required value is empty"]
        case_id = values.get("case_id")
        first = 0
        if case_id is not None:
            first = seen.add(case_id, n)
            if first:
                at = f"row {first}" if first > 0 else "an earlier row"
                errors = (errors or []) + [f"duplicate case_id {case_id!r} (first at {at})"]
        if errors:
            return Reject(n, "; ".join(errors), raw(cells), sheet, line, first)
        return Row(n, values, extra, sheet, line)

    def _iter_csv(self, start, end, n, lines, seen, span):
        layout = self._layouts[None]
        build, finish, ncols = layout.build, self._finish, layout.ncols
        for line, cells, problem, mark in self._file.records(start, end, lines, span):
            if problem is None:
                if len(cells) == ncols:
                    values, errors = build(cells)
                    if "case_id" not in values and _blank(cells):
                        continue
                    n += 1
                    extra = layout.extra(cells) if layout.extras else {}
                    yield finish(n, values, extra, errors, seen, None, line, layout.raw, cells), mark
                    continue
                if not cells or _blank(cells):
                    continue
                problem = f"{len(cells)} cells where the header has {ncols}"
            n += 1
            yield Reject(n, problem, layout.raw(cells), None, line), mark

    def _iter_xlsx(self, seen, n):
        for sheet, line, cells, beyond in self._file.rows():
            layout = self._layouts[sheet]
            ncols = layout.ncols
            if beyond is not None:
                n += 1
                raw = {**layout.raw(cells), f"_col{beyond[0]}": as_text(beyond[1])}
                yield Reject(n, f"cells beyond the header's {ncols} columns", raw, sheet, line)
                continue
            if len(cells) < ncols:
                cells = [*cells, *(None,) * (ncols - len(cells))]
            values, errors = layout.build_typed(cells)
            if "case_id" not in values and _blank(cells):
                continue
            n += 1
            extra = layout.extra(cells) if layout.extras else {}
            yield self._finish(n, values, extra, errors, seen, sheet, line, layout.raw, cells[:ncols])

    def _iter_jsonl(self, start, end, n, lines, seen, span):
        index, text = self._index, self._file.raw_text

        def raw_cells(obj: dict) -> dict[str, str]:
            return {k: "" if v is None else text(v) for k, v in obj.items()}

        by_field: dict[str, tuple[Callable, Callable]] = {}
        # key -> (canonical field, lookup, convert), or (extra name, None, None)
        targets: dict[str, tuple] = {}
        for line, obj, problem, mark in self._file.records(start, end, lines, span):
            n += 1
            if problem is not None:
                yield Reject(n, problem, {"_line": obj}, None, line), mark
                continue
            values: dict[str, object] = {}
            extra: dict[str, str] = {}
            errors: list[str] | None = None
            owner: dict[str, str] = {}
            for key, raw in obj.items():
                target = targets.get(key)
                if target is None:
                    canonical = index.get(header_key(key))
                    if canonical is None:
                        target = (key, None, None)
                    else:
                        if canonical not in by_field:  # aliases of one field share a cache
                            by_field[canonical] = _column(_SPECS[canonical])
                        target = (canonical, *by_field[canonical])
                    targets[key] = target
                name, get, convert = target
                if get is None:
                    if raw is not None and raw != "":
                        extra[name] = text(raw)
                    continue
                if name in owner:
                    errors = (errors or []) + [f"keys {owner[name]!r} and {key!r} both give {name}"]
                    continue
                owner[name] = key
                value = get(raw, _MISS) if raw.__class__ is str else _MISS
                if value is _MISS:
                    # no record field holds a structure: an object id was taken as its repr (B25)
                    kind = _STRUCTURES.get(raw.__class__)
                    value = convert(raw) if kind is None else _Bad(f"{name}: a JSON {kind}, not a value")
                if value is None:
                    continue
                if value.__class__ is _Bad:
                    errors = (errors or []) + [value.reason]
                    continue
                values[name] = value
            yield self._finish(n, values, extra, errors, seen, None, line, raw_cells, obj), mark


_STRUCTURES = {dict: "object", list: "array"}
