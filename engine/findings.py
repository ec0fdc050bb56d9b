"""The finding: what every reporter prints, whatever the output format (DESIGN.md, Findings)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .domain.schema import SEVERITIES


@dataclass
class Finding:
    rule: str
    severity: str
    title: str
    message: str
    cites: list[str]
    tags: list[str]
    file: str
    # subject: a record (case_id, row), a clause (line, article, text), a summary (group)
    case_id: str | None = None
    row: int | None = None
    line: int | None = None
    article: str | None = None
    text: str | None = None
    group: dict[str, Any] | None = None
    # offending words inside `text` (for highlighting and SARIF regions), when known
    span: tuple[int, int] | None = None
    # when the subject is a derived fact (e.g. one missing element of a guide), what tells
    # it apart from its siblings on the same input: part of the fingerprint
    subject: str | None = None
    trace: dict[str, Any] = field(default_factory=dict)
    # the matched facts themselves, kept only when explaining (never serialised)
    sources: list | None = field(default=None, repr=False, compare=False)

    def sort_key(self):
        # summary findings (a group, no row) come after every row finding: an audit
        # computes them once its last file is read (over all the files), so a streamed
        # report writes them last and is still in sorted order
        return (
            1 if self.group is not None else 0,
            self.file or "",
            self.row if self.row is not None else (self.line if self.line is not None else 0),
            str(sorted((self.group or {}).items())),
            self.rule,
            self.case_id or "",
        )

    def fingerprint(self) -> str:
        """Stable across runs and edits elsewhere in the file: no line or row numbers.
        Computed once (sorting and rendering each ask for it; the fields it reads are set
        when the finding is made, and never after it is reported)."""
        cached = self.__dict__.get("_fingerprint")
        if cached is not None:
            return cached
        if self.case_id is not None:
            subject = f"case:{self.case_id}"
        elif self.group is not None:
            subject = "group:" + "|".join(f"{k}={v}" for k, v in sorted(self.group.items()))
        else:
            subject = f"text:{self.article or ''}:{' '.join((self.text or '').split())}"
        if self.subject:
            subject += f"\x1f{self.subject}"
        raw = f"{self.rule}\x1f{self.file}\x1f{subject}"
        self.__dict__["_fingerprint"] = fp = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
        return fp

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "cites": list(self.cites),
            "tags": list(self.tags),
            "file": self.file,
        }
        for key in ("case_id", "row", "line", "article", "text", "group"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.span is not None:
            out["span"] = list(self.span)
        out["fingerprint"] = self.fingerprint()
        out["trace"] = self.trace
        return out


def severity_rank(severity: str) -> int:
    """0 for the most severe."""
    return SEVERITIES.index(severity)


def at_or_above(severity: str, threshold: str) -> bool:
    if threshold == "never":
        return False
    return severity_rank(severity) <= severity_rank(threshold)
