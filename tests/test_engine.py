"""The engine: examples of every standard rule, and constructs end to end."""
import datetime as dt
import random
from decimal import Decimal

from conftest import ROOT
from xuke.ir.compiler import compile_rules
from xuke.jobs.loader import load
from xuke.jobs.testing import run_examples
from xuke.run.runtime import CompiledProgram, Context, input_fact

D = dt.date


def test_every_example_of_the_standard_packs_passes(calendar):
    base = load([ROOT / "rules"])
    results = run_examples(base, calendar)
    assert len(results) >= 70
    failed = [r for r in results if not r.ok]
    assert not failed, failed


def _program():
    base = load([ROOT / "rules"])
    return CompiledProgram(compile_rules(base))


def _rules(program, calendar, rec, as_of=D(2025, 12, 31)):
    res = program.run_case([input_fact("record", rec, file="t.csv", row=1)], Context(calendar, as_of))
    return sorted(f.rule for f in res.findings)


def test_twenty_working_days_on_time_twenty_one_late(calendar):
    p = _program()
    base = dict(case_id="X", received_at=D(2025, 3, 3), accepted_at=D(2025, 3, 3), first_contact="张", window="1")
    assert "LIC-42-OVERDUE" not in _rules(p, calendar, {**base, "decided_at": D(2025, 3, 31)})
    assert "LIC-42-OVERDUE" in _rules(p, calendar, {**base, "decided_at": D(2025, 4, 1)})


def test_deemed_acceptance_moves_the_start(calendar):
    p = _program()
    rec = dict(case_id="X", received_at=D(2025, 3, 3), accepted_at=D(2025, 3, 17), supplement_notices=1,
               first_notice_at=D(2025, 3, 17), decided_at=D(2025, 4, 2))
    # from accepted_at (03-17) it is 12 working days; from received_at (deemed) it is 22
    assert {"LIC-32-NOTICE-LATE", "LIC-42-OVERDUE"} <= set(_rules(p, calendar, rec))


def test_chaining_prom_limit_suppressed_by_overdue(calendar):
    p = _program()
    rec = dict(case_id="X", received_at=D(2025, 3, 3), accepted_at=D(2025, 3, 3), decided_at=D(2025, 4, 30),
               promised_limit_days=5)
    rules = _rules(p, calendar, rec)
    assert "LIC-42-OVERDUE" in rules and "PROM-LIMIT" not in rules


def test_trace_goes_down_to_the_input_row(calendar):
    p = _program()
    rec = dict(case_id="X", received_at=D(2025, 3, 3), accepted_at=D(2025, 3, 3), decided_at=D(2025, 4, 30),
               materials_complete=True)
    res = p.run_case([input_fact("record", rec, file="t.csv", row=7)], Context(calendar, D(2025, 12, 31)))
    fp1 = next(f for f in res.findings if f.rule == "FP-1")
    text = str(fp1.trace)
    assert "'row': 7" in text and "prohibition" in text and "LIC-42-OVERDUE" in text


def test_findings_independent_of_row_order_and_summaries(calendar):
    p = _program()
    rows = []
    for i in range(40):
        late = i % 10 == 0
        rows.append(dict(case_id=f"C{i}", department="市交通运输局", received_at=D(2025, 3, 3),
                         accepted_at=D(2025, 3, 3), decided_at=D(2025, 4, 2) if late else D(2025, 3, 20)))
    ctx = Context(calendar, D(2025, 12, 31))

    def run(order):
        state = p.new_summary_state()
        out = []
        for r in order:
            case = p.run_case([input_fact("record", r, file="t", row=int(r["case_id"][1:]))], ctx)
            out += [(f.case_id, f.rule) for f in case.findings]
            p.add_to_summaries(state, case, ctx)
        out += [(str(f.group), f.rule) for f in p.run_summaries(state, ctx)]
        return sorted(out)

    first = run(rows)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    assert run(shuffled) == first
    assert ("{'department': '市交通运输局'}", "DEPT-OVERDUE-RATE") in first


def test_explain_shows_the_derivation_down_to_the_row():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "explain", str(ROOT / "fixtures/approvals/sample.csv"), "--rule",
         "ACC-LEADER", "--limit", "1", "--as-of", "2025-12-31", "--lang", "zh"],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "ACC-LEADER" in out and "loss=重大" in out
    assert "依据发现 FP-" in out  # the finding it chained on
    assert "第 " in out and " 行" in out  # down to the input row
    assert "[严重]" in out and "  依据：" in out and "办件记录 " in out


def test_explain_in_english():
    import re
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "explain", str(ROOT / "fixtures/approvals/sample.csv"), "--rule",
         "ACC-LEADER", "--limit", "1", "--as-of", "2025-12-31", "--lang", "en"],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # the rule's title, message and citations as written; xuke's own words in English
    assert re.search(r"ACC-LEADER \S+ \[critical\]  Basis: ", out)
    assert "loss=重大" in out and "from finding FP-" in out
    assert re.search(r"record \S+sample\.csv row \d+: ", out)  # down to the input row
    for word in ("依据发现", "依据：", "办件记录", "[严重]"):
        assert word not in out, word


def test_explain_tree_speaks_the_language(tmp_path, calendar):
    import io

    from rich.console import Console
    from xuke import i18n
    from xuke.jobs.explain import explain_findings

    path = tmp_path / "d.rules"
    path.write_text('pack d "d"\nrule D-1 "标题甲"\n  severity warning\n  cites "某法第一条"\nwhen\n'
                    '  r: record(transfers > 1)\nthen\n  report r "消息乙"\nend\n', encoding="utf-8")  # fmt: skip
    base = load([path])
    program = CompiledProgram(compile_rules(base))
    program.keep_sources = True
    case = program.run_case([input_fact("record", {"case_id": "A", "transfers": 2}, file="t.csv", row=7)],
                            Context(calendar, D(2025, 12, 31)))  # fmt: skip
    before = i18n.get_lang()
    out = {}
    try:
        for lang in i18n.LANGS:
            i18n.set_lang(lang)
            console = Console(file=io.StringIO(), no_color=True, width=200)
            explain_findings(console, base, case.findings, "T")
            explain_findings(console, base, [], "E")
            out[lang] = console.file.getvalue()
    finally:
        i18n.set_lang(before)
    assert "D-1 标题甲 [警告]  依据：某法第一条" in out["zh"]
    assert "办件记录 t.csv 第 7 行：transfers=2" in out["zh"]
    assert "D-1 标题甲 [warning]  Basis: 某法第一条" in out["en"]
    assert "record t.csv row 7: transfers=2" in out["en"]
    assert "消息乙" in out["zh"] and "消息乙" in out["en"]
    assert "未发现问题" in out["zh"] and "no findings" in out["en"] and "未发现问题" not in out["en"]


def test_explain_unknown_case_is_a_one_line_error():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "explain", str(ROOT / "fixtures/approvals/small.jsonl"),
                           "--case", "NOPE"], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and "not found" in proc.stderr and "Traceback" not in proc.stderr


def test_each_construct_of_the_golden_pack(calendar):
    base = load([ROOT / "tests/golden/constructs.rules"])
    p = CompiledProgram(compile_rules(base))
    ctx = Context(calendar, D(2025, 12, 31))
    rows = [
        # joins: 21 working days against a limit of 20
        dict(case_id="J", department="甲", accepted_at=D(2025, 3, 3), decided_at=D(2025, 4, 1), legal_limit_days=20),
        dict(case_id="J2", department="甲", accepted_at=D(2025, 3, 3), decided_at=D(2025, 3, 31), legal_limit_days=20),
        # not: no start derived; fee 60 * 2 > 100; exists: finding T-NOT, window null
        dict(case_id="N", department="甲", acceptance="受理", fee_amount=60),
        dict(case_id="N2", department="乙", acceptance="受理", fee_amount=40),
        dict(case_id="N3", department="乙", acceptance="受理", fee_amount=60, window="窗口7", transfers=2),
    ]
    state = p.new_summary_state()
    got = set()
    for i, r in enumerate(rows, 1):
        case = p.run_case([input_fact("record", r, file="t", row=i)], ctx)
        got |= {(f.case_id, f.rule) for f in case.findings}
        p.add_to_summaries(state, case, ctx)
    tail = p.run_summaries(state, ctx)
    got |= {(f.group["department"], f.rule) for f in tail}
    # T-DATA: 甲 has two of its three cases started (a derived fact counted), so T-LEVEL
    # derives 高 over the summary; 乙 has none
    assert got == {("J", "T-JOIN"), ("N", "T-NOT"), ("N", "T-EXISTS"), ("N3", "T-NOT"), ("甲", "T-SUMMARY"),
                   ("甲", "T-DATA")}  # fmt: skip
    (data,) = [f.data for f in tail if f.rule == "T-DATA"]
    assert data == {"n": 3, "share": Decimal("66.7"), "level": "高"}


def test_summary_counts_may_use_constants(tmp_path, calendar):
    path = tmp_path / "s.rules"
    path.write_text('pack s "s"\nconst BIG = 2\nsummary dept by department\n  many = count(record(transfers >= BIG))\n'
                    'end\nrule S-1 "s"\n  severity info\n  cites "c"\nwhen\n  d: dept(many >= 1)\nthen\n'
                    '  report d "{d.department}: {d.many}"\nend\n', encoding="utf-8")  # fmt: skip
    p = CompiledProgram(compile_rules(load([path])))
    ctx = Context(calendar, D(2025, 12, 31))
    state = p.new_summary_state()
    for i, n in enumerate([1, 2, 3]):
        case = p.run_case([input_fact("record", dict(case_id=f"C{i}", department="甲", transfers=n), row=i)], ctx)
        p.add_to_summaries(state, case, ctx)
    assert [f.message for f in p.run_summaries(state, ctx)] == ["甲: 2"]


def test_explain_source_shows_the_rule_as_written():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "explain", str(ROOT / "fixtures/approvals/sample.csv"), "--case",
         "3201002500001398", "--as-of", "2025-12-31", "--source"],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "r: record(supplement_notices >= 2)" in proc.stdout
    assert 'rule FP-4 "推诿扯皮、刁难群众"' in proc.stdout
