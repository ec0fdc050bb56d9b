"""The documents pack (rules/documents.rules, RULES.md section 2) on the real engine: for
every DOC-* rule, phrasings that must fire and look-alikes that must not (a clause that
cites its basis, quotes the law or states a prohibition), kinds, the quoted words, the
guide elements; and the helpers the pack calls."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.domain.legaltext import decision_days, joint_decision_days, notice_days, without_waivers
from xuke.ir.compiler import compile_rules
from xuke.ir.functions import FUNCTIONS, check_call
from xuke.jobs.lint import lint_files
from xuke.jobs.loader import load
from xuke.run.runtime import CompiledProgram, Context, input_fact

NORMATIVE, GUIDE = "规范性文件", "办事指南"


@pytest.fixture(scope="module")
def base():
    return load([ROOT / "rules"])


@pytest.fixture(scope="module")
def program(base):
    return CompiledProgram(compile_rules(base))


@pytest.fixture(scope="module")
def run(program, calendar):
    ctx = Context(calendar, dt.date(2025, 12, 31))

    def run(text: str, kind: str | None = NORMATIVE, doc_text: str | None = None):
        doc = {"file": "draft.txt", "title": "江州市某某管理办法", "kind": kind, "text": doc_text or text}
        clause = {"file": "draft.txt", "line": 7, "text": text, "kind": kind, "article": "第五条"}
        facts = [input_fact("document", doc, file="draft.txt"),
                 input_fact("clause", clause, file="draft.txt", line=7)]  # fmt: skip
        return program.run_case(facts, ctx).findings

    return run


def doc_rules(findings) -> set[str]:
    return {f.rule for f in findings if f.rule.startswith("DOC-")}


# rule -> (violating phrasings, clean phrasings). Clean phrasings must trigger no DOC rule.
CASES: dict[str, tuple[list[str], list[str]]] = {
    "DOC-17-SETS-LICENSE": (
        [
            "第五条　设立瓶装液化石油气供应站点的，须经所在区城市管理部门审批。",
            "第四条　设置非大型户外广告设施的，实行备案核准制度，未经核准不得擅自设置。",
            "第三条　在城区从事临时占道经营的，应当取得临时占道经营许可证后方可经营。",
            "1. 新建商品混凝土搅拌站，须经市住房和城乡建设局核准后方可开工建设。",
            "第六条　从事经营性停车场经营的，应当报经市公安交通管理部门批准。",
            "第七条　本市对户外广告设置实行许可证管理。",
            "第八条　未经市城市管理局批准，任何单位和个人不得设置临时摊点。",
            "第九条　未取得排水许可证的，不得向城镇排水设施排放污水。",
            "第十条　申请人取得消防安全检查合格证后方可营业。",
            "第十一条　依据《江州市燃气管理办法》，瓶装燃气配送车辆实行准运许可制度。",  # 办法: not a basis
            "第十二条　申请人应当提交申请书，审批部门不得收取任何费用，但须经区城市管理部门审批。",
        ],
        [
            "第四条　依据《城镇燃气管理条例》第十五条，从事燃气经营活动的企业，须经市城市管理局许可，取得燃气经营许可证后方可经营。",
            "第三条　依照《城市市容和环境卫生管理条例》第十一条，设置大型户外广告，须经市城市管理部门批准。",
            "第二条　依据《中华人民共和国食品安全法》第三十五条，在本市从事食品销售，应当依法取得食品经营许可；未取得食品经营许可证的，不得从事食品经营活动。",
            "第九条　根据《城镇排水与污水处理条例》第二十一条，排水户应当取得排水许可证后方可排放。",
            "第八条　许可机关应当自受理申请之日起二十个工作日内作出决定；二十个工作日内不能作出决定的，经本机关负责人批准，可以延长十个工作日。",
            "第十一条　《中华人民共和国行政许可法》第十二条规定：“下列事项可以设定行政许可：……”",
            "（一）坚持依法审批。各审批部门应当严格依照《中华人民共和国行政许可法》和有关法律、法规实施审批，不得擅自增设审批条件。",
            "为深入推进“放管服”改革，经市政府同意，现就有关事项通知如下：",
            "第十二条　实行行政审批首问负责制度。",
            "第十三条　各部门应当严格执行限时办结制度。",
            "第十条　本办法所称许可，是指燃气经营许可。",
        ],
    ),
    "DOC-16-EXTRA-CONDITION": (
        [
            "第六条　申请燃气经营许可的企业，除符合法定条件外，还应当具备下列条件：",
            "设置电子显示屏的，另须提交光污染影响评估报告和夜间亮度控制方案。",
            "第九条　申请人应当具有相应资质，并同时满足本市产业发展规划的要求。",
            "第十条　个体经营者申请的，还需提供社区居民委员会出具的无违法犯罪记录证明。",
            "第十六条　申请人除应当具备前款条件外，另须取得市行业协会会员资格。",
            "第十七条　申请延续的，另行提交近三年无安全事故的书面承诺。",
        ],
        [
            "第四条　申请食品经营许可，应当符合《中华人民共和国食品安全法》第三十三条规定的条件。",
            "第六条　申请人还应当具备《城镇燃气管理条例》第十五条规定的其他条件。",
            "（一）各审批部门不得擅自增设审批条件，不得要求申请人另行提交法律、法规规定以外的材料。",
            "第七条　许可机关还应当提供申请书格式文本和填写说明。",
            "第十九条　受理窗口还应当提供免费复印服务。",
            "第五条　申请人应当同时满足以下条件：",
        ],
    ),
    "DOC-15-LOCAL-RESTRICTION": (
        [
            "（二）限本市注册企业申请，外地企业须在本市设立分支机构；",
            "第四条　申请人应当具有本市户籍，本地户籍方可申请临时占道经营许可。",
            "2. 参与本市政府投资项目招标的施工企业，应当为本市注册企业；外地企业须在本市设立分支机构后方可参与投标。",
            "第十条　外地企业不得申请本市燃气经营许可。",
            "第十一条　燃气经营企业应当使用本地生产的燃气钢瓶。",
            "第二十一条　投标人须为本省注册企业。",
            "第二十二条　非本市户籍人员不予受理。",
            "第二十三条　申请人须在本市设有固定经营场所。",
        ],
        [
            "第二条　本办法适用于本市行政区域内燃气经营许可的申请、受理、审查、决定和监督管理。",
            "第二条　在本市从事食品销售和餐饮服务活动，应当依法取得食品经营许可证后从事经营，具体依照《中华人民共和国食品安全法》第三十五条执行。",
            "第五条　审批部门不得要求外地企业在本市设立分支机构，不得限制外地商品进入本市市场。",
            "第六条　本市注册企业和外地企业享有同等的申请权利。",
            "第七条　不得以本地户籍作为申请条件。",
            "第八条　行政机关不得要求申请人在本市设立分支机构。",
        ],
    ),
    "DOC-27-DESIGNATED": (
        [
            "（四）燃气质量检测报告，检测须到市燃气行业协会指定的检测机构进行；",
            "2. 建设单位办理消防设计审查的，须购买指定品牌的消防检测设备，并由市消防协会指定的中介机构出具评估报告。",
            "第八条　经营者须向街道办事处指定的供应商购买统一式样的摊位设施。",
            "第十四条　申请人须接受市广告协会组织的有偿服务。",
            "第二十六条　检测报告应当由市质监站指定的检测机构出具。",
            "第二十九条　设置单位应当安装指定型号的监控设备。",
            "第三条　行政机关不得指定检测机构，申请人须到市质监站指定的检测机构检测。",
        ],
        [
            "第十一条　需要对燃气设施进行现场核查的，市城市管理局应当指派两名以上工作人员进行核查。",
            "第六条　申请人可以自主选择具备资质的检验检测机构。许可机关不得指定中介服务机构，不得要求申请人购买指定商品或者接受有偿服务。",
            "第十条　《中华人民共和国行政许可法》第二十七条规定：“行政机关实施行政许可，不得向申请人提出购买指定商品、接受有偿服务等不正当要求。”市城市管理部门及其工作人员应当遵照执行。",
            "1. 各部门不得指定中介服务机构，不得以任何形式要求申请人接受有偿服务。",
            "第三条　临时占道经营应当在区人民政府指定的区域和时段内进行。",
            "第二十七条　申请人可以委托具备资质的中介机构。",
            "第九条　严禁指定中介机构，严禁收取审查费。",
        ],
    ),
    "DOC-58-FEE": (
        [
            "第十二条　准予许可的，市城市管理局颁发燃气经营许可证，并收取证照工本费每证五十元。",
            "第七条　申请人应当按照每平方米二十元的标准缴纳设置审查费。",
            "2. 办理建筑工程施工许可证的，按每证二十元收取工本费。",
            "第十条　申请人领取临时占道经营许可证时，应当缴纳证件工本费十元。",
            "第三十条　收取登记费每次一百元。",
            "第三十四条　许可证工本费每证十元。",
            # the application form: never, even with a basis (第五十八条第二款)
            "第八条　申请人领取申请书格式文本的，每份收取五元。",
            "第四条　行政机关提供申请表格式文本，每份收取工本费二元。",
            "第九条　依照《城市道路管理条例》第三十七条，申请表格式文本按每份十元收费。",
        ],
        [
            "第九条　受理机关提供燃气经营许可申请表格式文本，不得收取任何费用。",
            "第九条　依照《城市道路管理条例》第三十七条，占用城市道路的，按照规定缴纳城市道路占用费。",
            "第十一条　街道办事处不得向经营者收取规定以外的任何费用。",
            "1. 审批过程中不得收取任何费用，法律、行政法规另有规定的除外。",
            "第十条　许可机关提供食品经营许可申请书格式文本，不得收费；实施食品经营许可，不得收取任何费用。",
            "第十一条　首次申领燃气经营许可证的，免收工本费。",
            "第十二条　申请人应当依法为从业人员缴纳社会保险费。",
            "第三十三条　许可证工本费由财政承担。",
            "第三十四条　依照《中华人民共和国道路交通安全法》第八十一条收取工本费。",
            "第三十二条　办理许可不收取任何费用。",
        ],
    ),
    "DOC-42-LIMIT": (
        [
            "第十条　市城市管理局应当自受理申请之日起三十个工作日内作出是否准予许可的决定。",
            "第九条　市城市管理部门应当自受理申请之日起25个工作日内办结。",
            "1. 建筑工程施工许可证核发应当在２５个工作日内办结。",
            "2. 实行联合审批的事项，联合办理时限不超过六十个工作日。",
            "第十一条　办理时限为二十五日。",
            "第三十五条　审批机关应当在三十日内作出决定。",
            "第三十六条　审批时限：三十个工作日。",
            "第三十八条　联合办理的，五十个工作日内办结。",
            "第十八条　对申请材料进行审查，审查期限为三十个工作日。",
        ],
        [
            "第七条　街道办事处应当自受理申请之日起二十个工作日内作出是否准予许可的决定。",
            "涉及规划、交通等部门联合办理的，应当在四十五个工作日内作出决定。",
            "第八条　许可机关应当自受理申请之日起二十个工作日内作出是否准予许可的决定；二十个工作日内不能作出决定的，经本机关负责人批准，可以延长十个工作日，并应当将延长期限的理由告知申请人。",
            "2. 实行联合审图、联合验收的事项，联合办理时限不超过四十五个工作日。",
            "第九条　依法应当由多个部门联合办理的，办理时限不超过四十五个工作日。",
            "（五）送达：自作出决定之日起十日内颁发、送达许可证；检验、检测所需时间不超过三十日，不计算在期限内。",
            "1. 审批时限由三十个工作日压缩至十五个工作日。",
            "第三十七条　应当在15个工作日内办结。",
            "第十二条　自2025年12月30日起施行。",
            "第十四条　公示期为十个工作日。",
            "第三十九条　需要听证的，听证时间不超过三十日。",
            "第二十一条　根据《城镇燃气管理条例》第十五条，审批时限为三十个工作日。",
            "第十九条　《中华人民共和国行政许可法》第四十二条规定：“行政机关应当自受理行政许可申请之日起二十日内作出行政许可决定。二十日内不能作出决定的，经本行政机关负责人批准，可以延长十日”。",
        ],
    ),
    "DOC-32-NOTICE-LIMIT": (
        [
            "第8条　申请材料不齐全的，市城市管理部门应当在十日内告知申请人补正。",
            "第六条　申请材料不齐全的，街道办事处应当自收到申请之日起十个工作日内一次性告知申请人补正。",
            "第九条　材料不全的，受理窗口应当在7个工作日内通知申请人补齐。",
            "第四十条　应当在收到申请之日起七日内告知申请人补正。",
        ],
        [
            "第八条　申请材料不齐全或者不符合法定形式的，受理机关应当在收到申请材料之日起五日内一次性告知申请人需要补正的全部内容。",
            "1. 各部门应当在收到申请材料之日起五个工作日内一次性告知申请人需要补正的全部内容。",
            "第十一条　作出不予许可决定的，应当在十日内书面告知申请人并说明理由。",
            "第十二条　申请材料需要补正的，当场一次性告知；申请人应当在三十日内补正。",
            "第十条　申请人应当在接到补正通知之日起十五日内补正材料。",
            "第十六条　申请材料不齐全的，应当在5日内一次性告知申请人补正。",
        ],
    ),
    "DOC-31-CATCHALL": (
        [
            "（五）其他相关材料。",
            "3. 申请施工图审查合格书的，应当提交施工图设计文件、勘察成果报告以及审批机关要求的其他材料。",
            "其他相关材料",
            "（六）其他必要的证明材料；",
            "（七）其他材料。",
            "（三）审批部门认为需要提供的其他材料。",
            "（四）主管部门规定的其他文件。",
        ],
        [
            "（四）法律、法规规定的其他材料。",
            "（五）《城镇燃气管理条例》第十五条规定的其他材料。",
            "（二）营业执照或者其他主体资格证明文件；",
            "第九条　审批部门不得要求申请人提交其他相关材料。",
            "第四十三条　申请人应当提交营业执照等其他材料原件。",
            "（一）食品经营许可申请书；",
        ],
    ),
    "DOC-31-TECH": (
        [
            "第6条　采用LED显示屏的申请人，应当向设施运营单位转让技术，方可取得设置许可。",
            "第九条　外商投资企业申请许可的，须将核心技术转让给本市合作企业。",
            "第十条　以向本市企业技术转让为取得经营许可的前提条件。",
            "第四十四条　外商投资企业应当转让相关技术。",
        ],
        [
            "第十一条　行政机关及其工作人员不得以转让技术作为取得行政许可的条件。",
            "第十二条　申请人应当提交设施的技术方案和结构安全检测报告。",
            "第十三条　鼓励户外广告企业开展技术合作与技术转让。",
            "第四十五条　取得许可后，鼓励技术转让。",
        ],
    ),
}

VIOLATING = [(rule, text) for rule, (bad, _) in CASES.items() for text in bad]
CLEAN = [(rule, text) for rule, (_, good) in CASES.items() for text in good]


def test_every_rule_has_three_of_each_side():
    for rule, (bad, good) in CASES.items():
        assert len(bad) >= 3 and len(good) >= 3, rule


def test_the_pack_implements_section_2_v2_with_its_severities(base):
    ir = compile_rules(base)
    got = {r["id"]: r["severity"] for r in ir["rules"] if r["id"].startswith("DOC-")}
    # RULES.md section 2, "Changes in v2 (documents)"
    assert got == {
        "DOC-17-SETS-LICENSE": "error", "DOC-16-EXTRA-CONDITION": "error", "DOC-15-LOCAL-RESTRICTION": "error",
        "DOC-27-DESIGNATED": "error", "DOC-58-FEE": "error", "DOC-DEPOSIT": "error", "DOC-SUBSIDY": "error",
        "DOC-PENALTY": "error", "DOC-CERTIFICATE": "warning", "DOC-PRICE": "error", "DOC-RETRO": "warning",
        "DOC-42-LIMIT": "error", "DOC-32-NOTICE-LIMIT": "error", "DOC-31-CATCHALL": "warning",
        "DOC-31-TECH": "error", "DOC-30-GUIDE": "warning", "DOC-BASIS-INVALID": "warning",
        "DOC-KIND-UNKNOWN": "warning",
    }  # fmt: skip


def test_citations_are_the_verified_ones_of_legal_basis_md(base):
    # docs/legal-basis.md section 7: the citation of each rule, verified against the statutes
    text = (ROOT / "docs" / "legal-basis.md").read_text(encoding="utf-8")
    block = text.split("<!-- legal-basis:citations -->", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    verified = {k: v for k, v in yaml.safe_load(block).items() if k.startswith("DOC-")}
    ir = compile_rules(base)
    got = {r["id"]: r["cites"] for r in ir["rules"] if r["id"].startswith("DOC-")}
    assert got == verified


@pytest.mark.parametrize("rule,text", VIOLATING)
def test_fires(run, rule, text):
    findings = [f for f in run(text) if f.rule == rule]
    assert len(findings) == 1, (rule, text, doc_rules(run(text)))
    f = findings[0]
    assert (f.file, f.line, f.article, f.text) == ("draft.txt", 7, "第五条", text)
    # the message quotes the offending words of this clause
    quoted = re.findall(r"「([^」]+)」", f.message)
    assert quoted and quoted[0] in text, f.message
    if f.span is not None:
        start, end = f.span
        assert 0 <= start < end <= len(text)


@pytest.mark.parametrize("rule,text", CLEAN)
def test_stays_silent(run, rule, text):
    assert doc_rules(run(text)) == set(), (rule, text)


@pytest.mark.parametrize("rule,text", VIOLATING[::3])
@pytest.mark.parametrize("kind", [GUIDE, None])
def test_clause_rules_only_review_normative_documents(run, rule, text, kind):
    # a complete guide around the clause, so that DOC-30-GUIDE has nothing to say either;
    # a document whose kind is unknown is reported as not reviewed, never passed as clean
    found = doc_rules(run(text, kind=kind, doc_text=COMPLETE_GUIDE))
    assert found == (set() if kind else {"DOC-KIND-UNKNOWN"})


def test_highlight_is_the_offending_words(run):
    text = "第十二条　准予许可的，市城市管理局颁发燃气经营许可证，并收取证照工本费每证五十元。"
    (f,) = [f for f in run(text) if f.rule == "DOC-58-FEE"]
    assert text[f.span[0] : f.span[1]].startswith("收取证照工本费")
    assert "依据：未引用法律、行政法规" in f.message
    assert "格式文本" not in f.message  # the form-fee sentence only where the clause charges for forms


def test_a_ban_in_the_same_clause_does_not_hide_a_violation(run):
    text = "第三条　行政机关不得收取费用，但申请人须到市质监站指定的检测机构检测。"
    assert doc_rules(run(text)) == {"DOC-27-DESIGNATED"}


def test_notice_message_gives_the_days(run):
    (f,) = run("第8条　申请材料不齐全的，市城市管理部门应当在十日内告知申请人补正。")
    assert "十日内告知申请人补正" in f.message and "10 日" in f.message


# -- DOC-30-GUIDE: one finding per missing element ----------------------------------------

# the lines that give each element of a complete guide (and nothing else)
ELEMENTS = {
    "依据": ["二、办理依据", "《中华人民共和国食品安全法》第三十五条"],
    "条件": ["四、申请条件", "具有与经营的食品品种相适应的经营场所"],
    "数量": ["数量限制：无"],
    "材料": ["五、申请材料目录", "（一）食品经营许可申请书（原件1份）"],
    "示范文本": ["申请书示范文本及空白样表可在政务服务网下载"],
    "程序": ["六、办理程序", "申请、受理、审查、决定、送达"],
    "期限": ["七、办理时限", "法定时限：二十个工作日"],
    "收费": ["八、收费标准", "不收费。"],
}
COMPLETE_GUIDE = "\n".join(
    ["江州市食品经营许可（新办）服务指南", "一、事项名称", "食品经营许可（新办）"]
    + [line for lines in ELEMENTS.values() for line in lines]
)


def without(element: str) -> str:
    return "\n".join(ln for ln in COMPLETE_GUIDE.splitlines() if ln not in ELEMENTS[element])


def gaps(run, text: str) -> list[str]:
    out = []
    for f in run("咨询电话：12345。", kind=GUIDE, doc_text=text):
        if f.rule == "DOC-30-GUIDE":
            out.append(re.search(r"缺少要素「(.+?)」", f.message).group(1))
    return sorted(out)


def test_complete_guide_has_no_gap(run):
    assert gaps(run, COMPLETE_GUIDE) == []


@pytest.mark.parametrize("element", sorted(ELEMENTS))
def test_each_missing_element_is_one_finding_naming_it(run, element):
    assert gaps(run, without(element)) == [element]


def test_an_empty_guide_lacks_all_eight(run):
    assert gaps(run, "江州市排水许可办事指南\n咨询电话：12345") == sorted(ELEMENTS)


@pytest.mark.parametrize(
    "fee",
    [
        "八、收费标准\n按每证十元收取工本费（依据《城镇燃气管理条例》）",
        "收费：免费办理",
        "本事项不收取任何费用。",
    ],
)
def test_a_fee_statement_either_way_is_the_fee_element(run, fee):
    assert gaps(run, without("收费") + "\n" + fee) == []


def test_guide_rule_ignores_normative_documents(run):
    assert [
        f for f in run("第一条　为了规范管理，制定本办法。", doc_text="某办法") if f.rule == "DOC-30-GUIDE"
    ] == []


# -- through lint_files, from a file ------------------------------------------------------


def test_lint_files_front_matter_kind_and_lines(tmp_path, base, program, calendar):
    path = tmp_path / "draft.md"
    path.write_text(
        "---\nkind: normative\ntitle: 江州市某某规定\n---\n# 江州市某某规定\n\n"
        "**第1条**　依据《城镇燃气管理条例》第十五条，须经市城市管理局许可。\n\n"
        "**第2条**　须经区城市管理部门审批。\n",
        encoding="utf-8",
    )
    result = lint_files(base, [path], calendar, program=program, as_of=dt.date(2025, 12, 31))
    assert [(f.rule, f.line, f.article) for f in result.findings] == [("DOC-17-SETS-LICENSE", 9, "第2条")]


# -- the helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,ordinary,joint",
    [
        ("市城市管理局应当自受理申请之日起三十个工作日内作出是否准予许可的决定。", 30, None),
        ("应当自受理申请之日起25个工作日内办结。", 25, None),
        ("应当在２５个工作日内办结。", 25, None),
        ("办理时限为二十五日。", 25, None),
        ("审批时限：三十个工作日。", 30, None),
        ("涉及规划、交通等部门联合办理的，应当在四十五个工作日内作出决定。", None, 45),
        ("依法应当由多个部门联合办理的，办理时限不超过四十五个工作日。", None, 45),
        ("二十个工作日内作出决定；联合办理的，五十个工作日内办结。", 20, 50),
        (
            "二十个工作日内作出决定；二十个工作日内不能作出决定的，经本机关负责人批准，可以延长十个工作日。",
            20,
            None,
        ),
        ("审批时限由三十个工作日压缩至十五个工作日。", 15, None),
        ("自作出决定之日起十日内颁发、送达许可证。", None, None),
        ("检验、检测所需时间不超过六十日。", None, None),
        ("五日内一次性告知申请人需要补正的全部内容。", None, None),
        ("本办法自2025年9月1日起施行。", None, None),
        ("应当在三十个自然日内办结。", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_decision_days(text, ordinary, joint):
    assert decision_days(text) == ordinary
    assert joint_decision_days(text) == joint


@pytest.mark.parametrize(
    "text,days",
    [
        ("申请材料不齐全的，应当在十日内告知申请人补正。", 10),
        ("自收到申请之日起十个工作日内一次性告知申请人补正。", 10),
        ("材料不全的，应当在7个工作日内通知申请人补齐。", 7),
        ("应当当场或者在五日内一次性告知申请人需要补正的全部内容。", 5),
        ("作出不予许可决定的，应当在十日内书面告知申请人。", None),
        ("申请人应当在接到补正通知之日起十五日内补正材料。", None),
        (None, None),
    ],
)
def test_notice_days(text, days):
    assert notice_days(text) == days


def test_without_waivers():
    text = "首次申领的免收工本费，换证的收取工本费十元。"
    out = without_waivers(text)
    assert len(out) == len(text) and "免收" not in out and "收取工本费十元" in out
    assert without_waivers("收取工本费十元。") == "收取工本费十元。"
    assert without_waivers(None) is None


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("十二三五25０个工作日天内作出决定办结告知补正联合延长免收费，。；月第")
        ),
        max_size=60,
    )
)
def test_helpers_are_total(text):
    for fn in (decision_days, joint_decision_days, notice_days):
        value = fn(text)
        assert value is None or (isinstance(value, int) and value >= 0)
    assert len(without_waivers(text)) == len(text)


def test_helpers_are_registered_with_their_types():
    for name in ("decision_days", "joint_decision_days", "notice_days"):
        assert check_call(name, ["text"]) == "int"
    assert check_call("without_waivers", ["text"]) == "text"
    assert {"cites_basis", "basis", "prohibits", "quotes_law", "without_prohibitions"} <= set(FUNCTIONS)
