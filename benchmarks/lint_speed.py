"""Time to lint a long draft: ~3000 lines (a 100-page 规范性文件) made by repeating the
clauses of the fixture drafts, with the standard packs.

    python benchmarks/lint_speed.py [--lines 3000]

Prints the lines and clauses of the generated draft, the findings, the seconds to load and
compile the packs, the seconds lint_files takes (reading, then one engine session), and the
wall time of the whole command a legal officer runs (`xuke lint DRAFT`, start-up included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xuke.domain.calendar import WorkCalendar  # noqa: E402
from xuke.ir.compiler import compile_rules  # noqa: E402
from xuke.jobs.lint import lint_files  # noqa: E402
from xuke.jobs.loader import load  # noqa: E402
from xuke.run.runtime import CompiledProgram  # noqa: E402
from xuke.sources.documents import read_document  # noqa: E402

FIXTURES = ROOT / "fixtures" / "policies"
DRAFTS = (
    "gas_measures.txt",
    "food_measures_clean.txt",
    "construction_notice_gbk.txt",
    "outdoor_ads_rules.md",
)


def clause_texts() -> list[str]:
    out: list[str] = []
    for name in DRAFTS:
        out += [c.text for c in read_document(str(FIXTURES / name)).clauses]
    return out


def generate(lines: int) -> str:
    clauses = clause_texts()
    body = ["江州市燃气经营许可管理办法（长篇测试稿）", ""]
    i = 0
    while len(body) < lines:
        body.append(clauses[i % len(clauses)])
        i += 1
    return "\n".join(body) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long_draft.txt"
        path.write_text(generate(args.lines), encoding="utf-8")
        t0 = time.perf_counter()
        base = load([ROOT / "rules"])
        program = CompiledProgram(compile_rules(base))
        t1 = time.perf_counter()
        result = lint_files(base, [path], WorkCalendar.load(), program=program, as_of=dt.date(2025, 12, 31))
        t2 = time.perf_counter()
        command = [sys.executable, str(ROOT / "cli.py"), "lint", str(path), "-o", str(Path(tmp) / "report.txt")]
        t3 = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        t4 = time.perf_counter()
        if proc.returncode not in (0, 1):
            print(proc.stderr, file=sys.stderr)
            return 2
    print(
        f"draft: {args.lines} lines, {result.summary['clauses']} clauses, kind {result.documents[0]['kind']}"
    )
    print(f"findings: {len(result.findings)}")
    print(f"load + compile the packs: {t1 - t0:.2f} s")
    print(f"lint_files: {t2 - t1:.2f} s")
    print(f"xuke lint DRAFT (the whole command): {t4 - t3:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
