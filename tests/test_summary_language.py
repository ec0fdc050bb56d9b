"""The language extensions the record packs v2 need (docs/language.md, Summaries and
`report ... with`): summaries that count derived facts, facts derived over summaries (a
department's grade, by forward chaining), a finding's structured data, regex constants, and
the functions basis_rank and round."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.ir.compiler import compile_rules
from xuke.ir.functions import FUNCTIONS
from xuke.jobs.loader import load
from xuke.jobs.testing import run_examples
from xuke.lang.diagnostics import DiagnosticError
from xuke.reports.jsonout import dumps_json
from xuke.run.runtime import CompiledProgram, Context, input_fact

AS_OF = dt.date(2025, 12, 31)

PACK = '''pack demo "demo"

fact quick(case_id: text)
fact band(department: text, level: text)

rule QUICK "quick"
when
  r: record(decided_at is not null, workdays(received_at, decided_at) <= 2)
then
  assert quick(case_id: r.case_id)
end

summary dept by department
  n = count(record())
  quick_n = count(quick())
end

rule BAND-HIGH "high"
when
  d: dept(quick_n * 2 >= n)
then
  assert band(department: d.department, level: "高")
end

rule BAND-LOW "low"
when
  d: dept(quick_n * 2 < n)
then
  assert band(department: d.department, level: "低")
end

rule D-SCORE "score"
  severity info
  cites "测试"
when
  d: dept()
  b: band(department == d.department)
then
  report d "{d.department} {b.level}"
    with (n: d.n, quick: d.quick_n, share: round(d.quick_n * 100 / d.n, 1), level: b.level, on: 2025-03-03)
examples
  violates dept(department: "甲", n: 3, quick_n: 1)
end

rule D-HIGH-ONLY "only high"
  severity info
  cites "测试"
when
  b: band(level == "高")
then
  report b "{b.department}"
examples
  violates band(department: "甲", level: "高")
  passes   band(department: "甲", level: "低")
end
'''


def _base(tmp_path, text=PACK, name="demo.rules"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load([path])


def _audit(base, calendar, records):
    program = CompiledProgram(compile_rules(base))
    ctx = Context(calendar, AS_OF)
    state = program.new_summary_state()
    for i, rec in enumerate(records, 1):
        case = program.run_case([input_fact("record", rec, file="t.csv", row=i)], ctx)
        program.add_to_summaries(state, case, ctx)
    return program.run_summaries(state, ctx, file="t.csv")


def _rec(i, dept, days):
    received = dt.date(2025, 3, 3)
    return {"case_id": f"C{i}", "department": dept, "received_at": received,
            "decided_at": received + dt.timedelta(days=days)}  # fmt: skip


def test_summaries_count_derived_facts_and_rules_over_them_derive_grades(tmp_path, calendar):
    base = _base(tmp_path)
    assert base.rules["BAND-HIGH"].phase == "summary" and base.rules["D-SCORE"].phase == "summary"
    assert base.rules["D-HIGH-ONLY"].phase == "summary"  # matches only a fact derived over summaries
    assert base.types["band"].phase == "summary" and base.types["quick"].phase == "case"
    # 甲: 2 of 3 decided within 2 working days; 乙: 0 of 2 (10 calendar days)
    records = [_rec(1, "甲", 1), _rec(2, "甲", 2), _rec(3, "甲", 10), _rec(4, "乙", 10), _rec(5, "乙", 14)]
    found = {(f.rule, f.group["department"]): f for f in _audit(base, calendar, records)}
    assert sorted(found) == [("D-HIGH-ONLY", "甲"), ("D-SCORE", "乙"), ("D-SCORE", "甲")]
    score = found[("D-SCORE", "甲")]
    assert score.message == "甲 高"
    assert score.data == {"n": 3, "quick": 2, "share": Decimal("66.7"), "level": "高", "on": dt.date(2025, 3, 3)}
    assert list(score.data) == ["n", "quick", "share", "level", "on"]  # the order the rule gives
    assert found[("D-SCORE", "乙")].data["share"] == Decimal("0.0")
    # the data is not the finding's identity: other figures, same fingerprint
    again = {(f.rule, f.group["department"]): f for f in _audit(base, calendar, records[:2] + records[3:])}
    assert again[("D-SCORE", "甲")].data["n"] == 2
    assert again[("D-SCORE", "甲")].fingerprint() == score.fingerprint()


def test_json_keeps_data_numbers_exact_and_in_order(tmp_path, calendar):
    base = _base(tmp_path)
    findings = _audit(base, calendar, [_rec(1, "甲", 1), _rec(2, "甲", 2), _rec(3, "甲", 10)])
    text = dumps_json([f for f in findings if f.rule == "D-SCORE"]).decode()
    assert '"share": 66.7' in text and '"on": "2025-03-03"' in text
    assert text.index('"n": 3') < text.index('"quick": 2') < text.index('"share"') < text.index('"level"')


def test_examples_give_summary_and_summary_phase_facts(tmp_path, calendar):
    results = run_examples(_base(tmp_path), calendar)
    assert [(r.rule, r.expect, r.ok) for r in results] == [
        ("D-HIGH-ONLY", "violates", True), ("D-HIGH-ONLY", "passes", True), ("D-SCORE", "violates", True)]  # fmt: skip


@pytest.mark.parametrize(
    "extra, message",
    [
        # a fact type lives in one phase
        ('rule B-CASE "b"\nwhen\n  r: record()\nthen\n  assert band(department: r.department, level: "x")\nend\n',
         "derived both per case"),
        # a summary-phase rule cannot join a record
        ('rule MIX "m"\n  severity info\n  cites "x"\nwhen\n  b: band()\n  r: record(department == b.department)\n'
         'then\n  report r "m"\nend\n', "mixes summary facts with per-case facts"),
        # the data: one value per name, and no regexes
        ('rule TWICE "t"\n  severity info\n  cites "x"\nwhen\n  d: dept()\nthen\n  report d "m"\n    with (n: 1, n: 2)\nend\n',
         "data field `n` given twice"),
        ('rule RX "t"\n  severity info\n  cites "x"\nwhen\n  d: dept()\nthen\n  report d "m"\n    with (p: /a+/)\nend\n',
         "cannot hold a regex"),
    ],
)  # fmt: skip
def test_phase_and_data_mistakes_are_check_errors(tmp_path, extra, message):
    with pytest.raises(DiagnosticError) as e:
        _base(tmp_path, PACK + "\n" + extra)
    assert message in e.value.render()


def test_a_summary_cannot_count_a_fact_derived_over_summaries(tmp_path):
    text = PACK.replace("  quick_n = count(quick())\n", "  quick_n = count(quick())\n  banded = count(band())\n")
    with pytest.raises(DiagnosticError) as e:
        _base(tmp_path, text)
    assert "a summary cannot count `band`" in e.value.render()


def test_a_summary_counts_only_records_findings_and_derived_facts(tmp_path):
    text = PACK.replace("  quick_n = count(quick())\n", "  quick_n = count(clause())\n")
    with pytest.raises(DiagnosticError) as e:
        _base(tmp_path, text)
    assert "a summary counts `record`, `finding` or derived facts, not `clause`" in e.value.render()


def test_regex_constants_match_as_regexes(tmp_path, calendar):
    text = ('pack rx "rx"\nconst KINDS = /^(?:检验|检测)+$/\nconst WORD = "检验"\n'
            'rule K "k"\n  severity info\n  cites "x"\nwhen\n  r: record(item_name matches KINDS)\n'
            'then\n  report r "{r.item_name} {WORD}"\n'
            'examples\n  violates record(case_id: "A", received_at: 2025-03-03, item_name: "检验检测")\n'
            '  passes   record(case_id: "B", received_at: 2025-03-03, item_name: "现场核查")\nend\n')  # fmt: skip
    results = run_examples(_base(tmp_path, text, "rx.rules"), calendar)
    assert [r.ok for r in results] == [True, True]


# ---- functions ----
basis_rank = FUNCTIONS["basis_rank"].impl
round_ = FUNCTIONS["round"].impl


@pytest.mark.parametrize(
    "text, on, rank",
    [
        ("《城市道路管理条例》第三十七条", None, "行政法规"),
        ("中华人民共和国水法", None, "法律"),  # no 《》: the whole text is the title
        ("《水法》、《取水许可和水资源费征收管理条例》", None, "法律"),  # the highest of those named
        ("《国务院对确需保留的行政审批项目设定行政许可的决定》", None, "国务院决定"),
        ("《机动车登记规定》", None, None),  # a ministry rule: not in the national list
        ("《浙江省城镇燃气管理条例》", None, None),  # a local regulation
        ("江价费〔2019〕12号", None, None),  # a document number
        ("", None, None),
        # replaced on 2006-04-15: a basis before, none after
        ("《取水许可制度实施办法》", dt.date(2005, 3, 3), "行政法规"),
        ("《取水许可制度实施办法》", dt.date(2025, 3, 3), None),
        ("《取水许可制度实施办法》", None, "行政法规"),
    ],
)  # fmt: skip
def test_basis_rank(text, on, rank):
    assert basis_rank(None, text, *([on] if on else [])) == rank


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), on=st.one_of(st.none(), st.dates()))
def test_basis_rank_never_fails_on_any_text(text, on):
    assert basis_rank(None, text, on) in (None, "法律", "法律问题的决定", "行政法规", "国务院决定")


@pytest.mark.parametrize(
    "x, places, want",
    [(Decimal(2) * 100 / 3, 1, Decimal("66.7")), (Decimal("97.45"), 1, Decimal("97.5")), (5, 0, Decimal("5")),
     (Decimal("-2.5"), 0, Decimal("-3")), (Decimal("0.05"), 1, Decimal("0.1")), (1, 11, None), (1, -1, None)],
)  # fmt: skip
def test_round_is_half_away_from_zero(x, places, want):
    assert round_(None, x, places) == want
