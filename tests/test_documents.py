"""The document reader: structure, lines, front matter, kinds, encodings, .docx, errors, fixtures."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xuke.domain.legaltext import cites_basis, prohibits, quotes_law
from xuke.domain.schema import CLAUSE_FIELDS, DOCUMENT_FIELDS
from xuke.errors import InputError
from xuke.sources import documents
from xuke.sources.documents import (
    Document,
    docx_paragraph_text,
    docx_paragraphs,
    infer_kind,
    read_document,
    split_lines,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
EXPECTED = sorted(FIXTURES.glob("*.expected.yaml"))


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def by_line(document: Document) -> dict:
    return {c.line: c for c in document.clauses}


# -- structure ------------------------------------------------------------------------

MEASURES = """\
某市排水许可管理办法

第一章　总则
第一条　为了规范排水许可，制定本办法。
第二条 本办法适用于本市。
第二章 许可
第一节 申请
第12条　申请人应当提交下列材料：
（一）申请书；
（二）证明文件：
1. 身份证明；
2. 场地证明：
（1）产权证；
（2）租赁合同；
① 原件
（三）其他材料。
有前款情形的，不予受理。
第十条之一　新增条款。
第十三条规定的期限届满的，依法处理。
"""


def test_chapters_articles_items_and_exact_lines(tmp_path):
    doc = read_document(write(tmp_path, "m.txt", MEASURES))
    assert doc.title == "某市排水许可管理办法"
    assert doc.headings == {1: "某市排水许可管理办法", 3: "第一章　总则", 6: "第二章 许可", 7: "第一节 申请"}
    got = {c.line: (c.article, c.article_no, c.chapter, c.item) for c in doc.clauses}
    assert got == {
        4: ("第一条", 1, "第一章 总则", None),
        5: ("第二条", 2, "第一章 总则", None),
        8: ("第12条", 12, "第二章 许可", None),
        9: ("第12条", 12, "第二章 许可", "（一）"),
        10: ("第12条", 12, "第二章 许可", "（二）"),
        11: ("第12条", 12, "第二章 许可", "（二）/1."),
        12: ("第12条", 12, "第二章 许可", "（二）/2."),
        13: ("第12条", 12, "第二章 许可", "（二）/2./（1）"),
        14: ("第12条", 12, "第二章 许可", "（二）/2./（2）"),
        15: ("第12条", 12, "第二章 许可", "（二）/2./（2）/①"),
        16: ("第12条", 12, "第二章 许可", "（三）"),
        17: ("第12条", 12, "第二章 许可", None),  # a further paragraph (款) of the article
        18: ("第十条之一", 10, "第二章 许可", None),
        19: ("第十条之一", 10, "第二章 许可", None),  # 第十三条规定… refers to an article
    }
    assert by_line(doc)[8].text == "第12条　申请人应当提交下列材料："
    assert all(c.kind == "规范性文件" and c.title == doc.title and c.file == doc.file for c in doc.clauses)


@pytest.mark.parametrize(
    "marker, number",
    [
        ("第一百零五条", 105),
        ("第二十条", 20),
        ("第十条", 10),
        ("第１２条", 12),
        ("第 7 条", 7),
        ("第一〇五条", 105),
    ],
)
def test_article_numbers(tmp_path, marker, number):
    doc = read_document(write(tmp_path, "a.txt", f"标题\n{marker}　内容。\n"))
    assert doc.clauses[0].article_no == number
    assert doc.clauses[0].article == marker.replace(" ", "")


def test_notice_items_outside_articles_inherit_path(tmp_path):
    text = "关于做好审批工作的通知\n一、办理依据\n《中华人民共和国行政许可法》\n二、要求\n（一）精简材料。\n1. 不得要求重复提交。\n说明文字。\n"
    doc = read_document(write(tmp_path, "n.txt", text))
    assert [(c.line, c.item) for c in doc.clauses] == [
        (2, "一、"),
        (3, "一、"),
        (4, "二、"),
        (5, "二、/（一）"),
        (6, "二、/（一）/1."),
        (7, "二、/（一）/1."),
    ]


def test_item_markers_are_canonical(tmp_path):
    text = "某某方案\n一．总体\n(二)半角括号\n3、顿号\n4．全角点\n(5)半角\n"
    doc = read_document(write(tmp_path, "i.txt", text))
    assert [c.item for c in doc.clauses] == [
        "一、",
        "一、/（二）",
        "一、/（二）/3.",
        "一、/（二）/4.",
        "一、/（二）/4./（5）",
    ]


def test_not_item_markers(tmp_path):
    text = "某某办法\n十日内告知。\n一次性告知。\n3.5万元以下的。\n2025年起施行。\n"
    doc = read_document(write(tmp_path, "x.txt", text))
    assert [c.item for c in doc.clauses] == [None] * 4


def test_markdown_stripped_with_source_lines(tmp_path):
    text = (
        "# 某市管理**办法**\n\n## 第一章 总则\n\n**第一条**　根据[《城镇燃气管理条例》](http://x)，制定本办法。\n"
        "> 引用段落\n- 列表项\n| 材料 | 份数 |\n|---|---|\n| 其他相关材料 | 1 |\n```\n代码行\n```\n*强调*文本\\*星号\n"
    )
    doc = read_document(write(tmp_path, "m.md", text))
    assert doc.title == "某市管理办法"
    assert doc.headings == {1: "某市管理办法", 3: "第一章 总则"}
    assert [(c.line, c.text) for c in doc.clauses] == [
        (5, "第一条　根据《城镇燃气管理条例》，制定本办法。"),
        (6, "引用段落"),
        (7, "列表项"),
        (8, "材料 | 份数"),
        (10, "其他相关材料 | 1"),
        (12, "代码行"),
        (14, "强调文本*星号"),
    ]
    assert doc.clauses[0].article == "第一条" and doc.clauses[0].chapter == "第一章 总则"


def test_markdown_heading_without_number_is_not_a_clause(tmp_path):
    doc = read_document(write(tmp_path, "g.md", "# 某某办事指南\n## 收费标准\n不收费。\n"))
    assert doc.headings == {1: "某某办事指南", 2: "收费标准"}
    assert [(c.line, c.text, c.item) for c in doc.clauses] == [(3, "不收费。", None)]
    assert "收费标准" in doc.text


def test_line_endings_and_text(tmp_path):
    doc = read_document(
        write(tmp_path, "e.txt", "某某规定\r\n第一条　甲。\r第二条　乙。\n\n　　第三条　丙。")
    )
    assert [(c.line, c.text) for c in doc.clauses] == [
        (2, "第一条　甲。"),
        (3, "第二条　乙。"),
        (5, "第三条　丙。"),
    ]
    assert doc.text == "某某规定\n第一条　甲。\n第二条　乙。\n第三条　丙。"


def test_facts_have_exactly_the_schema_fields(tmp_path):
    doc = read_document(write(tmp_path, "f.txt", "某某办法\n第一条　甲。\n"))
    assert set(doc.fact()) == {s.name for s in DOCUMENT_FIELDS}
    assert set(doc.clauses[0].fact()) == {s.name for s in CLAUSE_FIELDS}
    assert doc.clauses[0].fact()["line"] == 2


# -- front matter, title, kind ------------------------------------------------------------


def test_front_matter(tmp_path):
    text = "---\nkind: 办事指南\ntitle: 某事项办事指南\nowner: 市局\n---\n某事项办事指南\n一、办理依据\n"
    doc = read_document(write(tmp_path, "g.txt", text))
    assert (doc.kind, doc.title) == ("办事指南", "某事项办事指南")
    assert doc.front_matter == {"kind": "办事指南", "title": "某事项办事指南", "owner": "市局"}
    assert doc.headings == {6: "某事项办事指南"}
    assert [c.line for c in doc.clauses] == [7]
    assert "kind:" not in doc.text


def test_front_matter_title_does_not_swallow_a_sentence(tmp_path):
    doc = read_document(write(tmp_path, "g.txt", "---\ntitle: 某某办法\n---\n为了规范管理，制定本办法。\n"))
    assert doc.title == "某某办法" and doc.headings == {}
    assert [c.line for c in doc.clauses] == [4]


def test_unclosed_front_matter_is_body(tmp_path):
    doc = read_document(write(tmp_path, "g.txt", "---\n某某办法\n第一条　甲。\n"))
    assert doc.front_matter == {} and doc.title == "某某办法"


@pytest.mark.parametrize(
    "text, message",
    [
        ("---\nkind: [\n---\n正文\n", "front matter is not valid YAML"),
        ("---\n- a\n---\n正文\n", "must be a mapping"),
    ],
)
def test_bad_front_matter(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_document(write(tmp_path, "bad.md", text))


@pytest.mark.parametrize(
    "title, kind",
    [
        ("江州市燃气经营许可管理办法", "规范性文件"),
        ("江州市户外广告设置规定", "规范性文件"),
        ("临时占道经营管理实施细则", "规范性文件"),
        ("关于优化审批服务的通知", "规范性文件"),
        ("关于深化改革的实施意见", "规范性文件"),
        ("营商环境提升行动方案", "规范性文件"),
        ("燃气经营许可办事指南", "办事指南"),
        ("食品经营许可服务指南", "办事指南"),
        ("关于印发燃气经营许可办事指南的通知", "办事指南"),
        ("江州市2025年工作要点", None),
        (None, None),
    ],
)
def test_infer_kind(title, kind):
    assert infer_kind(title) == kind


def test_kind_precedence_and_english_names(tmp_path):
    plain = write(tmp_path, "p.txt", "某某工作要点\n一、要求\n")
    assert read_document(plain).kind is None
    assert read_document(plain, kind="guide").kind == "办事指南"
    assert read_document(plain, kind="normative").kind == "规范性文件"
    fronted = write(tmp_path, "f.txt", "---\nkind: Guide\n---\n某某管理办法\n")
    assert read_document(fronted, kind="normative").kind == "办事指南"  # front matter first
    titled = write(tmp_path, "t.txt", "某某管理办法\n")
    assert read_document(titled, kind="guide").kind == "办事指南"  # the option before the title
    with pytest.raises(InputError, match="unknown document kind 'memo'"):
        read_document(plain, kind="memo")


def test_no_title_when_the_document_opens_with_an_article(tmp_path):
    doc = read_document(write(tmp_path, "a.txt", "\n\n第一条　甲。\n"))
    assert doc.title is None and doc.kind is None and [c.line for c in doc.clauses] == [3]


# -- encodings ---------------------------------------------------------------------------


def test_gbk_detected(tmp_path):
    path = write(tmp_path, "g.txt", MEASURES, encoding="gbk")
    doc = read_document(path)
    assert doc.title == "某市排水许可管理办法" and len(doc.clauses) == 14


def test_encoding_forced_and_wrong(tmp_path):
    path = write(tmp_path, "g.txt", MEASURES, encoding="gb18030")
    assert read_document(path, encoding="gb18030").clauses[0].text == "第一条　为了规范排水许可，制定本办法。"
    with pytest.raises(InputError, match="not valid utf-8 text"):
        read_document(path, encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding"):
        read_document(path, encoding="klingon")


def test_utf8_bom_and_utf16(tmp_path):
    bom = tmp_path / "b.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + "某某办法\n第一条　甲。\n".encode())
    assert read_document(bom).title == "某某办法"
    wide = tmp_path / "w.txt"
    wide.write_bytes("某某办法\n第一条　甲。\n".encode("utf-16"))
    assert read_document(wide).clauses[0].article_no == 1


# -- errors ---------------------------------------------------------------------------------


def assert_one_line(error: InputError, path: Path) -> None:
    message = str(error)
    assert "\n" not in message and str(path) in message


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file") as e:
        read_document(tmp_path / "missing.docx")
    assert_one_line(e.value, tmp_path / "missing.docx")


@pytest.mark.parametrize(
    "name, message", [("a.rtf", "unsupported document type .rtf"), ("a.odt", "unsupported document type .odt")]
)
def test_unsupported_types(tmp_path, name, message):
    path = write(tmp_path, name, "x")
    with pytest.raises(InputError, match=message):
        read_document(path)


def test_directory(tmp_path):
    (tmp_path / "d.txt").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        read_document(tmp_path / "d.txt")


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        bytes(range(1, 32)) * 50,
        bytes(range(0x80, 0x100)) * 16,
        b"PK\x03\x04" + bytes(range(256)) * 8,
        "正常文本\x00后面是二进制".encode(),
        "控制字符\x01\x02\x03".encode(),
    ],
)
def test_binary_text_file(tmp_path, data):
    path = tmp_path / "garbage.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match="not a text file") as e:
        read_document(path)
    assert_one_line(e.value, path)


def test_corrupt_docx(tmp_path):
    path = tmp_path / "corrupt.docx"
    path.write_bytes(b"this is not a zip archive at all")
    with pytest.raises(InputError, match="not a .docx file") as e:
        read_document(path)
    assert_one_line(e.value, path)


def test_zip_that_is_not_a_word_document(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="cannot read .docx") as e:
        read_document(path)
    assert_one_line(e.value, path)


def test_truncated_docx(tmp_path):
    data = (FIXTURES / "street_stall_rules.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as e:
        read_document(path)
    assert_one_line(e.value, path)


def test_zip_bomb_ratio(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (8 * 1024 * 1024))  # ~8 KB compressed
    with pytest.raises(InputError, match="zip bomb") as e:
        read_document(path)
    assert_one_line(e.value, path)


def test_zip_bomb_total_size(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_DOCX_BYTES", 1000)
    path = tmp_path / "big.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("word/document.xml", os.urandom(2000))
    with pytest.raises(InputError, match="expand to 0 MB .limit 0 MB"):
        read_document(path)


# -- .docx ------------------------------------------------------------------------------------


def build_docx(path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("某某管理办法", style="Title")  # 1
    d.add_paragraph("第一章　总则", style="Heading 1")  # 2
    d.add_paragraph("第一条　原有文字。")  # 3, tracked changes added below
    d.add_paragraph("")  # 4, empty but numbered
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1))  # one physical cell spanning two columns
    table.cell(0, 0).text = "合并单元格"  # 5
    table.cell(0, 2).text = "份数"  # 6
    table.cell(1, 0).text = "（一）申请书"  # 7
    table.cell(1, 1).text = "原件"  # 8
    inner = table.cell(1, 2).add_table(rows=1, cols=1)  # after the cell's own paragraph 9
    inner.cell(0, 0).text = "嵌套表格"  # 10
    table.cell(2, 0).text = "（二）其他相关材料"  # 11
    table.cell(2, 1).text = "复印件"  # 12
    table.cell(2, 2).text = "1"  # 13; after the nested table the cell needs a trailing paragraph: 14
    d.add_paragraph("第二条　表后正文。")  # 15
    p = d.paragraphs[2]._p
    p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="1" w:author="审核人" w:date="2025-01-01T00:00:00Z">'
            "<w:r><w:t>插入文字。</w:t></w:r></w:ins>"
        )
    )
    p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="2" w:author="审核人" w:date="2025-01-01T00:00:00Z">'
            "<w:r><w:delText>删除文字。</w:delText></w:r></w:del>"
        )
    )
    d.paragraphs[2].add_run("换行").add_break()
    d.paragraphs[2].add_run("之后")
    d.save(str(path))


def test_docx_numbering_tables_and_tracked_changes(tmp_path):
    path = tmp_path / "d.docx"
    build_docx(path)
    paragraphs = docx_paragraphs(docx.Document(str(path)))
    texts = [docx_paragraph_text(p) for p in paragraphs]
    assert texts[:3] == ["某某管理办法", "第一章　总则", "第一条　原有文字。插入文字。换行之后"]
    assert texts.count("合并单元格") == 1  # a merged cell is read once
    assert texts.index("嵌套表格") == texts.index("（一）申请书") + 3  # nested table in place
    doc = read_document(path)
    assert doc.title == "某某管理办法" and doc.kind == "规范性文件"
    assert doc.headings == {1: "某某管理办法", 2: "第一章　总则"}
    clauses = by_line(doc)
    assert set(clauses) | set(doc.headings) == {i for i, t in enumerate(texts, 1) if t.strip()}
    assert len(paragraphs) == len(texts) and texts[3] == ""
    line = texts.index("（二）其他相关材料") + 1
    assert (clauses[line].article, clauses[line].item) == ("第一条", "（二）")
    last = clauses[len(texts)]
    assert (last.text, last.article_no, last.chapter) == ("第二条　表后正文。", 2, "第一章 总则")
    # python-docx's own Paragraph.text misses the insertion: ours is the current draft
    assert "插入文字" not in paragraphs[2].text


def numbered(paragraph, num_id: int, ilvl: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def test_docx_automatic_list_numbers(tmp_path):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    d = docx.Document()
    root = d.part.part_related_by(RT.NUMBERING).element
    levels = (
        ("chineseCounting", "第%1条", "space"),
        ("chineseCounting", "（%2）", "nothing"),
        ("decimal", "%3.", "tab"),
    )
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:suff w:val="{suff}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text, suff) in enumerate(levels)
    )
    root.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">{lvls}</w:abstractNum>'))
    root.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    restart = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="11"/></w:lvlOverride>'
    root.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="91"><w:abstractNumId w:val="90"/>{restart}</w:num>')
    )
    d.add_paragraph("某某管理办法", style="Title")
    for text, num_id, ilvl in [
        ("为了规范管理，制定本办法。", 90, 0),
        ("申请人应当提交下列材料：", 90, 0),
        ("申请书；", 90, 1),
        ("身份证明；", 90, 2),
        ("其他相关材料。", 90, 1),
        ("本办法自印发之日起施行。", 90, 0),
        ("续编条款。", 91, 0),
        ("不编号。", 0, 0),
    ]:
        numbered(d.add_paragraph(text), num_id, ilvl)
    d.add_paragraph("要点", style="List Bullet")
    path = tmp_path / "numbered.docx"
    d.save(str(path))
    doc = read_document(path)
    assert [(c.text, c.article_no, c.item) for c in doc.clauses] == [
        ("第一条 为了规范管理，制定本办法。", 1, None),
        ("第二条 申请人应当提交下列材料：", 2, None),
        ("（一）申请书；", 2, "（一）"),
        ("1. 身份证明；", 2, "（一）/1."),
        ("（二）其他相关材料。", 2, "（二）"),
        ("第三条 本办法自印发之日起施行。", 3, None),
        ("第十一条 续编条款。", 11, None),
        ("不编号。", 11, None),
        ("要点", 11, None),
    ]


def test_docx_title_falls_back_to_first_paragraph(tmp_path):
    d = docx.Document()
    d.add_paragraph("")
    d.add_paragraph("某某事项服务指南")
    d.add_paragraph("一、办理依据")
    path = tmp_path / "g.docx"
    d.save(str(path))
    doc = read_document(path)
    assert (doc.title, doc.kind, doc.headings) == ("某某事项服务指南", "办事指南", {2: "某某事项服务指南"})
    assert [(c.line, c.item) for c in doc.clauses] == [(3, "一、")]


def test_docx_fixture_numbering_matches_python_docx_body():
    path = FIXTURES / "street_stall_rules.docx"
    d = docx.Document(str(path))
    paragraphs = docx_paragraphs(d)
    # 1 title + 7 before the table + 15 cells + 8 after the table
    assert len(paragraphs) == 31 == len(d.paragraphs) + 15
    assert docx_paragraph_text(paragraphs[21]) == "其他相关材料"


def test_docx_fixture_is_reproducible():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_docx", FIXTURES / "make_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == (FIXTURES / "street_stall_rules.docx").read_bytes()


# -- fixtures and their labels ------------------------------------------------------------------

RULE_IDS = {
    "DOC-17-SETS-LICENSE",
    "DOC-16-EXTRA-CONDITION",
    "DOC-15-LOCAL-RESTRICTION",
    "DOC-27-DESIGNATED",
    "DOC-58-FEE",
    "DOC-42-LIMIT",
    "DOC-32-NOTICE-LIMIT",
    "DOC-31-CATCHALL",
    "DOC-31-TECH",
    "DOC-30-GUIDE",
}
GUIDE_ELEMENTS = {"依据", "条件", "数量", "程序", "期限", "材料", "示范文本", "收费"}


def test_fixture_set_is_complete():
    assert len(EXPECTED) >= 6
    drafts = {
        p.name for p in FIXTURES.iterdir() if p.suffix in (".txt", ".md", ".docx") and p.name != "README.md"
    }
    assert drafts == {yaml.safe_load(p.read_text("utf-8"))["file"] for p in EXPECTED}
    total = sum(len(yaml.safe_load(p.read_text("utf-8"))["findings"]) for p in EXPECTED)
    assert total == 29  # README.md states the totals


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name)
def test_fixture_labels_point_at_real_clauses(expected_path):
    expected = yaml.safe_load(expected_path.read_text("utf-8"))
    doc = read_document(FIXTURES / expected["file"])
    assert doc.kind == expected["kind"] and doc.title
    clauses = by_line(doc)
    lines = len(split_lines((FIXTURES / expected["file"]).read_bytes().decode("utf-8", "replace")))
    assert (
        20
        <= (len(docx_paragraphs(docx.Document(str(doc.file)))) if doc.file.endswith(".docx") else lines)
        <= 80
    )
    seen = set()
    for entry in expected["findings"] + expected["traps"]:
        assert entry["why"]
        rules = [entry["rule"]] if "rule" in entry else entry["not"]
        assert set(rules) <= RULE_IDS
        if entry.get("line") is None:
            assert entry["rule"] == "DOC-30-GUIDE" and entry["element"] in GUIDE_ELEMENTS
            continue
        clause = clauses[entry["line"]]
        assert entry.get("quote", "") in clause.text
        if "article" in entry:
            assert clause.article == entry["article"]
        if "item" in entry:
            assert clause.item == entry["item"]
        for rule in rules:
            key = (entry["line"], rule)
            assert key not in seen, f"{key} labelled twice"
            seen.add(key)


def test_fixture_traps_agree_with_the_text_helpers():
    for expected_path in EXPECTED:
        expected = yaml.safe_load(expected_path.read_text("utf-8"))
        clauses = by_line(read_document(FIXTURES / expected["file"]))
        for trap in expected["traps"]:
            text = clauses[trap["line"]].text
            quote = trap.get("quote", "")
            if quote.startswith(("依据《", "依照《")):
                assert cites_basis(text), text
            if "不得" in quote or "严禁" in quote:
                assert prohibits(text), text
            if "规定：“" in quote:
                assert quotes_law(text), text
        for finding in expected["findings"]:
            if finding["line"] is not None and finding["rule"] in ("DOC-17-SETS-LICENSE", "DOC-58-FEE"):
                assert not cites_basis(clauses[finding["line"]].text)


# -- properties -----------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "第一章 总则",
        "第二节 申请",
        "第十二条　",
        "第3条 ",
        "一、",
        "（二）",
        "(三)",
        "4.",
        "（5）",
        "①",
        "须经批准",
        "《城镇燃气管理条例》",
        "不得收取任何费用",
        "。",
        "，",
        "---",
        "kind: guide",
        "# ",
        "  ",
        "\u3000",
        "\t",
        "\n",
        "\r\n",
        "\n\n",
        "abc",
        "123",
        "2025年",
        "|",
        "…",
    ]
)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_reads_or_raises_input_error(tmp_path, text):
    path = tmp_path / "random.txt"
    try:
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    except UnicodeEncodeError:
        return
    try:
        read_document(path)
    except InputError as e:
        assert "\n" not in str(e)


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_read_or_raise_input_error(tmp_path, data):
    for name in ("random.txt", "random.md", "random.docx"):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            read_document(path)
        except InputError as e:
            assert "\n" not in str(e)


@SETTINGS
@given(st.lists(FRAGMENTS, max_size=40).map("".join))
def test_every_content_line_is_one_clause_or_a_heading(tmp_path, text):
    path = tmp_path / "draft.txt"
    path.write_bytes(text.encode("utf-8"))
    try:
        doc = read_document(path)
    except InputError:
        return  # only a malformed front matter block can get here
    lines = [c.line for c in doc.clauses]
    assert len(lines) == len(set(lines)) and not set(lines) & set(doc.headings)
    source = split_lines(text)
    body = range(1, len(source) + 1)
    if source[0].rstrip() == "---" and any(s.rstrip() in ("---", "...") for s in source[1:]):
        end = next(i for i, s in enumerate(source[1:], 2) if s.rstrip() in ("---", "..."))
        body = range(end + 1, len(source) + 1)
    content = {n for n in body if re.search(r"\w", source[n - 1])}
    assert set(lines) | set(doc.headings) == content
    for clause in doc.clauses:
        assert clause.text == source[clause.line - 1].strip()


def test_large_draft_parses(tmp_path):
    """~3000 lines (a 100-page draft); the timing is reported, not asserted."""
    parts = ["某市大型综合管理办法"]
    for chapter in range(1, 31):
        parts.append(f"第{chapter}章 第{chapter}部分")
        for article in range(1, 21):
            parts.append(
                f"第{(chapter - 1) * 20 + article}条　依据《城镇燃气管理条例》，申请人应当提交下列材料："
            )
            parts += [
                "（一）申请书；",
                "（二）证明文件；",
                "（三）其他相关材料。",
                "有前款情形的，不得收取任何费用。",
            ]
    path = write(tmp_path, "big.txt", "\n".join(parts))
    doc = read_document(path)
    assert len(doc.clauses) == 3000 and doc.clauses[-1].article_no == 600


def test_large_docx_parses(tmp_path):
    d = docx.Document()
    body = d.element.body
    xml = "".join(f"<w:p><w:r><w:t>第{i}条　内容。</w:t></w:r></w:p>" for i in range(1, 3001))
    for p in parse_xml(f"<w:body {nsdecls('w')}>{xml}</w:body>"):
        body.insert(len(body) - 1, p)
    raw = io.BytesIO()
    d.save(raw)
    path = tmp_path / "big.docx"
    path.write_bytes(raw.getvalue())
    doc = read_document(path)
    assert len(doc.clauses) == 3000 and doc.title is None and doc.clauses[-1].line == 3000
