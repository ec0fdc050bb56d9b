import json
import random
from pathlib import Path

import openpyxl
import pytest
from xuke.findings import Finding
from xuke.i18n import get_lang, set_lang
from xuke.reports import RuleMeta, xlsxcells, xlsxout
from xuke.reports.xlsxout import write_xlsx

DATA = Path(__file__).parent / "data" / "reports"
FINDING_HEADERS_ZH = "规则 级别 标题 说明 依据 文件 办件编号 行号 条款 部门 收件日期 受理日期 办结日期 整改状态 首次发现 指纹".split()
SHEETS_ZH = ["概览", "问题清单", "按部门", "按规则", "热力图", "汇总"]
SHEETS_EN = ["Overview", "Findings", "By department", "By rule", "Heat map", "Summary"]


@pytest.fixture
def zh():
    """The workbook in Chinese for one test; the language before is put back after it."""
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
    return findings, raw["summary"], meta


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets_and_findings(tmp_path, zh):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == SHEETS_ZH
    ws = wb["问题清单"]
    table = rows(ws)
    assert table[0][:9] == ["规则", "级别", "标题", "说明", "依据", "文件", "办件编号", "行号", "条款"]
    assert table[0][9] == "部门"
    assert table[0] == FINDING_HEADERS_ZH
    assert len(table) == len(findings) + 1
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:P{len(findings) + 1}"
    assert ws.column_dimensions["D"].width == 60
    by_rule = {r[0]: r for r in table[1:]}
    assert by_rule["LIC-42-OVERDUE"][1] == "错误"
    assert by_rule["LIC-42-OVERDUE"][4].startswith("行政许可法第四十二条；")
    assert by_rule["LIC-42-OVERDUE"][7] == 1
    # a derived finding without the record in its trace still gets its case's department
    assert by_rule["ACC-LEADER"][9] == "市场监管局"
    assert by_rule["DEPT-OVERDUE-RATE"][9] == "市场监管局"
    assert by_rule["DOC-17-SETS-LICENSE"][7:9] == [12, "第五条"]


def test_severity_colour_and_text_not_formula(tmp_path, zh):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["问题清单"]
    cells = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    critical = cells["ACC-LEADER"][1]
    assert critical.fill.fgColor.rgb.endswith("9C0006")
    assert cells["SIX-WINDOW"][1].fill.fgColor.rgb.endswith("FFEB9C")
    fee_case = cells["LIC-58-FEE"][6]
    assert fee_case.value == '=HYPERLINK("http://x")' and fee_case.data_type == "s"


def test_departments_pivot(tmp_path, zh):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["按部门"]
    table = rows(ws)
    header = table[0]
    assert header[:6] == ["部门", "办件数", "问题办件数", "问题办件率", "问题数", "最高级别"]
    names = [r[0] for r in table[1:]]
    assert names == ["市场监管局", "住建局", "（未注明部门）", "税务局", "合计"]  # worst first
    market = dict(zip(header, table[1]))
    assert (market["办件数"], market["问题办件数"], market["问题数"], market["最高级别"]) == (4, 1, 4, "严重")
    assert market["LIC-42-OVERDUE"] == 1 and market["DEPT-OVERDUE-RATE"] == 1
    assert ws["D2"].number_format == "0.0%"
    total = dict(zip(header, table[-1]))
    assert total["问题数"] == sum(r[4] for r in table[1:-1])
    assert ws.freeze_panes == "B2"


def test_rules_sheet_includes_quiet_and_skipped(tmp_path, zh):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    table = rows(openpyxl.load_workbook(tmp_path / "r.xlsx")["按规则"])
    by_id = {r[0]: r for r in table[1:]}
    assert by_id["LIC-45-NOTIFY"][4:7] == [0, 0, "输入没有 特别程序时间（suspended_days）列"]
    assert by_id["LIC-44-CERT"][4] == 0
    assert by_id["LIC-42-OVERDUE"][2:6] == [
        "超过法定期限作出决定",
        meta["LIC-42-OVERDUE"].cites[0] + "；行政许可法第七十四条第二项；行政许可法第八十二条",
        1,
        1,
    ]


def test_summary_sheet(tmp_path, zh):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    table = {r[0]: r[1] for r in rows(openpyxl.load_workbook(tmp_path / "r.xlsx")["汇总"]) if r[0]}
    assert (table["读取行数"], table["检查行数"], table["拒收行数"]) == (10, 9, 1)
    assert table["核对"].startswith("一致")
    assert table["问题数"] == len(findings)
    assert table["as_of"] == "2025-04-01"
    assert table["LIC-45-NOTIFY"] == "输入没有 特别程序时间（suspended_days）列"


def test_same_input_same_bytes(tmp_path):
    findings, summary, meta = sample()
    shuffled = findings[:]
    random.Random(11).shuffle(shuffled)
    write_xlsx(tmp_path / "a.xlsx", findings, summary, meta)
    write_xlsx(tmp_path / "b.xlsx", shuffled, summary, meta)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_empty(tmp_path, zh):
    write_xlsx(tmp_path / "r.xlsx", [], {}, {})
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == SHEETS_ZH
    assert rows(wb["问题清单"]) == [FINDING_HEADERS_ZH]
    assert rows(wb["汇总"])[-2:] == [["未运行的规则", "原因"], ["（无）", None]]


def test_control_characters_and_long_text(tmp_path, zh):
    f = Finding("R", "error", "t", "坏\x00字\x1b符" + "长" * 40000, [], [], "a.csv", case_id="1\x07", row=1)
    write_xlsx(tmp_path / "r.xlsx", [f])
    row = rows(openpyxl.load_workbook(tmp_path / "r.xlsx")["问题清单"])[1]
    assert row[3].startswith("坏字符") and len(row[3]) == xlsxcells.MAX_CELL_CHARS
    assert row[6] == "1"


def test_findings_split_over_sheets_past_the_row_limit(tmp_path, monkeypatch, zh):
    monkeypatch.setattr(xlsxout, "MAX_ROWS", 4)  # 3 findings per sheet
    findings = [Finding("R", "error", "t", "m", [], [], "a.csv", case_id=str(i), row=i) for i in range(1, 8)]
    write_xlsx(tmp_path / "r.xlsx", findings)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames[1:4] == ["问题清单", "问题清单(2)", "问题清单(3)"]
    assert [len(rows(wb[n])) - 1 for n in wb.sheetnames[1:4]] == [3, 3, 1]


def test_summary_sheet_labels(tmp_path, zh):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    table = rows(openpyxl.load_workbook(tmp_path / "r.xlsx")["汇总"])
    assert table[0] == ["项目", "值"]
    labels = [r[0] for r in table]
    assert labels[1:7] == ["读取行数", "检查行数", "拒收行数", "核对", "问题数", "涉及办件数"]
    assert labels[7:11] == ["严重（critical）", "错误（error）", "警告（warning）", "提示（info）"]
    write_xlsx(tmp_path / "u.xlsx", findings, {**summary, "rows_rejected": 3}, meta)
    table = {r[0]: r[1] for r in rows(openpyxl.load_workbook(tmp_path / "u.xlsx")["汇总"]) if r[0]}
    assert table["核对"] == "不一致：读取 10 ≠ 检查 9 + 拒收 3"


def test_named_styles_in_the_language(tmp_path, zh):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert {"xuke 表头", "xuke 换行", "xuke 严重", "xuke 提示"} <= set(wb.named_styles)
    assert wb.properties.title == "xuke 检查报告"
    assert wb["问题清单"]["A1"].style == "xuke 表头"


def test_workbook_in_english(tmp_path, en):
    findings, summary, meta = sample()
    write_xlsx(tmp_path / "r.xlsx", findings, {**summary, "rows_rejected": 3}, meta)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == SHEETS_EN
    assert wb.properties.title == "xuke report"
    assert {"xuke header", "xuke wrap", "xuke top", "xuke percent", "xuke critical", "xuke info"} <= set(
        wb.named_styles
    )
    assert not {"xuke 表头", "xuke 严重"} & set(wb.named_styles)
    table = rows(wb["Findings"])
    assert table[0] == [
        "rule", "severity", "title", "message", "basis", "file", "case", "line", "article", "department",
        "received", "accepted", "decided", "status", "open since", "fingerprint",
    ]  # fmt: skip
    by_rule = {r[0]: r for r in table[1:]}
    # the severity is translated; the rule's own texts and the input's data are not
    assert by_rule["LIC-42-OVERDUE"][1:3] == ["error", "超过法定期限作出决定"]
    assert by_rule["LIC-42-OVERDUE"][4].startswith("行政许可法第四十二条；")
    assert by_rule["ACC-LEADER"][1] == "critical" and by_rule["ACC-LEADER"][9] == "市场监管局"
    assert by_rule["DOC-17-SETS-LICENSE"][7:9] == [12, "第五条"]
    assert wb["Findings"]["B2"].style.startswith("xuke ") and wb["Findings"]["A1"].style == "xuke header"

    depts = rows(wb["By department"])
    assert depts[0][:6] == ["department", "cases", "flagged cases", "flagged rate", "findings", "worst"]
    assert [r[0] for r in depts[1:]] == ["市场监管局", "住建局", "(no department)", "税务局", "total"]
    assert depts[1][5] == "critical"

    rules = rows(wb["By rule"])
    assert rules[0] == ["rule", "severity", "title", "basis", "findings", "cases involved", "not run because"]
    skipped = {r[0]: r for r in rules[1:]}["LIC-45-NOTIFY"]
    assert skipped[6] == "输入没有 特别程序时间（suspended_days）列"  # the engine's reason, as it is

    summary_rows = rows(wb["Summary"])
    assert summary_rows[0] == ["item", "value"]
    table = {r[0]: r[1] for r in summary_rows if r[0]}
    assert (table["rows read"], table["rows evaluated"], table["rows rejected"]) == (10, 9, 3)
    assert table["reconciliation"] == "does not add up: read 10 ≠ evaluated 9 + rejected 3"
    assert (table["findings"], table["cases involved"]) == (len(findings), 4)
    assert table["critical findings"] == 1 and table["info findings"] == 0
    assert summary_rows[-2] == ["rules not run", "reason"]
    assert summary_rows[-1] == ["LIC-45-NOTIFY", "输入没有 特别程序时间（suspended_days）列"]


def test_empty_in_english(tmp_path, en):
    write_xlsx(tmp_path / "r.xlsx", [], {"rows_read": 2, "rows_evaluated": 2, "rows_rejected": 0}, {})
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == SHEETS_EN
    assert rows(wb["Findings"])[0][:3] == ["rule", "severity", "title"]
    summary = rows(wb["Summary"])
    assert {r[0]: r[1] for r in summary if r[0]}["reconciliation"] == "adds up (read = evaluated + rejected)"
    assert summary[-1] == ["(none)", None]


def test_findings_split_in_english(tmp_path, monkeypatch, en):
    monkeypatch.setattr(xlsxout, "MAX_ROWS", 4)
    findings = [Finding("R", "error", "t", "m", [], [], "a.csv", case_id=str(i), row=i) for i in range(1, 8)]
    write_xlsx(tmp_path / "r.xlsx", findings)
    sheets = openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames
    assert sheets[1:4] == ["Findings", "Findings(2)", "Findings(3)"]


def test_summary_sheet_lists_unknown_columns_once_per_file(tmp_path, zh):
    findings, summary, meta = sample()
    summary = {**summary, "unknown_columns": [{"file": "a.csv", "columns": ["序号", "备注"]}]}
    write_xlsx(tmp_path / "r.xlsx", findings, summary, meta)
    table = rows(openpyxl.load_workbook(tmp_path / "r.xlsx")["汇总"])
    at = [r[0] for r in table].index("未识别的列（文件）")
    assert table[at + 1][:2] == ["a.csv", "序号，备注"]
    assert [r[0] for r in table].count("findings") == 0  # the count is 问题数, not repeated raw
