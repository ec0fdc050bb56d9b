"""One entry point for every output format, so `audit`, `lint` and `check` offer the same
formats with the same meaning. `-` is standard output."""
from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ..findings import Finding
from . import RuleMeta

FORMATS = ("text", "json", "jsonl", "csv", "sarif", "github")


def emit(fmt: str, out: str, findings: Iterable[Finding], summary: Mapping[str, Any] | None,
         rules_meta: Mapping[str, RuleMeta] | None, job: str = "audit", base_dir: str | None = None) -> None:  # fmt: skip
    if fmt == "jsonl":
        from .jsonout import JsonlWriter

        # streamed: the findings arrive in sorted order, chunk by chunk
        with JsonlWriter(out) as writer:
            batch: list = []
            for f in findings:
                batch.append(f)
                if len(batch) >= 5000:
                    writer.write(batch)
                    batch = []
            writer.write(batch)
        return
    if fmt != "text":
        findings = list(findings)
    if fmt == "json":
        from .jsonout import write_json

        write_json(out, findings, summary)
    elif fmt == "csv":
        from .csvout import write_csv

        write_csv(out, findings)
    elif fmt == "sarif":
        from .sarif import write_sarif

        write_sarif(out, findings, rules_meta, base_dir=base_dir)
    elif fmt == "github":
        from .github import write_github

        write_github(out, findings, base_dir=base_dir)
    else:
        _text(out, findings, summary, rules_meta, job)


def _text(out, findings, summary, rules_meta, job) -> None:
    from rich.console import Console

    from . import text
    from .atomic import atomic_write

    def render(console):
        if job == "lint":
            text.lint_report(console, findings, rules_meta, summary)
        else:
            text.audit_report(console, findings, summary, rules_meta)  # aggregates as it reads

    if out == "-":
        render(Console(file=sys.stdout))
        return
    buf = io.StringIO()
    render(Console(file=buf, no_color=True, width=120))
    atomic_write(out, lambda fh: fh.write(buf.getvalue()))
