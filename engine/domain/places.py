"""Named places in legal text: the PRC administrative divisions of rules/data/places.csv
(provinces, prefecture-level cities, counties; built by rules/data/refresh_places.py from
JioNLP's division list). A draft names a place where a rule would say 本市 (在婺源县注册,
深圳注册企业, 在西充县境内完成投资), so the documents pack looks for both.

`PLACES` (the built-in constant of the rule language) lists the names a pattern may use:
every full name (婺源县, 宜春市, 江西省) and the short names of provinces and prefecture-level
cities (江西, 深圳). Short county names are left out: many are ordinary words (和平, 长安,
城关), and so are the full names of development zones (经开区, 高新区) and of generic
districts (城区, 郊区, 矿区).
"""

from __future__ import annotations

import csv
import functools

from ..resources import RULES_DATA

PLACES_CSV = RULES_DATA / "places.csv"
_GENERIC = {"城区", "郊区", "矿区", "新区", "东区", "西区", "南区", "北区", "市区", "市中区", "市辖区", "经开区",
            "高新区", "开发区", "市直辖", "县直辖", "省直辖"}  # fmt: skip
_AMBIGUOUS_SHORT = {"吉林", "中山", "大同", "长治", "通化"}  # also a word, a park, or a city named as its province


@functools.lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    try:
        with PLACES_CSV.open(encoding="utf-8", newline="") as f:
            return tuple(csv.DictReader(f))
    except OSError:
        return ()


@functools.lru_cache(maxsize=1)
def place_names() -> tuple[str, ...]:
    """The names a rule may look for, longest first."""
    names = set()
    for row in _rows():
        name, short, level = row["name"], row["short"], row["level"]
        if name and name not in _GENERIC and len(name) >= 2:
            names.add(name)
        if level in ("province", "city") and short and len(short) >= 2 and short not in _AMBIGUOUS_SHORT:
            names.add(short)
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


@functools.lru_cache(maxsize=1)
def city_names() -> tuple[str, ...]:
    """The short names of the provinces and prefecture-level cities (深圳, 宜春, 江西): what a
    pattern cannot tell by a suffix (a county's full name ends in 县, 区, 市 or 旗, which a
    pattern can match by shape, at a fraction of the cost of 3,000 alternatives)."""
    names = {row["short"] for row in _rows() if row["level"] in ("province", "city")}
    return tuple(sorted((n for n in names if len(n) >= 2 and n not in _AMBIGUOUS_SHORT), key=lambda n: (-len(n), n)))


@functools.lru_cache(maxsize=1)
def _finder():
    from ..ir.regexes import compile_regex, expand

    return compile_regex(expand("{P}", {"P": list(place_names())})) if place_names() else None


def places(text: str | None) -> str | None:
    """The places the text names, in order, each once (婺源县、深圳), or null."""
    rx = _finder()
    if not text or rx is None:
        return None
    found, at = [], 0
    while at < len(text):
        m = rx.search(text[at:])
        if m is None:
            break
        if m.group(0) not in found:
            found.append(m.group(0))
        at += m.end()
    return "、".join(found) or None
