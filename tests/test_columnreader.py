"""The column reader (engine/sources/columnreader.py) is the row reader's fast path: for
any byte range it either gives exactly the rows and rejects the row reader gives (numbers,
values, reasons, raw cells, the table of case ids seen) or declines the range."""
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xuke.sources.columnreader import read_columns
from xuke.sources.records import RecordSource, Reject, Span, _SeenIds

HEADER = "办件编号,申请时间,办结时间,收费金额,材料齐全,转办次数,备注"
CELLS = {
    "id": st.sampled_from(["A1", "A2", "A3", "", " A4 ", "Ａ5"]),
    "date": st.sampled_from(["2025-03-03", "2025-03-03 09:34:56", "2025-03-03 25:00:00", "2025/3/3", "2025年3月3日",
                             "20250303", "2025-02-30", "", "无", "2025-03-03 9:34:56"]),
    "amount": st.sampled_from(["80", "\"1,500.00\"", "￥35", "35元", "abc", ""]),
    "bool": st.sampled_from(["是", "否", "Y", "n", "有", "无", "maybe", ""]),
    "int": st.sampled_from(["0", "2", "二", "-1", "x", ""]),
    # mostly plain; now and then what makes the column reader decline a range
    "note": st.sampled_from(["", "说明", '"含,逗号"', '"引""号"'] * 8 + ['"未闭合', "a\r", '"两行\n说明"']),
}


@st.composite
def lines(draw):
    out = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.integers(0, 80))
        if kind == 0:
            out.append("")  # a blank line
        elif kind == 1:
            out.append("A9,2025-03-03")  # too few cells
        else:
            out.append(",".join([draw(CELLS["id"]), draw(CELLS["date"]), draw(CELLS["date"]),
                                 draw(CELLS["amount"]), draw(CELLS["bool"]), draw(CELLS["int"]),
                                 draw(CELLS["note"])]))  # fmt: skip
    return out


def _row_reader(source, start, end, rows, lines, seen):
    span = Span()
    items = [item for item, _ in source.read(start, end, rows=rows, lines=lines, seen=seen, span=span)]
    return items, span


def _describe(items):
    out = []
    for item in items:
        if isinstance(item, Reject):
            out.append(("reject", item.row, item.line, item.reason, item.raw, item.first_row))
        else:
            out.append(("row", item.row, sorted((k, repr(v)) for k, v in item.values.items())))
    return out


def _columns(read):
    out = [("reject", r.row, r.line, r.reason, r.raw, r.first_row) for r in read.rejects]
    numbers = read.table.get_column("_row").to_list()
    out += [("row", n, sorted((k, repr(v)) for k, v in read.values(k_).items())) for k_, n in enumerate(numbers)]
    return sorted(out, key=lambda x: x[1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=lines(), cut=st.integers(0, 2000), encoding=st.sampled_from(["utf-8", "gb18030"]),
       prior=st.booleans())  # fmt: skip
def test_a_range_reads_as_the_row_reader_reads_it_or_is_declined(tmp_path, body, cut, encoding, prior):
    path = tmp_path / f"r-{encoding}.csv"
    path.write_bytes(("\r\n".join([HEADER, *body]) + "\r\n").encode(encoding))
    source = RecordSource(path, encoding=encoding)
    start, lines0 = source.data_start
    end = start + cut
    base_rows = 3 if prior else 0
    seen_a, seen_b = _SeenIds(), _SeenIds()
    if prior:  # an id seen before the range, on row 2
        seen_a.add("A1", 2)
        seen_b.add("A1", 2)
    items, span = _row_reader(source, start, end, base_rows, lines0, seen_a)
    col_span = Span()
    read = read_columns(source, start, end, base_rows, lines0, seen_b, col_span)
    if read is None:
        assert len(seen_b) == (1 if prior else 0)  # declined: nothing recorded
        return
    assert _columns(read) == _describe(items)
    assert read.rows_read == len(items)
    assert (col_span.start, col_span.stop, col_span.lines) == (span.start, span.stop, span.lines)
    assert list(zip(*seen_b.journal or ((), ()))) == list(zip(*seen_a.journal or ((), ())))
    assert len(seen_b) == len(seen_a)


def test_the_generated_export_is_read_by_columns(tmp_path):
    # the messy formats of the fixture generator (dates with times, 是/否, ￥, quoted
    # commas, CRLF) are the fast path's business, not a reason to decline
    import csv

    from conftest import ROOT

    text = (ROOT / "fixtures" / "approvals" / "sample.csv").read_bytes().decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))[:400]
    path = tmp_path / "s.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("gb18030"))
    source = RecordSource(path)
    start, lines0 = source.data_start
    import os

    read = read_columns(source, start, os.path.getsize(path), 0, lines0, _SeenIds(), Span())
    assert read is not None and read.rows_read == 399
    items, _ = _row_reader(source, start, os.path.getsize(path), 0, lines0, _SeenIds())
    assert _columns(read) == _describe(items)


def test_a_range_too_large_to_hold_is_left_to_the_row_reader(tmp_path, monkeypatch):
    from xuke.sources import columnreader

    path = tmp_path / "s.csv"
    path.write_text(HEADER + "\nA1,2025-03-03,,80,是,0,\nA2,2025-03-04,,80,是,0,\n", encoding="utf-8")
    source = RecordSource(path)
    start, lines0 = source.data_start
    assert read_columns(source, start, 10**4, 0, lines0, _SeenIds(), Span()) is not None
    monkeypatch.setattr(columnreader, "MAX_BLOCK", 8)
    seen = _SeenIds()
    assert read_columns(source, start, 10**4, 0, lines0, seen, Span()) is None and len(seen) == 0
