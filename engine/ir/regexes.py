"""Regexes of rule files run on Google RE2 (google-re2), never on Python's backtracking `re`:
RE2 matches in time linear in the text whatever the pattern, so a rule file shared between
cities cannot stall an audit with a pathological regex. RE2 has no backreferences or
lookaround; `check` reports such a pattern as one the engine cannot run."""
from __future__ import annotations

from functools import lru_cache

import re2

MAX_PATTERN = 2000  # characters; a longer pattern is almost surely generated or hostile
MAX_MEMORY = 8 << 20  # bytes of compiled program RE2 may use per pattern


class RegexProblem(Exception):
    pass


def _options():
    opts = re2.Options()
    opts.log_errors = False  # RE2 would print its own copy of every error on stderr
    opts.max_mem = MAX_MEMORY
    return opts


@lru_cache(maxsize=4096)
def compile_regex(pattern: str):
    """The compiled RE2 pattern, or RegexProblem with a message for the author."""
    if len(pattern) > MAX_PATTERN:
        raise RegexProblem(f"regex is {len(pattern)} characters long; the limit is {MAX_PATTERN}")
    for construct, name in (("(?=", "lookahead"), ("(?!", "negative lookahead"), ("(?<=", "lookbehind"),
                            ("(?<!", "negative lookbehind")):  # fmt: skip
        if construct in pattern:
            raise RegexProblem(f"{name} `{construct}` is not supported: regexes run on RE2 (linear time)")
    try:
        return _Regex(re2.compile(pattern, _options()))
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
