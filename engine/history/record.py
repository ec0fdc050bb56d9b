"""Recording a run and saying what changed since the previous run of its series.

A finding is "the same" across runs when its `Finding.series_key()` is: the rule and the
subject (the case id, or the summary group such as the department), never the message,
the row number or the file name. Against the previous run of the series, each finding
this run reports is

- new: the previous run did not report it;
- open (督办): the previous run reported it; `since_run` is the run that first did, `runs`
  how many runs in a row have reported it;
- escalated (红牌): open and reported by `escalate_after` runs in a row or more;

and each finding of the previous run that this run does not report is

- resolved: its subject was examined again (the case is in this run's input, the
  department has cases in it) and the rule no longer fires;
- out of scope: its subject is not in this run's input, so nothing is known; it is
  listed, and a later run that reports it again counts it as new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..errors import XukeError
from ..findings import DATE_FIELDS, Finding
from ..reports.aggregate import Aggregate, department_of
from ..reports.grades import OVERDUE_RULES, department_grade
from .schema import MAX_SERIES, MAX_TEXT, run_departments, run_findings, runs

REPORTED = ("new", "open", "escalated")
TAGS = {"open": "督办", "escalated": "红牌"}  # tags a report adds to a finding
_BATCH = 2000


@dataclass
class RunInfo:
    """What a run records besides its findings."""

    series: str
    as_of: str
    xuke_version: str
    inputs: list[dict]
    options: dict
    packs: list[dict]
    unit: str | None = None
    escalate_after: int = 3


@dataclass
class Changes:
    """A run compared with the previous run of its series."""

    run: int
    series: str
    as_of: str
    previous_run: int | None
    previous_as_of: str | None
    escalate_after: int
    status: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # key -> (status, since_run, runs)
    since: dict[int, str] = field(default_factory=dict)  # run id -> its as_of
    resolved: list[dict] = field(default_factory=list)
    out_of_scope: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def annotate(self, f: Finding) -> Finding:
        """Set `f.history` and add the 督办 / 红牌 tag (once) for a reported finding."""
        entry = self.status.get(f.series_key())
        if entry is None:
            return f
        status, since_run, n = entry
        f.history = {"status": status, "since_run": since_run, "since": self.since.get(since_run), "runs": n}
        tag = TAGS.get(status)
        if tag and tag not in f.tags:
            f.tags = [*f.tags, tag]
        return f

    def summary(self, database: str) -> dict[str, Any]:
        """The `history` entry of a report's summary."""
        return {
            "database": database,
            "series": self.series,
            "run": self.run,
            "previous_run": self.previous_run,
            "previous_as_of": self.previous_as_of,
            "escalate_after": self.escalate_after,
            **self.counts,
            "resolved_findings": self.resolved,
            "out_of_scope_findings": self.out_of_scope,
        }


class Annotated:
    """Findings as a report reads them, each annotated by `changes`; re-iterable and lazy
    like the view it wraps (a spooled audit is read once per report)."""

    def __init__(self, findings: Iterable[Finding], changes: Changes):
        self.findings, self.changes = findings, changes

    def __iter__(self) -> Iterator[Finding]:
        return map(self.changes.annotate, self.findings)

    def close(self) -> None:
        if hasattr(self.findings, "close"):
            self.findings.close()


def record_run(
    conn: sa.Connection,
    info: RunInfo,
    findings: Iterable[Finding],
    summary: Mapping[str, Any] | None,
    examined: Callable[[set[str]], set[str]],
    recorded_at: dt.datetime | None = None,
) -> Changes:
    """Record one run in the (locked) connection's database and compare it with the
    previous run of its series. `examined(case_ids)` answers which of those case ids are
    in this run's input (asked only about findings the run no longer reports)."""
    summary = summary or {}
    if not info.series or len(info.series) > MAX_SERIES:
        raise XukeError(f"history: a series name has 1 to {MAX_SERIES} characters, got {len(info.series)}")
    prev = conn.execute(
        sa.select(runs.c.id, runs.c.as_of).where(runs.c.series == info.series).order_by(runs.c.id.desc()).limit(1)
    ).first()
    before: dict[str, tuple[int, int]] = {}
    if prev is not None:
        rows = conn.execute(
            sa.select(run_findings.c.key, run_findings.c.since_run, run_findings.c.runs).where(
                run_findings.c.run_id == prev.id, run_findings.c.status.in_(REPORTED)
            )
        ).all()  # fetched at once: row by row costs twice as much
        before = {key: (since, n) for key, since, n in rows}
    when = (recorded_at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    run_id = conn.execute(
        runs.insert().values(
            series=info.series, recorded_at=when, as_of=info.as_of, unit=info.unit,
            xuke_version=info.xuke_version, inputs=info.inputs, options=info.options, packs=info.packs,
            rows_read=summary.get("rows_read"), rows_evaluated=summary.get("rows_evaluated"),
            rows_rejected=summary.get("rows_rejected"), findings=0, new=0, still_open=0, escalated=0,
            resolved=0, out_of_scope=0, previous_run=prev.id if prev else None,
        )  # fmt: skip
    ).inserted_primary_key[0]
    changes = Changes(run_id, info.series, info.as_of, prev.id if prev else None, prev.as_of if prev else None,
                      info.escalate_after)  # fmt: skip
    agg = Aggregate(top=0)
    grades: dict[str, dict] = {}
    batch: list[dict] = []
    counts = dict.fromkeys(REPORTED, 0)
    total = 0
    for f in findings:
        total += 1
        agg.add(f)
        grade = department_grade(f)
        if grade is not None:
            grades[grade["department"]] = grade
        key = f.series_key()
        if key in changes.status:  # the same case in two files of one run: counted once
            continue
        since_run, n = before.get(key, (run_id, 0))
        n += 1
        status = "new" if n == 1 else ("escalated" if n >= info.escalate_after else "open")
        changes.status[key] = (status, since_run, n)
        counts[status] += 1
        batch.append(_row(run_id, key, f, status, since_run, n))
        if len(batch) >= _BATCH:
            conn.execute(run_findings.insert(), batch)
            batch = []
    if batch:
        conn.execute(run_findings.insert(), batch)
    gone = [k for k in before if k not in changes.status]
    _close_absent(conn, changes, prev.id if prev else None, gone, summary, examined)
    _record_departments(conn, run_id, agg, summary, grades)
    since_ids = {s for _, s, _ in changes.status.values()} | {e["since_run"] for e in changes.resolved}
    if since_ids:
        changes.since = dict(conn.execute(sa.select(runs.c.id, runs.c.as_of).where(runs.c.id.in_(since_ids))).all())
    changes.counts = {"new": counts["new"], "open": counts["open"], "escalated": counts["escalated"],
                      "resolved": len(changes.resolved), "out_of_scope": len(changes.out_of_scope)}  # fmt: skip
    conn.execute(
        runs.update().where(runs.c.id == run_id).values(
            findings=total, new=counts["new"], still_open=counts["open"], escalated=counts["escalated"],
            resolved=len(changes.resolved), out_of_scope=len(changes.out_of_scope),
        )  # fmt: skip
    )
    for entry in (*changes.resolved, *changes.out_of_scope):
        entry["since"] = changes.since.get(entry["since_run"])
    return changes


def _clip(text: str | None) -> str | None:
    return text if text is None or len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _row(run_id: int, key: str, f: Finding, status: str, since_run: int, n: int) -> dict:
    return {
        "run_id": run_id, "key": key, "rule": f.rule, "severity": f.severity, "status": status,
        "since_run": since_run, "runs": n, "case_id": f.case_id, "group": f.group,
        "department": _clip(department_of(f)), "title": f.title, "message": f.message, "file": f.file,
        "row": f.row, **{name: getattr(f, name) for name in DATE_FIELDS},
    }  # fmt: skip


_LISTED = ("key", "rule", "severity", "since_run", "runs", "case_id", "group", "department", "title",
           "message", "file", "row", *DATE_FIELDS)  # fmt: skip


def _close_absent(conn, changes: Changes, prev_id, gone: list[str], summary, examined) -> None:
    """The previous run's findings this run does not report: resolved or out of scope."""
    if not gone:
        return
    cols = [run_findings.c[name] for name in _LISTED]
    absent = []
    for i in range(0, len(gone), 500):  # bounded IN lists
        part = gone[i : i + 500]
        absent += [dict(r._mapping) for r in conn.execute(
            sa.select(*cols).where(run_findings.c.run_id == prev_id, run_findings.c.key.in_(part)))]  # fmt: skip
    absent.sort(key=lambda e: (e["department"] or "", e["rule"], e["case_id"] or "", e["key"]))
    departments = set((summary.get("departments") or {}).keys())
    seen_cases = examined({e["case_id"] for e in absent if e["case_id"] is not None})
    rows = []
    for e in absent:
        if e["case_id"] is not None:
            here = e["case_id"] in seen_cases
        else:
            here = (e["group"] or {}).get("department") in departments
        status = "resolved" if here else "out_of_scope"
        (changes.resolved if here else changes.out_of_scope).append(e)
        rows.append({**e, "run_id": changes.run, "status": status})
    for i in range(0, len(rows), _BATCH):
        conn.execute(run_findings.insert(), rows[i : i + _BATCH])
    for e in absent:
        del e["key"]


def _record_departments(conn, run_id: int, agg: Aggregate, summary, grades: dict[str, dict]) -> None:
    rows = []
    for d in agg.department_stats(summary):
        grade = grades.get(d.name) or {}
        rows.append({
            "run_id": run_id, "department": _clip(d.name), "cases": d.cases, "flagged_cases": d.flagged_cases,
            "findings": d.findings, "overdue_cases": sum(d.by_rule.get(r, 0) for r in OVERDUE_RULES),
            "grade": grade.get("grade"), "grade_data": grade.get("data"),
        })  # fmt: skip
    if rows:
        conn.execute(run_departments.insert(), rows)
