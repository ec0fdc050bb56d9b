"""What kind of instrument a document is (法律 … 规范性文件, 办事指南), told the way a legal
officer tells it: from the enacting line (令第N号, 经…常务会议通过), the title, the issuer
and the 文号. Pure and deterministic; never raises on any text.

The kinds follow 立法法 and 行政许可法 第十四至十七条:

  法律          adopted by the NPC or its Standing Committee (主席令, 中华人民共和国…法)
  行政法规      State Council (国务院令, a national …条例 / …规定 in the shipped list)
  部门规章      a ministry or commission under the State Council (…部令 / …总局令, 部务会议通过)
  地方性法规    a provincial or city people's congress (人民代表大会常务委员会公告, …条例 of a place)
  地方政府规章  a provincial or city government (…人民政府令, 经…政府常务会议通过)
  规范性文件    any other document an agency or government issues to the public: 通知, 意见,
                办法, 规定, 细则, 方案, 措施, 公告, 通告, 决定 …, usually with a 文号 〔2024〕12号
  办事指南      a service guide (办事指南, 服务指南, 办事须知, 申报指南)

`tell(title, head, issuer)` answers the kind and the evidence for it, or (None, reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LAW, REGULATION, DEPT_RULE = "法律", "行政法规", "部门规章"
LOCAL_REGULATION, LOCAL_GOV_RULE = "地方性法规", "地方政府规章"
NORMATIVE, GUIDE = "规范性文件", "办事指南"
KINDS = (LAW, REGULATION, DEPT_RULE, LOCAL_REGULATION, LOCAL_GOV_RULE, NORMATIVE, GUIDE)

# names a user may give (front matter, --kind): the kinds themselves and a few synonyms
ALIASES = {
    **{k: k for k in KINDS},
    "规章": LOCAL_GOV_RULE, "政府规章": LOCAL_GOV_RULE, "部委规章": DEPT_RULE, "法规": LOCAL_REGULATION,
    "行政规范性文件": NORMATIVE, "其他规范性文件": NORMATIVE, "公告": NORMATIVE, "通告": NORMATIVE,
    "通知": NORMATIVE, "意见": NORMATIVE, "服务指南": GUIDE, "办事须知": GUIDE,
    "law": LAW, "regulation": REGULATION, "administrative-regulation": REGULATION,
    "department-rule": DEPT_RULE, "local-regulation": LOCAL_REGULATION, "local-rule": LOCAL_GOV_RULE,
    "normative": NORMATIVE, "norm": NORMATIVE, "policy": NORMATIVE, "guide": GUIDE, "guideline": GUIDE,
}  # fmt: skip

_PLACE = r"(?:[\u4e00-\u9fff]{1,12}?(?:省|自治区|市|自治州|州|盟|县|自治县|区|旗))"
_GUIDE = re.compile(r"办事指南|服务指南|办事须知|申报指南|申请指南|办理指南|业务指南")
# the enacting formula and the order number, in the opening lines or at the end
_ORDER = re.compile(r"(国务院|主席|[\u4e00-\u9fff]{1,20}?(?:部|委员会|总局|局|署|行|院|会))令[（(]?\s*第\s*[零〇一二两三四五六七八九十百千\d]+\s*号")
_GOV_ORDER = re.compile(rf"{_PLACE}?人民政府令")
_CONGRESS = re.compile(r"人民代表大会(?:常务委员会)?(?:公告|第[零〇一二三四五六七八九十百千\d]+次会议|会议)|人大常委会|人大")
_CONGRESS_PASSED = re.compile(r"人民代表大会(?:常务委员会)?[^。\n]{0,30}?(?:通过|批准)")
_GOV_MEETING = re.compile(r"人民政府[^。\n]{0,12}?常务会议[^。\n]{0,20}?(?:通过|审议通过)")
_DEPT_MEETING = re.compile(r"(?:部务|委务|署务|局务|总局局务|行务)会议[^。\n]{0,20}?(?:通过|审议通过)")
# 文号: 国办发〔2018〕115号, 婺发改字〔2020〕100号, 国发[2018]41号, 〔2024〕12号
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{0,12}[〔\[［(（【]\s*(?:19|20)\d\d\s*[〕\]］)）】]\s*(?:第\s*)?\d{1,5}\s*号")
# titles: what the last words of a title say (关于印发…办法的通知 is a 通知: the last word counts).
# Not here: 工作要点, 计划, 纲要, 通报, 答复: internal plans and replies that bind nobody outside
_NORMATIVE_TITLE = re.compile(
    r"(?:通知|意见|办法|规定|细则|方案|措施|公告|通告|决定|规则|指引|批复|函|纪要|协议|决议|"
    r"标准|制度|规程|守则|须知|目录|清单|名录|若干问题)"
    r"(?:[（(][^（）()]{0,12}[）)])?$"
)
_NORMATIVE_WORD = re.compile(r"关于|印发|实施意见|指导意见|暂行|试行|若干措施|管理办法|实施细则|工作方案|的通知")
_ISSUER = re.compile(r"(?:人民政府|办公厅|办公室|委员会|管理局|监督管理局|局|厅|部|署|委|办|中心|政府|管委会|管理委员会|街道办事处|领导小组)")
# a first line that is only an agency's name (the red header 某某市教育局文件, or a copy whose
# title was lost): the agency issued it to the public, a 规范性文件
_ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff、（）()·]{2,40}?(?:人民政府|办公厅|办公室|委员会|局|厅|管委会)(?:文件)?$")
_LAW_TITLE = re.compile(r"^(?:中华人民共和国)?[\u4e00-\u9fff（）()]{1,40}法(?:[（(][^（）()]{0,16}[）)])?$")
_REGULATION_TITLE = re.compile(r"条例(?:[（(][^（）()]{0,16}[）)])?$")


@dataclass(frozen=True)
class Verdict:
    kind: str | None
    evidence: str  # what told it (or, for None, why it could not be told)


def normalise(value) -> str | None:
    """The kind a user named (front matter, --kind), or None when it is no kind."""
    if value is None:
        return None
    key = str(value).strip()
    return ALIASES.get(key) or ALIASES.get(key.lower())


def tell(title: str | None, head: str = "", issuer: str | None = None) -> Verdict:
    """The kind of an instrument from its title, its opening and closing lines (`head`: the
    lines before the first article or item, and the last few lines, where the issuer and the
    enacting formula stand) and its issuer (when known apart from the text)."""
    title = " ".join((title or "").split())
    head = head or ""
    issuer = issuer or ""
    where = f"{title}\n{head}\n{issuer}"
    if title and _GUIDE.search(title):
        return Verdict(GUIDE, f"标题「{_GUIDE.search(title).group(0)}」")
    order = _ORDER.search(where)
    if order:
        maker = order.group(1)
        if maker.endswith("国务院"):
            return Verdict(REGULATION, "国务院令")
        if maker == "主席":
            return Verdict(LAW, "主席令")
        if _GOV_ORDER.search(where):
            return Verdict(LOCAL_GOV_RULE, "人民政府令")
        return Verdict(DEPT_RULE, f"{maker}令")
    if _GOV_ORDER.search(where) or _GOV_MEETING.search(where):
        return Verdict(LOCAL_GOV_RULE, "人民政府令 / 政府常务会议通过")
    if _CONGRESS.search(where) or _CONGRESS_PASSED.search(where):
        if not title or _REGULATION_TITLE.search(title) or "常务委员会公告" in where:
            national = "全国人民代表大会" in where
            return Verdict(LAW if national else LOCAL_REGULATION, "人民代表大会（常务委员会）通过")
    if _DEPT_MEETING.search(where) and title and re.search(r"(?:办法|规定|细则|规则)$", _strip_note(title)):
        return Verdict(DEPT_RULE, "部务（委务、局务）会议通过")
    national = _national_rank(title)
    if national is not None:
        return Verdict(national, "国家法律法规目录")
    number = _DOC_NUMBER.search(where)
    bare = _strip_note(title)
    if bare.startswith("中华人民共和国") and _LAW_TITLE.match(bare) and not bare.endswith(("办法", "方法")):
        return Verdict(LAW, "标题「中华人民共和国…法」")
    if title and _REGULATION_TITLE.search(bare) and not number:
        if re.match(_PLACE, bare):
            return Verdict(LOCAL_REGULATION, "地方名称＋条例")
    if number:
        return Verdict(NORMATIVE, f"文号「{number.group(0).strip()}」")
    if title and (_NORMATIVE_TITLE.search(bare) or _NORMATIVE_WORD.search(title)):
        return Verdict(NORMATIVE, "标题（通知、意见、办法、公告等）")
    if issuer and _ISSUER.search(issuer):
        return Verdict(NORMATIVE, f"发文机关「{issuer}」")
    if title and _ISSUER.search(title[:30]) and len(title) >= 8:
        return Verdict(NORMATIVE, "标题中的发文机关")
    if title and _ISSUER_LINE.match(title):
        return Verdict(NORMATIVE, f"发文机关「{title}」")
    return Verdict(None, "标题、文号、发文机关和制定程序都不能说明文件类型")


def _strip_note(title: str) -> str:
    return re.sub(r"[（(][^（）()]{0,16}[）)]$", "", title).strip()


def _national_rank(title: str) -> str | None:
    """法律 or 行政法规 when the title is in the shipped list of national laws."""
    if not title or len(title) > 80:
        return None
    from . import national_laws

    try:
        law = national_laws.lookup(title)
    except Exception:  # the list is data: a broken copy must not stop a review
        return None
    if law is None:
        return None
    return {"法律": LAW, "法律问题的决定": LAW, "行政法规": REGULATION, "国务院决定": REGULATION}.get(law.rank)


# -- what each kind may lawfully do (docs/documents.md, "Kinds and the rules they get") --
# A kind's clauses are reviewed by the rules of the powers it lacks. The pack reads these as
# constants (rules/documents.rules); they are here so the documentation and a test can
# hold the pack to them.
MAY = {
    LAW: {"licence", "extra_condition", "penalty", "coercion", "fee", "deposit", "certificate", "time_limit"},
    REGULATION: {"licence", "extra_condition", "penalty", "coercion", "fee", "deposit", "certificate", "time_limit"},
    LOCAL_REGULATION: {"licence", "extra_condition", "penalty", "coercion"},  # 许可法15, 处罚法12, 强制法10(3)
    DEPT_RULE: {"penalty_limited"},  # 处罚法13: warnings, 通报批评 and fines within the State Council's limits
    LOCAL_GOV_RULE: {"penalty_limited", "licence_temporary"},  # 处罚法14; 许可法15 (省级, one year)
    NORMATIVE: set(),
    GUIDE: set(),
}


# -- the issuer ---------------------------------------------------------------------------
STATE_COUNCIL = ("国务院", "国务院办公厅")
_NUMBER_ISSUERS = (("国办发", "国务院办公厅"), ("国办函", "国务院办公厅"), ("国发", "国务院"), ("国函", "国务院"))
_TITLE_ISSUER = re.compile(r"^([\u4e00-\u9fff、（）()·]{0,40}?(?:人民政府|办公厅|办公室|委员会|局|厅|部|署|国务院|管委会))关于")


def issuer_of(title: str | None, head: str = "", given: str | None = None) -> str | None:
    """Who issued the document: as given (front matter `issuer:`), else the agency before 关于
    in the title (国务院关于…), else the State Council's 文号 (国发, 国办发), else null."""
    if given and str(given).strip():
        return str(given).strip()
    m = _TITLE_ISSUER.match(" ".join((title or "").split()))
    if m:
        return m.group(1)
    number = _DOC_NUMBER.search(head or "")
    if number:
        for prefix, issuer in _NUMBER_ISSUERS:
            if number.group(0).lstrip().startswith(prefix + "〔") or number.group(0).lstrip().startswith(prefix + "["):
                return issuer
    return None
