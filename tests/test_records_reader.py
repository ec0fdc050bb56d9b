import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xuke.domain.values import normalise_text
from xuke.errors import InputError, XukeError
from xuke.sources import csvreader
from xuke.sources.records import RecordSource, Reject, Row, _SeenIds

DATA = Path(__file__).parent / "data" / "records"
HEADER = ["办件编号", "事项名称", "申请时间", "补正告知次数", "材料齐全", "收费金额", "备注"]
ROWS = [
    ["XK-001", "食品经营许可证核发", "2025-03-03", "0", "是", "0", "首次"],
    ["XK-002", "建筑工程施工许可", "2025/3/4", "2次", "否", "￥80", ""],
    ["XK-003", "公共场所卫生许可", "2025年3月5日", "一", "有", "1,500.00", "多行\n备注"],
]


def write_csv(path: Path, rows, header=HEADER, encoding="utf-8", delimiter=","):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def items(source):
    out = list(source)
    assert [x.row for x in out] == list(range(1, len(out) + 1))  # numbered 1..n, no gaps
    return out


def rows_only(out):
    return [x for x in out if isinstance(x, Row)]


def rejects(out):
    return [x for x in out if isinstance(x, Reject)]


# ---- the static samples ----------------------------------------------------------------


def test_sample_csv():
    src = RecordSource(DATA / "sample.csv")
    assert src.encoding == "utf-8"
    assert src.mapping["办件编号"] == "case_id" and src.mapping["造成损失"] == "loss"
    assert src.unknown_headers == ["备注"]
    assert {"case_id", "received_at", "decided_at", "fee_amount"} <= src.present_fields
    out = items(src)
    assert len(out) == 5
    r1, r2, r3, bad, dup = out
    assert r1.values["received_at"] == date(2025, 3, 3) and r1.values["materials_complete"] is True
    assert r1.values["loss"] == "无" and "fee_basis" not in r1.values and r1.extra == {}
    assert r2.values["received_at"] == date(2025, 3, 4)  # a date-time: the date part counts
    assert r2.values["fee_amount"] == Decimal("80") and r2.values["decided_at"] == date(2025, 3, 20)
    assert r2.extra == {"备注": "补正后受理"}
    assert r3.values["supplement_notices"] == 2 and "fee_amount" not in r3.values  # "-" is null
    assert r3.extra == {"备注": "多行\n备注"} and r3.line == 4
    assert isinstance(bad, Reject) and bad.reason == "received_at: bad date '2025-02-30'"
    assert bad.raw["申请时间"] == "2025-02-30" and bad.line == 6
    assert dup.reason == "duplicate case_id 'XK2025-0001' (first at row 1)"


def test_sample_jsonl():
    src = RecordSource(DATA / "sample.jsonl")
    assert src.encoding == "utf-8"
    assert {"case_id", "received_at", "fee_amount"} <= src.present_fields
    out = items(src)
    assert [type(x).__name__ for x in out] == ["Row", "Row", "Reject", "Reject", "Reject", "Reject"]
    j1, j2, not_obj, bad_date, bad_json, dup = out
    assert j1.values["supplement_notices"] == 1 and j1.values["materials_complete"] is True
    assert j1.values["fee_amount"] == Decimal("80.5") and j1.extra == {"备注": '{"k":1}'}
    assert j2.values["supplement_notices"] == 2 and j2.values["fee_amount"] == Decimal("1500.00")
    assert "decided_at" not in j2.values
    assert not_obj.reason == "not a JSON object but an array" and not_obj.line == 4
    assert not_obj.raw == {"_line": '["not", "an", "object"]'}
    assert bad_date.reason == "received_at: bad date '2025-13-01'"
    assert bad_json.reason.startswith("bad JSON") and bad_json.raw == {"_line": "{bad json"}
    assert dup.reason == "duplicate case_id 'J-001' (first at row 1)"


# ---- encodings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding,detected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_encodings_are_detected(tmp_path, encoding, detected):
    path = write_csv(tmp_path / "in.csv", ROWS, encoding=encoding)
    src = RecordSource(path)
    assert src.encoding == detected
    assert src.headers == HEADER
    out = items(src)
    assert [r.values["case_id"] for r in rows_only(out)] == ["XK-001", "XK-002", "XK-003"]
    assert rows_only(out)[2].values["item_name"] == "公共场所卫生许可"
    assert rows_only(out)[2].extra["备注"] == "多行\n备注"


def test_forced_encoding(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS, encoding="gbk")
    src = RecordSource(path, encoding="GBK")
    assert src.encoding == "gb18030"  # the superset reads everything GBK does
    assert len(rows_only(items(src))) == 3
    with pytest.raises(InputError, match="cannot read the header"):
        RecordSource(path, encoding="utf-8")  # the header itself is not UTF-8
    with pytest.raises(InputError, match="unknown encoding"):
        RecordSource(path, encoding="klingon")
    with pytest.raises(InputError, match="utf-16 text is not supported"):
        RecordSource(path, encoding="utf-16")
    bom = write_csv(tmp_path / "bom.csv", ROWS, encoding="utf-8-sig")
    assert (
        RecordSource(bom, encoding="utf-8-sig").headers
        == HEADER
        == RecordSource(bom, encoding="utf8").headers
    )


def test_jsonl_encodings(tmp_path):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes('{"办件编号": "A1", "申请时间": "2025-03-03", "承办部门": "住建局"}\n'.encode("gbk"))
    (row,) = items(RecordSource(path, encoding="gbk"))
    assert row.values["department"] == "住建局"
    with pytest.raises(InputError, match="no JSON object"):
        RecordSource(path)  # read as UTF-8, every line is a reject: nothing to learn the keys from
    with pytest.raises(InputError, match="not supported"):
        RecordSource(path, encoding="utf-32")


def test_gbk_line_in_utf8_file(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS)
    bad = "XK-009,事项,2025-03-03,0,是,0,GBK行\r\n".encode("gbk")
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(lines[:2]) + b"\r\n" + bad + b"\r\n".join(lines[2:]))
    out = items(RecordSource(path))
    assert len(out) == 4
    assert isinstance(out[1], Reject) and out[1].line == 3
    assert "not valid utf-8" in out[1].reason and "mixed encodings" in out[1].reason
    assert out[1].raw["办件编号"] == "XK-009"  # readable parts kept for the reject file
    assert [r.values["case_id"] for r in rows_only(out)] == ["XK-001", "XK-002", "XK-003"]


def test_utf8_line_in_gbk_file(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS, encoding="gbk")
    path.write_bytes(path.read_bytes() + "XK-009,事项,2025-03-03,0,是,0,UTF8行\r\n".encode())
    out = items(RecordSource(path))
    assert len(out) == 4
    assert out[-1].reason == "line 6: UTF-8 text in a GB18030 file (mixed encodings)"


def test_utf16_is_refused(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS, encoding="utf-16")
    with pytest.raises(InputError, match="UTF-16/UTF-32 text is not supported"):
        RecordSource(path)


def test_binary_garbage(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="not a text file"):
        RecordSource(path)


# ---- malformed rows --------------------------------------------------------------------


def test_ragged_rows(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "办件编号,申请时间,备注\nA1,2025-03-03,x\nA2,2025-03-03\nA3,2025-03-03,x,y\nA4,2025-03-03,\n"
    )
    out = items(RecordSource(path))
    assert [type(x).__name__ for x in out] == ["Row", "Reject", "Reject", "Row"]
    assert out[1].reason == "2 cells where the header has 3"
    assert out[2].reason == "4 cells where the header has 3"
    assert out[2].raw == {"办件编号": "A3", "申请时间": "2025-03-03", "备注": "x", "_col4": "y"}


def test_unbalanced_quote_costs_one_line(tmp_path):
    lines = ["办件编号,申请时间,备注", "A1,2025-03-03,ok", 'A2,2025-03-03,"oops'] + [
        f"A{k},2025-03-04,fine" for k in range(3, 9)
    ]
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n")
    out = items(RecordSource(path))
    assert len(out) == 8  # every data line accounted for
    assert out[1].reason == "unbalanced quotes" and out[1].line == 3
    assert [r.values["case_id"] for r in rows_only(out)] == ["A1"] + [f"A{k}" for k in range(3, 9)]


def test_stray_quote_that_closes_later(tmp_path):
    # A stray quote on line 3 pairs with one on line 5: the record swallowed in between
    # does not fit the header, so each physical line is read on its own.
    path = tmp_path / "in.csv"
    path.write_text(
        '办件编号,申请时间,备注\nA1,2025-03-03,ok\nA2,2025-03-03,"x\nA3,2025-03-03,y\nA4,2025-03-03,z"q\nA5,2025-03-03,w\n'
    )
    out = items(RecordSource(path))
    assert [x.line for x in out] == [2, 3, 4, 5, 6]
    assert [type(x).__name__ for x in out] == ["Row", "Reject", "Row", "Row", "Row"]
    assert out[3].extra == {"备注": 'z"q'}  # a quote inside an unquoted field is just a character


def test_bad_quoting_and_stray_cr(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes('办件编号,申请时间\nA1,"2025-03-03"x\nA2,2025\r-03-03\nA3,2025-03-03\n'.encode())
    out = items(RecordSource(path))
    assert out[0].reason.startswith("bad CSV")
    assert out[1].reason == "stray carriage return inside a line"
    assert isinstance(out[2], Row)


def test_overlong_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(csvreader, "MAX_LINE", 200)
    path = tmp_path / "in.csv"
    path.write_text(
        "办件编号,申请时间,备注\nA1,2025-03-03," + "x" * 500 + "\nA2,2025-03-03,ok\n"
        'A3,2025-03-03,"' + "y\n" * 300 + '"\nA4,2025-03-03,ok\n'
    )
    out = items(RecordSource(path))
    assert out[0].reason == "line 2 is longer than 200 bytes"
    assert isinstance(out[1], Row) and out[1].values["case_id"] == "A2"
    # A quoted field running past the limit is cut off, and its lines read one by one.
    assert isinstance(out[-1], Row) and out[-1].values["case_id"] == "A4"
    assert all(isinstance(x, Reject) for x in out[2:-1])


def test_megabyte_line(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("办件编号,申请时间,备注\nA1,2025-03-03," + "x" * (1 << 20) + "\nA2,2025-03-03,ok\n")
    out = items(RecordSource(path))
    assert "longer than" in out[0].reason and out[0].line == 2
    assert out[1].values["case_id"] == "A2"


def test_blank_lines_are_not_rows(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("\n\n办件编号,申请时间\n\nA1,2025-03-03\n , \n,\nA2,2025-03-04\n\n")
    out = items(RecordSource(path))
    assert [(x.row, x.line, x.values["case_id"]) for x in out] == [(1, 5, "A1"), (2, 8, "A2")]


def test_required_values(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("办件编号,申请时间,承办部门\n,2025-03-03,x\nA2,,y\nA3,-,z\n")
    out = items(RecordSource(path))
    assert [x.reason for x in out] == [
        "case_id: required value is empty",
        "received_at: required value is empty",
        "received_at: required value is empty",
    ]
    out = items(RecordSource(path, required=("case_id",)))
    assert [type(x).__name__ for x in out] == ["Reject", "Row", "Row"]


def test_several_errors_in_one_row(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("办件编号,申请时间,办结时间,补正次数,造成损失\nA1,2025-02-30,x,-1,特别重大\n")
    (bad,) = items(RecordSource(path))
    assert bad.reason == (
        "received_at: bad date '2025-02-30'; decided_at: bad date 'x'; supplement_notices: negative value '-1'; "
        "loss: '特别重大' is not one of 无 / 一般 / 重大"
    )


# ---- headers ---------------------------------------------------------------------------


def test_header_matching(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(" 办件编号 ,ＲＥＣＥＩＶＥＤ_ＡＴ,Department,承办 部门x,编号2\nA1,2025-03-03,局,y,z\n")
    src = RecordSource(path, aliases={"编号2": "item_code"})
    assert src.mapping == {
        "办件编号": "case_id",
        "RECEIVED_AT": "received_at",
        "Department": "department",
        "编号2": "item_code",
    }
    (row,) = items(src)
    assert row.values == {
        "case_id": "A1",
        "received_at": date(2025, 3, 3),
        "department": "局",
        "item_code": "z",
    }
    assert row.extra == {"承办 部门x": "y"}


def test_bad_alias_config(tmp_path):
    path = write_csv(tmp_path / "in.csv", ROWS)
    with pytest.raises(XukeError, match="maps to unknown field 'nope'"):
        RecordSource(path, aliases={"x": "nope"})


def test_missing_required_column(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("办件编号,事项名称\nA1,x\n")
    with pytest.raises(InputError) as e:
        RecordSource(path)
    message = str(e.value)
    assert "no column for required received_at (申请时间 / 收件时间 / 申报时间)" in message
    assert "headers found: 办件编号, 事项名称" in message and "\n" not in message


def test_duplicate_headers(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("办件编号,申请时间,业务流水号\nA1,2025-03-03,B1\n")
    with pytest.raises(InputError, match="columns '办件编号' and '业务流水号' both map to case_id"):
        RecordSource(path)
    path.write_text("办件编号,申请时间,备注,备注,\nA1,2025-03-03,x,y,z\n")
    (row,) = items(RecordSource(path))
    assert row.extra == {"备注": "x", "备注 (2)": "y", "column 5": "z"}


def test_empty_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: empty file"):
        RecordSource(empty)
    empty.write_bytes(b"\xef\xbb\xbf\n \n")
    with pytest.raises(InputError, match="empty file"):
        RecordSource(empty)
    header_only = tmp_path / "h.csv"
    header_only.write_text("办件编号,申请时间\n")
    assert list(RecordSource(header_only)) == []


def test_bad_paths(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        RecordSource(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="is a directory"):
        RecordSource(tmp_path)
    (tmp_path / "x.pdf").write_text("x")
    with pytest.raises(InputError, match="unsupported file type '.pdf'"):
        RecordSource(tmp_path / "x.pdf")
    (tmp_path / "x.xls").write_text("x")
    with pytest.raises(InputError, match=r"save it as \.xlsx or CSV"):
        RecordSource(tmp_path / "x.xls")
    (tmp_path / "fake.xlsx").write_text("not a zip")
    with pytest.raises(InputError, match="not a readable .xlsx workbook"):
        RecordSource(tmp_path / "fake.xlsx")
    path = write_csv(tmp_path / "in.csv", ROWS)
    with pytest.raises(InputError, match="sheet"):
        RecordSource(path, sheet="Sheet1")


def test_tab_separated(tmp_path):
    path = write_csv(tmp_path / "in.tsv", ROWS, delimiter="\t")
    assert len(rows_only(items(RecordSource(path)))) == 3
    path = write_csv(tmp_path / "tabs.csv", ROWS, delimiter="\t")  # a .csv that is really TSV
    assert len(rows_only(items(RecordSource(path)))) == 3


def test_chunks(tmp_path):
    rows = [[f"C{k}", "x", "2025-03-03", "0", "是", "0", ""] for k in range(10)]
    src = RecordSource(write_csv(tmp_path / "in.csv", rows))
    chunks = list(src.chunks(4))
    assert [len(c) for c in chunks] == [4, 4, 2]
    assert [r.row for c in chunks for r in c] == list(range(1, 11))
    with pytest.raises(ValueError):
        list(src.chunks(0))


def test_iterating_twice_starts_over(tmp_path):
    src = RecordSource(write_csv(tmp_path / "in.csv", ROWS))
    assert [type(x) for x in src] == [type(x) for x in src] == [Row, Row, Row]  # no stale duplicate ids


# ---- JSONL ---------------------------------------------------------------------------


def test_jsonl_cases(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [
        {"case_id": "A1", "received_at": "2025-03-03", "published": 1, "transfers": 2.0, "handler": 7},
        {"case_id": "A2", "办件编号": "A2b", "received_at": "2025-03-03"},
        {"case_id": "A3", "received_at": 45719, "fee_amount": -1},
        {"case_id": "A4", "received_at": "2025-03-03", "transfers": True, "extra_key": [1, 2]},
    ]
    path.write_text("\ufeff" + "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n")
    out = items(RecordSource(path))
    assert out[0].values == {
        "case_id": "A1",
        "received_at": date(2025, 3, 3),
        "published": True,
        "transfers": 2,
        "handler": "7",
    }
    assert out[1].reason == "keys 'case_id' and '办件编号' both give case_id"
    assert out[2].reason == "fee_amount: negative amount -1"
    assert out[3].reason == "transfers: bad integer True"
    assert out[3].raw["extra_key"] == "[1,2]"


def test_jsonl_files_without_objects(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("")
    with pytest.raises(InputError, match="empty file"):
        RecordSource(path)
    path.write_text("[1]\n2\n")
    with pytest.raises(InputError, match="no JSON object"):
        RecordSource(path)
    path.write_text('{"case_id": "A"}\n')
    with pytest.raises(InputError, match="required received_at"):
        RecordSource(path)


# ---- XLSX ----------------------------------------------------------------------------


def test_xlsx_two_sheets(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "一月"
    ws.append(["办件编号", "申请时间", "收费金额", "承办部门", "备注"])
    ws.append(["X1", datetime(2025, 3, 3, 14, 22), 80, "市场监管局", "a"])  # a real date cell
    ws.append([])  # an empty row is not a row
    ws.append(["X2", "2025/3/4", "=40+40", "住建局", None])  # a formula: no cached value
    ws.append([20250001, 45720, 1.5, None, None])  # a typed id, a serial date
    ws.merge_cells("D5:E5")
    ws["D5"] = "卫健委"  # merged: only the top-left cell holds the value
    ws.cell(row=6, column=1, value="X4")
    ws.cell(row=6, column=2, value=date(2025, 3, 6))
    ws.cell(row=6, column=7, value="stray")  # beyond the header
    wb.create_sheet("空")  # an empty sheet is skipped
    ws2 = wb.create_sheet("二月")
    ws2.append([None])
    ws2.append(["办件编号", "申报时间", "经办人"])
    ws2.append(["Y1", "2025-04-01", "张三"])
    ws2.append(["X1", "2025-04-02", "李四"])
    path = tmp_path / "in.xlsx"
    wb.save(path)

    src = RecordSource(path)
    assert src.headers == ["办件编号", "申请时间", "收费金额", "承办部门", "备注", "申报时间", "经办人"]
    assert src.present_fields == {"case_id", "received_at"}  # what every sheet has
    out = items(src)
    assert [(x.sheet, x.line) for x in out] == [
        ("一月", 2),
        ("一月", 4),
        ("一月", 5),
        ("一月", 6),
        ("二月", 3),
        ("二月", 4),
    ]
    x1, x2, typed, stray, y1, dup = out
    assert x1.values == {
        "case_id": "X1",
        "received_at": date(2025, 3, 3),
        "fee_amount": Decimal(80),
        "department": "市场监管局",
    }
    assert x1.extra == {"备注": "a"}
    assert "fee_amount" not in x2.values  # the formula never ran
    assert typed.values == {
        "case_id": "20250001",
        "received_at": date(2025, 3, 4),
        "fee_amount": Decimal("1.5"),
        "department": "卫健委",
    }
    assert stray.reason == "cells beyond the header's 5 columns" and stray.raw["_col7"] == "stray"
    assert y1.values == {"case_id": "Y1", "received_at": date(2025, 4, 1), "handler": "张三"}
    assert dup.reason == "duplicate case_id 'X1' (first at row 1)"  # ids are unique per file

    only = RecordSource(path, sheet="二月")
    assert [x.row for x in only] == [1, 2] and only.present_fields == {"case_id", "received_at", "handler"}
    with pytest.raises(InputError, match="no sheet '三月'; sheets: 一月, 空, 二月"):
        RecordSource(path, sheet="三月")


def test_xlsx_sheet_without_required_column(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["办件编号", "申请时间"])
    wb.create_sheet("说明").append(["填表说明"])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match=r"\[sheet 说明\]: no column for required case_id"):
        RecordSource(path)
    empty = openpyxl.Workbook()
    empty.save(tmp_path / "empty.xlsx")
    with pytest.raises(InputError, match="empty file"):
        RecordSource(tmp_path / "empty.xlsx")


# ---- duplicate ids at scale --------------------------------------------------------------


def test_seen_ids_grow_and_remember_rows():
    seen = _SeenIds(bits=4)
    for k in range(1, 20001):
        assert seen.add(f"id-{k}", k) == 0
    assert len(seen) == 20000
    assert seen.add("id-1", 99999) == 1
    assert seen.add("id-20000", 99999) == 20000
    assert seen.add("id-new", 2**33) == 0 and seen.add("id-new", 1) == -1  # row too large to keep


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 2**64 - 1), st.integers(1, 2**32 - 1)), max_size=300),
       st.integers(0, 300))  # fmt: skip
def test_seen_ids_behave_like_a_dict_of_first_rows(adds, journal_from):
    # digests chosen freely (small tables, colliding low bits) against a plain dict
    seen, ref, journal = _SeenIds(bits=2), {}, []
    for n, (h, row) in enumerate(adds):
        if n == journal_from:
            seen.start_journal()
        assert seen.add_digest(h, row) == ref.get(h, 0)
        if h not in ref:
            ref[h] = row
            if n >= journal_from:
                journal.append((h, row))
    assert len(seen) == len(ref)
    assert all(seen.first_row(h) == row for h, row in ref.items())
    assert seen.first_row(0xDEAD_BEEF_0000_0001) == ref.get(0xDEAD_BEEF_0000_0001, 0)
    if journal_from < len(adds):
        assert list(zip(*seen.journal)) == journal


# ---- properties: whatever the lines hold, every data row is accounted for -----------------

cell_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
random_row = st.tuples(
    st.one_of(cell_text, st.from_regex(r"A[0-9]{1,3}", fullmatch=True)),
    st.one_of(cell_text, st.sampled_from(["2025-03-03", "2025/3/4", "20250305"])),
    cell_text,
    st.one_of(cell_text, st.sampled_from(["是", "否"])),
).map(list)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(random_row, max_size=25))
def test_random_text_cells(tmp_path, cells):
    path = tmp_path / "prop.csv"
    write_csv(path, cells, header=["办件编号", "申请时间", "备注", "材料齐全"])
    out = items(RecordSource(path))
    expected = [r for r in cells if any(c.strip() for c in r)]  # all-blank rows are not rows
    assert len(out) == len(expected)
    for item, raw in zip(out, expected):
        if isinstance(item, Row):
            assert item.values["case_id"] == normalise_text(raw[0])
            assert item.extra.get("备注", "") == raw[2]  # unknown columns kept verbatim
        else:
            assert item.raw["办件编号"] == raw[0]


good_line = st.builds(lambda k: f"G{k},2025-03-03,中文备注".encode(), st.integers(0, 10**6))
junk_line = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"").replace(b'"', b""))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(good_line, junk_line), max_size=15))
def test_random_byte_lines(tmp_path, pairs):
    lines = [b for pair in pairs for b in pair]
    path = tmp_path / "bytes.csv"
    path.write_bytes("办件编号,申请时间,备注\n".encode() + b"".join(line + b"\n" for line in lines))
    try:
        out = items(RecordSource(path))
    except InputError as e:
        assert "not a text file" in str(e)
        return
    data = [line for line in lines if any(c.strip() for c in line.decode("utf-8", "replace").split(","))]
    assert len(out) == len(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=40), max_size=15))
def test_random_bytes_with_quotes_never_raise(tmp_path, junk):
    path = tmp_path / "q.csv"
    path.write_bytes("办件编号,申请时间\n".encode() + b"\n".join(junk))
    try:
        out = items(RecordSource(path))
    except InputError as e:
        assert "not a text file" in str(e)
        return
    assert len(out) <= sum(1 for b in b"\n".join(junk).split(b"\n") if b.strip())


def test_header_after_more_blank_lines_than_one_sample(tmp_path):
    # the encoding is chosen from a leading sample; a sample of blank lines says nothing
    from xuke.sources.csvreader import SAMPLE

    path = tmp_path / "blank_head.csv"
    path.write_bytes(b"\r\n" * SAMPLE + "  \n办件编号,申请时间,备注\nA1,2025-03-03,中文\n".encode("gbk"))
    source = RecordSource(path)
    assert source.encoding in ("gb18030", "gbk")
    rows = list(source)
    assert [r.values["case_id"] for r in rows] == ["A1"] and rows[0].extra == {"备注": "中文"}
    assert rows[0].line == SAMPLE + 3
    (tmp_path / "blank.csv").write_bytes(b" \n" * SAMPLE)
    with pytest.raises(InputError, match="empty file"):
        RecordSource(tmp_path / "blank.csv")


def test_jsonl_key_given_twice_is_rejected_not_silently_dropped(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"办件编号": "A1", "申请时间": "2025-03-03", "办件编号": "A2"}\n'
        '{"办件编号": "B1", "申请时间": "2025-03-03", "备注": "x\\":y"}\n'
        '{"办件编号" : "C1", "申请时间" : "2025-03-03"}\n'
        '{"办件编号": "D1", "申请时间": "2025-03-03", "备注": {"a": 1, "a": 2}}\n',
        encoding="utf-8",
    )
    items = list(RecordSource(path))
    assert isinstance(items[0], Reject) and "'办件编号' given twice" in items[0].reason
    assert [i.values["case_id"] for i in items[1:3]] == ["B1", "C1"]
    assert isinstance(items[3], Reject) and "'a' given twice" in items[3].reason


# ---- v2 fields (RULES.md section 1, "Changes in v2"): the GB/T 39046 aliases ----------------


def test_v2_aliases_and_their_value_words(tmp_path):
    header = ["办件编号", "申请时间", "特别程序种类", "法定办结时限单位", "不予受理原因", "办理形式", "办件类型",
              "出具受理凭证", "公示时间", "听证申请时间", "举行听证时间", "有效期至"]  # fmt: skip
    rows = [
        ["A1", "2025-03-03", "延长审批", "日历日", "不需要许可", "网上办理", "即办件", "否", "2025/3/13", "20250303",
         "2025年4月1日", "2025-06-30"],
        ["A2", "2025-03-03", "检验、检测", "工作日", "", "窗口办理", "承诺件", "是", "", "", "", ""],
        ["A3", "2025-03-03", "", "", "", "", "", "", "", "", "", ""],
        ["A4", "2025-03-03", "", "月", "", "", "是", "", "", "", "", ""],  # 月 is no unit
    ]  # fmt: skip
    src = RecordSource(write_csv(tmp_path / "v2.csv", rows, header))
    assert src.unknown_headers == []
    out = items(src)
    a1, a2, a3 = (r.values for r in rows_only(out))
    assert a1 == {
        "case_id": "A1", "received_at": date(2025, 3, 3), "suspension_kind": "延长审批", "legal_limit_unit": "自然日",
        "refusal_ground": "不需要许可", "handling_form": "网上办理", "instant": True, "voucher_issued": False,
        "published_at": date(2025, 3, 13), "hearing_requested_at": date(2025, 3, 3),
        "hearing_held_at": date(2025, 4, 1), "permit_expires_at": date(2025, 6, 30),
    }  # fmt: skip
    assert a2["instant"] is False and a2["legal_limit_unit"] == "工作日" and a2["voucher_issued"] is True
    assert "instant" not in a3 and "legal_limit_unit" not in a3  # an empty cell is null
    (bad,) = rejects(out)
    assert bad.row == 4 and "legal_limit_unit" in bad.reason and "工作日 / 自然日" in bad.reason
