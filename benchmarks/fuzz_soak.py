"""Long fuzz runs: the generators of tests/test_fuzz.py (and an end-to-end CLI target), for
minutes or hours instead of the ~20 s the test suite allows.

    . .venv/bin/activate
    python benchmarks/fuzz_soak.py --minutes 5                 # every target, time shared
    python benchmarks/fuzz_soak.py --minutes 60 --target rules-mutated --target rows
    python benchmarks/fuzz_soak.py --list

Each target runs hypothesis in batches (fresh random examples, no example database) until
its share of the time is used. A failure is shrunk by hypothesis, reported with its
falsifying example, saved under --out, and counted once per signature (exception type and
first line); the target then goes on. Failures whose signature matches a known, reported bug
(KNOWN below, each with an xfail test) are counted apart. Exit status: 1 if anything new
failed, else 0. The counts are what docs/reliability.md records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("XUKE_LANG", "en")

import test_fuzz as F  # noqa: E402  (the strategies and checks of the test suite)
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# signatures of failures already reported and still open, each with an xfail test. (B1,
# 'Integer exceeds 64-bit range', and B7, 'maximum recursion depth exceeded' in rule files,
# were fixed in 7681558: seen again, they are regressions and count as new.)
KNOWN = {
    "Recursion limit reached": "B2: JSONL value nested 255..1024 deep (test_hardening_inputs deep_extra_value)",
    "Could not create ruleset": "B17: 512 rules or alternatives in one ruleset (test_hardening_rules ENGINE_512)",
}

COUNTS: Counter = Counter()
WORK = Path(tempfile.mkdtemp(prefix="xuke-soak-"))


def _calendar():
    from xuke.domain.calendar import WorkCalendar

    return WorkCalendar.load()


CALENDAR = None


def _count(name: str) -> None:
    COUNTS[name] += 1


# ---- targets: name -> (strategy, body) ----


def t_rules_bytes(data):
    _count("rules-bytes")
    p = WORK / "b.rules"
    p.write_bytes(data)
    F.load_only_clean_errors(p)


def t_rules_text(text):
    _count("rules-text")
    p = WORK / "t.rules"
    p.write_text('pack fuzz "t"\n' + text, encoding="utf-8")
    F.load_only_clean_errors(p)


def t_rules_mutated(case):
    _count("rules-mutated")
    name, text = case
    p = WORK / name
    p.write_text(text, encoding="utf-8")
    if F.load_only_clean_errors(p) is not None:
        COUNTS["rules-mutated (loaded)"] += 1


def t_rules_run(case):
    from xuke.errors import XukeError
    from xuke.ir.compiler import compile_rules
    from xuke.jobs.testing import run_examples
    from xuke.run.runtime import CompiledProgram, Context, input_fact

    _count("rules-run")
    name, text = case
    p = WORK / f"run_{name}"
    p.write_text(text, encoding="utf-8")
    base = F.load_only_clean_errors(p)
    if base is None:
        return
    COUNTS["rules-run (loaded and ran)"] += 1
    try:
        run_examples(base, CALENDAR)
        program = CompiledProgram(compile_rules(base))
        ctx = Context(CALENDAR, dt.date(2025, 12, 31))
        for row in F._sample_rows():
            program.run_case([input_fact("record", row.values, file="small.jsonl", row=row.row)], ctx)
    except XukeError:
        pass


def t_rows(case):
    _count("rows")
    suffix, data = case
    p = WORK / f"rows{suffix}"
    p.write_bytes(data)
    items = F.read_all(p)
    if items:
        COUNTS["rows (rows read)"] += len(items)


def t_rows_plain(k, rows, eol, encoding):
    _count("rows-plain")
    header = ["办件编号", "申请时间", "承办部门", "收费金额", "备注"][:k]
    p = WORK / "plain.csv"
    p.write_bytes((",".join(header) + eol + eol.join(",".join(r) for r in rows) + eol).encode(encoding))
    items = F.read_all(p)
    if items is None:
        return
    expected = [i + 2 for i, r in enumerate(rows) if any(c.strip() for c in r)]
    assert [it.line for it in items] == expected


REUSE_AFTER_ERROR = False  # --reuse-after-error: reproduce B16 (a segfault after an exception)


def t_rows_eval(case):
    _count("rows-eval")
    suffix, data = case
    p = WORK / f"eval{suffix}"
    p.write_bytes(data)
    n = F.evaluate_rows(F.read_all(p), p, CALENDAR, reuse_after_error=REUSE_AFTER_ERROR)
    COUNTS["rows-eval (rows evaluated)"] += n


def t_rows_extreme(data):
    _count("rows-extreme")
    p = WORK / "extreme.jsonl"
    p.write_bytes(data)
    n = F.evaluate_rows(F.read_all(p), p, CALENDAR, reuse_after_error=REUSE_AFTER_ERROR)
    COUNTS["rows-extreme (rows evaluated)"] += n


def t_drafts(parts, suffix, encoding):
    from xuke.errors import InputError
    from xuke.sources.documents import read_document

    _count("drafts")
    p = WORK / f"draft{suffix}"
    p.write_bytes("".join(parts).encode(encoding, "replace"))
    try:
        doc = read_document(p)
    except InputError as e:
        assert str(e) and "\n" not in str(e)
        return
    for c in doc.clauses:
        assert c.line >= 1 and "\n" not in c.text


def t_drafts_bytes(data, suffix):
    from xuke.errors import InputError
    from xuke.sources.documents import read_document

    _count("drafts-bytes")
    p = WORK / f"bytes{suffix}"
    p.write_bytes(data)
    try:
        read_document(p)
    except InputError as e:
        assert str(e) and "\n" not in str(e)


def t_cli(case):
    """The real CLI on a random export: exit 2 with one line, or a reconciled report."""
    _count("cli")
    suffix, data = case
    p = WORK / f"cli{suffix}"
    p.write_bytes(data)
    out, rej = WORK / "cli.json", WORK / "cli.rejects"
    for q in (out, rej):
        q.unlink(missing_ok=True)
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(p), "--as-of", "2025-12-31",
                        "--format", "json", "-o", str(out), "--rejects", str(rej), "--jobs", "1"],
                       capture_output=True, text=True, timeout=120, cwd=WORK, env={**os.environ, "CI": "1"})  # fmt: skip
    if "Traceback" in r.stderr:
        raise AssertionError(r.stderr.strip().splitlines()[-1])
    if r.returncode == 2:
        assert len([x for x in r.stderr.splitlines() if x.strip()]) == 1, r.stderr
        return
    assert r.returncode in (0, 1), r.stderr
    s = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert s["rows_read"] == s["rows_evaluated"] + s["rows_rejected"], s
    n = len(rej.read_text(encoding="utf-8").splitlines()) if rej.exists() else 0
    assert n == s["rows_rejected"], (n, s)


PLAIN_ROWS = st.lists(st.lists(st.sampled_from(F.PLAIN), min_size=1, max_size=6), max_size=30)
DRAFT_PARTS = st.lists(st.one_of(st.sampled_from(F.DRAFT_BITS), st.text(max_size=8)), max_size=60)
ROWS = st.one_of(F.csv_files(), F.jsonl_files())

TARGETS = {
    "rules-bytes": (t_rules_bytes, {"data": st.binary(max_size=2000)}),
    "rules-text": (t_rules_text, {"text": st.text(max_size=400)}),
    "rules-mutated": (t_rules_mutated, {"case": F.mutated_pack()}),
    "rules-run": (t_rules_run, {"case": F.tweaked_pack()}),
    "rows": (t_rows, {"case": ROWS}),
    "rows-plain": (t_rows_plain, {"k": st.integers(2, 5), "rows": PLAIN_ROWS, "eol": st.sampled_from(["\n", "\r\n"]),
                                  "encoding": st.sampled_from(["utf-8", "gb18030"])}),
    "rows-eval": (t_rows_eval, {"case": ROWS}),
    "rows-extreme": (t_rows_extreme, {"data": F.plausible_exports(max_int=2**70)}),
    "drafts": (t_drafts, {"parts": DRAFT_PARTS, "suffix": st.sampled_from([".txt", ".md"]),
                          "encoding": st.sampled_from(["utf-8", "gb18030", "utf-8-sig", "utf-16"])}),
    "drafts-bytes": (t_drafts_bytes, {"data": st.binary(max_size=3000), "suffix": st.sampled_from([".txt", ".md", ".docx"])}),
    "cli": (t_cli, {"case": ROWS}),
}  # fmt: skip
# share of the time: the CLI target starts a process per example, so it gets more time
WEIGHTS = {"cli": 3, "rules-run": 2, "rules-mutated": 2}


def signature(exc: BaseException) -> str:
    while getattr(exc, "exceptions", None):  # FlakyFailure and other groups: the first cause
        exc = exc.exceptions[0]
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:160]}"


def known(sig: str) -> str | None:
    return next((why for needle, why in KNOWN.items() if needle in sig), None)


def run_target(name: str, seconds: float, batch: int, out: Path, failures: dict) -> None:
    body, strategies = TARGETS[name]
    test = settings(max_examples=batch, database=None, deadline=None, derandomize=False, print_blob=True,
                    phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))(
        given(**strategies)(body))  # fmt: skip
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            test()
        except Exception as e:  # a falsifying example, already shrunk
            sig = signature(e)
            key = (name, sig)
            failures.setdefault(key, 0)
            failures[key] += 1
            if failures[key] == 1:
                text = "".join(traceback.format_exception(e)) + "\n".join(getattr(e, "__notes__", []))
                path = out / f"{name}-{len(failures)}.txt"
                path.write_text(text, encoding="utf-8")
                why = known(sig)
                print(f"  {'known' if why else 'NEW'} failure in {name}: {sig}  -> {path}" + (f"  ({why})" if why else ""),
                      flush=True)  # fmt: skip


def main(argv=None) -> int:
    global CALENDAR, REUSE_AFTER_ERROR
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=5.0, help="total time (default: 5)")
    ap.add_argument("--target", action="append", choices=sorted(TARGETS), help="only these targets")
    ap.add_argument("--batch", type=int, default=200, help="examples per hypothesis run (default: 200)")
    ap.add_argument("--out", default=None, help="folder for failure reports (default: a temporary folder)")
    ap.add_argument("--list", action="store_true", help="list the targets and exit")
    ap.add_argument(
        "--reuse-after-error",
        action="store_true",
        help="rows-eval/rows-extreme: keep the compiled program after an exception (reproduces B16)",
    )
    args = ap.parse_args(argv)
    if args.list:
        for name, (body, _) in TARGETS.items():
            print(f"{name:14} {(body.__doc__ or '').strip().splitlines()[0] if body.__doc__ else ''}")
        return 0
    out = Path(args.out or tempfile.mkdtemp(prefix="xuke-soak-failures-"))
    out.mkdir(parents=True, exist_ok=True)
    CALENDAR = _calendar()
    REUSE_AFTER_ERROR = args.reuse_after_error
    targets = args.target or list(TARGETS)
    total = sum(WEIGHTS.get(t, 1) for t in targets)
    failures: dict = {}
    started = time.monotonic()
    for name in targets:
        share = args.minutes * 60 * WEIGHTS.get(name, 1) / total
        t0 = time.monotonic()
        before = COUNTS[name]
        print(f"{name}: {share:.0f} s", flush=True)
        run_target(name, share, args.batch if name != "cli" else max(5, args.batch // 20), out, failures)
        print(f"  {COUNTS[name] - before} cases in {time.monotonic() - t0:.0f} s", flush=True)
    print(f"\nsoak: {args.minutes:g} min requested, {time.monotonic() - started:.0f} s run "
          f"({dt.datetime.now().isoformat(timespec='seconds')}, {sys.platform}, Python {sys.version.split()[0]})")  # fmt: skip
    print("| target | cases | failures (distinct) |")
    print("|---|---:|---|")
    for name in targets:
        mine = {sig: n for (t, sig), n in failures.items() if t == name}
        desc = (
            "; ".join(f"{'known' if known(sig) else 'NEW'}: {sig} (x{n})" for sig, n in mine.items())
            or "none"
        )
        print(f"| {name} | {COUNTS[name]:,} | {desc} |")
    extra = {k: v for k, v in COUNTS.items() if "(" in k}
    for k, v in sorted(extra.items()):
        print(f"  {k}: {v:,}")
    new = [k for k in failures if not known(k[1])]
    print(f"failure reports: {out}" if failures else "no failures")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
