"""XLSX workbooks, streamed with openpyxl's read-only mode.

Cells arrive typed (datetime, int, float, str). Formulas give the value Excel cached when
it last saved the file (data_only); a file written by a program that never computed them
has no cached value, so such a cell reads as empty. A merged range reads as its top-left
cell, the others empty. Both are what openpyxl reports; nothing is guessed.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

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
_DAMAGED = (zipfile.BadZipFile, EOFError, zlib.error, ParseError)


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
                for number, cells in self._rows(wb, title):
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
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            return openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (*_DAMAGED, InvalidFileException, KeyError, OSError, ValueError) as e:
            raise InputError(f"{self.name}: not a readable .xlsx workbook ({e})") from None

    def _rows(self, wb, title: str) -> Iterator[tuple[int, tuple]]:
        ws = wb[title]
        # Exporters often write wrong or no dimensions; without them openpyxl reads each
        # row as far as it has cells, and enumerate from row 1 keeps Excel's row numbers.
        ws.reset_dimensions()
        try:
            yield from enumerate(ws.iter_rows(min_row=1, values_only=True), 1)
        except _DAMAGED as e:
            # sheets are inflated as they are read: a damaged member, or one longer than its
            # declared size (cut there, see _check_zip), fails part way through
            raise InputError(f"{self.name}: sheet {title}: not a readable .xlsx workbook ({e})") from None

    def rows(self) -> Iterator[tuple[str, int, tuple]]:
        """(sheet, row number in the sheet, cells) for every row after each sheet's header."""
        wb = self._open()
        try:
            for title, (header_row, _) in self.headers.items():
                for number, cells in self._rows(wb, title):
                    if number > header_row:
                        yield title, number, cells
        finally:
            wb.close()


def _trim(cells: tuple) -> list[object]:
    """The header without its trailing empty cells."""
    end = len(cells)
    while end and _blank(cells[end - 1]):
        end -= 1
    return list(cells[:end])
