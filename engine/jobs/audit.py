"""A bulk audit of approval records.

Input is read in chunks; each chunk is evaluated (one engine session per case) and its
findings spooled to disk before the next, summary counts are merged rather than kept per
row, and the summary rules run once at the end. So memory does not grow with the number
of rows (apart from the table of case ids that finds duplicates: 16-32 bytes an id).
Every row read is evaluated or rejected with a reason, and the summary reconciles the two.

Where the work runs:
- one process: the file is read from start to end, chunk after chunk;
- `jobs` local worker processes, or a Dask cluster: a CSV or JSONL file is cut into
  line-aligned byte ranges that the workers read themselves; an .xlsx workbook is read
  here and its chunks of rows sent out.

A worker reading a byte range does not know how many rows, lines or case ids came before
it, so it numbers rows and lines from its own start and lists the case ids it saw first.
Results are consumed in input order; each is renumbered by the counts of the ranges before
it, and its case ids are checked against those of the ranges before it. When the check
fails — an id already seen earlier in the file, or a record of the previous range that ran
on into this one (a quoted line break across the cut) — the range is evaluated again,
knowing what came before. So the findings, rejects and their numbers are the same whatever
the executor, the number of workers and the chunk size.

With a checkpoint directory, the state after each consumed chunk is committed to disk
(engine/run/checkpoint.py): an audit killed at any moment resumes after the last committed
chunk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import XukeError
from ..ir.compiler import compile_rules
from ..lang import ast as A
from ..lang.checker import RuleBase
from ..run import sealed
from ..run.runtime import CompiledProgram, Context, input_fact
from ..sources.csvreader import line_start
from ..sources.open import open_records
from ..sources.records import RecordSource, Reject, Span, _SeenIds

DEFAULT_CHUNK = 2000
DEFAULT_COLUMN_CHUNK = 20000  # rows per chunk when the column strategy may run
EXECUTORS = ("local", "dask")


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
        for child in A.children(e):
            walk(child, own_record)

    for p in rule.when:
        for c in p.constraints:
            walk(c, p.type == "record")
    return out


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
    findings: list | bytes  # Finding, sorted; or that list pickled (by a worker, for the spool)
    rejects: list  # Reject
    summary_state: dict
    departments: dict
    rows_read: int = 0
    rows_evaluated: int = 0
    by_rule: dict = field(default_factory=dict)  # findings per rule
    shift: int = 0  # rows still to add to pickled findings (see renumber)
    # a byte range of a CSV or JSONL file: where its first record starts, the offset
    # after its last one, the physical lines read up to there, the (rows, lines) before
    # `start` its numbers count from, and the case ids seen first in it (digests, rows)
    start: int = 0
    stop: int = 0
    lines: int = 0
    base: tuple[int, int] = (0, 0)
    claims: tuple | None = None
    # keys with no canonical field met in the rows (a JSONL file's keys vary by line)
    unknown: set = field(default_factory=set)
    # the findings' report lines rendered by the worker (numbered from `base`), and their severities
    rendered: bytes | None = None
    severities: tuple = ()


def evaluate_chunk(
    program: CompiledProgram, ctx: Context, file: str, index: int, items: Iterable
) -> ChunkResult:
    """Evaluate one chunk of rows (Row or Reject): the unit of work of every executor."""
    out = ChunkResult(index, [], [], program.new_summary_state(), {})
    rows = []
    for item in items:
        out.rows_read += 1
        if isinstance(item, Reject):
            out.rejects.append(item)
            continue
        if item.extra:
            out.unknown.update(item.extra)
        dept = item.values.get("department")
        if dept is not None:
            out.departments[dept] = out.departments.get(dept, 0) + 1
        rows.append(item)
    plan = getattr(program, "column_plan", None)
    done = plan.run(rows, file, ctx) if plan is not None and len(rows) >= _min_column_rows() else None
    if done is not None:  # the column strategy (engine/run/columns.py)
        out.findings.extend(done[0])
        CompiledProgram.merge_summaries(out.summary_state, done[1])
    else:
        for item in rows:
            case = program.run_case([input_fact("record", item.values, file=file, row=item.row)], ctx)
            out.findings.extend(case.findings)
            program.add_to_summaries(out.summary_state, case, ctx)
    out.rows_evaluated += len(rows)
    out.findings.sort(key=lambda f: f.sort_key())
    _count(out.by_rule, out.findings)
    return out


def evaluate_range(program: CompiledProgram, ctx: Context, source: RecordSource, file: str, index: int,
                   start: int, end: int, base: tuple[int, int] | None = None,
                   prior: dict[int, int] | None = None, seen: _SeenIds | None = None,
                   render=None) -> ChunkResult:  # fmt: skip
    """Evaluate the records of a CSV or JSONL file that start in the byte range [start, end).

    Without `base`, rows and lines are numbered from the range's own start. With it (rows
    and physical lines before `start`) they are the file's numbers, and `prior` maps the
    digests of case ids seen before `start` that occur in the range to their first rows;
    or `seen` holds every case id before `start` (a serial reader's table)."""
    rows, lines = base or (0, 0)
    if seen is None:
        seen = _SeenIds(bits=10)
        for h, row in (prior or {}).items():
            seen.add_digest(h, row)
    seen.start_journal()
    span = Span()
    out = _evaluate_columns(program, ctx, source, file, index, start, end, rows, lines, seen, span)
    if out is None:
        items = (item for item, _ in source.read(start, end, rows=rows, lines=lines, seen=seen, span=span))
        out = evaluate_chunk(program, ctx, file, index, items)
    out.start, out.stop, out.lines = span.start, span.stop, span.lines
    out.base, out.claims = (rows, lines), seen.journal
    # pickled here, where the work is spread: the client writes them to its spool as
    # they are (and renumbers them when they are read back); the fingerprints travel
    # with them, so the client's serial report does not hash each finding again
    for f in out.findings:
        f.fingerprint()
    if render is not None:
        # the report's lines too, numbered from `base`: the client writes them as they
        # are when `base` proves right (no unpickling and rendering in the client)
        out.rendered = render(out.findings)
        out.severities = tuple(sorted({f.severity for f in out.findings}))
    out.findings = pickle.dumps(out.findings, protocol=pickle.HIGHEST_PROTOCOL)
    return out


def _evaluate_columns(program, ctx, source, file, index, start, end, rows, lines, seen, span) -> ChunkResult | None:
    """A byte range read by the column reader and evaluated by the column strategy, or
    None: the row reader and `evaluate_chunk` take it (engine/sources/columnreader.py)."""
    plan = getattr(program, "column_plan", None)
    if plan is None or not plan.complete or source.format != "csv":
        return None
    from ..sources.columnreader import read_columns

    read = read_columns(source, start, end, rows, lines, seen, span)
    if read is None:
        return None
    out = ChunkResult(index, [], read.rejects, program.new_summary_state(), {}, rows_read=read.rows_read,
                      rows_evaluated=read.table.height, unknown=read.unknown)  # fmt: skip
    if "department" in read.table.columns:
        for dept, n in read.table.group_by("department").len().drop_nulls("department").iter_rows():
            out.departments[dept] = n
    done = plan.run_table(read.table, read.values_of, file, ctx) if read.table.height >= _min_column_rows() else None
    if done is None:  # the Rete engine, on the rows as read
        for item in _rows_of(read):
            case = program.run_case([input_fact("record", item.values, file=file, row=item.row)], ctx)
            out.findings.extend(case.findings)
            program.add_to_summaries(out.summary_state, case, ctx)
    else:
        out.findings.extend(done[0])
        CompiledProgram.merge_summaries(out.summary_state, done[1])
    out.findings.sort(key=lambda f: f.sort_key())
    _count(out.by_rule, out.findings)
    return out


def _min_column_rows() -> int:
    from ..run.columns import MIN_COLUMN_ROWS

    return MIN_COLUMN_ROWS


def _rows_of(read):
    from ..sources.records import Row

    numbers = read.table.get_column("_row").to_list()
    return [Row(n, values) for n, values in zip(numbers, read.values_of(list(range(len(numbers)))), strict=True)]


def renumber(result: ChunkResult, rows: int, lines: int) -> None:
    """Give a range's findings and rejects the file's numbers, now that the rows and the
    physical lines before it are known."""
    drows, dlines = rows - result.base[0], lines - result.base[1]
    if drows:
        if isinstance(result.findings, bytes):
            result.shift += drows  # done as the spool is read
        else:
            done: set = set()
            for f in result.findings:
                shift_rows(f, drows, done)
        first_rows = result.claims[1]
        for i, row in enumerate(first_rows):
            first_rows[i] = row + drows
    for r in result.rejects:
        r.row += drows
        if r.line is not None and dlines:
            # a reason about a physical line starts with "line N" (see csvreader)
            prefix = f"line {r.line}"
            if r.reason.startswith(prefix) and r.reason[len(prefix) : len(prefix) + 1] in (" ", ":"):
                r.reason = f"line {r.line + dlines}{r.reason[len(prefix) :]}"
            r.line += dlines
        if r.first_row > 0 and drows:
            # a duplicate found inside the range: the reason ends with the first row
            suffix = f" (first at row {r.first_row})"
            if r.reason.endswith(suffix):
                r.reason = f"{r.reason[: -len(suffix)]} (first at row {r.first_row + drows})"
            r.first_row += drows
    result.lines += dlines
    result.base = (rows, lines)


def shift_rows(f, drows: int, done: set | None = None) -> None:
    """Add `drows` to a finding's row and to the rows in its trace. The findings of one
    chunk may share the description of a fact (runtime.describe with a memo): `done`,
    one set for the chunk, holds those already shifted."""
    if f.row is not None:
        f.row += drows
    _shift_trace_rows(f.trace.get("facts", ()), drows, set() if done is None else done)


def _shift_trace_rows(facts, drows: int, done: set) -> None:
    """Facts in a trace (runtime.describe): input facts carry their row, derived facts
    the facts they came `from`."""
    for fact in facts:
        if id(fact) in done:
            continue
        done.add(id(fact))
        if "derived_by" in fact:
            _shift_trace_rows(fact.get("from", ()), drows, done)
        elif "row" in fact:
            fact["row"] += drows


# ---- what every worker holds: compiled programs and open sources ----


def program_spec(ir: dict, severity, calendar, as_of: dt.date, engine: str = "auto") -> tuple[str, bytes]:
    """(token, pickled program): what a worker needs to compile a program, once."""
    data = pickle.dumps((ir, severity, calendar, as_of, engine), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(data).hexdigest(), data


_LOCAL = threading.local()  # a compiled program is not thread-safe: one per thread


def _cached(name: str, key, make, keep: int = 4):
    cache = getattr(_LOCAL, name, None)
    if cache is None:
        cache = {}
        setattr(_LOCAL, name, cache)
    if key not in cache:
        while len(cache) >= keep:
            cache.pop(next(iter(cache)))
        cache[key] = make()
    return cache[key]


def worker_program(token: str, spec: bytes | None) -> tuple[CompiledProgram, Context]:
    """The compiled program of `token`, from `spec` or from what the worker was given."""

    def make():
        ir, severity, calendar, as_of, engine = pickle.loads(spec if spec is not None else _SPECS[token])
        program, ctx = CompiledProgram(ir, severity), Context(calendar, as_of)
        program.column_plan = column_plan(program, ctx, engine)
        return program, ctx

    return _cached("programs", token, make)


def worker_source(path: str, read: tuple) -> RecordSource:
    encoding, aliases = read
    try:
        stamp = os.stat(path)
    except OSError:
        stamp = None
    key = (path, read, stamp and (stamp.st_size, stamp.st_mtime_ns))
    return _cached("sources", key, lambda: RecordSource(path, encoding=encoding, aliases=dict(aliases or ())))


def run_range(token: str, spec: bytes, file: str, read: tuple, index: int, start: int, end: int,
              base=None, prior=None, render=None) -> ChunkResult:  # fmt: skip
    """A task: one byte range of a file, on whatever worker runs it."""
    program, ctx = worker_program(token, spec)
    return evaluate_range(program, ctx, worker_source(file, read), file, index, start, end, base, prior,
                          render=render)  # fmt: skip


def run_chunk(token: str, spec: bytes, file: str, index: int, items: list) -> ChunkResult:
    """A task: rows read by the client (.xlsx)."""
    program, ctx = worker_program(token, spec)
    return evaluate_chunk(program, ctx, file, index, items)


_SPECS: dict[str, bytes] = {}  # in a pool worker: the programs it may be asked to run


def column_plan(program: CompiledProgram, ctx: Context, engine: str):
    """The column strategy's plan for a program (`--engine auto|columns`), or None: Rete
    runs every stratum (`--engine rete`, or no stratum translates)."""
    if engine == "rete":
        return None
    from ..run.columns import ColumnPlan

    plan = ColumnPlan(program, ctx)
    return plan if plan.usable else None


def _init_worker(parent: int, programs: dict[str, bytes]) -> None:
    _SPECS.update(programs)
    if os.name == "posix":  # elsewhere os.kill(pid, 0) is no probe
        _watch_parent(parent)


def _watch_parent(pid: int, every: float = 1.0) -> None:
    """In a pool worker: exit when the audit process is gone (killed with SIGKILL, say),
    rather than wait forever on a queue whose other ends the workers hold themselves."""
    import time

    def watch():
        while _alive(pid):
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="xuke-watch-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:  # gone; or another user's process now has the pid, so ours is gone
        return False
    try:  # killed but not yet reaped by its parent: a zombie is dead too
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


# ---- executors ----


class SerialExecutor:
    """Everything in this process, reading each file from start to end."""

    workers = 1

    def close(self):
        pass


def _socket_path_fits() -> bool:
    """The fork server listens on a Unix socket under the temporary directory
    (TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX); a socket path holds at most 107 bytes, so a
    deep TMPDIR made `--jobs 2` fail with a traceback. Workers are then spawned instead."""
    import tempfile

    return len(os.fsencode(tempfile.gettempdir())) + len("/pymp-xxxxxxxx/listener-xxxxxxxx") < 107


class ProcessExecutor:
    """N local worker processes. Each receives the pickled programs once, when it starts,
    and compiles a program the first time a task names its token."""

    def __init__(self, jobs: int = 2, programs: dict[str, bytes] | None = None):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if "forkserver" in mp.get_all_start_methods() and _socket_path_fits():
            ctx = mp.get_context("forkserver")
            # workers fork from a server that has imported the engine already
            ctx.set_forkserver_preload([__name__])
        else:
            ctx = mp.get_context("spawn")
        self.workers = jobs
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                        initargs=(os.getpid(), programs or {}))  # fmt: skip

    def submit(self, fn, token: str, *args):
        return self.pool.submit(fn, token, None, *args)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


def make_executor(kind: str = "local", jobs: int = 1, scheduler: str | None = None, programs=None):
    """`programs`: token -> pickled program, for every program the audit will need."""
    if kind == "dask":
        from ..run.dask_executor import DaskExecutor

        return DaskExecutor(scheduler, workers=jobs, programs=programs)
    if kind != "local":
        raise XukeError(f"unknown executor {kind!r} (expected one of: {', '.join(EXECUTORS)})")
    if scheduler:
        raise XukeError("--scheduler needs --executor dask")
    return ProcessExecutor(jobs, programs) if jobs > 1 else SerialExecutor()


# ---- spools: what an audit has produced so far, on disk ----


class Spool:
    """Batches of objects pickled to a file as they arrive, read back in order. A spool
    in a checkpoint directory is kept (`keep`) and reopened where its last commit ended."""

    def __init__(self, directory: str | None = None, path: str | None = None, keep: bool = False,
                 resume: tuple[int, int] | None = None, key: bytes | None = None, opener=None):  # fmt: skip
        # every batch is signed (engine.sealed): a spool kept in a checkpoint directory
        # with the user's key, a temporary one with a key only this process knows
        self._key = key or sealed.process_key()
        if path is None:
            fd, self.path = tempfile.mkstemp(prefix="xuke-findings-", suffix=".spool", dir=directory)
            self._out = os.fdopen(fd, "w+b")
            # gone from the directory at once (POSIX keeps the open file): a killed audit
            # cannot leave gigabytes of spool behind; read back through the open file
            try:
                os.unlink(self.path)
                self.path = None
            except OSError:  # a system that cannot unlink an open file keeps it until close
                pass
        else:
            # `opener`: a checkpoint's, which never follows a link (engine/safefs.py)
            self.path = path
            self._out = open(path, "r+b" if resume and os.path.exists(path) else "w+b", opener=opener)  # noqa: SIM115
        self.keep = keep
        size, self.count = resume or (0, 0)
        self._out.truncate(size)
        self._out.seek(size)

    def add(self, items: list | bytes, count: int | None = None, shift: int = 0) -> None:
        """A batch: a list, or a list already pickled (`count` items); findings read back
        get `shift` added to their rows."""
        count = len(items) if count is None else count
        if count:
            try:
                sealed.write(self._out, self._key, (shift, items))
            except OSError as e:
                raise self._write_error(e) from None
            self.count += count

    def _write_error(self, e: OSError) -> XukeError:
        """A full disk under the spool, said as such (not as the report's own write)."""
        from ..reports.atomic import write_error

        return write_error(self.path or os.path.join(tempfile.gettempdir(), "(a temporary spool)"), e)

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        self._out.flush()
        with self._reader() as fh:
            frames = sealed.read(fh, self._key)
            while True:
                try:
                    shift, items = next(frames)
                except StopIteration:
                    return
                except sealed.Tampered as e:
                    raise XukeError(f"{self.path or 'the findings spool'}: {e}; it is not read. Remove the "
                                    "checkpoint directory to start again") from None  # fmt: skip
                if isinstance(items, bytes):  # pickled by a worker, inside the signed frame
                    items = pickle.loads(items)
                if shift:
                    done: set = set()
                    for f in items:
                        shift_rows(f, shift, done)
                yield from items

    def sync(self) -> tuple[int, int]:
        """Flush to the disk; (size, count) to reopen it with."""
        try:
            self._out.flush()
            os.fsync(self._out.fileno())
        except OSError as e:
            raise self._write_error(e) from None
        return self._out.tell(), self.count

    def _reader(self):
        """What was written, from the start, through the open file (never reopened by its
        path: a temporary spool's is gone, and a checkpoint's could have been swapped)."""
        return _Reader(self._out.fileno())

    def close(self):
        self._out.close()
        if not self.keep and self.path:
            try:
                os.unlink(self.path)
            except OSError:
                pass


class LineSpool(Spool):
    """Report lines already rendered (JSONL bytes), in order: plain text, never unpickled,
    so a checkpoint may keep it like the other spools. The bytes are hashed as they are
    written; the digest is committed with the checkpoint's signed state and checked when a
    resumed run reopens the lines and as they are read out (B21: edited lines were copied
    into the report)."""

    def __init__(self, directory=None, path=None, keep=False, resume=None, key=None, opener=None):
        # only lines kept in a checkpoint are hashed: a temporary spool is already unlinked,
        # and hashing costs the main process time where rendering is its bottleneck
        self._sha = hashlib.sha256() if keep else None
        super().__init__(directory, path, keep, resume and resume[:2], key, opener)
        if resume:
            with self._reader() as fh:
                left = resume[0]
                while left and (block := fh.read(min(left, 1 << 20))):
                    self._sha.update(block)
                    left -= len(block)
            self._check(self._sha, resume[2])

    def _check(self, sha, digest: str) -> None:
        if sha.hexdigest() != digest:
            raise XukeError(f"{self.path or 'the rendered findings'}: changed since xuke wrote it; it is not "
                            "used. Remove the checkpoint directory to start again")  # fmt: skip

    def add(self, data: bytes, count: int = 0, shift: int = 0) -> None:
        try:
            self._out.write(data)
        except OSError as e:
            raise self._write_error(e) from None
        if self._sha is not None:
            self._sha.update(data)
        self.count += count

    def sync(self) -> tuple[int, int, str | None]:
        return (*super().sync(), self._sha and self._sha.hexdigest())

    def __iter__(self):
        self._out.flush()
        sha = hashlib.sha256() if self._sha is not None else None
        with self._reader() as fh:
            while block := fh.read(1 << 20):
                if sha is not None:
                    sha.update(block)
                yield block
        if sha is not None:
            self._check(sha, self._sha.hexdigest())  # the report being written is then abandoned


class _Reader:
    """A file-like reader over an open descriptor, with its own position (os.pread): the
    spool is read back while its writer keeps its place."""

    def __init__(self, fd: int):
        self.fd, self.pos = fd, 0

    def read(self, n: int) -> bytes:
        data = os.pread(self.fd, n, self.pos)
        self.pos += len(data)
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---- the audit ----


@dataclass
class AuditResult:
    findings: object  # an iterable of Finding in sorted order (a Spool, or a list)
    rejects: object = field(default_factory=list)  # an iterable of {"file", "row", "reason"}
    summary: dict = field(default_factory=dict)
    # with `render`: the findings' report lines, rendered as the chunks came in (blocks of
    # bytes), and the severities met, for the exit code
    rendered: LineSpool | None = None
    severities: set = field(default_factory=set)

    def close(self):
        for part in (self.findings, self.rejects, self.rendered):
            if hasattr(part, "close"):
                part.close()


class _Totals:
    """What the consumed chunks add up to: counts, departments, summary state."""

    def __init__(self, saved: dict | None = None):
        saved = saved or {}
        self.rows_read = saved.get("rows_read", 0)
        self.rows_evaluated = saved.get("rows_evaluated", 0)
        self.departments: dict[str, int] = saved.get("departments", {})
        self.by_rule: dict[str, int] = saved.get("by_rule", {})
        self.state: dict = saved.get("state", {})
        self.severities: list[str] = saved.get("severities", [])
        self.unknown: dict[str, list[str]] = saved.get("unknown", {})  # file -> columns
        self.unknown_more: dict[str, bool] = saved.get("unknown_more", {})  # file -> some left out

    def saved(self) -> dict:
        return dict(vars(self))


class _Run:
    """One audit: the spools, the totals, and the checkpoint they are committed to."""

    def __init__(self, spool_dir, checkpoint, on_progress, render=None):
        self.checkpoint = checkpoint
        self.on_progress = on_progress
        saved = checkpoint.saved if checkpoint else None
        # a resumed run renders only if the run it resumes did from the start (the lines
        # must cover every chunk), and then goes on rendering whatever was asked
        if saved is not None:
            render = (render or _render_jsonl) if saved.get("rendered") is not None else None
        self.render = render
        self.rendered = None
        if render is not None:
            self.rendered = LineSpool(
                spool_dir, checkpoint.path("findings.jsonl") if checkpoint else None, keep=bool(checkpoint),
                resume=saved and saved["rendered"], opener=checkpoint and checkpoint.opener,
            )  # fmt: skip
        if checkpoint:
            kept = {"keep": True, "key": checkpoint.key, "opener": checkpoint.opener}
            self.findings = Spool(path=checkpoint.path("findings"), resume=saved and saved["findings"], **kept)
            self.rejects = Spool(path=checkpoint.path("rejects"), resume=saved and saved["rejects"], **kept)
            self.ids = Spool(path=checkpoint.path("ids"), resume=saved and saved["ids"], **kept)
        else:
            self.findings, self.rejects, self.ids = Spool(spool_dir), Spool(spool_dir), None
        self.totals = _Totals(saved and saved["totals"])
        # where the current file stands: its index, byte offset, rows, lines and chunks done
        self.position: dict = saved["position"] if saved else _position(0, None, 0, None, 0)
        self.done = bool(saved and saved.get("done"))
        self.summary = saved.get("summary") if saved else None

    def close(self):
        for spool in (self.findings, self.rejects, self.ids, self.rendered):
            if spool is not None:
                spool.close()

    def seen_ids(self) -> _SeenIds:
        """The case ids of the current file so far (rebuilt from the checkpoint)."""
        seen = _SeenIds()
        if self.ids is not None and self.position["pos"] is not None:
            for digests, rows in self.ids:
                for h, row in zip(digests, rows):
                    seen.add_digest(h, row)
        if self.checkpoint:
            seen.start_journal()
        return seen

    def consume(self, file: str, result: ChunkResult, position: dict, seen: _SeenIds | None) -> None:
        t = self.totals
        t.rows_read += result.rows_read
        t.rows_evaluated += result.rows_evaluated
        for d, n in result.departments.items():
            t.departments[d] = t.departments.get(d, 0) + n
        CompiledProgram.merge_summaries(t.state, result.summary_state)
        for rule, n in result.by_rule.items():
            t.by_rule[rule] = t.by_rule.get(rule, 0) + n
        if result.unknown:
            # the smallest names only: a JSONL file with a new key on every line must not
            # fill the memory, and which ones are kept must not depend on the chunking
            merged = sorted(result.unknown.union(t.unknown.get(file, ())))
            t.unknown[file] = merged[:MAX_UNKNOWN_COLUMNS]
            if len(merged) > MAX_UNKNOWN_COLUMNS:
                t.unknown_more[file] = True
        self.findings.add(result.findings, sum(result.by_rule.values()), result.shift)
        if self.render is not None and result.rendered is not None and not result.shift:
            for severity in result.severities:
                if severity not in self.totals.severities:
                    self.totals.severities.append(severity)
            self.rendered.add(result.rendered, sum(result.by_rule.values()))
        elif self.render is not None:
            self.add_rendered(result.findings, result.shift)
        self.rejects.add([_reject(file, r) for r in result.rejects])
        self.position = position
        if self.checkpoint:
            if seen is not None and seen.journal[0]:
                self.ids.add([seen.journal])
                seen.start_journal()
            self.commit()
        if self.on_progress:
            self.on_progress(t.rows_read)

    def add_rendered(self, findings: list | bytes, shift: int = 0) -> None:
        """Render a chunk's findings while the workers go on with the next chunks: the
        report's serial tail, moved to where this process would otherwise wait."""
        if isinstance(findings, bytes):
            findings = pickle.loads(findings)
            if shift:
                done: set = set()
                for f in findings:
                    shift_rows(f, shift, done)
        if findings:
            severities = self.totals.severities
            for f in findings:
                if f.severity not in severities:
                    severities.append(f.severity)
            self.rendered.add(self.render(findings), len(findings))

    def next_file(self, index: int) -> None:
        self.position = _position(index, None, 0, None, 0)
        if self.checkpoint:
            # commit that the new file's ids start empty, then empty the spool: killed in
            # between, the resumed run cuts the spool back to the committed nothing
            self.commit(ids=(0, 0))
            self.ids.close()
            self.ids = Spool(path=self.checkpoint.path("ids"), keep=True, key=self.checkpoint.key,
                             opener=self.checkpoint.opener)  # fmt: skip

    def commit(self, summary: dict | None = None, ids: tuple[int, int] | None = None) -> None:
        self.checkpoint.commit({
            "findings": self.findings.sync(), "rejects": self.rejects.sync(), "ids": ids or self.ids.sync(),
            "totals": self.totals.saved(), "position": self.position, "done": summary is not None,
            "summary": summary, "rendered": self.rendered.sync() if self.rendered is not None else None,
        })  # fmt: skip


def audit_files(base: RuleBase, paths, calendar, as_of: dt.date, encoding=None, sheet=None,
                aliases=None, chunk_size: int | None = None, jobs: int = 1, severity=None,
                calendar_path=None, calendar_data=None, on_progress=None,
                spool_dir: str | None = None, executor: str = "local", scheduler: str | None = None,
                checkpoint: str | None = None, render=None, engine: str = "auto") -> AuditResult:  # fmt: skip
    """Audit record files. `jobs` worker processes (`executor="local"`), or the workers of a
    Dask cluster (`executor="dask"`: `scheduler` address, or a LocalCluster of `jobs`
    processes); `checkpoint` a directory to commit progress to and resume from.
    `render` (findings -> bytes, e.g. `jsonout.render_jsonl`) renders the report's lines
    as each chunk is consumed: `AuditResult.rendered`.
    `calendar_path` and `calendar_data` are accepted for compatibility: the calendar object
    itself is what workers receive."""
    if chunk_size is None:
        # the column strategy pays a fixed cost per chunk (one pass of each rule over it)
        chunk_size = DEFAULT_CHUNK if _engine(engine) == "rete" else DEFAULT_COLUMN_CHUNK
    if chunk_size < 1:
        raise XukeError("--chunk-size must be at least 1")
    ctx = Context(calendar, as_of)
    # files in a fixed order, so the findings never depend on the command line's order;
    # a source given open (a data frame, a query: sources/tables.py) is named by its path
    given = {p.path: p for p in paths if isinstance(p, RecordSource)}
    files = sorted({p.path if isinstance(p, RecordSource) else str(p) for p in paths})
    unread = sorted(name for name in given if not os.path.isfile(name))
    if checkpoint and unread:
        raise XukeError(f"--checkpoint needs inputs it can read again: {', '.join(unread)} is not a file")

    def open_source(file: str) -> RecordSource:
        return given.get(file) or open_records(file, encoding=encoding, sheet=sheet, aliases=aliases)
    # every file's columns first: a file that cannot be read fails the audit before any
    # work, and each file gets the program of the rules its columns allow
    skipped_by_file, programs, unknown_by_file = [], {}, {}
    for file in files:
        source = open_source(file)
        unknown_by_file[file] = list(source.unknown_headers)
        skipped_by_file.append(skipped_rules(base, set(source.present_fields)))
        key = frozenset(skipped_by_file[-1])
        if key not in programs:
            programs[key] = program_spec(
                compile_rules(base, set(base.rules) - key), severity, calendar, as_of, _engine(engine)
            )
    skipped_all = {r: why for skipped in skipped_by_file for r, why in skipped.items()}
    store = None
    if checkpoint:
        from ..run.checkpoint import Checkpoint

        fingerprint = _fingerprint(base, files, calendar, as_of, encoding, sheet, aliases, severity)
        store = Checkpoint(checkpoint, fingerprint, files)
    run = _Run(spool_dir, store, on_progress, render)
    pool = None
    try:
        if not run.done:
            pool = make_executor(executor, jobs, scheduler, dict(programs.values()))
            for index in range(run.position["file"], len(files)):
                file = files[index]
                if index != run.position["file"]:
                    run.next_file(index)
                source = open_source(file)
                token, spec = programs[frozenset(skipped_by_file[index])]
                if isinstance(pool, SerialExecutor) and source.format == "csv" and _columns_complete(token, spec):
                    _serial_ranges(run, index, file, source, worker_program(token, spec), chunk_size)
                elif isinstance(pool, SerialExecutor):
                    _serial_file(run, index, file, source, worker_program(token, spec), chunk_size)
                elif not source.ranged:
                    _chunked_file(run, index, file, source, pool, token, chunk_size)
                else:
                    _ranged_file(run, index, file, source, pool, token, aliases, chunk_size)
            pool.close()
            pool = None
            # summaries see every case of every file; a summary rule runs unless some input
            # lacked a column it needs
            t = run.totals
            summary_ir = compile_rules(base, set(base.rules) - set(skipped_all))
            tail = CompiledProgram(summary_ir, severity).run_summaries(
                t.state, ctx, file=files[0] if files else ""
            )
            tail.sort(key=lambda f: f.sort_key())
            _count(t.by_rule, tail)
            run.findings.add(tail)
            if run.render is not None:
                run.add_rendered(tail)
            run.summary = {
                "rows_read": t.rows_read,
                "rows_evaluated": t.rows_evaluated,
                "rows_rejected": len(run.rejects),
                "findings": len(run.findings),
                "findings_by_rule": dict(sorted(t.by_rule.items())),
                "skipped_rules": [{"rule": r, "reason": why} for r, why in sorted(skipped_all.items())],
                "unknown_columns": _unknown_columns(files, unknown_by_file, t.unknown, t.unknown_more),
                "departments": {d: {"cases": n} for d, n in sorted(t.departments.items())},
                "as_of": as_of.isoformat(),
            }
            if store:
                run.commit(run.summary)
    except BaseException:
        if pool is not None:
            pool.close()
        run.close()
        if store:
            store.close()
        raise
    if run.ids is not None:
        run.ids.close()
    if store:
        store.close()
    return AuditResult(run.findings, run.rejects, run.summary, run.rendered, set(run.totals.severities))


def _serial_file(run: _Run, index: int, file: str, source: RecordSource, compiled, chunk_size: int) -> None:
    """Read the file from start to end (or from where a checkpoint left it), chunk by chunk."""
    program, ctx = compiled
    p = run.position
    rows, chunks = p["rows"], p["chunks"]
    span = Span()
    if not source.ranged:
        # a workbook cannot be entered in the middle: read it again, skipping what is done
        stream = ((item, None) for item, _ in source.read() if item.row > rows)
        seen = None
    else:
        seen = run.seen_ids()
        stream = source.read(p["pos"], rows=rows, lines=p["lines"], seen=seen, span=span)
    chunk: list = []
    mark = None
    for item, mark in stream:
        chunk.append(item)
        if len(chunk) >= chunk_size and (mark is not None or not source.ranged):
            result = evaluate_chunk(program, ctx, file, chunks, chunk)
            rows, chunks, chunk = chunk[-1].row, chunks + 1, []
            pos, lines = mark or (None, None)
            run.consume(file, result, _position(index, pos, rows, lines, chunks), seen)
    if chunk:
        result = evaluate_chunk(program, ctx, file, chunks, chunk)
        pos, lines = (span.stop, span.lines) if source.ranged else (None, None)
        run.consume(file, result, _position(index, pos, chunk[-1].row, lines, chunks + 1), seen)


def _serial_ranges(run: _Run, index: int, file: str, source: RecordSource, compiled, chunk_size: int) -> None:
    """A CSV file for the column strategy, read from start to end in byte ranges of about
    `chunk_size` rows (the column reader reads a range at once), in this process."""
    program, ctx = compiled
    pos, rows, lines, chunks, seen, size, step = _ranges_from(run, file, source, chunk_size)
    while pos < size:
        result = evaluate_range(program, ctx, source, file, chunks, pos, min(pos + step, size), (rows, lines),
                                seen=seen, render=run.render)  # fmt: skip
        pos, rows, lines, chunks = result.stop, rows + result.rows_read, result.lines, chunks + 1
        run.consume(file, result, _position(index, pos, rows, lines, chunks), seen)
        if result.stop <= result.start:  # nothing read: only blank lines were left
            break


def _position(file, pos, rows, lines, chunks) -> dict:
    return {"file": file, "pos": pos, "rows": rows, "lines": lines, "chunks": chunks}


def _chunked_file(run: _Run, index: int, file: str, source: RecordSource, pool, token, chunk_size) -> None:
    """Rows read here, chunks evaluated by the workers (.xlsx)."""
    done = run.position["rows"]

    def tasks():
        chunk: list = []
        n = run.position["chunks"]
        for item in source:
            if item.row <= done:
                continue
            chunk.append(item)
            if len(chunk) >= chunk_size:
                yield n, pool.submit(run_chunk, token, file, n, chunk), chunk[-1].row
                n, chunk = n + 1, []
        if chunk:
            yield n, pool.submit(run_chunk, token, file, n, chunk), chunk[-1].row

    for n, future, last_row in _bounded(tasks(), 2 * pool.workers):
        run.consume(file, future.result(), _position(index, None, last_row, None, n + 1), None)


def _bounded(tasks: Iterator, limit: int) -> Iterator:
    """The tasks in order, with at most `limit` submitted ahead of the one being consumed."""
    inflight: deque = deque()
    for task in tasks:
        inflight.append(task)
        if len(inflight) >= limit:
            yield inflight.popleft()
    while inflight:
        yield inflight.popleft()


def range_bytes(source: RecordSource, chunk_size: int) -> int:
    """Bytes that hold about `chunk_size` rows, judged from the start of the data."""
    start, _ = source.data_start
    with open(source.path, "rb") as fh:
        fh.seek(start)
        sample = fh.read(1 << 20)
    lines = sample.count(b"\n") or 1
    return max(1, chunk_size * len(sample) // lines)


def _ranges_from(run: _Run, file: str, source: RecordSource, chunk_size: int):
    """Where reading a file in byte ranges starts (its data, or where a checkpoint left it):
    offset, rows, lines and chunks before it, the case ids seen, the file's size, the step."""
    p = run.position
    start, first_lines = source.data_start
    pos = start if p["pos"] is None else p["pos"]
    rows, lines, chunks = p["rows"], first_lines if p["lines"] is None else p["lines"], p["chunks"]
    return pos, rows, lines, chunks, run.seen_ids(), os.path.getsize(file), range_bytes(source, chunk_size)


def _ranged_file(run: _Run, index: int, file: str, source: RecordSource, pool, token, aliases,
                 chunk_size: int) -> None:  # fmt: skip
    """Byte ranges read and evaluated by the workers; results joined here in order."""
    pos, rows, lines, chunks, seen, size, step = _ranges_from(run, file, source, chunk_size)
    read = (source.encoding, tuple(sorted((aliases or {}).items())))  # every worker reads as detected here

    render = run.render
    known = [pos, rows, lines]  # the last range boundary whose numbers are known
    counter = _LineCounter(file)

    def tasks():
        n, s = chunks, pos
        while s < size:
            e = min(s + step, size)
            # the numbers before the range, supposing each line from the last known
            # boundary on is one row: then the worker's lines are final and need no
            # renumbering here (it is checked as the range is consumed)
            ahead = counter.lines_between(known[0], line_start(file, s)) if s > known[0] else 0
            guess = (known[1] + ahead, known[2] + ahead)
            yield n, s, e, pool.submit(run_range, token, file, read, n, s, e, guess, None, render)
            n, s = n + 1, e

    for n, _s, e, future in _bounded(tasks(), 2 * pool.workers + 1):
        result = future.result()
        prior: dict[int, int] = {}
        while True:
            if result.start == pos:
                clash = {h: seen.first_row(h) for h in result.claims[0] if seen.first_row(h)}
                if not clash:
                    break
                prior.update(clash)
            # evaluate it again knowing what came before: the rows and lines before it,
            # and the ids of earlier ranges that it repeats
            result = pool.submit(run_range, token, file, read, n, pos, e, (rows, lines), prior, render).result()
        if result.base != (rows, lines):
            result.rendered = None  # numbered from a wrong guess: rendered again here
        renumber(result, rows, lines)
        for h, row in zip(*result.claims):
            seen.add_digest(h, row)
        pos, rows, lines = result.stop, rows + result.rows_read, result.lines
        known[:] = pos, rows, lines
        run.consume(file, result, _position(index, pos, rows, lines, n + 1), seen)


def _reject(file: str, r: Reject) -> dict:
    """A rejected row as reported; a workbook's also names its sheet and the row there (B25)."""
    out = {"file": file, "row": r.row, "reason": r.reason}
    if r.sheet is not None:
        out["sheet"], out["sheet_row"] = r.sheet, r.line
    return out


class _LineCounter:
    """Physical lines between two offsets of a file, counted by reading it forward (the
    audit process reads each byte once more; a worker reads its own range)."""

    def __init__(self, path: str):
        self.path = path
        self.at = self.count = 0  # lines in [0, at)
        self.memo: dict[int, int] = {0: 0}

    def lines_between(self, a: int, b: int) -> int:
        return self._before(b) - self._before(a)

    def _before(self, offset: int) -> int:
        if offset in self.memo:
            return self.memo[offset]
        if offset < self.at:  # a boundary behind the count, never asked for: count afresh
            self.at = self.count = 0
        with open(self.path, "rb") as fh:
            fh.seek(self.at)
            while self.at < offset:
                block = fh.read(min(1 << 20, offset - self.at))
                if not block:
                    break
                self.count += block.count(b"\n")
                self.at += len(block)
        if len(self.memo) > 64:  # only recent boundaries are asked for again
            self.memo = dict(list(self.memo.items())[-32:])
        self.memo[offset] = self.count
        return self.count


def engine_report(base: RuleBase, calendar, as_of: dt.date) -> list[str]:
    """What `--engine columns` says: which case strata of the packs run as column
    expressions, and why the others stay on the Rete engine."""
    from ..run.columns import ColumnPlan

    plan = ColumnPlan(CompiledProgram(compile_rules(base)), Context(calendar, as_of))
    if plan.complete:
        return [f"columns: all {len(plan.strata)} case strata run as column expressions"]
    return [f"columns: {len(plan.strata)} case strata run as column expressions",
            *(f"columns: {reason}" for reason in plan.reasons)]  # fmt: skip


def _columns_complete(token: str, spec: bytes) -> bool:
    plan = getattr(worker_program(token, spec)[0], "column_plan", None)
    return plan is not None and plan.complete


def _engine(engine: str) -> str:
    from ..run.columns import ENGINES

    if engine not in ENGINES:
        raise XukeError(f"unknown engine {engine!r} (expected one of: {', '.join(ENGINES)})")
    return engine


def _fingerprint(base: RuleBase, files, calendar, as_of, encoding, sheet, aliases, severity) -> str:
    """What decides an audit's findings, apart from the contents of the inputs."""
    import json

    # the rules as JSON: pickle's bytes depend on which equal strings are one object (a
    # parse and a cached parse share them differently), JSON's do not
    ir = json.dumps(compile_rules(base), sort_keys=True, ensure_ascii=False).encode()
    data = pickle.dumps((files, calendar, as_of, encoding, sheet, sorted((aliases or {}).items()),
                         sorted((severity or {}).items())), protocol=4)  # fmt: skip
    return hashlib.sha256(ir + b"\0" + data).hexdigest()


def _render_jsonl(findings) -> bytes:
    from ..reports.jsonout import render_jsonl

    return render_jsonl(findings)


MAX_UNKNOWN_COLUMNS = 200  # listed per file; `"more": true` says some were left out


def _unknown_columns(files, from_headers: dict, from_rows: dict, more: dict) -> list[dict]:
    """Each file's columns that map to no record field, reported once: the header's in
    its order, then (JSONL) keys met only in later lines, sorted so that the chunking does
    not change the order. They are kept in the rows (`extra`) but no rule reads them, so
    a misspelt alias shows up here."""
    out = []
    for file in files:
        header = from_headers.get(file, [])
        columns = [*header, *sorted(set(from_rows.get(file, ())).difference(header))]
        if columns:
            entry = {"file": file, "columns": columns[:MAX_UNKNOWN_COLUMNS]}
            if len(columns) > MAX_UNKNOWN_COLUMNS or more.get(file):
                entry["more"] = True
            out.append(entry)
    return out


def _count(by_rule: dict, findings) -> None:
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
