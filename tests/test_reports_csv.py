import csv
import io
import json
import random
from pathlib import Path

from xuke.findings import Finding
from xuke.reports.csvout import COLUMNS, write_csv

DATA = Path(__file__).parent / "data" / "reports"


def sample():
    raw = json.loads((DATA / "sample.json").read_text("utf-8"))
    return [Finding(**{**d, "span": tuple(d["span"])} if "span" in d else d) for d in raw["findings"]]


def read(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_columns_and_rows(tmp_path):
    findings = sample()
    write_csv(tmp_path / "r.csv", findings)
    rows = read(tmp_path / "r.csv")
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(findings)
    overdue = next(r for r in rows if r["rule"] == "LIC-42-OVERDUE")
    assert overdue["cites"] == "行政许可法第四十二条；行政许可法第七十四条第二项；行政许可法第八十二条"
    assert overdue["case_id"] == "SQ2025030001" and overdue["row"] == "1" and overdue["line"] == ""
    clause = next(r for r in rows if r["rule"] == "DOC-17-SETS-LICENSE")
    assert (clause["line"], clause["article"], clause["file"]) == ("12", "第五条", "drafts/管理办法.txt")
    dept = next(r for r in rows if r["rule"] == "DEPT-OVERDUE-RATE")
    assert json.loads(dept["group"]) == {"department": "市场监管局"}
    assert {r["fingerprint"] for r in rows} == {f.fingerprint() for f in findings}


def test_crlf_and_deterministic(tmp_path):
    findings = sample()
    shuffled = findings[:]
    random.Random(3).shuffle(shuffled)
    write_csv(tmp_path / "a.csv", findings)
    write_csv(tmp_path / "b.csv", shuffled)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert b"\r\n" in (tmp_path / "a.csv").read_bytes()


def test_formula_cells_are_neutralised(tmp_path):
    write_csv(tmp_path / "r.csv", sample())
    rows = read(tmp_path / "r.csv")
    fee = next(r for r in rows if r["rule"] == "LIC-58-FEE")
    assert fee["case_id"] == '\'=HYPERLINK("http://x")'


def test_empty(tmp_path):
    write_csv(tmp_path / "r.csv", [])
    assert (tmp_path / "r.csv").read_bytes() == ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode()


def test_multiline_text_round_trips(tmp_path):
    f = Finding("R", "error", "标题", '第一行\n第二行，含"引号"', ["依据"], [], "a.csv", case_id="1", row=1)
    write_csv(tmp_path / "r.csv", [f])
    assert read(tmp_path / "r.csv")[0]["message"] == '第一行\n第二行，含"引号"'
