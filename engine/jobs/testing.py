"""`xuke test`: every rule's `examples`, run with the rule's whole pack (and what it imports)
loaded, must make the rule fire (violates) or stay silent (passes)."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..ir.compiler import compile_rules
from ..lang import ast as A
from ..lang.checker import RuleBase, const_value
from ..run.runtime import CompiledProgram, Context, Fact, input_fact


@dataclass
class ExampleResult:
    rule: str
    file: str
    line: int
    expect: str
    ok: bool
    fired: int
    detail: str = ""
    seconds: float = 0.0  # how long it took (JUnit reports show it)


def _pack_closure(base: RuleBase, pack: str) -> set[str]:
    by_name = {p.pack.name: p for p in base.programs if p.pack}
    seen, todo = set(), [pack]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(i.name for i in by_name[name].of(A.Import))
    return seen


def _latest_date(facts) -> dt.date | None:
    dates = [fv.value.value for lit in facts for fv in lit.fields
             if isinstance(fv.value, A.Literal) and fv.value.kind == "date"]  # fmt: skip
    return max(dates) if dates else None


def run_examples(base: RuleBase, calendar, only_rules=None) -> list[ExampleResult]:
    programs: dict[str, CompiledProgram] = {}
    results = []
    for info in base.ordered_rules():
        rule = info.rule
        if only_rules is not None and rule.id not in only_rules:
            continue
        if not rule.examples:
            continue
        if info.pack not in programs:
            packs = _pack_closure(base, info.pack)
            ids = {i.rule.id for i in base.rules.values() if i.pack in packs}
            programs[info.pack] = CompiledProgram(compile_rules(base, ids))
        program = programs[info.pack]
        for example in rule.examples:
            started = time.perf_counter()
            as_of = example.as_of or _latest_date(example.facts) or dt.date.today()
            ctx = Context(calendar, as_of)
            findings = evaluate_facts(program, base, example.facts, info.consts, ctx)
            fired = [f for f in findings if f.rule == rule.id]
            ok = bool(fired) if example.expect == "violates" else not fired
            detail = ""
            if not ok:
                detail = ("did not fire" if example.expect == "violates"
                          else f"fired: {fired[0].message}")  # fmt: skip
            results.append(ExampleResult(rule.id, info.file, example.pos.line, example.expect, ok, len(fired), detail,
                                         time.perf_counter() - started))  # fmt: skip
    return results


def evaluate_facts(program: CompiledProgram, base: RuleBase, literals, consts, ctx):
    """Findings of a set of example facts: the input facts form one case; summary facts
    given directly go to the summary rules."""
    case_facts, summary_facts = [], []
    for lit in literals:
        values = {fv.name: const_value(fv.value, consts) for fv in lit.fields}
        ftype = base.types[lit.type]
        if ftype.kind == "summary":
            decl = base.summaries[lit.type]
            summary_facts.append(Fact(lit.type, values, {"summary": lit.type, "summary_by": decl.by, "file": lit.pos.file}))
        elif ftype.phase == "summary":  # a fact derived over the summaries, given directly
            summary_facts.append(input_fact(lit.type, values, file=lit.pos.file, line=lit.pos.line))
        else:
            case_facts.append(input_fact(lit.type, values, file=lit.pos.file, line=lit.pos.line, row=1))
    findings = []
    state = program.new_summary_state()
    if case_facts:
        case = program.run_case(case_facts, ctx)
        findings.extend(case.findings)
        program.add_to_summaries(state, case, ctx)
    if summary_facts:
        findings.extend(program.run_session(summary_facts, ctx, program.summary_strata).findings)
    elif program.summary_strata:
        findings.extend(program.run_summaries(state, ctx))
    return findings


@dataclass
class TestRun:
    """What `xuke test` ran: every rule's examples and every YAML fixture case."""

    __test__ = False  # not a pytest class

    base: RuleBase
    examples: list[ExampleResult]
    cases: list = field(default_factory=list)  # fixturecases.CaseResult, in file order
    fixtures: list = field(default_factory=list)  # the fixture files, in the order run

    @property
    def failed(self) -> int:
        return sum(not r.ok for r in self.examples) + sum(not c.ok for c in self.cases)

    @property
    def passed(self) -> int:
        return len(self.examples) + len(self.cases) - self.failed

    def by_rule(self) -> dict[str, list[ExampleResult]]:
        out: dict[str, list[ExampleResult]] = {}
        for r in self.examples:
            out.setdefault(r.rule, []).append(r)
        return dict(sorted(out.items()))

    def untested(self) -> list[str]:
        """Reporting rules that no example and no fixture case exercises."""
        exercised = {r.rule for r in self.examples}.union(*(c.rules for c in self.cases))
        return [i.rule.id for i in self.base.ordered_rules() if i.rule.reports and i.rule.id not in exercised]

    def junit_cases(self) -> list:
        """One testsuite per rule (its examples) and per fixture file (its cases)."""
        from ..reports.junit import JUnitCase

        out = [JUnitCase(rule, f"{r.file}:{r.line} {r.expect}", rule, r.seconds,
                         failure=None if r.ok else f"{rule}: {r.detail}",
                         detail=None if r.ok else f"{r.file}:{r.line}: {r.expect} example of {rule}: {r.detail}")
               for rule, items in self.by_rule().items() for r in items]  # fmt: skip
        for c in self.cases:
            out.append(JUnitCase(c.file, f"{c.file}:{c.line} {c.name}", c.file, c.seconds,
                                 failure=None if c.ok else c.detail,
                                 detail=None if c.ok else f"{c.file}:{c.line}: {c.name}: {c.detail}"))  # fmt: skip
        return out


def run_tests(paths, calendar) -> TestRun:
    """`xuke test PATH...`: rule files or folders (their examples; the standard packs when
    only fixture files are named) and the YAML fixture cases named or found in folders."""
    from ..resources import STANDARD_RULES
    from .fixturecases import is_fixture_file, is_fixture_in_folder, run_fixture_file
    from .loader import rule_files
    from .packs import load_packs

    fixtures: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            fixtures += sorted(q for q in p.rglob("*") if q.is_file() and is_fixture_in_folder(q))
        elif p.is_file() and is_fixture_file(p):
            fixtures.append(p)
    rule_paths = [p for p in paths if not (Path(p).is_file() and is_fixture_file(Path(p)))]
    base = load_packs(rule_paths if rule_paths and rule_files(rule_paths) else [STANDARD_RULES])
    run = TestRun(base, run_examples(base, calendar), fixtures=fixtures)
    for path in fixtures:
        run.cases.extend(run_fixture_file(base, path, calendar))
    return run
