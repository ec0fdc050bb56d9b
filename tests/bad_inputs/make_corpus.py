"""Regenerate the committed corpus of bad inputs (small files only).

    python tests/bad_inputs/make_corpus.py

Every file is written from this script, byte for byte the same on every run (fixed seeds,
fixed zip timestamps), so a diff of the corpus is a diff of this script. Big inputs (a 10 MB
line, a 200k-row export, zip bombs that inflate to hundreds of MB) are NOT committed: the
tests build them in tmp_path at run time. What each file is and what xuke must do with it
is in README.md; the exact expectations are in tests/test_hardening_*.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = dt.datetime(2025, 12, 31, 0, 0, 0)

HEADER = "办件编号,申请时间,承办部门\n"
GOOD = "G1,2025-03-03,市市场监督管理局\nG2,2025-03-04,市交通运输局\n"
NUMERIC_HEADER = "办件编号,申请时间,承办部门,补正告知次数,法定时限,延长天数,收费金额\n"


def _write(rel: str, data: bytes | str) -> None:
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _normalise_zip(data: bytes) -> bytes:
    """Fixed timestamps inside and on every entry, so the bytes never change."""
    src = zipfile.ZipFile(io.BytesIO(data))
    stamp = STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp + rb"\2",
                    body,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            z.writestr(entry, body)
    return out.getvalue()


def _rezip(data: bytes, change) -> bytes:
    """A copy of a zip with `change(name, bytes) -> bytes | None` applied (None drops the entry)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = change(info.filename, src.read(info.filename))
            if body is not None:
                entry = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
                entry.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(entry, body)
    return out.getvalue()


# ---- records: CSV ---------------------------------------------------------------------


def records_csv() -> None:
    rng = random.Random(20251231)
    w = _write
    w("records/empty.csv", b"")
    w("records/whitespace_only.csv", b"  \n\n \t\r\n")
    w("records/bom_only.csv", b"\xef\xbb\xbf")
    w("records/headers_only.csv", HEADER)
    w("records/headers_only_gbk.csv", HEADER.encode("gbk"))
    w("records/binary.csv", rng.randbytes(4096))
    w("records/nul_bytes.csv", b"\x00" * 512)
    w("records/zip_named_csv.csv", b"PK\x03\x04" + rng.randbytes(1024))
    w("records/utf16_bom.csv", (HEADER + GOOD).encode("utf-16"))
    w("records/utf16le_no_bom.csv", (HEADER + GOOD).encode("utf-16-le"))
    w("records/bom.csv", b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    w("records/double_bom.csv", b"\xef\xbb\xbf\xef\xbb\xbf" + (HEADER + GOOD).encode())
    w("records/gbk.csv", (HEADER + GOOD).encode("gbk"))
    # one UTF-8 line in a GBK export (a row pasted from another system)
    w("records/gbk_with_utf8_line.csv",
      (HEADER + GOOD).encode("gbk") + "U1,2025-03-05,市税务局\n".encode() + "G3,2025-03-06,市民政局\n".encode("gbk"))  # fmt: skip
    # one GBK line in a UTF-8 export
    w("records/utf8_with_gbk_line.csv",
      (HEADER + GOOD).encode() + "K1,2025-03-05,市税务局\n".encode("gbk") + "G3,2025-03-06,市民政局\n".encode())  # fmt: skip
    w("records/latin1_line.csv", (HEADER + GOOD).encode() + "L1,2025-03-05,caf\xe9\n".encode("latin-1"))
    # the file ends in the middle of a UTF-8 character, and in the middle of a row
    w("records/truncated_mid_char.csv", (HEADER + GOOD).encode() + "T1,2025-03-05,市税".encode()[:-1])
    w("records/truncated_mid_row.csv", HEADER + GOOD + "T1,2025-03")
    w(
        "records/unbalanced_quote.csv",
        HEADER + GOOD + 'Q1,2025-03-05,"市税务局\n' + "G3,2025-03-06,市民政局\n",
    )
    w("records/quote_inside_field.csv", HEADER + GOOD + 'Q1,2025-03-05,市"税务"局\n')
    w(
        "records/quoted_newline.csv",
        HEADER + '"G1\n",2025-03-03,"市场\n监管"\n' + "G2,2025-03-04,市交通运输局\n",
    )
    w("records/crlf.csv", (HEADER + GOOD).replace("\n", "\r\n"))
    w("records/cr_only.csv", (HEADER + GOOD).replace("\n", "\r"))
    w("records/stray_cr.csv", HEADER + GOOD + "S1,2025\r-03-05,市税务局\n")
    w("records/nul_in_cell.csv", (HEADER + GOOD).encode() + b"N1,2025-03-05,\xe5\xb8\x82\x00x\n")
    w("records/too_many_cells.csv", HEADER + GOOD + "C1,2025-03-05,市税务局,多余\n")
    w("records/too_few_cells.csv", HEADER + GOOD + "C1,2025-03-05\n")
    w("records/blank_lines.csv", HEADER + "\n\n" + GOOD + ",,\n \n")
    w("records/tsv.tsv", (HEADER + GOOD).replace(",", "\t"))
    w("records/semicolon.csv", (HEADER + GOOD).replace(",", ";"))
    w("records/missing_required.csv", "办件编号,承办部门\nG1,市局\n")
    w("records/dup_header.csv", "办件编号,办件编号,申请时间\nG1,G1,2025-03-03\n")
    w("records/dup_header_alias.csv", "办件编号,申办编号,申请时间\nG1,G9,2025-03-03\n")
    w("records/dup_header_unknown.csv", "办件编号,申请时间,备注,备注\nG1,2025-03-03,甲,乙\n")
    w(
        "records/dup_ids.csv",
        HEADER + GOOD + "G1,2025-03-05,市税务局\nＧ1 ,2025-03-06,市税务局\ng1,2025-03-07,市税务局\n",
    )
    # the first row of an id is rejected; a later row with the same id is rejected as a duplicate
    w("records/dup_id_after_reject.csv", HEADER + "D1,2025-02-30,市局\nD1,2025-03-03,市局\n" + GOOD)
    w("records/impossible_dates.csv", HEADER + GOOD + "".join(
        f"X{i},{d},市局\n" for i, d in enumerate(
            ["2025-02-30", "2025-13-01", "0000-00-00", "2025/2/29", "2025年2月30日", "99999-01-01",
             "2025-04-31", "明天", "45000.5.1"]
        )))  # fmt: skip
    w(
        "records/dates_1900.csv",
        HEADER + GOOD + "Y1,1900-01-01,市局\nY2,1948-12-31,市局\nY3,2101-01-01,市局\n",
    )
    w("records/dates_2099.csv", HEADER + GOOD + "Y9,2099-01-01,市局\n")
    w("records/negative_numbers.csv", NUMERIC_HEADER + "".join(
        f"N{i},2025-03-03,市局,{a},{b},{c},{d}\n" for i, (a, b, c, d) in enumerate(
            [("-1", "20", "0", "0"), ("0", "-20", "0", "0"), ("0", "20", "-5", "0"), ("0", "20", "0", "-80"),
             ("0", "20", "0", "￥-80"), ("1", "20", "0", "0")]
        )))  # fmt: skip
    w("records/non_numeric.csv", NUMERIC_HEADER + "".join(
        f"M{i},2025-03-03,市局,{a},20,0,{d}\n" for i, (a, d) in enumerate(
            [("abc", "0"), ("1e400", "0"), ("NaN", "0"), ("0", "abc"), ("0", "1e400"), ("0", "NaN"),
             ("0", "inf"), ("三", "八十元"), ("１２", "1.5万元"), ("1", "0")]
        )))  # fmt: skip
    w("records/enormous_amount.csv", NUMERIC_HEADER + "E1,2025-03-03,市局,0,20,0,99999999999999999999999\n"
      + "E2,2025-03-03,市局,0,20,0,0\n")  # fmt: skip
    w(
        "records/enormous_digits.csv",
        NUMERIC_HEADER + f"E1,2025-03-03,市局,{'9' * 5000},20,0,0\nE2,2025-03-03,市局,0,20,0,0\n",
    )
    # integers beyond 64 bits in count and day columns (a column of ids pasted into the wrong place)
    w("records/enormous_int.csv", NUMERIC_HEADER + "E1,2025-03-03,市局,100000000000000000000000,20,0,0\n"
      + "E2,2025-03-03,市局,0,20,0,0\n")  # fmt: skip
    w("records/enormous_limit.csv", NUMERIC_HEADER + "E1,2025-03-03,市局,0,18446744073709551616,0,0\n"
      + "E2,2025-03-03,市局,0,20,0,0\n")  # fmt: skip


# ---- records: JSONL -------------------------------------------------------------------


def records_jsonl() -> None:
    good = [{"办件编号": "G1", "申请时间": "2025-03-03"}, {"办件编号": "G2", "申请时间": "2025-03-04"}]
    dump = "\n".join(json.dumps(o, ensure_ascii=False) for o in good) + "\n"
    _write("records/empty.jsonl", b"")
    _write("records/not_objects.jsonl", '[1, 2]\n"text"\n3\nnull\n')
    _write("records/bom.jsonl", b"\xef\xbb\xbf" + dump.encode())
    bad_lines = [
        '{"办件编号": "J1", "申请时',  # truncated
        "[1, 2]",
        "not json at all",
        '{"办件编号": "\\ud800", "申请时间": "2025-03-03"}',  # lone surrogate
        '{"办件编号": null, "申请时间": "2025-03-03"}',
        '{"申请时间": "2025-03-03"}',
        "{}",
        '{"办件编号": "J2", "申办编号": "J3", "申请时间": "2025-03-03"}',
        '{"办件编号": "J4", "申请时间": true}',
        '{"办件编号": "J5", "申请时间": {"y": 2025}}',
        '{"办件编号": "J6", "申请时间": 20250230}',
        '{"办件编号": "J7", "申请时间": "2025-03-03", "材料齐全": "maybe"}',
        '{"办件编号": "J8", "申请时间": "2025-03-03", "受理结果": "也许"}',
        "[" * 2000 + "]" * 2000,  # beyond the JSON parser's depth limit
    ]
    _write(
        "records/mixed_bad_lines.jsonl",
        dump + "\n".join(bad_lines) + "\n" + '{"办件编号": "G3", "申请时间": "2025-03-05"}\n',
    )
    nested = "[" * 300 + "]" * 300
    _write(
        "records/deep_extra_value.jsonl",
        dump + '{"办件编号": "J1", "申请时间": "2025-03-03", "备注": ' + nested + "}\n",
    )
    _write("records/enormous_int.jsonl",
           dump + '{"办件编号": "J1", "申请时间": "2025-03-03", "补正告知次数": 100000000000000000000000}\n')  # fmt: skip
    _write(
        "records/enormous_float.jsonl",
        dump + '{"办件编号": "J1", "申请时间": "2025-03-03", "法定时限": 1e300}\n',
    )
    _write("records/binary.jsonl", random.Random(7).randbytes(2048))


# ---- records: XLSX --------------------------------------------------------------------


def _workbook(rows, setup=None) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "办件"
    for r in rows:
        ws.append(r)
    if setup:
        setup(wb, ws)
    wb.properties.created = wb.properties.modified = STAMP
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())


def records_xlsx() -> None:
    head = ["办件编号", "申请时间", "承办部门", "收费金额", "补正告知次数"]
    good = [["G1", "2025-03-03", "市局", 0, 0], ["G2", dt.datetime(2025, 3, 4, 9, 30), "市局", 0, 0]]

    def formulas(wb, ws):
        # written by a program, never opened in Excel: no cached values
        ws.append(["F1", "=TODAY()", '=A1&"局"', "=1/0", "=SUM(1,2)"])
        ws.append(["F2", dt.datetime(2025, 3, 5), "=NOW()", 0, 0])

    def merged(wb, ws):
        ws.append(["M1", "2025-03-05", "市局", 0, 0])
        ws.append(["M2", "2025-03-06", None, None, None])
        ws.merge_cells(start_row=4, start_column=3, end_row=5, end_column=3)  # department over two rows
        ws["A6"] = "M3"
        ws.merge_cells("A6:B6")  # id and date merged: the date reads as empty

    def header_merged(wb, ws):
        ws.merge_cells("A1:B1")

    def typed(wb, ws):
        for r in (
            ["T1", dt.datetime(1900, 1, 1), "市局", -5, 0],
            ["T2", 45000, "市局", 1e20, 0],
            ["T3", True, 123, "abc", "nan"],
            [12345, dt.date(2025, 1, 2), None, None, None],
            [None, None, None, None, None],
            ["T5", dt.time(12, 0), None, None, None],
            ["T6", dt.timedelta(days=3), None, None, None],
            ["T7", "#DIV/0!", None, None, None],
            ["T8", "2025-03-03", None, None, None, "beyond the header"],
            ["T9", 2958466, None, None, None],
            ["T10", -1, None, None, None],
            ["T11", "2025-03-03", None, None, 3.5],
        ):
            ws.append(r)

    def second_sheet(wb, ws):
        s = wb.create_sheet("其他")
        s.append(["x", "y"])
        s.append([1, 2])

    _write("records/formulas.xlsx", _workbook([head, *good], formulas))
    _write("records/merged.xlsx", _workbook([head, *good], merged))
    _write("records/header_merged.xlsx", _workbook([head, *good], header_merged))
    _write("records/typed_cells.xlsx", _workbook([head, *good], typed))
    _write("records/second_sheet_no_header.xlsx", _workbook([head, *good], second_sheet))
    _write("records/headers_only.xlsx", _workbook([head]))
    _write("records/empty_workbook.xlsx", _workbook([]))
    _write("records/enormous_int.xlsx", _workbook([head, *good, ["E1", "2025-03-03", "市局", 0, 10**20]]))
    ok = _workbook([head, *good])
    _write("records/not_a_zip.xlsx", b"this is not a zip archive\n")
    _write("records/empty.xlsx", b"")
    _write("records/truncated.xlsx", ok[: len(ok) // 2])
    _write("records/csv_named_xlsx.xlsx", HEADER + GOOD)
    _write(
        "records/zip_without_workbook.xlsx", _rezip(ok, lambda n, b: None if n != "docProps/app.xml" else b)
    )
    _write("records/old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


# ---- documents ------------------------------------------------------------------------

DRAFT = "关于印发某市户外广告设置管理办法的通知\n第一条 为了规范户外广告设置，制定本办法。\n第二条 设置户外广告应当向市城市管理局申请。\n"

_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)


def _docx(text: str = DRAFT) -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.created = d.core_properties.modified = STAMP
    for line in text.strip().split("\n"):
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return _normalise_zip(buf.getvalue())


def documents() -> None:
    w = _write
    w("documents/empty.txt", b"")
    w("documents/whitespace_only.txt", b" \n\n\t\n")
    w("documents/binary.txt", random.Random(11).randbytes(4096))
    w("documents/nul_byte.txt", DRAFT.encode() + b"\x00\x01")
    w("documents/gbk.txt", DRAFT.encode("gbk"))
    w("documents/bom.txt", b"\xef\xbb\xbf" + DRAFT.encode())
    w("documents/utf16.txt", DRAFT.encode("utf-16"))
    w("documents/mixed_encodings.txt", DRAFT.encode() + "第三条 行政机关应当公开办事指南。\n".encode("gbk"))
    w("documents/front_matter_python_tag.md",
      "---\nkind: !!python/object/apply:os.system ['echo PWNED > pwned.txt']\n---\n" + DRAFT)  # fmt: skip
    w("documents/front_matter_not_yaml.md", "---\nkind: [unclosed\n---\n" + DRAFT)
    w("documents/front_matter_list.md", "---\n- a\n- b\n---\n" + DRAFT)
    w("documents/front_matter_unclosed.md", "---\nkind: 规范性文件\n" + DRAFT)
    w("documents/front_matter_alias_bomb.md",
      "---\n" + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9) if p else ', '.join(['x'] * 9)}]\n"
                        for p, c in zip(["", *"abcdefgh"], "abcdefghi")) + "kind: 规范性文件\n---\n" + DRAFT)  # fmt: skip
    w("documents/front_matter_bad_date.md", "---\nkind: 规范性文件\n发布日期: 2025-02-30\n---\n" + DRAFT)
    w(
        "documents/front_matter_bad_time.md",
        "---\nkind: 规范性文件\nupdated: 2025-01-01 25:99:00\n---\n" + DRAFT,
    )
    w("documents/front_matter_deep.md", "---\nkind: " + "[" * 5000 + "]" * 5000 + "\n---\n" + DRAFT)
    w("documents/old_word.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    w("documents/no_extension", DRAFT)
    good = _docx()
    w("documents/not_a_zip.docx", b"not a zip archive\n")
    w("documents/empty.docx", b"")
    w("documents/truncated.docx", good[: len(good) // 2])
    w("documents/no_document_xml.docx", _rezip(good, lambda n, b: None if n == "word/document.xml" else b))
    w(
        "documents/broken_xml.docx",
        _rezip(good, lambda n, b: b"<w:document><unclosed>" if n == "word/document.xml" else b),
    )

    def laughs(name, body):
        if name != "word/document.xml":
            return body
        body = body[body.index(b"?>") + 2 :]
        at = body.index(b">", body.index(b"<w:t")) + 1
        return _LAUGHS + body[:at] + b"&lol9;" + body[at:]

    def xxe(name, body):
        if name != "word/document.xml":
            return body
        body = body[body.index(b"?>") + 2 :]
        at = body.index(b">", body.index(b"<w:t")) + 1
        return (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + body[:at]
            + b"&x;"
            + body[at:]
        )

    w("documents/billion_laughs.docx", _rezip(good, laughs))
    w("documents/external_entity.docx", _rezip(good, xxe))


# ---- rule files -----------------------------------------------------------------------

RULE = """pack {pack} "hostile"

rule HOST-1 "t"
  severity error
  cites "《行政许可法》第三十二条"
when
  r: record({cond})
then
  report r "{template}"
end
"""


def rules() -> None:
    def rule(name, cond="supplement_notices >= 2", template="办件 {r.case_id}", pre=""):
        text = RULE.format(pack=name, cond=cond, template=template)
        if pre:
            head, rest = text.split("\n", 1)
            text = head + "\n" + pre + rest
        _write(f"rules/{name}.rules", text)

    rule("import_dotdot", pre="import ../secrets\n")
    rule("import_absolute", pre="import /etc/passwd\n")
    rule("import_dotted", pre="import a.b\n")
    rule("import_string", pre='import "../../etc/x.rules"\n')
    rule("template_dunder_attr", template="{r.__class__}")
    rule("template_dunder_chain", template="{r.case_id.__class__.__mro__}")
    rule("template_import_call", template='{__import__(\\"os\\").system(\\"echo PWNED\\")}')
    rule("template_eval_call", template='{eval(\\"1+1\\")}')
    rule("template_builtin_name", template="{open}")
    rule("template_format_spec", template="{r.case_id!r:>{10}}")
    rule("template_method_call", template="{r.case_id.upper()}")
    rule("template_whole_binding", template="{r}")
    rule("condition_dunder_field", cond="__class__ == 1")
    rule("condition_field_attr", cond="case_id.__len__ == 1")
    rule("regex_backreference", cond="item_name matches /(a)\\1/")
    rule("regex_lookahead", cond="item_name matches /(?=a)b/")
    rule("regex_lookbehind", cond="item_name matches /(?<!a)b/")
    rule("regex_nested_repeat", cond="item_name matches /a{1000}{1000}/")
    rule("regex_repeat_too_big", cond="item_name matches /(a{100}){100}/")
    rule("regex_too_long", cond="item_name matches /" + "a" * 2001 + "/")
    rule("regex_invalid", cond="item_name matches /([/")
    rule("bad_date_literal", cond="received_at == 2025-02-30")
    rule("huge_int_literal", cond="supplement_notices >= " + "9" * 5000)
    _write(
        "rules/nul_byte.rules",
        RULE.format(pack="nul_byte", cond="supplement_notices >= 2", template="x") + "\x00\n",
    )
    _write("rules/escape_sequence.rules", RULE.format(pack="escape_sequence", cond="supplement_notices >= 2",
                                                      template="x") + "\x1b[31m\n")  # fmt: skip
    _write(
        "rules/int_beyond_64_bits.rules",
        """pack int_beyond_64_bits "hostile"

const N = 100000000000000000000000

rule HOST-1 "t"
  severity error
  cites "《行政许可法》第三十二条"
when
  r: record(supplement_notices >= N)
then
  report r "办件 {r.case_id}"
examples
  passes record(case_id: "A1", received_at: 2025-03-03, supplement_notices: 1)
end
""",
    )
    _write("rules/binary.rules", random.Random(3).randbytes(2048))
    _write("rules/gbk.rules", 'pack gbk "规则包"\n'.encode("gbk"))
    _write("rules/utf16.rules", 'pack utf16 "规则包"\n'.encode("utf-16"))
    _write("rules/empty.rules", b"")


# ---- YAML: fixtures for `xuke test`, calendars, configuration --------------------------

CASE = "    record: {case_id: A, received_at: 2025-03-03}\n    fires: []\n"


def yaml_files() -> None:
    w = _write
    w("fixtures/python_object.yaml",
      "cases:\n  - name: x\n    record: !!python/object/apply:os.system ['echo PWNED > pwned.txt']\n    fires: []\n")  # fmt: skip
    w("fixtures/python_name.yaml", "cases: !!python/name:os.system\n")
    w("fixtures/python_module.yaml", "cases:\n  - !!python/module:os\n")
    w("fixtures/not_yaml.yaml", "cases: [unclosed\n")
    w("fixtures/no_cases.yaml", "- a\n- b\n")
    w("fixtures/case_not_mapping.yaml", "cases:\n  - 5\n")
    w("fixtures/record_not_mapping.yaml", "cases:\n  - name: x\n    record: [1, 2]\n    fires: []\n")
    w("fixtures/records_not_list.yaml", "cases:\n  - name: x\n    records: abc\n    fires: []\n")
    w(
        "fixtures/record_bad_date.yaml",
        "cases:\n  - name: x\n    record: {case_id: A, received_at: 2025-02-30}\n    fires: []\n",
    )
    w(
        "fixtures/fires_not_list.yaml",
        "cases:\n  - name: x\n    record: {case_id: A, received_at: 2025-03-03}\n    fires: 5\n",
    )
    w(
        "fixtures/name_not_text.yaml",
        "cases:\n  - name: [x]\n    record: {case_id: A, received_at: 2025-03-03}\n    fires: [[1]]\n",
    )
    w("fixtures/enormous_int.yaml",
      "cases:\n  - name: x\n    record: {case_id: A, received_at: 2025-03-03, supplement_notices: 100000000000000000000000}\n"
      "    fires: []\n")  # fmt: skip
    w("fixtures/deep.yaml", "cases: " + "[" * 5000 + "]" * 5000 + "\n")
    w("fixtures/gbk.yaml", ("cases:\n  - name: 中文\n" + CASE).encode("gbk"))
    w(
        "fixtures/expected_not_jsonl.yaml",
        "cases:\n  - name: x\n    input: data.csv\n    expected: not_jsonl.txt\n",
    )
    w("fixtures/data.csv", "办件编号,申请时间\nA,2025-03-03\n")
    w("fixtures/not_jsonl.txt", "this is not JSON\n")
    w(
        "calendars/python_object.yaml",
        "holidays: !!python/object/apply:os.system ['echo PWNED > pwned.txt']\n",
    )
    w("calendars/bad_date.yaml", "holidays: [2025-02-30]\n")
    w("calendars/deep.yaml", "holidays: " + "[" * 5000 + "]" * 5000 + "\n")
    w("calendars/gbk.yaml", "# 中文注释\nholidays: []\n".encode("gbk"))
    w("configs/python_object.yaml", "rules: !!python/object/apply:os.system ['echo PWNED > pwned.txt']\n")
    w("configs/bad_date.yaml", "calendar: {holidays: [2025-02-30]}\n")
    w("configs/deep.yaml", "rules: " + "[" * 5000 + "]" * 5000 + "\n")
    w("configs/utf16.yaml", "x: 1\n".encode("utf-16"))



# ---- round 2 (issue #14): what an outside attack on the CLI found ----------------------
# Files are small (the bombs are 1-3 KB: what they cost is time and memory, not bytes);
# the tests run each under an address-space and CPU rlimit (tests/test_hardening_attack.py).

_SHARED_CT = (b'<Override PartName="/xl/sharedStrings.xml" '
              b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
_SHARED_REL = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               b'sharedStrings" Target="sharedStrings.xml" Id="rId9"/>')
_HEAD_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>办件编号</t></is></c><c r="B1" t="inlineStr"><is><t>申请时间'
             '</t></is></c><c r="C1" t="inlineStr"><is><t>承办部门</t></is></c></row>')


def _row(r: int, case: str = "G", date: str = "2025-03-03") -> str:
    return (f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{case}{r}</t></is></c>'
            f'<c r="B{r}" t="inlineStr"><is><t>{date}</t></is></c></row>')


def _sheet_xlsx(rows: str, shared: bytes | None = None, change=None) -> bytes:
    """A valid workbook whose sheet holds `rows` (sheetData XML after the header row), with a
    shared-string table `shared` if given; `change(name, bytes)` edits any other part."""
    ok = _workbook([["办件编号", "申请时间", "承办部门"]])

    def edit(name, body):
        if name == "xl/worksheets/sheet1.xml":
            start, end = body.index(b"<sheetData>"), body.index(b"</sheetData>")
            body = body[:start] + b"<sheetData>" + (_HEAD_ROW + rows).encode() + body[end:]
        elif shared is not None and name == "[Content_Types].xml":
            body = body.replace(b"</Types>", _SHARED_CT + b"</Types>")
        elif shared is not None and name == "xl/_rels/workbook.xml.rels":
            body = body.replace(b"</Relationships>", _SHARED_REL + b"</Relationships>")
        return change(name, body) if change else body

    data = _rezip(ok, edit)
    if shared is not None:
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
            entry = zipfile.ZipInfo("xl/sharedStrings.xml", date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(entry, shared)
        data = buf.getvalue()
    return data


def _part(target: str, old: bytes, new: bytes):
    def change(name, body):
        if name == target:
            assert old in body, (target, old)
            return body.replace(old, new, 1)
        return body

    return change


def records_round2() -> None:
    w = _write
    good = _row(2) + _row(3)
    # bombs: a row numbered 2,000,000,000 (Excel's last is 1,048,576), a cell in column ZZZ
    # (Excel's last is XFD), 2,000 rows of one 1,040,000-character shared string (Excel's cell
    # limit is 32,767)
    w("records/row_2e9.xlsx", _sheet_xlsx(good + _row(2_000_000_000)))
    w("records/column_zzz.xlsx", _sheet_xlsx(good + "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Z{r}</t></is></c><c r="ZZZ{r}"><v>1</v></c></row>'
        for r in range(4, 2004))))  # fmt: skip
    w("records/shared_string_1mb.xlsx", _sheet_xlsx(
        good + "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>S{r}</t></is></c><c r="C{r}" t="s"><v>0</v></c></row>'
                       for r in range(4, 2004)),
        shared=b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
               b"<si><t>" + b"x" * 1_040_000 + b"</t></si></sst>"))  # fmt: skip
    # damaged parts: each was a traceback (exit 1)
    wb, styles, ct, rels = "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"
    w("records/broken_workbook_xml.xlsx", _sheet_xlsx(good, change=_part(wb, b"</workbook>", b"")))
    w("records/broken_styles_xml.xlsx", _sheet_xlsx(good, change=_part(styles, b"</styleSheet>", b"<unclosed>")))
    w("records/broken_content_types.xlsx", _sheet_xlsx(good, change=_part(ct, b"</Types>", b"<Types>")))
    w("records/broken_rels.xlsx", _sheet_xlsx(good, change=_part(rels, b"</Relationships>", b"")))
    w("records/sheet_id_not_numeric.xlsx", _sheet_xlsx(good, change=_part(wb, b'sheetId="1"', b'sheetId="one"')))
    w("records/numfmt_id_not_numeric.xlsx",
      _sheet_xlsx(good, change=_part(styles, b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" pivotButton',
                                     b'<xf numFmtId="x" fontId="0" fillId="0" borderId="0" pivotButton')))  # fmt: skip
    w("records/numeric_cell_text.xlsx", _sheet_xlsx(good + '<row r="4"><c r="A4" t="n"><v>abc</v></c></row>'))
    w("records/bad_date_cell.xlsx", _sheet_xlsx(good + '<row r="4"><c r="A4" t="inlineStr"><is><t>D4</t></is></c>'
                                                       '<c r="B4" t="d"><v>2025-13-45T99:00</v></c></row>'))  # fmt: skip
    w("records/shared_string_out_of_range.xlsx", _sheet_xlsx(
        good + '<row r="4"><c r="A4" t="s"><v>7</v></c></row>',
        shared=b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si></sst>'))
    w("records/cell_ref_aaaa2.xlsx", _sheet_xlsx(good + '<row r="4"><c r="AAAA4"><v>1</v></c></row>'))
    w("records/row_attr_not_numeric.xlsx", _sheet_xlsx(good + '<row r="four"><c><v>1</v></c></row>'))
    w("records/entity_in_workbook.xlsx", _sheet_xlsx(good, change=lambda n, b: (
        b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + b.replace(b'name="', b'name="&e;', 1) if n == wb else b)))  # fmt: skip
    # a JSONL case id that is an object was taken as its Python repr
    w("records/jsonl_id_object.jsonl", '{"办件编号": "G1", "申请时间": "2025-03-03"}\n'
                                       '{"办件编号": {"a": 1}, "申请时间": "2025-03-03"}\n'
                                       '{"办件编号": ["L"], "申请时间": "2025-03-03"}\n')  # fmt: skip


_W_NS = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_with(change, text: str = DRAFT) -> bytes:
    """The draft .docx with `change(name, bytes)` applied to its parts."""
    return _rezip(_docx(text), change)


def documents_round2() -> None:
    w = _write

    # a list numbered in letters from 2,000,000,000: each label was 77 million letters (B20)
    numbering = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering ' + _W_NS + b'>'
                 b'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="2000000000"/>'
                 b'<w:numFmt w:val="upperLetter"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
                 b'<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>')  # fmt: skip

    def lettered(name, body):
        if name == "word/numbering.xml":
            return numbering
        if name == "word/document.xml":
            return body.replace(b"<w:p>", b'<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/>'
                                          b"</w:numPr></w:pPr>")  # fmt: skip
        return body

    w("documents/numbering_from_2e9.docx", _docx_with(lettered))

    # text in an internal DTD entity: invisible to lint, and it broke --annotate (B23)
    def entity(name, body):
        if name != "word/document.xml":
            return body
        body = body[body.index(b"?>") + 2 :]
        at = body.index(b">", body.index(b"<w:t")) + 1
        return (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY fee "\xe6\x94\xb6\xe5\x8f\x96\xe5\xae\xa1\xe6\x9f\xa5\xe8\xb4\xb9">]>'
                + body[:at] + b"&fee;" + body[at:])  # fmt: skip

    w("documents/internal_entity.docx", _docx_with(entity))

    # review comments whose ids are not numbers, or 5000 digits: --annotate raised (B23)
    for label, ident in (("comment_id_text", b"abc"), ("comment_id_5000_digits", b"9" * 5000)):
        def commented(name, body, ident=ident):
            if name == "word/document.xml":
                at = body.index(b"<w:r>")
                return (body[:at] + b'<w:commentRangeStart w:id="' + ident + b'"/>' + body[at:]).replace(
                    b"</w:p>", b'<w:commentRangeEnd w:id="' + ident + b'"/><w:r><w:commentReference w:id="'
                    + ident + b'"/></w:r></w:p>', 1)  # fmt: skip
            if name == "[Content_Types].xml":
                return body.replace(b"</Types>", b'<Override PartName="/word/comments.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>')  # fmt: skip
            if name == "word/_rels/document.xml.rels":
                return body.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats'
                                    b'.org/officeDocument/2006/relationships/comments" Target="comments.xml"/>'
                                    b"</Relationships>")  # fmt: skip
            return body

        data = _docx_with(commented, DRAFT + "第三条 申请人应当缴纳审查费。\n")  # a finding to annotate
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
            entry = zipfile.ZipInfo("word/comments.xml", date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(entry, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments ' + _W_NS
                       + b'><w:comment w:id="' + ident + b'" w:author="reviewer" w:initials="r"><w:p><w:r><w:t>'
                       b"\xe8\xaf\xb7\xe6\xa0\xb8\xe5\xae\x9e</w:t></w:r></w:p></w:comment></w:comments>")  # fmt: skip
        w(f"documents/{label}.docx", buf.getvalue())

def main() -> None:
    records_csv()
    records_jsonl()
    records_xlsx()
    documents()
    rules()
    yaml_files()
    records_round2()
    documents_round2()


if __name__ == "__main__":
    main()
