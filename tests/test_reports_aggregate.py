import json
from pathlib import Path

from xuke.findings import Finding
from xuke.reports import RuleMeta
from xuke.reports.aggregate import (
    NO_DEPARTMENT,
    Aggregate,
    department_of,
    reconciliation,
    rules_meta_with_findings,
    skipped_rules,
    sort_findings,
)

DATA = Path(__file__).parent / "data" / "reports"


def sample():
    raw = json.loads((DATA / "sample.json").read_text("utf-8"))
    findings = [Finding(**{**d, "span": tuple(d["span"])} if "span" in d else d) for d in raw["findings"]]
    return findings, raw["summary"]


def snapshot(agg, summary=None):
    return (
        agg.total,
        agg.flagged_cases,
        dict(agg.by_rule),
        dict(agg.by_severity),
        [
            (d.name, d.findings, d.flagged_cases, d.worst, dict(d.by_rule), d.cases)
            for d in agg.department_stats(summary)
        ],
        agg.worst_cases(),
    )


def test_counts():
    findings, summary = sample()
    agg = Aggregate.of(findings)
    assert agg.total == len(findings)
    assert agg.flagged_cases == 4
    depts = {d.name: d for d in agg.department_stats(summary)}
    market = depts["市场监管局"]
    # ACC-LEADER has no record in its trace but belongs to the case of 市场监管局
    assert (market.findings, market.flagged_cases, market.worst, market.cases) == (4, 1, "critical", 4)
    assert depts[NO_DEPARTMENT].by_rule == {"LIC-32-NOTICE-REPEAT": 1}
    assert depts["税务局"].findings == 0 and depts["税务局"].cases == 2
    worst = agg.worst_cases()
    assert [c.case_id for c in worst][:2] == ["SQ2025030001", '=HYPERLINK("http://x")']
    assert worst[0].rules == ("ACC-LEADER", "FP-1", "LIC-42-OVERDUE") and worst[0].findings == 3


def test_top_n():
    findings, _ = sample()
    assert len(Aggregate.of(findings, top=2).worst_cases()) == 2
    assert Aggregate.of(findings, top=0).worst_cases() == []


def test_merge_equals_whole():
    findings, summary = sample()
    ordered = sort_findings(findings)
    a, b = Aggregate(), Aggregate()
    split = 8  # 5 clauses, the 3 findings of row 1 (the department finding sorts last)
    assert ordered[split - 1].row == 1 and ordered[split].row == 2
    a.extend(ordered[:split])  # split between cases, as workers split chunks
    b.extend(ordered[split:])
    a.merge(b)
    assert snapshot(a, summary) == snapshot(Aggregate.of(findings), summary)


def test_rule_stats():
    findings, summary = sample()
    agg = Aggregate.of(findings)
    meta = {"LIC-44-CERT": RuleMeta("LIC-44-CERT", "证件送达超期", "warning", ("行政许可法第四十四条",), ())}
    fired = agg.rule_stats(meta, summary)
    assert {r.id for r in fired} == {f.rule for f in findings}
    assert fired[0].id == "ACC-LEADER"  # most severe first
    everything = {r.id: r for r in agg.rule_stats(meta, summary, include_quiet=True)}
    assert everything["LIC-44-CERT"].findings == 0
    assert everything["LIC-45-NOTIFY"].skipped.startswith("输入没有")


def test_helpers():
    findings, summary = sample()
    assert reconciliation(summary) == (10, 9, 1, True)
    assert reconciliation({}) is None
    assert skipped_rules({"skipped_rules": {"B": "x", "A": None}}) == {"A": "", "B": "x"}
    assert department_of(findings[0]) in (None, "市场监管局", "住建局")
    metas = rules_meta_with_findings(findings, {})
    assert list(metas) == sorted({f.rule for f in findings})
    assert metas["LIC-42-OVERDUE"].title == "超过法定期限作出决定"


def test_unknown_severity_does_not_crash():
    f = Finding("R", "fatal", "t", "m", [], [], "a.csv", case_id="1", row=1)
    agg = Aggregate.of([f])
    assert agg.worst_cases()[0].worst == "fatal"


def test_unknown_columns_as_listed():
    from xuke.reports.aggregate import unknown_column_count, unknown_columns

    summary = {"unknown_columns": [{"file": "a.csv", "columns": ["序号"]},
                                   {"file": "b.jsonl", "columns": ["k1", "k2"], "more": True}, "junk"]}  # fmt: skip
    assert unknown_columns(summary) == [("a.csv", ["序号"]), ("b.jsonl", ["k1", "k2", "…"])]
    assert unknown_column_count(summary) == 3
    assert unknown_columns(None) == [] and unknown_column_count({}) == 0
