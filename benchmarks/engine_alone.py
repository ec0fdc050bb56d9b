"""The engine alone: records/s of xuke's compiled rules next to a bare, hand-written
durable_rules program over the same records, with the ratio.

    . .venv/bin/activate
    python benchmarks/engine_alone.py --records 20000

The records are read and normalised first (not timed); then each contender evaluates
every record in its own session and reports its rule ids, which are checked against
xuke's record by record:

- 20 alpha rules (one record pattern, constant tests: benchmarks/alpha20.rules) in xuke,
  and the same 20 conditions in durable.lang (benchmarks/baselines.py): like for like;
- the standard packs in xuke (38 record rules: the clock derived in rules, findings as
  facts, four strata, traces), and the bare durable_rules program of the same conditions
  (the clock and the dates computed in Python, 23 rules of constant tests);
- and, for scale, the plain-Python loop (fixtures/approvals/oracle.py).

A script to run and read, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
from audit_scale import AS_OF, generate, machine  # noqa: E402
from xuke.domain.calendar import WorkCalendar  # noqa: E402
from xuke.ir.compiler import compile_rules  # noqa: E402
from xuke.jobs.loader import STANDARD_RULES, load  # noqa: E402
from xuke.run.runtime import CompiledProgram, Context, input_fact  # noqa: E402
from xuke.sources.records import RecordSource, Row  # noqa: E402


def xuke(paths):
    program = CompiledProgram(compile_rules(load(paths)))
    ctx = Context(WorkCalendar.load(), AS_OF)

    def case(row: Row) -> list[str]:
        found = program.run_case([input_fact("record", row.values, file="bench", row=row.row)], ctx).findings
        return sorted(f.rule for f in found)

    return case


def timed(case, rows) -> tuple[float, list]:
    for row in rows[:300]:  # warm the caches
        case(row)
    started = time.perf_counter()
    out = [case(row) for row in rows]
    return len(rows) / (time.perf_counter() - started), out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=20000)
    p.add_argument("--workdir", default="/tmp/xuke-bench")
    a = p.parse_args(argv)
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rows = [x for x in RecordSource(generate(a.records, workdir)) if isinstance(x, Row)]
    print(f"machine: {machine()}")
    print(f"command: python {' '.join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])])}")
    print(f"{len(rows):,} records (normalised in advance), one process\n")
    header = f"{'rules':<16} {'contender':<26} {'records/s':>10} {'xuke / it':>10}  same findings"
    print(header)
    print("-" * len(header))
    alpha = baselines.BareDurableAlpha20()
    std = baselines.BareDurable(AS_OF)
    plain = baselines.PlainPython(AS_OF)
    groups = [
        ("20 alpha rules", xuke([HERE / "alpha20.rules"]),
         [("bare durable_rules", lambda r: alpha.case(r.values))]),
        ("standard packs", xuke([STANDARD_RULES]),
         [("bare durable_rules (flat)", lambda r: std.case(r.values)),
          ("plain Python (oracle)", lambda r: plain.case(r.values))]),
    ]  # fmt: skip
    for title, mine, others in groups:
        rate, want = timed(mine, rows)
        print(f"{title:<16} {'xuke':<26} {rate:>10,.0f} {'':>10}  {sum(map(len, want)):,} findings")
        for name, case in others:
            theirs, got = timed(case, rows)
            same = "yes" if got == want else f"NO ({sum(g != w for g, w in zip(got, want))} records differ)"
            print(f"{'':<16} {name:<26} {theirs:>10,.0f} {rate / theirs:>10.2f}  {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
