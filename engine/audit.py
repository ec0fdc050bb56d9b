"""A bulk audit of approval records.

Input is read in chunks; each chunk is evaluated (one engine session per case) and its
findings spooled to disk before the next, summary counts are merged rather than kept per
row, and the summary rules run once at the end. So memory does not grow with the number
of rows. Chunks may be evaluated by worker processes (`jobs`); results are consumed in
input order, so the findings are the same whatever the number of workers or the chunk
size. Every row read is evaluated or rejected with a reason, and the summary reconciles
the two.
"""
from __future__ import annotations

import datetime as dt
import os
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import ast as A
from .checker import RuleBase
from .compiler import compile_rules
from .runtime import CompiledProgram, Context, input_fact
from .sources.records import RecordSource, Reject

DEFAULT_CHUNK = 2000


# ---- which rules can run on an input ----


def record_fields_read(base: RuleBase, rule_id: str) -> set[str]:
    """The record fields that decide whether a rule fires: those its patterns test, directly
    or through a record binding. Fields only shown in messages, or read through
    coalesce(), do not count: a missing column is null there, which rules handle."""
    rule = base.rules[rule_id].rule
    record_bindings = {p.binding for p in rule.when if p.type == "record" and p.binding}
    out: set[str] = set()

    def walk(e, own_record: bool):
        if isinstance(e, A.Name) and own_record and e.id in base.types["record"].fields:
            out.add(e.id)
        elif isinstance(e, A.Attr) and isinstance(e.obj, A.Name) and e.obj.id in record_bindings:
            out.add(e.name)
        if isinstance(e, A.Call) and e.func == "coalesce":
            return
        for child in _children(e):
            walk(child, own_record)

    for p in rule.when:
        for c in p.constraints:
            walk(c, p.type == "record")
    return out


def _children(e):
    if isinstance(e, A.Attr):
        return [e.obj]
    if isinstance(e, A.Call):
        return list(e.args)
    if isinstance(e, A.Unary | A.IsNull):
        return [e.operand]
    if isinstance(e, A.Binary):
        return [e.left, e.right]
    if isinstance(e, A.ListLit):
        return list(e.items)
    return []


def skipped_rules(base: RuleBase, present: set[str]) -> dict[str, str]:
    """rule id -> why it is skipped for an input with these columns. Only reporting rules
    are skipped: derivation rules run and see nulls, as their null logic expects."""
    out: dict[str, str] = {}
    for rid in sorted(base.rules):
        if not base.rules[rid].rule.reports:
            continue
        missing = sorted(record_fields_read(base, rid) - present)
        if missing:
            out[rid] = "input has no column for " + ", ".join(missing)
    return out


# ---- one chunk ----


@dataclass
class ChunkResult:
    index: int
    findings: list
    rejects: list
    summary_state: dict
    departments: dict
    rows_read: int = 0
    rows_evaluated: int = 0


def evaluate_chunk(program: CompiledProgram, ctx: Context, file: str, index: int, items) -> ChunkResult:
    """Evaluate one chunk of rows (Row or Reject): the unit of work of every executor."""
    out = ChunkResult(index, [], [], program.new_summary_state(), {})
    for item in items:
        out.rows_read += 1
        if isinstance(item, Reject):
            out.rejects.append({"file": file, "row": item.row, "reason": item.reason})
            continue
        dept = item.values.get("department")
        if dept is not None:
            out.departments[dept] = out.departments.get(dept, 0) + 1
        case = program.run_case([input_fact("record", item.values, file=file, row=item.row)], ctx)
        out.findings.extend(case.findings)
        program.add_to_summaries(out.summary_state, case, ctx)
        out.rows_evaluated += 1
    out.findings.sort(key=lambda f: f.sort_key())
    return out


# ---- executors ----

_WORKER: dict = {}


def _init_worker(ir: dict, calendar_path, calendar_data, as_of: dt.date, severity):
    from .calendar import WorkCalendar

    # each worker compiles the program once and keeps it for every chunk it is sent
    _WORKER["program"] = CompiledProgram(ir, severity)
    _WORKER["ctx"] = Context(WorkCalendar.load(calendar_path, calendar_data), as_of)


def _worker_chunk(args) -> ChunkResult:
    file, index, items = args
    return evaluate_chunk(_WORKER["program"], _WORKER["ctx"], file, index, items)


class SerialExecutor:
    def __init__(self, ir, calendar, as_of, severity=None, **_):
        self.program = CompiledProgram(ir, severity)
        self.ctx = Context(calendar, as_of)

    def run(self, file: str, chunks) -> Iterator[ChunkResult]:
        for index, items in chunks:
            yield evaluate_chunk(self.program, self.ctx, file, index, items)

    def close(self):
        pass


class ProcessExecutor:
    """Chunks to N local worker processes, results back in input order, with a bounded
    number in flight so memory stays flat however long the input."""

    def __init__(self, ir, calendar, as_of, severity=None, jobs: int = 2, calendar_path=None,
                 calendar_data=None):  # fmt: skip
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        self.jobs = jobs
        self.pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=ctx, initializer=_init_worker,
            initargs=(ir, calendar_path, calendar_data, as_of, severity),
        )  # fmt: skip

    def run(self, file: str, chunks) -> Iterator[ChunkResult]:
        from collections import deque

        inflight: deque = deque()
        for index, items in chunks:
            inflight.append(self.pool.submit(_worker_chunk, (file, index, items)))
            if len(inflight) >= 2 * self.jobs:
                yield inflight.popleft().result()
        while inflight:
            yield inflight.popleft().result()

    def close(self):
        self.pool.shutdown(cancel_futures=True)


# ---- the spool: findings on disk, chunk by chunk ----


class Spool:
    """Findings of finished chunks, pickled to a file as they arrive, read back in order."""

    def __init__(self, directory: str | None = None):
        fd, self.path = tempfile.mkstemp(prefix="xuke-findings-", suffix=".spool", dir=directory)
        self._out = os.fdopen(fd, "wb")
        self.count = 0

    def add(self, findings: list) -> None:
        if findings:
            pickle.dump(findings, self._out, protocol=pickle.HIGHEST_PROTOCOL)
            self.count += len(findings)

    def __iter__(self):
        self._out.flush()
        with open(self.path, "rb") as fh:
            while True:
                try:
                    yield from pickle.load(fh)
                except EOFError:
                    return

    def close(self):
        self._out.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


# ---- the audit ----


@dataclass
class AuditResult:
    findings: object  # an iterable of Finding in sorted order (a Spool, or a list)
    rejects: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    def close(self):
        if hasattr(self.findings, "close"):
            self.findings.close()


def _chunks(source: RecordSource, size: int):
    yield from enumerate(source.chunks(size))


def audit_files(base: RuleBase, paths, calendar, as_of: dt.date, encoding=None, sheet=None,
                aliases=None, chunk_size: int = DEFAULT_CHUNK, jobs: int = 1, severity=None,
                calendar_path=None, calendar_data=None, on_progress=None,
                spool_dir: str | None = None) -> AuditResult:  # fmt: skip
    ctx = Context(calendar, as_of)
    spool = Spool(spool_dir)
    rejects: list = []
    rows_read = rows_evaluated = 0
    skipped_all: dict[str, str] = {}
    departments: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    state: dict = {}
    # files in a fixed order, so the findings never depend on the command line's order
    files = sorted({str(p) for p in paths})
    try:
        for file in files:
            source = RecordSource(file, encoding=encoding, sheet=sheet, aliases=aliases)
            skipped = skipped_rules(base, set(source.present_fields))
            skipped_all.update(skipped)
            ir = compile_rules(base, set(base.rules) - set(skipped))
            if jobs > 1:
                executor = ProcessExecutor(ir, calendar, as_of, severity, jobs=jobs, calendar_path=calendar_path,
                                           calendar_data=calendar_data)  # fmt: skip
            else:
                executor = SerialExecutor(ir, calendar, as_of, severity)
            try:
                for result in executor.run(file, _chunks(source, chunk_size)):
                    rows_read += result.rows_read
                    rows_evaluated += result.rows_evaluated
                    rejects.extend(result.rejects)
                    for d, n in result.departments.items():
                        departments[d] = departments.get(d, 0) + n
                    CompiledProgram.merge_summaries(state, result.summary_state)
                    _count(by_rule, result.findings)
                    spool.add(result.findings)
                    if on_progress:
                        on_progress(rows_read)
            finally:
                executor.close()
        # summaries see every case of every file; a summary rule runs unless some input
        # lacked a column it needs
        summary_ir = compile_rules(base, set(base.rules) - set(skipped_all))
        tail = CompiledProgram(summary_ir, severity).run_summaries(state, ctx, file=files[0] if files else "")
        tail.sort(key=lambda f: f.sort_key())
        _count(by_rule, tail)
        spool.add(tail)
    except BaseException:
        spool.close()
        raise
    summary = {
        "rows_read": rows_read,
        "rows_evaluated": rows_evaluated,
        "rows_rejected": len(rejects),
        "findings": spool.count,
        "findings_by_rule": dict(sorted(by_rule.items())),
        "skipped_rules": [{"rule": r, "reason": why} for r, why in sorted(skipped_all.items())],
        "departments": {d: {"cases": n} for d, n in sorted(departments.items())},
        "as_of": as_of.isoformat(),
    }
    return AuditResult(spool, rejects, summary)


def _count(by_rule: dict, findings) -> None:
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
