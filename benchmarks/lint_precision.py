"""Precision and recall of the documents pack over the hand-labelled policy fixtures.

    python benchmarks/lint_precision.py            # the hand-labelled fixture drafts
    python benchmarks/lint_precision.py --real     # the real corpus (benchmarks/lint_real.py)

Lints every draft in fixtures/policies/ with the standard packs and compares each finding
with the labels in NAME.expected.yaml: a clause finding matches a label with the same file,
rule and line; a finding on the document as a whole (DOC-30-GUIDE, labelled line: null)
matches by file, rule and the element it names. Prints one row per rule: labelled, found
(labelled and reported), missed, false alarms (reported, not labelled), and the traps
(look-alikes that must stay silent) that stayed silent.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xuke.domain.calendar import WorkCalendar  # noqa: E402
from xuke.jobs.lint import lint_files  # noqa: E402
from xuke.jobs.loader import load  # noqa: E402

FIXTURES = ROOT / "fixtures" / "policies"


def finding_key(f) -> tuple:
    if f.rule == "DOC-30-GUIDE":
        m = re.search(r"缺少要素「(.+?)」", f.message)
        return (Path(f.file).name, f.rule, "element", m.group(1) if m else None)
    return (Path(f.file).name, f.rule, "line", f.line)


def label_key(file: str, e: dict) -> tuple:
    if e["line"] is None:
        return (file, e["rule"], "element", e.get("element"))
    return (file, e["rule"], "line", e["line"])


def measure():
    labels, traps = set(), []
    for path in sorted(FIXTURES.glob("*.expected.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        labels |= {label_key(doc["file"], e) for e in doc["findings"]}
        traps += [(doc["file"], t["line"], rule) for t in doc.get("traps", []) for rule in t["not"]]
    drafts = sorted(p for p in FIXTURES.iterdir() if p.is_file() and p.suffix in (".txt", ".md", ".docx")
                    and p.name.lower() != "readme.md")  # the real corpus (real/) has its own benchmark
    result = lint_files(load([ROOT / "rules"]), drafts, WorkCalendar.load(), as_of=dt.date(2025, 12, 31))
    found = Counter(finding_key(f) for f in result.findings)
    duplicates = {k for k, n in found.items() if n > 1}
    reported = set(found)
    fired = {(Path(f.file).name, f.line, f.rule) for f in result.findings}
    rules = sorted({k[1] for k in labels | reported} | {t[2] for t in traps})
    rows = []
    for rule in rules:
        lab = {k for k in labels if k[1] == rule}
        rep = {k for k in reported if k[1] == rule}
        tr = [t for t in traps if t[2] == rule]
        rows.append((rule, len(lab), len(lab & rep), len(lab - rep), len(rep - lab), len(tr),
                     sum(1 for t in tr if t not in fired)))  # fmt: skip
    return rows, duplicates


def main() -> int:
    if "--real" in sys.argv[1:]:  # the real corpus: per-rule recall and precision by split
        import lint_real

        return lint_real.main([a for a in sys.argv[1:] if a != "--real"])
    rows, duplicates = measure()
    head = ("rule", "labelled", "found", "missed", "false alarms", "traps", "traps silent")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")
    total = [sum(r[i] for r in rows) for i in range(1, len(head))]
    print("| **total** | " + " | ".join(str(v) for v in total) + " |")
    lab, hit, _, false, _, _ = total
    precision = hit / (hit + false) if hit + false else 1.0
    recall = hit / lab if lab else 1.0
    print(f"\nprecision {precision:.3f}, recall {recall:.3f}; findings reported twice: {len(duplicates)}")
    return 0 if precision == recall == 1.0 and not duplicates else 1


if __name__ == "__main__":
    sys.exit(main())
