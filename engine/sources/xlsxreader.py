"""XLSX workbooks, streamed with openpyxl's read-only mode.

Cells arrive typed (datetime, int, float, str). Formulas give the value Excel cached when
it last saved the file (data_only); a file written by a program that never computed them
has no cached value, so such a cell reads as empty. A merged range reads as its top-left
cell, the others empty. Both are what openpyxl reports; nothing is guessed.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator

from ..errors import InputError


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class XlsxFile:
    """A workbook: the sheets to read and, for each, its header (first non-empty row)."""

    def __init__(self, path: str, sheet: str | None = None):
        self.path = path
        self.name = os.fspath(path)  # for messages
        self.headers: dict[str, tuple[int, list[object]]] = {}  # sheet -> (header row number, header)
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

    def _open(self):
        # Imported here: openpyxl is slow to import and CSV/JSONL audits never need it.
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            return openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
            raise InputError(f"{self.name}: not a readable .xlsx workbook ({e})") from None

    @staticmethod
    def _rows(wb, title: str) -> Iterator[tuple[int, tuple]]:
        ws = wb[title]
        # Exporters often write wrong or no dimensions; without them openpyxl reads each
        # row as far as it has cells, and enumerate from row 1 keeps Excel's row numbers.
        ws.reset_dimensions()
        return enumerate(ws.iter_rows(min_row=1, values_only=True), 1)

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
