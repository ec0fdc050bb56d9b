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
from rich.text import Text

from ..findings import Finding
from . import RuleMeta
from .aggregate import (
    Aggregate,
    join_cites,
    reconciliation,
    severity_label,
    severity_rank,
    skipped_rules,
    sort_findings,
)

SEVERITY_STYLE = {"critical": "bold white on red", "error": "bold red", "warning": "yellow", "info": "cyan"}
HIGHLIGHT_STYLE = "bold reverse"
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"
TOP_RULES_PER_DEPARTMENT = 3


def _n(value: int) -> str:
    return f"{value:,}"


def _severity(severity: str | None) -> Text:
    return Text(severity_label(severity), style=SEVERITY_STYLE.get(severity or "", ""))


def _heading(console: Console, title: str) -> None:
    console.print()
    console.print(Text(title, style="bold underline"))


def _table(*columns: tuple[str, dict]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    for name, options in columns:
        table.add_column(name, **options)
    return table


def _severity_counts(by_severity: Mapping[str, int]) -> str:
    parts = [
        f"{severity_label(s)} {_n(by_severity[s])}"
        for s in sorted(by_severity, key=severity_rank)
        if by_severity[s]
    ]
    return "，".join(parts)


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
    console.print(Text("xuke 办件审计", style="bold"))
    rec = reconciliation(summary)
    if rec is not None:
        read, evaluated, rejected, balanced = rec
        line = Text(f"读取 {_n(read)} 行 = 检查 {_n(evaluated)} 行 + 拒收 {_n(rejected)} 行")
        if balanced:
            line.append("（核对一致）")
        else:
            line.append(f"（核对不一致：相差 {_n(read - evaluated - rejected)} 行）", style="bold red")
        console.print(line)
    if agg.total == 0:
        console.print("未发现问题。")
    else:
        console.print(
            f"问题 {_n(agg.total)} 条，涉及办件 {_n(agg.flagged_cases)} 件（{_severity_counts(agg.by_severity)}）"
        )
        _rules_table(console, agg, rules_meta, summary)
        _departments_table(console, agg, summary)
        _cases_table(console, agg)
    _skipped_table(console, summary)


def _rules_table(console: Console, agg: Aggregate, rules_meta, summary) -> None:
    _heading(console, "按规则")
    table = _table(
        ("规则", {"no_wrap": True}),
        ("级别", {"no_wrap": True}),
        ("标题", {"overflow": "fold"}),
        ("问题数", {"justify": "right", "no_wrap": True}),
        ("依据", {"overflow": "fold"}),
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
    _heading(console, "按部门（问题最重的在前）")
    table = _table(
        ("部门", {"overflow": "fold"}),
        ("办件数", {"justify": "right", "no_wrap": True}),
        ("问题办件", {"justify": "right", "no_wrap": True}),
        ("问题数", {"justify": "right", "no_wrap": True}),
        ("最高级别", {"no_wrap": True}),
        ("主要规则", {"overflow": "fold"}),
    )
    for d in flagged:
        rules = sorted(d.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_RULES_PER_DEPARTMENT]
        table.add_row(
            Text(d.name),
            _n(d.cases) if d.cases is not None else "-",
            _n(d.flagged_cases),
            _n(d.findings),
            _severity(d.worst),
            Text("，".join(f"{rule}×{count}" for rule, count in rules)),
        )
    console.print(table)
    clean = len(depts) - len(flagged)
    if clean:
        console.print(f"另有 {_n(clean)} 个部门未发现问题。")


def _cases_table(console: Console, agg: Aggregate) -> None:
    cases = agg.worst_cases()
    if not cases:
        return
    _heading(console, f"问题最重的办件（前 {len(cases)} 件）")
    table = _table(
        ("办件编号", {"overflow": "fold"}),
        ("部门", {"overflow": "fold"}),
        ("行", {"justify": "right", "no_wrap": True}),
        ("最高级别", {"no_wrap": True}),
        ("问题数", {"justify": "right", "no_wrap": True}),
        ("规则", {"overflow": "fold"}),
    )
    for c in cases:
        table.add_row(
            Text(c.case_id),
            Text(c.department or "-"),
            str(c.row) if c.row is not None else "-",
            _severity(c.worst),
            _n(c.findings),
            Text("，".join(c.rules)),
        )
    console.print(table)


def _skipped_table(console: Console, summary) -> None:
    skipped = skipped_rules(summary)
    if not skipped:
        return
    _heading(console, f"未运行的规则（{len(skipped)} 条）")
    table = _table(("规则", {"no_wrap": True}), ("原因", {"overflow": "fold"}))
    for rule, reason in skipped.items():
        table.add_row(Text(rule), Text(reason or "-"))
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
        return "全文"
    unit = "段" if (f.file or "").lower().endswith(".docx") else "行"
    return f"第{f.line}{unit}"


def lint_report(
    console: Console, findings: Iterable[Finding], rules_meta: Mapping[str, RuleMeta] | None = None
) -> None:
    """Findings by file, then by article, each clause shown once with all its findings."""
    # clause order, so that two clauses sharing a line never interleave
    findings = sorted(sort_findings(findings), key=lambda f: (f.file or "", f.line or 0, f.text or ""))
    if not findings:
        console.print("未发现问题。")
        return
    files = sorted({f.file or "" for f in findings})
    by_severity: dict[str, int] = {}
    for f in findings:
        by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
    console.print(
        Text(
            f"xuke 文件审查：{len(files)} 个文件，{_n(len(findings))} 个问题（{_severity_counts(by_severity)}）"
        )
    )
    for file, in_file in groupby(findings, key=lambda f: f.file or ""):
        in_file = list(in_file)
        console.print()
        console.print(Text(file or "（未注明文件）", style="bold"), Text(f"  {len(in_file)} 个问题"))
        # articles in document order; a clause outside any article groups on its own
        for article, in_article in groupby(in_file, key=lambda f: f.article):
            if article:
                console.print(Padding(Text(article, style="bold"), (0, 0, 0, 2), expand=False))
            for _, on_clause in groupby(in_article, key=lambda f: (f.line, f.text)):
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
            line.append("：" + f.message)
        console.print(Padding(line, (0, 0, 0, 6), expand=False))
        cites = f.cites or list(getattr(rules_meta.get(f.rule), "cites", ()) or ())
        if cites:
            console.print(
                Padding(Text("依据：" + join_cites(cites), style="dim"), (0, 0, 0, 8), expand=False)
            )
