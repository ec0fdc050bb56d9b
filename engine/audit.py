"""A bulk audit of approval records: read in chunks, evaluate each case in its own session,
fold summaries, then run the summary rules. Every row read is evaluated or rejected with
a reason, and the summary reconciles the two."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import ast as A
from .checker import RuleBase
from .compiler import compile_rules
from .runtime import CompiledProgram, Context, input_fact
from .sources.records import RecordSource, Reject


@dataclass
class AuditResult:
    findings: list
    rejects: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def record_fields_read(base: RuleBase, rule_id: str) -> set[str]:
    """The record fields that decide whether a rule fires: those its patterns test, directly
    or through a record binding. Fields only shown in messages, or read through
    coalesce(), do not count: a missing column is null there, which rules handle."""
    rule = base.rules[rule_id].rule
    record_bindings = {p.binding for p in rule.when if p.type == "record" and p.binding}
    out: set[str] = set()

    def walk(e, own_record: bool):
        if isinstance(e, A.Name) and own_record and e.id in base.types["record"].fields:
            out.add(e.id)
        elif isinstance(e, A.Attr) and isinstance(e.obj, A.Name) and e.obj.id in record_bindings:
            out.add(e.name)
        if isinstance(e, A.Call) and e.func == "coalesce":
            return
        for child in _children(e):
            walk(child, own_record)

    for p in rule.when:
        for c in p.constraints:
            walk(c, p.type == "record")
    return out


def _children(e):
    if isinstance(e, A.Attr):
        return [e.obj]
    if isinstance(e, A.Call):
        return list(e.args)
    if isinstance(e, A.Unary | A.IsNull):
        return [e.operand]
    if isinstance(e, A.Binary):
        return [e.left, e.right]
    if isinstance(e, A.ListLit):
        return list(e.items)
    return []


def skipped_rules(base: RuleBase, present: set[str]) -> dict[str, str]:
    """rule id -> why it is skipped for an input with these columns. Only reporting rules
    are skipped: derivation rules run and see nulls, as their null logic expects."""
    out: dict[str, str] = {}
    for rid in sorted(base.rules):
        if not base.rules[rid].rule.reports:
            continue
        missing = sorted(record_fields_read(base, rid) - present)
        if missing:
            out[rid] = "input has no column for " + ", ".join(missing)
    return out


def audit_files(base: RuleBase, paths, calendar, as_of: dt.date, encoding=None, sheet=None,
                aliases=None, chunk_size: int = 2000, on_progress=None) -> AuditResult:  # fmt: skip
    findings, rejects = [], []
    rows_read = rows_evaluated = 0
    skipped_all: dict[str, str] = {}
    ctx = Context(calendar, as_of)
    summary_state: dict = {}
    departments: dict[str, int] = {}
    program = None
    for path in paths:
        source = RecordSource(str(path), encoding=encoding, sheet=sheet, aliases=aliases)
        skipped = skipped_rules(base, set(source.present_fields))
        skipped_all.update(skipped)
        program = CompiledProgram(compile_rules(base, set(base.rules) - set(skipped)))
        state = program.new_summary_state()
        for chunk in source.chunks(chunk_size):
            for item in chunk:
                rows_read += 1
                if isinstance(item, Reject):
                    rejects.append({"file": str(path), "row": item.row, "reason": item.reason})
                    continue
                dept = item.values.get("department")
                if dept is not None:
                    departments[dept] = departments.get(dept, 0) + 1
                fact = input_fact("record", item.values, file=str(path), row=item.row)
                case = program.run_case([fact], ctx)
                findings.extend(case.findings)
                program.add_to_summaries(state, case, ctx)
                rows_evaluated += 1
            if on_progress:
                on_progress(rows_read)
        findings.extend(program.run_summaries(state, ctx, file=str(path)))
        CompiledProgram.merge_summaries(summary_state, state)
    findings.sort(key=lambda f: f.sort_key())
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    summary = {
        "rows_read": rows_read,
        "rows_evaluated": rows_evaluated,
        "rows_rejected": len(rejects),
        "findings": len(findings),
        "findings_by_rule": dict(sorted(by_rule.items())),
        "skipped_rules": [{"rule": r, "reason": why} for r, why in sorted(skipped_all.items())],
        "departments": {d: {"cases": n} for d, n in sorted(departments.items())},
        "as_of": as_of.isoformat(),
    }
    return AuditResult(findings, rejects, summary)
