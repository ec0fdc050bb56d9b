"""The cells, named styles and print settings every sheet of the workbook shares
(reports/xlsxout.py writes the findings sheets, reports/xlsxcharts.py the charts)."""

from __future__ import annotations

import functools
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from ..domain.schema import SEVERITIES
from ..i18n import _, get_lang, severity_label

MAX_CELL_CHARS = 32_767  # Excel's limit per cell

# Named styles, registered once per workbook: a cell refers to one by name instead of
# carrying its own font and fill, and staff can restyle, say, every 严重 cell at once.
# The names are in the workbook's language: cells give a kind, `_style_name` the name.
HEADER, WRAP, TOP, PERCENT = "header", "wrap", "top", "percent"
_TOP_ALIGN = Alignment(vertical="top")


@functools.cache
def _style_names(lang: str) -> dict[str, str]:
    names = {kind: _(f"xlsx.style.{kind}", lang) for kind in (HEADER, WRAP, TOP, PERCENT)}
    names.update({s: f"xuke {severity_label(s, lang)}" for s in SEVERITIES})
    return names


def _style_name(kind: str) -> str | None:
    return _style_names(get_lang()).get(kind)


def _register_styles(wb: Workbook) -> None:
    styles = [
        NamedStyle(_style_name(HEADER), font=Font(bold=True), fill=PatternFill("solid", fgColor="DDE3EA")),
        NamedStyle(_style_name(WRAP), alignment=Alignment(wrap_text=True, vertical="top")),
        NamedStyle(_style_name(TOP), alignment=_TOP_ALIGN),
        NamedStyle(_style_name(PERCENT), number_format="0.0%"),
    ]
    colours = {  # fill, font colour, bold: Excel's own good/neutral/bad palette
        "critical": ("9C0006", "FFFFFF", True),
        "error": ("FFC7CE", "9C0006", False),
        "warning": ("FFEB9C", "7F6000", False),
        "info": ("DDEBF7", "1F4E78", False),
    }
    for severity, (fill, colour, bold) in colours.items():
        styles.append(
            NamedStyle(
                _style_name(severity),
                font=Font(color=colour, bold=bold),
                fill=PatternFill("solid", fgColor=fill),
                alignment=_TOP_ALIGN,
            )
        )
    for style in styles:
        wb.add_named_style(style)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        # control characters from input data make openpyxl raise; Excel cannot hold them anyway
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > MAX_CELL_CHARS:
            value = value[: MAX_CELL_CHARS - 1] + "…"
    return value


def _cell(ws, value: Any, style: str | None = None):
    value = _clean(value)
    formula_like = isinstance(value, str) and value.startswith("=")
    if style is None and not formula_like:
        return value
    cell = WriteOnlyCell(ws, value)
    if formula_like:
        cell.data_type = "s"  # text that starts with "=" is data, not a formula
    if style is not None:
        cell.style = _style_name(style)
    return cell


def _new_sheet(wb: Workbook, title: str, columns, freeze: str = "A2"):
    """A sheet with a header row; `columns` are (heading, width) pairs."""
    ws = wb.create_sheet(title)
    for i, (_heading, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = freeze
    print_setup(ws)  # before the first row: a streamed sheet writes its properties with it
    ws.append([_cell(ws, name, HEADER) for name, _width in columns])
    return ws


def _headed(columns) -> list[tuple[str, int]]:
    """(catalog key, width) pairs as (heading in the current language, width)."""
    return [(_(key), width) for key, width in columns]


def print_setup(ws, title_rows: str | None = "1:1") -> None:
    """Landscape A4, fit to one page wide (as many pages down as needed), the header row
    repeated on every page, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&P / &N"
