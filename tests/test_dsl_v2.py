"""DSL v2 (DSL.md, "patterns a legal officer can read"): regex constants, phrase lists inside
a regex as `{NAME}`, and `m: X matches /…/` captures that feed the message and the span."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xuke.ir.compiler import compile_rules
from xuke.ir.regexes import RegexProblem, UnknownPlaceholder, compile_regex, expand, placeholders
from xuke.jobs.loader import load
from xuke.lang.diagnostics import DiagnosticError
from xuke.run.runtime import CompiledProgram, Context, input_fact

HEAD = 'pack v2 "v2"\nconst LOCAL = ["本市", "本地", "辖区内"]\nconst REG = /(?:注册|登记)/\n'


def _rule(when: str, message: str = "「{m}」") -> str:
    return (f'rule V2-X "x"\n  severity error\n  cites "c"\nwhen\n  {when}\nthen\n  report c "{message}"\nend\n')


def _load(tmp_path, text):
    path = tmp_path / "v2.rules"
    path.write_text(HEAD + text, encoding="utf-8")
    return load([path])


def _errors(tmp_path, text) -> str:
    with pytest.raises(DiagnosticError) as e:
        _load(tmp_path, text)
    return e.value.render()


def _lint(base, *texts, calendar):
    program = CompiledProgram(compile_rules(base))
    facts = [input_fact("clause", {"file": "a.txt", "line": i + 1, "text": t}, file="a.txt", line=i + 1)
             for i, t in enumerate(texts)]  # fmt: skip
    return program.run_case(facts, Context(calendar, dt.date(2026, 1, 1))).findings


def test_phrase_list_and_regex_constant_expand_in_order(tmp_path, calendar):
    base = _load(tmp_path, "const ONLY = /限{LOCAL}{REG}/\n" + _rule("c: clause(m: text matches ONLY)"))
    found = _lint(base, "第二条 限本市注册企业申请。", "第三条 本市注册企业均可申请。", calendar=calendar)
    assert [(f.line, f.message, f.span) for f in found] == [(1, "「限本市注册」", (4, 9))]


def test_capture_is_what_the_message_quotes_and_the_span(tmp_path, calendar):
    base = _load(tmp_path, _rule("c: clause(text matches /企业/, m: text matches /{LOCAL}户籍/)", "{m}：户籍限制"))
    (f,) = _lint(base, "申请人应当具有辖区内户籍，企业须在本市注册。", calendar=calendar)
    assert f.message == "辖区内户籍：户籍限制"
    assert f.text[f.span[0] : f.span[1]] == "辖区内户籍"  # the capture, not the first `matches`


def test_longest_phrase_wins_whatever_the_order(tmp_path, calendar):
    base = _load(tmp_path, 'const AREA = ["本市", "本市行政区域"]\n' + _rule("c: clause(m: text matches /{AREA}/)"))
    (f,) = _lint(base, "在本市行政区域内注册", calendar=calendar)
    assert f.message == "「本市行政区域」"


def test_quantifiers_and_escaped_braces_are_not_names():
    assert expand(r"a{2}b{0,20}\{LOCAL}", {"LOCAL": ["x"]}) == r"a{2}b{0,20}\{LOCAL}"
    assert placeholders(r"{A}{0,3}\{B}{名单}") == ["A", "名单"]
    assert expand(r"[\p{Han}]{2}\P{Greek}{LOCAL}", {"LOCAL": ["x"]}) == r"[\p{Han}]{2}\P{Greek}(?:x)"


def test_phrases_are_escaped_and_an_empty_list_matches_nothing():
    rx = compile_regex(expand("^{P}$", {"P": ["a.b", "(c)", "d|e"]}))
    assert rx.search("a.b") and rx.search("(c)") and rx.search("d|e")
    assert not rx.search("axb") and not rx.search("d")
    assert compile_regex(expand("{E}", {"E": []})).search("anything") is None


def test_placeholder_errors():
    with pytest.raises(UnknownPlaceholder):
        expand("{NOPE}", {})
    with pytest.raises(RegexProblem):
        expand("{D}", {"D": dt.date(2025, 1, 1)})
    with pytest.raises(RegexProblem):
        expand("{N}", {"N": [1, 2]})


@pytest.mark.parametrize("text, message", [
    (_rule("c: clause(m: text matches /限{LOCALS}/)"), "unknown constant `{LOCALS}` in regex"),
    (_rule("c: clause(m: text matches /限{LOCALS}/)"), "did you mean `LOCAL`?"),
    (_rule('c: clause(m: kind == "规范性文件")'), "`m:` inside a pattern names the words a regex matched"),
    (_rule("c: clause(m: text matches /a/, text matches m)"), "`m` names the words a regex matched"),
    (_rule("c: clause(text matches /a/)\n  not clause(m: text matches /b/)", "x"), "inside `not`"),
    (_rule("c: clause(m: text matches /a/, m: text matches /b/)"), "`m` is already captured"),
    (_rule("c: clause(text: text matches /a/)"), "`text` is already a field"),
    (_rule("c: clause(LOCAL: text matches /a/)"), "`LOCAL` is already a constant"),
    ("const BAD = /({LOCAL}/\n" + _rule("c: clause(m: text matches BAD)"), "missing )"),
])  # fmt: skip
def test_check_errors(tmp_path, text, message):
    assert message in _errors(tmp_path, text)


def test_old_packs_keep_working(tmp_path, calendar):
    # v1 forms: a literal regex, match() in the message, the first `matches` as the span
    base = _load(tmp_path, _rule("c: clause(text matches /须经.{0,20}审批/)", "「{match(c.text, /须经.{0,20}审批/)}」"))
    (f,) = _lint(base, "设立站点须经区城管部门审批。", calendar=calendar)
    assert f.message == "「须经区城管部门审批」" and f.span == (4, 13)


@given(st.lists(st.text(alphabet="本市地区辖内.()|*+?[]{}\\^$", min_size=1, max_size=6), min_size=1, max_size=5),
       st.text(alphabet="本市地区辖内.()|*+?[]{}\\^$x", max_size=12))  # fmt: skip
def test_a_phrase_list_matches_exactly_its_phrases(phrases, text):
    rx = compile_regex(expand("{P}", {"P": phrases}))
    m = rx.search(text)
    assert (m is not None) == any(p in text for p in phrases)
    if m is not None:
        assert m.group(0) in phrases
