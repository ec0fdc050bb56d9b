"""What `xuke audit --history` and `xuke history` do (the database work is in xuke.history)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import XukeError


def pack_versions(base) -> list[dict[str, Any]]:
    """Each loaded pack: its name, declared version, file and the SHA-256 of its text (a
    pack edited without a new version still shows as changed)."""
    out = []
    for prog in base.programs:
        out.append({
            "pack": prog.pack.name if prog.pack else None,
            "version": prog.pack.version if prog.pack else None,
            "file": os.path.basename(prog.file),
            "sha256": hashlib.sha256(prog.source.encode("utf-8")).hexdigest(),
        })  # fmt: skip
    return sorted(out, key=lambda p: (p["pack"] or "", p["file"]))


def input_files(files: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for f in sorted({str(p) for p in files}):
        try:
            size = os.path.getsize(f)
        except OSError:
            size = None
        out.append({"file": f, "bytes": size})
    return out


@dataclass
class AuditHistory:
    """What an audit records in its history, as the command line or xuke.yaml set it."""

    database: str | None
    series: str
    escalate_after: int
    unit: str | None
    inputs: list[str]  # the names of the inputs (files, or a database URL without its password)
    options: dict[str, Any]
    reopen: Callable[[], Iterable]  # the input's record sources afresh, to tell resolved from out of scope

    def run_info(self, base, summary: Mapping[str, Any] | None):
        from ..history import RunInfo
        from ..reports import tool_version

        if self.escalate_after < 2:
            raise XukeError("--escalate-after: at least 2 runs (a finding is new in its first)")
        as_of = (summary or {}).get("as_of") or ""
        options = {"as_of": as_of or None, **self.options, "escalate_after": self.escalate_after}
        return RunInfo(series=self.series, as_of=as_of, xuke_version=tool_version(), inputs=input_files(self.inputs),
                       options=options, packs=pack_versions(base), unit=self.unit,
                       escalate_after=self.escalate_after)  # fmt: skip

    def title_block(self, base, summary: Mapping[str, Any] | None) -> dict[str, Any]:
        """What a printed report's title block says: unit, audit date, inputs, pack versions."""
        return {"unit": self.unit, "as_of": (summary or {}).get("as_of"), "inputs": sorted(set(self.inputs)),
                "packs": pack_versions(base)}  # fmt: skip


def recorded_audit(history: AuditHistory, base, findings, summary: Mapping[str, Any] | None):
    """`recorded` for one audit: the run's facts from `history`, what it examined re-read
    through `history.reopen` only if the previous run reported something this one did not."""
    from ..history.scope import examined_cases

    info = history.run_info(base, summary) if history.database else None
    return recorded(history.database, info, findings, summary, examined_cases(history.reopen))


@contextlib.contextmanager
def recorded(database: str | None, info, findings, summary: Mapping[str, Any] | None, examined) -> Iterator[tuple]:
    """(findings, summary) to report: unchanged without a database; with one, the run is
    recorded and the findings annotated (new / open / escalated) and the summary given a
    `history` entry. The recording is committed when the block ends without an exception
    (the reports were written), else rolled back, so a failed report leaves no run behind."""
    if not database:
        yield findings, summary
        return
    from ..history import Annotated, History, record_run

    with History(database) as db, db.write() as conn:
        changes = record_run(conn, info, findings, summary, examined)
        out = dict(summary or {})
        out["history"] = changes.summary(db.label)
        yield Annotated(findings, changes), out


def open_history(database: str | None, create: bool = False):
    if not database:
        raise XukeError("no history database: give --history DB (or history.database in xuke.yaml)")
    from ..history import History

    return History(database, create=create)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def print_runs(console, db, series: str | None, limit: int = 100) -> int:
    """`xuke history list`: one line per run, oldest first."""
    from rich.table import Table

    from ..history.queries import list_runs
    from ..i18n import _

    with db.read() as conn:
        rows = list_runs(conn, series, limit)
    if not rows:
        console.print(_("history.no_runs", db=db.label))
        return 0
    table = Table(title=_("history.runs_title", db=db.label))
    for key in ("run", "series", "as_of", "recorded_at", "rows", "findings", "new", "open", "escalated",
                "resolved", "out_of_scope", "packs"):  # fmt: skip
        table.add_column(_(f"history.col.{key}"), justify="right" if key not in ("series", "packs") else "left")
    for r in rows:
        packs = packs_digest(r["packs"] or ())
        table.add_row(str(r["id"]), r["series"], r["as_of"], r["recorded_at"][:16].replace("T", " "),
                      _n(r["rows_read"]), _n(r["findings"]), _n(r["new"]), _n(r["still_open"]),
                      _n(r["escalated"]), _n(r["resolved"]), _n(r["out_of_scope"]), packs)  # fmt: skip
    console.print(table)
    return 0


def print_trend(console, db, department: str, series: str, limit: int = 100) -> int:
    """`xuke history trend DEPARTMENT`: the department's counts in each run of the series."""
    from rich.table import Table

    from ..history.queries import department_trend, departments, rate
    from ..i18n import _

    with db.read() as conn:
        trend = department_trend(conn, department, series, limit)
        known = departments(conn, series) if not any(t["department"] for t in trend) else []
    if not any(t["department"] for t in trend):
        from ..lang.diagnostics import closest

        hint = closest(department, known)
        raise XukeError(_("history.no_department", department=department, series=series)
                        + (f" ({_('history.did_you_mean', name=hint)})" if hint else ""))  # fmt: skip
    table = Table(title=_("history.trend_title", department=department, series=series))
    for key in ("run", "as_of", "cases", "flagged_cases", "flagged_rate", "findings", "overdue_cases",
                "overdue_rate", "grade"):  # fmt: skip
        table.add_column(_(f"history.col.{key}"), justify="left" if key == "grade" else "right")
    for t in trend:
        r, d = t["run"], t["department"]
        if d is None:
            table.add_row(str(r["id"]), r["as_of"], *(["-"] * 7))
            continue
        table.add_row(str(r["id"]), r["as_of"], _n(d["cases"]), _n(d["flagged_cases"]),
                      _pct(rate(d["flagged_cases"], d["cases"])), _n(d["findings"]), _n(d["overdue_cases"]),
                      _pct(rate(d["overdue_cases"], d["cases"])), d["grade"] or "-")  # fmt: skip
    console.print(table)
    return 0


def packs_digest(packs) -> str:
    """Eight hex digits that change whenever a pack's text does (so two runs with the same
    digest ran the same rules), after the number of packs."""
    h = hashlib.sha256("\n".join(sorted(str(p.get("sha256")) for p in packs)).encode()).hexdigest()[:8]
    return f"{len(packs)} · {h}"


def _n(value) -> str:
    return "-" if value is None else f"{value:,}"
