"""Console reports (rich): the audit overview and the lint listing.

Everything that comes from input data or rule files is put into `rich.text.Text`
objects, never into markup strings, so brackets in a clause or a case id print as they
are. When the console cannot style at all (piped, a StringIO, TERM=dumb) the offending words
are marked with ⟦ ⟧ instead, so the highlight survives in plain text and in logs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import Any

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table

from ..findings import Finding
from ..i18n import _, data_label, punct, severity_label
from . import RuleMeta
from .aggregate import (
    NO_DEPARTMENT,
    Aggregate,
    data_tables,
    data_text,
    join_cites,
    reconciliation,
    severity_rank,
    skipped_rules,
    sort_findings,
    unknown_column_count,
    unknown_columns,
)
from .overview import history_line
from .visible import VisibleText as Text

SEVERITY_STYLE = {"critical": "bold white on red", "error": "bold red", "warning": "yellow", "info": "cyan"}
HIGHLIGHT_STYLE = "bold reverse"
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"
TOP_RULES_PER_DEPARTMENT = 3


def _n(value: int) -> str:
    return f"{value:,}"


def _t(key: str, **kw) -> str:
    """The message `key` in the current language, its counts written with thousands separators."""
    for name, value in list(kw.items()):
        if isinstance(value, int) and not isinstance(value, bool):
            kw[name] = _n(value)
            kw.setdefault(f"{name}_s", "" if value == 1 else "s")
    return _(key, **kw)


def _department(name: str) -> str:
    return _("report.no_department") if name == NO_DEPARTMENT else name


def _severity(severity: str | None) -> Text:
    return Text(severity_label(severity), style=SEVERITY_STYLE.get(severity or "", ""))


def _heading(console: Console, title: str) -> None:
    console.print()
    console.print(Text(title, style="bold underline"))


def _table(*columns: tuple[str, dict]) -> Table:
    """Columns by catalog key (`col.rule`, ...), headed in the current language."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    for key, options in columns:
        table.add_column(_(key), **options)
    return table


def _severity_counts(by_severity: Mapping[str, int]) -> str:
    parts = [
        f"{severity_label(s)} {_n(by_severity[s])}"
        for s in sorted(by_severity, key=severity_rank)
        if by_severity[s]
    ]
    return punct("list").join(parts)


# ---------------------------------------------------------------- audit


def audit_report(
    console: Console,
    findings: Iterable[Finding],
    summary: Mapping[str, Any] | None = None,
    rules_meta: Mapping[str, RuleMeta] | None = None,
    *,
    top: int = 20,
) -> None:
    render_audit(console, Aggregate.of(findings, top=top), summary, rules_meta)


def render_audit(
    console: Console,
    agg: Aggregate,
    summary: Mapping[str, Any] | None = None,
    rules_meta: Mapping[str, RuleMeta] | None = None,
) -> None:
    """The audit overview from an aggregate (a streaming audit keeps only the aggregate)."""
    summary = summary or {}
    console.print(Text(_("audit.title"), style="bold"))
    rec = reconciliation(summary)
    if rec is not None:
        read, evaluated, rejected, balanced = rec
        line = Text(_t("audit.rows", read=read, evaluated=evaluated, rejected=rejected))
        if balanced:
            line.append(_("audit.balanced"))
        else:
            line.append(_t("audit.mismatch", n=read - evaluated - rejected), style="bold red")
        console.print(line)
    if agg.total == 0:
        console.print(_("report.no_findings"))
    else:
        console.print(
            _t(
                "audit.findings",
                n=agg.total,
                cases=agg.flagged_cases,
                counts=_severity_counts(agg.by_severity),
            )
        )
    history = summary.get("history")
    if isinstance(history, Mapping):
        console.print(history_line(history))
    if agg.total:
        _rules_table(console, agg, rules_meta, summary)
        _departments_table(console, agg, summary)
        _months_table(console, agg)
        _data_tables(console, agg)
        _cases_table(console, agg)
    if isinstance(history, Mapping):
        _resolved_table(console, history)
    _skipped_table(console, summary)
    _unknown_columns(console, summary)


def _rules_table(console: Console, agg: Aggregate, rules_meta, summary) -> None:
    _heading(console, _("audit.by_rule"))
    table = _table(
        ("col.rule", {"no_wrap": True}),
        ("col.severity", {"no_wrap": True}),
        ("col.title", {"overflow": "fold"}),
        ("col.count", {"justify": "right", "no_wrap": True}),
        ("col.cites", {"overflow": "fold"}),
    )
    for r in agg.rule_stats(rules_meta, summary):
        table.add_row(
            Text(r.id), _severity(r.severity), Text(r.title), _n(r.findings), Text(join_cites(r.cites))
        )
    console.print(table)


def _departments_table(console: Console, agg: Aggregate, summary) -> None:
    depts = agg.department_stats(summary)
    flagged = [d for d in depts if d.findings]
    if not flagged:
        return
    _heading(console, _("audit.by_department_ranked"))
    table = _table(
        ("col.department", {"overflow": "fold"}),
        ("col.cases", {"justify": "right", "no_wrap": True}),
        ("col.flagged", {"justify": "right", "no_wrap": True}),
        ("col.count", {"justify": "right", "no_wrap": True}),
        ("col.worst", {"no_wrap": True}),
        ("col.top_rules", {"overflow": "fold"}),
    )
    for d in flagged:
        rules = sorted(d.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_RULES_PER_DEPARTMENT]
        table.add_row(
            Text(_department(d.name)),
            _n(d.cases) if d.cases is not None else "-",
            _n(d.flagged_cases),
            _n(d.findings),
            _severity(d.worst),
            Text(punct("list").join(f"{rule}×{count}" for rule, count in rules)),
        )
    console.print(table)
    clean = len(depts) - len(flagged)
    if clean:
        console.print(_t("audit.clean_departments", n=clean))


def _data_tables(console: Console, agg: Aggregate) -> None:
    """A table per rule whose summary findings carry data: DEPT-SCORE's department grades."""
    for t in data_tables(agg.group_data):
        _heading(console, _("audit.data_table", title=t.title, rule=t.rule))
        # the words (a grade) get columns of their own; the figures share one column, each
        # with its label, so a dozen of them still fit a terminal
        words = [i for i, numeric in enumerate(t.numeric) if not numeric]
        figures = [i for i, numeric in enumerate(t.numeric) if numeric]
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
        for key in t.by:
            table.add_column(data_label(key, prefix="col"), overflow="fold")
        for i in words:
            table.add_column(data_label(t.columns[i]), no_wrap=True)
        if figures:
            table.add_column(_("col.figures"), overflow="fold")
        for group, values in t.rows:
            cells = [Text(data_text(v)) for v in group] + [Text(data_text(values[i])) for i in words]
            if figures:
                pairs = (f"{data_label(t.columns[i])} {data_text(values[i])}" for i in figures)
                cells.append(Text(punct("list").join(pairs)))
            table.add_row(*cells)
        console.print(table)


def _cases_table(console: Console, agg: Aggregate) -> None:
    cases = agg.worst_cases()
    if not cases:
        return
    _heading(console, _t("audit.worst_cases", n=len(cases)))
    table = _table(
        ("col.case_id", {"overflow": "fold"}),
        ("col.department", {"overflow": "fold"}),
        ("col.row", {"justify": "right", "no_wrap": True}),
        ("col.worst", {"no_wrap": True}),
        ("col.count", {"justify": "right", "no_wrap": True}),
        ("col.rules", {"overflow": "fold"}),
    )
    for c in cases:
        table.add_row(
            Text(c.case_id),
            Text(_department(c.department) if c.department else "-"),
            str(c.row) if c.row is not None else "-",
            _severity(c.worst),
            _n(c.findings),
            Text(punct("list").join(c.rules)),
        )
    console.print(table)


def _months_table(console: Console, agg: Aggregate) -> None:
    """Findings by the month their case was received (the dates findings carry)."""
    if not agg.by_month:
        return
    _heading(console, _("history.by_month"))
    table = _table(("col.month", {"no_wrap": True}), ("col.count", {"justify": "right"}))
    for month, n in sorted(agg.by_month.items()):
        table.add_row(month, _n(n))
    console.print(table)


def _resolved_table(console: Console, history: Mapping[str, Any], top: int = 20) -> None:
    resolved = list(history.get("resolved_findings") or ())
    if not resolved:
        return
    _heading(console, _t("history.resolved_title", n=len(resolved)))
    table = _table(("col.rule", {"no_wrap": True}), ("col.case_id", {"overflow": "fold"}),
                   ("col.department", {}), ("col.since", {"no_wrap": True}), ("col.runs", {"justify": "right"}))  # fmt: skip
    for e in resolved[:top]:
        subject = e.get("case_id") or punct("list").join(str(v) for v in (e.get("group") or {}).values())
        table.add_row(Text(e.get("rule") or ""), Text(subject), Text(e.get("department") or ""),
                      e.get("since") or "", _n(e.get("runs") or 0))  # fmt: skip
    if len(resolved) > top:
        table.add_row("…", "", "", "", "")
    console.print(table)


def _skipped_table(console: Console, summary) -> None:
    skipped = skipped_rules(summary)
    if not skipped:
        return
    _heading(console, _t("audit.skipped", n=len(skipped)))
    table = _table(("col.rule", {"no_wrap": True}), ("col.reason", {"overflow": "fold"}))
    for rule, reason in skipped.items():
        table.add_row(Text(rule), Text(reason or "-"))
    console.print(table)


def _unknown_columns(console: Console, summary) -> None:
    entries = unknown_columns(summary)
    if not entries:
        return
    _heading(console, _t("audit.unknown_columns", n=unknown_column_count(summary)))
    table = _table(("col.file", {"overflow": "fold"}), ("col.columns", {"overflow": "fold"}))
    for file, columns in entries:
        table.add_row(Text(file), Text(punct("list").join(columns)))
    console.print(table)


# ---------------------------------------------------------------- lint


def highlighted(console: Console, text: str, spans: Iterable[tuple[int, int]]) -> Text:
    """`text` with the offending spans highlighted (or bracketed when styles don't show)."""
    intervals = sorted((max(0, s), min(len(text), e)) for s, e in spans if s < e and s < len(text) and e > 0)
    merged: list[list[int]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    plain = console.color_system is None
    out = Text()
    at = 0
    for start, end in merged:
        out.append(text[at:start])
        if plain:
            out.append(MARK_OPEN + text[start:end] + MARK_CLOSE)
        else:
            out.append(text[start:end], style=HIGHLIGHT_STYLE)
        at = end
    out.append(text[at:])
    return out


def _where(f: Finding) -> str:
    if f.line is None:
        return _("where.whole")
    unit = "where.paragraph" if (f.file or "").lower().endswith(".docx") else "where.line"
    return _(unit, n=f.line)


def lint_report(
    console: Console, findings: Iterable[Finding], rules_meta: Mapping[str, RuleMeta] | None = None,
    summary: Mapping | None = None,
) -> None:
    """Findings by file, then by article, each clause shown once with all its findings; then
    the files read, by kind, and those not reviewed (a draft of unknown kind is never "clean")."""
    # clause order, so that two clauses sharing a line never interleave
    findings = sorted(sort_findings(findings), key=lambda f: (f.file or "", f.line or 0, f.text or ""))
    if not findings:
        console.print(_("report.no_findings") if not (summary or {}).get("not_reviewed") else "")
        _lint_files_read(console, summary)
        return
    _lint_findings(console, findings, rules_meta)
    _lint_files_read(console, summary)


def _lint_files_read(console: Console, summary: Mapping | None) -> None:
    if not summary or "documents" not in summary:
        return
    kinds = "、".join(f"{k} {n}" for k, n in (summary.get("documents_by_kind") or {}).items())
    console.print()
    console.print(Text(_t("lint.files_read", n=summary["documents"], kinds=kinds)))
    not_reviewed = summary.get("not_reviewed") or []
    if not_reviewed:
        console.print(Text(_t("lint.not_reviewed", n=len(not_reviewed), files=", ".join(not_reviewed)),
                           style="bold"))  # fmt: skip


def _lint_findings(console: Console, findings: list, rules_meta) -> None:
    files = sorted({f.file or "" for f in findings})
    by_severity: dict[str, int] = {}
    for f in findings:
        by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
    console.print(
        Text(_t("lint.title", files=len(files), n=len(findings), counts=_severity_counts(by_severity)))
    )
    for file, in_file in groupby(findings, key=lambda f: f.file or ""):
        in_file = list(in_file)
        console.print()
        console.print(
            Text(file or _("lint.no_file"), style="bold"),
            Text("  " + _t("lint.file_findings", n=len(in_file))),
        )
        # articles in document order; a clause outside any article groups on its own
        for article, in_article in groupby(in_file, key=lambda f: f.article):
            if article:
                console.print(Padding(Text(article, style="bold"), (0, 0, 0, 2), expand=False))
            for _clause_key, on_clause in groupby(in_article, key=lambda f: (f.line, f.text)):
                _clause(console, list(on_clause), rules_meta or {})


def _clause(console: Console, findings: list[Finding], rules_meta) -> None:
    first = findings[0]
    head = Text()
    head.append(_where(first), style="dim")  # styles the label only, not the clause after it
    if first.text:
        spans = [f.span for f in findings if f.span is not None]
        head.append("  ")
        head.append_text(highlighted(console, first.text, spans))
    console.print(Padding(head, (0, 0, 0, 4), expand=False))
    for f in sorted(findings, key=lambda f: (severity_rank(f.severity), f.rule)):
        line = _severity(f.severity)
        line.append(f" {f.rule} ", style="bold")
        line.append(f.title)
        if f.message and f.message != f.title:
            line.append(punct("colon") + f.message)
        console.print(Padding(line, (0, 0, 0, 6), expand=False))
        cites = f.cites or list(getattr(rules_meta.get(f.rule), "cites", ()) or ())
        if cites:
            console.print(
                Padding(
                    Text(_("lint.cites", cites=join_cites(cites)), style="dim"), (0, 0, 0, 8), expand=False
                )
            )
