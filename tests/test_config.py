import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from xuke.domain.schema import RECORD_FIELDS
from xuke.errors import XukeError
from xuke.findings import Finding
from xuke.jobs.config import (
    CONFIG_NAME,
    TOP_KEYS,
    Config,
    find_config,
    init_config,
    load_config,
    parse_config,
    standard_packs,
    template_text,
)

ROOT = Path(__file__).resolve().parent.parent


def _error(text: str, path: str | Path = CONFIG_NAME) -> str:
    with pytest.raises(XukeError) as e:
        parse_config(text, path)
    message = str(e.value)
    assert "\n" not in message
    return message


@pytest.fixture(scope="module")
def base():
    from xuke.jobs.loader import STANDARD_RULES, load

    return load([STANDARD_RULES])


# ---- reading ------------------------------------------------------------------------


def test_full_example(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "city.rules").write_text('pack city "x"\n', encoding="utf-8")
    (tmp_path / "cal.yaml").write_text("holidays: [2025-10-09]\n", encoding="utf-8")
    path = tmp_path / CONFIG_NAME
    path.write_text(
        """
version: 1
packs: [licensing_law, six_systems, rules/city.rules]
rules:
  enable: [LIC-*, SIX-*, DEPT-OVERDUE-RATE]
  disable: [SIX-WINDOW]
severity:
  SIX-FIRST-CONTACT: info
  LIC-4*: 严重
aliases:
  受理编号: case_id
  2025办结日期: decided_at
calendar: cal.yaml
thresholds:
  OVERDUE_MIN_DECIDED: 30
  OVERDUE_RATE_PERCENT: 2.5
output: {format: json, fail_on: warning, lang: zh}
""",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.packs == ["licensing_law", "six_systems", "rules/city.rules"]
    assert [p.name for p in cfg.rule_paths()] == ["licensing_law.rules", "six_systems.rules", "city.rules"]
    assert cfg.rules.enable == ["LIC-*", "SIX-*", "DEPT-OVERDUE-RATE"] and cfg.rules.disable == ["SIX-WINDOW"]
    assert cfg.severity == {"SIX-FIRST-CONTACT": "info", "LIC-4*": "critical"}
    assert cfg.aliases == {"受理编号": "case_id", "2025办结日期": "decided_at"}
    assert cfg.calendar == "cal.yaml"
    assert cfg.thresholds == {"OVERDUE_MIN_DECIDED": 30, "OVERDUE_RATE_PERCENT": Decimal("2.5")}
    assert (cfg.output.format, cfg.output.fail_on, cfg.output.lang) == ("json", "warning", "zh")
    assert cfg.where("thresholds", "OVERDUE_RATE_PERCENT").endswith("xuke.yaml:16")
    cal = cfg.work_calendar()
    import datetime as dt

    assert not cal.is_workday(dt.date(2025, 10, 9))


def test_defaults_without_a_file():
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.packs is None and cfg.rule_paths() == [ROOT / "rules"]
    assert cfg.selects("ANY-RULE") and cfg.severity_of("X", "warning") == "warning"
    assert cfg.choose("format", None, "text") == "text"
    assert cfg.choose("format", "json", "text") == "json"
    for text in ("", "# only comments\n"):
        assert dataclasses.replace(parse_config(text), path=None) == Config()


def test_empty_sections_are_defaults():
    cfg = parse_config("packs:\nrules:\nseverity:\naliases:\ncalendar:\nthresholds:\noutput:\n")
    assert dataclasses.replace(cfg, path=None) == Config()


def test_command_line_wins_over_the_file():
    cfg = parse_config("output: {format: json, fail_on: never}")
    assert cfg.choose("format", None, "text") == "json"
    assert cfg.choose("format", "sarif", "text") == "sarif"
    assert cfg.choose("fail_on", None, "error") == "never"
    assert cfg.choose("lang", None, "en") == "en"


def test_inline_calendar():
    cfg = parse_config("calendar:\n  workdays: [2025-10-11]\n  years:\n    2027: {holidays: [2027-01-01]}\n")
    import datetime as dt

    cal = cfg.work_calendar()
    assert cal.is_workday(dt.date(2025, 10, 11)) and not cal.is_workday(dt.date(2027, 1, 1))
    assert 2027 in cal.years


def test_calendar_option_wins(tmp_path):
    (tmp_path / "c.yaml").write_text("holidays: [2025-10-10]\n", encoding="utf-8")
    cfg = parse_config("calendar: {holidays: [2025-10-09]}")
    import datetime as dt

    cal = cfg.work_calendar(tmp_path / "c.yaml")
    assert cal.is_workday(dt.date(2025, 10, 9)) and not cal.is_workday(dt.date(2025, 10, 10))


# ---- mistakes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pakcs: [standard]", "xuke.yaml:1: unknown key 'pakcs'; did you mean 'packs'?"),
        (
            "version: 1\nthreshold:\n  X: 1",
            "xuke.yaml:2: unknown key 'threshold'; did you mean 'thresholds'?",
        ),
        (
            "output:\n  format: json\n  failon: never",
            "xuke.yaml:3: output: unknown key 'failon'; did you mean 'fail_on'?",
        ),
        ("rules:\n  disabled: [X]", "xuke.yaml:2: rules: unknown key 'disabled'; did you mean 'disable'?"),
        (
            "packs: [licnsing_law]",
            "xuke.yaml:1: packs[0]: no standard pack 'licnsing_law'; did you mean 'licensing_law'?",
        ),
        (
            "packs:\n  - standard\n  - city/x.rules",
            "xuke.yaml:3: packs[1]: city/x.rules: no such file or directory",
        ),
        ("packs: []", "xuke.yaml:1: packs: empty list"),
        ("packs: {a: 1}", "xuke.yaml:1: packs: expected a list"),
        (
            "rules:\n  disable:\n    - SIX-AB\n    - six-window",
            "xuke.yaml:4: rules.disable[1]: 'six-window' is not a rule id",
        ),
        ("rules: {enable: [LIC_42]}", "xuke.yaml:1: rules.enable[0]: 'LIC_42' is not a rule id or pattern"),
        ("rules: [X]", "xuke.yaml:1: rules: expected a mapping"),
        ("severity:\n  FP-1: warn", "xuke.yaml:2: severity: FP-1: unknown level 'warn'"),
        ("severity: [FP-1]", "xuke.yaml:1: severity: expected a mapping"),
        (
            "aliases:\n  受理编号: caseid",
            "xuke.yaml:2: aliases: 受理编号: 'caseid' is not a record field; did you mean 'case_id'?",
        ),
        (
            "thresholds:\n  OVERDUE_MIN_DECIDED: twenty",
            "xuke.yaml:2: thresholds: OVERDUE_MIN_DECIDED: expected a number",
        ),
        ("thresholds:\n  OVERDUE_MIN_DECIDED: yes", "expected a number"),
        ("thresholds:\n  2x: 1", "xuke.yaml:2: thresholds: '2x' is not a constant name"),
        (
            "output: {format: xml}",
            "xuke.yaml:1: output.format: 'xml' is not one of text, json, jsonl, csv, sarif",
        ),
        (
            "output:\n  fail_on: eror",
            "xuke.yaml:2: output.fail_on: 'eror' is not one of critical, error, warning, info, never; did you mean 'error'?",
        ),
        ("output:\n  lang: fr", "xuke.yaml:2: output.lang: 'fr' is not one of zh, en"),
        ("calendar: nope.yaml", "xuke.yaml:1: calendar: nope.yaml: no such file"),
        (
            "calendar:\n  holiday: []",
            "xuke.yaml:2: calendar: unknown key 'holiday'; did you mean 'holidays'?",
        ),
        ("calendar:\n  holidays: [2025-02-30]", "xuke.yaml:2: bad date '2025-02-30'"),
        (
            "calendar:\n  holidays: [2099-01-05]",
            "xuke.yaml:1: calendar: holidays[0]: 2099-01-05: year 2099 is not covered",
        ),
        ("version: 2", "xuke.yaml:1: version: unsupported version 2"),
        ("a: 1\nb: [", "xuke.yaml:2: not valid YAML"),
        ("packs: [standard]\npacks: [common]", "xuke.yaml:2: duplicate key 'packs' (first on line 1)"),
        ("- standard", "xuke.yaml:1: expected a mapping of settings"),
        ("!!python/object:os.system {}", "not valid YAML"),
    ],
)
def test_mistakes_are_one_line_with_the_line_number(text, expected):
    message = _error(text)
    assert message.startswith(expected) or expected in message, message


def test_message_names_the_file_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "team.yaml").write_text("\n\noutput: {lang: fr}\n", encoding="utf-8")
    with pytest.raises(XukeError, match=r"^conf/team\.yaml:3: output\.lang"):
        load_config(tmp_path / "conf" / "team.yaml")


def test_unreadable_files(tmp_path):
    with pytest.raises(XukeError, match="no such file"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(XukeError, match="is a directory"):
        load_config(tmp_path)
    (tmp_path / "gbk.yaml").write_bytes("packs: [标准]".encode("gbk"))
    with pytest.raises(XukeError, match="not UTF-8"):
        load_config(tmp_path / "gbk.yaml")


def test_relative_paths_start_at_the_config_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "rules").mkdir(parents=True)
    (project / "rules" / "city.rules").write_text('pack city "x"\n', encoding="utf-8")
    (project / "holidays.yaml").write_text("holidays: []\n", encoding="utf-8")
    (project / CONFIG_NAME).write_text("packs: [rules]\ncalendar: holidays.yaml\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(project / CONFIG_NAME)
    assert cfg.rule_paths() == [project / "rules"]
    cfg.work_calendar()


def test_standard_and_local_packs_together(tmp_path):
    (tmp_path / "city.rules").write_text('pack city "x"\n', encoding="utf-8")
    (tmp_path / CONFIG_NAME).write_text("packs: [standard, ./city.rules, common]\n", encoding="utf-8")
    paths = load_config(tmp_path / CONFIG_NAME).rule_paths()
    assert [p.name for p in paths] == [f"{n}.rules" for n in standard_packs()] + ["city.rules"]


# ---- applying to rules and findings -------------------------------------------------


def _finding(rule, severity="error", **kw):
    return Finding(
        rule=rule, severity=severity, title="t", message="m", cites=[], tags=[], file="a.csv", **kw
    )


def test_selection_and_severity_on_findings():
    cfg = parse_config("""
rules: {enable: ["LIC-*", SIX-AB, DEPT-OVERDUE-RATE], disable: [LIC-42-PENDING]}
severity: {LIC-42-OVERDUE: critical, "LIC-*": warning, SIX-AB: error}
""")
    findings = [_finding(r, case_id="A1") for r in ("LIC-42-OVERDUE", "LIC-42-PENDING", "LIC-58-FEE", "SIX-AB",
                                                    "SIX-WINDOW", "FP-1")]  # fmt: skip
    out = cfg.findings(findings)
    assert [(f.rule, f.severity) for f in out] == [("LIC-42-OVERDUE", "critical"), ("LIC-58-FEE", "warning"),
                                                   ("SIX-AB", "error")]  # fmt: skip
    assert findings[0].severity == "error"  # the originals are not changed
    assert out[2] is findings[3]
    from xuke.reports import RuleMeta

    meta = {r: RuleMeta(r, "t", "error", (), ()) for r in ("LIC-42-OVERDUE", "SIX-WINDOW", "SIX-AB")}
    adjusted = cfg.rules_meta(meta)
    assert {r: m.severity for r, m in adjusted.items()} == {"LIC-42-OVERDUE": "critical", "SIX-AB": "error"}


def test_severity_map_for_the_engine(base):
    cfg = parse_config('severity: {SIX-AB: error, "SIX-*": info, "CLOCK-*": critical}')
    # SIX-AB is an error already, SIX-WINDOW an info (v2); CLOCK-* are derivation rules,
    # which report nothing
    assert cfg.severity_map(base) == {"SIX-FIRST-CONTACT": "info"}
    assert Config().severity_map(base) == {}


def test_prepare_checks_rule_ids(base):
    with pytest.raises(
        XukeError,
        match=r"^xuke\.yaml:3: no rule LIC-42-OVERDU in the loaded packs; did you mean LIC-42-OVERDUE\?",
    ):
        parse_config("rules:\n  disable:\n    - LIC-42-OVERDU\n").prepare(base)
    with pytest.raises(XukeError, match=r"^xuke\.yaml:2: no rule SIX-FIRST in"):
        parse_config("severity:\n  SIX-FIRST: info\n").prepare(base)
    parse_config("rules: {disable: [DOC-*, 'NOPE-?']}").prepare(base)  # patterns may match nothing


def test_thresholds_override_constants(base, calendar):
    """DEPT-OVERDUE-RATE: 20 decided, 2 overdue is over 5%; with the rate at 10% it is not."""
    import copy
    import datetime as dt

    from xuke.ir.compiler import compile_rules
    from xuke.run.runtime import CompiledProgram, Context, Fact

    def fires(b, decided, overdue):
        program = CompiledProgram(compile_rules(b, {"DEPT-OVERDUE-RATE"}))
        fact = Fact("department", {"department": "市交通运输局", "decided": decided, "overdue": overdue},
                    {"summary": "department", "summary_by": "department", "file": "x"})  # fmt: skip
        found = program.run_session([fact], Context(calendar, dt.date(2025, 12, 31)), program.summary_strata)
        return [f.message for f in found.findings]

    assert fires(base, 20, 2)
    mine = copy.deepcopy(base)
    parse_config("thresholds:\n  OVERDUE_RATE_PERCENT: 10\n  OVERDUE_MIN_DECIDED: 10\n").prepare(mine)
    assert mine.rules["DEPT-OVERDUE-RATE"].consts["OVERDUE_RATE_PERCENT"] == 10
    assert not fires(mine, 20, 2)
    assert fires(mine, 10, 2) == [
        "市交通运输局：已办结 10 件，超期 2 件，占 20%，超过 10%（本地监察标准：已办结 10 件以上的部门，非法定标准）"
    ]
    assert base.rules["DEPT-OVERDUE-RATE"].consts["OVERDUE_RATE_PERCENT"] == 5


def test_thresholds_must_name_numeric_constants(base):
    import copy

    with pytest.raises(
        XukeError,
        match=r"^xuke\.yaml:2: no constant OVERDUE_RATE in the loaded packs; did you mean OVERDUE_RATE_PERCENT\?",
    ):
        parse_config("thresholds:\n  OVERDUE_RATE: 3\n").prepare(copy.deepcopy(base))
    with pytest.raises(XukeError, match="is not a number in the packs"):
        parse_config("thresholds:\n  AS_OF: 3\n").prepare(_with_const(base, "AS_OF", "x"))


def _with_const(base, name, value):
    import copy

    out = copy.deepcopy(base)
    next(iter(out.rules.values())).consts[name] = value
    return out


# ---- discovery ----------------------------------------------------------------------


def test_find_config_walks_up_to_the_repository_root(tmp_path):
    top = tmp_path / "top"
    repo = top / "repo"
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    (top / CONFIG_NAME).write_text("", encoding="utf-8")
    assert find_config(deep) == top / CONFIG_NAME  # no repository: up to the root
    (repo / ".git").mkdir()
    assert find_config(deep) is None  # never above the repository
    (repo / CONFIG_NAME).write_text("", encoding="utf-8")
    assert find_config(deep) == repo / CONFIG_NAME
    (repo / "a" / CONFIG_NAME).write_text("", encoding="utf-8")
    assert find_config(deep) == repo / "a" / CONFIG_NAME  # the nearest wins
    assert find_config(deep / ".." / "..") == repo / CONFIG_NAME
    (deep / "f.rules").write_text("", encoding="utf-8")
    assert find_config(deep / "f.rules") == repo / "a" / CONFIG_NAME


def test_find_config_stops_at_a_git_file(tmp_path):
    (tmp_path / CONFIG_NAME).write_text("", encoding="utf-8")
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: ../.git/worktrees/wt\n", encoding="utf-8")
    assert find_config(worktree) is None


# ---- xuke init ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_loads_as_the_defaults(tmp_path, lang):
    path = init_config(tmp_path, lang)
    assert path == tmp_path / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    assert "#@" not in text and "#zh" not in text and "#en" not in text
    cfg = load_config(path)
    assert cfg.rule_paths() == sorted((ROOT / "rules").glob("*.rules"))
    assert dataclasses.replace(cfg, path=None, packs=None) == dataclasses.replace(
        Config(), output=dataclasses.replace(Config().output, format="text", fail_on="error")
    )
    for key in TOP_KEYS:  # every setting is shown, if only in a comment
        assert f"{key}:" in text
    chinese = sum("\u4e00" <= ch <= "\u9fff" for ch in text.split("thresholds: {}")[0])
    assert (chinese > 100) == (lang == "zh")


def test_template_examples_are_valid(tmp_path, base):
    """The commented-out examples, uncommented in place of the defaults, load too; the
    thresholds it lists are the packs' own constants with their default values."""
    import re

    text = template_text("en")
    for empty in ("severity: {}", "aliases: {}", "thresholds: {}"):
        text = text.replace(empty, empty[:-3])
    text = text.replace("  disable: []\n", "").replace("# calendar: calendar.yaml\n", "")
    text = text.replace("  # - rules/city.rules\n", "")
    lines = []
    for line in text.splitlines():
        m = re.match(r"^(\s+)# (.*)$", line) or re.match(r"^()# (calendar:.*|history:.*|  .*)$", line)
        lines.append(m.group(1) + m.group(2) if m else line)
    text = "\n".join(lines) + "\n"
    data = yaml.safe_load(text)
    assert data["severity"] and data["aliases"] and data["thresholds"] and data["calendar"], text
    cfg = parse_config(text, tmp_path / CONFIG_NAME)
    assert cfg.rules.disable == ["SIX-WINDOW", "DOC-*"]
    assert cfg.aliases == {"受理编号": "case_id", "办结日期": "decided_at"}
    assert cfg.severity == {"SIX-FIRST-CONTACT": "info", "LIC-4*": "critical"}
    defaults = {n: v for info in base.rules.values() for n, v in info.consts.items()}
    assert {"WARN_DAYS", "RED_DAYS", "OVERDUE_MIN_DECIDED", "GRADE_EXCELLENT"} <= set(cfg.thresholds)
    assert {n: defaults.get(n) for n in cfg.thresholds} == cfg.thresholds
    cfg.prepare(base)  # every name is a numeric constant of the standard packs
    assert cfg.output.lang == "zh"
    assert (cfg.history.database, cfg.history.escalate_after) == (str(tmp_path / "audits.db"), 3)


def test_init_refuses_to_overwrite(tmp_path):
    init_config(tmp_path / CONFIG_NAME, "en")
    before = (tmp_path / CONFIG_NAME).read_bytes()
    with pytest.raises(XukeError, match="already exists"):
        init_config(tmp_path / CONFIG_NAME, "zh")
    assert (tmp_path / CONFIG_NAME).read_bytes() == before
    with pytest.raises(XukeError, match="does not exist"):
        init_config(tmp_path / "no" / CONFIG_NAME)
    with pytest.raises(XukeError, match="unknown language"):
        init_config(tmp_path / "other.yaml", "fr")


def test_record_fields_in_docs_are_current():
    """docs/configuration.md lists every record field an alias can map to."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for spec in RECORD_FIELDS:
        assert f"`{spec.name}`" in text, spec.name
    for key in TOP_KEYS:
        assert f"`{key}`" in text


def test_calendar_args_for_worker_processes(tmp_path):
    (tmp_path / "cal.yaml").write_text("holidays: []\n", encoding="utf-8")
    (tmp_path / CONFIG_NAME).write_text("calendar: cal.yaml\n", encoding="utf-8")
    cfg = load_config(tmp_path / CONFIG_NAME)
    assert cfg.calendar_args() == {"calendar_path": str(tmp_path / "cal.yaml"), "calendar_data": None}
    assert cfg.calendar_args("x.yaml") == {"calendar_path": "x.yaml", "calendar_data": None}
    inline = parse_config("calendar: {holidays: [2025-10-09]}")
    assert inline.calendar_args()["calendar_data"] == {"holidays": [__import__("datetime").date(2025, 10, 9)]}
    assert Config().calendar_args() == {"calendar_path": None, "calendar_data": None}
    assert not Config().changes_findings and parse_config("severity: {X-1: info}").changes_findings
