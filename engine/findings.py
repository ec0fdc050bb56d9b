"""The finding: what every reporter prints, whatever the output format (DESIGN.md, Findings)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .domain.schema import SEVERITIES

# a record's dates that findings carry (RULES.md field names)
DATE_FIELDS = ("received_at", "accepted_at", "decided_at")


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
    # structured values the rule attached (`report ... with (name: expr)`), in the rule's order
    data: dict[str, Any] | None = None
    # offending words inside `text` (for highlighting and SARIF regions), when known
    span: tuple[int, int] | None = None
    # when the subject is a derived fact (e.g. one missing element of a guide), what tells
    # it apart from its siblings on the same input: part of the fingerprint
    subject: str | None = None
    trace: dict[str, Any] = field(default_factory=dict)
    # a record's dates (ISO YYYY-MM-DD, or None), so that a trend by month needs no
    # join back to the export
    received_at: str | None = None
    accepted_at: str | None = None
    decided_at: str | None = None
    # set when a report is made against a history database (xuke.history.changes):
    # {"status": "new" | "open" | "escalated", "since_run": N, "since": DATE, "runs": N}
    history: dict[str, Any] | None = None
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
        raw = f"{self.rule}\x1f{self.file}\x1f{self._subject_key()}"
        self.__dict__["_fingerprint"] = fp = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
        return fp

    def series_key(self) -> str:
        """The finding's identity across the runs of a series (xuke.history): the rule and
        the subject (the case id, the summary group, or the clause), like the fingerprint
        but without the file name, since each month's export has a new one. Never the
        message or the row number."""
        cached = self.__dict__.get("_series_key")
        if cached is None:
            raw = f"{self.rule}\x1f{self._subject_key()}"
            cached = self.__dict__["_series_key"] = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
        return cached

    def _subject_key(self) -> str:
        if self.case_id is not None:
            subject = f"case:{self.case_id}"
        elif self.group is not None:
            subject = "group:" + "|".join(f"{k}={v}" for k, v in sorted(self.group.items()))
        else:
            subject = f"text:{self.article or ''}:{' '.join((self.text or '').split())}"
        if self.subject:
            subject += f"\x1f{self.subject}"
        return subject

    def month(self) -> str | None:
        """YYYY-MM the case was received (for trends by month), when known."""
        return self.received_at[:7] if self.received_at else None

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
        for key in ("case_id", "row", "line", "article", "text", "group", "data", *DATE_FIELDS, "history"):
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
