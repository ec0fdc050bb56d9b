"""Normalisers for the canonical record's value types (RULES.md section 1).

Each parser takes what an export may hold — text from CSV, typed values from XLSX or
JSONL — and returns the typed value or raises ValueError with a short reason that the
readers put into a reject line ("bad date '2025-02-30'"). `converter(spec)` returns the
parser for one field; the readers call it millions of times, so every parser tries a
cheap exact fast path before any regex.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from .numerals import parse_number
from .schema import BOOL, DATE, DECIMAL, INT, TEXT, FieldSpec

MIN_YEAR, MAX_YEAR = 1949, 2100  # outside this a date is a typo, not a licensing case
MAX_AMOUNT = Decimal(10) ** 12
# counts and day numbers beyond this are not real (and beyond 2**53 would not survive the
# engine's JSON): such a cell is rejected, not silently clipped
MAX_INT = 10**9

# Full-width ASCII letters and digits (IME input, Excel exports) become ASCII; CJK
# punctuation (（）、，：) is left alone because it is meaningful in Chinese text, which
# is why this is not NFKC. Zero-width characters are invisible junk that breaks matching.
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９"}
_FULLWIDTH.update({ord(c) - 0x41 + 0xFF21: ord(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
_FULLWIDTH.update({ord(c) - 0x61 + 0xFF41: ord(c) for c in "abcdefghijklmnopqrstuvwxyz"})
_ZERO_WIDTH = {0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None}
_TEXT_TABLE = {**_FULLWIDTH, **_ZERO_WIDTH}
# For dates, numbers and booleans the full-width separators and signs matter too.
_NUMERIC_TABLE = {
    **_TEXT_TABLE,
    **{ord(a): b for a, b in zip("／－．：，＋　", "/-.:,+ ")},
}

# Markers exports use for "no value". Not used for text fields, where 无 is a real answer
# (loss == 无), nor for booleans, where 无 means false (有/无).
NULL_TOKENS = frozenset(
    {"", "-", "--", "—", "——", "–", "/", "无", "null", "NULL", "Null", "None", "N/A", "n/a", "#N/A"}
)


def normalise_text(value: object) -> str:
    """Strip, collapse whitespace runs (including U+3000) to one space, ASCII-fy full-width letters/digits."""
    s = value if isinstance(value, str) else as_text(value)
    if not s.isascii():
        s = s.translate(_TEXT_TABLE)
    # str.split() with no argument splits on every Unicode whitespace run and drops the ends.
    return " ".join(s.split())


def as_text(value: object) -> str:
    """A typed cell (XLSX, JSON) as the text a person would have typed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # XLSX stores 2025001 typed into a cell as 2025001.0
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _numeric_text(value: str) -> str:
    s = value.strip()
    if not s.isascii():
        s = s.translate(_NUMERIC_TABLE).strip()
    return s


# ---- dates -------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 given Excel's phantom 1900-02-29
_ZONE = r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?"  # accepted and ignored: the date as written counts


def _time(sep: str, colon: str = ":") -> str:
    return rf"(?:{sep}(?P<h>\d{{1,2}}){colon}(?P<mi>\d{{2}})(?:{colon}(?P<s>\d{{2}})(?:[.,]\d+)?)?{_ZONE})?"


_DATE_RES = (
    re.compile(
        r"(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
        + _time(r"(?:\s*T\s*|\s+)")
    ),
    re.compile(
        r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"
        + _time(r"(?:(?<=[日号])\s*|\s+)")
    ),
    # ISO basic: 20250303, 20250303T142205, 20250303 14:22
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})" + _time(r"(?:\s*T\s*|\s+)", ":?")),
)


def parse_date(value: object) -> date:
    """A calendar date from the formats in RULES.md; for a date-time the date part counts.

    int/float values are Excel serial numbers (or YYYYMMDD typed as a number); digit
    strings are never read as serials, because "20250303" and "45719" in a CSV are text.
    No timezone conversion: "2025-03-03T23:30:00+00:00" is 2025-03-03, the date as written.
    """
    if isinstance(value, str):
        s = value
        # Fast path: the ISO date or date-time most systems export. The dash checks keep
        # fromisoformat's other forms (week dates, compact) out of this branch; anything it
        # refuses falls through to the general parser, which gives the reason.
        if len(s) >= 10 and s[4] == "-" and s[7] == "-" and (len(s) == 10 or s[10] in " T"):
            try:
                d = date.fromisoformat(s) if len(s) == 10 else datetime.fromisoformat(s).date()
            except ValueError:
                d = None
            if d is not None:
                return _plausible(d, value)
        return _parse_date_text(value)
    if isinstance(value, datetime):
        return _plausible(value.date(), value)
    if isinstance(value, date):
        return _plausible(value, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _date_of_number(value)
    raise ValueError(f"bad date {_short(value)}")


def _parse_date_text(value: str) -> date:
    s = _numeric_text(value)
    for rx in _DATE_RES:
        m = rx.fullmatch(s)
        if m:
            break
    else:
        raise ValueError(f"bad date {_short(value)}")
    h = m.group("h")
    if h is not None and (int(h) > 23 or int(m.group("mi")) > 59 or int(m.group("s") or 0) > 59):
        raise ValueError(f"bad time in {_short(value)}")
    try:
        d = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except ValueError:
        raise ValueError(f"bad date {_short(value)}") from None
    return _plausible(d, value)


def _date_of_number(value: int | float) -> date:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"bad date {_short(value)}")
        if value.is_integer():
            value = int(value)
    if isinstance(value, int) and 10000101 <= value <= 99991231:
        # 20250303 typed into a number cell. Serials for 1949..2100 are 17899..73415,
        # so the two readings never overlap.
        return _parse_date_text(str(value))
    if value < 1 or value > 2958465:  # 9999-12-31
        raise ValueError(f"bad date {_short(value)}")
    return _plausible(_EXCEL_EPOCH + timedelta(days=int(value)), value)  # fraction = time of day


def _plausible(d: date, raw: object) -> date:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise ValueError(f"implausible year {d.year} in {str(raw)!r}")
    return d


# ---- booleans ----------------------------------------------------------------------

_BOOLS = {
    "是": True, "否": False,
    "有": True, "无": False,
    "y": True, "n": False,
    "yes": True, "no": False,
    "true": True, "false": False,
    "1": True, "0": False,
}  # fmt: skip


def parse_bool(value: object) -> bool:
    """是/否, 有/无, Y/N, yes/no, true/false (any case), 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        b = _BOOLS.get(value)
        if b is None:
            b = _BOOLS.get(_numeric_text(value).lower())
        if b is not None:
            return b
    elif isinstance(value, (int, float)) and value in (0, 1):  # XLSX numbers, JSON 1/0
        return value == 1
    raise ValueError(f"bad boolean {_short(value)}")


# ---- integers ----------------------------------------------------------------------


def parse_int(value: object) -> int:
    """An integer: 3, "3", "３", "3次", "3天", "三", "1,000", "3.0". Negative values parse;
    whether they are allowed is the field's business (see `normalise`). Magnitudes beyond
    MAX_INT are rejected as implausible."""
    if isinstance(value, str) and sum(c.isdigit() for c in value) > _MAX_DIGITS:
        # before int(): Python refuses more than 4300 digits in its own words
        raise ValueError(f"implausible number {_short(value)} (more than {MAX_INT:,})")
    n = _parse_int(value)
    if abs(n) > MAX_INT:
        raise ValueError(f"implausible number {_short(value)} (more than {MAX_INT:,})")
    return n


_MAX_DIGITS = 18  # MAX_INT has 10; leading zeros and separators leave room


def _short(value: object) -> str:
    """A value for a reject reason: a 5000-digit cell is named by its start and length, and
    a JSON array or object by its kind (the repr of a 1000-deep one exhausts the stack)."""
    if isinstance(value, (list, tuple, dict)):
        return "a JSON object" if isinstance(value, dict) else "a JSON array"
    text = str(value)
    return repr(value) if len(text) <= 30 else f"{text[:24] + '…'!r} of {len(text)} characters"


def _parse_int(value: object) -> int:
    if isinstance(value, str):
        if value.isascii() and value.isdigit():
            return int(value)
        s = _numeric_text(value)
        sign = 1
        if s[:1] in ("-", "+"):
            sign = -1 if s[0] == "-" else 1
            s = s[1:].lstrip()
        if s.endswith(".0") or s.endswith(".00"):  # "3.0": an integer that passed through a float
            s = s.rsplit(".", 1)[0]
        n = parse_number(s)
        if n is None:
            raise ValueError(f"bad integer {_short(value)}")
        return sign * n
    if isinstance(value, bool):
        raise ValueError(f"bad integer {_short(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)) and math.isfinite(value) and value == int(value):
        return int(value)
    raise ValueError(f"bad integer {_short(value)}")


# ---- amounts -----------------------------------------------------------------------

_AMOUNT = re.compile(r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<u>万|亿)?")
_CURRENCY_PREFIXES = ("￥", "¥", "RMB", "CNY", "人民币")


def parse_amount(value: object) -> Decimal:
    """A non-negative amount of money in yuan: 1500, "1,500.00", "￥80", "35元", "1.5万元"."""
    if isinstance(value, str):
        if value.isascii() and value.isdigit():
            return _amount_ok(Decimal(value), value)
        return _amount_ok(_parse_amount_text(value), value)
    if isinstance(value, bool):
        raise ValueError(f"bad amount {_short(value)}")
    if isinstance(value, int):
        return _amount_ok(Decimal(value), value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"bad amount {_short(value)}")
        return _amount_ok(Decimal(repr(value)), value)  # repr: 0.1 stays 0.1, not its binary expansion
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"bad amount {_short(value)}")
        return _amount_ok(value, value)
    raise ValueError(f"bad amount {_short(value)}")


def _parse_amount_text(value: str) -> Decimal:
    s = _numeric_text(value)
    negative = s.startswith("-")
    if negative or s.startswith("+"):
        s = s[1:].lstrip()
    for prefix in _CURRENCY_PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :].lstrip()
            break
    if s.endswith("元"):
        s = s[:-1].rstrip()
    if s.startswith("-") and not negative:  # "￥-80"
        negative, s = True, s[1:].lstrip()
    m = _AMOUNT.fullmatch(s)
    if m:
        try:
            amount = Decimal(m.group("n").replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the regex admits only plain decimals
            raise ValueError(f"bad amount {_short(value)}") from None
        unit = m.group("u")
        if unit:
            amount *= 10**4 if unit == "万" else 10**8
    else:
        n = parse_number(s)  # 八十元, 两千元
        if n is None:
            raise ValueError(f"bad amount {_short(value)}")
        amount = Decimal(n)
    if negative and amount:
        raise ValueError(f"negative amount {_short(value)}")
    return amount


def _amount_ok(amount: Decimal, raw: object) -> Decimal:
    if amount < 0:
        raise ValueError(f"negative amount {raw!r}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"implausible amount {raw!r}")
    return amount


# ---- per-field dispatch ------------------------------------------------------------

Converter = Callable[[object], object]


def _nullable(parse: Callable[[object], object]) -> Converter:
    def convert(value: object) -> object:
        if value.__class__ is str:
            if value in NULL_TOKENS:
                return None
            try:
                return parse(value)
            except ValueError:
                if value.strip() in NULL_TOKENS:  # " - ", "　无": rare, so checked only on failure
                    return None
                raise
        if value is None:
            return None
        return parse(value)

    return convert


def _count(value: object) -> int:
    n = parse_int(value)
    if n < 0:
        raise ValueError(f"negative value {_short(value)}")
    return n


def _bool_or_null(value: object) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        s = value.strip()
        if s in NULL_TOKENS and s != "无":  # 无 is the "no" of 有/无
            return None
    return parse_bool(value)


def _text_or_null(value: object) -> str | None:
    if value is None:
        return None
    s = normalise_text(value)
    return s or None


def _choice(choices: tuple[str, ...]) -> Converter:
    allowed = frozenset(choices)
    listing = " / ".join(choices)

    def convert(value: object) -> str | None:
        s = _text_or_null(value)
        if s is None or s in allowed:
            return s
        raise ValueError(f"{s!r} is not one of {listing}")

    return convert


_CONVERTERS: dict[FieldSpec, Converter] = {}


def converter(spec: FieldSpec) -> Converter:
    """The normaliser for one field: raw value -> typed value, or None for an empty cell.

    Integer fields in the canonical record are counts and day numbers, so negatives are
    rejected here rather than in every rule.
    """
    conv = _CONVERTERS.get(spec)
    if conv is None and spec.words:
        conv = _CONVERTERS[spec] = _with_words(spec)
    if conv is None:
        if spec.choices:
            conv = _choice(spec.choices)
        elif spec.type == TEXT:
            conv = _text_or_null
        elif spec.type == INT:
            conv = _nullable(_count)
        elif spec.type == DECIMAL:
            conv = _nullable(parse_amount)
        elif spec.type == BOOL:
            conv = _bool_or_null
        elif spec.type == DATE:
            conv = _nullable(parse_date)
        else:
            raise ValueError(f"field {spec.name}: unknown type {spec.type!r}")
        _CONVERTERS[spec] = conv
    return conv


def _with_words(spec: FieldSpec) -> Converter:
    """The field's converter, with its own words (`FieldSpec.words`) looked up first."""
    words = dict(spec.words)
    plain = converter(dataclasses.replace(spec, words=()))

    def convert(value: object) -> object:
        if value.__class__ is str:
            hit = words.get(normalise_text(value), _NO_WORD)
            if hit is not _NO_WORD:
                return hit
        return plain(value)

    return convert


_NO_WORD = object()


def normalise(spec: FieldSpec, raw: object) -> object:
    """Typed value for `spec` (a `datetime.date` for dates), None when empty; ValueError otherwise."""
    return converter(spec)(raw)
