"""The Python API (xuke.api, docs/api.md): its doctests, and records from Python, data
frames, Parquet and a database treated exactly as the same rows in a file."""

import doctest
import json
import sqlite3
import sys
from pathlib import Path

import pytest
import xuke
from xuke.errors import InputError, XukeError
from xuke.sources.records import Reject
from xuke.sources.tables import DatabaseSource, MappingSource, frame_source

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "fixtures" / "approvals" / "small.jsonl"
ROWS = [json.loads(line) for line in SMALL.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def packs():
    return xuke.load_packs()


@pytest.fixture(scope="module")
def from_file(packs):
    return xuke.audit(str(SMALL), packs, as_of="2025-12-31")


def comparable(result):
    """What must not depend on where the rows came from (the file name does)."""
    keep = ("rule", "severity", "message", "case_id", "row", "group", "cites", "tags")
    findings = [{k: f[k] for k in keep if k in f} for f in result.findings]
    summary = {k: v for k, v in result.summary.items() if k != "unknown_columns"}
    return findings, summary, [(r["row"], r["reason"]) for r in result.rejects]


def test_docs_api_md_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    from xuke import i18n

    i18n.set_lang("en")
    failed, attempted = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                                         optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)  # fmt: skip
    assert attempted > 25 and failed == 0


def test_import_has_no_side_effects():
    code = ("import sys, threading; n = sys.getrecursionlimit(); before = set(sys.modules); import xuke; "
            "new = sorted(m for m in set(sys.modules) - before if m.startswith('xuke')); "
            "assert sys.getrecursionlimit() == n, 'recursion limit'; assert threading.active_count() == 1, 'threads'; "
            "print(new)")  # fmt: skip
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['xuke']"  # the API is loaded when first used


def test_records_from_python_equal_the_file(packs, from_file):
    assert comparable(xuke.audit(ROWS, packs, as_of="2025-12-31")) == comparable(from_file)
    # a one-shot iterator works too, and the rows keep their positions
    again = xuke.audit(iter(ROWS), packs, as_of="2025-12-31")
    assert comparable(again) == comparable(from_file)


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_data_frames_equal_the_file(packs, from_file, kind):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ROWS)
    if kind == "polars":
        pl = pytest.importorskip("polars")
        frame = pl.DataFrame({c: [None if r.get(c) is None else str(r[c]) for r in ROWS] for c in frame.columns})
    elif kind == "arrow":
        pa = pytest.importorskip("pyarrow")
        frame = pa.table({c: [None if r.get(c) is None else str(r[c]) for r in ROWS] for c in frame.columns})
    assert comparable(xuke.audit(frame, packs, as_of="2025-12-31")) == comparable(from_file)


def text_frame():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ROWS)
    return frame.map(lambda v: None if v is None or v != v else str(v))  # NaN: a key the line lacks


def test_parquet_equals_the_file(packs, from_file, tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "export.parquet"
    text_frame().to_parquet(path, row_group_size=17)  # several row groups, read batch by batch
    result = xuke.audit(str(path), packs, as_of="2025-12-31")
    assert comparable(result) == comparable(from_file)
    assert {f["file"] for f in result.findings} == {str(path)}


def sqlite_db(tmp_path):
    path = tmp_path / "approvals.db"
    with sqlite3.connect(path) as con:
        text_frame().reset_index(names="序号pk").to_sql("approvals", con, index=False)
    return path


def test_database_table_and_query_equal_the_file(packs, from_file, tmp_path):
    pytest.importorskip("sqlalchemy")
    db = sqlite_db(tmp_path)
    table = xuke.audit_db(f"sqlite:///{db}", table="approvals", packs=packs, as_of="2025-12-31")
    assert comparable(table) == comparable(from_file)
    query = xuke.audit_db(f"sqlite:///{db}", query="select * from approvals order by 序号pk", packs=packs,
                          as_of="2025-12-31")  # fmt: skip
    assert comparable(query) == comparable(from_file)


def test_database_is_never_written(tmp_path):
    pytest.importorskip("sqlalchemy")
    db = sqlite_db(tmp_path)
    with pytest.raises(InputError, match="readonly"):
        DatabaseSource(f"sqlite:///{db}", query="delete from approvals")
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from approvals").fetchone() == (len(ROWS),)


@pytest.mark.parametrize("args, message", [
    ({"table": "nope"}, "no table 'nope'"),
    ({"query": "selec 1"}, "syntax error"),
    ({"query": "select 1", "table": "t"}, "a table or a query"),
    ({}, "a table or a query"),
])  # fmt: skip
def test_database_errors_are_one_line(tmp_path, args, message):
    pytest.importorskip("sqlalchemy")
    db = sqlite_db(tmp_path)
    with pytest.raises(XukeError, match=message) as e:
        DatabaseSource(f"sqlite:///{db}", **args)
    assert "\n" not in str(e.value)


def test_database_url_password_is_never_shown():
    pytest.importorskip("sqlalchemy")
    with pytest.raises(XukeError) as e:
        DatabaseSource("postgresql+nosuchdriver://auditor:s3cret@127.0.0.1:1/db", table="t")
    assert "s3cret" not in str(e.value)


def test_rows_keep_their_positions_and_reasons():
    source = MappingSource([{"办件编号": "A", "收件时间": "2025-03-03"}, {}, ["not", "a", "dict"],
                            {"办件编号": "A", "收件时间": "2025-03-04"}, {"case_id": "B", "received_at": float("nan")}])  # fmt: skip
    items = list(source)
    assert [i.row for i in items] == [1, 2, 3, 4, 5]
    assert [type(i).__name__ for i in items] == ["Row", "Reject", "Reject", "Reject", "Reject"]
    reasons = [i.reason for i in items if isinstance(i, Reject)]
    assert reasons == [
        "case_id: required value is empty; received_at: required value is empty",
        "not a mapping but a list",
        "duplicate case_id 'A' (first at row 1)",
        "received_at: required value is empty",  # NaN is an empty cell
    ]


def test_typed_values_from_pandas():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"办件编号": ["A", "B"], "收件时间": pd.to_datetime(["2025-03-03", None]),
                          "法定办结时限": pd.array([20, None], dtype="Int64")})  # fmt: skip
    items = list(frame_source(frame))
    assert items[0].values["received_at"].isoformat() == "2025-03-03"
    assert items[0].values["legal_limit_days"] == 20 and type(items[0].values["legal_limit_days"]) is int
    assert isinstance(items[1], Reject) and items[1].reason == "received_at: required value is empty"


def test_a_one_shot_iterator_is_read_once():
    source = MappingSource(iter([{"办件编号": "A", "收件时间": "2025-03-03"}]))
    assert len(list(source)) == 1
    with pytest.raises(XukeError, match="read once"):
        list(source)


def test_missing_optional_dependency_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    with pytest.raises(XukeError, match=r"pip install 'xuke\[db\]'"):
        DatabaseSource("sqlite:///x.db", table="t")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    (tmp_path / "a.parquet").write_bytes(b"PAR1")
    with pytest.raises(XukeError, match=r"pip install 'xuke\[dataframes\]'"):
        xuke.audit(str(tmp_path / "a.parquet"))


def test_not_a_parquet_file(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "a.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="not a Parquet file"):
        xuke.audit(str(path))


def test_bad_inputs_to_the_api(packs):
    with pytest.raises(XukeError, match="not a single mapping"):
        xuke.audit({"办件编号": "A"}, packs)
    with pytest.raises(XukeError, match="no records"):
        xuke.audit([], packs)
    with pytest.raises(XukeError, match="give a text or a path"):
        xuke.lint(packs=packs)
    with pytest.raises(XukeError, match="must end in .txt or .md"):
        xuke.lint(text="x", name="draft.docx", packs=packs)


def test_lint_text_equals_lint_file(packs, tmp_path):
    draft = ROOT / "fixtures" / "policies" / "gas_measures.txt"
    by_text = xuke.lint(text=draft.read_text("utf-8"), name=str(draft), packs=packs)
    by_path = xuke.lint(path=str(draft), packs=packs)
    assert by_text.findings == by_path.findings and by_text.summary == by_path.summary


def test_cli_audits_a_database(tmp_path):
    pytest.importorskip("sqlalchemy")
    import subprocess

    db = sqlite_db(tmp_path)
    out = tmp_path / "r.json"
    cli = [sys.executable, str(ROOT / "cli.py"), "audit", "--no-config", "--as-of", "2025年12月31日"]
    done = subprocess.run([*cli, "--db", f"sqlite:///{db}", "--table", "approvals", "--format", "json",
                           "-o", str(out), "--fail-on", "never"], capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text("utf-8"))
    assert report["summary"]["rows_read"] == len(ROWS)
    bad = subprocess.run([*cli, "--db", f"sqlite:///{db}", "--table", "approvals", "--checkpoint", str(tmp_path / "c")],
                         capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--checkpoint" in bad.stderr
    bad = subprocess.run([*cli, "--table", "approvals"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "--db" in bad.stderr


def test_parquet_with_worker_processes(packs, tmp_path):
    """A Parquet file is read here and its chunks evaluated by the workers: the same report."""
    pytest.importorskip("pyarrow")
    path = tmp_path / "export.parquet"
    text_frame().to_parquet(path, row_group_size=30)
    one = xuke.audit(str(path), packs, as_of="2025-12-31")
    two = xuke.audit(str(path), packs, as_of="2025-12-31", jobs=2, chunk_size=7)
    assert one.findings == two.findings and one.summary == two.summary and one.rejects == two.rejects
