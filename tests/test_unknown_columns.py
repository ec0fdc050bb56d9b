"""Columns that map to no record field are kept and reported once per file, whatever the
format, the number of workers and the chunk size (issue #4)."""

import json
import subprocess
import sys

import openpyxl
import pytest
from conftest import ROOT
from xuke.sources.jsonlreader import HEADER_SAMPLE


def audit(paths, *extra, config=()):
    paths = [str(p) for p in (paths if isinstance(paths, list) else [paths])]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *config, "audit", *paths, "--as-of", "2025-12-31",
         "--format", "json", *extra],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["summary"]


def test_csv_header_columns_in_header_order(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("备注,办件编号,申请时间,内部流水\n说明,A1,2025-03-03,x\n,A2,2025-03-04,\n", encoding="utf-8")
    s = audit(p, "-j", "1")
    assert s["unknown_columns"] == [{"file": str(p), "columns": ["备注", "内部流水"]}]
    assert s["rows_read"] == s["rows_evaluated"] == 2


def test_no_unknown_columns_is_an_empty_list(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("办件编号,申请时间\nA1,2025-03-03\n", encoding="utf-8")
    assert audit(p, "-j", "1")["unknown_columns"] == []


@pytest.mark.parametrize(
    "extra", [["-j", "1"], ["-j", "1", "--chunk-size", "1"], ["-j", "2", "--chunk-size", "2"]]
)
def test_jsonl_keys_met_in_later_lines_are_reported_the_same_way(tmp_path, extra):
    p = tmp_path / "a.jsonl"
    # the first lines fill the reader's sample (HEADER_SAMPLE); the odd keys come after it
    lines = [{"办件编号": f"J{i}", "申请时间": "2025-03-03"} for i in range(HEADER_SAMPLE + 100)]
    lines[1] = {**lines[1], "备注": "sampled"}
    lines[HEADER_SAMPLE + 50]["zeta"] = 1
    lines[HEADER_SAMPLE + 60]["alpha"] = "x"
    lines[HEADER_SAMPLE + 70]["zeta"] = 2
    p.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines), encoding="utf-8")
    s = audit(p, *extra)
    assert s["unknown_columns"] == [{"file": str(p), "columns": ["备注", "alpha", "zeta"]}]
    assert s["rows_read"] == HEADER_SAMPLE + 100


def test_two_files_each_reported_once_and_text_report_lists_them(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.xlsx"
    a.write_text("办件编号,申请时间,序号\nA1,2025-03-03,1\nA2,2025-03-03,2\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.append(["办件编号", "申请时间", "经办窗口号"])
    wb.active.append(["B1", "2025-03-03", "7"])
    wb.save(b)
    s = audit([a, b], "-j", "1")
    assert s["unknown_columns"] == [
        {"file": str(a), "columns": ["序号"]},
        {"file": str(b), "columns": ["经办窗口号"]},
    ]
    text = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "audit", str(a), str(b), "--as-of", "2025-12-31", "--lang", "en"],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": ""},
    ).stdout  # fmt: skip
    assert "Columns kept but read by no rule (2)" in text
    assert text.count("序号") == 1 and "经办窗口号" in text


def test_an_alias_in_the_config_makes_a_column_known(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("案号,申请时间,备注\nA1,2025-03-03,x\n", encoding="utf-8")
    cfg = tmp_path / "xuke.yaml"
    cfg.write_text("version: 1\naliases:\n  案号: case_id\n", encoding="utf-8")
    s = audit(p, "-j", "1", config=("--config", str(cfg)))
    assert s["unknown_columns"] == [{"file": str(p), "columns": ["备注"]}]


@pytest.mark.parametrize("extra", [["-j", "1"], ["-j", "2", "--chunk-size", "3"]])
def test_a_new_key_on_every_line_is_listed_up_to_a_bound(tmp_path, extra):
    from xuke.jobs.audit import MAX_UNKNOWN_COLUMNS

    p = tmp_path / "a.jsonl"
    lines = [{"办件编号": f"J{i}", "申请时间": "2025-03-03"} for i in range(HEADER_SAMPLE + 400)]
    for i in range(HEADER_SAMPLE, HEADER_SAMPLE + 400):
        lines[i][f"k{i:05d}"] = 1
    p.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines), encoding="utf-8")
    (entry,) = audit(p, *extra)["unknown_columns"]
    assert entry["more"] is True
    assert entry["columns"] == [f"k{i:05d}" for i in range(HEADER_SAMPLE, HEADER_SAMPLE + MAX_UNKNOWN_COLUMNS)]
