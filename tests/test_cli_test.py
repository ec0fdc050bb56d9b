"""`xuke test`: examples and YAML fixture cases, pass/fail lines and the closing line."""
import subprocess
import sys

from conftest import ROOT


def xuke(*args):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True, text=True)


def test_standard_packs_and_fixture_cases_pass():
    proc = xuke("test", "--coverage", ROOT / "rules")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.endswith("passed, 0 failed")
    assert "records.test.yaml" in proc.stdout
    assert "not exercised" not in proc.stdout


def test_a_failing_example_names_the_rule_and_line(tmp_path):
    (tmp_path / "p.rules").write_text(
        'pack p "p"\nrule X-1 "x"\n  severity error\n  cites "c"\nwhen\n  r: record(transfers >= 2)\nthen\n'
        '  report r "x"\nexamples\n  violates record(case_id: "A", received_at: 2025-03-03, transfers: 1)\nend\n',
        encoding="utf-8",
    )
    proc = xuke("test", tmp_path)
    assert proc.returncode == 1
    assert "FAIL X-1" in proc.stdout and "p.rules:10" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_a_failing_fixture_case_says_what_differs(tmp_path):
    (tmp_path / "t.test.yaml").write_text(
        "as_of: 2025-12-31\ncases:\n  - name: wrong on purpose\n"
        "    record: {case_id: A, received_at: 2025-03-03, designated_service: 否}\n"
        "    includes: [LIC-27-DESIGNATED]\n",
        encoding="utf-8",
    )
    proc = xuke("test", ROOT / "rules", tmp_path / "t.test.yaml")
    assert proc.returncode == 1
    assert "t.test.yaml:3 wrong on purpose: did not fire: LIC-27-DESIGNATED" in proc.stdout


def test_a_bad_fixture_file_is_a_one_line_error(tmp_path):
    (tmp_path / "t.yaml").write_text("cases:\n  - name: x\n    recrd: {}\n", encoding="utf-8")
    proc = xuke("test", ROOT / "rules", tmp_path / "t.yaml")
    assert proc.returncode == 2
    assert "unknown key(s) recrd" in proc.stderr and "Traceback" not in proc.stderr


def test_fmt_check_and_rewrite(tmp_path):
    path = tmp_path / "p.rules"
    path.write_text('pack p "p"\nrule X-1 "x"\n  severity error\n  cites "c"\nwhen r: record(transfers>=2) # why\n'
                    'then report r "x"\nend\n', encoding="utf-8")  # fmt: skip
    proc = xuke("fmt", "--check", path)
    assert proc.returncode == 1 and "would reformat" in proc.stdout
    assert xuke("fmt", path).returncode == 0
    text = path.read_text(encoding="utf-8")
    assert "  r: record(transfers >= 2)  # why\n" in text
    assert xuke("fmt", "--check", path).returncode == 0
    assert xuke("fmt", "--keywords", "zh", path).returncode == 0
    zh = path.read_text(encoding="utf-8")
    assert zh.startswith('规则包 p "p"') and "\n当\n" in zh and "结束" in zh
    assert xuke("check", path).returncode == 0


def test_rules_list_shows_every_standard_rule():
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "rules", "list"], capture_output=True, text=True,
                          env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert proc.returncode == 0
    for rid in ("LIC-32-NOTICE-LATE", "DEPT-OVERDUE-RATE", "FP-4", "ACC-LEADER", "SIX-AB"):
        assert rid in proc.stdout
    assert "《行政许可法》第四十二条" in proc.stdout


def test_junit_report(tmp_path):
    import xml.etree.ElementTree as ET

    out = tmp_path / "junit.xml"
    proc = xuke("test", ROOT / "rules", "--junit", out)
    assert proc.returncode == 0
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and int(root.get("tests")) > 100 and root.get("failures") == "0"
    assert any(s.get("name") == "LIC-42-OVERDUE" for s in root.iter("testsuite"))


def test_check_sarif_points_at_the_error(tmp_path):
    import json

    (tmp_path / "bad.rules").write_text('pack p "p"\nrule A "x"\nwhen\n  r: record(nope > 1)\nthen\n'
                                        '  report r "x"\nend\n', encoding="utf-8")  # fmt: skip
    proc = xuke("check", tmp_path, "--format", "sarif")
    assert proc.returncode == 1
    run = json.loads(proc.stdout)["runs"][0]
    messages = [r["message"]["text"] for r in run["results"]]
    assert any("unknown field `nope`" in m for m in messages)
    region = next(r for r in run["results"] if "nope" in r["message"]["text"])["locations"][0]["physicalLocation"]
    assert region["region"]["startLine"] == 4 and region["region"]["startColumn"] == 13


def test_yaml_data_beside_packs_is_not_read_as_fixture_cases(tmp_path):
    # a folder given to `xuke test` reads only NAME.test.yaml as cases: packs keep other YAML (rules/data/)
    pack = tmp_path / "p"
    (pack / "data").mkdir(parents=True)
    (pack / "p.rules").write_text('pack p "p"\n', encoding="utf-8")
    (pack / "data" / "list.yaml").write_text("- not: cases\n", encoding="utf-8")
    proc = xuke("test", pack)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "list.yaml" not in proc.stdout + proc.stderr
