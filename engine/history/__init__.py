"""Audits over time: a history database of runs, and what changed since the last one.

`xuke audit ... --history DB` records each run (options, pack versions, counts, department
counts and grades, findings by identity) in a SQLite file or a PostgreSQL database
(SQLAlchemy Core; the schema is made and upgraded by the Alembic migrations shipped in
`migrations/`, run on open). Reports made against a history say per finding whether it is
new, still open (督办) or escalated (红牌), and list what was resolved since the previous
run (record.py). docs/history.md is the user's guide.
"""

from __future__ import annotations

from .db import History, redact
from .record import Annotated, Changes, RunInfo, record_run

__all__ = ["Annotated", "Changes", "History", "RunInfo", "record_run", "redact"]
