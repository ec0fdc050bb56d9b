"""An Excel workbook for supervision staff: the findings, per department, per rule, summary.

Write-only (streaming) mode, so a large audit does not hold a million styled cells in
memory. The .xlsx is then re-packed with fixed zip timestamps and fixed document dates,
so that the same findings give the same bytes (openpyxl stamps "now" on both).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

from ..findings import Finding
from . import RuleMeta
from .aggregate import (
    SEVERITY_ZH,
    Aggregate,
    case_departments,
    department_of,
    join_cites,
    position_of,
    reconciliation,
    severity_label,
    skipped_rules,
    sort_findings,
)
from .atomic import atomic_write

SHEET_FINDINGS = "问题清单"
SHEET_DEPARTMENTS = "按部门"
SHEET_RULES = "按规则"
SHEET_SUMMARY = "汇总"

MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
MAX_CELL_CHARS = 32_767  # Excel's limit per cell
FIXED_TIME = dt.datetime(2000, 1, 1)  # document dates, so that the bytes are reproducible
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

FINDING_COLUMNS = (
    ("规则", 22),
    ("级别", 8),
    ("标题", 28),
    ("说明", 60),
    ("依据", 36),
    ("文件", 24),
    ("办件编号", 20),
    ("行号", 8),
    ("条款", 10),
    ("部门", 18),
    ("指纹", 34),
)

# Named styles, registered once per workbook: a cell refers to one by name instead of
# carrying its own font and fill, and staff can restyle, say, every 严重 cell at once.
HEADER, WRAP, TOP, PERCENT = "xuke 表头", "xuke 换行", "xuke 顶端", "xuke 百分比"
SEVERITY_STYLES = {s: f"xuke {SEVERITY_ZH[s]}" for s in SEVERITY_ZH}
_TOP_ALIGN = Alignment(vertical="top")


def _register_styles(wb: Workbook) -> None:
    styles = [
        NamedStyle(HEADER, font=Font(bold=True), fill=PatternFill("solid", fgColor="DDE3EA")),
        NamedStyle(WRAP, alignment=Alignment(wrap_text=True, vertical="top")),
        NamedStyle(TOP, alignment=_TOP_ALIGN),
        NamedStyle(PERCENT, number_format="0.0%"),
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
                SEVERITY_STYLES[severity],
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
        cell.style = style
    return cell


def _new_sheet(wb: Workbook, title: str, columns, freeze: str = "A2"):
    ws = wb.create_sheet(title)
    for i, (_, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = freeze
    ws.append([_cell(ws, name, HEADER) for name, _ in columns])
    return ws


def _severity_cell(ws, severity: str | None):
    return _cell(ws, severity_label(severity), SEVERITY_STYLES.get(severity or ""))


def _filter(ws, columns: int, rows: int) -> None:
    ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(rows, 1)}"


def _findings_sheets(wb: Workbook, findings: list[Finding]) -> None:
    per_sheet = MAX_ROWS - 1
    departments = case_departments(findings)
    starts = range(0, len(findings), per_sheet) or range(1)  # an empty list still gets its sheet
    for n, start in enumerate(starts, 1):
        chunk = range(start, min(start + per_sheet, len(findings)))
        ws = _new_sheet(wb, SHEET_FINDINGS if n == 1 else f"{SHEET_FINDINGS}({n})", FINDING_COLUMNS)
        for f in map(findings.__getitem__, chunk):
            ws.append(
                [
                    _cell(ws, f.rule, TOP),
                    _severity_cell(ws, f.severity),
                    _cell(ws, f.title, WRAP),
                    _cell(ws, f.message, WRAP),
                    _cell(ws, join_cites(f.cites), WRAP),
                    _cell(ws, f.file),
                    _cell(ws, f.case_id),
                    position_of(f),
                    _cell(ws, f.article),
                    _cell(ws, departments.get((f.file or "", f.case_id or "")) or department_of(f)),
                    f.fingerprint(),
                ]
            )
        _filter(ws, len(FINDING_COLUMNS), len(chunk) + 1)


def _departments_sheet(wb: Workbook, agg: Aggregate, rule_order: list[str], summary) -> None:
    depts = agg.department_stats(summary)
    fired = [r for r in rule_order if any(d.by_rule.get(r) for d in depts)]
    columns = [
        ("部门", 24),
        ("办件数", 10),
        ("问题办件数", 12),
        ("问题办件率", 12),
        ("问题数", 10),
        ("最高级别", 10),
    ]
    columns += [(rule, max(10, len(rule) + 2)) for rule in fired]
    ws = _new_sheet(wb, SHEET_DEPARTMENTS, columns, freeze="B2")
    for d in depts:
        rate = d.flagged_cases / d.cases if d.cases else None
        ws.append(
            [
                _cell(ws, d.name),
                d.cases,
                d.flagged_cases,
                _cell(ws, rate, PERCENT) if rate is not None else None,
                d.findings,
                _severity_cell(ws, d.worst) if d.worst else None,
            ]
            + [d.by_rule.get(r, 0) for r in fired]
        )
    _filter(ws, len(columns), len(depts) + 1)
    if depts:
        known = [d.cases for d in depts if d.cases is not None]
        ws.append(
            [
                _cell(ws, "合计", HEADER),
                sum(known) if len(known) == len(depts) else None,
                sum(d.flagged_cases for d in depts),
                None,
                sum(d.findings for d in depts),
                None,
            ]
            + [sum(d.by_rule.get(r, 0) for d in depts) for r in fired]
        )


def _rules_sheet(wb: Workbook, rules) -> None:
    columns = [
        ("规则", 24),
        ("级别", 8),
        ("标题", 30),
        ("依据", 40),
        ("问题数", 10),
        ("涉及办件数", 12),
        ("未运行原因", 40),
    ]
    ws = _new_sheet(wb, SHEET_RULES, columns)
    for r in rules:
        ws.append(
            [
                _cell(ws, r.id),
                _severity_cell(ws, r.severity),
                _cell(ws, r.title, WRAP),
                _cell(ws, join_cites(r.cites), WRAP),
                r.findings,
                r.cases,
                _cell(ws, r.skipped, WRAP) if r.skipped is not None else None,
            ]
        )
    _filter(ws, len(columns), len(rules) + 1)


_SUMMARY_SHOWN = {
    "rows_read",
    "rows_evaluated",
    "rows_rejected",
    "findings_by_rule",
    "skipped_rules",
    "departments",
}


def _summary_value(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _summary_sheet(wb: Workbook, agg: Aggregate, summary: Mapping[str, Any]) -> None:
    ws = _new_sheet(wb, SHEET_SUMMARY, [("项目", 24), ("值", 60)])
    rec = reconciliation(summary)
    if rec is not None:
        read, evaluated, rejected, balanced = rec
        ws.append(["读取行数", read])
        ws.append(["检查行数", evaluated])
        ws.append(["拒收行数", rejected])
        ws.append(
            [
                "核对",
                "一致（读取 = 检查 + 拒收）"
                if balanced
                else f"不一致：读取 {read} ≠ 检查 {evaluated} + 拒收 {rejected}",
            ]
        )
    ws.append(["问题数", agg.total])
    ws.append(["涉及办件数", agg.flagged_cases])
    for severity in ("critical", "error", "warning", "info"):
        ws.append([f"{severity_label(severity)}（{severity}）", agg.by_severity.get(severity, 0)])
    for key in sorted(k for k in summary if k not in _SUMMARY_SHOWN):
        ws.append([_cell(ws, str(key)), _cell(ws, _summary_value(summary[key]))])
    skipped = skipped_rules(summary)
    ws.append([])
    ws.append(
        [
            _cell(ws, "未运行的规则", HEADER),
            _cell(ws, "原因", HEADER),
        ]
    )
    if not skipped:
        ws.append(["（无）"])
    for rule, reason in skipped.items():
        ws.append([_cell(ws, rule), _cell(ws, reason, WRAP)])


def build_workbook(
    findings: Iterable[Finding],
    summary: Mapping[str, Any] | None = None,
    rules_meta: Mapping[str, RuleMeta] | None = None,
) -> Workbook:
    findings = sort_findings(findings)
    summary = summary or {}
    agg = Aggregate.of(findings, top=0)
    rules = agg.rule_stats(rules_meta, summary, include_quiet=True)
    wb = Workbook(write_only=True)
    wb.properties.creator = "xuke"
    wb.properties.title = "xuke 检查报告"
    _register_styles(wb)
    _findings_sheets(wb, findings)
    _departments_sheet(wb, agg, [r.id for r in rules], summary)
    _rules_sheet(wb, rules)
    _summary_sheet(wb, agg, summary)
    return wb


def _repack(src: IO[bytes], dst: IO[bytes], core_xml: bytes) -> None:
    """Copy the zip entry by entry with fixed timestamps and the given core properties."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            if info.filename == "docProps/core.xml":
                zout.writestr(entry, core_xml)
                continue
            with zin.open(info) as r, zout.open(entry, "w", force_zip64=info.file_size > 2**31) as w:
                shutil.copyfileobj(r, w, 1 << 20)


def save_workbook_deterministic(wb: Workbook, stream: IO[bytes]) -> None:
    # a real temporary file: a big audit's workbook need not fit in memory, and zipfile
    # wants a seekable file (SpooledTemporaryFile is not one before Python 3.11)
    with tempfile.TemporaryFile() as scratch:
        wb.save(scratch)
        wb.properties.created = wb.properties.modified = FIXED_TIME
        core_xml = tostring(wb.properties.to_tree())
        scratch.seek(0)
        _repack(scratch, stream, core_xml)


def write_xlsx(
    path: str | os.PathLike,
    findings: Iterable[Finding],
    summary: Mapping[str, Any] | None = None,
    rules_meta: Mapping[str, RuleMeta] | None = None,
) -> None:
    wb = build_workbook(findings, summary, rules_meta)
    atomic_write(path, lambda fh: save_workbook_deterministic(wb, fh), binary=True)
