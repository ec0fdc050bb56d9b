"""The rule language end to end: DSL.md examples, the standard packs, and a table of bad
programs with the exact FILE:LINE:COL and message expected."""
import re
import subprocess
import sys

import pytest
from conftest import ROOT, shared_dir
from xuke.jobs.loader import load
from xuke.lang.diagnostics import DiagnosticError
from xuke.lang.syntax import parse


def dsl_blocks():
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/DSL.md not found")
    return re.findall(r"```\n(.*?)```", (shared / "DSL.md").read_text(encoding="utf-8"), re.S)


def test_every_dsl_example_parses_and_checks_byte_for_byte(tmp_path):
    blocks = dsl_blocks()
    assert len(blocks) == 3
    # the header block declares what the rule block uses; the summary block stands alone
    (tmp_path / "licensing_law.rules").write_text(blocks[0] + "\n" + blocks[1], encoding="utf-8")
    (tmp_path / "dept.rules").write_text('pack dept "x"\n' + blocks[2], encoding="utf-8")
    (tmp_path / "common.rules").write_text('pack common "common"\n', encoding="utf-8")
    base = load([tmp_path])
    assert set(base.rules) == {"LIC-32-NOTICE-LATE", "DEPT-OVERDUE-RATE"}
    assert base.rules["DEPT-OVERDUE-RATE"].phase == "summary"
    for block in blocks:
        parse(block, "block.rules")


def test_standard_packs_check():
    base = load([ROOT / "rules"])
    assert len([r for r in base.rules.values() if r.rule.reports]) >= 24


def test_chinese_keywords_parse_to_the_same_ast():
    en = parse('pack p "t"\nrule A-1 "x"\n  severity error\n  cites "c"\nwhen\n  r: record(a > 1 and not b)\n'
               'then\n  report r "m"\nend\n')
    zh = parse('规则包 p "t"\n规则 A-1 "x"\n  级别 错误\n  依据 "c"\n当\n  r: record(a > 1 且 非 b)\n'
               '则\n  报告 r "m"\n结束\n')
    assert en == zh


BAD = [
    ("rule lic-1 \"x\"\nwhen r: record()\nthen report r \"a\"\nend\n", "1:6", "unexpected name `lic`"),
    ('pack p "p"\nrule A "x" severity error cites "c" when r: record(a > ) then report r "x" end\n',
     "2:56", "unexpected `)`"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record(recieved_at > 2025-01-01)\n'
     'then\n  report r "x"\nend\n', "6:13", "unknown field `recieved_at` of `record`"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record(received_at > "2025")\n'
     'then\n  report r "x"\nend\n', "6:25", "cannot order a date against text with `>`"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record(case_id + 1 > 2)\n'
     'then\n  report r "x"\nend\n', "6:21", "arithmetic (`+`) on text"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record(workdays(received_at) > 1)\n'
     'then\n  report r "x"\nend\n', "6:13", "workdays() takes 2 arguments, 1 given"),
    ('pack p "p"\nrule A "x"\nwhen\n  r: record()\nthen\n  report r "x"\nend\n', "2:6",
     "rule `A` reports findings but cites no legal basis"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record(window matches /(a)\\1/)\n'
     'then\n  report r "x"\nend\n', "6:28", "invalid regex"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record()\nthen\n  report r "{r}"\nend\n',
     "8:14", "`{r}` is a whole fact"),
    ('pack p "p"\nimport nosuch\n', "2:8", "unknown pack `nosuch` in import"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record()\nthen\n  report r "x"\n'
     'examples\n  violates record(case_idd: "A")\nend\n', "10:19", "`record` has no field `case_idd`"),
    ('pack p "p"\nfact d(case_id: text)\nrule A "x"\nwhen\n  r: record()\n  not finding(rule == "B")\n'
     'then\n  assert d(case_id: r.case_id)\nend\nrule B "y"\n  severity error\n  cites "c"\nwhen\n'
     '  r: record()\n  not d(case_id == r.case_id)\nthen\n  report r "x"\nend\n', "6:3", "negation cycle"),
    ('pack p "p"\nrule A "x"\n  severity error\n  cites "c"\nwhen\n  r: record(decided_at == null)\n'
     'then\n  report r "x"\nend\n', "6:24", "`== null` is never true"),
    # durable_rules leaves a rule's own bound facts out of its `not` tests (see checker)
    ('pack p "p"\nfact m(case_id: text, src: text)\nrule A "x"\n  severity error\n  cites "c"\nwhen\n'
     '  r: record()\n  k: m(case_id == r.case_id)\n  not m(src == "D")\nthen\n  report r "x"\nend\n', "9:7",
     "`not m(...)` in a rule that also matches `m`"),
]


@pytest.mark.parametrize("source,where,message", BAD)
def test_bad_programs(tmp_path, source, where, message):
    path = tmp_path / "bad.rules"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(DiagnosticError) as info:
        load([path])
    heads = [d.headline() for d in info.value.diagnostics]
    assert any(f"bad.rules:{where}: error: {message}" in h for h in heads), heads


def test_several_errors_are_reported_in_one_run(tmp_path):
    path = tmp_path / "bad.rules"
    path.write_text('pack p "p"\nrule A "x"\nwhen\n  r: record(nope > 1, nada > 2)\nthen\n  report r "x"\nend\n'
                    'rule A "y"\nwhen r: record()\nthen report r "y"\nend\n', encoding="utf-8")
    with pytest.raises(DiagnosticError) as info:
        load([path])
    text = info.value.render()
    assert "unknown field `nope`" in text and "unknown field `nada`" in text
    assert "duplicate rule id `A`" in text and "first defined here" in text
    assert "^" in text  # a caret under the spot


def test_check_prints_no_traceback(tmp_path):
    path = tmp_path / "bad.rules"
    path.write_text('pack p "p"\nrule A "x" when r: record(a > ) then report r "x" end\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "bad.rules:2:" in proc.stderr and "^" in proc.stderr


def test_check_usage_error_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(tmp_path / "missing")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no such file" in proc.stderr


def test_a_join_the_engine_cannot_evaluate_is_reported_by_check(tmp_path):
    path = tmp_path / "bad.rules"
    path.write_text('pack p "p"\nfact e(case_id: text, days: int)\nrule A "x"\n  severity error\n  cites "c"\nwhen\n'
                    '  r: record()\n  e: e(case_id == r.case_id, days - r.transfers > 3)\nthen\n  report r "x"\nend\n',
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(DiagnosticError) as info:
        load([path])
    assert "bad.rules:8:" in info.value.render() and "cannot evaluate this join" in info.value.render()


def test_template_holes_keep_regexes_whole(tmp_path):
    # a `{m,n}` and a backslash class inside a regex inside a template hole
    prog = parse('pack p "p"\nrule A "x"\n  severity info\n  cites "c"\nwhen\n  c: clause()\nthen\n'
                 '  report c "[{match(c.text, /a{1,2}\\s+b/)}] {c.line / 2}"\nend\n')  # fmt: skip
    parts = prog.rules[0].then[0].template.parts
    assert parts[1].args[1].pattern == "a{1,2}\\s+b"
    assert parts[3].op == "/"  # and division is still division
