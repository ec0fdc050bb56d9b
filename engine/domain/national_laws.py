"""PRC national laws and administrative regulations: what a cited basis is, and whether it is in force.

行政许可法 第十四条 to 第十七条 and 第五十八条 let only a law (法律) or an administrative
regulation (行政法规) set a licence or a fee (with narrow room for 地方性法规 and provincial
government rules). A rule that checks a licence or fee record therefore needs the rank of
the basis it cites, and whether that basis was in force on the day in question: a fee whose
basis is 《XX市收费管理办法》 has no basis, and a document citing a repealed law cites
nothing valid.

The data is rules/data/national_laws.csv, built by rules/data/refresh_national_laws.py from
the LawRefBook/Laws collection plus the hand-kept rules/data/repealed.yaml (see
docs/national-laws.md). This module only reads it (stdlib only; from the engine just `resources`, which knows
where the packs' data is), and no function here raises on odd input (None, '', non-strings, 10,000-character
strings); a missing or malformed CSV is reported once, by `load`.

    >>> from xuke.domain import national_laws
    >>> national_laws.lookup("《中华人民共和国行政许可法》（2019年修正）").rank
    '法律'
    >>> national_laws.lookup("《浙江省城镇燃气管理条例》") is None
    True

Matching (`normalise_title`): Unicode NFKC (full-width brackets, digits and spaces become
half-width), all whitespace and the marks 《》〈〉<>「」『』 and quotation marks removed,
中华人民共和国 removed wherever it stands; then, when that key is not a title, trailing
version notes in brackets are dropped one at a time — （2019年修正）, (2018修订), (试行),
（国务院令第722号） — and finally a trailing article reference (第十四条…). An exact title
always wins, so 《中华人民共和国企业破产法（试行）》 finds the repealed 1986 law, not the
current one. Nothing strips a place name: 《浙江省…条例》 is a local regulation and is not
found.
"""
from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..resources import RULES_DATA

__all__ = [
    "DEFAULT_CSV", "LAW_RANKS", "Law", "NationalLaws", "load", "lookup", "rank",
    "is_national_law_or_regulation", "titles_in", "normalise_title",
]

DEFAULT_CSV = RULES_DATA / "national_laws.csv"  # ships with the packs (resources.py knows where)
COLUMNS = ("title", "short", "rank", "status", "enacted", "latest", "repealed", "replaced_by", "source")

#: Ranks that may set a licence or a fee. 法律问题的决定 (NPC / NPCSC decisions on legal
#: questions) carry the force of law; 国务院决定 count because 行政许可法 第十四条第二款 lets
#: the State Council set a licence by decision where it is needed before a law exists (e.g.
#: 国务院对确需保留的行政审批项目设定行政许可的决定).
LAW_RANKS = frozenset({"法律", "行政法规", "法律问题的决定", "国务院决定"})

MAX_TITLE = 200  # longer strings are not titles; lookup answers None without work
_PREFIX = "中华人民共和国"
_DROP = dict.fromkeys(map(ord, "《》〈〉<>＜＞「」『』\"'“”‘’\u200b\u200c\u200d\u2060\ufeff"), None)
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})
_VERSION_NOTE = re.compile(
    r"\(([^()]*(?:\d{4}|修正|修订|修改|试行|暂行|草案|征求意见|施行|公布|发布|颁布|节选|摘录|全文|废止|失效|有效"
    r"|现行|版|本|令第|号)[^()]*)\)$"
)
_ARTICLE_REF = re.compile(r"第[〇零一二三四五六七八九十百千\d]+[条款项章节编].*$")


def normalise_title(title: object) -> str:
    """The matching key of a title ('' for anything that is not a usable string)."""
    if not isinstance(title, str) or len(title) > 4 * MAX_TITLE:
        return ""
    text = unicodedata.normalize("NFKC", title).translate(_BRACKETS).translate(_DROP)
    return "".join(text.split()).replace(_PREFIX, "")


def _parse_date(value: str, where: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: not a YYYY-MM-DD date: {value!r}") from None


def _as_day(day: object) -> date | None:
    """A date from a date, datetime or ISO string; today for None; None when unusable."""
    if day is None:
        return date.today()
    if isinstance(day, datetime):
        return day.date()
    if isinstance(day, date):
        return day
    if isinstance(day, str) and len(day) <= 32:
        try:
            return date.fromisoformat(day.strip())
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Law:
    """One row of national_laws.csv."""

    title: str
    short: str
    rank: str  # 法律 | 行政法规 | 法律问题的决定 | 国务院决定
    status: str  # 有效 | 已废止 | 已被替代
    enacted: date | None
    latest: date | None
    repealed: date | None
    replaced_by: str
    source: str

    def in_force_on(self, day: object = None) -> bool:
        """Whether this law or regulation was in force on `day` (a date; default today).

        In force from its first promulgation (`enacted`; the data has no separate effective
        date) until the day its repeal took effect (`repealed`, exclusive). A title marked
        repealed without a known date is never in force. False for an unusable `day`.
        """
        when = _as_day(day)
        if when is None:
            return False
        if self.enacted is not None and when < self.enacted:
            return False
        if self.repealed is not None:
            return when < self.repealed
        return self.status == "有效"

    @property
    def is_law_rank(self) -> bool:
        return self.rank in LAW_RANKS


class NationalLaws:
    """An index of Law rows by normalised title. Build with `load`."""

    def __init__(self, laws: Iterable[Law]):
        self._laws: tuple[Law, ...] = tuple(sorted(laws, key=lambda law: law.title))
        index: dict[str, Law] = {}
        for law in self._laws:
            for key in {normalise_title(law.title), normalise_title(law.short)}:
                held = index.get(key)
                if key and (held is None or _prefer(law, held)):
                    index[key] = law
        self._index = index

    def __len__(self) -> int:
        return len(self._laws)

    def __iter__(self) -> Iterator[Law]:
        return iter(self._laws)

    def lookup(self, title: object) -> Law | None:
        """The Law a title names, or None (not national, unknown, or not a string)."""
        key = normalise_title(title)
        if not key or len(key) > MAX_TITLE:
            return None
        found = self._index.get(key)
        if found is not None:
            return found
        for _ in range(3):
            stripped = _VERSION_NOTE.sub("", key)
            if stripped == key or not stripped:
                break
            key = stripped
            found = self._index.get(key)
            if found is not None:
                return found
        stripped = _ARTICLE_REF.sub("", key)
        if stripped and stripped != key:
            return self._index.get(stripped)
        return None

    def rank(self, title: object) -> str | None:
        law = self.lookup(title)
        return law.rank if law is not None else None

    def is_national_law_or_regulation(self, title: object, on: object = None) -> bool:
        """True only for a law, administrative regulation, 法律问题的决定 or 国务院决定 in force on `on`.

        `on` defaults to today. 法律问题的决定 and 国务院决定 count as law rank here:
        NPC / NPCSC decisions on legal questions have the force of law, and 行政许可法
        第十四条第二款 lets the State Council set a licence by decision.
        """
        law = self.lookup(title)
        return law is not None and law.rank in LAW_RANKS and law.in_force_on(on)

    def titles_in(self, text: object) -> list[tuple[str, Law | None, int, int]]:
        """Every 《…》 title in `text`: (title inside the marks, lookup result, start, end).

        text[start:end] is the whole bracketed title, marks included. Nested marks
        (《国务院关于实施《中华人民共和国公司法》…的规定》) give the outer title only; an
        unclosed mark, or one running past a line break or MAX_TITLE characters, is skipped.
        """
        if not isinstance(text, str):
            return []
        found: list[tuple[str, Law | None, int, int]] = []
        depth, start = 0, -1
        for i, ch in enumerate(text):
            if ch == "《":
                if depth == 0:
                    start = i
                depth += 1
            elif depth:
                if ch == "》":
                    depth -= 1
                    if depth == 0:
                        inner = text[start + 1:i]
                        found.append((inner, self.lookup(inner), start, i + 1))
                elif ch in "\r\n" or i - start > MAX_TITLE:
                    depth = 0
        return found


def _prefer(new: Law, held: Law) -> bool:
    """For two rows sharing a key: the one in force, then the later one."""
    return (new.status == "有效", new.enacted or date.min) > (held.status == "有效", held.enacted or date.min)


def _read_csv(path: Path) -> NationalLaws:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header != COLUMNS:
            raise ValueError(f"{path}: expected columns {','.join(COLUMNS)}, found {','.join(header) or 'none'}")
        laws = []
        for line_no, row in enumerate(reader, 2):
            if not row:
                continue
            if len(row) != len(COLUMNS):
                raise ValueError(f"{path}:{line_no}: expected {len(COLUMNS)} fields, found {len(row)}")
            title, short, rank_, status, enacted, latest, repealed, replaced_by, source = row
            where = f"{path}:{line_no}"
            laws.append(Law(title, short, rank_, status, _parse_date(enacted, where), _parse_date(latest, where),
                            _parse_date(repealed, where), replaced_by, source))
    return NationalLaws(laws)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> NationalLaws:
    return _read_csv(Path(path))


def load(path: str | Path | None = None) -> NationalLaws:
    """The table at `path` (default: rules/data/national_laws.csv of this checkout), cached.

    Raises FileNotFoundError or ValueError (with the path and line) for a missing or
    malformed file: an absent table must not pass for "no title is a law".
    """
    resolved = Path(path).resolve() if path is not None else DEFAULT_CSV
    return _load_cached(str(resolved))


def lookup(title: object, *, path: str | Path | None = None) -> Law | None:
    """See NationalLaws.lookup; `path` picks another CSV."""
    return load(path).lookup(title)


def rank(title: object, *, path: str | Path | None = None) -> str | None:
    """The rank of the law a title names, or None."""
    return load(path).rank(title)


def is_national_law_or_regulation(title: object, on: object = None, *, path: str | Path | None = None) -> bool:
    """See NationalLaws.is_national_law_or_regulation."""
    return load(path).is_national_law_or_regulation(title, on)


def titles_in(text: object, *, path: str | Path | None = None) -> list[tuple[str, Law | None, int, int]]:
    """See NationalLaws.titles_in."""
    return load(path).titles_in(text)
