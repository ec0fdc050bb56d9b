"""Audits at scale: the same findings, rejects and summary — byte for byte — from one
process, N worker processes and a Dask LocalCluster, for any chunk size; and the reader
behind it, which can stop at a record boundary and start again there."""

import csv
import datetime as dt
import io
import json

import orjson
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xuke.jobs.audit import audit_files, range_bytes
from xuke.jobs.loader import STANDARD_RULES, load
from xuke.reports.jsonout import finding_record
from xuke.sources.records import RecordSource, Reject, Span, _SeenIds

SAMPLES = ROOT / "fixtures" / "approvals"
AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def base():
    return load([STANDARD_RULES])


def messy_csv(path, rows=300):
    """The first rows of the GBK sample with what breaks naive splitting: quoted line
    breaks, blank lines, undecodable and UTF-8 lines, a short row, duplicate ids near and
    far, and a stray quote that swallows the last lines."""
    text = (SAMPLES / "sample.csv").read_bytes().decode("gb18030")
    table = list(csv.reader(io.StringIO(text)))
    header, data = table[0], table[1 : rows + 1]
    for k in range(3, len(data), 7):
        data[k][4] = f"江州市\n第{k}\n有限公司"  # 申请人 (an extra column) over three lines
    data[6][1] = data[5][1]  # a duplicate id on the next row
    data[250][1] = data[0][1]  # and one far from the first
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    out = [buf.getvalue().encode("gb18030")]
    for k, row in enumerate(data):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        if k == 280:
            row[4] = '"未闭合' + row[4]  # written raw below: the quote is never closed
            out.append(",".join(row).encode("gb18030") + b"\r\n")
            continue
        w.writerow(row)
        out.append(buf.getvalue().encode("gb18030"))
        if k in (20, 21, 120):
            out.append(b"\r\n")  # blank lines
        if k == 40:
            out.append(b"\xff\xfe\xfd,2025-01-01\r\n")  # not GB18030 at all
        if k == 60:
            out.append("99,3201009999999999,UTF-8 行,混入,,,,2025-01-02\r\n".encode())  # UTF-8 in a GBK file
        if k == 80:
            out.append(b"1,2,3\r\n")  # too few cells
    path.write_bytes(b"".join(out))
    return path


def messy_jsonl(path):
    lines = (SAMPLES / "small.jsonl").read_bytes().splitlines(keepends=True)
    first = json.loads(lines[0])
    dup = dict(json.loads(lines[30]), **{"申办编号": first["申办编号"]})
    extra = [
        b"\n",
        b"{not json\n",
        b"[1, 2]\n",
        b"   \n",
        json.dumps(dup, ensure_ascii=False).encode() + b"\n",
    ]
    out = [b"\xef\xbb\xbf" + lines[0]]
    for k, line in enumerate(lines[1:], 1):
        out.append(line)
        if k % 13 == 0:
            out.append(extra[(k // 13) % len(extra)])
    out.append(json.dumps(dup, ensure_ascii=False).encode())  # last line without a newline
    path.write_bytes(b"".join(out))
    return path


def audit(base, path, **kw):
    result = audit_files(base, [path], _calendar(), AS_OF, **kw)
    try:
        findings = b"".join(orjson.dumps(finding_record(f)) + b"\n" for f in result.findings)
        rejects = b"".join(orjson.dumps(r) + b"\n" for r in result.rejects)
        return findings, rejects, result.summary
    finally:
        result.close()


_CAL = []


def _calendar():
    if not _CAL:
        from xuke.domain.calendar import WorkCalendar

        _CAL.append(WorkCalendar.load())
    return _CAL[0]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("scale")
    return {"csv": messy_csv(d / "messy.csv"), "jsonl": messy_jsonl(d / "messy.jsonl")}


@pytest.fixture(scope="module")
def reference(base, inputs):
    return {k: audit(base, p, jobs=1, chunk_size=100_000) for k, p in inputs.items()}


@pytest.mark.parametrize("kind", ["csv", "jsonl", "xlsx"])
@pytest.mark.parametrize("jobs,chunk", [(1, 100_000), (1, 260), (2, 270)])
def test_the_engines_give_the_same_bytes(base, inputs, reference, kind, jobs, chunk):
    # the Rete engine alone, and the column strategy (with the column reader on CSV)
    path = SAMPLES / "small.xlsx" if kind == "xlsx" else inputs[kind]
    rete = audit(base, path, jobs=jobs, chunk_size=chunk, engine="rete")
    assert rete == (reference[kind] if kind != "xlsx" else audit(base, path, jobs=1))
    assert audit(base, path, jobs=jobs, chunk_size=chunk, engine="columns") == rete


def test_the_messy_inputs_have_what_they_are_for(reference):
    findings, rejects, summary = reference["csv"]
    reasons = [json.loads(line)["reason"] for line in rejects.splitlines()]
    assert any(r.startswith("line ") and "not valid gb18030" in r for r in reasons)
    assert any("UTF-8 text in a GB18030 file" in r for r in reasons)
    assert any("(first at row 6)" in r for r in reasons) and any("(first at row 1)" in r for r in reasons)
    assert any("cells where the header has" in r for r in reasons)
    assert summary["rows_read"] == summary["rows_evaluated"] + summary["rows_rejected"]
    assert summary["rows_evaluated"] > 250 and findings.count(b"\n") > 100
    findings, rejects, summary = reference["jsonl"]
    reasons = [json.loads(line)["reason"] for line in rejects.splitlines()]
    assert any(r.startswith("bad JSON") for r in reasons) and any("duplicate" in r for r in reasons)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
@pytest.mark.parametrize("jobs,chunk", [(1, 1), (1, 7), (2, 1), (2, 5), (2, 64), (3, 23)])
def test_processes_and_chunk_sizes_give_the_same_bytes(base, inputs, reference, kind, jobs, chunk):
    assert audit(base, inputs[kind], jobs=jobs, chunk_size=chunk) == reference[kind]


def test_xlsx_on_two_processes(base):
    path = SAMPLES / "small.xlsx"
    assert audit(base, path, jobs=2, chunk_size=9) == audit(base, path, jobs=1)


def test_dask_local_cluster_gives_the_same_bytes(base, inputs, reference):
    # a LocalCluster of 2 worker processes with one thread each; small ranges, so that
    # splits fall inside quoted line breaks and duplicates cross ranges
    for kind in ("csv", "jsonl"):
        assert audit(base, inputs[kind], jobs=2, chunk_size=16, executor="dask") == reference[kind], kind
    xlsx = SAMPLES / "small.xlsx"
    assert audit(base, xlsx, jobs=2, chunk_size=16, executor="dask") == audit(base, xlsx, jobs=1)


def test_several_files_and_the_committed_sample(base, inputs, tmp_path):
    files = [inputs["csv"], inputs["jsonl"], SAMPLES / "sample.csv"]
    one = audit_files(base, files, _calendar(), AS_OF, jobs=1)
    two = audit_files(base, files, _calendar(), AS_OF, jobs=2, chunk_size=150)
    try:
        assert [finding_record(f) for f in one.findings] == [finding_record(f) for f in two.findings]
        assert list(one.rejects) == list(two.rejects) and one.summary == two.summary
    finally:
        one.close()
        two.close()


def test_range_size_follows_the_chunk_size(inputs):
    source = RecordSource(inputs["csv"])
    assert range_bytes(source, 1) < range_bytes(source, 10) < range_bytes(source, 100)


def test_an_unknown_executor_is_a_usage_error(base, inputs):
    from xuke.errors import XukeError

    with pytest.raises(XukeError, match="unknown executor"):
        audit(base, inputs["jsonl"], executor="spark")
    with pytest.raises(XukeError, match="--scheduler needs --executor dask"):
        audit(base, inputs["jsonl"], scheduler="tcp://127.0.0.1:8786")


# ---- the reader: stop at a mark, start again there, and nothing changes ----


def _describe(item):
    kind = "reject" if isinstance(item, Reject) else "row"
    detail = item.reason if isinstance(item, Reject) else sorted(map(str, item.values.items()))
    return (kind, item.row, item.line, detail)


def _read_in_parts(source, cuts):
    """Read up to each cut (stopping after the record that reaches it), then on from
    where the read stopped, with the rows, lines and ids so far."""
    seen, out = _SeenIds(), []
    pos, lines = source.data_start
    rows = 0
    for cut in [*cuts, None]:
        span = Span()
        part = [item for item, _ in source.read(pos, cut, rows=rows, lines=lines, seen=seen, span=span)]
        out += part
        rows += len(part)
        pos, lines = span.stop, span.lines
    return out


line_text = st.text(st.sampled_from('ab,"\n 中 '), max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(line_text, max_size=12), st.lists(st.integers(0, 400), max_size=4), st.booleans())
def test_reading_in_parts_is_reading_whole(tmp_path, lines, cuts, jsonl):
    if jsonl:
        path = tmp_path / "p.jsonl"
        body = [json.dumps({"办件编号": t.strip() or "x", "申请时间": "2025-03-03"}, ensure_ascii=False) if k % 3
                else t.replace("\n", " ") for k, t in enumerate(lines)]  # fmt: skip
        path.write_text(
            "\n".join(['{"办件编号": "h", "申请时间": "2025-03-03"}', *body]) + "\n", encoding="utf-8"
        )
    else:
        path = tmp_path / "p.csv"
        path.write_text("办件编号,申请时间\n" + "\n".join(f"{t},2025-03-03" for t in lines), encoding="utf-8")
    source = RecordSource(path)
    whole = [_describe(x) for x in source]
    assert [_describe(x) for x in _read_in_parts(source, sorted(cuts))] == whole


@pytest.mark.slow
@pytest.mark.skipif(
    "--executor" not in (ROOT / "cli.py").read_text(encoding="utf-8"), reason="no --executor yet"
)
def test_cli_dask_executor_gives_the_same_bytes(tmp_path):
    import subprocess
    import sys

    outs = []
    for extra in (["--jobs", "1"], ["--executor", "dask", "--jobs", "2", "--chunk-size", "100"]):
        out = tmp_path / f"out{len(outs)}.jsonl"
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(SAMPLES / "sample.csv"), "--as-of",
                               "2025-12-31", "--format", "jsonl", "-o", str(out), *extra], capture_output=True)  # fmt: skip
        assert proc.returncode in (0, 1), proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] and outs[0] == outs[1]


@pytest.mark.parametrize("jobs,chunk,executor", [(1, 7, "local"), (2, 5, "local"), (2, 64, "local"),
                                                 (2, 16, "dask")])  # fmt: skip
def test_lines_rendered_while_auditing_are_the_streamed_report(base, inputs, jobs, chunk, executor):
    # the JSONL report rendered chunk by chunk during the audit (`render`) is byte for byte
    # what writing the spooled findings afterwards gives, for any workers and chunk size
    from xuke.reports.emit import emit
    from xuke.reports.jsonout import render_jsonl

    files = [inputs["csv"], inputs["jsonl"], SAMPLES / "small.xlsx"]
    plain = audit_files(base, files, _calendar(), AS_OF, jobs=1)
    rendered = audit_files(base, files, _calendar(), AS_OF, jobs=jobs, chunk_size=chunk, executor=executor,
                           render=render_jsonl)  # fmt: skip
    try:
        out = inputs["csv"].parent / f"emitted-{jobs}-{chunk}-{executor}.jsonl"
        emit("jsonl", str(out), plain.findings, plain.summary, {})
        assert b"".join(rendered.rendered) == out.read_bytes()
        assert rendered.severities == {f.severity for f in plain.findings}
        assert rendered.summary == plain.summary
    finally:
        plain.close()
        rendered.close()


def test_two_processes_under_a_deep_temporary_directory(tmp_path):
    # the fork server's socket lives under TMPDIR and a socket path holds 107 bytes: a deep
    # TMPDIR made --jobs 2 fail with a traceback; workers are spawned instead, same bytes
    import os
    import subprocess
    import sys

    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(SAMPLES / "small.jsonl"), "--as-of",
                               "2025-12-31", "--format", "jsonl", "-o", str(out), "--jobs", jobs, "--chunk-size", "10"],
                              capture_output=True, text=True, env={**os.environ, "TMPDIR": str(deep)})  # fmt: skip
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] and outs[0] == outs[1]
