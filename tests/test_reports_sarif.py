import json
import random
from pathlib import Path

import pytest
from xuke.findings import Finding
from xuke.reports import RuleMeta, tool_information_uri
from xuke.reports.sarif import FINGERPRINT_KEY, artifact_uri, build_sarif, dumps_sarif, write_sarif

jsonschema = pytest.importorskip("jsonschema")

DATA = Path(__file__).parent / "data" / "reports"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text("utf-8"))


def sample():
    raw = json.loads((DATA / "sample.json").read_text("utf-8"))
    findings = [Finding(**{**d, "span": tuple(d["span"])} if "span" in d else d) for d in raw["findings"]]
    meta = {
        m["id"]: RuleMeta(**{**m, "cites": tuple(m["cites"]), "tags": tuple(m["tags"])})
        for m in raw["rules_meta"]
    }
    return findings, meta


def validate(log):
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def results_by_rule(log):
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


def test_valid_against_the_official_schema(tmp_path):
    findings, meta = sample()
    write_sarif(
        tmp_path / "r.sarif", findings, meta, base_dir=".", information_uri="https://example.org/xuke"
    )
    log = json.loads((tmp_path / "r.sarif").read_text("utf-8"))
    validate(log)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "xuke" and driver["version"]
    assert driver["informationUri"] == "https://example.org/xuke"


def test_empty_is_valid():
    log = build_sarif([], {})
    validate(log)
    assert log["runs"][0]["results"] == []


def test_rules_and_indices():
    findings, meta = sample()
    log = build_sarif(findings, meta)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids)
    assert {"LIC-44-CERT", "LIC-45-NOTIFY", "FP-4"} <= set(ids)  # loaded, did not fire
    assert {f.rule for f in findings} <= set(ids)  # fired, described from the finding
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    overdue = rules[ids.index("LIC-42-OVERDUE")]
    assert overdue["shortDescription"]["text"] == "超过法定期限作出决定"
    assert overdue["help"]["text"].startswith("超过法定期限作出决定\n依据：行政许可法第四十二条")
    assert overdue["help"]["text"].endswith("规则：rules/licensing_law.rules:40")
    assert overdue["defaultConfiguration"]["level"] == "error"
    assert overdue["properties"]["tags"] == ["licensing_law"]
    assert overdue["properties"]["source"] == "rules/licensing_law.rules:40"


def test_levels():
    f = [
        Finding(r, s, "t", "m", [], [], "a.csv", case_id=r, row=1)
        for r, s in (("A", "critical"), ("B", "error"), ("C", "warning"), ("D", "info"))
    ]
    levels = {r["ruleId"]: r["level"] for r in build_sarif(f)["runs"][0]["results"]}
    assert levels == {"A": "error", "B": "error", "C": "warning", "D": "note"}
    validate(build_sarif(f))


def test_record_region_is_row_plus_header():
    findings, meta = sample()
    overdue = results_by_rule(build_sarif(findings, meta))["LIC-42-OVERDUE"]
    location = overdue["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 2}  # data row 1 is line 2 of a CSV
    assert location["artifactLocation"]["uri"] == "exports/2025%E5%B9%B43%E6%9C%88%E5%8A%9E%E4%BB%B6.csv"
    assert overdue["partialFingerprints"] == {FINGERPRINT_KEY: findings[0].fingerprint()}
    assert overdue["properties"]["case_id"] == "SQ2025030001"
    jsonl = Finding("R", "error", "t", "m", [], [], "in.jsonl", case_id="7", row=7)
    region = build_sarif([jsonl])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 7}  # no header line in JSONL


def test_clause_region_with_columns():
    findings, meta = sample()
    log = build_sarif(findings, meta)
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    result = results_by_rule(log)["DOC-17-SETS-LICENSE"]
    region = result["locations"][0]["physicalLocation"]["region"]
    clause = next(f for f in findings if f.rule == "DOC-17-SETS-LICENSE")
    assert region["startLine"] == region["endLine"] == 12
    assert region["startColumn"] == clause.span[0] + 1
    assert region["endColumn"] == clause.span[1] + 1  # exclusive
    assert region["snippet"]["text"] == "须经市交通运输局批准后方可经营"
    assert result["locations"][0]["logicalLocations"] == [{"name": "第五条"}]
    assert result["properties"]["article"] == "第五条"


def test_clause_over_several_lines():
    text = "第九条 申请人应当提交：\n（一）申请书；\n（二）其他相关材料。"
    start = text.index("其他相关材料")
    f = Finding(
        "DOC-31-CATCHALL", "warning", "t", "m", [], [], "d.txt", line=20, text=text, span=(start, start + 6)
    )
    region = build_sarif([f])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (22, 4, 10)


def test_group_finding_points_at_its_file():
    findings, meta = sample()
    result = results_by_rule(build_sarif(findings, meta))["DEPT-OVERDUE-RATE"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["region"] == {"startLine": 1}  # the file as a whole: GitHub wants a line
    assert physical["artifactLocation"]["uri"].endswith(".csv")
    assert result["properties"]["fileLevel"] is True
    assert result["properties"]["group"] == {"department": "市场监管局"}


def test_document_finding():
    findings, meta = sample()
    result = results_by_rule(build_sarif(findings, meta))["DOC-30-GUIDE"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert result["properties"]["fileLevel"] is True


def test_uris(tmp_path):
    base = tmp_path / "work"
    assert artifact_uri(str(base / "草稿 1.docx"), base) == "%E8%8D%89%E7%A8%BF%201.docx"
    assert artifact_uri(str(base / "a" / "b.csv"), base) == "a/b.csv"
    outside = artifact_uri(str(tmp_path / "elsewhere.csv"), base)
    assert outside.startswith("file:///") and outside.endswith("/elsewhere.csv")


def test_deterministic():
    findings, meta = sample()
    shuffled = findings[:]
    random.Random(5).shuffle(shuffled)
    a = dumps_sarif(findings, meta, version="1.2.3")
    assert a == dumps_sarif(shuffled, dict(reversed(list(meta.items()))), version="1.2.3")
    assert "市场监管局".encode() in a


# ---- what GitHub code scanning asks of an upload ("SARIF support for code scanning") ----


def test_github_relative_uris_with_a_base():
    """Paths relative to the repository root, the base declared in originalUriBaseIds
    (an absolute URI ending in a slash), never an absolute file:// URI for a file inside it."""
    findings, meta = sample()
    log = build_sarif(findings, meta)  # the sample's files are relative: inside the working directory
    validate(log)
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    for result in run["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith(("file:", "/")) and ".." not in artifact["uri"].split("/")


def test_github_every_result_has_a_physical_location_with_a_line():
    findings, meta = sample()
    for result in build_sarif(findings, meta)["runs"][0]["results"]:
        assert len(result["locations"]) == 1  # GitHub uses the first only
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        assert isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1
        assert result["message"]["text"]
        assert result["partialFingerprints"][FINGERPRINT_KEY]


def test_github_rule_descriptors(monkeypatch):
    findings, meta = sample()
    monkeypatch.setenv("XUKE_INFORMATION_URI", "https://github.com/example/xuke")
    log = build_sarif(findings, meta)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] in ("https://github.com/example/xuke", tool_information_uri())
    ids = [r["id"] for r in driver["rules"]]
    for result in log["runs"][0]["results"]:
        assert result["ruleId"] == ids[result["ruleIndex"]]
        assert result["level"] in ("error", "warning", "note")
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert isinstance(rule["properties"]["tags"], list) and len(rule["properties"]["tags"]) <= 20


def test_github_tag_limit():
    meta = {"R-1": RuleMeta("R-1", "t", "error", ("c",), tuple(f"tag{i}" for i in range(30)))}
    rule = build_sarif([], meta)["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["properties"]["tags"] == [f"tag{i}" for i in range(20)]


def test_github_result_limit_keeps_the_most_severe():
    """Over 25,000 results GitHub rejects the upload: the most severe are kept and the run
    says how many were left out."""
    import xuke.reports.sarif as sarif_module

    def finding(i, severity):
        return Finding(f"R-{severity}", severity, "t", f"m{i}", [], [], "a.csv", case_id=str(i), row=i)

    findings = [finding(i, "info") for i in range(30)] + [finding(100 + i, "error") for i in range(5)]
    old = sarif_module.MAX_RESULTS
    sarif_module.MAX_RESULTS = 10
    try:
        log = build_sarif(findings)
    finally:
        sarif_module.MAX_RESULTS = old
    validate(log)
    run = log["runs"][0]
    assert len(run["results"]) == 10
    assert sum(r["ruleId"] == "R-error" for r in run["results"]) == 5
    note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert note.startswith("25 less severe results left out")
    rows = [r["properties"]["row"] for r in run["results"]]
    assert rows == sorted(rows)  # still in report order
    assert sarif_module.MAX_RESULTS == 25_000


@pytest.mark.parametrize("command", [
    ["lint", "fixtures/policies/", "--fail-on", "never"],
    ["audit", "fixtures/approvals/small.jsonl", "--as-of", "2025-12-31", "--jobs", "1", "--fail-on", "never"],
    ["check", "tests/data/api/broken.rules"],
])  # fmt: skip
def test_reports_of_the_command_line_meet_githubs_rules(command, tmp_path):
    """What the commands write, end to end: schema-valid, every result located in a file
    of the repository with a line, URIs relative to where xuke ran."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "r.sarif"
    done = subprocess.run([sys.executable, str(root / "cli.py"), *command, "--no-config", "--format", "sarif",
                           "-o", str(out)], capture_output=True, text=True, cwd=root)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    log = json.loads(out.read_text("utf-8"))
    validate(log)
    run = log["runs"][0]
    assert run["results"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.as_uri() + "/"
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert (root / artifact["uri"]).is_file(), artifact["uri"]  # a file of the checkout
        assert physical["region"]["startLine"] >= 1


def test_inputs_without_lines_are_file_level():
    db = Finding("R-4", "error", "t", "m", [], [], "postgresql://u@h/db#approvals", case_id="C1", row=4)
    parquet = Finding("R-5", "warning", "t", "m", [], [], "export.parquet", case_id="C2", row=9)
    log = build_sarif([db, parquet])
    validate(log)
    by_rule = results_by_rule(log)
    location = by_rule["R-4"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "postgresql://u@h/db#approvals"}
    assert location["region"] == {"startLine": 1} and by_rule["R-4"]["properties"]["fileLevel"] is True
    assert by_rule["R-5"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
