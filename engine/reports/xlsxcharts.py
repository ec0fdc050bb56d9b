"""The workbook's printed face: an overview sheet (title block, the tables the charts are
drawn from, native Excel charts) and a heat map sheet (department x rule, with a colour
scale), and the print settings every sheet gets. Their size depends on the number of
departments, rules and months, never on the number of findings, so the workbook stays
streamed (write-only) however large the audit is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from ..i18n import _, punct
from .aggregate import NO_DEPARTMENT
from .overview import ON_TIME_COLOUR, OVERDUE_COLOUR, Overview, history_line
from .xlsxcells import HEADER, PERCENT, WRAP, _cell, _headed, _new_sheet, print_setup

SHEET_OVERVIEW = "xlsx.sheet.overview"
SHEET_HEATMAP = "xlsx.sheet.heatmap"
CHART_ROWS = 18  # rows a chart covers (7.5 cm high at the default row height)
CHART_AT = "J"  # charts stand right of the tables
MAX_CHART_ITEMS = 40  # bars in one chart: past that they are unreadable (the table has them all)


def _dept(name: str) -> str:
    return _("report.no_department") if name == NO_DEPARTMENT else name


class _Rows:
    """Appends rows to a write-only sheet and keeps count, so charts can point at them."""

    def __init__(self, ws):
        self.ws, self.n = ws, 0

    def add(self, values) -> int:
        self.ws.append(values)
        self.n += 1
        return self.n

    def pad_to(self, row: int) -> None:
        while self.n < row - 1:
            self.add([])


def _bold(ws, value, size: int | None = None):
    cell = WriteOnlyCell(ws, value)
    cell.font = Font(bold=True, size=size or 11)
    return cell


def title_rows(ws, rows: _Rows, title_block: Mapping[str, Any] | None, summary: Mapping[str, Any]) -> None:
    block = dict(title_block or {})
    unit = block.get("unit")
    title = f"{unit} {_('xlsx.title')}" if unit else _("xlsx.title")
    rows.add([_bold(ws, title, 16)])
    as_of = block.get("as_of") or summary.get("as_of")
    lines = [
        ("xlsx.block.unit", unit or "-"),
        ("xlsx.block.as_of", as_of or "-"),
        ("xlsx.block.inputs", punct("list").join(block.get("inputs") or ()) or "-"),
        ("xlsx.block.packs", punct("list").join(f"{p['pack']} {p['version'] or ''}".strip()
                                                for p in block.get("packs") or ()) or "-"),  # fmt: skip
    ]
    history = summary.get("history")
    if isinstance(history, Mapping):
        lines.append(("xlsx.block.history", history_line(history)))
    for key, value in lines:
        rows.add([_bold(ws, _(key)), _cell(ws, value)])
    rows.add([])


def _bar(title: str, y_title: str | None, horizontal: bool = False, percent: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.style = 10
    chart.width, chart.height = 18, 7.5
    if y_title:
        chart.y_axis.title = y_title
    if percent:
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    # openpyxl 3.1 marks axes deleted unless told otherwise; Excel then draws none
    chart.x_axis.delete = chart.y_axis.delete = False
    return chart


def overview_sheet(wb, ov: Overview, summary: Mapping[str, Any], title_block: Mapping[str, Any] | None) -> None:
    ws = wb.create_sheet(_(SHEET_OVERVIEW))
    for col, width in zip("ABCDEFGH", (26, 10, 12, 10, 10, 12, 10, 4), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, title_rows=None)  # before the first row (a streamed sheet)
    rows = _Rows(ws)
    title_rows(ws, rows, title_block, summary)

    # per department: the rates the first chart draws
    head = rows.add([_cell(ws, h, HEADER) for h, _w in _headed([
        ("col.department", 0), ("col.cases", 0), ("col.overdue_cases", 0), ("col.overdue_rate", 0),
        ("col.on_time_rate", 0), ("col.flagged_rate", 0), ("col.grade", 0)])])  # fmt: skip
    for d in ov.departments:
        rows.add([_cell(ws, _dept(d.name)), d.cases, d.overdue_cases, _pct(ws, d.overdue_rate),
                  _pct(ws, d.on_time_rate), _pct(ws, d.flagged_rate), _cell(ws, d.grade)])  # fmt: skip
    if ov.departments:
        last = head + min(len(ov.departments), MAX_CHART_ITEMS)
        chart = _bar(_("xlsx.chart.departments"), None, percent=True)
        chart.add_data(Reference(ws, min_col=4, max_col=5, min_row=head, max_row=last), titles_from_data=True)
        for series, colour in zip(chart.series, (OVERDUE_COLOUR, ON_TIME_COLOUR), strict=True):
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
        chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
        ws.add_chart(chart, f"{CHART_AT}{head}")
    rows.pad_to(head + CHART_ROWS + 1)

    # per rule, with the Chinese titles beside the ids (last, so a long one runs on into
    # the empty columns after it instead of being cut)
    _page_break(rows)
    head = rows.add([_cell(ws, h, HEADER) for h, _w in _headed([("col.rule", 0), ("col.count", 0),
                                                                 ("col.title", 0)])])  # fmt: skip
    for rule, title, n in ov.rules:
        rows.add([_cell(ws, rule), n, _cell(ws, title)])
    if ov.rules:
        last = head + min(len(ov.rules), MAX_CHART_ITEMS)
        chart = _bar(_("xlsx.chart.rules"), None, horizontal=True)
        chart.add_data(Reference(ws, min_col=2, min_row=head, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
        chart.legend = None
        chart.x_axis.scaling.orientation = "maxMin"  # the largest on top, as the table reads
        chart.height = max(7.5, 0.45 * (last - head) + 2)
        ws.add_chart(chart, f"{CHART_AT}{head}")
    rows.pad_to(head + max(CHART_ROWS, int(0.45 * len(ov.rules[:MAX_CHART_ITEMS]) / 0.5) + 4) + 1)

    # per month received
    if ov.months:
        _page_break(rows)
        head = rows.add([_cell(ws, h, HEADER) for h, _w in _headed([("col.month", 0), ("col.count", 0)])])
        for month, n in ov.months:
            rows.add([_cell(ws, month), n])
        chart = LineChart()
        chart.title = _("xlsx.chart.months")
        chart.style, chart.width, chart.height = 12, 18, 7.5
        chart.add_data(Reference(ws, min_col=2, min_row=head, max_row=head + len(ov.months)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=head + len(ov.months)))
        chart.legend = None
        chart.x_axis.delete = chart.y_axis.delete = False
        for series in chart.series:
            series.smooth = False  # a count per month: straight segments, no invented curve
        ws.add_chart(chart, f"{CHART_AT}{head}")
        rows.pad_to(head + CHART_ROWS + 1)


def _page_break(rows: _Rows) -> None:
    """Each section of the overview starts a printed page (the charts are not cut)."""
    rows.ws.row_breaks.append(Break(id=rows.n))
    rows.add([])


def _pct(ws, value):
    return _cell(ws, value, PERCENT) if value is not None else None


def heatmap_sheet(wb, ov: Overview) -> None:
    """Rules down (id, then title beside it), departments across, findings in the cells,
    coloured by a three-colour scale (none: white, most: red)."""
    depts = [d.name for d in sorted(ov.departments, key=lambda d: d.name)]
    columns = [("col.rule", 20), ("col.title", 28)]
    ws = _new_sheet(wb, _(SHEET_HEATMAP), [*_headed(columns), *((_dept(d), 9) for d in depts)], freeze="C2")
    for rule, title, _n in sorted(ov.rules):
        ws.append([_cell(ws, rule), _cell(ws, title, WRAP), *(ov.heat.get((d, rule)) for d in depts)])
    if depts and ov.rules:
        ref = f"C2:{get_column_letter(2 + len(depts))}{1 + len(ov.rules)}"
        ws.conditional_formatting.add(ref, ColorScaleRule(
            start_type="min", start_color="FFFFFF", mid_type="percentile", mid_value=50, mid_color="FFEB84",
            end_type="max", end_color="F8696B"))  # fmt: skip
