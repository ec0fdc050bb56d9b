import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from xuke.findings import Finding
from xuke.i18n import LANGS, get_lang, set_lang
from xuke.reports import RuleMeta
from xuke.reports.text import MARK_CLOSE, MARK_OPEN, audit_report, highlighted, lint_report

DATA = Path(__file__).parent / "data" / "reports"
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")


@pytest.fixture
def zh():
    """The reports in Chinese for one test; the language before is put back after it."""
    before = get_lang()
    set_lang("zh")
    yield
    set_lang(before)


@pytest.fixture
def en():
    before = get_lang()
    set_lang("en")
    yield
    set_lang(before)


def sample():
    raw = json.loads((DATA / "sample.json").read_text("utf-8"))
    findings = [Finding(**{**d, "span": tuple(d["span"])} if "span" in d else d) for d in raw["findings"]]
    meta = {
        m["id"]: RuleMeta(**{**m, "cites": tuple(m["cites"]), "tags": tuple(m["tags"])})
        for m in raw["rules_meta"]
    }
    records = [f for f in findings if f.case_id is not None or f.group is not None]
    clauses = [f for f in findings if f not in records]
    return records, clauses, raw["summary"], meta


def console(**kwargs):
    return Console(file=io.StringIO(), no_color=True, width=100, **kwargs)


def output(c):
    text = c.file.getvalue()
    assert not EMOJI.search(text)
    return text


def test_audit_report(zh):
    records, _, summary, meta = sample()
    c = console()
    audit_report(c, records, summary, meta)
    out = output(c)
    lines = out.splitlines()
    assert lines[1] == "读取 10 行 = 检查 9 行 + 拒收 1 行（核对一致）"
    assert "问题 7 条，涉及办件 4 件（严重 1，错误 4，警告 2）" in out
    for rule in ("ACC-LEADER", "LIC-42-OVERDUE", "DEPT-OVERDUE-RATE", "SIX-WINDOW"):
        assert rule in out
    # rules: most severe first; departments: worst first
    assert out.index("ACC-LEADER ") < out.index("LIC-42-OVERDUE ") < out.index("SIX-WINDOW ")
    dept_section = out[out.index("按部门") :]
    assert dept_section.index("市场监管局") < dept_section.index("住建局")
    assert "另有 1 个部门未发现问题。" in out
    cases = out[out.index("问题最重的办件") :]
    assert cases.index("SQ2025030001") < cases.index("SQ2025030002")
    assert "ACC-LEADER，FP-1，LIC-42-OVERDUE" in cases
    assert "LIC-45-NOTIFY" in out[out.index("未运行的规则") :]
    assert "输入没有 特别程序时间（suspended_days）列" in out
    assert max(len(line) for line in lines) <= 100


def test_audit_report_in_english(en):
    records, _, summary, meta = sample()
    c = console()
    audit_report(c, records, summary, meta)
    out = output(c)
    lines = out.splitlines()
    assert lines[0] == "xuke records audit"
    assert lines[1] == "read 10 rows = 9 evaluated + 1 rejected (adds up)"
    assert "7 findings in 4 cases (critical 1, error 4, warning 2)" in out
    for heading in ("Findings by rule", "Findings by department (worst first)", "Worst cases (top 4)",
                    "Rules not run (1)"):  # fmt: skip
        assert heading in lines, heading
    assert re.search(r"rule +severity +title +findings +basis", out)
    assert re.search(r"department +cases +flagged cases +findings +worst +top rules", out)
    assert re.search(r"case +department +row +worst +findings +rules", out)
    assert "1 more department without findings." in out
    assert "(no department)" in out and "（未注明部门）" not in out
    cases = out[out.index("Worst cases") :]
    assert "ACC-LEADER, FP-1, LIC-42-OVERDUE" in cases
    assert re.search(r"ACC-LEADER +critical +违反四个不准造成重大损失", out)
    # rule texts, input data and skip reasons stay as they were written
    assert "超过法定期限作出决定" in out and "市场监管局" in out
    assert "输入没有 特别程序时间（suspended_days）列" in out
    # the report's own words are English
    for word in "办件审计 读取 核对 按规则 按部门 问题最重 未运行 严重 错误 警告 另有".split():
        assert word not in out, word


def test_audit_report_unbalanced_and_top(zh):
    records, _, summary, meta = sample()
    c = console()
    audit_report(c, records, {**summary, "rows_rejected": 3}, meta, top=1)
    out = output(c)
    assert "核对不一致：相差 -2 行" in out
    assert "问题最重的办件（前 1 件）" in out and "SQ2025030002" not in out


def test_audit_report_unbalanced_in_english(en):
    records, _, summary, meta = sample()
    c = console()
    audit_report(c, records, {**summary, "rows_rejected": 3}, meta, top=1)
    out = output(c)
    assert "read 10 rows = 9 evaluated + 3 rejected (does not add up: -2 rows off)" in out
    assert "Worst cases (top 1)" in out


def test_audit_report_empty(zh):
    c = console()
    audit_report(c, [], {"rows_read": 5, "rows_evaluated": 5, "rows_rejected": 0, "skipped_rules": []}, {})
    out = output(c)
    assert "未发现问题。" in out and "核对一致" in out
    c = console()
    audit_report(c, [], None, None)
    assert "未发现问题。" in output(c)


def test_lint_report_groups_and_highlights(zh):
    _, clauses, _, meta = sample()
    c = console()
    lint_report(c, clauses, meta)
    out = output(c)
    assert out.startswith("xuke 文件审查：3 个文件，5 个问题（错误 4，警告 1）")
    files = [out.index(name) for name in ("drafts/办事指南.md", "drafts/意见.docx", "drafts/管理办法.txt")]
    assert files == sorted(files)
    assert out.index("第五条") < out.index("第六条")
    assert f"{MARK_OPEN}须经市交通运输局批准后方可经营{MARK_CLOSE}" in out
    assert f"{MARK_OPEN}三十个工作日内作出决定{MARK_CLOSE}" in out
    assert "第3段" in out and "第12行" in out and "全文" in out
    # markup in a clause is printed literally, not interpreted
    assert f"[bold]{MARK_OPEN}外地企业不得{MARK_CLOSE}[/bold]" in out
    # a clause with two findings is shown once
    assert out.count("第六条 申请人") == 1
    assert "依据：行政许可法第十七条" in out
    assert "规范性文件设定行政许可：条款设定审批事项而未引用法律、法规依据" in out
    assert all(line == line.rstrip() for line in out.splitlines() if "第" in line and "条" in line)


def test_lint_report_in_english(en):
    _, clauses, _, meta = sample()
    c = console()
    lint_report(c, clauses, meta)
    out = output(c)
    assert out.startswith("xuke draft review: 3 files, 5 findings (error 4, warning 1)")
    assert "paragraph 3" in out and "line 12" in out and "whole document" in out
    assert "第3段" not in out and "第12行" not in out and "全文" not in out
    assert re.search(r"drafts/管理办法\.txt +3 findings", out)
    assert "Basis: 行政许可法第十七条" in out and "依据：" not in out
    # the rule's title and message are the author's; only the separator is the language's
    assert "error DOC-17-SETS-LICENSE 规范性文件设定行政许可: 条款设定审批事项而未引用法律、法规依据" in out
    # articles and clauses are the draft's own text
    assert out.index("第五条") < out.index("第六条")
    assert f"{MARK_OPEN}须经市交通运输局批准后方可经营{MARK_CLOSE}" in out
    c = console()
    lint_report(c, [])
    assert output(c) == "No findings.\n"


def test_lint_report_on_a_colour_terminal_uses_styles_not_brackets():
    _, clauses, _, meta = sample()
    c = Console(file=io.StringIO(), width=100, force_terminal=True, color_system="standard")
    lint_report(c, clauses, meta)
    out = c.file.getvalue()
    assert MARK_OPEN not in out
    assert "\x1b[" in out and "\x1b[1;7m" in out  # bold reverse


def test_lint_report_empty(zh):
    c = console()
    lint_report(c, [])
    assert output(c) == "未发现问题。\n"


def test_highlight_overlapping_and_out_of_range_spans():
    c = console()
    text = highlighted(c, "abcdefgh", [(1, 3), (2, 5), (7, 99), (6, 6), (-3, 1)])
    assert text.plain == "⟦abcde⟧fg⟦h⟧"


@settings(max_examples=60, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
    st.lists(st.tuples(st.integers(-5, 50), st.integers(-5, 50)), max_size=4),
)
def test_highlight_never_loses_text(text, spans):
    marked = highlighted(console(), text, spans).plain
    assert marked.replace(MARK_OPEN, "").replace(MARK_CLOSE, "") == text.replace(MARK_OPEN, "").replace(
        MARK_CLOSE, ""
    )


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=60), st.text(max_size=20), st.sampled_from(["critical", "error", "warning", "info"]))
def test_reports_never_crash_on_odd_text(text, word, severity):
    f = Finding(
        "R-1", severity, word, text, [word], [], word or "f.txt", line=1, text=text, span=(0, len(text))
    )
    g = Finding("R-2", severity, word, text, [], [], "a.csv", case_id=word, row=1, group=None)
    before = get_lang()
    try:
        for lang in LANGS:
            set_lang(lang)
            lint_report(console(), [f])
            audit_report(console(), [g], {"rows_read": 1, "rows_evaluated": 1, "rows_rejected": 0}, {})
    finally:
        set_lang(before)
