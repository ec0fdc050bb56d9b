"""XLSX workbooks, streamed with openpyxl's read-only mode.

Cells arrive typed (datetime, int, float, str). Formulas give the value Excel cached when
it last saved the file (data_only); a file written by a program that never computed them
has no cached value, so such a cell reads as empty. A merged range reads as its top-left
cell, the others empty. Both are what openpyxl reports; nothing is guessed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

from ..errors import InputError
from .zipguard import check_zip

# Zip-bomb limits, checked on the sizes the archive declares before openpyxl inflates anything
# (zipfile never inflates a member past its declared size). Real exports stay far below both:
# a 10**5-row, 38-column export of fixtures/approvals is 22 MB on disk and 220 MB inflated at
# 10:1; rows of one repeated value or of styled blank cells measured 11-21:1. 100:1 is also
# Apache POI's default (ZipSecureFile), and what the .docx reader allows. The total admits
# Excel's own maximum of 1,048,576 rows at about 2 KB of XML per 38-column row.
MAX_XLSX_BYTES = 4 * 1024**3
MAX_XLSX_RATIO = 100
# Excel's own limits (B20): a sheet beyond them was not written by Excel or any exporter
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384  # XFD
MAX_CELL_CHARS = 32_767


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class XlsxFile:
    """A workbook: the sheets to read and, for each, its header (first non-empty row)."""

    def __init__(self, path: str, sheet: str | None = None):
        self.path = path
        self.name = os.fspath(path)  # for messages
        self.headers: dict[str, tuple[int, list[object]]] = {}  # sheet -> (header row number, header)
        self._check_zip()
        wb = self._open()
        try:
            names = wb.sheetnames
            if sheet is not None and sheet not in names:
                raise InputError(f"{self.name}: no sheet {sheet!r}; sheets: {', '.join(names)}")
            for title in [sheet] if sheet is not None else names:
                for number, cells, _ in self._rows(wb, title):
                    if any(not _blank(c) for c in cells):
                        self.headers[title] = (number, _trim(cells))
                        break
        finally:
            wb.close()
        if not self.headers:
            raise InputError(f"{self.name}: empty file (no sheet has a header row)")

    def _check_zip(self) -> None:
        check_zip(self.path, self.name, MAX_XLSX_BYTES, MAX_XLSX_RATIO, "not a readable .xlsx workbook")

    def _open(self):
        # Imported here: openpyxl is slow to import and CSV/JSONL audits never need it.
        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "no default style", unknown extensions
                return openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except OSError as e:
            raise InputError(f"{self.name}: cannot read: {e.strerror or e}") from None
        except Exception as e:  # damaged parts: each kind of part fails its own way
            raise InputError(f"{self.name}: not a readable .xlsx workbook ({_detail(e)})") from None

    def _rows(self, wb, title: str, width: int | None = None) -> Iterator[tuple[int, tuple, tuple | None]]:
        """(row number, cells, beyond) for each row the sheet holds: cells up to `width` (all
        when None), and the first non-blank cell beyond it as (column, value), or None.

        openpyxl's own row iterator is not used: it makes an empty row for every row number
        a sheet skips and a cell for every column up to the last one, so a 2 KB sheet with a
        row numbered 2,000,000,000 or a cell in column ZZZ took hours (B20). Its sheet parser
        is: rows and cells are checked against Excel's limits as they arrive."""
        from openpyxl.worksheet._reader import WorkSheetParser

        ws = wb[title]
        where, last = f"{self.name}: sheet {title}", 0
        try:
            with ws._get_source() as src:
                parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                         date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)  # fmt: skip
                rows = parser.parse()
                while True:
                    with warnings.catch_warnings():  # a date out of range is a warning, and reads as #VALUE!
                        warnings.simplefilter("ignore")
                        try:
                            number, cells = next(rows)
                        except StopIteration:
                            return
                    if not 0 < number <= MAX_ROWS:
                        raise InputError(f"{where}: row number {number:,} (Excel's rows are 1 to {MAX_ROWS:,})")
                    last = number
                    yield number, *_cells(cells, width, f"{where}, row {number}")
        except InputError:
            raise
        except Exception as e:  # openpyxl and the XML parser raise many kinds on damaged parts
            # sheets are inflated as they are read: a damaged member, or one longer than its
            # declared size (cut there, see _check_zip), fails part way through
            after = f", after row {last}" if last else ""
            raise InputError(f"{where}{after}: not a readable .xlsx workbook ({_detail(e)})") from None

    def rows(self) -> Iterator[tuple[str, int, tuple, tuple | None]]:
        """(sheet, row number in the sheet, cells, beyond) for every row after each sheet's
        header: the cells under the header, and the first non-blank cell beyond it as
        (column, value), or None."""
        wb = self._open()
        try:
            for title, (header_row, header) in self.headers.items():
                for number, cells, beyond in self._rows(wb, title, len(header)):
                    if number > header_row:
                        yield title, number, cells, beyond
        finally:
            wb.close()


def _cells(cells: list[dict], width: int | None, where: str) -> tuple[tuple, tuple | None]:
    """The values of one parsed row by column, up to `width` (every column when None), and
    the first non-blank cell beyond it as (column, value), or None."""
    values: dict[int, object] = {}
    beyond = None
    for cell in cells:
        column, value = cell["column"], cell["value"]
        if not 0 < column <= MAX_COLUMNS:
            raise InputError(f"{where}: column {column:,} is beyond Excel's last column (XFD, {MAX_COLUMNS:,})")
        if value is None:
            continue
        if value.__class__ is str and len(value) > MAX_CELL_CHARS:
            raise InputError(f"{where}: a cell of {len(value):,} characters (Excel's limit is {MAX_CELL_CHARS:,})")
        if width is None or column <= width:
            values[column] = value
        elif not _blank(value) and (beyond is None or column < beyond[0]):
            beyond = (column, value)
    out = [None] * (width if width is not None else max(values, default=0))
    for column, value in values.items():
        out[column - 1] = value
    return tuple(out), beyond


def _detail(e: Exception) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def _trim(cells: tuple) -> list[object]:
    """The header without its trailing empty cells."""
    end = len(cells)
    while end and _blank(cells[end - 1]):
        end -= 1
    return list(cells[:end])
