"""The rank of what a text cites as its basis (RULES.md section 2, "Bases").

A licence needs a law, an administrative regulation, a State Council decision or a local
regulation (行政许可法 第十四、十五条); a fee a law or an administrative regulation (第五十八
条). So a rule asks how high the cited basis ranks, not only whether one is cited. The rank
of a national title comes from the shipped list (rules/data/national_laws.csv, see
docs/national-laws.md); a 《…条例》 named after a province or city is a local regulation;
other titles (《…办法》《…规定》 of an agency, a 文号) rank as rules or documents, which set
no licence and no fee. Every function takes null as no text and never raises.
"""

from __future__ import annotations

import functools
import re

from . import national_laws
from .legaltext import basis_titles, is_law_title

# from the highest; the ranks of the shipped list are folded onto these
ORDER = ("法律", "行政法规", "地方性法规", "规章", "其他")
_NATIONAL = {"法律": "法律", "法律问题的决定": "法律", "行政法规": "行政法规", "国务院决定": "行政法规"}
_PLACE = re.compile(r"^(?:[\u4e00-\u9fff]{1,12}?(?:省|自治区|市|自治州|州|盟|县|自治县|区|旗))(?!人民政府)")
_NOTE = re.compile(r"[（(][^（）()]*[）)]\s*$")


def _law(title: str):
    try:
        return national_laws.lookup(title)
    except (OSError, ValueError):  # a missing or broken list: no title can be ranked
        return None


@functools.lru_cache(maxsize=4096)
def rank_of(title: str | None) -> str | None:
    """法律, 行政法规, 地方性法规, 规章 or 其他 for one 《…》 title (without the marks)."""
    if not title:
        return None
    law = _law(title)
    if law is not None:
        return _NATIONAL.get(law.rank, "其他")
    bare = _NOTE.sub("", title.strip())
    if bare.endswith("条例") and _PLACE.match(bare):
        return "地方性法规"
    if bare.endswith(("办法", "规定", "细则", "规则")) and not bare.endswith("暂行规定") or "令" in bare:
        return "规章"
    return "其他"


def cited_rank(text: str | None) -> str | None:
    """The highest rank among the titles the text cites as its basis (依据《…》, 《…》第X条),
    or null when it cites none."""
    ranks = [rank_of(t) for t in basis_titles(text, laws_only=False)]
    ranks = [r for r in ranks if r is not None]
    return min(ranks, key=ORDER.index) if ranks else None


def invalid_basis(text: str | None, on=None) -> str | None:
    """The first title the text cites as its basis that is a repealed national law or
    regulation, or that reads as a national law or regulation (《中华人民共和国…法》, a 《…法》
    or 《…条例》 not named after a place) but is in no list: 《title》（已废止，YYYY-MM-DD）
    or 《title》（未收录）. Null when every cited basis is in force or local."""
    for title in basis_titles(text, laws_only=False):
        law = _law(title)
        if law is not None:
            if law.rank in _NATIONAL and not law.in_force_on(on):
                when = f"，{law.repealed.isoformat()}" if law.repealed else ""
                return f"《{title}》（已失效{when}）"
            continue
        bare = _NOTE.sub("", title.strip())
        if is_law_title(bare) and not _PLACE.match(bare) and not bare.endswith("决定"):
            return f"《{title}》（未收录）"
    return None


_CORE = re.compile(r"^(?:中华人民共和国)?|(?:实施)?(?:条例|法|办法|规定|细则|决定)(?:[（(][^（）()]*[）)])?$")
_INVOKES = re.compile(r"依法|依照(?:有关)?(?:法律|法规|规定|本(?:办法|规定|细则|条例))|按照(?:有关)?(?:法律|法规|规定)|"
                      r"法律、(?:行政)?法规(?:规定|另有规定)|(?:国家|省|法律)有关规定|本(?:办法|规定|细则)第一条|"
                      r"(?:上述|前述|该)(?:法律|法规|条例)")


@functools.lru_cache(maxsize=64)
def _cited_titles(basis_text: str) -> tuple[str, ...]:
    # the document's basis is the same for all its clauses: read it once
    return tuple(basis_titles(basis_text, laws_only=False))


def governing_titles(basis_text: str | None, text: str | None) -> list[str]:
    """The titles of the document's basis (its preamble / 第一条 citations) that count for a
    clause: all of them when the clause invokes them (依法, 依照有关规定, 法律、法规规定的),
    and any the clause names by its core words (燃气经营许可 under 《城镇燃气管理条例》 does
    not; 《城镇燃气管理条例》 or 城镇燃气管理条例规定的 does, a core of four characters or
    more, so 广告 alone is no mention of 《广告法》). Sharing a subject word is not
    enough: 《广告法》 in 第一条 does not make every clause on 户外广告 lawful."""
    if not basis_text or not text:
        return []
    titles = list(_cited_titles(basis_text))
    if _INVOKES.search(text):
        return titles
    return [t for t in titles if len(_CORE.sub("", t)) >= 4 and _CORE.sub("", t) in text]


def rank_for(text: str | None, doc_basis: str | None) -> str | None:
    """The highest rank of a basis that counts for this clause: its own citation, or a title
    of the document's basis that governs it (see governing_titles). Null when none counts."""
    ranks = [cited_rank(text)] + [rank_of(t) for t in governing_titles(doc_basis, text)]
    ranks = [r for r in ranks if r is not None]
    return min(ranks, key=ORDER.index) if ranks else None
