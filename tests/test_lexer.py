from pathlib import Path

import pytest
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, Punctuation, String
from xuke.lang.keywords import ZH_KEYWORDS
from xuke.lang.lexer import XukeLexer, all_keywords, highlight_snippet

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = """pack city "某市规则" version "2025-12"
import common
const PROMISE_MAX_PERCENT = 50   # 承诺时限上限
fact promise(case_id: text, ratio: decimal)

rule CITY-PROMISE-HALF "承诺时限超过法定时限的一半"
  severity warning
  cites "某市优化营商环境若干措施第五条"
when
  r: record(promised_limit_days is not null, promised_limit_days * 100 > legal_limit_days * PROMISE_MAX_PERCENT,
            item_name matches /食品.{0,4}许可/, not (window in ["A", "B"]))
  not finding(rule == "LIC-42-OVERDUE", case_id == r.case_id)
then
  report r "承诺 {r.promised_limit_days} 日，{{法定}} {coalesce(r.window, \\"（无）\\")} 日"
examples
  violates record(case_id: "A1", received_at: 2025-03-03, legal_limit_days: 20, promised_limit_days: 15) as_of 2025-12-31
  passes   record(case_id: "A2", received_at: 2025-03-03, fee_amount: 1.5)
end
"""

ZH_SAMPLE = """规则包 城市 "某市规则"
引入 common
常量 上限 = 10
规则 CITY-ZH "中文关键字"
  级别 警告
  依据 "某市规定"
当
  r: record(transfers > 上限 且 非 (handler is null) 或 应当听证 == true)
则
  报告 r "转办 {r.transfers} 次"
示例
  违反 record(case_id: "A1", received_at: 2025-03-03, transfers: 11)
  通过 record(case_id: "A2", received_at: 2025-03-03, transfers: 1) 截至 2025-03-04
结束
"""


def _tokens(text):
    return [(t, v) for t, v in XukeLexer().get_tokens(text) if v.strip()]


def _of(text, value):
    return [t for t, v in _tokens(text) if v == value]


def test_round_trip_and_no_errors_on_the_standard_packs():
    lexer = XukeLexer()
    files = sorted((ROOT / "rules").glob("*.rules"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        tokens = list(lexer.get_tokens(text))
        assert "".join(v for _, v in tokens) == text if text.endswith("\n") else text + "\n"
        assert not [v for t, v in tokens if t is Error], path


def test_english_sample():
    toks = _tokens(SAMPLE)
    assert ("Token.Keyword.Namespace", "pack") in [(str(t), v) for t, v in toks]
    assert _of(SAMPLE, "city") == [Name.Namespace]
    assert _of(SAMPLE, "common") == [Name.Namespace]
    assert _of(SAMPLE, "PROMISE_MAX_PERCENT") == [Name.Constant, Name.Constant]
    assert _of(SAMPLE, "promise") == [Name.Class]
    assert _of(SAMPLE, "CITY-PROMISE-HALF") == [Name.Label]
    assert _of(SAMPLE, "warning") == [Name.Builtin.Pseudo]
    for kw in ("severity", "cites", "when", "then", "examples", "end", "report"):
        assert _of(SAMPLE, kw) and all(t in Keyword for t in _of(SAMPLE, kw)), kw
    assert _of(SAMPLE, "violates") == [Keyword.Pseudo] and _of(SAMPLE, "as_of") == [Keyword.Pseudo]
    assert set(_of(SAMPLE, "is")) == {Operator.Word} and set(_of(SAMPLE, "not")) == {Operator.Word}
    assert _of(SAMPLE, "null") == [Keyword.Constant]
    assert _of(SAMPLE, "/食品.{0,4}许可/") == [String.Regex]
    assert _of(SAMPLE, "2025-03-03") == [Literal.Date, Literal.Date]
    assert _of(SAMPLE, "50") == [Number.Integer] and _of(SAMPLE, "1.5") == [Number.Float]
    assert _of(SAMPLE, "# 承诺时限上限") == [Comment.Single]
    assert _of(SAMPLE, "record") == [Name.Builtin] * 3 and _of(SAMPLE, "finding") == [Name.Builtin]
    assert _of(SAMPLE, "coalesce") == [Name.Builtin]
    assert Name.Attribute in _of(SAMPLE, "promised_limit_days")
    assert _of(SAMPLE, "*") == [Operator, Operator] and Operator in _of(SAMPLE, "==")


def test_template_holes():
    toks = _tokens(SAMPLE)
    line = next(i for i, (_, v) in enumerate(toks) if v == "承诺 ")
    assert toks[line + 1 : line + 6] == [
        (String.Interpol, "{"), (Name, "r"), (Punctuation, "."), (Name.Attribute, "promised_limit_days"),
        (String.Interpol, "}"),
    ]  # fmt: skip
    assert (String.Escape, "{{") in toks and (String.Escape, "}}") in toks
    assert (String.Double, '\\"（无）\\"') in toks  # a string inside a hole
    # the template closes where it should: the next line starts with a keyword
    after = [v for _, v in toks[toks.index((String.Double, '\\"（无）\\"')) :]]
    assert "examples" in after


def test_division_is_not_a_regex():
    toks = _tokens('rule X "t"\nwhen\n  r: record(fee_amount / 2 > days / 3)\nthen\nend\n')
    assert [t for t, v in toks if v == "/"] == [Operator, Operator]


def test_chinese_keywords():
    toks = _tokens(ZH_SAMPLE)
    assert not [v for t, v in toks if t is Error]
    words = {v: t for t, v in toks}
    assert words["规则包"] is Keyword.Namespace and words["城市"] is Name.Namespace
    assert words["常量"] is Keyword.Declaration and _of(ZH_SAMPLE, "上限")[0] is Name.Constant
    assert words["规则"] is Keyword.Declaration and words["CITY-ZH"] is Name.Label
    for kw in ("级别", "依据", "当", "则", "示例", "结束", "报告"):
        assert words[kw] in Keyword, kw
    assert words["警告"] is Name.Builtin.Pseudo
    assert (
        words["违反"] is Keyword.Pseudo
        and words["通过"] is Keyword.Pseudo
        and words["截至"] is Keyword.Pseudo
    )
    assert words["且"] is Operator.Word and words["非"] is Operator.Word and words["或"] is Operator.Word
    # a name that merely contains a keyword (当 in 应当) stays a name
    assert words["应当听证"] is Name


def test_every_chinese_keyword_is_known():
    assert set(ZH_KEYWORDS) <= all_keywords()
    assert set(ZH_KEYWORDS.values()) <= all_keywords()


def test_keywords_are_whole_words():
    toks = _tokens(
        'rule X "t"\nwhen\n  r: record(notice_days > 1, ending == 2, is_open == true)\nthen\nend\n'
    )
    words = {v: t for t, v in toks}
    assert words["notice_days"] is Name and words["ending"] is Name and words["is_open"] is Name


def test_filename_and_guess():
    from pygments.lexers import find_lexer_class_for_filename

    assert XukeLexer.name == "xuke" and "xuke-rules" in XukeLexer.aliases
    assert XukeLexer.analyse_text(SAMPLE) > 0.5
    assert XukeLexer.analyse_text("def f():\n    return 1\n") == 0
    cls = find_lexer_class_for_filename("rules/city.rules", SAMPLE)
    if cls is None or cls.__name__ != "XukeLexer":
        pytest.skip("the pygments.lexers entry point is not installed yet")


def test_registered_as_a_pygments_plugin():
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name("xuke")
    except ClassNotFound:
        pytest.skip("the pygments.lexers entry point (xuke = xuke.lang.lexer:XukeLexer) is not installed yet")
    assert type(lexer).__name__ == "XukeLexer"
    assert type(get_lexer_by_name("xuke-rules")).__name__ == "XukeLexer"


def test_highlight_snippet_renders_the_lines_asked_for():
    from rich.console import Console

    syntax = highlight_snippet(SAMPLE, 6, 8, highlight_lines={7})
    console = Console(record=True, width=120, color_system="truecolor", force_terminal=True)
    console.print(syntax)
    plain = console.export_text(clear=False)
    assert "CITY-PROMISE-HALF" in plain and "severity warning" in plain and "cites" in plain
    assert "pack city" not in plain and "when" not in plain
    assert " 6 " in plain and " 8 " in plain  # numbered as in the file
    assert "\x1b[" in console.export_text(styles=True)  # coloured
    # out-of-range lines are clamped, never an error
    Console(file=None, record=True).print(highlight_snippet(SAMPLE, 0, 10_000))
    Console(record=True).print(highlight_snippet("", 3))
