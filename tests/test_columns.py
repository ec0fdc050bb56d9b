"""The column strategy (engine/run/columns.py) against the Rete engine and the reference
evaluator: the same findings, messages and traces, byte for byte, on generated packs and
records; and what it leaves to Rete, with the reason it gives."""
import datetime as dt

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from reference import Ref
from test_differential import AS_OF, _load, records, rule_set
from xuke.ir.compiler import compile_rules
from xuke.lang.diagnostics import DiagnosticError
from xuke.reports.jsonout import finding_record
from xuke.run.columns import ColumnPlan
from xuke.run.runtime import CompiledProgram, Context, input_fact
from xuke.sources.records import Row


def _bytes(findings) -> list[bytes]:
    return sorted(orjson.dumps(finding_record(f)) for f in findings)


def _rete(program, ctx, recs):
    out = []
    for i, rec in enumerate(recs):
        out += program.run_case([input_fact("record", rec, file="t", row=i + 1)], ctx).findings
    return out


def _columns(program, ctx, recs):
    plan = ColumnPlan(program, ctx)
    done = plan.run([Row(i + 1, dict(rec)) for i, rec in enumerate(recs)], "t", ctx)
    assert done is not None, "the chunk went to Rete"
    return plan, done[0]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(rules=rule_set(), recs=records())
def test_columns_agree_with_rete_and_the_reference(tmp_path, calendar, rules, recs):
    # a message that names the mark a rule matched: which of several marks is named is
    # the match order's business (docs/language.md), and both strategies must agree on it
    rules = [r.replace('report r "{r.case_id}"', 'report r "{r.case_id} {m.src} {m.n}"') if "m: mark(" in r else r
             for r in rules]  # fmt: skip
    try:
        base = _load(tmp_path, rules, "c")
    except DiagnosticError:
        assume(False)
    ctx = Context(calendar, AS_OF)
    program = CompiledProgram(compile_rules(base))
    plan, found = _columns(program, ctx, recs)
    # every generated construct translates but a regex match, which stays on Rete with the
    # strata after it (the hand-over, tested by the same comparison)
    assert plan.complete or any("matches" in r for r in rules), plan.reasons
    want = _rete(CompiledProgram(compile_rules(base)), ctx, recs)
    assert _bytes(found) == _bytes(want)
    assert {(f.case_id, f.rule) for f in found} == Ref(base, calendar, AS_OF).findings(recs)


PACK = '''pack t "t"
fact mark(case_id: text, n: int)

rule D-A "a"
when
  r: record(transfers >= 1)
then
  assert mark(case_id: r.case_id, n: 1)
end

rule D-B "b"
when
  r: record(supplement_notices >= 1)
then
  assert mark(case_id: r.case_id, n: 2)
end

rule R-1 "names one mark"
  severity error
  cites "t"
when
  r: record()
  m: mark(case_id == r.case_id)
then
  report r "mark {m.n}"
end
'''


def _run_both(tmp_path, calendar, text, recs):
    (tmp_path / "t.rules").write_text(text, encoding="utf-8")
    from xuke.jobs.loader import load

    base = load([tmp_path / "t.rules"])
    ctx = Context(calendar, AS_OF)
    rete = _rete(CompiledProgram(compile_rules(base)), ctx, recs)
    plan = ColumnPlan(CompiledProgram(compile_rules(base)), ctx)
    done = plan.run([Row(i + 1, dict(rec)) for i, rec in enumerate(recs)], "t", ctx)
    return plan, rete, done


REC = {"case_id": "A1", "received_at": dt.date(2025, 3, 3), "transfers": 2, "supplement_notices": 2}


def test_the_first_match_in_rule_order_is_named_by_both(tmp_path, calendar):
    plan, rete, done = _run_both(tmp_path, calendar, PACK, [REC])
    assert [f.message for f in rete] == ["mark 1"] == [f.message for f in done[0]]
    assert _bytes(rete) == _bytes(done[0])
    # D-B written before D-A: it comes first in rule order (the ids do not matter)
    head, a, b, rest = PACK.split("\nrule ")
    swapped = "\nrule ".join([head, b, a, rest])
    plan, rete, done = _run_both(tmp_path, calendar, swapped, [REC])
    assert [f.message for f in rete] == ["mark 2"] == [f.message for f in done[0]]


def test_a_regex_runs_as_the_runtimes_own_python_once_per_distinct_value(tmp_path, calendar):
    # `matches` has no polars form with RE2's meaning: the computed key is the runtime's
    # compiled function, called once per distinct value of the fields it reads
    text = PACK.replace("r: record(transfers >= 1)", 'r: record(transfers >= 1, case_id matches /^A/)')
    recs = [dict(REC, case_id=c) for c in ("A1", "B2", "A3")]
    plan, rete, done = _run_both(tmp_path, calendar, text, recs)
    assert plan.complete and done is not None
    assert _bytes(done[0]) == _bytes(rete) and [f.message for f in rete] == ["mark 1", "mark 2", "mark 1"]


def test_a_function_in_a_derived_value_stays_on_rete_with_a_reason(tmp_path, calendar):
    # a derived fact's value is typed and may be compared with anything: no Python fallback there
    text = PACK.replace("assert mark(case_id: r.case_id, n: 1)", "assert mark(case_id: r.case_id, n: number(r.case_id))")
    plan, rete, done = _run_both(tmp_path, calendar, text, [REC])
    assert not plan.complete and "number()" in plan.reasons[0] and "rule D-A" in plan.reasons[0]
    assert done is not None and _bytes(done[0]) == _bytes(rete)  # the rest on Rete, case by case


def test_a_recursive_stratum_stays_on_rete(tmp_path, calendar):
    text = PACK + '''
rule D-C "from a mark"
when
  m: mark(n < 3)
then
  assert mark(case_id: m.case_id, n: m.n + 1)
end
'''
    plan, rete, done = _run_both(tmp_path, calendar, text, [REC])
    assert not plan.complete and "recursion" in plan.reasons[0]
    assert _bytes(done[0]) == _bytes(rete)


def test_dates_outside_the_calendar_send_the_chunk_to_rete(tmp_path, calendar):
    text = PACK.replace("r: record(transfers >= 1)", "r: record(workdays(received_at, decided_at) > 1)")
    rec = dict(REC, decided_at=dt.date(2099, 1, 5))
    plan, rete, done = _run_both(tmp_path, calendar, text, [dict(REC, decided_at=dt.date(2025, 3, 20))])
    assert plan.complete and done is not None and _bytes(done[0]) == _bytes(rete)
    assert plan.run([Row(1, rec)], "t", Context(calendar, AS_OF)) is None


@pytest.mark.parametrize("engine", ["rete", "columns"])
def test_the_standard_packs_name_prohibitions_in_rule_order(calendar, engine, tmp_path):
    # a case that breaks FP-1 (refused although complete), FP-3 and FP-4 (notices and
    # transfers) with a heavy loss: ACC-LEADER names FP-1, written first in its pack;
    # FP-4's trace shows the prohibition of FP-4-REPEAT, written before FP-4-TRANSFERS
    import csv

    from xuke.jobs.audit import audit_files
    from xuke.jobs.loader import STANDARD_RULES, load

    path = tmp_path / "c.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["办件编号", "申请时间", "材料齐全", "受理结果", "补正告知次数", "首次补正告知时间", "转办次数",
                    "造成损失", "收费金额", "指定中介或商品", "办理结果"])  # fmt: skip
        w.writerow(["A1", "2025-03-03", "是", "不予受理", "2", "2025-03-20", "3", "重大", "5", "是", "准予许可"])
    result = audit_files(load([STANDARD_RULES]), [path], calendar, AS_OF, engine="rete" if engine == "rete" else "auto")
    try:
        found = {f.rule: f for f in result.findings}
    finally:
        result.close()
    assert found["ACC-LEADER"].message == "违反四个不准（FP-1）并造成重大损失"
    assert found["FP-1"].trace["facts"][1]["derived_by"] == "FP-1-REFUSED"
    assert found["FP-4"].trace["facts"][1]["derived_by"] == "FP-4-REPEAT"


def test_cli_engines_write_the_same_report_and_columns_says_what_it_runs(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    sample = ROOT / "fixtures" / "approvals" / "sample.csv"
    outs = {}
    for engine in ("rete", "columns"):
        out = tmp_path / f"{engine}.jsonl"
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(sample), "--as-of", "2025-12-31",
                               "--format", "jsonl", "-o", str(out), "--jobs", "1", "--engine", engine],
                              capture_output=True, text=True)  # fmt: skip
        assert proc.returncode == 1, proc.stderr  # the sample has errors
        outs[engine] = out.read_bytes()
        if engine == "columns":
            assert "columns: all 4 case strata run as column expressions" in proc.stderr
        else:
            assert "columns:" not in proc.stderr
    assert outs["rete"] and outs["rete"] == outs["columns"]
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(sample), "--engine", "spark"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
