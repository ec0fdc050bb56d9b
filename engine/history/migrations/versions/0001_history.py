"""The first history schema: runs, the findings of each run, the departments of each run.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("series", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("xuke_version", sa.String(40), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("packs", sa.JSON, nullable=False),
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
    )
    op.create_index("ix_runs_series", "runs", ["series", "id"])
    op.create_table(
        "run_findings",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("since_run", sa.Integer, nullable=False),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("case_id", sa.Text),
        sa.Column("group", sa.JSON),
        sa.Column("department", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("file", sa.Text),
        sa.Column("row", sa.Integer),
        sa.Column("received_at", sa.String(10)),
        sa.Column("accepted_at", sa.String(10)),
        sa.Column("decided_at", sa.String(10)),
    )
    op.create_index("ix_run_findings_key", "run_findings", ["key"])
    op.create_table(
        "run_departments",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("department", sa.String(1000), primary_key=True),
        sa.Column("cases", sa.Integer),
        sa.Column("flagged_cases", sa.Integer, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("overdue_cases", sa.Integer, nullable=False),
        sa.Column("grade", sa.Text),
        sa.Column("grade_data", sa.JSON),
    )


def downgrade() -> None:
    op.drop_table("run_departments")
    op.drop_table("run_findings")
    op.drop_table("runs")
