"""Audits as a series: two and three runs recorded in a history database (SQLite, and a
real PostgreSQL server started for the tests), what is new / open / escalated / resolved /
out of scope, `xuke history`, and the one-line errors."""

from __future__ import annotations

import json
import sqlite3
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT))
import pgcluster  # noqa: E402

import cli  # noqa: E402

PACK = '''pack p "转办测试" version "7"

rule X-1 "转办过多"
  severity error
  cites "测试依据"
when
  r: record(transfers >= 2)
then
  report r "转办 {r.transfers} 次"
end

summary department by department
  many = count(finding(rule == "X-1"))
end

rule X-DEPT "部门转办多"
  severity warning
  cites "测试依据"
when
  d: department(many >= 2)
then
  report d "{d.department}：{d.many} 件"
end
'''

# (case, department, transfers) per run; each run's export has a file name of its own
RUNS = [
    [("A1", "甲", 3), ("A2", "甲", 2), ("A3", "乙", 5), ("B1", "乙", 0)],
    [("A1", "甲", 3), ("A2", "甲", 0), ("A4", "乙", 2), ("B1", "乙", 0)],
    [("A1", "甲", 4), ("A2", "甲", 4), ("A3", "乙", 5), ("A4", "乙", 2)],
]
AS_OF = ["2025-10-31", "2025-11-30", "2025-12-31"]


def _export(tmp_path, n: int):
    path = tmp_path / f"export-{n + 1}.jsonl"
    lines = [json.dumps({"办件编号": c, "承办部门": d, "申请时间": f"2025-{9 + n:02d}-0{i + 1}", "转办次数": t},
                        ensure_ascii=False) for i, (c, d, t) in enumerate(RUNS[n])]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xuke(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    path = tmp_path_factory.mktemp("pack") / "p.rules"
    path.write_text(PACK, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def postgres():
    reason = pgcluster.why_not()
    if reason:
        pytest.skip(reason)
    cluster = pgcluster.Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


_dbs = iter(range(10_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "history.db")
    return request.getfixturevalue("postgres").url(f"h{next(_dbs)}")


def _audit(capsys, tmp_path, pack, database, n, *extra):
    out = tmp_path / f"report-{n + 1}.json"
    code, _, err = xuke(capsys, "audit", _export(tmp_path, n), "--rules", pack, "--as-of", AS_OF[n], "--history",
                        database, "--format", "json", "-o", out, "--no-config", *extra)  # fmt: skip
    assert code in (0, 1), err
    return json.loads(out.read_text(encoding="utf-8"))


def _status(report):
    return {(f["rule"], f.get("case_id") or f["group"]["department"]): f["history"] for f in report["findings"]}


def test_two_and_three_runs(capsys, tmp_path, pack, database):
    first = _audit(capsys, tmp_path, pack, database, 0)
    h = first["summary"]["history"]
    assert (h["run"], h["previous_run"], h["new"], h["open"], h["resolved"]) == (1, None, 4, 0, 0)
    assert {s["status"] for s in _status(first).values()} == {"new"}
    assert all("督办" not in f["tags"] for f in first["findings"])

    second = _audit(capsys, tmp_path, pack, database, 1)
    h = second["summary"]["history"]
    status = _status(second)
    assert status[("X-1", "A1")] == {"status": "open", "since_run": 1, "since": "2025-10-31", "runs": 2}
    assert status[("X-1", "A4")]["status"] == "new"
    assert ("X-DEPT", "甲") not in status
    assert (h["previous_run"], h["previous_as_of"]) == (1, "2025-10-31")
    assert (h["new"], h["open"], h["escalated"], h["resolved"], h["out_of_scope"]) == (1, 1, 0, 2, 1)
    # A2 was examined again (transfers 0) and 甲 has cases: resolved; A3 is not in the export
    assert sorted((e["rule"], e["case_id"] or e["group"]["department"]) for e in h["resolved_findings"]) == [
        ("X-1", "A2"), ("X-DEPT", "甲")]
    assert [(e["case_id"], e["since"], e["runs"]) for e in h["out_of_scope_findings"]] == [("A3", "2025-10-31", 1)]
    tags = {f["case_id"]: f["tags"] for f in second["findings"] if f.get("case_id")}
    assert "督办" in tags["A1"] and "督办" not in tags["A4"]

    third = _audit(capsys, tmp_path, pack, database, 2, "--escalate-after", "3")
    status = _status(third)
    assert status[("X-1", "A1")] == {"status": "escalated", "since_run": 1, "since": "2025-10-31", "runs": 3}
    assert status[("X-1", "A4")] == {"status": "open", "since_run": 2, "since": "2025-11-30", "runs": 2}
    # resolved, then found again: new; out of scope, then found again: new
    assert status[("X-1", "A2")]["status"] == "new" and status[("X-1", "A3")]["status"] == "new"
    assert status[("X-DEPT", "甲")]["status"] == "new"
    a1 = next(f for f in third["findings"] if f.get("case_id") == "A1")
    assert "红牌" in a1["tags"] and "督办" not in a1["tags"]
    assert a1["received_at"] == "2025-11-01"

    code, out, err = xuke(capsys, "history", "list", "--history", database, "--no-config")
    assert code == 0, err
    lines = [line for line in out.splitlines() if "2025-1" in line]
    assert len(lines) == 3 and "2025-12-31" in lines[2]
    code, out, err = xuke(capsys, "history", "trend", "甲", "--history", database, "--no-config")
    assert code == 0, err
    assert "2025-10-31" in out and "2025-12-31" in out


def test_series_are_compared_only_with_themselves(capsys, tmp_path, pack, database):
    _audit(capsys, tmp_path, pack, database, 0, "--series", "north")
    other = _audit(capsys, tmp_path, pack, database, 0, "--series", "south")
    assert other["summary"]["history"]["previous_run"] is None
    again = _audit(capsys, tmp_path, pack, database, 1, "--series", "north")
    assert again["summary"]["history"]["previous_run"] == 1


def test_a_failed_report_records_nothing(capsys, tmp_path, pack):
    db = tmp_path / "h.db"
    code, _, err = xuke(capsys, "audit", _export(tmp_path, 0), "--rules", pack, "--as-of", AS_OF[0], "--history", db,
                        "--format", "json", "-o", tmp_path / "no" / "such" / "r.json", "--no-config")  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    code, out, _ = xuke(capsys, "history", "list", "--history", db, "--no-config")
    assert code == 0 and "no runs" in out


def test_the_schema_the_migrations_make_is_the_one_the_code_uses(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from xuke.history import History
    from xuke.history.schema import metadata

    with History(str(tmp_path / "m.db")) as db, db.write() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []


def _one_line_error(capsys, *args) -> str:
    code, _, err = xuke(capsys, *args)
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("target, says", [
    ("mysql://u@localhost/x", "unsupported database 'mysql'"),
    ("postgresql://", "cannot connect"),
    ("postgresql://u@127.0.0.1:1/x", "cannot connect"),
    ("::not a url::", "no such file"),
    ("postgresql://u:pw@[::1/x", "not a database URL"),
])  # fmt: skip
def test_bad_targets_are_one_line_errors(capsys, tmp_path, target, says):
    err = _one_line_error(capsys, "history", "list", "--history", target, "--no-config")
    assert says in err


def test_a_file_that_is_not_a_database(capsys, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("these are notes, not a database\n" * 100)
    assert "not a SQLite database" in _one_line_error(capsys, "history", "list", "--history", bad, "--no-config")


def test_a_missing_file_is_not_created_by_history_list(capsys, tmp_path):
    db = tmp_path / "none.db"
    assert "no such file" in _one_line_error(capsys, "history", "list", "--history", db, "--no-config")
    assert not db.exists()


def test_a_database_of_a_newer_schema(capsys, tmp_path, pack):
    db = tmp_path / "h.db"
    _audit(capsys, tmp_path, pack, str(db), 0)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    assert "newer xuke" in _one_line_error(capsys, "history", "list", "--history", db, "--no-config")


def test_tables_of_another_program_are_refused(capsys, tmp_path):
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE runs (x INTEGER)")
    assert "not a xuke history database" in _one_line_error(capsys, "history", "list", "--history", db,
                                                            "--no-config")  # fmt: skip


def test_a_locked_database(capsys, tmp_path, pack, monkeypatch):
    from xuke.history import db as dbmod

    monkeypatch.setattr(dbmod, "LOCK_TIMEOUT", 0.2)
    path = tmp_path / "h.db"
    _audit(capsys, tmp_path, pack, str(path), 0)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        err = _one_line_error(capsys, "audit", _export(tmp_path, 1), "--rules", pack, "--as-of", AS_OF[1],
                              "--history", path, "--format", "json", "-o", tmp_path / "r.json", "--no-config")  # fmt: skip
        assert "locked" in err
    finally:
        holder.rollback()
        holder.close()


def test_postgres_lock_serialises_recordings(postgres):
    """A second recording waits for the first (and gives up with a one-line error after the
    lock timeout), never interleaves with it."""
    from xuke.errors import XukeError
    from xuke.history import History

    url = postgres.url("locks")
    first, second = History(url, timeout=0.3), History(url, timeout=0.3)
    with first.write():
        with pytest.raises(XukeError, match="locked"):
            with second.write():
                pass
    with second.write():
        pass
    first.close()
    second.close()


def test_history_in_xuke_yaml(capsys, tmp_path, pack):
    (tmp_path / "xuke.yaml").write_text("history:\n  database: audits.db\n  series: 月度\n  escalate_after: 2\n",
                                        encoding="utf-8")  # fmt: skip
    out = tmp_path / "r.json"
    for n in (0, 1):
        code, _, err = xuke(capsys, "audit", _export(tmp_path, n), "--rules", pack, "--as-of", AS_OF[n],
                            "--format", "json", "-o", out, "--config", tmp_path / "xuke.yaml")  # fmt: skip
        assert code in (0, 1), err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert (tmp_path / "audits.db").is_file()
    assert report["summary"]["history"]["series"] == "月度"
    assert _status(report)[("X-1", "A1")]["status"] == "escalated"  # 2 runs in a row with escalate_after 2


@pytest.mark.parametrize("text, says", [
    ("history: 3\n", "expected a mapping"),
    ("history:\n  escalate_after: 1\n", "from 2 to 1000"),
    ("history:\n  databse: x.db\n", "did you mean 'database'"),
])  # fmt: skip
def test_bad_history_settings(capsys, tmp_path, text, says):
    (tmp_path / "xuke.yaml").write_text(text, encoding="utf-8")
    err = _one_line_error(capsys, "history", "list", "--config", tmp_path / "xuke.yaml")
    assert says in err


@pytest.mark.parametrize("fmt", ["text", "csv", "sarif", "jsonl"])
def test_every_format_carries_the_dates_and_what_changed(capsys, tmp_path, pack, fmt):
    db, out = tmp_path / f"{fmt}.db", tmp_path / f"second.{fmt}"
    for n in (0, 1):
        code, _, err = xuke(capsys, "audit", _export(tmp_path, n), "--rules", pack, "--as-of", AS_OF[n], "--history",
                            db, "--format", fmt, "-o", out, "--no-config", "--lang", "en")  # fmt: skip
        assert code in (0, 1), err
    text = out.read_text(encoding="utf-8-sig")
    if fmt == "text":
        assert "Since run 1 (2025-10-31): 1 new, 1 still open, 0 escalated, 2 resolved, 1 out of scope" in text
        assert "Resolved since the previous run (2)" in text and "A2" in text
        assert "Findings by month received" in text and "2025-10" in text
    elif fmt == "csv":
        import csv
        import io

        rows = {r["case_id"]: r for r in csv.DictReader(io.StringIO(text)) if r["case_id"]}
        assert (rows["A1"]["received_at"], rows["A1"]["history_status"], rows["A1"]["history_since_run"],
                rows["A1"]["history_runs"]) == ("2025-10-01", "open", "1", "2")  # fmt: skip
        assert rows["A4"]["history_status"] == "new"
    elif fmt == "sarif":
        results = {r["properties"].get("case_id"): r for r in json.loads(text)["runs"][0]["results"]}
        assert results["A1"]["baselineState"] == "unchanged" and results["A4"]["baselineState"] == "new"
        assert results["A1"]["properties"]["received_at"] == "2025-10-01"
        assert results["A1"]["properties"]["history"]["since"] == "2025-10-31"
    else:
        lines = {d.get("case_id"): d for d in map(json.loads, text.splitlines())}
        assert lines["A1"]["history"]["status"] == "open" and lines["A1"]["received_at"] == "2025-10-01"


def test_long_texts_from_the_input_are_recorded(capsys, tmp_path, pack, database):
    """A department name of 3,000 characters (input data) is kept, clipped, on both databases."""
    export = tmp_path / "long.jsonl"
    dept = "很长的部门名称" * 430
    rows = [{"办件编号": f"L{i}", "承办部门": dept, "申请时间": "2025-10-01", "转办次数": 3} for i in range(3)]
    export.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    code, _, err = xuke(capsys, "audit", export, "--rules", pack, "--as-of", "2025-10-31", "--history", database,
                        "--format", "json", "-o", out, "--no-config")  # fmt: skip
    assert code == 1, err
    code, out_text, err = xuke(capsys, "history", "trend", dept[:999] + "…", "--history", database, "--no-config")
    assert code == 0, err


def test_a_series_name_too_long(capsys, tmp_path, pack):
    err = _one_line_error(capsys, "audit", _export(tmp_path, 0), "--rules", pack, "--as-of", AS_OF[0], "--history",
                          tmp_path / "h.db", "--series", "x" * 201, "-o", tmp_path / "r.txt", "--no-config")  # fmt: skip
    assert "1 to 200 characters" in err


def test_history_list_reads_while_an_audit_records(capsys, tmp_path, pack):
    path = tmp_path / "h.db"
    _audit(capsys, tmp_path, pack, str(path), 0)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as a recording holds it
    try:
        code, out, err = xuke(capsys, "history", "list", "--history", path, "--no-config")
        assert code == 0, err
        assert "2025-10-31" in out
    finally:
        holder.rollback()
        holder.close()


def test_runs_over_a_database_table_tell_resolved_from_out_of_scope(capsys, tmp_path, pack):
    # audited with --db, the input is queried again (not read from files) to tell a case that
    # passed (resolved) from a case no longer in the table (out of scope)
    data, hist = tmp_path / "cases.db", tmp_path / "hist.db"
    reports = []
    for n in (0, 1):
        with sqlite3.connect(data) as conn:
            conn.execute("drop table if exists cases")
            conn.execute("create table cases (办件编号 text primary key, 承办部门 text, 申请时间 text, 转办次数 int)")
            conn.executemany("insert into cases values (?, ?, ?, ?)",
                             [(c, d, f"2025-{9 + n:02d}-0{i + 1}", t) for i, (c, d, t) in enumerate(RUNS[n])])
        out = tmp_path / f"db-report-{n + 1}.json"
        code, _, err = xuke(capsys, "audit", "--db", f"sqlite:///{data}", "--table", "cases", "--rules", pack,
                            "--as-of", AS_OF[n], "--history", hist, "--format", "json", "-o", out,
                            "--no-config")  # fmt: skip
        assert code in (0, 1), err
        reports.append(json.loads(out.read_text(encoding="utf-8")))
    h = reports[1]["summary"]["history"]
    assert [e["case_id"] for e in h["resolved_findings"] if e["case_id"]] == ["A2"]
    assert [e["case_id"] for e in h["out_of_scope_findings"]] == ["A3"]
