import json

import pytest
from xuke.errors import XukeError
from xuke.findings import Finding
from xuke.jobs.baseline import (
    apply_baseline,
    baseline_entries,
    load_baseline,
    refresh_summary,
    subject_summary,
    write_baseline,
)

PACK = """pack baseline_test "baseline test"

rule T-APPROVAL "设定审批"
  severity error
  cites "《行政许可法》第十四条"
when
  c: clause(text matches /须经.{0,10}审批/)
then
  report c "条款自行设定审批"
end
"""

DRAFT = "某市摊点管理办法\n\n第一条 为规范管理，制定本办法。\n\n第二条 设置摊点须经城管部门审批。\n"


def _finding(**kw) -> Finding:
    base = dict(rule="R-1", severity="error", title="t", message="m", cites=[], tags=[], file="a.csv")
    base.update(kw)
    return Finding(**base)


@pytest.fixture(scope="module")
def lint(tmp_path_factory, calendar):
    from xuke.jobs.lint import lint_files
    from xuke.jobs.loader import load

    folder = tmp_path_factory.mktemp("baseline")
    (folder / "t.rules").write_text(PACK, encoding="utf-8")
    base = load([folder / "t.rules"])

    def run(text: str):
        draft = folder / "draft.txt"
        draft.write_text(text, encoding="utf-8")
        return lint_files(base, [str(draft)], calendar).findings

    return run


def test_round_trip(tmp_path):
    findings = [
        _finding(case_id="A2", row=2),
        _finding(case_id="A1", row=1, rule="R-0"),
        _finding(file="d.txt", line=4, article="第二条", text="第二条 设置摊点须经审批。"),
        _finding(group={"department": "市交通运输局"}, rule="DEPT-X"),
    ]
    path = tmp_path / "baseline.json"
    assert write_baseline(path, findings) == 4
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"] == 1 and doc["tool"] == "xuke"
    assert [e["file"] for e in doc["findings"]] == sorted(e["file"] for e in doc["findings"])
    assert {e["subject"] for e in doc["findings"]} == {
        "case A1", "case A2", "第二条 第二条 设置摊点须经审批。", "department=市交通运输局",
    }  # fmt: skip
    assert all(set(e) == {"fingerprint", "rule", "file", "subject"} for e in doc["findings"])
    assert "row" not in path.read_text(encoding="utf-8")  # no positions: the file only changes with the set
    fps = load_baseline(path)
    assert fps == {f.fingerprint() for f in findings}
    kept, hidden = apply_baseline(findings + [_finding(case_id="A3")], fps)
    assert hidden == 4 and [f.case_id for f in kept] == ["A3"]


def test_written_bytes_do_not_depend_on_order(tmp_path):
    findings = [_finding(case_id=f"A{i}", row=i) for i in range(5)]
    write_baseline(tmp_path / "a.json", findings)
    write_baseline(tmp_path / "b.json", list(reversed(findings)) + findings[:2])  # duplicates collapse
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_row_numbers_do_not_matter():
    a = _finding(case_id="A1", row=10)
    b = _finding(case_id="A1", row=99)
    assert apply_baseline([b], {a.fingerprint()}) == ([], 1)


def test_moved_clause_stays_hidden_edited_clause_does_not(lint, tmp_path):
    before = lint(DRAFT)
    assert [f.rule for f in before] == ["T-APPROVAL"]
    path = tmp_path / "baseline.json"
    write_baseline(path, before)
    fps = load_baseline(path)

    # a line inserted above the clause: the finding moves two lines down, still known
    moved = lint(DRAFT.replace("某市摊点管理办法\n", "某市摊点管理办法\n（征求意见稿）\n\n"))
    assert [f.line for f in moved] == [before[0].line + 2]
    assert apply_baseline(moved, fps) == ([], 1)

    # the clause's words changed: a new finding, reported
    edited = lint(DRAFT.replace("城管部门审批", "市城管部门审批"))
    kept, hidden = apply_baseline(edited, fps)
    assert hidden == 0 and [f.rule for f in kept] == ["T-APPROVAL"]

    # only the amount of whitespace changed: still the same clause
    spaced = lint(DRAFT.replace("第二条 设置", "第二条\u3000 设置"))
    assert apply_baseline(spaced, fps) == ([], 1)


def test_subject_summary_is_short():
    long = _finding(file="d.txt", article="第九条", text="很长" * 100)
    assert len(subject_summary(long)) < 100
    assert subject_summary(_finding(file="d.docx")) == "(document)"
    assert baseline_entries([]) == []


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("{", "not JSON"),
        ("[]", "not a xuke baseline"),
        ('{"tool": "xuke", "version": 9, "findings": []}', "unsupported version 9"),
        ('{"tool": "xuke", "version": 1, "findings": {}}', "must be a list"),
        ('{"tool": "xuke", "version": 1, "findings": [{"rule": "X"}]}', 'findings[0]: no "fingerprint"'),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_baseline_files(tmp_path, content, message):
    path = tmp_path / "baseline.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(XukeError) as e:
        load_baseline(path)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_baseline_in_a_missing_directory(tmp_path):
    with pytest.raises(XukeError, match="does not exist"):
        write_baseline(tmp_path / "nope" / "b.json", [_finding(case_id="A1")])


def test_refresh_summary():
    kept = [_finding(case_id="A1"), _finding(case_id="A2", rule="R-2")]
    summary = {"rows_read": 3, "findings": 5, "findings_by_rule": {"R-1": 4, "R-2": 1}}
    out = refresh_summary(summary, kept, baseline={"file": "b.json", "hidden": 3})
    assert out == {"rows_read": 3, "findings": 2, "findings_by_rule": {"R-1": 1, "R-2": 1},
                   "baseline": {"file": "b.json", "hidden": 3}}  # fmt: skip
    assert summary["findings"] == 5  # not modified in place
    assert refresh_summary(None, kept) is None


class _Spool:
    """Re-iterable like xuke.jobs.audit.Spool: every pass reads the findings afresh."""

    def __init__(self, items):
        self.items = items
        self.passes = 0
        self.closed = False

    def __iter__(self):
        self.passes += 1
        yield from self.items

    def close(self):
        self.closed = True


def test_finding_view_is_lazy_and_re_iterable(tmp_path):
    from xuke.jobs.baseline import FindingView, hide
    from xuke.jobs.config import parse_config

    findings = [_finding(case_id=f"A{i}", rule=("R-1", "R-2", "R-3")[i % 3]) for i in range(9)]
    known = {findings[0].fingerprint(), findings[4].fingerprint(), findings[2].fingerprint()}
    cfg = parse_config("rules: {disable: [R-3]}\nseverity: {R-2: critical}")
    spool = _Spool(findings)
    view = FindingView(spool, cfg, known)
    assert spool.passes == 0
    by_rule, hidden = view.tally()
    # R-3 (i = 2, 5, 8) not reported at all; A0 and A4 hidden by the baseline
    assert by_rule == {"R-1": 2, "R-2": 2} and hidden == 2
    reported = list(view)
    assert [f.case_id for f in reported] == ["A1", "A3", "A6", "A7"]
    assert {f.severity for f in reported if f.rule == "R-2"} == {"critical"}
    assert spool.passes == 2
    summary = refresh_summary({"findings": 9, "findings_by_rule": {}}, by_rule, baseline={"hidden": hidden})
    assert summary == {"findings": 4, "findings_by_rule": {"R-1": 2, "R-2": 2}, "baseline": {"hidden": 2}}
    view.close()
    assert spool.closed
    assert list(FindingView(findings)) == findings
    assert [f.case_id for f in hide(iter(findings[:3]), known)] == ["A1"]
    # a baseline written from the view records what is reported, with the configured severities
    write_baseline(tmp_path / "b.json", FindingView(spool, cfg))
    assert len(load_baseline(tmp_path / "b.json")) == 6
