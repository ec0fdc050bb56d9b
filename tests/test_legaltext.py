"""The clause-text helpers the document rules call: cites_basis, basis, prohibits, quotes_law."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.domain.legaltext import (
    FUNCTIONS,
    basis,
    basis_titles,
    cites_basis,
    is_law_title,
    numeral_value,
    prohibits,
    quotes_law,
    without_prohibitions,
)

# -- cites a basis ----------------------------------------------------------------------

CITES = [
    "第五条　根据《中华人民共和国行政许可法》和《城镇燃气管理条例》，制定本办法。",
    "依据《城镇燃气管理条例》第十五条，从事燃气经营活动须经燃气管理部门批准。",
    "根据《江州市燃气管理办法》和《城镇燃气管理条例》的规定，实行许可制度。",
    "按《国务院对确需保留的行政审批项目设定行政许可的决定》第102项执行。",
    "从事燃气经营须取得许可证（《城镇燃气管理条例》第十五条）。",
    "办理依据：《中华人民共和国行政许可法》《江苏省燃气管理条例》",
    "依照国务院《城镇燃气管理条例》设立燃气经营许可。",
    "申请人还应当具备《城镇燃气管理条例》规定的其他条件。",
    "遵照《中华人民共和国民法典》第三条执行。",
    "依据《中华人民共和国行政许可法（2019年修正）》，实施许可。",
    "按照《全国人民代表大会常务委员会关于修改〈中华人民共和国港口法〉等七部法律的决定》执行。",
    "依据《江苏省人民代表大会常务委员会关于促进农村发展的决定》，须经审批。",
]
NOT_CITES = [
    "根据《江州市燃气经营许可管理办法》，须经批准。",
    "依据本办法第十条的规定，实行审批。",
    "根据有关法律法规，实行审批制度。",
    "违反《中华人民共和国行政许可法》的，依法追究责任。",
    "根据《关于进一步优化营商环境的通知》执行。",
    "根据《江州市人民政府关于加强燃气管理的决定》，须经审批。",
    "依据《燃气管理条例（草案）》，须经批准。",
    "根据工作需要，经营者应当取得《燃气经营许可证》。",
    "根据实际情况，须经市住建局批准。《城镇燃气管理条例》另有规定的除外。",
    "按照《户外广告设置技术规范》执行，并依据《某某实施细则》审批。",
    "依据《城镇燃气管理条例释义》，须经批准。",
    "根据市政府的统一部署和要求以及相关工作安排开展《城镇燃气管理条例》宣传活动",
    "",
    None,
]


@pytest.mark.parametrize("text", CITES)
def test_cites_basis(text):
    assert cites_basis(text)
    assert basis(text).startswith("《")


@pytest.mark.parametrize("text", NOT_CITES)
def test_does_not_cite_basis(text):
    assert not cites_basis(text)
    assert basis(text) is None and basis_titles(text) == []


def test_basis_titles_in_order_each_once():
    text = "根据《中华人民共和国行政许可法》《江州市管理办法》《城镇燃气管理条例》和《中华人民共和国行政许可法》第十二条"
    assert basis_titles(text) == ["中华人民共和国行政许可法", "城镇燃气管理条例"]
    assert basis(text) == "《中华人民共和国行政许可法》、《城镇燃气管理条例》"


@pytest.mark.parametrize(
    "title, law",
    [
        ("中华人民共和国行政许可法", True),
        ("民法典", True),
        ("城镇燃气管理条例", True),
        ("江苏省燃气管理条例（2021年修订）", True),
        ("国务院关于取消一批行政许可事项的决定", True),
        ("城镇燃气管理条例（征求意见稿）", False),
        ("江州市燃气管理办法", False),
        ("危险化学品安全管理规定", False),
        ("分析方法", False),
        ("江州市人民政府关于某事的决定", False),
    ],
)
def test_law_titles(title, law):
    assert is_law_title(title) is law


# -- prohibitions ----------------------------------------------------------------------------

PROHIBITS = [
    "行政机关不得指定中介机构。",
    "办理许可不得收取任何费用。",
    "禁止行政机关及其工作人员指定检测机构。",
    "严禁工作人员收受申请人财物。",
    "不得以申请材料需要公证为由拒绝受理。",
    "不得要求申请人提供本办法规定以外的材料。",
    "审批部门不得以转让技术作为取得许可的条件。",
    "对申请人不得收取任何费用。",
    "行政机关提供申请书格式文本，不得收费。",
    "许可机关工作人员严禁吃拿卡要。",
    "各地不得限制外地企业参与本市招投标。",
    "不得向申请人指定或者变相指定中介服务机构",
]
NOT_PROHIBITS = [
    "未经批准，不得从事燃气经营活动。",
    "外地企业不得参与本市燃气经营。",
    "申请人不得隐瞒有关情况或者提供虚假材料。",
    "未取得许可证的，不得擅自经营。",
    "经营场所面积不得少于100平方米。",
    "申请人须到指定机构进行检测。",
    "按每证二十元收取工本费。",
    "严禁无证经营。",
    "申请单位不得要求变更许可范围。",
    "须在本市设立分支机构，非本市企业不得申请。",
    "",
    None,
]


@pytest.mark.parametrize("text", PROHIBITS)
def test_prohibits(text):
    assert prohibits(text)


@pytest.mark.parametrize("text", NOT_PROHIBITS)
def test_does_not_prohibit(text):
    assert not prohibits(text)
    assert without_prohibitions(text) == text


def test_without_prohibitions_keeps_the_violation_and_offsets():
    text = "申请人须到指定机构检测，行政机关不得收取费用；证书工本费每本10元。"
    blanked = without_prohibitions(text)
    assert len(blanked) == len(text)
    assert "到指定机构" in blanked and "工本费" in blanked and "收取" not in blanked
    assert blanked.index("工本费") == text.index("工本费")
    assert without_prohibitions("不得指定中介，不得收取费用。") == "\u3000" * 6 + "，" + "\u3000" * 6 + "。"


# -- quoting the law ----------------------------------------------------------------------------

QUOTES = [
    "《中华人民共和国行政许可法》第三十一条规定：“申请人申请行政许可，应当如实向行政机关提交有关材料。”",
    "根据《行政许可法》第二十七条规定，行政机关不得要求申请人购买指定商品。",
    "第十条　《城镇燃气管理条例》第十五条规定，从事燃气经营活动的企业应当具备下列条件：",
    "正如《行政许可法》中规定“行政机关实施行政许可，不得向申请人提出购买指定商品”",
    "（三）依据《中华人民共和国行政许可法》第四十二条的规定，二十日内作出决定。",
    "《城镇燃气管理条例》第十五条第一款规定：「国家对燃气经营实行许可证制度。」",
    "1. 《中华人民共和国行政许可法》规定，行政机关应当一次性告知。",
    "对此，《中华人民共和国行政许可法》第五十八条明确：“行政机关实施行政许可，不得收取任何费用。”",
]
NOT_QUOTES = [
    "根据《江州市管理办法》第三条规定：“须经批准。”",
    "依据《中华人民共和国行政许可法》，制定本办法。",
    "申请人须提交材料，《中华人民共和国行政许可法》另有规定的除外。",
    "违反本办法规定：“不得经营。”",
    "申请人应当符合条件，具体按照《城镇燃气管理条例》执行。",
    "“须经批准”是本办法的核心。",
    "本办法所称许可，是指《中华人民共和国行政许可法》所称的行政许可。",
    "须经审批，《城镇燃气管理条例》规定的情形除外。",
    None,
]


@pytest.mark.parametrize("text", QUOTES)
def test_quotes_law(text):
    assert quotes_law(text)


@pytest.mark.parametrize("text", NOT_QUOTES)
def test_does_not_quote_law(text):
    assert not quotes_law(text)


# -- numerals, the function table, robustness -------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十五", 25),
        ("一百零五", 105),
        ("一〇五", 105),
        ("两千零一", 2001),
        ("一万二千", 12000),
        ("12", 12),
        ("１２", 12),
        ("十二条", None),
        ("", None),
        (None, None),
    ],
)
def test_numeral_value(text, value):
    assert numeral_value(text) == value


def test_function_table():
    assert set(FUNCTIONS) == {"cites_basis", "basis", "prohibits", "without_prohibitions", "quotes_law"}
    for name, (fn, args, result) in FUNCTIONS.items():
        assert fn.__name__ == name and args == ("text",) and result in ("bool", "text")


TEXTISH = st.text(
    alphabet=st.sampled_from(
        list("《》依据根据按照不得禁止收取指定法条例办法决定国务院第十二条规定：“”，。；（）草案 a1")
    )
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), TEXTISH))
def test_helpers_total_and_consistent(text):
    assert cites_basis(text) == bool(basis_titles(text))
    assert isinstance(prohibits(text), bool) and isinstance(quotes_law(text), bool)
    blanked = without_prohibitions(text)
    assert len(blanked) == len(text)
    assert prohibits(text) == (blanked != text)
