"""Entities of legal text that the documents pack names in its messages and tests in its
rules: named organisations and firms, sums of money, time limits with their units. Places
are in places.py. Pure; null in, null out; never raises.

Firms: a name ends in a legal-form word (有限公司, 股份有限公司, 集团, 公司, 协会, 商会, 医院,
中心 …) and runs back to the nearest punctuation or function word (为, 由, 与, 向, 到, 在,
的 …), so 「原市直属学校学生装采购供应商为福建泉州惠新实业有限公司」 names
福建泉州惠新实业有限公司. A government body (人民政府, 局, 委员会) is not a firm.

Money: 80万元, 5亿元, ￥1,500, 二十元, 80万元人民币 -> yuan (the largest sum the text names).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .numerals import parse_number

_FORM = r"(?:股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|协会|商会|研究院|医院|厂|银行|事务所)"
_STOP = "，,。；;：:、（）()“”\"‘’'《》 　为由与向到在从的对将和及或把被给于是即"
_FIRM = re.compile(rf"[^{_STOP}]{{2,24}}?{_FORM}")
# verbs that open the phrase naming a firm (部署应用…有限公司的平台): the name starts after them
_LEAD_VERB = re.compile(r"^.*(?:部署应用|推广应用|部署|应用|使用|安装|采用|推广|接入|选用|购买|采购|委托|选择|确定|引进|落户|支持|奖励|扶持)")
_NOT_FIRM = re.compile(r"人民政府|政府|管理局|委员会|办公室|办公厅|局$|厅$|部$|^本|^该|^各|^其他|^有关|^相关|^任何|^上述")
_MONEY = re.compile(
    r"(?:[￥¥]\s*)?([0-9０-９][0-9０-９,，.．]*|[零〇一二两三四五六七八九十百千]+)\s*(万|亿)?\s*(?:元|块)(?:人民币)?"
    r"|[￥¥]\s*([0-9][0-9,.]*)"
)
_FULL = str.maketrans("０１２３４５６７８９，．", "0123456789,.")


def firms(text: str | None) -> str | None:
    """The named firms and organisations of the text, in order, each once, or null."""
    if not text:
        return None
    found = []
    for m in _FIRM.finditer(text):
        name = _LEAD_VERB.sub("", m.group(0).strip())
        if len(name) > 2 and not _NOT_FIRM.search(name) and name not in found and not name.endswith(("的公司", "等公司")):
            found.append(name)
    return "、".join(found) or None


def _yuan(number: str, unit: str | None) -> Decimal | None:
    digits = number.translate(_FULL).replace(",", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        n = parse_number(number)
        if n is None:
            return None
        value = Decimal(n)
    return value * {"万": 10_000, "亿": 100_000_000}.get(unit or "", 1)


def amount(text: str | None) -> Decimal | None:
    """The largest sum of money the text names, in yuan, or null."""
    if not text:
        return None
    best = None
    for m in _MONEY.finditer(text):
        value = _yuan(m.group(1) or m.group(3), m.group(2))
        if value is not None and (best is None or value > best):
            best = value
    return best
