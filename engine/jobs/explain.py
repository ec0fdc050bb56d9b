"""`xuke explain`: the derivation tree of a case's findings, for a legal officer: each
finding with its rule title and citations, the derived facts and findings it was built
on (with the rules that made them), down to the input row and the field values that
decided."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.tree import Tree

from ..i18n import _, punct, severity_label
from ..ir.evaluate import render_value
from ..lang.checker import RuleBase
from ..reports.visible import VisibleText as Text
from ..run.runtime import Fact
from .audit import record_fields_read


def explain_findings(
    console: Console, base: RuleBase, findings, title: str, show_source: bool = False
) -> None:
    tree = Tree(Text(title, style="bold"))
    if not findings:
        tree.add(_("report.none"))
    for f in findings:
        rule = base.rules[f.rule].rule
        node = tree.add(_rule_label(f.rule, rule.title, f.severity, rule.cites))
        node.add(Text(f.message))
        if show_source:
            _rule_source(node, base, f.rule)
        for fact in f.sources or ():
            _fact(node, base, fact, f.rule, depth=0)
    console.print(tree)


def _rule_source(node: Tree, base: RuleBase, rule_id: str) -> None:
    """The rule as written, highlighted by the xuke lexer: what a pack maintainer checks."""
    from ..lang.lexer import highlight_snippet

    info = base.rules[rule_id]
    source = base.sources.get(info.file)
    pos = info.rule.pos
    if source and pos.line:
        node.add(highlight_snippet(source, pos.line, pos.end_line or pos.line))


def _rule_label(rule_id, title, severity, cites) -> Text:
    label = Text()
    label.append(rule_id, style="bold")
    label.append(f" {title}")
    if severity:
        label.append(f" [{severity_label(severity)}]", style="red" if severity in ("critical", "error")
                     else "yellow")  # fmt: skip
    if cites:
        label.append("  " + _("lint.cites", cites="；".join(cites)), style="dim")
    return label


def _fact(parent: Tree, base: RuleBase, fact: Fact, rule_id: str, depth: int) -> None:
    if depth > 12:
        parent.add("…")
        return
    origin = fact.origin
    if "from" not in origin:
        row = origin.get("row")
        key = "explain.at_row" if row else "explain.at_line"
        where = _(key, file=origin.get("file", ""), n=row or origin.get("line"))
        # the fields the rule tested (the join key case_id says nothing to a reader)
        decided = sorted(record_fields_read(base, rule_id) - {"case_id"}) if fact.type == "record" else []
        shown = ", ".join(f"{k}={render_value(fact.values.get(k))}" for k in decided)
        label = Text(f"{_type_label(fact.type)} {where}")
        if shown:
            label.append(punct("colon") + shown, style="cyan")
        parent.add(label)
        return
    producer = base.rules.get(origin["rule"])
    ptitle = producer.rule.title if producer else origin["rule"]
    if fact.type == "finding":
        label = Text(_("explain.from_finding", rule=fact.values.get("rule"), title=ptitle))
    else:
        values = ", ".join(f"{k}={render_value(v)}" for k, v in sorted(fact.values.items()))
        label = Text(_("explain.derived", fact=fact.type, values=values, rule=origin["rule"], title=ptitle))
    node = parent.add(label)
    for source in origin["from"]:
        _fact(node, base, source, origin["rule"], depth + 1)


def _type_label(type_: str) -> str:
    """办件记录/条款/文件 for the input facts; a derived fact's type as the rule author named it."""
    return _(f"explain.type.{type_}") if type_ in ("record", "clause", "document") else type_


@dataclass
class ExplainedCase:
    """One case of an export, run with the sources of its findings kept."""

    file: str
    row: int
    case_id: str | None
    findings: list


def explain_cases(base: RuleBase, program, path: str, ctx, case: str | None = None, rule: str | None = None,
                  limit: int = 10, encoding=None, aliases=None) -> list[ExplainedCase]:  # fmt: skip
    """The case `case` of a record export, or the first `limit` cases where `rule` fired.
    `program` must keep the facts of its findings (`keep_sources`). A case whose row was
    rejected, or that is not in the file, is an error that says so."""
    from ..errors import XukeError
    from ..run.runtime import input_fact
    from ..sources.open import open_records
    from ..sources.records import Reject

    out: list[ExplainedCase] = []
    for item in open_records(path, encoding=encoding, aliases=aliases):
        if isinstance(item, Reject):
            if case and item.raw and case in item.raw.values():
                raise XukeError(_("explain.rejected", file=path, row=item.row, reason=item.reason))
            continue
        if case and item.values.get("case_id") != case:
            continue
        run = program.run_case([input_fact("record", item.values, file=path, row=item.row)], ctx)
        chosen = [f for f in run.findings if not rule or f.rule == rule]
        if case or chosen:
            out.append(ExplainedCase(path, item.row, item.values.get("case_id"), chosen))
        if case or len(out) >= limit:
            break
    if case and not out:
        raise XukeError(_("usage.case_not_found", case=case, file=path))
    return out


def explain_document(base: RuleBase, program, path: str, calendar, rule: str | None = None,
                     encoding=None) -> list:  # fmt: skip
    """The findings of one draft (of `rule` only, if given), with their sources kept."""
    from .lint import lint_files

    result = lint_files(base, [path], calendar, encoding=encoding, program=program)
    return [f for f in result.findings if not rule or f.rule == rule]
