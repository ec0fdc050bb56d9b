"""Audits at scale: rows/s and peak memory of xuke and of the alternatives, in one run.

    . .venv/bin/activate
    python benchmarks/audit_scale.py --rows 100000 --rows 1000000

For each row count it generates an export with fixtures/approvals/generate.py (UTF-8 CSV,
the same rows and messy formats as the GBK sample; DuckDB cannot read GBK), then runs each
contender in a fresh process and measures the wall time of that process (start-up
included), the peak resident memory of its whole process tree (sampled every 20 ms; "max
proc" is the largest single process), the CPU seconds the tree used, and the share of the
machine's CPU that other processes took meanwhile ("others": on a shared machine, what
slowed the run down; compare speed-ups only between runs where it is near 0):

- xuke, 1 process; xuke, all cores (--jobs N); xuke on a Dask LocalCluster of N workers:
  the standard packs, findings written as JSONL, as `xuke audit --format jsonl` does;
- a bare durable_rules program, a plain-Python loop, DuckDB SQL: the same conditions
  (benchmarks/baselines.py). The Python ones read the export with xuke's reader (the
  same normalisation and rejects) and write (case, row, rule) lines; DuckDB normalises in
  SQL and writes its findings as CSV.

Each contender's findings per rule are checked against xuke's before its speed is shown.
This is a script to run and read, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 12, 31)
SEED = 20251231
CONTENDERS = ("xuke-1", "xuke-N", "xuke-dask", "xuke-rete", "durable", "python", "duckdb")


# ---- in the child: one contender ----


def run_contender(name: str, data: str, out: str, jobs: int, chunk: int) -> dict:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    if name.startswith("xuke"):
        from xuke.domain.calendar import WorkCalendar
        from xuke.jobs.audit import audit_files
        from xuke.jobs.loader import STANDARD_RULES, load
        from xuke.reports.jsonout import copy_jsonl, render_jsonl

        executor = "dask" if name == "xuke-dask" else "local"
        engine = "rete" if name == "xuke-rete" else "auto"
        # as `xuke audit --format jsonl -o OUT` does: the lines rendered as the chunks come in
        result = audit_files(load([STANDARD_RULES]), [data], WorkCalendar.load(), AS_OF, jobs=jobs,
                             chunk_size=chunk, executor=executor, engine=engine, render=render_jsonl)  # fmt: skip
        copy_jsonl(out, result.rendered)
        summary = result.summary
        result.close()
        return {"rows": summary["rows_read"], "findings": summary["findings_by_rule"]}
    import baselines

    if name == "duckdb":
        # DuckDB cannot read GBK: it reads the UTF-8 twin of the export (not timed: in its favour)
        utf8 = Path(data).with_suffix(".utf8.csv")
        counts = baselines.duckdb_audit(str(utf8) if utf8.exists() else data, AS_OF, out)
        return {"rows": None, "findings": counts}
    import orjson
    from xuke.sources.records import RecordSource, Reject

    contender = baselines.BareDurable(AS_OF) if name == "durable" else baselines.PlainPython(AS_OF)
    counts: dict[str, int] = {}
    rows = 0
    with open(out, "wb") as fh:
        for item in RecordSource(data):
            rows += 1
            if isinstance(item, Reject):
                continue
            rules = contender.case(item.values)
            if rules:
                case = item.values["case_id"]
                fh.write(
                    b"".join(
                        orjson.dumps({"case_id": case, "row": item.row, "rule": r}) + b"\n" for r in rules
                    )
                )
                for r in rules:
                    counts[r] = counts.get(r, 0) + 1
        for department, rule in contender.finish():
            fh.write(orjson.dumps({"department": department, "rule": rule}) + b"\n")
            counts[rule] = counts.get(rule, 0) + 1
    return {"rows": rows, "findings": counts}


# ---- in the parent: measure each contender's process ----


def measure(cmd: list[str]) -> dict:
    import psutil

    busy_before = _busy(psutil.cpu_times())
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    peak_tree = peak_one = 0
    cpu: dict[int, float] = {}  # CPU seconds of each process of the tree, as last seen
    done = threading.Event()

    def sample():
        nonlocal peak_tree, peak_one
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            total = 0
            for p in procs:
                try:
                    with p.oneshot():
                        rss = p.memory_info().rss
                        times = p.cpu_times()
                except psutil.Error:
                    continue
                cpu[p.pid] = times.user + times.system
                total += rss
                peak_one = max(peak_one, rss)
            peak_tree = max(peak_tree, total)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    busy = _busy(psutil.cpu_times()) - busy_before
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr.decode(errors='replace')[-3000:]}")
    out = json.loads(stdout.decode().strip().splitlines()[-1])
    # the CPU other processes used meanwhile, as a share of the machine: what made this
    # run slower than it would be on a machine of its own
    others = max(0.0, busy - sum(cpu.values())) / (wall * (psutil.cpu_count() or 1))
    out.update(wall=wall, peak_tree=peak_tree, peak_one=peak_one, cpu=sum(cpu.values()), others=others)
    return out


def _busy(times) -> float:
    return times.user + times.nice + times.system + getattr(times, "irq", 0) + getattr(times, "softirq", 0)


def generate(rows: int, workdir: Path, encoding: str = "utf-8") -> Path:
    """The export at `rows` rows; a GBK one gets a UTF-8 twin beside it, for DuckDB."""
    path = workdir / (f"approvals-{rows}.csv" if encoding == "utf-8" else f"approvals-{rows}-{encoding}.csv")
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        subprocess.run([sys.executable, str(ROOT / "fixtures" / "approvals" / "generate.py"), "--seed", str(SEED),
                        "--rows", str(rows), "--format", "csv", "--encoding", encoding, "--out", str(tmp),
                        "--jobs", str(os.cpu_count() or 1)], check=True)  # fmt: skip
        tmp.rename(path)
    twin = path.with_suffix(".utf8.csv")
    if encoding != "utf-8" and not twin.exists():
        twin.write_bytes(path.read_bytes().decode("gb18030").encode("utf-8"))
    return path


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            mem = int(fh.readline().split()[1]) // 1024 // 1024
    except (OSError, ValueError, IndexError):
        mem = "?"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores ({cpu}), {mem} GB RAM, Python {platform.python_version()}, {platform.system()}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, action="append", help="rows to generate (repeatable; default 100000)")
    p.add_argument(
        "--jobs", type=int, default=None, help="processes for xuke-N and xuke-dask (default: cores)"
    )
    p.add_argument("--chunk-size", type=int, default=None, help="default: xuke's own (by engine)")
    p.add_argument("--encoding", choices=("gbk", "utf-8"), default="gbk",
                   help="the export's encoding (default gbk, as government systems write them)")
    p.add_argument("--only", help=f"comma-separated contenders (default: all of {', '.join(CONTENDERS)})")
    p.add_argument("--repeat", type=int, default=1, help="runs of each contender; the fastest is shown")
    p.add_argument("--workdir", default="/tmp/xuke-bench", help="where inputs and outputs go (reused)")
    p.add_argument("--contender", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    jobs = a.jobs or (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    if a.contender:
        n = 1 if a.contender in ("xuke-1", "xuke-rete") else jobs
        print(json.dumps(run_contender(a.contender, a.data, a.out, n, a.chunk_size)))
        return 0
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = a.only.split(",") if a.only else list(CONTENDERS)
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} at start")
    print(f"command: python {' '.join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])])}")
    for rows in a.rows or [100_000]:
        data = generate(rows, workdir, a.encoding)
        print(f"\n{rows:,} rows ({data.stat().st_size / 1e6:.0f} MB {a.encoding} CSV), --jobs {jobs}, "
              f"--chunk-size {a.chunk_size or 'default'}, best of {max(1, a.repeat)}")  # fmt: skip
        header = (f"{'contender':<12} {'wall s':>8} {'rows/s':>9} {'x xuke-1':>9} {'peak MB':>8} {'max proc MB':>11} "
                  f"{'CPU s':>7} {'others':>7}  findings")  # fmt: skip
        print(header)
        print("-" * len(header))
        results = {}
        for name in chosen:
            out = workdir / f"out-{rows}-{name}"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--contender", name, "--data", str(data),
                   "--out", str(out), "--jobs", str(jobs)]  # fmt: skip
            if a.chunk_size:
                cmd += ["--chunk-size", str(a.chunk_size)]
            runs = []
            for _ in range(max(1, a.repeat)):
                runs.append(measure(cmd))
                if a.repeat > 1:
                    print(
                        f"  ({name}: {runs[-1]['wall']:.1f} s, others {runs[-1]['others']:.0%})", flush=True
                    )
            # others only ever slow a run down: the fastest is the best estimate
            r = results[name] = min(runs, key=lambda x: x["wall"])
            rate = rows / r["wall"]
            ref = results.get("xuke-1")
            ratio = f"{rate / (rows / ref['wall']):.2f}" if ref else "-"
            same = (
                "-"
                if ref is None or ref is r
                else ("same" if r["findings"] == ref["findings"] else "DIFFERENT")
            )
            if ref is r:
                same = f"{sum(r['findings'].values()):,}"
            print(f"{name:<12} {r['wall']:>8.1f} {rate:>9,.0f} {ratio:>9} {r['peak_tree'] / 2**20:>8.0f} "
                  f"{r['peak_one'] / 2**20:>11.0f} {r['cpu']:>7.1f} {r['others']:>7.0%}  {same}", flush=True)  # fmt: skip
            if same == "DIFFERENT":
                diff = {k: (r["findings"].get(k), ref["findings"].get(k))
                        for k in set(r["findings"]) | set(ref["findings"])
                        if r["findings"].get(k) != ref["findings"].get(k)}  # fmt: skip
                print(f"    differs from xuke-1 (theirs, xuke's): {diff}")
        x1 = results.get("xuke-1")
        for name in ("duckdb", "python", "durable", "xuke-rete", "xuke-N"):
            if x1 and name in results:
                print(f"xuke-1 is {results[name]['wall'] / x1['wall']:.2f}x {name}" if name != "xuke-N"
                      else f"xuke-N is {x1['wall'] / results[name]['wall']:.2f}x xuke-1")  # fmt: skip
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
