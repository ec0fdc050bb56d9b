"""Open an approval export by its file name: the text and workbook formats of
`records.RecordSource`, and Parquet (`tables.ParquetSource`, with pyarrow)."""

from __future__ import annotations

import os

from .records import RecordSource

PARQUET_SUFFIXES = (".parquet", ".pq")


def open_records(path: str | os.PathLike, encoding: str | None = None, sheet: str | None = None,
                 aliases: dict[str, str] | None = None) -> RecordSource:  # fmt: skip
    if os.fspath(path).lower().endswith(PARQUET_SUFFIXES):
        from ..errors import InputError
        from .tables import ParquetSource

        if sheet is not None:
            raise InputError(f"{os.fspath(path)}: a sheet can only be chosen in an .xlsx workbook")
        return ParquetSource(path, aliases=aliases)
    return RecordSource(path, encoding=encoding, sheet=sheet, aliases=aliases)
