"""Built-in functions of the rule language: their type signatures (for the checker) and
their implementations (for the compiler, which computes every call in Python before a fact
reaches the engine). Any null argument gives null, except where a function says otherwise
(coalesce), so a comparison with the result is false, as with any null."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..lang import types as T


class SignatureError(Exception):
    """A call with the wrong number or types of arguments; the message is for the author."""


@dataclass(frozen=True)
class Function:
    name: str
    arity: tuple[int, int | None]  # min, max (None: any)
    signature: Callable[[list[str]], str]  # argument types -> result type, or SignatureError
    impl: Callable[..., Any]  # (ctx, *args) -> value
    doc: str
    null_propagates: bool = True


def _expect(argtypes, wanted, name):
    for i, (got, want) in enumerate(zip(argtypes, wanted), 1):
        if not T.assignable(got, want):
            raise SignatureError(f"argument {i} of {name}() must be {T.describe(want)}, not {T.describe(got)}")


def _dates_to_int(name):
    def sig(argtypes):
        _expect(argtypes, [T.DATE, T.DATE], name)
        return T.INT

    return sig


def _workdays(ctx, a, b):
    return ctx.calendar.workdays(a, b)


def _days(ctx, a: dt.date, b: dt.date):
    return (b - a).days


def _len_sig(argtypes):
    (t,) = argtypes
    if not (T.assignable(t, T.TEXT) or T.is_list(t)):
        raise SignatureError(f"len() takes text or a list, not {T.describe(t)}")
    return T.INT


def _minmax_sig(name):
    def sig(argtypes):
        a, b = argtypes
        if T.is_numeric(a) and T.is_numeric(b):
            return T.unify(a, b)
        if T.assignable(a, T.DATE) and T.assignable(b, T.DATE):
            return T.DATE
        raise SignatureError(f"{name}() compares two numbers or two dates, not {T.describe(a)} and {T.describe(b)}")

    return sig


def _coalesce_sig(argtypes):
    out = T.NULL
    for i, t in enumerate(argtypes, 1):
        u = T.unify(out, t)
        if u is None:
            raise SignatureError(f"coalesce() arguments must share a type: argument {i} is {T.describe(t)}")
        out = u
    return out


def _coalesce(ctx, *args):
    for a in args:
        if a is not None:
            return a
    return None


def _number_sig(argtypes):
    (t,) = argtypes
    if not (T.assignable(t, T.TEXT) or T.is_numeric(t)):
        raise SignatureError(f"number() reads text, not {T.describe(t)}")
    return T.INT


def _number(ctx, value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return int(value)
    from ..domain.numerals import parse_number

    return parse_number(str(value))


@functools.cache
def _helper(module: str, attr: str):
    """A domain helper, memoised on its arguments: a pack calls without_prohibitions(text)
    or rank_for(text, doc_basis) in a dozen rules for the same clause (the helpers are pure;
    the cache holds the clauses of the last few documents)."""
    from importlib import import_module

    return functools.lru_cache(maxsize=8192)(getattr(import_module(f"..domain.{module}", __package__), attr))


def _text_pred(name, attr):
    def sig(argtypes):
        _expect(argtypes, [T.TEXT], name)
        return T.BOOL

    def impl(ctx, text):
        return bool(_helper("legaltext", attr)(text))

    return sig, impl


def _match_sig(argtypes):
    _expect(argtypes, [T.TEXT, T.REGEX], "match")
    return T.TEXT


def _match(ctx, text, regex):
    m = regex.search(text)
    return m.group(0) if m else None


def _year_sig(argtypes):
    _expect(argtypes, [T.DATE], "year")
    return T.INT


FUNCTIONS: dict[str, Function] = {}


def _register(*fns: Function):
    for f in fns:
        FUNCTIONS[f.name] = f


_register(
    Function(
        "workdays", (2, 2), _dates_to_int("workdays"), _workdays,
        "working days d with a < d <= b on the official calendar (negative when b < a)",
    ),
    Function("days", (2, 2), _dates_to_int("days"), _days, "calendar days from a to b"),
    Function("len", (1, 1), _len_sig, lambda ctx, x: len(x), "length of a text or list"),
    Function("min", (2, 2), _minmax_sig("min"), lambda ctx, a, b: min(a, b), "the smaller of two numbers or dates"),
    Function("max", (2, 2), _minmax_sig("max"), lambda ctx, a, b: max(a, b), "the larger of two numbers or dates"),
    Function(
        "coalesce", (1, None), _coalesce_sig, _coalesce, "the first argument that is not null",
        null_propagates=False,
    ),
    Function("number", (1, 1), _number_sig, _number, "reads 25, 二十五, 二十五个 as 25; null when not a number"),
    Function("match", (2, 2), _match_sig, _match, "the words the regex matches in the text, or null"),
    Function("year", (1, 1), _year_sig, lambda ctx, d: d.year, "the year of a date"),
)  # fmt: skip

def _text_fn(name, attr, doc):
    def sig(argtypes):
        _expect(argtypes, [T.TEXT], name)
        return T.TEXT

    def impl(ctx, text):
        return _helper("legaltext", attr)(text)

    return Function(name, (1, 1), sig, impl, doc)


_register(
    _text_fn("without_prohibitions", "without_prohibitions",
             "the text with its prohibitions (不得收取, 不得指定 ...) blanked out, same length"),
    _text_fn("basis", "basis", "the laws and regulations the text cites as its basis, or null"),
)  # fmt: skip

for _name, _attr, _doc in (
    ("cites_basis", "cites_basis", "the clause names a law, regulation or State Council decision as its basis"),
    ("prohibits", "prohibits", "the clause forbids something (不得收取, 不得指定, 严禁 ...)"),
    ("quotes_law", "quotes_law", "the clause quotes a law"),
):
    _sig, _impl = _text_pred(_name, _attr)
    _register(Function(_name, (1, 1), _sig, _impl, _doc))


def check_call(name: str, argtypes: list[str]) -> str:
    """The result type of a call, or SignatureError / KeyError (unknown function)."""
    fn = FUNCTIONS[name]
    lo, hi = fn.arity
    n = len(argtypes)
    if n < lo or (hi is not None and n > hi):
        want = str(lo) if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
        raise SignatureError(f"{name}() takes {want} argument{'s' if want != '1' else ''}, {n} given")
    return fn.signature(argtypes)


# -- document helpers added for the documents pack (DOC-42, DOC-32, DOC-58) ------------
def _text_to_int_fn(name, attr, doc):
    def sig(argtypes):
        _expect(argtypes, [T.TEXT], name)
        return T.INT

    def impl(ctx, text):
        return _helper("legaltext", attr)(text)

    return Function(name, (1, 1), sig, impl, doc)


_register(
    _text_to_int_fn("decision_days", "decision_days",
                    "the longest time limit (working days) the text sets for a licensing decision, "
                    "outside joint handling, or null"),
    _text_to_int_fn("joint_decision_days", "joint_decision_days",
                    "as decision_days, for joint, concentrated or unified handling (联合办理), or null"),
    _text_to_int_fn("notice_days", "notice_days",
                    "the longest time (days) the text allows to tell an applicant what to supplement, or null"),
    _text_fn("without_waivers", "without_waivers",
             "the text with its fee waivers (免收, 不收费, 无需缴纳 ...) blanked out, same length"),
)  # fmt: skip


# -- bases by rank and the entities of legal text (documents pack, RULES.md section 2 v2) --
def _bases_fn(name, attr, arity, doc, null_propagates=True):
    def sig(argtypes):
        _expect(argtypes, [T.TEXT] * len(argtypes), name)
        return T.TEXT

    def impl(ctx, *args):
        return _helper("bases", attr)(*args)

    return Function(name, (arity, arity), sig, impl, doc, null_propagates=null_propagates)


_register(
    _bases_fn("cited_rank", "cited_rank", 1,
              "the highest rank of what the text cites as its basis: 法律, 行政法规, 地方性法规, 规章, 其他; or null"),
    _bases_fn("rank_for", "rank_for", 2,
              "rank_for(text, doc_basis): the highest rank of a basis that counts for the clause (its own, "
              "or the document's where that governs the clause's matter), or null", null_propagates=False),
    _bases_fn("invalid_basis", "invalid_basis", 1,
              "the first cited basis that is repealed or in no list (《…》（已失效…）/（未收录）), or null"),
)  # fmt: skip


def _entity_fn(name, module, attr, result, doc):
    def sig(argtypes):
        _expect(argtypes, [T.TEXT], name)
        return result

    def impl(ctx, text):
        return _helper(module, attr)(text)

    return Function(name, (1, 1), sig, impl, doc)


def _note_sig(argtypes):
    _expect(argtypes, [T.TEXT, T.REGEX, T.TEXT], "note")
    return T.TEXT


def _note(ctx, text, regex, words):
    # for a message that says only what applies to the clause: the words when the text
    # matches, else nothing (never null, which a message would print as （空）)
    return words if text is not None and words is not None and regex.search(str(text)) else ""


_register(
    _entity_fn("places", "places", "places", T.TEXT,
               "the places the text names (婺源县、深圳), from the gazetteer of PRC divisions, or null"),
    _entity_fn("firms", "entities", "firms", T.TEXT,
               "the named firms and organisations of the text (福建泉州惠新实业有限公司), or null"),
    _entity_fn("amount", "entities", "amount", T.DECIMAL,
               "the largest sum of money the text names, in yuan (80万元 -> 800000), or null"),
    Function("note", (3, 3), _note_sig, _note,
             "note(text, /re/, words): the words when the text matches the regex, else empty text",
             null_propagates=False),
)  # fmt: skip


# -- record helpers added for the record packs v2 (LIC-58-FEE, DEPT-SCORE) --------------
# The ranks a cited basis can have in the shipped list (rules/data/national_laws.csv), the
# highest first: an NPC or NPCSC decision on a legal question has the force of a law.
_BASIS_RANKS = ("法律", "法律问题的决定", "行政法规", "国务院决定")


def _basis_rank_sig(argtypes):
    _expect(argtypes, [T.TEXT, T.DATE][: len(argtypes)], "basis_rank")
    return T.TEXT


def _basis_rank(ctx, text, on=None):
    """The highest rank among the national laws and regulations the text names (each 《…》
    title, or the whole text when it has none), counting only those in force on `on` when
    a date is given; null when it names none. Never raises: odd text names nothing."""
    from ..domain import national_laws

    try:
        table = national_laws.load()
    except (OSError, ValueError):  # the shipped list is part of the packs; without it nothing is known
        return None
    found = [law for _, law, _, _ in table.titles_in(text) if law is not None]
    if not found and "《" not in text:
        law = table.lookup(text)
        found = [law] if law is not None else []
    ranks = {law.rank for law in found if on is None or law.in_force_on(on)}
    return next((r for r in _BASIS_RANKS if r in ranks), None)


def _round_sig(argtypes):
    if not T.is_numeric(argtypes[0]):
        raise SignatureError(f"round() takes a number, not {T.describe(argtypes[0])}")
    if len(argtypes) > 1 and argtypes[1] not in (T.INT, T.ANY, T.NULL):
        raise SignatureError(f"the places of round() must be an int, not {T.describe(argtypes[1])}")
    return T.DECIMAL


def _round(ctx, x, places=0):
    """Half away from zero (四舍五入), as a report shows a rate; 0..10 places."""
    from decimal import ROUND_HALF_UP, InvalidOperation

    if isinstance(x, bool) or not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 10:
        return None
    try:
        return Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):  # beyond Decimal's precision: no answer
        return None


_register(
    Function("basis_rank", (1, 2), _basis_rank_sig, _basis_rank,
             "the highest rank (法律, 法律问题的决定, 行政法规, 国务院决定) of the national laws and regulations "
             "the text names, in force on the date when one is given; null when it names none"),
    Function("round", (1, 2), _round_sig, _round,
             "a number rounded half away from zero to 0..10 decimal places (default 0)"),
)  # fmt: skip
