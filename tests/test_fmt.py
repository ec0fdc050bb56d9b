"""The formatter: round trips on random programs (both keyword surfaces, with random comments
and layouts), DSL.md's examples, comments, long patterns, Chinese names and precedence."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
import strategies as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xuke.lang import ast as A
from xuke.lang.fmt import check_formatted, format_expr, format_program, format_source
from xuke.lang.syntax import parse, parse_expr

# XUKE_FMT_EXAMPLES=5000 for a longer soak; the default keeps the file under ~15 s
EXAMPLES = int(os.environ.get("XUKE_FMT_EXAMPLES", "200"))
PROPS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def texts_of(program: A.Program) -> list[str]:
    return [c[2] for c in program.comments]


# ---- properties over generated programs ----


@PROPS
@given(S.programs())
def test_parse_of_format_is_the_program(program):
    text = format_program(program)
    assert parse(text) == program


@PROPS
@given(S.programs())
def test_format_is_idempotent(program):
    text = format_program(program)
    assert format_program(parse(text)) == text
    assert check_formatted(text)


@PROPS
@given(S.programs())
def test_chinese_surface_round_trips(program):
    zh = format_program(program, "zh")
    reparsed = parse(zh)
    assert reparsed == program
    assert format_program(reparsed, "zh") == zh
    assert parse(format_program(reparsed, "en")) == program
    if program.pack is not None:  # the file's own surface is kept by default
        assert format_program(reparsed) == zh


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(S.exprs(max_leaves=12))
def test_expressions_round_trip_with_minimal_parentheses(expr):
    text = format_expr(expr)
    assert parse_expr(text) == expr
    assert parse_expr(format_expr(expr, "zh")) == expr


def _comment_text():
    chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
    return st.text(alphabet=chars, max_size=8)


@st.composite
def commented_sources(draw):
    """A generated program printed, then re-laid out at random (lines joined, indentation
    changed, blank lines added) with own-line and trailing comments sprinkled in."""
    program = draw(S.programs(max_statements=4))
    text = format_program(program, draw(st.sampled_from(["en", "zh"])))
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    out: list[str] = []
    comments: list[str] = []
    current: str | None = None

    def comment() -> str:
        c = f"# c{len(comments)} {draw(_comment_text())}".rstrip()
        comments.append(c)
        return c

    def flush():
        nonlocal current
        if current is not None:
            out.append(current)
            current = None

    for line in lines:
        if draw(st.integers(0, 5)) == 0:
            flush()
            if draw(st.integers(0, 3)) == 0:
                out.append("")
            out.append(" " * draw(st.integers(0, 4)) + comment())
        if current is not None and draw(st.integers(0, 3)) == 0:
            current += " " + line
        else:
            flush()
            current = " " * draw(st.integers(0, 4)) + line
        if draw(st.integers(0, 4)) == 0:
            current += " " * draw(st.integers(1, 3)) + comment()
            flush()
    flush()
    if draw(st.booleans()):
        out.append(comment())
    return program, "\n".join(out) + "\n", comments


@PROPS
@given(commented_sources(), st.sampled_from([None, "en", "zh"]))
def test_comments_survive_any_layout(case, keywords):
    program, source, comments = case
    parsed = parse(source)
    assert parsed == program
    assert texts_of(parsed) == comments
    text = format_program(parsed, keywords)
    again = parse(text)
    assert again == program
    assert texts_of(again) == comments  # every comment, in order
    assert format_program(again, keywords) == text


# ---- DSL.md ----


def _dsl_md() -> Path | None:
    candidates = [os.environ.get("XUKE_SHARED"), Path(__file__).resolve().parents[2] / "shared"]
    for c in candidates:
        if c and (Path(c) / "DSL.md").is_file():
            return Path(c) / "DSL.md"
    return None


def dsl_blocks() -> list[str]:
    path = _dsl_md()
    if path is None:
        pytest.skip("shared/DSL.md not found (set XUKE_SHARED)")
    return re.findall(r"```\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_every_dsl_block_formats_to_the_same_ast():
    blocks = dsl_blocks()
    assert blocks
    for block in blocks:
        original = parse(block, "block.rules")
        for keywords in (None, "en", "zh"):
            text = format_source(block, "block.rules", keywords)
            again = parse(text, "block.rules")
            assert again == original
            assert texts_of(again) == texts_of(original)
            assert format_source(text, "block.rules") == text


def test_dsl_rule_in_chinese_keywords():
    rule = next(b for b in dsl_blocks() if "LIC-32-NOTICE-LATE" in b)
    lines = format_source(rule, keywords="zh").split("\n")
    assert lines[0] == '规则 LIC-32-NOTICE-LATE "补正告知超过五日"'
    assert lines[1] == "  级别 错误  # critical | error | warning | info"
    assert (
        lines[2]
        == '  依据 "《行政许可法》第三十二条第一款第（四）项"  # one or more strings, comma-separated'
    )
    assert lines[3] == '  标签 "一次性告知制", "四个不准"  # optional'
    assert lines[4] == "当"
    assert lines[6] == "则"
    assert lines[7] == "  推出 deemed_accepted(case_id: r.case_id, on: r.received_at)"
    assert lines[9] == "示例"
    assert lines[10].startswith('  违反 record(case_id: "A1", ')
    assert lines[11].startswith('  通过 record(case_id: "A2", ')
    assert lines[12:] == ["结束", ""]


def test_dsl_header_in_chinese_keywords():
    header = next(b for b in dsl_blocks() if b.startswith("pack"))
    text = format_source(header, keywords="zh")
    assert text.startswith('规则包 licensing_law "《中华人民共和国行政许可法》审查规则" 版本 "2019-04-23"\n')
    assert "引入 common  # another pack, found on the rule path\n" in text
    assert "常量 NOTICE_DAYS = 5  # a named constant" in text
    assert "事实 deemed_accepted(case_id: text, on: date)  # a derived fact type\n" in text


# ---- layout ----

RULE = """rule A-1 "t"
  tags "x"   # tags
  severity error
  cites "c"
when
  r: record(a == 1)
then
  report r "m"
end
"""


def test_canonical_layout():
    source = """pack p "title" version "1"
import a
import b
const X = 1
const Y = [1, 2]
fact f(a: text, b: int)
summary s by department
  n = count(record(decided_at is not null))
end
rule A-1 "t" severity error cites "c1", "c2" tags "t" when r: record(a == 1) not f(a == r.a) then
 assert f(a: r.a, b: 1) report r "x {r.a}" examples violates record(a: 1) passes record(a: 2), f(a: "x") as_of 2025-12-31 end
"""
    expected = """pack p "title" version "1"

import a
import b

const X = 1
const Y = [1, 2]

fact f(a: text, b: int)

summary s by department
  n = count(record(decided_at is not null))
end

rule A-1 "t"
  severity error
  cites "c1", "c2"
  tags "t"
when
  r: record(a == 1)
  not f(a == r.a)
then
  assert f(a: r.a, b: 1)
  report r "x {r.a}"
examples
  violates record(a: 1)
  passes   record(a: 2), f(a: "x") as_of 2025-12-31
end
"""
    assert format_source(source) == expected
    assert check_formatted(expected)
    assert not check_formatted(source)


def test_rule_meta_is_reordered_with_its_comments():
    assert format_source(RULE).split("\n")[1:4] == [
        "  severity error",
        '  cites "c"',
        '  tags "x"  # tags',
    ]


def test_long_pattern_breaks_one_constraint_per_line():
    source = (
        'rule A "t"\nwhen\n'
        "  r: record(supplement_notices >= 1, workdays(received_at, first_notice_at) > NOTICE_DAYS, "
        'decided_at is not null)\nthen\n  report r "m"\nend\n'
    )
    lines = format_source(source).split("\n")
    assert lines[2:5] == [
        "  r: record(supplement_notices >= 1,",
        "            workdays(received_at, first_notice_at) > NOTICE_DAYS,",
        "            decided_at is not null)",
    ]
    # a short pattern written over several lines is joined
    short = 'rule A "t"\nwhen\n  r: record(a == 1,\n    b == 2)\nthen\n  report r "m"\nend\n'
    assert format_source(short).split("\n")[2] == "  r: record(a == 1, b == 2)"


def test_long_pattern_with_chinese_binding_aligns_by_display_width():
    cons = ", ".join(f"受理日期{i} is not null" for i in range(5))
    source = f'rule A "t"\nwhen\n  办件: record({cons})\nthen\n  report 办件 "m"\nend\n'
    lines = format_source(source).split("\n")
    assert lines[2] == "  办件: record(受理日期0 is not null,"
    assert lines[3] == " " * 15 + "受理日期1 is not null,"  # 2 + 办件 (4 columns) + ": record(" (9)
    assert format_source("\n".join(lines)) == "\n".join(lines)


def test_long_assert_breaks_like_a_pattern():
    common = Path(__file__).resolve().parents[1] / "rules" / "common.rules"
    text = format_source(common.read_text(encoding="utf-8"))
    assert "  assert case_elapsed(case_id: r.case_id,\n" in text
    assert "                      unit: \"工作日\")\n" in text


def test_chinese_identifiers_and_keywords_are_spaced():
    source = """规则包 审核 "审核"

事实 已受理(办件编号: text, 受理日期: date)

规则 ZH-1 "受理日期未填"
  级别 警告
  依据 "第三十一条"
当
  办件: record(受理日期 is null 且 非 材料齐全)
  非 已受理(办件编号 == 办件.case_id)
则
  推出 已受理(办件编号: 办件.case_id, 受理日期: 办件.received_at)
  报告 办件 "办件 {办件.case_id} 未填受理日期"
结束
"""
    program = parse(source)
    assert format_source(source) == source
    en = format_source(source, keywords="en")
    assert "  办件: record(受理日期 is null and not 材料齐全)\n" in en
    assert "  not 已受理(办件编号 == 办件.case_id)\n" in en
    assert parse(en) == program
    # names that merely start with a keyword stay names
    assert parse("const 当事人 = 非法").statements[0] == A.Const("当事人", A.Name("非法"))
    assert format_source("const 当事人 = 非法\n", keywords="zh") == "常量 当事人 = 非法\n"


def test_keyword_like_field_names():
    source = 'rule A "t"\nwhen\n  f: finding(rule == "X", severity == "error", notice > 1)\nthen\n  report f "m"\nend\n'
    assert format_source(source) == source
    assert parse(format_source(source, keywords="zh")) == parse(source)


def test_surface_is_kept_and_guessed_without_a_pack():
    zh = '规则 A "t"\n当\n  r: record(a 非 in [1] 或 b is 非 null)\n则\n  报告 r "m"\n结束\n'
    canonical = zh.replace("非 in", "not in").replace("is 非 null", "is not null")
    # no pack header: the first keyword decides; `not in` and `is not null` are English phrases
    assert format_source(zh) == canonical
    assert format_source(zh, keywords="en").split("\n")[2] == "  r: record(a not in [1] or b is not null)"
    assert parse(canonical) == parse(zh)


# ---- comments ----


def test_comments_keep_their_place():
    source = """# file header
pack p "t"   # after pack

# before the rule
rule A "t"  # after the header
  severity error  # after severity
  cites "c"
  # before when
when  # on when
  # before the pattern
  r: record(a == 1,  # after the first constraint
            b == 2)  # after the pattern
then
  report r "m"
  # before end
end
# at the end
"""
    expected = """# file header
pack p "t"  # after pack

# before the rule
rule A "t"  # after the header
  severity error  # after severity
  cites "c"
# before when
when  # on when
  # before the pattern
  r: record(a == 1,  # after the first constraint
            b == 2)  # after the pattern
then
  report r "m"
# before end
end

# at the end
"""
    text = format_source(source)
    assert text == expected
    assert texts_of(parse(text)) == texts_of(parse(source))
    assert format_source(text) == text


def test_comment_inside_a_construct_printed_on_one_line_moves_before_it():
    source = "const X = [1,  # one\n  2,  # two\n  3]  # three\n"
    assert format_source(source) == "# one\n# two\nconst X = [1, 2, 3]  # three\n"


def test_comment_only_file_and_empty_file():
    assert format_source("# only\n\n# comments\n") == "# only\n# comments\n"
    assert format_source("") == ""


def test_hash_inside_strings_and_regexes_is_not_a_comment():
    source = 'const X = "#1"\nconst R = /#\\d+/  # real\n'
    assert format_source(source) == source
    assert texts_of(parse(source)) == ["# real"]


# ---- expressions ----


@pytest.mark.parametrize(
    "text",
    [
        "a - (b - c)",
        "a / (b * c)",
        "a - b - c",
        "(a or b) and c",
        "a or b and c",
        "not (a and b)",
        "not a == b",
        "-(a + b)",
        "(a + b).x",
        "(-5).x",
        "a - -5",
        "- -a",
        "(a is null) == true",
        "(a == b) in [true]",
        "a not in [1, 2]",
        "x.y.z",
        "f(a, g(b)).c",
        "a matches /须经.{0,20}审批/",
        'a contains "x"',
        "d >= 2025-03-03 and n * 100 > m * 5",
        "not not a",
        "(not a) is null",
        "(a or b) + 1",
    ],
)
def test_minimal_parentheses(text):
    assert format_expr(parse_expr(text)) == text


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("((a))", "a"),
        ("(a * b) + c", "a * b + c"),
        ("a and (b and c)", "a and (b and c)"),
        ("(a and b) and c", "a and b and c"),
        ("not (a == b)", "not a == b"),
        ("-(5)", "-5"),
        ("1.50", "1.50"),
        ("0.0000001", "0.0000001"),
        ('"a\\"b\\\\c\\nd"', '"a\\"b\\\\c\\nd"'),
        ("/a\\/b/", "/a\\/b/"),
        ("[1,2,]", "[1, 2]"),
    ],
)
def test_canonical_expressions(text, canonical):
    assert format_expr(parse_expr(text)) == canonical
    assert parse_expr(canonical) == parse_expr(text)


def test_literals_printed_from_hand_made_asts():
    assert format_expr(A.Literal(Decimal("1E-7"), "decimal")) == "0.0000001"
    assert format_expr(A.Literal(Decimal("1E+2"), "decimal")) == "100.0"
    assert format_expr(A.Regex("a/b")) == "/a\\/b/"
    assert format_expr(A.Binary("and", A.Name("a"), A.Name("b")), "zh") == "a 且 b"
    assert format_expr(A.Unary("not", A.Name("a")), "zh") == "非 a"


def test_template_braces_and_escapes():
    source = (
        'rule A "t"\nwhen\n  r: record()\nthen\n  report r "{{literal}} {r.a + 1} \\"q\\" \\\\ {{"\nend\n'
    )
    text = format_source(source)
    assert 'report r "{{literal}} {r.a + 1} \\"q\\" \\\\ {{"' in text
    assert parse(text) == parse(source)


def test_string_literal_inside_a_template_hole():
    source = r"""rule A "t"
when
  r: record()
then
  report r "{coalesce(r.x, \"无}\\\\\")}"
end
"""
    assert format_source(source) == source
    hole = parse(source).rules[0].then[0].template.parts[0]
    assert hole == A.Call("coalesce", (A.Attr(A.Name("r"), "x"), A.Literal("无}\\", "text")))


def test_quote_inside_a_string_inside_a_template_hole():
    template = A.Template(("a ", A.Call("coalesce", (A.Name("x"), A.Literal('a "quote', "text")))))
    program = A.Program("<t>", None, (A.Rule("A", "t", None, (), (), (A.Pattern("match", "r", "record", ()),),
                                             (A.Report("r", template),), ()),))  # fmt: skip
    assert parse(format_program(program)) == program


def test_bad_keywords_argument():
    with pytest.raises(ValueError):
        format_source("", keywords="fr")


# ---- docs/language.md ----

LANGUAGE_MD = Path(__file__).resolve().parents[1] / "docs" / "language.md"


def language_blocks() -> list[str]:
    return re.findall(r"```xuke\n(.*?)```", LANGUAGE_MD.read_text(encoding="utf-8"), re.S)


def test_language_reference_examples_are_canonical():
    blocks = language_blocks()
    assert len(blocks) >= 8
    for block in blocks:
        parse(block, "language.md")
        assert check_formatted(block, "language.md"), block


def test_language_reference_chinese_pack_checks_and_its_examples_pass(tmp_path, calendar):
    from xuke.jobs.loader import load
    from xuke.jobs.testing import run_examples

    pack = next(b for b in language_blocks() if b.startswith("规则包"))
    (tmp_path / "demo.rules").write_text(pack, encoding="utf-8")
    base = load([tmp_path / "demo.rules"])
    results = [r for r in run_examples(base, calendar) if r.rule.startswith("DEMO-")]
    assert len(results) >= 8
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert parse(format_source(pack, keywords="en")) == parse(pack)


def test_language_reference_names_every_function_and_keyword():
    from xuke.ir.functions import FUNCTIONS
    from xuke.lang.keywords import ZH_KEYWORDS

    text = LANGUAGE_MD.read_text(encoding="utf-8")
    missing = [name for name in FUNCTIONS if f"`{name}(" not in text]
    assert not missing, f"document these functions in docs/language.md: {missing}"
    for zh, en in ZH_KEYWORDS.items():
        assert f"| `{en}` | `{zh}` |" in text
