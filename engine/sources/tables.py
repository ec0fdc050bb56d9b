"""Approval records that arrive as values rather than as text in a file: an iterable of
mappings (dicts), a pandas or polars DataFrame (or a pyarrow Table), a Parquet file and a
database table or query (SQLAlchemy).

Each is a `RecordSource`, so an audit treats its rows exactly as a file's: header aliases
(a column or key named 办件编号 is `case_id`), the same converters, a reject with a reason
for a row that does not convert, duplicate case ids, and rows numbered 1, 2, 3... by their
position in the input (an all-empty row is a row here, rejected for its missing case id,
where a blank line of a file is not). Values that come typed (dates, numbers, booleans)
go through the converters as typed cells of a workbook do; a missing value (None, NaN,
NaT, pandas.NA) is an empty cell.

Nothing is loaded whole: a Parquet file is read a batch of rows at a time (pyarrow's
`iter_batches`, at most `MAX_ROW_GROUP_BYTES` of data decoded at once), a query's rows are
fetched in batches from a server-side cursor (SQLAlchemy's `stream_results`/`yield_per`),
a DataFrame is walked row by row. pandas, polars, pyarrow and SQLAlchemy are optional
(`pip install 'xuke[dataframes]'`, `'xuke[db]'`): without them, one line says what to
install.

An audit never changes a database: the connection is read-only where the database can be
told so (SQLite `query_only`, PostgreSQL `READ ONLY`) and is rolled back, never committed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import chain, islice

from ..domain.values import as_text
from ..errors import InputError, XukeError
from .jsonlreader import HEADER_SAMPLE, JsonlFile
from .records import RecordSource, Reject, Row, _Layout, _SeenIds, alias_index

BATCH_ROWS = 10_000  # rows per Parquet batch, DataFrame slice or database fetch
MAX_ROW_GROUP_BYTES = 2 << 30  # a Parquet row group decoded at once; a writer's default is far less
MAX_COLUMNS = 16_384  # Excel's limit: more is not an approval export
EXTRAS = {"pandas": "dataframes", "polars": "dataframes", "pyarrow": "dataframes", "sqlalchemy": "db"}


def need(module: str):
    """Import an optional dependency (sqlalchemy, pyarrow, pyarrow.parquet), or say in one
    line how to install it."""
    try:
        if module == "sqlalchemy":
            import sqlalchemy as found
        elif module == "pyarrow":
            import pyarrow as found
        elif module == "pyarrow.parquet":
            import pyarrow.parquet as found
        else:
            raise ValueError(f"not an optional dependency of xuke: {module}")
    except ImportError as e:
        top = module.split(".")[0]
        raise XukeError(f"this input needs {top} ({e}): pip install 'xuke[{EXTRAS.get(top, top)}]'") from None
    return found


_PLAIN = frozenset({str, int, bool, Decimal, dt.date, dt.datetime, type(None)})


def plain(value: object) -> object:
    """A value as the converters take it: None for every kind of missing value (NaN, NaT,
    pandas.NA), Python scalars for numpy's, datetime for a pandas Timestamp, text for bytes."""
    if value.__class__ in _PLAIN:
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    try:
        if value != value:  # NaN of any float type, NaT
            return None
    except (TypeError, ValueError):  # pandas.NA: its truth value is ambiguous
        return None
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        return value.to_pydatetime()
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return plain(value.item())
    return value


def _text(value: object) -> str:
    """A typed value as text, for unknown keys and rejects."""
    if isinstance(value, (dict, list, tuple)):
        return JsonlFile.raw_text(value if not isinstance(value, tuple) else list(value))
    return value if isinstance(value, str) else as_text(value)


def _kind(value: object) -> str:
    return "a list" if isinstance(value, (list, tuple)) else f"a {type(value).__name__}"


# ---- an iterable of mappings ----------------------------------------------------------


class _Keyed:
    """Mappings, one a record, as `RecordSource._iter_jsonl` reads a JSONL file's objects:
    key by key, since the keys may differ from one record to the next."""

    raw_text = staticmethod(_text)

    def __init__(self, records: Iterable, name: str):
        it = iter(records)
        sample = list(islice(it, HEADER_SAMPLE))
        if not sample:
            raise InputError(f"{name}: no records")
        keys: dict[str, None] = {}
        for item in sample:
            if isinstance(item, Mapping):
                keys.update(dict.fromkeys(str(k) for k in item))
        if not keys:
            raise InputError(f"{name}: no mapping in the first {len(sample)} record(s); expected dicts")
        self.header = list(keys)
        self._items = chain(sample, it)
        self._again = records if isinstance(records, (list, tuple)) else None
        self._read = False
        self.name = name

    def records(self, start=0, end=None, line_base=0, span=None):
        if self._read:
            if self._again is None:
                raise XukeError(f"{self.name}: an iterator can be read once; pass a list to read it again")
            self._items = iter(self._again)
        self._read = True
        for item in self._items:
            if isinstance(item, Mapping):
                yield None, {str(k): plain(v) for k, v in item.items()}, None, None
            else:
                text = _text(plain(item))
                yield None, text[:200], f"not a mapping but {_kind(item)}", None


class MappingSource(RecordSource):
    """Records from an iterable of mappings (dicts, SQLAlchemy row mappings...)."""

    def __init__(self, records: Iterable, name: str = "<records>", aliases: dict[str, str] | None = None,
                 required=("case_id", "received_at")):  # fmt: skip
        if isinstance(records, (str, bytes, Mapping)):
            raise XukeError("records: give an iterable of mappings (one per record), not a single "
                            + ("mapping" if isinstance(records, Mapping) else "string"))  # fmt: skip
        self.path, self.format, self.required = name, "records", tuple(required)
        self._index = alias_index(aliases)
        self._file = _Keyed(records, name)
        self._layouts = {}
        self._describe_columns()

    def read(self, start=None, end=None, *, rows: int = 0, lines=None, seen=None, span=None):
        if start is not None or end is not None:
            raise ValueError("records can only be read from the start")
        items = self._iter_jsonl(0, None, rows, 0, _SeenIds() if seen is None else seen, None)
        return ((item, None) for item, _ in items)


# ---- tables: named columns, rows of values ----------------------------------------------


class TableSource(RecordSource):
    """Rows of values under a header of column names: DataFrames, Parquet, database results.
    `rows` is called once per read and yields sequences aligned with `columns`."""

    format = "table"

    def __init__(self, name: str, columns: list, rows: Callable[[], Iterator], aliases=None,
                 required=("case_id", "received_at")):  # fmt: skip
        if len(columns) > MAX_COLUMNS:
            raise InputError(f"{name}: {len(columns)} columns; at most {MAX_COLUMNS} are read")
        self.path, self.required = name, tuple(required)
        self._index = alias_index(aliases)
        self._layouts = {None: _Layout([str(c) for c in columns], self._index, self.required, name)}
        self._rows = rows
        self._describe_columns()

    def read(self, start=None, end=None, *, rows: int = 0, lines=None, seen=None, span=None):
        if start is not None or end is not None:
            raise ValueError("a table can only be read from the start")
        seen = _SeenIds() if seen is None else seen
        return ((item, None) for item in self._iter_rows(seen, rows))

    def _iter_rows(self, seen: _SeenIds, n: int) -> Iterator[Row | Reject]:
        layout = self._layouts[None]
        build, extra_of, finish, raw = layout.build_typed, layout.extra, self._finish, layout.raw
        for values in self._rows():
            cells = [plain(v) for v in values]
            n += 1
            typed, errors = build(cells)
            extra = extra_of(cells) if layout.extras else {}
            yield finish(n, typed, extra, errors, seen, None, None, raw, cells)

    def close(self) -> None:
        pass


def frame_source(frame, name: str = "<dataframe>", aliases=None) -> TableSource:
    """A pandas or polars DataFrame, or a pyarrow Table, as a record source. Detected by the
    type's module, so none of the three is imported here."""
    module = type(frame).__module__.split(".")[0]
    if module == "pandas" and hasattr(frame, "itertuples"):
        columns = list(frame.columns)
        return TableSource(name, columns, lambda: frame.itertuples(index=False, name=None), aliases)
    if module == "polars" and hasattr(frame, "iter_slices"):
        def rows():
            for part in frame.iter_slices(BATCH_ROWS):
                yield from part.iter_rows()

        return TableSource(name, list(frame.columns), rows, aliases)
    if module == "pyarrow" and hasattr(frame, "to_batches"):
        return TableSource(name, list(frame.column_names), lambda: _arrow_rows(frame.to_batches(BATCH_ROWS)),
                           aliases)  # fmt: skip
    raise XukeError(f"not a data frame xuke can read: {type(frame).__module__}.{type(frame).__name__} "
                    "(give a pandas or polars DataFrame, or a pyarrow Table)")  # fmt: skip


def _arrow_rows(batches) -> Iterator[tuple]:
    for batch in batches:
        yield from zip(*(column.to_pylist() for column in batch.columns))


# ---- Parquet ----------------------------------------------------------------------------


class ParquetSource(TableSource):
    """A Parquet file, read one batch of rows at a time."""

    def __init__(self, path: str | os.PathLike, aliases=None):
        name = os.fspath(path)
        if not os.path.exists(name):
            raise InputError(f"{name}: no such file")
        if os.path.isdir(name):
            raise InputError(f"{name}: is a directory, not a file")
        pa = need("pyarrow")
        pq = need("pyarrow.parquet")
        try:
            parquet = pq.ParquetFile(name)
            meta = parquet.metadata
        except (pa.ArrowException, OSError) as e:
            raise InputError(f"{name}: not a Parquet file xuke can read: {_first_line(e)}") from None
        for i in range(meta.num_row_groups):
            size = meta.row_group(i).total_byte_size
            if size > MAX_ROW_GROUP_BYTES:
                raise InputError(f"{name}: row group {i} holds {size} bytes of data, over the {MAX_ROW_GROUP_BYTES} "
                                 "read at once; write the file with smaller row groups")  # fmt: skip

        def rows():
            try:
                yield from _arrow_rows(parquet.iter_batches(batch_size=BATCH_ROWS))
            except (pa.ArrowException, OSError) as e:
                raise InputError(f"{name}: cannot read: {_first_line(e)}") from None

        super().__init__(name, parquet.schema_arrow.names, rows, aliases)


# ---- databases ----------------------------------------------------------------------------


class DatabaseSource(TableSource):
    """The rows of a table or of a query, through SQLAlchemy, fetched in batches.

    The query runs when the source is opened (so its columns are known before any work);
    its rows are read once, in the order the database returns them: a table is read in
    the order of its primary key when it has one, a query in its own ORDER BY."""

    @staticmethod
    def display_url(url: str) -> str:
        """The URL as reports may show it: without its password."""
        sa = need("sqlalchemy")
        try:
            return sa.engine.make_url(url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            raise XukeError(f"not a database URL: {url.split('@')[-1]!r} (e.g. sqlite:///audit.db, "
                            "postgresql+psycopg://user@host/db)") from None  # fmt: skip

    def __init__(self, url: str, table: str | None = None, query: str | None = None, aliases=None,
                 batch: int = 1000):  # fmt: skip
        sa = need("sqlalchemy")
        if (table is None) == (query is None):
            raise XukeError("a database input needs a table or a query (--table T or --query SQL), not both")
        shown = self.display_url(url)
        name = f"{shown}#{table}" if table is not None else f"{shown}#query"
        self._engine = self._conn = self._result = None
        try:
            self._engine = sa.create_engine(url)
            self._conn = self._engine.connect()
            self._read_only(sa)
            if table is not None:
                schema, _, bare = table.rpartition(".")
                t = sa.Table(bare, sa.MetaData(), schema=schema or None, autoload_with=self._conn)
                statement = sa.select(t).order_by(*t.primary_key.columns)
            else:
                statement = sa.text(query)
            self._result = self._conn.execution_options(stream_results=True, yield_per=batch).execute(statement)
            if not self._result.returns_rows:
                raise XukeError(f"{name}: the query returns no rows (it must be a SELECT)")
            columns = list(self._result.keys())
        except sa.exc.NoSuchTableError:
            self.close()
            raise InputError(f"{shown}: no table {table!r}") from None
        except sa.exc.NoSuchModuleError as e:
            self.close()
            raise XukeError(f"{shown}: no database driver for it ({_first_line(e)})") from None
        except ImportError as e:  # the dialect's driver
            self.close()
            raise XukeError(f"{shown}: its database driver is not installed ({e}); e.g. pip install psycopg "
                            "for PostgreSQL") from None  # fmt: skip
        except sa.exc.SQLAlchemyError as e:
            self.close()
            raise InputError(f"{name}: {_first_line(getattr(e, 'orig', None) or e)}") from None
        except BaseException:
            self.close()
            raise
        def rows():
            result = self._result
            if result is None:
                raise XukeError(f"{name}: a query's rows are read once; open the source again")
            try:
                yield from result
            except sa.exc.SQLAlchemyError as e:
                raise InputError(f"{name}: {_first_line(getattr(e, 'orig', None) or e)}") from None
            finally:
                self.close()

        super().__init__(name, columns, rows, aliases)

    def _read_only(self, sa) -> None:
        dialect = self._conn.dialect.name
        if dialect == "sqlite":
            self._conn.exec_driver_sql("PRAGMA query_only = ON")
        elif dialect == "postgresql":
            self._conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    def close(self) -> None:
        for part in (self._result, self._conn):
            if part is not None:
                try:
                    part.close()  # a connection closed uncommitted is rolled back
                except Exception:  # noqa: BLE001 - closing after a failure must not hide it
                    pass
        if self._engine is not None:
            self._engine.dispose()
        self._result = self._conn = self._engine = None


def _first_line(e: object) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
