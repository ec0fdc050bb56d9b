import datetime as dt

import docx
import pytest
from docx.oxml.ns import qn
from xuke.errors import InputError, XukeError
from xuke.findings import Finding
from xuke.reports.docx_annotate import annotate_docx, comment_text

PARAGRAPHS = [
    "关于进一步规范网约车经营许可的通知",
    "",  # an empty paragraph: no runs at all
    "第三条 审批机关应当自受理之日起三十个工作日内作出决定。",
    "第四条 申请人应当到指定机构进行车辆检测，并缴纳检测费。",
]


def make_docx(path):
    doc = docx.Document()
    for text in PARAGRAPHS:
        doc.add_paragraph(text)
    doc.save(path)
    return path


def clause(rule, line, title="标题", message="说明", cites=("行政许可法第四十二条",)):
    return Finding(
        rule, "error", title, message, list(cites), ["documents"], "意见.docx", line=line, article=None
    )


def body_paragraphs(doc):
    return doc.paragraphs


def anchored_paragraph_texts(doc):
    """comment id -> the text of the paragraph holding its range start."""
    out = {}
    for p in doc.paragraphs:
        for start in p._p.iter(qn("w:commentRangeStart")):
            out[int(start.get(qn("w:id")))] = p.text
    return out


def test_one_comment_per_finding(tmp_path):
    src = make_docx(tmp_path / "意见.docx")
    findings = [
        clause("DOC-42-LIMIT", 3, "办理期限超过法定期限", "三十个工作日超过二十个工作日"),
        clause("DOC-27-DESIGNATED", 4, "指定中介服务", "要求到指定机构检测", ["行政许可法第二十七条"]),
        clause(
            "DOC-58-FEE",
            4,
            "收费无依据",
            "收取检测费而未引用依据",
            ["行政许可法第五十八条", "行政许可法第五十九条"],
        ),
        clause("X-EMPTY", 2),
    ]
    out = tmp_path / "意见.审查.docx"
    n = annotate_docx(
        src, out, findings, body_paragraphs, date=dt.datetime(2025, 4, 1, tzinfo=dt.timezone.utc)
    )
    assert n == len(findings)
    doc = docx.Document(out)
    comments = list(doc.comments)
    assert len(comments) == len(findings)
    assert {c.author for c in comments} == {"xuke"}
    texts = {c.text for c in comments}
    assert (
        "[DOC-42-LIMIT] 办理期限超过法定期限 — 三十个工作日超过二十个工作日（依据：行政许可法第四十二条）"
        in texts
    )
    assert (
        "[DOC-58-FEE] 收费无依据 — 收取检测费而未引用依据（依据：行政许可法第五十八条；行政许可法第五十九条）"
        in texts
    )
    anchors = anchored_paragraph_texts(doc)
    by_rule = {c.text.split("]")[0][1:]: c.comment_id for c in comments}
    assert anchors[by_rule["DOC-42-LIMIT"]] == PARAGRAPHS[2]
    assert anchors[by_rule["DOC-27-DESIGNATED"]] == anchors[by_rule["DOC-58-FEE"]] == PARAGRAPHS[3]
    assert anchors[by_rule["X-EMPTY"]] == ""
    # the document's text is unchanged
    assert [p.text for p in doc.paragraphs] == PARAGRAPHS
    assert comments[0].timestamp == dt.datetime(2025, 4, 1, tzinfo=dt.timezone.utc)


def test_document_level_and_out_of_range_findings_go_to_the_first_paragraph(tmp_path):
    src = make_docx(tmp_path / "指南.docx")
    findings = [
        Finding(
            "DOC-30-GUIDE",
            "warning",
            "办事指南缺少公示要素",
            "缺少：收费",
            ["行政许可法第三十条"],
            [],
            "指南.docx",
        ),
        clause("DOC-42-LIMIT", 99),
    ]
    annotate_docx(src, tmp_path / "out.docx", findings, body_paragraphs)
    doc = docx.Document(tmp_path / "out.docx")
    assert len(list(doc.comments)) == 2
    assert set(anchored_paragraph_texts(doc).values()) == {PARAGRAPHS[0]}
    assert any(c.text.startswith("（第99段）[DOC-42-LIMIT]") for c in doc.comments)


def _add_hyperlink_only_paragraph(doc, text):
    from docx.oxml import OxmlElement

    paragraph = doc.add_paragraph()
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), "x")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)
    return paragraph


def test_text_outside_plain_runs_is_covered(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("标题")
    _add_hyperlink_only_paragraph(doc, "详见《行政许可法》")
    mixed = _add_hyperlink_only_paragraph(doc, "链接在前，")
    mixed.add_run("正文在后。")
    table = doc.add_table(rows=1, cols=1)
    table.cell(0, 0).paragraphs[0].add_run("表格里的条款：须经批准。")
    doc.save(tmp_path / "a.docx")

    def numbering(d):  # body paragraphs, then the table cell's, as a reader would number them
        return list(d.paragraphs) + [d.tables[0].cell(0, 0).paragraphs[0]]

    findings = [clause("R-LINK", 2), clause("R-MIXED", 3), clause("R-CELL", 4)]
    assert annotate_docx(tmp_path / "a.docx", tmp_path / "b.docx", findings, numbering) == 3
    out = docx.Document(tmp_path / "b.docx")
    assert len(list(out.comments)) == 3
    for p in numbering(out)[1:]:
        children = [c.tag for c in p._p.iterchildren() if c.tag != qn("w:pPr")]
        # the range starts before all of the paragraph's content and ends after it
        assert children[0] == qn("w:commentRangeStart")
        assert qn("w:commentRangeEnd") in children
        end = children.index(qn("w:commentRangeEnd"))
        assert qn("w:hyperlink") not in children[end:] and children[end - 1] == qn("w:r")
    assert numbering(out)[3].text == "表格里的条款：须经批准。"


def test_with_the_document_readers_numbering(tmp_path):
    documents = pytest.importorskip("xuke.sources.documents")
    src = make_docx(tmp_path / "a.docx")
    findings = [clause("DOC-42-LIMIT", 3)]
    annotate_docx(src, tmp_path / "b.docx", findings, documents.docx_paragraphs)
    out = docx.Document(tmp_path / "b.docx")
    assert set(anchored_paragraph_texts(out).values()) == {PARAGRAPHS[2]}


def test_no_findings_is_a_plain_copy(tmp_path):
    src = make_docx(tmp_path / "a.docx")
    assert annotate_docx(src, tmp_path / "b.docx", [], body_paragraphs) == 0
    assert [p.text for p in docx.Document(tmp_path / "b.docx").paragraphs] == PARAGRAPHS


def test_in_place(tmp_path):
    src = make_docx(tmp_path / "a.docx")
    annotate_docx(src, src, [clause("DOC-42-LIMIT", 3)], body_paragraphs)
    assert len(list(docx.Document(src).comments)) == 1


def test_not_a_docx(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match="not a Word .docx document"):
        annotate_docx(bad, tmp_path / "out.docx", [], body_paragraphs)
    with pytest.raises(InputError):
        annotate_docx(tmp_path / "missing.docx", tmp_path / "out.docx", [], body_paragraphs)


def test_unwritable_output(tmp_path):
    src = make_docx(tmp_path / "a.docx")
    with pytest.raises(XukeError, match="does not exist"):
        annotate_docx(src, tmp_path / "no" / "out.docx", [clause("R", 3)], body_paragraphs)


def test_comment_text_without_cites_and_with_control_characters():
    f = Finding("R", "warning", "标题", "说\x0b明", [], [], "a.docx", line=1)
    assert comment_text(f) == "[R] 标题 — 说明"
