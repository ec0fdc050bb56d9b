"""What `xuke history` prints: the runs of a series, and a department's trend."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .schema import run_departments, runs


def list_runs(conn: sa.Connection, series: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest `limit` runs (of `series`, or of every series), oldest first."""
    q = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
    if series is not None:
        q = q.where(runs.c.series == series)
    return [dict(r._mapping) for r in reversed(conn.execute(q).all())]


def series_names(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.select(runs.c.series).distinct().order_by(runs.c.series)).scalars())


def department_trend(conn: sa.Connection, department: str, series: str, limit: int = 100) -> list[dict[str, Any]]:
    """One entry per run of the series (oldest first, the newest `limit`): the department's
    counts in that run, or None where the run had no such department."""
    chosen = list_runs(conn, series, limit)
    if not chosen:
        return []
    ids = [r["id"] for r in chosen]
    rows = conn.execute(
        sa.select(run_departments).where(run_departments.c.run_id.in_(ids), run_departments.c.department == department)
    )
    by_run = {r.run_id: dict(r._mapping) for r in rows}
    return [{"run": r, "department": by_run.get(r["id"])} for r in chosen]


def departments(conn: sa.Connection, series: str) -> list[str]:
    q = (
        sa.select(run_departments.c.department)
        .join(runs, runs.c.id == run_departments.c.run_id)
        .where(runs.c.series == series)
        .distinct()
        .order_by(run_departments.c.department)
    )
    return list(conn.execute(q).scalars())


def rate(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None
