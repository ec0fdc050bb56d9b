"""JUnit XML from `xuke test`, `xuke lint` and `xuke check`, valid against the Jenkins
xUnit plugin's junit-10.xsd (tests/data/junit/README.md), with times and failure details."""

import subprocess
import sys
from pathlib import Path

import pytest
from xuke.reports.junit import JUnitCase, junit_bytes

xmlschema = pytest.importorskip("xmlschema")

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = xmlschema.XMLSchema(str(ROOT / "tests" / "data" / "junit" / "junit-10.xsd"))


def run(*args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args, "--no-config"], capture_output=True,
                          text=True, cwd=cwd)  # fmt: skip


def parse(path):
    from xml.etree import ElementTree as ET

    SCHEMA.validate(str(path))  # raises with the reason when invalid
    return ET.parse(path).getroot()


def suites_are_counted(root):
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors")) == sum(c.find("error") is not None for c in cases)
        assert suite.get("skipped") == "0" and float(suite.get("time")) >= 0
        for case in cases:
            assert case.get("time") is not None


def test_the_writer_is_valid_and_counts():
    data = junit_bytes([JUnitCase("s", "a", seconds=0.00123456, failure="bad\nmore"), JUnitCase("s", "b"),
                        JUnitCase("t", "c", error="could not run", output="log")], "xuke")  # fmt: skip
    SCHEMA.validate(data.decode())
    from xml.etree import ElementTree as ET

    root = ET.fromstring(data)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == "bad" and failure.text == "bad\nmore"
    assert root.find("testsuite/testcase").get("time") == "0.001"


def test_a_schema_violation_is_caught():
    """The validation is real: a suite without `errors` fails it."""
    bad = '<testsuites><testsuite name="s" tests="1" failures="0"><testcase name="a"/></testsuite></testsuites>'
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        SCHEMA.validate(bad)


def test_xuke_test_junit(tmp_path):
    rules = tmp_path / "pack.rules"
    text = (ROOT / "rules" / "six_systems.rules").read_text("utf-8")
    # one example made to fail: it says the rule passes a record it reports
    text = text.replace('passes   record(case_id: "A2", received_at: 2025-03-03, first_contact: "张三")',
                        'passes   record(case_id: "A2", received_at: 2025-03-03)', 1)  # fmt: skip
    rules.write_text(text, "utf-8")
    done = run("test", str(rules), "--junit", str(tmp_path / "t.xml"), cwd=ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    root = parse(tmp_path / "t.xml")
    suites_are_counted(root)
    failures = root.findall(".//failure")
    assert len(failures) == 1 and failures[0].get("message").startswith("SIX-FIRST-CONTACT: fired")
    assert "pack.rules:" in failures[0].text
    assert int(root.get("tests")) > 5


def test_xuke_lint_junit(tmp_path):
    done = run("lint", "fixtures/policies/gas_measures.txt", "fixtures/policies/street_stall_rules.docx",
               "--junit", str(tmp_path / "l.xml"), "--fail-on", "error", cwd=ROOT)  # fmt: skip
    root = parse(tmp_path / "l.xml")
    suites_are_counted(root)
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "fixtures/policies/gas_measures.txt", "fixtures/policies/street_stall_rules.docx"]  # fmt: skip
    failed = root.findall(".//failure")
    assert failed and (done.returncode == 1) == bool(failed)
    assert all(":" in f.text and f.get("message") for f in failed)
    # one testcase per document and reporting rule: the same names run after run
    names = {c.get("name").split()[0] for c in root.find("testsuite").findall("testcase")}
    assert "DOC-58-FEE" in names or len(names) > 5


def test_xuke_check_junit(tmp_path):
    (tmp_path / "a.rules").write_text('pack a "A"\nrule X-1 {{{\n', "utf-8")
    (tmp_path / "b.rules").write_text((ROOT / "tests/data/api/broken.rules").read_text("utf-8"), "utf-8")
    (tmp_path / "c.rules").write_text('pack c "C"\n', "utf-8")
    done = run("check", "a.rules", "b.rules", "c.rules", "--junit", "c.xml", cwd=tmp_path)
    assert done.returncode == 1
    # every file's errors: the syntax error in a.rules does not hide b.rules' error
    assert "a.rules:2:" in done.stderr and "b.rules:7:" in done.stderr
    root = parse(tmp_path / "c.xml")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"a.rules", "b.rules", "c.rules"}
    assert cases["a.rules"].find("failure") is not None and cases["b.rules"].find("failure") is not None
    assert cases["c.rules"].find("failure") is None


def test_check_leaves_out_errors_that_echo_a_broken_import(tmp_path):
    """b imports a, whose file does not parse: b's checker errors (its uses of a's names)
    would be noise; c is on its own and keeps its error."""
    (tmp_path / "a.rules").write_text('pack a "A"\nrule X-1 {{{\n', "utf-8")
    (tmp_path / "b.rules").write_text('pack b "B"\nimport a\n\nrule B-1 "t"\n  severity error\n  cites "c"\nwhen\n'
                                      '  f: from_a(x == 1)\nthen\n  report f "x"\nend\n', "utf-8")  # fmt: skip
    (tmp_path / "c.rules").write_text((ROOT / "tests/data/api/broken.rules").read_text("utf-8"), "utf-8")
    done = run("check", "a.rules", "b.rules", "c.rules", cwd=tmp_path)
    assert done.returncode == 1
    assert "a.rules:2:" in done.stderr and "c.rules:7:" in done.stderr
    assert "b.rules" not in done.stderr
