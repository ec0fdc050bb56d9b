"""A self-contained HTML report: one file, nothing fetched (inline CSS, a little inline
script, charts as inline SVG), readable offline and printable. The same summary, charts and
department grades as the workbook, the findings sortable and filterable, each with its
explanation (the facts and rules it was derived from) and its citation.

At most `MAX_FINDINGS` findings are listed (the most severe first when there are more): a
browser page is not a place for a million rows; the page says how many were left out and
the workbook, JSON or CSV report has them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..domain.schema import SEVERITIES
from ..findings import Finding
from ..i18n import _, get_lang, punct, severity_label
from . import RuleMeta, tool_version
from .aggregate import NO_DEPARTMENT, join_cites, severity_rank, sort_findings
from .atomic import atomic_write
from .overview import ON_TIME_COLOUR, OVERDUE_COLOUR, history_line, overview
from .svg import columns, hbar

MAX_FINDINGS = 5000
MAX_CHART_ITEMS = 30  # bars in one chart; the tables list every department and rule
MAX_TRACE_DEPTH = 8


def _env() -> Environment:
    env = Environment(loader=PackageLoader("xuke", "templates"), autoescape=select_autoescape(["j2", "html"]),
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    return env


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _dept(name: str | None) -> str:
    return _("report.no_department") if name in (None, NO_DEPARTMENT) else name


def _heat_style(n: int | None, peak: int) -> str:
    if not n:
        return ""
    share = n / peak if peak else 0
    # white -> yellow -> red, as the workbook's colour scale
    if share < 0.5:
        r, g, b = 255, 255 - int(20 * share * 2), 255 - int(123 * share * 2)
    else:
        r, g, b = 255 - int(7 * (share - 0.5) * 2), 235 - int(130 * (share - 0.5) * 2), 132 - int(25 * (share - 0.5) * 2)
    return f"background: rgb({r},{g},{b})"


def _trace(trace: Mapping[str, Any] | None) -> Markup:
    """The derivation as nested lists: each fact, and for a derived one the rule that
    derived it and the facts it came from."""

    def fact(f, depth: int) -> str:
        if not isinstance(f, Mapping) or depth > MAX_TRACE_DEPTH:
            return "<li>…</li>"
        kind = escape(str(f.get("type", "")))
        if "derived_by" in f:
            values = f.get("values") or {}
            shown = ", ".join(f"{k}={v}" for k, v in sorted(values.items()) if k != "case_id")
            head = f"<b>{kind}</b> ← {escape(str(f['derived_by']))}" + (f" <span class=muted>({escape(shown)})</span>" if shown else "")
            kids = "".join(fact(k, depth + 1) for k in f.get("from", ()))
            return f"<li>{head}<ul>{kids}</ul></li>" if kids else f"<li>{head}</li>"
        where = []
        if f.get("row") is not None:
            where.append(f"{_('col.row')} {f['row']}")
        if f.get("case_id"):
            where.append(str(f["case_id"]))
        values = f.get("values") or {}
        if values and f.get("summary"):
            where.append(", ".join(f"{k}={v}" for k, v in sorted(values.items())))
        return f"<li><b>{kind}</b> {escape(' · '.join(where))}</li>"

    facts = (trace or {}).get("facts") or ()
    rule = escape(str((trace or {}).get("rule", "")))
    return Markup(f"<ul class=trace><li>{rule}<ul>{''.join(fact(f, 0) for f in facts)}</ul></li></ul>")


def _subject(f: Finding) -> str:
    if f.case_id is not None:
        return f.case_id
    if f.group:
        return ", ".join(f"{v}" for _k, v in sorted(f.group.items()))
    return " ".join(p for p in (f.article or "", (f.text or "")[:60]) if p)


def _row(f: Finding, department: str) -> dict[str, Any]:
    h = f.history or {}
    cites = join_cites(f.cites)
    return {
        "rule": f.rule, "severity": f.severity, "rank": severity_rank(f.severity), "title": f.title,
        "message": f.message, "cites": cites, "subject": _subject(f), "department": department, "file": f.file,
        "row": f.row if f.row is not None else f.line, "received_at": f.received_at, "accepted_at": f.accepted_at,
        "decided_at": f.decided_at, "status": h.get("status"), "since": h.get("since") if h.get("runs", 1) > 1 else None,
        "since_run": h.get("since_run"), "runs": h.get("runs"), "trace": f.trace,
        "search": " ".join(str(p) for p in (f.rule, f.title, f.message, cites, _subject(f), department) if p).lower(),
    }  # fmt: skip


def render_html(findings: Iterable[Finding], summary: Mapping[str, Any] | None = None,
                rules_meta: Mapping[str, RuleMeta] | None = None,
                title_block: Mapping[str, Any] | None = None) -> str:  # fmt: skip
    from .aggregate import case_departments, department_of

    findings = sort_findings(findings)
    summary = summary or {}
    ov = overview(findings, summary, rules_meta)
    agg = ov.aggregate
    block = dict(title_block or {})
    block.setdefault("as_of", summary.get("as_of"))
    block.setdefault("inputs", [])
    block.setdefault("packs", [])
    unit = block.get("unit")
    title = f"{unit} {_('xlsx.title')}" if unit else _("xlsx.title")
    history = summary.get("history") if isinstance(summary.get("history"), Mapping) else None

    chosen = findings
    if len(findings) > MAX_FINDINGS:  # the most severe first, then in report order
        order = sorted(range(len(findings)), key=lambda i: (severity_rank(findings[i].severity), i))[:MAX_FINDINGS]
        chosen = [findings[i] for i in sorted(order)]
    depts_of = case_departments(findings)
    rows = [_row(f, _dept(depts_of.get((f.file or "", f.case_id or "")) or department_of(f))) for f in chosen]

    charts = []
    depts = ov.departments[:MAX_CHART_ITEMS]
    if depts:
        charts.append(hbar(_("xlsx.chart.departments"), [_dept(d.name) for d in depts],
                           [(_("col.overdue_rate"), [d.overdue_rate for d in depts]),
                            (_("col.on_time_rate"), [d.on_time_rate for d in depts])], percent=True,
                           chart_id="chart-departments", colours=("#" + OVERDUE_COLOUR, "#" + ON_TIME_COLOUR)))  # fmt: skip
    if ov.rules:
        top = ov.rules[:MAX_CHART_ITEMS]
        charts.append(hbar(_("xlsx.chart.rules"), [f"{r} {t}".strip() for r, t, _n in top],
                           [(_("col.count"), [n for _r, _t, n in top])], chart_id="chart-rules"))  # fmt: skip
    if ov.months:
        charts.append(columns(_("xlsx.chart.months"), [m for m, _n in ov.months], [n for _m, n in ov.months],
                              chart_id="chart-months"))  # fmt: skip

    heat_depts = sorted({d for d, _r in ov.heat})
    peak = max(ov.heat.values(), default=0)
    resolved = []
    if history:
        for status in ("resolved", "out_of_scope"):
            for e in history.get(f"{status}_findings") or ():
                group = e.get("group") or {}
                resolved.append({**e, "status": status,
                                 "subject": e.get("case_id") or ", ".join(str(v) for v in group.values())})  # fmt: skip
    rec = summary.get("rows_read"), summary.get("rows_evaluated"), summary.get("rows_rejected")
    return _env().get_template("report.html.j2").render(
        lang="zh-CN" if get_lang() == "zh" else "en", title=title, version=tool_version(), block=block,
        sep=punct("list"), t=_, severity_label=severity_label, dept=_dept, num=_num, pct=_pct,
        history_line=history_line(history) if history else None,
        rows=rec if all(isinstance(v, int) for v in rec) else None,
        total=agg.total, flagged=agg.flagged_cases,
        by_severity=[(s, agg.by_severity[s]) for s in SEVERITIES if agg.by_severity.get(s)],
        statuses=[(s, ov.statuses[s]) for s in ("new", "open", "escalated") if ov.statuses.get(s)],
        charts=charts, departments=ov.departments,
        heat_rules=[(r, t) for r, t, _n in sorted(ov.rules)] if heat_depts else [], heat_depts=heat_depts,
        heat=ov.heat, heat_style=lambda n: _heat_style(n, peak),
        findings=rows, shown=len(rows), trace=_trace,
        severities=[s for s in SEVERITIES if agg.by_severity.get(s)], rule_ids=sorted(agg.by_rule),
        dept_names=sorted({r["department"] for r in rows}), resolved=resolved,
    )  # fmt: skip


def write_html(path: str | os.PathLike, findings: Iterable[Finding], summary: Mapping[str, Any] | None = None,
               rules_meta: Mapping[str, RuleMeta] | None = None,
               title_block: Mapping[str, Any] | None = None) -> None:  # fmt: skip
    text = render_html(findings, summary, rules_meta, title_block)
    atomic_write(path, lambda fh: fh.write(text))
