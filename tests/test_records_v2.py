"""Record packs v2 end to end (docs/records.md): a supervision office's daily run on open
cases at a fixed audit date, an approved extension recorded as a special procedure counted
once, the thresholds a city sets in xuke.yaml, and DEPT-SCORE's grades and data in every
report format."""
import csv
import io
import json
import subprocess
import sys
from decimal import Decimal

import openpyxl
import pytest
from conftest import ROOT
from xuke.ir.compiler import compile_rules
from xuke.jobs.loader import STANDARD_RULES, load
from xuke.run.runtime import CompiledProgram, Context, Fact

AS_OF = "2025-12-31"
HEADER = ["办件编号", "承办部门", "受理窗口", "申请时间", "受理结果", "受理时间", "办结时间", "材料齐全", "首问责任人"]
# open cases accepted N working days before 2025-12-31 (limit 20): 16, 17, 20, 21, 30, 31
OPEN = [
    ("D16", "2025-12-09"),  # 4 left: nothing
    ("D17", "2025-12-08"),  # 3 left: 预警
    ("D20", "2025-12-03"),  # 0 left, the last day: 预警
    ("D21", "2025-12-02"),  # 1 past: 黄牌
    ("D30", "2025-11-19"),  # 10 past: 黄牌 only
    ("D31", "2025-11-18"),  # 11 past: 黄牌 and 红牌
]


def _run(*args, cwd=None):
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def _csv(path, rows, header=HEADER):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _open_cases(tmp_path):
    rows = [[cid, "市交通运输局", "3号窗口", day, "受理", day, "", "是", "张伟"] for cid, day in OPEN]
    return _csv(tmp_path / "open.csv", rows)


def _warnings(tmp_path, data, *extra, cwd=None):
    out = tmp_path / "out.json"
    _run("audit", str(data), "--as-of", AS_OF, "--format", "json", "-o", str(out), *extra, cwd=cwd)
    doc = json.loads(out.read_text(encoding="utf-8"))
    wanted = {"WARN-DUE-SOON", "LIC-42-PENDING", "WARN-RED"}
    got: dict[str, list[str]] = {cid: [] for cid, _ in OPEN}
    for f in doc["findings"]:
        if f["rule"] in wanted:
            got[f["case_id"]].append(f["rule"])
    return {cid: sorted(rules) for cid, rules in got.items()}, doc


def test_a_daily_run_on_open_cases_warns_then_cards(tmp_path):
    got, doc = _warnings(tmp_path, _open_cases(tmp_path), "--no-config")
    assert got == {
        "D16": [],
        "D17": ["WARN-DUE-SOON"],
        "D20": ["WARN-DUE-SOON"],
        "D21": ["LIC-42-PENDING"],
        "D30": ["LIC-42-PENDING"],
        "D31": ["LIC-42-PENDING", "WARN-RED"],
    }
    messages = {f["case_id"]: f["message"] for f in doc["findings"] if f["rule"] == "WARN-RED"}
    assert "已超过法定期限 11 个工作日" in messages["D31"] and "本地监察规则" in messages["D31"]
    tags = {f["rule"]: f["tags"] for f in doc["findings"]}
    assert "预警" in tags["WARN-DUE-SOON"] and "黄牌" in tags["LIC-42-PENDING"] and "红牌" in tags["WARN-RED"]


def test_a_city_sets_its_own_warning_days(tmp_path):
    (tmp_path / "xuke.yaml").write_text("thresholds:\n  WARN_DAYS: 4\n  RED_DAYS: 9\n", encoding="utf-8")
    got, _ = _warnings(tmp_path, _open_cases(tmp_path), cwd=tmp_path)
    assert got["D16"] == ["WARN-DUE-SOON"]  # 4 left is now a warning
    assert got["D30"] == ["LIC-42-PENDING", "WARN-RED"]  # 10 past is now more than 9


def test_an_approved_extension_recorded_as_a_special_procedure_is_counted_once(tmp_path):
    header = HEADER + ["延长天数", "延期批准人", "延期告知", "特别程序天数", "特别程序种类", "特别程序告知"]
    # accepted 2025-06-09, decided at working day 35 (07-28); limit 20 + 10 approved
    base = ["市交通运输局", "3号窗口", "2025-06-09", "受理", "2025-06-09", "2025-07-28", "是", "张伟",
            "10", "王局长", "是", "10"]  # fmt: skip
    rows = [["E1", *base, "延长审批", "是"], ["E2", *base, "专家评审", "是"], ["E3", *base, "", "是"]]
    out = tmp_path / "out.json"
    _run("audit", str(_csv(tmp_path / "ext.csv", rows, header)), "--as-of", AS_OF, "--format", "json",
         "-o", str(out), "--no-config")  # fmt: skip
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    fired = {(f["case_id"], f["rule"]) for f in findings if "case_id" in f}
    # E1: 35 working days against 30; subtracting the 10 again would have passed it (v1)
    assert {("E1", "LIC-42-OVERDUE"), ("E1", "LIC-45-KIND")} <= fired
    overdue = next(f["message"] for f in findings if f.get("case_id") == "E1" and f["rule"] == "LIC-42-OVERDUE")
    assert "用时 35 个工作日，超过法定期限 30 个工作日" in overdue
    # E2: a wait 第四十五条 lists: 35 - 10 = 25 of 30; E3: kind not recorded, as v1
    for cid in ("E2", "E3"):
        assert (cid, "LIC-42-OVERDUE") not in fired and (cid, "LIC-45-KIND") not in fired


# ---- DEPT-SCORE ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def program():
    return CompiledProgram(compile_rules(load([STANDARD_RULES])))


def _score(program, calendar, **counts):
    row = {"department": "市交通运输局", "cases": 100, "decided": 100, "overdue": 0, "open_overdue": 0,
           "early": 40, "prohibited": 0, "problems": 10, **counts}  # fmt: skip
    fact = Fact("department", row, {"summary": "department", "summary_by": "department", "file": "t"})
    found = program.run_session([fact], Context(calendar, None), program.summary_strata).findings
    (score,) = [f for f in found if f.rule == "DEPT-SCORE"]
    return score.data


@pytest.mark.parametrize(
    "counts, grade, rate",
    [
        ({"overdue": 2}, "优秀", Decimal("98.0")),
        ({"overdue": 2, "prohibited": 1}, "良好", Decimal("98.0")),  # 优秀 needs no 四个不准 finding
        ({"overdue": 3}, "良好", Decimal("97.0")),
        ({"overdue": 5}, "良好", Decimal("95.0")),
        ({"overdue": 6}, "合格", Decimal("94.0")),
        ({"overdue": 10}, "合格", Decimal("90.0")),
        ({"overdue": 11}, "不合格", Decimal("89.0")),
        # an open overdue case counts as late: 97 of 100 on time
        ({"decided": 97, "open_overdue": 3}, "良好", Decimal("97.0")),
        ({"decided": 0, "cases": 3}, "不评定", None),
        ({"decided": 2, "overdue": 1, "cases": 3}, "不合格", Decimal("50.0")),
    ],
)  # fmt: skip
def test_grades_by_the_default_thresholds(program, calendar, counts, grade, rate):
    data = _score(program, calendar, **counts)
    assert data["grade"] == grade and data["on_time_rate"] == rate


def test_dept_score_figures(program, calendar):
    data = _score(program, calendar, cases=7, decided=6, overdue=1, open_overdue=0, early=2, problems=6, prohibited=1)
    assert data == {"cases": 7, "decided": 6, "on_time": 5, "on_time_rate": Decimal("83.3"), "early": 2,
                    "early_rate": Decimal("33.3"), "overdue": 1, "open_overdue": 0, "findings": 6,
                    "findings_per_100": Decimal("85.7"), "prohibited": 1, "grade": "不合格"}  # fmt: skip


def test_a_city_sets_its_own_grade_thresholds(tmp_path):
    small = ROOT / "fixtures" / "approvals" / "small.jsonl"

    def grades(*extra, cwd=None):
        out = tmp_path / "g.json"
        _run("audit", str(small), "--as-of", AS_OF, "--format", "json", "-o", str(out), *extra, cwd=cwd)
        doc = json.loads(out.read_text(encoding="utf-8"))
        return {f["group"]["department"]: f["data"]["grade"] for f in doc["findings"] if f["rule"] == "DEPT-SCORE"}

    default = grades("--no-config")
    assert default["市水务局"] == "合格" and default["市文化广电和旅游局"] == "良好"  # exactly 90 % and 95 %
    (tmp_path / "xuke.yaml").write_text("thresholds:\n  GRADE_GOOD: 96\n  GRADE_PASS: 91\n", encoding="utf-8")
    mine = grades(cwd=tmp_path)
    assert mine["市水务局"] == "不合格" and mine["市文化广电和旅游局"] == "合格"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The small sample audited once into every format."""
    out = tmp_path_factory.mktemp("reports")
    small = ROOT / "fixtures" / "approvals" / "small.jsonl"
    for fmt in ("json", "csv", "sarif", "text"):
        _run("audit", str(small), "--as-of", AS_OF, "--format", fmt, "-o", str(out / f"r.{fmt}"), "--no-config",
             "--lang", "zh", *(["--xlsx", str(out / "r.xlsx")] if fmt == "json" else []))  # fmt: skip
    return out


def _expected_scores():
    lines = (ROOT / "fixtures" / "approvals" / "small.expected.jsonl").read_text(encoding="utf-8").splitlines()
    out = {}
    for line in lines:
        o = json.loads(line, parse_float=Decimal)
        if o.get("rule") == "DEPT-SCORE":
            out[o["department"]] = o["data"]
    return out


def test_dept_score_data_in_every_format(reports):
    want = _expected_scores()
    assert want and {d["grade"] for d in want.values()} >= {"优秀", "良好", "合格", "不合格", "不评定"}
    doc = json.loads((reports / "r.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert {f["group"]["department"]: f["data"] for f in doc["findings"] if f["rule"] == "DEPT-SCORE"} == want
    with open(reports / "r.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["rule"] == "DEPT-SCORE"]
    assert {json.loads(r["group"])["department"]: json.loads(r["data"], parse_float=Decimal) for r in rows} == want
    sarif = json.loads((reports / "r.sarif").read_text(encoding="utf-8"), parse_float=Decimal)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "DEPT-SCORE"]
    assert {r["properties"]["group"]["department"]: r["properties"]["data"] for r in results} == want
    text = (reports / "r.text").read_text(encoding="utf-8")
    table = text.split("部门效能评分（规则 DEPT-SCORE）", 1)[1]  # after the heading of its table
    for department, data in want.items():
        line = next(ln for ln in table.splitlines() if ln.startswith(department))
        assert data["grade"] in line
    wb = openpyxl.load_workbook(reports / "r.xlsx", read_only=True)
    ws = wb["部门效能评分"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "部门" and rows[0][-1] == "等级" and "按时办结率（%）" in rows[0]
    sheet = {r[0]: r for r in rows[1:]}
    assert set(sheet) == set(want)
    at = rows[0].index("按时办结率（%）")
    for department, data in want.items():
        assert sheet[department][-1] == data["grade"]
        rate = data["on_time_rate"]
        assert sheet[department][at] == (None if rate is None else pytest.approx(float(rate)))


def test_the_history_stores_each_departments_grade_and_figures(tmp_path):
    """#15's history takes DEPT-SCORE's grade and data through engine/reports/grades.py."""
    import sqlite3

    small = ROOT / "fixtures" / "approvals" / "small.jsonl"
    db = tmp_path / "h.db"
    _run("audit", str(small), "--as-of", AS_OF, "--format", "json", "-o", str(tmp_path / "r.json"),
         "--history", str(db), "--no-config")  # fmt: skip
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT department, grade, grade_data FROM run_departments").fetchall()
    stored = {d: (g, json.loads(data, parse_float=Decimal) if data else None) for d, g, data in rows}
    want = _expected_scores()
    for department, data in want.items():
        grade, figures = stored[department]
        assert grade == data["grade"]
        assert figures == {k: v for k, v in data.items() if k != "grade"}
