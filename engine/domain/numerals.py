"""Numbers as officials write them: Arabic digits (half- or full-width) or Chinese numerals.

Policy texts say "三十个工作日", "二十五日", "两千元"; records say "3次" or "３". The parser
is strict about structure (units must descend, 零 only fills a gap) so that ordinary words
that happen to contain a numeral character are not read as numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Full-width digits come from IME input and Excel exports; map them before int().
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

_DIGITS = {
    "〇": 0, "零": 0,
    "一": 1, "壹": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
# 〇 and 零 both mean zero, but only 〇 and plain digits appear in positional forms (二〇二五).
_POSITIONAL = frozenset("〇零一二三四五六七八九")
_ZEROS = frozenset("〇零")
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}

# Counting words after a number that do not change its value. Month/year/week/yuan are
# deliberately absent: "三个月" is not 3 days, and the caller must see that.
_SUFFIXES = ("个工作日", "个自然日", "工作日", "自然日", "个", "日", "天", "次", "件", "项", "份", "人", "名", "位", "家")  # fmt: skip

_ARABIC = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
# Matched whole (fullmatch); the lookbehind keeps a search of a long digit run from retrying
# the rest of the run at each digit.
_ARABIC_BIG = re.compile(r"(?<!\d)(\d+(?:\.\d+)?)([万萬亿億])")


# No number a draft or an export means is written in more characters (一亿二千三百四十五万
# 六千七百八十九 is 17); longer runs are not numbers, and int() refuses beyond 4300 digits.
MAX_NUMBER_TEXT = 64


def parse_number(text: str) -> int | None:
    """The non-negative integer `text` spells, or None when it is not a number.

    >>> parse_number("二十五个"), parse_number("一百零五"), parse_number("１５"), parse_number("两千")
    (25, 105, 15, 2000)
    """
    if not isinstance(text, str):
        return None
    s = text.strip()
    for suffix in _SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)].rstrip()
            break
    if not s or len(s) > MAX_NUMBER_TEXT:
        return None
    s = s.translate(FULLWIDTH_DIGITS)
    if s.isascii():
        return int(s.replace(",", "")) if _ARABIC.fullmatch(s) else None
    if s in _ZEROS:
        return 0
    m = _ARABIC_BIG.fullmatch(s)
    if m:  # "3万", "1.5万": Arabic mantissa with a Chinese magnitude, integral results only
        try:
            value = Decimal(m.group(1)) * _BIG[m.group(2)]
        except InvalidOperation:  # pragma: no cover - the regex admits only digits
            return None
        return int(value) if value == value.to_integral_value() else None
    return _parse_chinese(s)


def _parse_chinese(s: str) -> int | None:
    if len(s) > 1 and all(c in _POSITIONAL for c in s):
        # Digit-by-digit reading, as in years: 二〇二五 -> 2025.
        return int("".join(str(_DIGITS[c]) for c in s))

    total = 0  # finished 亿/万 sections
    section = 0  # the current section, below 10^4
    digit: int | None = None  # a digit waiting for its unit
    last_unit = 10**4  # units inside a section must strictly descend
    last_big = 10**12  # and so must 亿 > 万
    prev_unit = 0  # the unit right before the pending digit (for 一百五 = 150); 0 = none
    zero = False  # a 零 since the last unit: the next digit is not abbreviated
    seen = False
    for c in s:
        if c in _ZEROS:
            if zero or digit is not None or not seen:
                return None  # 零 only fills a gap after a unit: 一百零五
            zero, prev_unit = True, 0
        elif c in _DIGITS:
            if digit is not None:
                return None  # two digits in a row with no unit: 一二十
            digit = _DIGITS[c]
        elif c in _UNITS:
            unit = _UNITS[c]
            if unit >= last_unit:
                return None
            if digit is None:
                if unit != 10:
                    return None  # 十 may stand alone (十五), 百 and 千 need a digit
                digit = 1
            section += digit * unit
            digit, last_unit, prev_unit, zero = None, unit, unit, False
        elif c in _BIG:
            big = _BIG[c]
            value = section + (digit or 0)
            if big >= last_big or value == 0 or zero and digit is None:
                return None
            total += value * big
            section, digit, last_unit, last_big, prev_unit, zero = 0, None, 10**4, big, big, False
        else:
            return None
        seen = True
    if zero and digit is None:
        return None  # trailing 零: 一百零
    if digit is not None:
        # 一百五 is 150 and 一万五 is 15000 (colloquial); after 零 or alone it is units.
        section += digit * (prev_unit // 10 if prev_unit else 1)
    return total + section
