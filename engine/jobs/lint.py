"""Linting draft policy documents: each document is one engine session holding its
`document` fact and one `clause` fact per clause."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import XukeError
from ..ir.compiler import compile_rules
from ..lang.checker import RuleBase
from ..run.runtime import CompiledProgram, Context, input_fact
from ..sources.documents import read_document

DOCUMENT_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".doc", ".wps")


@dataclass
class LintResult:
    findings: list
    documents: list = field(default_factory=list)  # (file, title, kind, clauses)
    summary: dict = field(default_factory=dict)


def document_files(paths) -> list[Path]:
    """Drafts named, or inside named folders (README.md files are documentation, skipped)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in DOCUMENT_SUFFIXES
                              and q.name.lower() != "readme.md"))  # fmt: skip
        elif p.is_file():
            if p.suffix.lower() not in DOCUMENT_SUFFIXES:
                raise XukeError(f"{raw}: not a draft xuke can read (use .txt, .md, .docx, .pdf, .doc or .wps)")
            out.append(p)
        else:
            raise XukeError(f"{raw}: no such file or directory")
    return out


def lint_files(base: RuleBase, paths, calendar, kind=None, encoding=None, program=None,
               as_of: dt.date | None = None) -> LintResult:  # fmt: skip
    program = program or CompiledProgram(compile_rules(base))
    ctx = Context(calendar, as_of or dt.date.today())
    findings, documents = [], []
    for path in document_files(paths):
        doc = read_document(str(path), kind=kind, encoding=encoding)
        # a document-level finding (a missing element) has no line: it is about the whole text
        facts = [input_fact("document", doc.fact(), file=doc.file)]
        facts += [input_fact("clause", c.fact(), file=doc.file, line=c.line) for c in doc.clauses]
        findings.extend(program.run_case(facts, ctx).findings)
        documents.append({"file": doc.file, "title": doc.title, "kind": doc.kind, "kind_evidence": doc.kind_evidence,
                          "clauses": len(doc.clauses)})  # fmt: skip
    findings.sort(key=lambda f: f.sort_key())
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    by_kind: dict[str, int] = {}
    for d in documents:
        by_kind[d["kind"] or "未知"] = by_kind.get(d["kind"] or "未知", 0) + 1
    # every file read is counted, reviewed or not: a draft of unknown kind is never "clean"
    summary = {
        "documents": len(documents),
        "reviewed": sum(1 for d in documents if d["kind"]),
        "not_reviewed": [d["file"] for d in documents if not d["kind"]],
        "documents_by_kind": dict(sorted(by_kind.items())),
        "clauses": sum(d["clauses"] for d in documents),
        "findings": len(findings),
        "findings_by_rule": dict(sorted(by_rule.items())),
        "by_document": documents,
    }
    return LintResult(findings, documents, summary)
