"""The workbook a supervisor prints: the overview's title block and native charts, the heat
map, the resolved sheet, case dates and history status on findings, and print settings —
checked by opening the file again with openpyxl."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.chart import BarChart, LineChart
from xuke.findings import Finding
from xuke.i18n import get_lang, set_lang
from xuke.reports import RuleMeta
from xuke.reports.xlsxout import build_workbook, save_workbook_deterministic, write_xlsx

META = {
    "LIC-42-OVERDUE": RuleMeta("LIC-42-OVERDUE", "超过法定期限作出决定", "error", ("行政许可法第四十二条",), ()),
    "SIX-WINDOW": RuleMeta("SIX-WINDOW", "未经窗口集中受理", "warning", ("窗口式集中办理制",), ()),
    "DEPT-OVERDUE-RATE": RuleMeta("DEPT-OVERDUE-RATE", "部门超期办件比例过高", "warning", ("效能监察",), ()),
}
TITLE = {"unit": "江州市政务服务管理办公室", "as_of": "2025-12-31", "inputs": ["export-12.csv"],
         "packs": [{"pack": "licensing_law", "version": "2019-04-23"}, {"pack": "six_systems", "version": "2025-11"}]}  # fmt: skip


@pytest.fixture(autouse=True)
def zh():
    before = get_lang()
    set_lang("zh")
    yield
    set_lang(before)


def _finding(rule, case, dept, month, status=None, runs=1):
    f = Finding(rule, META[rule].severity, META[rule].title, "m", list(META[rule].cites), [], "export-12.csv",
                case_id=case, row=int(case[1:]), trace={"record": {"department": dept}},
                received_at=f"2025-{month:02d}-03", decided_at=f"2025-{month:02d}-20")  # fmt: skip
    if status:
        f.history = {"status": status, "since_run": 1, "since": "2025-10-31", "runs": runs}
    return f


def findings(n_cases: int = 12):
    out = []
    for i in range(1, n_cases + 1):
        dept = "市交通运输局" if i % 3 else "市教育局"
        out.append(_finding("SIX-WINDOW", f"C{i}", dept, 9 + i % 4, "open" if i % 2 else "new", 2))
        if i % 4 == 0:
            out.append(_finding("LIC-42-OVERDUE", f"C{i}", dept, 9 + i % 4, "escalated", 3))
    dept = Finding("DEPT-OVERDUE-RATE", "warning", META["DEPT-OVERDUE-RATE"].title, "m", [], [], "export-12.csv",
                   group={"department": "市教育局"})  # fmt: skip
    return [*out, dept]


SUMMARY = {"rows_read": 12, "rows_evaluated": 12, "rows_rejected": 0, "as_of": "2025-12-31",
           "departments": {"市交通运输局": {"cases": 8}, "市教育局": {"cases": 4}},
           "history": {"run": 3, "previous_run": 2, "previous_as_of": "2025-11-30", "series": "default",
                       "new": 6, "open": 6, "escalated": 3, "resolved": 1, "out_of_scope": 1,
                       "resolved_findings": [{"rule": "SIX-WINDOW", "title": "未经窗口集中受理", "message": "m",
                                              "case_id": "C99", "department": "市教育局", "since_run": 1,
                                              "since": "2025-10-31", "runs": 2, "received_at": "2025-10-02"}],
                       "out_of_scope_findings": [{"rule": "SIX-WINDOW", "title": "t", "case_id": "C98",
                                                  "since_run": 2, "since": "2025-11-30", "runs": 1}]}}  # fmt: skip


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    before = get_lang()
    set_lang("zh")
    path = tmp_path_factory.mktemp("wb") / "r.xlsx"
    write_xlsx(path, findings(), SUMMARY, META, title_block=TITLE)
    set_lang(before)
    return openpyxl.load_workbook(path)


def _values(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheet_order_in_the_report_language(workbook):
    assert workbook.sheetnames == ["概览", "问题清单", "按部门", "按规则", "热力图", "已整改", "汇总"]


def test_title_block(workbook):
    rows = _values(workbook["概览"])
    assert rows[0][0] == "江州市政务服务管理办公室 xuke 检查报告"
    block = {r[0]: r[1] for r in rows[1:6]}
    assert block["审计单位"] == "江州市政务服务管理办公室" and block["审计基准日"] == "2025-12-31"
    assert block["输入文件"] == "export-12.csv"
    assert block["规则包版本"] == "licensing_law 2019-04-23，six_systems 2025-11"
    assert "新发现 6" in block["与上次相比"] and "红牌 3" in block["与上次相比"]


def _series_refs(chart):
    return [(s.tx.strRef.f if s.tx and s.tx.strRef else None, s.val.numRef.f, s.cat.strRef.f if s.cat.strRef
             else s.cat.numRef.f) for s in chart.series]  # fmt: skip


def _cells(ws, ref):
    got = ws[ref.split("!")[1].replace("$", "")]
    if not isinstance(got, tuple):  # one cell
        return [got.value]
    return [c.value for row in got for c in (row if isinstance(row, tuple) else (row,))]


def test_native_charts_point_at_their_tables(workbook):
    ws = workbook["概览"]
    charts = ws._charts
    assert [type(c) for c in charts] == [BarChart, BarChart, LineChart]
    dept_chart, rule_chart, month_chart = charts
    # overdue and on-time rate by department, on a percent axis
    (t1, v1, c1), (t2, v2, _c2) = _series_refs(dept_chart)
    assert [_cells(ws, t1)[0], _cells(ws, t2)[0]] == ["超期率", "按期率"]
    depts = _cells(ws, c1)
    assert sorted(depts) == ["市交通运输局", "市教育局"]
    overdue = dict(zip(depts, _cells(ws, v1), strict=True))
    assert overdue["市教育局"] == pytest.approx(1 / 4)  # C12 of its 4 cases (C3, C6, C9, C12)
    assert overdue["市交通运输局"] == pytest.approx(2 / 8)  # C4, C8
    assert dept_chart.y_axis.number_format.formatCode == "0%" and dept_chart.x_axis.delete is False
    # findings by rule, most first
    (_t, v, c), = _series_refs(rule_chart)
    assert _cells(ws, c) == ["SIX-WINDOW", "LIC-42-OVERDUE", "DEPT-OVERDUE-RATE"]
    assert _cells(ws, v) == [12, 3, 1]
    titles = {r[0]: r[2] for r in _values(ws)}
    assert titles["LIC-42-OVERDUE"] == "超过法定期限作出决定"  # the title beside the id
    assert rule_chart.type == "bar"
    # findings per month received (C1 received in 2025-10, ...)
    (_t, v, c), = _series_refs(month_chart)
    assert _cells(ws, c) == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert sum(_cells(ws, v)) == 15  # every record finding has a month; the department's has none


def test_heat_map_has_titles_beside_ids_and_a_colour_scale(workbook):
    ws = workbook["热力图"]
    rows = _values(ws)
    assert rows[0] == ["规则", "标题", "市交通运输局", "市教育局"]
    by_rule = {r[0]: r for r in rows[1:]}
    assert by_rule["LIC-42-OVERDUE"][1] == "超过法定期限作出决定"
    assert by_rule["SIX-WINDOW"][2:] == [8, 4]
    assert by_rule["DEPT-OVERDUE-RATE"][2:] == [None, 1]
    (rng, rules), = [(str(cf.sqref), cf.rules) for cf in ws.conditional_formatting]
    assert rng == "C2:D4" and rules[0].type == "colorScale"
    assert [c.rgb[-6:] for c in rules[0].colorScale.color] == ["FFFFFF", "FFEB84", "F8696B"]


def test_findings_carry_dates_and_status(workbook):
    rows = _values(workbook["问题清单"])
    head = rows[0]
    assert head[10:15] == ["收件日期", "受理日期", "办结日期", "整改状态", "首次发现"]
    c4 = [r for r in rows[1:] if r[6] == "C4"]
    assert {r[0]: r[13] for r in c4} == {"SIX-WINDOW": "新发现", "LIC-42-OVERDUE": "红牌"}
    c1 = next(r for r in rows[1:] if r[6] == "C1")
    assert (c1[10], c1[12], c1[13], c1[14]) == ("2025-10-03", "2025-10-20", "督办", "2025-10-31")


def test_resolved_sheet(workbook):
    rows = _values(workbook["已整改"])
    assert rows[0][:2] == ["整改状态", "规则"]
    assert [(r[0], r[4]) for r in rows[1:]] == [("已整改", "C99"), ("不在本期范围", "C98")]


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_repeated(workbook):
    for name in workbook.sheetnames:
        ws = workbook[name]
        assert ws.page_setup.orientation == "landscape", name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, name
        assert ws.page_setup.paperSize == 9, name  # A4
        assert ws.print_title_rows == (None if name == "概览" else "$1:$1"), name
    # the fingerprint column (for machines) is left out of the printed findings
    assert workbook["问题清单"].print_area == "'问题清单'!$A$1:$O$17"


def test_summary_sheets_do_not_grow_with_the_findings(tmp_path):
    wb = build_workbook([], SUMMARY, META)
    save_workbook_deterministic(wb, io.BytesIO())
    assert wb.write_only  # streamed, as before the charts
    sizes = []
    for n in (12, 600):
        write_xlsx(tmp_path / f"{n}.xlsx", findings(n), SUMMARY, META)
        wb = openpyxl.load_workbook(tmp_path / f"{n}.xlsx")
        sizes.append((wb["概览"].max_row, wb["热力图"].max_row, len(wb["问题清单"]["A"])))
    assert sizes[0][:2] == sizes[1][:2]  # same departments, rules and months
    assert sizes[1][2] > sizes[0][2]
