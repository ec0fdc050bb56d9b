"""Bad inputs through the real CLI: the committed corpus in tests/bad_inputs/ plus big files
built here at run time (a 10 MB line, a stray quote swallowing 60,000 lines, zip bombs).

Every case ends one of two ways (docs/reliability.md):
- exit 2 with one line on stderr naming the file, and no traceback; or
- exit 0/1 with each bad row rejected with a one-line reason, the rest audited, and the
  summary reconciling rows_read == rows_evaluated + rows_rejected.
Known bugs are `xfail(strict=True)`: they fail today and the lead removes the mark with the fix.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from bad_inputs.harness import CORPUS, assert_clean_error, assert_reconciled, audit, run_cli

RECORDS = CORPUS / "records"
DOCUMENTS = CORPUS / "documents"


def bug(reason: str):
    return pytest.mark.xfail(strict=True, reason=f"BUG: {reason}")


# ---- record exports: files that cannot be audited as a whole -> one line, exit 2 ----

WHOLE_FILE_ERRORS = [
    ("empty.csv", "empty file"),
    ("whitespace_only.csv", "empty file"),
    ("bom_only.csv", "empty file"),
    ("binary.csv", "binary"),
    ("nul_bytes.csv", "binary"),
    ("zip_named_csv.csv", "binary"),
    ("utf16_bom.csv", "UTF-16"),
    ("utf16le_no_bom.csv", "not a text file"),
    # old Mac line ends (CR only): the whole file is one line with stray CRs
    ("cr_only.csv", "carriage return"),
    ("semicolon.csv", "no column for required"),
    ("missing_required.csv", "no column for required received_at"),
    ("dup_header.csv", "both map to case_id"),
    ("dup_header_alias.csv", "both map to case_id"),
    ("empty.jsonl", "empty file"),
    ("not_objects.jsonl", "no JSON object"),
    ("binary.jsonl", "no JSON object"),
    ("not_a_zip.xlsx", "not a readable .xlsx"),
    ("empty.xlsx", "not a readable .xlsx"),
    ("truncated.xlsx", "not a readable .xlsx"),
    ("csv_named_xlsx.xlsx", "not a readable .xlsx"),
    ("zip_without_workbook.xlsx", "not a readable .xlsx"),
    ("empty_workbook.xlsx", "no sheet has a header row"),
    ("header_merged.xlsx", "no column for required received_at"),  # B1 merged into A1
    ("second_sheet_no_header.xlsx", "sheet 其他"),
    ("old_excel.xls", ".xlsx"),
]


@pytest.mark.parametrize(("name", "needle"), WHOLE_FILE_ERRORS, ids=[n for n, _ in WHOLE_FILE_ERRORS])
def test_unreadable_export_is_one_line_exit_2(tmp_path, name, needle):
    run = audit(RECORDS / name, tmp_path, jobs=1)
    assert_clean_error(run, name, needle)
    assert not (tmp_path / "report.json").exists()


# ---- record exports: bad rows -> rejected with a reason, the rest audited ----

# name -> (rows_read, rows_rejected, reason fragments)
ROW_REJECTS = {
    "headers_only.csv": (0, 0, ()),
    "headers_only_gbk.csv": (0, 0, ()),
    "headers_only.xlsx": (0, 0, ()),
    "bom.csv": (2, 0, ()),
    "double_bom.csv": (2, 0, ()),
    "bom.jsonl": (2, 0, ()),
    "gbk.csv": (2, 0, ()),
    "crlf.csv": (2, 0, ()),
    "tsv.tsv": (2, 0, ()),
    "blank_lines.csv": (2, 0, ()),  # blank lines are not rows
    "quoted_newline.csv": (2, 0, ()),  # a quoted field may hold a line break
    "quote_inside_field.csv": (3, 0, ()),
    "nul_in_cell.csv": (3, 0, ()),
    "dup_header_unknown.csv": (1, 0, ()),  # unknown duplicates stay apart
    "gbk_with_utf8_line.csv": (4, 1, ("mixed encodings",)),
    "utf8_with_gbk_line.csv": (4, 1, ("not valid utf-8",)),
    "latin1_line.csv": (3, 1, ("not valid utf-8",)),
    "truncated_mid_char.csv": (3, 1, ("not valid utf-8",)),
    "truncated_mid_row.csv": (3, 1, ("2 cells where the header has 3",)),
    "unbalanced_quote.csv": (4, 1, ("unbalanced quotes",)),
    "stray_cr.csv": (3, 1, ("carriage return",)),
    "too_many_cells.csv": (3, 1, ("4 cells where the header has 3",)),
    "too_few_cells.csv": (3, 1, ("2 cells where the header has 3",)),
    "dup_ids.csv": (5, 2, ("duplicate case_id 'G1' (first at row 1)",)),
    # the first D1 row is rejected (bad date); the second D1 is then rejected as its duplicate,
    # so case D1 is never audited -- but both rows are accounted for, with reasons
    "dup_id_after_reject.csv": (4, 2, ("bad date '2025-02-30'", "duplicate case_id 'D1'")),
    "impossible_dates.csv": (11, 9, ("bad date '2025-02-30'", "bad date '2025-13-01'", "bad date '2025/2/29'",
                                     "bad date '2025年2月30日'", "bad date '2025-04-31'", "bad date '明天'")),
    "dates_1900.csv": (5, 3, ("implausible year 1900", "implausible year 1948", "implausible year 2101")),
    "negative_numbers.csv": (6, 5, ("supplement_notices: negative", "legal_limit_days: negative",
                                    "extension_days: negative", "fee_amount: negative amount '-80'",
                                    "fee_amount: negative amount '￥-80'")),
    "non_numeric.csv": (10, 7, ("bad integer 'abc'", "bad integer '1e400'", "bad integer 'NaN'", "bad amount 'abc'",
                                "bad amount 'inf'")),
    "enormous_amount.csv": (2, 1, ("implausible amount",)),
    "enormous_digits.csv": (2, 1, ("supplement_notices",)),
    "mixed_bad_lines.jsonl": (17, 14, ("bad JSON", "not a JSON object but an array", "no low surrogate",
                                       "case_id: required value is empty", "both give case_id", "bad date True",
                                       "bad boolean 'maybe'", "is not one of 受理", "depth limit")),
    # formula cells without cached values read as empty (the xlsx reader's documented behaviour)
    "formulas.xlsx": (4, 1, ("received_at: required value is empty",)),
    "merged.xlsx": (5, 1, ("received_at: required value is empty",)),
    # integers beyond any plausible count or number of days (found by these tests: they crashed
    # the engine with orjson's 'Integer exceeds 64-bit range'; fixed in 7681558 with a 10**9 cap)
    "enormous_int.csv": (2, 1, ("supplement_notices: implausible number",)),
    "enormous_limit.csv": (2, 1, ("legal_limit_days: implausible number",)),
    "enormous_int.jsonl": (3, 1, ("supplement_notices: implausible number",)),
    "enormous_float.jsonl": (3, 1, ("legal_limit_days: implausible number",)),
    "enormous_int.xlsx": (3, 1, ("supplement_notices: implausible number",)),
    # a value nested 255..1024 deep under an unknown key: orjson.loads accepts it, orjson.dumps
    # (limit 254) raised TypeError writing it back as text (B2); now the row is kept
    "deep_extra_value.jsonl": (3, 0, ()),
    "typed_cells.xlsx": (13, 10, ("implausible year 1900", "implausible amount", "bad date True",
                                  "bad date datetime.time", "bad date '#DIV/0!'", "cells beyond the header",
                                  "bad integer 3.5")),
}  # fmt: skip

@pytest.mark.parametrize("name", sorted(ROW_REJECTS))
def test_bad_rows_rejected_with_reason_rest_audited(tmp_path, name):
    read, rejected, reasons = ROW_REJECTS[name]
    run = audit(RECORDS / name, tmp_path, jobs=1)
    assert_reconciled(run, read=read, rejected=rejected, reasons=reasons)
    # a rejected row is reported against its own file and row number
    assert all(r["file"].endswith(name) and r["row"] >= 1 for r in run.rejects)


@pytest.mark.parametrize(
    "name", ["unbalanced_quote.csv", "mixed_bad_lines.jsonl", "typed_cells.xlsx", "dup_ids.csv"]
)
def test_rejects_do_not_depend_on_workers(tmp_path, name):
    one = audit(RECORDS / name, tmp_path, jobs=1)
    two = audit(RECORDS / name, tmp_path, jobs=2)
    assert_reconciled(one)
    assert_reconciled(two)
    assert one.summary == two.summary
    assert one.rejects == two.rejects
    assert one.findings == two.findings


# ---- dates outside every official calendar ----


def test_date_in_2099_is_one_clear_error(tmp_path):
    # by design (DESIGN.md "Working days") a date no calendar covers stops the audit with a
    # clear error naming the year and the option that fixes it
    run = audit(RECORDS / "dates_2099.csv", tmp_path, jobs=1)
    assert_clean_error(run, "no official working-day calendar for 20", "--calendar")
    assert run.stderr.count("no official working-day calendar") == 1


def test_date_in_2099_is_one_clear_error_with_workers(tmp_path):
    run = audit(RECORDS / "dates_2099.csv", tmp_path, jobs=2)
    assert_clean_error(run, "no official working-day calendar for 20", "--calendar")
    assert run.stderr.count("no official working-day calendar") == 1


# ---- big inputs, built at run time ----

HEADER = "办件编号,申请时间,承办部门\n"


def _rows(n: int, start: int = 0) -> str:
    return "".join(f"R{i},2025-03-03,市局\n" for i in range(start, start + n))


@pytest.mark.parametrize("tail", ["\n", ""], ids=["newline", "no-newline-at-eof"])
def test_10mb_single_line_csv(tmp_path, tail):
    path = tmp_path / "long_line.csv"
    path.write_text(HEADER + _rows(3) + "L1,2025-03-03," + "x" * (10 << 20) + tail + (_rows(3, 10) if tail else ""),
                    encoding="utf-8")  # fmt: skip
    run = audit(path, tmp_path, jobs=1, timeout=120)
    assert_reconciled(run, read=7 if tail else 4, rejected=1, reasons=("longer than",))
    assert run.elapsed < 60


def test_10mb_single_line_jsonl(tmp_path):
    path = tmp_path / "long_line.jsonl"
    good = '{"办件编号": "G%d", "申请时间": "2025-03-03"}\n'
    path.write_text(
        good % 1 + '{"办件编号": "L1", "备注": "' + "x" * (10 << 20) + '"}\n' + good % 2, encoding="utf-8"
    )
    run = audit(path, tmp_path, jobs=1, timeout=120)
    assert_reconciled(run, read=3, rejected=1, reasons=("longer than",))


def test_10mb_header_line(tmp_path):
    path = tmp_path / "long_header.csv"
    path.write_text("办件编号,申请时间," + "y" * (10 << 20) + "\n" + _rows(3), encoding="utf-8")
    run = audit(path, tmp_path, jobs=1, timeout=120)
    assert_clean_error(run, "long_header.csv")


def test_10mb_header_line_message(tmp_path):
    path = tmp_path / "long_header.csv"
    path.write_text("办件编号,申请时间," + "y" * (10 << 20) + "\n" + _rows(3), encoding="utf-8")
    run = audit(path, tmp_path, jobs=1, timeout=120)
    assert_clean_error(run, "long_header.csv", "line 1")


@pytest.mark.slow
def test_stray_quote_swallowing_the_file_recovers(tmp_path):
    # an opening quote never closed: the reader must give up on that record after 1 MiB and
    # audit the 60,000 rows after it, not swallow them
    path = tmp_path / "stray_quote.csv"
    path.write_text(HEADER + _rows(3) + 'Q1,2025-03-03,"市局\n' + _rows(60000, 10), encoding="utf-8")
    run = audit(path, tmp_path, jobs=1, timeout=300)
    assert_reconciled(run, read=60004, rejected=1, reasons=("unbalanced quotes",))


def test_gbk_line_after_a_long_ascii_start(tmp_path):
    # the encoding is chosen from the first 64 KiB; a GBK line after them is a reject, not a crash
    path = tmp_path / "late_gbk.csv"
    data = (
        "case_id,received_at,department\n" + "".join(f"A{i},2025-03-03,x\n" for i in range(6000))
    ).encode()
    path.write_bytes(data + "K1,2025-03-03,市场监管局\n".encode("gbk") + b"Z1,2025-03-03,x\n")
    run = audit(path, tmp_path, jobs=1)
    assert_reconciled(run, read=6002, rejected=1, reasons=("not valid utf-8",))


def _padded_xlsx(pad_mb: int) -> bytes:
    """A valid workbook whose sheet XML carries pad_mb MB of comment: a few hundred KB on disk."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["办件编号", "申请时间"])
    ws.append(["G1", "2025-03-03"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                at = body.index(b"</sheetData>")
                body = body[:at] + b"<!--" + b" " * (pad_mb << 20) + b"-->" + body[at:]
            z.writestr(info.filename, body)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_quickly(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_padded_xlsx(40))
    assert path.stat().st_size < 200_000
    try:
        run = audit(path, tmp_path, jobs=1, timeout=5)
    except Exception as e:  # subprocess.TimeoutExpired: the bug
        pytest.fail(f"no answer within 5 s: {e}")
    assert_clean_error(run, "bomb.xlsx")


# ---- draft documents (xuke lint) ----

DOC_ERRORS = [
    ("binary.txt", "not a text file"),
    ("nul_byte.txt", "not a text file"),
    ("mixed_encodings.txt", "not a text file"),
    ("front_matter_python_tag.md", "python/object"),
    ("front_matter_not_yaml.md", "not valid YAML"),
    ("front_matter_list.md", "must be a mapping"),
    ("old_word.doc", "old_word.doc"),
    ("no_extension", "no_extension"),
    ("not_a_zip.docx", "not a valid zip"),
    ("empty.docx", "not a valid zip"),
    ("truncated.docx", "not a valid zip"),
    ("no_document_xml.docx", "word/document.xml"),
    ("broken_xml.docx", "cannot read .docx"),
    ("billion_laughs.docx", "amplification"),
    # Word never writes a DTD: text in an entity was invisible to lint (B23), so a DTD is refused
    ("external_entity.docx", "declares a DTD"),
]


def lint(path, tmp_path: Path, *extra, timeout: float = 300):
    out = tmp_path / "lint.json"
    if out.exists():
        out.unlink()
    run = run_cli("lint", path, "--format", "json", "-o", out, *extra, cwd=tmp_path, timeout=timeout)
    if run.returncode in (0, 1) and out.exists():
        doc = json.loads(out.read_text(encoding="utf-8"))
        run.summary, run.findings = doc["summary"], doc["findings"]
    return run


@pytest.mark.parametrize(("name", "needle"), DOC_ERRORS, ids=[n for n, _ in DOC_ERRORS])
def test_unreadable_draft_is_one_line_exit_2(tmp_path, name, needle):
    run = lint(DOCUMENTS / name, tmp_path)
    assert_clean_error(run, name, needle)
    assert not (tmp_path / "pwned.txt").exists()


# name -> clauses read
DOC_READ = {
    "empty.txt": 0,  # an empty draft has nothing to lint: exit 0, and the summary says 0 clauses
    "whitespace_only.txt": 0,
    "bom.txt": 2,
    "gbk.txt": 2,
    "utf16.txt": 2,
    "front_matter_unclosed.md": 3,  # no closing ---: the lines are text, not front matter
    "front_matter_alias_bomb.md": 2,  # YAML aliases are references, nothing is expanded
}


@pytest.mark.parametrize("name", sorted(DOC_READ))
def test_odd_draft_is_read(tmp_path, name):
    run = lint(DOCUMENTS / name, tmp_path)
    assert "Traceback" not in run.stderr, run.describe()
    assert run.returncode in (0, 1), run.describe()
    assert run.summary["clauses"] == DOC_READ[name]


def test_docx_external_entity_is_not_resolved():
    from xuke.errors import InputError
    from xuke.sources.documents import read_document

    with pytest.raises(InputError, match="declares a DTD") as e:
        read_document(DOCUMENTS / "external_entity.docx")
    assert "root:" not in str(e.value)


# YAML that safe_load cannot construct raised ValueError / RecursionError past the YAMLError
# handler (found by these tests; fixed in 7681558)
FRONT_MATTER_ERRORS = [
    ("front_matter_bad_date.md", "day is out of range"),
    ("front_matter_bad_time.md", "hour must be in"),
    ("front_matter_deep.md", "nested too deeply"),
]


@pytest.mark.parametrize(("name", "needle"), FRONT_MATTER_ERRORS, ids=[n for n, _ in FRONT_MATTER_ERRORS])
def test_front_matter_yaml_errors_are_one_line(tmp_path, name, needle):
    run = lint(DOCUMENTS / name, tmp_path)
    assert_clean_error(run, name, "front matter is not valid YAML", needle)


@pytest.mark.slow
def test_10mb_single_line_draft(tmp_path):
    path = tmp_path / "long_line.txt"
    head = "关于印发某市户外广告设置管理办法的通知\n第一条 为了规范户外广告设置，制定本办法。\n"
    path.write_text(head + "第二条 " + "申请人应当提交申请材料，" * 900_000 + "\n", encoding="utf-8")
    assert path.stat().st_size > 10 << 20
    run = lint(path, tmp_path, timeout=120)
    assert "Traceback" not in run.stderr, run.describe()
    assert run.returncode in (0, 1)
    assert run.summary["clauses"] == 2
    assert run.elapsed < 60


def _bomb_docx(total_mb: int, members: int = 1) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("第一条 为了规范管理，制定本办法。")
    buf = io.BytesIO()
    d.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info.filename))
        for k in range(members):
            z.writestr(f"word/media/pad{k}.bin", b"\0" * ((total_mb << 20) // members))
    return out.getvalue()


@pytest.mark.parametrize(
    ("total_mb", "needle"), [(300, "expand to"), (150, "")], ids=["300MB-total", "150MB-ratio"]
)
def test_docx_zip_bomb_is_refused(tmp_path, total_mb, needle):
    path = tmp_path / "bomb.docx"
    path.write_bytes(_bomb_docx(total_mb))
    assert path.stat().st_size < 2 << 20
    run = lint(path, tmp_path, timeout=60)
    assert_clean_error(run, "bomb.docx", needle)
    assert run.elapsed < 20


# Built-in (not rule) regexes of legaltext/numerals run on Python's backtracking `re` and are
# super-linear on some lines of a draft. Sizes chosen so that a linear scan takes well under a
# second while today's code takes 20 s to minutes.
REDOS_LINES = {
    "whitespace-after-title": ("第二条 根据《行政许可法》" + " " * 50_000 + "规定，", "quotes_law"),
    "adjacent-titles": ("第二条 " + "《行政许可法》" * 20_000, "basis / basis_titles / cites_basis"),
    "long-digit-run": ("第二条 收费" + "1" * 50_000 + "万元", "decision_days / notice_days"),
}


@pytest.mark.parametrize("shape", list(REDOS_LINES))
def test_lint_is_linear_on_long_lines(tmp_path, shape):
    path = tmp_path / f"{shape}.txt"
    head = "关于印发某市户外广告设置管理办法的通知\n第一条 为了规范户外广告设置，制定本办法。\n"
    path.write_text(head + REDOS_LINES[shape][0] + "\n", encoding="utf-8")
    try:
        run = lint(path, tmp_path, timeout=4)
    except Exception as e:  # subprocess.TimeoutExpired: the bug
        pytest.fail(f"no answer within 4 s: {e}")
    assert run.returncode in (0, 1), run.describe()


# ---- follow-ups to B2, B4, B14 ----


def test_deep_jsonl_values_under_known_and_unknown_keys(tmp_path):
    # 1000 levels (orjson.loads accepts up to 1024): a known field gets a reject naming it, an
    # unknown key is kept as text; the same with workers
    deep = "[" * 1000 + "]" * 1000
    path = tmp_path / "deep.jsonl"
    path.write_text(
        f'{{"办件编号": "J1", "申请时间": {deep}}}\n'
        f'{{"办件编号": "J2", "申请时间": "2025-03-03", "补正告知次数": {deep}}}\n'
        f'{{"办件编号": "J3", "申请时间": "2025-03-03", "备注": {{"a": {deep}}}}}\n',
        encoding="utf-8",
    )
    for jobs in (1, 2):
        run = audit(path, tmp_path, jobs=jobs)
        # (a structure under a record field is named as such: B25)
        assert_reconciled(run, read=3, rejected=2, reasons=("received_at: a JSON array, not a value",
                                                            "supplement_notices: a JSON array"))  # fmt: skip


def test_deep_json_value_as_text_matches_orjson():
    import orjson
    from xuke.sources.jsonlreader import JsonlFile, _dumps_deep

    small = {"k": [1, "二", None, True, 2.5, {}, [], 10**18], "空": {"a": 'b"\n'}}
    assert _dumps_deep(small) == orjson.dumps(small).decode()
    value: object = small
    for i in range(600):
        value = {"x": value, "y": i} if i % 7 == 0 else [i, value]
    assert orjson.loads(JsonlFile.raw_text(value)) == value


def _rezip(src: bytes, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info.filename, edit(info.filename, zin.read(info.filename)))
    return out.getvalue()


def test_xlsx_member_longer_than_declared_is_one_line(tmp_path):
    # the zip-bomb guard trusts the declared sizes; zipfile stops inflating there, so a member
    # that lies about its size fails its CRC part way through the sheet: one line, not a traceback
    import struct

    data = bytearray(_padded_xlsx(2))
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        if data[at + 46 : at + 46 + struct.unpack_from("<H", data, at + 28)[0]] == name:
            struct.pack_into("<I", data, at + 24, 900_000)  # declared uncompressed size
        at = data.find(b"PK\x01\x02", at + 4)
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data))
    assert_clean_error(audit(path, tmp_path, jobs=1, timeout=60), "liar.xlsx", "not a readable .xlsx")


def test_xlsx_truncated_sheet_xml_is_one_line(tmp_path):
    src = (Path(__file__).resolve().parent.parent / "fixtures" / "approvals" / "small.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(_rezip(src, lambda name, body: body[: len(body) // 2] if "sheet1" in name else body))
    assert_clean_error(audit(path, tmp_path, jobs=1, timeout=60), "cut.xlsx", "not a readable .xlsx")


@pytest.mark.slow
def test_xlsx_of_repeated_rows_is_not_a_bomb(tmp_path):
    # identical rows compress far better than real exports (real: about 10:1); still well
    # under the 100:1 limit, and above the 1 MiB floor, so the ratio check does run
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["办件编号", "申请时间", "承办部门", "补正告知次数"])
    for i in range(20_000):
        ws.append([f"R{i}", "2025-03-03", "市市场监督管理局", 0])
    path = tmp_path / "repeated.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        sheet = max(z.infolist(), key=lambda m: m.file_size)
    assert sheet.file_size > 1 << 20 and 10 < sheet.file_size / sheet.compress_size < 100
    assert_reconciled(audit(path, tmp_path, jobs=1), read=20_000, rejected=0)


def test_over_long_first_line_before_a_header(tmp_path):
    # a first line over the limit is reported as such, even when it would have been blank
    path = tmp_path / "long_blank.csv"
    path.write_text("," * (2 << 20) + "\n" + HEADER + _rows(3), encoding="utf-8")
    assert_clean_error(audit(path, tmp_path, jobs=1, timeout=120), "long_blank.csv", "line 1 is longer than")
