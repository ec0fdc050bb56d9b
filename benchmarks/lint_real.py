"""Recall and false alarms of the documents pack on real text (fixtures/policies/real/).

    python benchmarks/lint_real.py                 # the tables for docs/documents.md
    python benchmarks/lint_real.py --split dev     # only the cases and documents of one split
    python benchmarks/lint_real.py --misses        # also list each missed case and each false alarm

Part A (cases.yaml): each quoted offending clause becomes a small .txt document, built the
same way for every case: the document's title, its 文号 and its issuer, each on a line of its
own when the case names them (in that order), then the clause on the last line. No kind is
passed: the reader must tell the kind from the title, 文号 and issuer, as it would for a
real draft. A case is *found* when a finding on the clause's line has one of its labelled
rules; per rule, a labelled case is found when that rule fires on the clause line. A
finding on the clause line with a rule the case is not labelled with is counted as
*unlabelled* (it counts against precision: the labels list what the published case found).
Cases labelled only OTHER are left out, as the corpus README says.

Part B (lawful.yaml): the real lawful documents are linted as they are; every finding is a
false alarm (their labels are `findings: []`). Reported per rule and per 20,000 characters
of text (the characters of the .txt files).

DOC-KIND-UNKNOWN is counted on both parts: a real document whose kind is not told was not
reviewed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xuke.domain.calendar import WorkCalendar  # noqa: E402
from xuke.jobs.lint import lint_files  # noqa: E402
from xuke.jobs.loader import load  # noqa: E402

REAL = ROOT / "fixtures" / "policies" / "real"
KIND_UNKNOWN = "DOC-KIND-UNKNOWN"


def case_document(case: dict) -> tuple[str, int]:
    """The text of the small document a case becomes, and the line of its clause."""
    lines = []
    for key in ("document", "doc_number", "issuer"):
        if case.get(key):
            lines.append(str(case[key]))
    lines.append(case["clause"])
    return "\n".join(lines) + "\n", len(lines)


def load_corpus(split: str | None):
    cases = yaml.safe_load((REAL / "cases.yaml").read_text(encoding="utf-8"))["cases"]
    lawful = yaml.safe_load((REAL / "lawful.yaml").read_text(encoding="utf-8"))["documents"]
    if split:
        cases = [c for c in cases if c["split"] == split]
        lawful = [d for d in lawful if d["split"] == split]
    cases = [c for c in cases if set(c["rules"]) - {"OTHER"}]
    return cases, lawful


def run(split: str | None = None, packs=None):
    cases, lawful = load_corpus(split)
    base = load([packs or ROOT / "rules"])
    calendar = WorkCalendar.load()
    with tempfile.TemporaryDirectory() as tmp:
        where: dict[str, tuple[dict, int]] = {}
        for case in cases:
            text, line = case_document(case)
            path = Path(tmp) / f"{case['id']}.txt"
            path.write_text(text, encoding="utf-8")
            where[path.name] = (case, line)
        result = lint_files(base, [tmp], calendar, as_of=dt.date(2026, 12, 1))
        case_findings = defaultdict(list)
        for f in result.findings:
            case_findings[Path(f.file).name].append(f)
    lawful_result = lint_files(base, [REAL / d["file"] for d in lawful], calendar, as_of=dt.date(2026, 12, 1))
    return cases, lawful, where, case_findings, lawful_result


def measure(split: str | None = None, packs=None) -> dict:
    cases, lawful, where, case_findings, lawful_result = run(split, packs)
    per_rule = defaultdict(lambda: {"labelled": 0, "found": 0, "unlabelled": 0})
    found_cases, missed, unknown_cases, stray = 0, [], 0, []
    for name, (case, line) in where.items():
        labelled = set(case["rules"]) - {"OTHER"}
        on_line = {f.rule for f in case_findings[name] if f.line == line}
        if any(f.rule == KIND_UNKNOWN for f in case_findings[name]):
            unknown_cases += 1
        for rule in labelled:
            per_rule[rule]["labelled"] += 1
            per_rule[rule]["found"] += rule in on_line
        for rule in on_line - labelled - {KIND_UNKNOWN}:
            per_rule[rule]["unlabelled"] += 1
        if on_line & labelled:
            found_cases += 1
        else:
            missed.append((case["id"], case["split"], sorted(labelled), sorted(on_line), case["clause"]))
        stray += [(case["id"], f.rule, f.line) for f in case_findings[name] if f.line != line and f.rule != KIND_UNKNOWN]
    chars = sum(len((REAL / d["file"]).read_text(encoding="utf-8")) for d in lawful)
    false_alarms = [f for f in lawful_result.findings if f.rule != KIND_UNKNOWN]
    lawful_unknown = sum(1 for f in lawful_result.findings if f.rule == KIND_UNKNOWN)
    return {
        "split": split or "all",
        "cases": len(cases),
        "found": found_cases,
        "recall": found_cases / len(cases) if cases else 1.0,
        "per_rule": dict(per_rule),
        "missed": missed,
        "stray": stray,
        "unknown_cases": unknown_cases,
        "lawful_docs": len(lawful),
        "lawful_chars": chars,
        "false_alarms": false_alarms,
        "false_by_rule": Counter(f.rule for f in false_alarms),
        "per_20k": len(false_alarms) * 20000 / chars if chars else 0.0,
        "lawful_unknown": lawful_unknown,
    }


def table(results: list[dict]) -> str:
    rules = sorted({r for m in results for r in m["per_rule"]} | {r for m in results for r in m["false_by_rule"]})
    head = ["rule"]
    for m in results:
        s = m["split"]
        head += [f"{s}: found/labelled", f"{s}: unlabelled", f"{s}: lawful false alarms"]
    head += ["recall", "precision"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rule in rules:
        row = [rule]
        for m in results:
            r = m["per_rule"].get(rule, {"labelled": 0, "found": 0, "unlabelled": 0})
            row += [f"{r['found']}/{r['labelled']}" if r["labelled"] else "–", str(r["unlabelled"]),
                    str(m["false_by_rule"].get(rule, 0))]  # fmt: skip
        # over the last result (the whole corpus when no split is chosen): recall over the labelled
        # cases; precision over every finding of the rule on a clause line or a lawful document
        r = results[-1]["per_rule"].get(rule, {"labelled": 0, "found": 0, "unlabelled": 0})
        fired = r["found"] + r["unlabelled"] + results[-1]["false_by_rule"].get(rule, 0)
        row += [f"{r['found'] / r['labelled']:.2f}" if r["labelled"] else "–",
                f"{r['found'] / fired:.2f}" if fired else "–"]  # fmt: skip
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


def summary(m: dict) -> str:
    return (f"{m['split']}: cases found at the right line {m['found']}/{m['cases']} (recall {m['recall']:.3f}); "
            f"unlabelled findings on clause lines {sum(r['unlabelled'] for r in m['per_rule'].values())}; "
            f"findings on other lines {len(m['stray'])}; "
            f"lawful: {len(m['false_alarms'])} false alarms in {m['lawful_chars']:,} characters of "
            f"{m['lawful_docs']} documents ({m['per_20k']:.2f} per 20,000); "
            f"DOC-KIND-UNKNOWN on {m['unknown_cases']} case documents and {m['lawful_unknown']} lawful documents")  # fmt: skip


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "test"))
    ap.add_argument("--misses", action="store_true", help="list missed cases and false alarms")
    args = ap.parse_args(argv)
    splits = [args.split] if args.split else ["dev", "test", None]
    results = [measure(s) for s in splits]
    print(table(results))
    print()
    for m in results:
        print(summary(m))
    if args.misses:
        m = results[-1]
        print("\nmissed:")
        for cid, split, labelled, fired, clause in m["missed"]:
            print(f"  {cid} [{split}] labelled {labelled} fired {fired}: {clause[:90]}")
        print("\nfalse alarms on lawful documents:")
        for f in m["false_alarms"]:
            print(f"  {Path(f.file).name}:{f.line} {f.rule}: {(f.text or '')[:90]}")
        print("\nfindings on other lines of case documents:")
        for cid, rule, line in m["stray"]:
            print(f"  {cid}:{line} {rule}")
    whole = results[-1]
    ok = whole["recall"] >= 0.85 and whole["per_20k"] <= 1.0 and whole["unknown_cases"] + whole["lawful_unknown"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
