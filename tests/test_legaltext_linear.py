"""The built-in text analysis of `lint` takes time linear in the length of a line (B13).

The patterns of engine/domain/legaltext.py and engine/domain/numerals.py run on Python's backtracking
`re`, and the helpers call them at many points of a clause. Each check times the same work
on adversarial lines of growing length, each 4 times the last, up to 20,000 characters, and
wants about 4 times the time at each step, not the 16 of a quadratic scan: a ratio, so that
a slow machine does not fail it. The time is the CPU time of this process, best of 3, so that
other processes on a busy machine do not count (wall-clock runs of a few milliseconds come
out several times too long whenever the scheduler lets another process run), and a
millisecond of slack absorbs the noise of very short runs. Starting short makes a
super-linear case fail in seconds rather than run for hours on the long line.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.domain import legaltext, numerals
from xuke.sources import documents

SIZES = [78, 312, 1_250, 5_000, 20_000]
RATIO = 8  # linear is 4, quadratic 16
SLACK = 0.001  # seconds


def _seconds(work, arg) -> float:
    started = time.process_time()
    work(arg)
    return time.process_time() - started


def assert_linear(work, make, what: str) -> None:
    """`work(make(n))` takes at most RATIO times `work(make(n / 4))`, best of 3 each."""
    base = min(_seconds(work, make(SIZES[0])) for _ in range(3))
    for short, long in zip(SIZES, SIZES[1:]):
        text, bound = make(long), RATIO * base + SLACK
        runs = [_seconds(work, text)]
        while runs[-1] > bound and len(runs) < 3:
            runs.append(_seconds(work, text))
        if min(runs) > bound:
            pytest.fail(f"{what}: {min(runs):.4f} s at {long} characters, {base:.4f} s at {short}")
        if long != SIZES[-1]:  # the next step's base: best of 3
            base = min(runs + [_seconds(work, text) for _ in range(3 - len(runs))])


# -- every module-level pattern, on runs of its own characters --------------------------

PATTERNS = [
    (f"{module.__name__}.{name}", value)
    for module in (legaltext, numerals)
    for name, value in vars(module).items()
    if isinstance(value, re.Pattern)
]
# The characters a pattern can repeat over: its classes (a negated one also by an "x"),
# characters under a quantifier, and stand-ins for \s and \d; with blanks, digits, numerals,
# title marks and line ends, which every pattern here meets in a draft.
_CLASS = re.compile(r"\[(\^?)((?:\\.|[^\]\\])+)\]")
_QUANTIFIED = re.compile(r"(?<![\\(])([^\\()\]}])(?:[*+?]|\{\d*,?\d*\})")
_ESCAPES = {"s": " \u3000", "d": "1１", "n": "\n"}
_ALWAYS = " 1一《》\n"
# Openings that lead into a run: a title, an article, a day count, list markers, a ban.
MOTIFS = "《行政许可法》 《行政许可法 第一条 第1条第1款第（1 （1） 一、 1. 1, 5 5个 不得 以".split()
RUNS = [" ", "1", "一"]
_UNBOUNDED = re.compile(r"[*+]|\{\d*,\}")


def _alphabet(pattern: re.Pattern) -> str:
    source = pattern.pattern
    chars = set(_ALWAYS)
    for m in _CLASS.finditer(source):
        body = re.sub(r"\\(.)", lambda e: _ESCAPES.get(e.group(1), e.group(1)), m.group(2))
        chars.update(body)
        if m.group(1):
            chars.add("x")
    chars.update(m.group(1) for m in _QUANTIFIED.finditer(source))
    for letter, stand_ins in _ESCAPES.items():
        if "\\" + letter in source:
            chars.update(stand_ins)
    return "".join(sorted(chars))


def _shapes(pattern: re.Pattern) -> list[tuple[str, str]]:
    """(opening, repeated unit) pairs; the line is the opening and then the unit up to length n."""
    shapes = [("", c) for c in _alphabet(pattern)]
    shapes += [("", motif) for motif in MOTIFS]
    if _UNBOUNDED.search(pattern.pattern):  # only an unbounded repeat can run on after an opening
        shapes += [(motif, run) for motif in MOTIFS for run in RUNS]
    return shapes


def _every_start(pattern: re.Pattern):
    def work(text: str) -> None:
        for _ in pattern.finditer(text):  # with no match, a search from every position
            pass
        pattern.match(text)
        pattern.fullmatch(text)

    return work


def test_the_scan_sees_the_patterns():
    names = {name for name, _ in PATTERNS}
    assert len(names) >= 20
    for name in ("_QUOTE_AFTER", "_CLAUSE_MARKER", "_LIMIT_RE"):
        assert f"xuke.domain.legaltext.{name}" in names
    assert "xuke.domain.numerals._ARABIC_BIG" in names


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_is_linear(name, pattern):
    work = _every_start(pattern)
    for opening, unit in _shapes(pattern):

        def make(n, opening=opening, unit=unit):
            return opening + unit * max(1, n // len(unit))

        assert_linear(work, make, f"{name} on {opening!r} + {unit!r} * k")


# -- the helpers, on the lines of the bug report and their kin --------------------------

HELPERS = [
    "basis_titles",
    "quotes_law",
    "prohibits",
    "without_prohibitions",
    "decision_days",
    "joint_decision_days",
    "notice_days",
    "without_waivers",
]
# name -> line of about n characters. The first three are the reproductions of B13 (27 s,
# 99 s and 184 s for lint at 50,000 spaces, 20,000 titles and 50,000 digits).
LINES = {
    "blanks-after-title": lambda n: "第二条 根据《行政许可法》" + " " * n + "规定，",
    "adjacent-titles": lambda n: "第二条 " + "《行政许可法》" * (n // 7),
    "digit-run": lambda n: "第二条 收费" + "1" * n + "万元",
    "blanks-after-article": lambda n: "第一条" + " " * n + "x《行政许可法》",
    "bans": lambda n: "第二条 " + "申请人不得" * (n // 5),
    "day-counts": lambda n: "第二条 " + "5日告知补正" * (n // 6),
    "waivers": lambda n: "第二条 " + "免收" * (n // 2),
}


@pytest.mark.parametrize("line", list(LINES))
def test_helpers_are_linear(line):
    for helper in HELPERS:
        assert_linear(getattr(legaltext, helper), LINES[line], f"{helper} on {line}")


def test_parse_number_is_linear():
    assert_linear(numerals.parse_number, lambda n: "1" * n + "万元", "parse_number on a digit run")


# -- the Markdown reader of engine/sources/documents.py -----------------------------------

MARKDOWN = {
    "blanks-in-heading": lambda n: "## 第二条 a" + " " * n + "b",
    "brackets": lambda n: "第二条 " + "[" * n,
    "unclosed-links": lambda n: "第二条 " + "[](" * (n // 3),
}


@pytest.mark.parametrize("line", list(MARKDOWN))
def test_markdown_lines_are_linear(line):
    def read(text: str) -> None:
        list(documents._markdown_blocks([text], 0))

    assert_linear(read, MARKDOWN[line], f"Markdown {line}")


# -- the rewritten patterns mean what they meant ------------------------------------------

# The patterns as they were before B13, for comparison on random text.
_ARTICLE, _NUM, _QUOTES = legaltext._ARTICLE, legaltext._NUM, legaltext._OPEN_QUOTE
BEFORE = {
    "_QUOTE_AFTER": rf"\s*(?:{_ARTICLE})?\s*(?:中|的)?(?:规定|明确|指出)\s*[：:，,]?\s*[{_QUOTES}]",
    "_OPENS_WITH_LAW": rf"\s*(?:{_ARTICLE})?\s*(?:中|的)?规定",
    "_REFERS_AFTER": rf"\s*(?:{_ARTICLE}|(?:的|中的|所|有关|相关)?规定)",
    "_SUPERSEDED": r"\s*(?:压缩|缩短|压减|减少|减至|降至|调整|调减|精简)",
}
_CLAUSE_MARKER_BEFORE = re.compile(
    rf"^\s*(?:第{_NUM}条\s*|[一二三四五六七八九十]+、|[（(]{_NUM}[）)]|\d+[.．、]|[①-⑳])*\s*"
    rf"(?:(?:依据|根据|按照|依照)\s*)?《"
)
_LIMIT_BEFORE = re.compile(r"([零〇一二两三四五六七八九十百千\d０-９]+)\s*(?:个)?\s*(工作日|自然日|日|天)")
_ARABIC_BIG_BEFORE = re.compile(r"(\d+(?:\.\d+)?)([万萬亿億])")
_MD_HEADING_BEFORE = re.compile(r"^ {0,3}#{1,6}(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")

TOKENS = (
    " ", "\u3000", "\t", "第", "十二", "1", "１", "条", "款", "项", "（", "）", "(", ")", "中", "的", "所",
    "有关", "规定", "明确", "：", "，", "“", "一、", "1.", "①", "根据", "依据", "《", "》", "个", "日",
    "工作日", "天", "压缩", "万", ".", "#", "[", "]", "!", "a",
)  # fmt: skip
texts = st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_patterns_after_a_title_match_as_before(text):
    # They are matched right after a title or a day count: a non-blank comes before.
    text = "》" + text
    for name, before in BEFORE.items():
        assert bool(re.compile(before).match(text, 1)) == bool(getattr(legaltext, name).match(text, 1)), name


@settings(max_examples=300, deadline=None)
@given(texts)
def test_anchored_and_scanning_patterns_find_as_before(text):
    old, new = _CLAUSE_MARKER_BEFORE.match(text), legaltext._CLAUSE_MARKER.match(text)
    assert (old and old.span()) == (new and new.span())
    found = [(m.span(), m.groups()) for m in legaltext._LIMIT_RE.finditer(text)]
    assert found == [(m.span(), m.groups()) for m in _LIMIT_BEFORE.finditer(text)]
    old, new = _ARABIC_BIG_BEFORE.fullmatch(text), numerals._ARABIC_BIG.fullmatch(text)
    assert (old and old.groups()) == (new and new.groups())


@settings(max_examples=300, deadline=None)
@given(texts)
def test_markdown_headings_and_links_read_as_before(text):
    for line in (text, "#" + text, "## " + text):
        old, new = _MD_HEADING_BEFORE.match(line), documents._MD_HEADING.match(line)
        assert (old and (old.span(), old.group(1))) == (new and (new.span(), new.group(1)))
    assert documents._strip_links(text) == _MD_LINK.sub(r"\1", text)
