"""The history database's tables (SQLAlchemy Core), as the newest migration leaves them.

The migrations in `migrations/versions/` create and change the real tables; these
definitions are what the code reads and writes through, and a test checks that the two
agree (`alembic check`-style: the migrated schema compared with this metadata).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
MAX_TEXT = 1000  # characters of a department name kept (a key column; input data can be longer)
MAX_SERIES = 200

# One row per recorded audit.
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("series", sa.String(MAX_SERIES), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),  # UTC, ISO 8601
    sa.Column("as_of", sa.String(10), nullable=False),  # the audit date, YYYY-MM-DD
    sa.Column("unit", sa.Text),
    sa.Column("xuke_version", sa.String(40), nullable=False),
    sa.Column("inputs", sa.JSON, nullable=False),  # [{"file", "bytes"}]
    sa.Column("options", sa.JSON, nullable=False),  # what decided the findings, besides the inputs
    sa.Column("packs", sa.JSON, nullable=False),  # [{"pack", "version", "file", "sha256"}]
    sa.Column("rows_read", sa.Integer),
    sa.Column("rows_evaluated", sa.Integer),
    sa.Column("rows_rejected", sa.Integer),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("new", sa.Integer, nullable=False),
    sa.Column("still_open", sa.Integer, nullable=False),
    sa.Column("escalated", sa.Integer, nullable=False),
    sa.Column("resolved", sa.Integer, nullable=False),
    sa.Column("out_of_scope", sa.Integer, nullable=False),
    sa.Column("previous_run", sa.Integer, sa.ForeignKey("runs.id")),
    sa.Index("ix_runs_series", "series", "id"),
)

# Every finding a run reported (status new / open / escalated), and those of the previous
# run it did not report: resolved (the subject was examined again and passed) or
# out_of_scope (the subject was not in this run's input).
run_findings = sa.Table(
    "run_findings",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(32), primary_key=True),  # Finding.series_key()
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("since_run", sa.Integer, nullable=False),  # the run that first reported it
    sa.Column("runs", sa.Integer, nullable=False),  # runs that reported it since then
    sa.Column("case_id", sa.Text),
    sa.Column("group", sa.JSON),  # a summary finding's group, e.g. {"department": ...}
    sa.Column("department", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("message", sa.Text),
    sa.Column("file", sa.Text),
    sa.Column("row", sa.Integer),
    sa.Column("received_at", sa.String(10)),
    sa.Column("accepted_at", sa.String(10)),
    sa.Column("decided_at", sa.String(10)),
    sa.Index("ix_run_findings_key", "key"),
)

# One row per department and run: the counts a trend is drawn from, and the grade
# (DEPT-SCORE) with its structured data when the packs report one.
run_departments = sa.Table(
    "run_departments",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department", sa.String(MAX_TEXT), primary_key=True),
    sa.Column("cases", sa.Integer),
    sa.Column("flagged_cases", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("overdue_cases", sa.Integer, nullable=False),
    sa.Column("grade", sa.Text),
    sa.Column("grade_data", sa.JSON),
)
