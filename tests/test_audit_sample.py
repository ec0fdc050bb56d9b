"""End to end: audit the committed samples and compare every (case, rule) pair, every
department finding (with DEPT-SCORE's figures and grade, number for number) and every
rejected row with the expected findings, which the fixture generator computed with an
independent plain-Python oracle (fixtures/approvals/oracle.py)."""
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from conftest import ROOT

SAMPLES = ROOT / "fixtures" / "approvals"


def _data(o) -> str:
    """A finding's data as comparable text: numbers read exactly (97.5 is Decimal('97.5'))."""
    return json.dumps(o.get("data"), sort_keys=True, default=str)


def expected(path):
    cases, rejects = set(), set()
    for line in path.read_text(encoding="utf-8").splitlines():
        o = json.loads(line, parse_float=Decimal)
        if "reject_row" in o:
            rejects.add(o["reject_row"])
        elif "department" in o:
            cases.add(("department", o["department"], o["rule"], _data(o)))
        else:
            cases.add((o["case_id"], o["row"], o["rule"]))
    return cases, rejects


def audit(tmp_path, data, *extra):
    out, rej = tmp_path / "out.json", tmp_path / "rejects.jsonl"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "audit", str(data), "--as-of", "2025-12-31", "--format", "json",
         "-o", str(out), "--rejects", str(rej), *extra],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"), parse_float=Decimal)
    got = set()
    for f in doc["findings"]:
        if "group" in f:
            got.add(("department", f["group"]["department"], f["rule"], _data(f)))
        else:
            got.add((f["case_id"], f["row"], f["rule"]))
    rejects = {json.loads(line)["row"] for line in rej.read_text(encoding="utf-8").splitlines()}
    return doc, got, rejects


@pytest.mark.parametrize(
    "name,expect",
    [("sample.csv", "sample.expected.jsonl"), ("small.jsonl", "small.expected.jsonl"),
     ("small.xlsx", "small.xlsx.expected.jsonl")],
)  # fmt: skip
def test_sample_matches_expected_findings(tmp_path, name, expect):
    doc, got, rejects = audit(tmp_path, SAMPLES / name, "--jobs", "1")
    want, want_rejects = expected(SAMPLES / expect)
    assert sorted(want - got) == [], "missing findings"
    assert sorted(got - want) == [], "unexpected findings"
    assert rejects == want_rejects
    s = doc["summary"]
    assert s["rows_read"] == s["rows_evaluated"] + s["rows_rejected"]
    assert s["rows_rejected"] == len(want_rejects)


def test_two_processes_and_small_chunks_give_the_same_bytes(tmp_path):
    outs = []
    for extra in (["--jobs", "1"], ["--jobs", "2", "--chunk-size", "7"]):
        out = tmp_path / f"out{len(outs)}.jsonl"
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(SAMPLES / "small.jsonl"), "--as-of",
                        "2025-12-31", "--format", "jsonl", "-o", str(out), *extra], check=False)  # fmt: skip
        outs.append(out.read_bytes())
    assert outs[0] and outs[0] == outs[1]


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv", "sarif"])
def test_exit_code_follows_fail_on_in_every_format(tmp_path, fmt):
    # the severities are noted as the report is written (no second pass over the spool)
    codes = []
    for fail_on in ("info", "never"):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), "audit", str(SAMPLES / "small.jsonl"), "--as-of", "2025-12-31",
             "--format", fmt, "-o", str(tmp_path / f"out.{fmt}"), "--fail-on", fail_on, "-j", "1"],
            capture_output=True, text=True,
        )  # fmt: skip
        codes.append(proc.returncode)
    assert codes == [1, 0]
