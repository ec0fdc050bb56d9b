"""Regexes of rule files run on Google RE2 (google-re2), never on Python's backtracking `re`:
RE2 matches in time linear in the text whatever the pattern, so a rule file shared between
cities cannot stall an audit with a pathological regex. RE2 has no backreferences or
lookaround; `check` reports such a pattern as one the engine cannot run."""
from __future__ import annotations

from functools import lru_cache

import re2

MAX_PATTERN = 2000  # characters as written; a longer pattern is almost surely generated or hostile
# after `{NAME}`s are expanded (a gazetteer of places is some 20,000 characters): RE2's memory
# cap (MAX_MEMORY) is what bounds the compiled program
MAX_EXPANDED = 200_000
MAX_MEMORY = 8 << 20  # bytes of compiled program RE2 may use per pattern
# A pattern with an expanded phrase list (the gazetteer's 3,700 place names) needs more: at
# 8 MB its DFA runs out of memory and RE2 falls back to a matcher 100 times slower (measured:
# 323 us a search of a 60-character clause at 8 MB, 3.1 us at 64 MB). The budget grows with
# the pattern's length, 2 KB a character, up to LARGE_MEMORY; RE2 takes it only as states are
# built, and the length itself is bounded (MAX_EXPANDED).
LARGE_MEMORY = 64 << 20


class RegexProblem(Exception):
    pass


def _options(length: int = 0):
    opts = re2.Options()
    opts.log_errors = False  # RE2 would print its own copy of every error on stderr
    opts.max_mem = min(LARGE_MEMORY, max(MAX_MEMORY, length * 2048))
    return opts


@lru_cache(maxsize=4096)
def compile_regex(pattern: str):
    """The compiled RE2 pattern, or RegexProblem with a message for the author."""
    if len(pattern) > MAX_EXPANDED:
        raise RegexProblem(f"regex is {len(pattern)} characters long; the limit is {MAX_EXPANDED}")
    for construct, name in (("(?=", "lookahead"), ("(?!", "negative lookahead"), ("(?<=", "lookbehind"),
                            ("(?<!", "negative lookbehind")):  # fmt: skip
        if construct in pattern:
            raise RegexProblem(f"{name} `{construct}` is not supported: regexes run on RE2 (linear time)")
    try:
        return _Regex(re2.compile(pattern, _options(len(pattern))))
    except re2.error as e:
        message = e.args[0] if e.args else str(e)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        if "invalid escape sequence: \\" in message and message[-1:].isdigit():
            message += " (backreferences are not supported: regexes run on RE2, in linear time)"
        raise RegexProblem(f"invalid regex: {message}") from None


class _Regex:
    """An RE2 pattern that also searches text holding lone surrogates (a draft read as
    UTF-7, a cell decoded with surrogateescape): RE2 takes UTF-8, which cannot encode
    them, so they are searched as "?" (one character for one, so positions hold)."""

    __slots__ = ("_rx", "pattern")

    def __init__(self, rx):
        self._rx = rx
        self.pattern = rx.pattern

    def search(self, text: str):
        try:
            return self._rx.search(text)
        except UnicodeEncodeError:
            return self._rx.search(text.encode("utf-8", "replace").decode("utf-8"))


# -- named patterns (DSL v2) ------------------------------------------------------------
# `{NAME}` inside a regex literal stands for a constant: a phrase list becomes an escaped
# alternation, a regex constant a group, a text or number its escaped text. A name starts
# with a letter, `_` or a CJK character, so `{2}` and `{0,20}` stay RE2 quantifiers.
_NAME_START = "A-Za-z_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME_REST = _NAME_START + "0-9"
_PLACEHOLDER = re2.compile(rf"\{{([{_NAME_START}][{_NAME_REST}]*)\}}")


class RegexPattern(str):
    """The value of a regex constant: its pattern with every `{NAME}` already expanded.
    A str, so constants travel as plain data; the type tells it from a text constant."""


class UnknownPlaceholder(RegexProblem):
    def __init__(self, name: str):
        super().__init__(f"unknown constant `{{{name}}}` in regex")
        self.name = name


def placeholders(pattern: str) -> list[str]:
    """The `{NAME}`s of a pattern as written, in order (escaped braces `\\{` are literal)."""
    return [name for name, _, _ in _scan(pattern)]


def _scan(pattern: str):
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if pattern[i + 1 : i + 3] in ("p{", "P{"):  # a Unicode class such as \p{Han}
                close = pattern.find("}", i + 3)
                i = close + 1 if close > 0 else len(pattern)
                continue
            i += 2
            continue
        if ch == "{":
            m = _PLACEHOLDER.match(pattern, i)
            if m:
                yield m.group(1), i, m.end()
                i = m.end()
                continue
        i += 1


def _alternation(words) -> str:
    # longest first: RE2 takes the first alternative that matches (leftmost-first), so a
    # phrase list ["本市", "本市行政区域"] shows the whole phrase, whatever the author's order
    unique = sorted(dict.fromkeys(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re2.escape(w) for w in unique) + ")" if unique else r"[^\x00-\x{10FFFF}]"


def expand(pattern: str, consts: dict) -> str:
    """The pattern with each `{NAME}` replaced by the constant's text (see above). Raises
    UnknownPlaceholder for a name that is no constant, RegexProblem for one that cannot
    stand in a pattern (a date, a bool, a list of numbers)."""
    if "{" not in pattern:
        return pattern
    out, last = [], 0
    for name, start, end in _scan(pattern):
        if name not in consts:
            raise UnknownPlaceholder(name)
        out.append(pattern[last:start])
        out.append(_as_pattern(name, consts[name]))
        last = end
    out.append(pattern[last:])
    return "".join(out)


def _as_pattern(name: str, value) -> str:
    if isinstance(value, RegexPattern):
        return f"(?:{value})"
    if isinstance(value, bool) or value is None:
        raise RegexProblem(f"`{{{name}}}` is not text, a phrase list or a regex, so it cannot stand in a regex")
    if isinstance(value, str | int):
        return re2.escape(str(value))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _alternation(value)
    raise RegexProblem(f"`{{{name}}}` is not text, a phrase list or a regex, so it cannot stand in a regex")
