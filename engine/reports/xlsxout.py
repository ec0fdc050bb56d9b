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
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

from ..domain.schema import SEVERITIES
from ..findings import DATE_FIELDS, Finding
from ..i18n import _, data_label, punct, severity_label
from . import RuleMeta
from .aggregate import (
    NO_DEPARTMENT,
    Aggregate,
    case_departments,
    data_tables,
    department_of,
    join_cites,
    position_of,
    reconciliation,
    skipped_rules,
    sort_findings,
    unknown_columns,
)
from .atomic import atomic_write
from .jsonout import SUMMARY_ORDER
from .xlsxcells import (
    HEADER,
    PERCENT,
    TOP,
    WRAP,
    _cell,
    _headed,
    _new_sheet,
    _register_styles,
)

# Sheet names, headers and labels are in the current language (engine.i18n): catalog keys here.
SHEET_FINDINGS = "xlsx.sheet.findings"
SHEET_DEPARTMENTS = "xlsx.sheet.departments"
SHEET_RULES = "xlsx.sheet.rules"
SHEET_SUMMARY = "xlsx.sheet.summary"
SHEET_RESOLVED = "xlsx.sheet.resolved"

MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
FIXED_TIME = dt.datetime(2000, 1, 1)  # document dates, so that the bytes are reproducible
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

FINDING_COLUMNS = (  # (catalog key, width)
    ("col.rule", 22),
    ("col.severity", 8),
    ("col.title", 28),
    ("col.message", 60),
    ("col.cites", 36),
    ("col.file", 24),
    ("col.case_id", 20),
    ("col.position", 8),
    ("col.article", 10),
    ("col.department", 18),
    ("col.received_at", 11),
    ("col.accepted_at", 11),
    ("col.decided_at", 11),
    ("col.status", 10),
    ("col.since", 11),
    ("col.fingerprint", 34),  # last, and left out of the print area
)

def _severity_cell(ws, severity: str | None):
    style = severity if severity in SEVERITIES else None
    return _cell(ws, severity_label(severity), style)


def _filter(ws, columns: int, rows: int) -> None:
    ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(rows, 1)}"


def _findings_sheets(wb: Workbook, findings: list[Finding]) -> None:
    per_sheet = MAX_ROWS - 1
    departments = case_departments(findings)
    starts = range(0, len(findings), per_sheet) or range(1)  # an empty list still gets its sheet
    for n, start in enumerate(starts, 1):
        chunk = range(start, min(start + per_sheet, len(findings)))
        title = _(SHEET_FINDINGS)
        ws = _new_sheet(wb, title if n == 1 else f"{title}({n})", _headed(FINDING_COLUMNS))
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
                    *(_cell(ws, getattr(f, name)) for name in DATE_FIELDS),
                    *_history_cells(ws, f.history),
                    f.fingerprint(),
                ]
            )
        _filter(ws, len(FINDING_COLUMNS), len(chunk) + 1)
        ws.print_area = f"A1:{get_column_letter(len(FINDING_COLUMNS) - 1)}{len(chunk) + 1}"


def _history_cells(ws, history) -> list:
    """Status (new / 督办 / 红牌) and the audit date of the run that first reported it."""
    if not history:
        return [None, None]
    status = history.get("status")
    label = _(f"history.status.{status}") if status in ("new", "open", "escalated") else status
    return [_cell(ws, label, "error" if status == "escalated" else None), _cell(ws, history.get("since"))]


def _departments_sheet(wb: Workbook, agg: Aggregate, rule_order: list[str], summary) -> None:
    depts = agg.department_stats(summary)
    fired = [r for r in rule_order if any(d.by_rule.get(r) for d in depts)]
    columns = _headed(
        [
            ("col.department", 24),
            ("col.cases", 10),
            ("col.flagged_cases", 12),
            ("col.flagged_rate", 12),
            ("col.count", 10),
            ("col.worst", 10),
        ]
    )
    columns += [(rule, max(10, len(rule) + 2)) for rule in fired]
    ws = _new_sheet(wb, _(SHEET_DEPARTMENTS), columns, freeze="B2")
    for d in depts:
        rate = d.flagged_cases / d.cases if d.cases else None
        ws.append(
            [
                _cell(ws, _("report.no_department") if d.name == NO_DEPARTMENT else d.name),
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
                _cell(ws, _("xlsx.total"), HEADER),
                sum(known) if len(known) == len(depts) else None,
                sum(d.flagged_cases for d in depts),
                None,
                sum(d.findings for d in depts),
                None,
            ]
            + [sum(d.by_rule.get(r, 0) for d in depts) for r in fired]
        )


_SHEET_NAME_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _data_sheets(wb: Workbook, findings: list[Finding]) -> None:
    """A sheet per rule whose group findings carry data: DEPT-SCORE's grades by department,
    one row per department, numbers as numbers (so staff can sort and chart them)."""
    used = set(wb.sheetnames)
    for t in data_tables(findings):
        title = ILLEGAL_CHARACTERS_RE.sub("", t.title).translate(_SHEET_NAME_BAD).strip("'")[:31] or t.rule[:31]
        if title in used:
            title = t.rule.translate(_SHEET_NAME_BAD)[:31]
        used.add(title)
        columns = [(data_label(k, prefix="col"), 24) for k in t.by]
        columns += [(data_label(k), max(10, 2 * len(data_label(k)) + 2)) for k in t.columns]
        ws = _new_sheet(wb, title, columns, freeze="B2")
        for group, values in t.rows:
            ws.append([_cell(ws, _data_cell(v)) for v in (*group, *values)])
        _filter(ws, len(columns), len(t.rows) + 1)


def _data_cell(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value  # numbers (Decimal too) stay numbers, text stays text


def _rules_sheet(wb: Workbook, rules) -> None:
    columns = _headed(
        [
            ("col.rule", 24),
            ("col.severity", 8),
            ("col.title", 30),
            ("col.cites", 40),
            ("col.count", 10),
            ("col.cases_involved", 12),
            ("col.skip_reason", 40),
        ]
    )
    ws = _new_sheet(wb, _(SHEET_RULES), columns)
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


# the keys the summary sheet lays out itself; any other key is listed after them
# shown in their own rows; "findings" is the count the sheet already gives (col.count)
_SUMMARY_SHOWN = frozenset(SUMMARY_ORDER) | {"findings", "history"}  # history: on the overview and its own sheet


def _summary_value(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _summary_sheet(wb: Workbook, agg: Aggregate, summary: Mapping[str, Any]) -> None:
    ws = _new_sheet(wb, _(SHEET_SUMMARY), _headed([("col.item", 24), ("col.value", 60)]))
    rec = reconciliation(summary)
    if rec is not None:
        read, evaluated, rejected, balanced = rec
        ws.append([_("xlsx.rows_read"), read])
        ws.append([_("xlsx.rows_evaluated"), evaluated])
        ws.append([_("xlsx.rows_rejected"), rejected])
        ws.append(
            [
                _("xlsx.reconciliation"),
                _("xlsx.balanced")
                if balanced
                else _("xlsx.unbalanced", read=read, evaluated=evaluated, rejected=rejected),
            ]
        )
    ws.append([_("col.count"), agg.total])
    ws.append([_("col.cases_involved"), agg.flagged_cases])
    for severity in SEVERITIES:
        ws.append([_(f"xlsx.count.{severity}"), agg.by_severity.get(severity, 0)])
    for key in sorted(k for k in summary if k not in _SUMMARY_SHOWN):
        ws.append([_cell(ws, str(key)), _cell(ws, _summary_value(summary[key]))])
    skipped = skipped_rules(summary)
    ws.append([])
    ws.append(
        [
            _cell(ws, _("xlsx.skipped"), HEADER),
            _cell(ws, _("col.reason"), HEADER),
        ]
    )
    if not skipped:
        ws.append([_("xlsx.none")])
    for rule, reason in skipped.items():
        ws.append([_cell(ws, rule), _cell(ws, reason, WRAP)])
    unknown = unknown_columns(summary)
    if unknown:
        ws.append([])
        ws.append([_cell(ws, _("xlsx.unknown_columns"), HEADER), _cell(ws, _("col.columns"), HEADER)])
        for file, columns in unknown:
            ws.append([_cell(ws, file), _cell(ws, punct("list").join(columns), WRAP)])


def _resolved_sheet(wb: Workbook, history: Mapping[str, Any]) -> None:
    """The previous run's findings this run no longer reports: resolved, then out of scope."""
    columns = _headed([("col.status", 12), ("col.rule", 22), ("col.title", 28), ("col.message", 50),
                       ("col.case_id", 20), ("col.department", 18), ("col.since", 11), ("col.runs", 8),
                       ("col.received_at", 11)])  # fmt: skip
    ws = _new_sheet(wb, _(SHEET_RESOLVED), columns)
    n = 0
    for status in ("resolved", "out_of_scope"):
        for e in history.get(f"{status}_findings") or ():
            if n >= MAX_ROWS - 1:
                break
            ws.append([_cell(ws, _(f"history.status.{status}")), _cell(ws, e.get("rule")), _cell(ws, e.get("title"), WRAP),
                       _cell(ws, e.get("message"), WRAP),
                       _cell(ws, e.get("case_id") or json.dumps(e.get("group"), ensure_ascii=False)),
                       _cell(ws, e.get("department")), _cell(ws, e.get("since")), e.get("runs"),
                       _cell(ws, e.get("received_at"))])  # fmt: skip
            n += 1
    _filter(ws, len(columns), n + 1)


def build_workbook(
    findings: Iterable[Finding],
    summary: Mapping[str, Any] | None = None,
    rules_meta: Mapping[str, RuleMeta] | None = None,
    title_block: Mapping[str, Any] | None = None,
) -> Workbook:
    """The sheets in the order a supervisor reads them: the overview with its charts, the
    findings, by department, by rule, the heat map, what was resolved (with a history),
    the summary. `title_block`: unit, as_of, inputs, packs (the overview's first rows)."""
    from . import xlsxcharts  # it builds on this module's cells and styles
    from .overview import overview

    findings = sort_findings(findings)
    summary = summary or {}
    agg = Aggregate.of(findings, top=0)
    rules = agg.rule_stats(rules_meta, summary, include_quiet=True)
    ov = overview(findings, summary, rules_meta)
    wb = Workbook(write_only=True)
    wb.properties.creator = "xuke"
    wb.properties.title = _("xlsx.title")
    _register_styles(wb)
    xlsxcharts.overview_sheet(wb, ov, summary, title_block)
    _findings_sheets(wb, findings)
    _departments_sheet(wb, agg, [r.id for r in rules], summary)
    _data_sheets(wb, findings)
    _rules_sheet(wb, rules)
    xlsxcharts.heatmap_sheet(wb, ov)
    if isinstance(summary.get("history"), Mapping):
        _resolved_sheet(wb, summary["history"])
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
    title_block: Mapping[str, Any] | None = None,
) -> None:
    def save(fh: IO[bytes]) -> None:
        # built only once the output is open: a write-only workbook dropped unsaved (an
        # unwritable path) spills lxml errors from its worksheet streams onto stderr at exit
        save_workbook_deterministic(build_workbook(findings, summary, rules_meta, title_block), fh)

    atomic_write(path, save, binary=True)
