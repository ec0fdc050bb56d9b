"""Counts per rule, per department and per case, computed from findings alone.

The reporters use these instead of the runtime's own tallies so that a report can be
rebuilt from a findings file. `Aggregate` is incremental and bounded: an audit can feed
it chunk by chunk (and merge the aggregates of several workers) without keeping every
finding, as long as the findings of one case arrive together, which they do when each
chunk is sorted with `Finding.sort_key` (a case is one row).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..domain.schema import SEVERITIES
from ..findings import Finding
from . import RuleMeta

NO_DEPARTMENT = "（未注明部门）"
CITE_SEPARATOR = "；"


def severity_rank(severity: str | None) -> int:
    """0 for the most severe; an unknown severity sorts after every known one instead of raising."""
    try:
        return SEVERITIES.index(severity)  # type: ignore[arg-type]
    except ValueError:
        return len(SEVERITIES)


def join_cites(cites: Iterable[str]) -> str:
    return CITE_SEPARATOR.join(c for c in cites if c)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    # the fingerprint breaks ties that sort_key leaves (two clauses on one line), so the
    # order never depends on the order the engine happened to emit them in
    return sorted(findings, key=lambda f: (f.sort_key(), f.fingerprint()))


def department_of(finding: Finding) -> str | None:
    """The department a record or summary finding is about, when the input had one."""
    if finding.group and finding.group.get("department") not in (None, ""):
        return str(finding.group["department"])
    record = finding.trace.get("record") if isinstance(finding.trace, Mapping) else None
    if isinstance(record, Mapping) and record.get("department") not in (None, ""):
        return str(record["department"])
    return None


def case_departments(findings: Iterable[Finding]) -> dict[tuple[str, str], str]:
    """(file, case_id) -> department, from whichever of a case's findings carries it, so that
    a derived finding without the record in its trace is still filed under its department."""
    out: dict[tuple[str, str], str] = {}
    for f in findings:
        if f.case_id is not None and (f.file or "", f.case_id) not in out:
            dept = department_of(f)
            if dept:
                out[(f.file or "", f.case_id)] = dept
    return out


def position_of(finding: Finding) -> int | None:
    """The row for a record, the line (paragraph) for a clause."""
    return finding.row if finding.row is not None else finding.line


def rules_meta_with_findings(
    findings: Iterable[Finding], rules_meta: Mapping[str, RuleMeta] | None
) -> dict[str, RuleMeta]:
    """Every rule to describe, sorted by id: the loaded rules plus any rule seen only in
    findings (a findings file reported without its packs), described from the finding."""
    out: dict[str, RuleMeta] = dict(rules_meta or {})
    for f in findings:
        if f.rule not in out:
            out[f.rule] = RuleMeta(f.rule, f.title, f.severity, tuple(f.cites), tuple(f.tags))
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class CaseStats:
    file: str
    case_id: str
    row: int | None
    department: str | None
    findings: int
    worst: str
    rules: tuple[str, ...]  # sorted by severity then id

    def order_key(self):
        # worst first: highest severity, then most findings, then input order
        return (severity_rank(self.worst), -self.findings, self.file, self.row or 0, self.case_id)


@dataclass
class DeptStats:
    name: str
    findings: int = 0
    flagged_cases: int = 0
    worst: str | None = None
    by_rule: Counter = field(default_factory=Counter)
    cases: int | None = None  # cases evaluated, when the runtime's summary says

    def order_key(self):
        return (severity_rank(self.worst), -self.findings, -self.flagged_cases, self.name)


@dataclass
class RuleStats:
    id: str
    severity: str
    title: str
    cites: tuple[str, ...]
    findings: int = 0
    cases: int = 0
    skipped: str | None = None  # the reason, when the rule could not run on this input

    def order_key(self):
        return (severity_rank(self.severity), -self.findings, self.id)


def _worse(a: str | None, b: str) -> str:
    return b if a is None or severity_rank(b) < severity_rank(a) else a


class Aggregate:
    """Incremental tallies. `add` findings in sort order (per chunk), then read."""

    def __init__(self, top: int = 20):
        self.top = top
        self.total = 0
        self._flagged = 0
        self.by_severity: Counter = Counter()
        self.by_rule: Counter = Counter()
        self.cases_by_rule: Counter = Counter()
        self.by_month: Counter = Counter()  # YYYY-MM the case was received -> findings
        self.by_status: Counter = Counter()  # history status (new / open / escalated) -> findings
        self.rule_first: dict[str, Finding] = {}  # describes a rule the packs don't
        self._departments: dict[str, DeptStats] = {}
        self._worst_cases: list[CaseStats] = []  # kept sorted, at most `top`
        self._open_key: tuple | None = None
        self._open: list[Finding] = []
        self.group_data: list[Finding] = []  # summary findings that carry data (DEPT-SCORE)

    @classmethod
    def of(cls, findings: Iterable[Finding], top: int = 20) -> Aggregate:
        agg = cls(top)
        agg.extend(sort_findings(findings))
        return agg

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def add(self, f: Finding) -> None:
        self.total += 1
        self.by_severity[f.severity] += 1
        self.by_rule[f.rule] += 1
        self.rule_first.setdefault(f.rule, f)
        month = f.month()
        if month:
            self.by_month[month] += 1
        if f.history:
            self.by_status[f.history.get("status")] += 1
        if f.case_id is not None:
            self.cases_by_rule[f.rule] += 1
            key = (f.file or "", f.case_id, f.row)
            if key != self._open_key:
                self._close_case()
                self._open_key = key
            self._open.append(f)
        elif f.group is not None and f.data:
            # a group's figures (DEPT-SCORE), not a problem of the group: in their own table
            self.group_data.append(f)
        elif f.group is not None:
            self._count_in(department_of(f) or NO_DEPARTMENT, f)

    def merge(self, other: Aggregate) -> None:
        """Fold in a worker's aggregate (a case never spans two workers)."""
        other._close_case()
        self._close_case()
        self.total += other.total
        self._flagged += other._flagged
        self.by_severity.update(other.by_severity)
        self.by_rule.update(other.by_rule)
        self.cases_by_rule.update(other.cases_by_rule)
        self.by_month.update(other.by_month)
        self.by_status.update(other.by_status)
        for rule, f in other.rule_first.items():
            self.rule_first.setdefault(rule, f)
        for name, theirs in other._departments.items():
            mine = self._dept(name)
            mine.findings += theirs.findings
            mine.flagged_cases += theirs.flagged_cases
            mine.by_rule.update(theirs.by_rule)
            if theirs.worst is not None:
                mine.worst = _worse(mine.worst, theirs.worst)
        for case in other._worst_cases:
            self._offer(case)
        self.group_data.extend(other.group_data)

    @property
    def flagged_cases(self) -> int:
        """Cases with at least one finding."""
        self._close_case()
        return self._flagged

    def worst_cases(self) -> list[CaseStats]:
        self._close_case()
        return list(self._worst_cases)

    def department_stats(self, summary: Mapping[str, Any] | None = None) -> list[DeptStats]:
        """Worst first; departments the runtime saw without any finding come last."""
        self._close_case()
        out = {name: _copy_dept(d) for name, d in self._departments.items()}
        runtime = (summary or {}).get("departments") or {}
        if isinstance(runtime, Mapping):
            for name, counts in runtime.items():
                dept = out.setdefault(str(name), DeptStats(str(name)))
                if isinstance(counts, Mapping) and isinstance(counts.get("cases"), int):
                    dept.cases = counts["cases"]
        return sorted(out.values(), key=DeptStats.order_key)

    def rule_stats(
        self,
        rules_meta: Mapping[str, RuleMeta] | None,
        summary: Mapping[str, Any] | None = None,
        include_quiet: bool = False,
    ) -> list[RuleStats]:
        """Rules that fired (and, with include_quiet, every loaded or skipped rule), worst first."""
        meta = dict(rules_meta or {})
        for rule, f in self.rule_first.items():
            meta.setdefault(rule, RuleMeta(rule, f.title, f.severity, tuple(f.cites), tuple(f.tags)))
        skipped = skipped_rules(summary)
        ids = set(self.by_rule)
        if include_quiet:
            ids |= set(meta) | set(skipped)
        out = []
        for rule in ids:
            m = meta.get(rule) or RuleMeta(rule, "", "", (), ())
            out.append(
                RuleStats(
                    id=rule,
                    severity=m.severity,
                    title=m.title,
                    cites=tuple(m.cites),
                    findings=self.by_rule.get(rule, 0),
                    cases=self.cases_by_rule.get(rule, 0),
                    skipped=skipped.get(rule),
                )
            )
        return sorted(out, key=RuleStats.order_key)

    def _dept(self, name: str) -> DeptStats:
        dept = self._departments.get(name)
        if dept is None:
            dept = self._departments[name] = DeptStats(name)
        return dept

    def _count_in(self, name: str, f: Finding) -> None:
        dept = self._dept(name)
        dept.findings += 1
        dept.by_rule[f.rule] += 1
        dept.worst = _worse(dept.worst, f.severity)

    def _close_case(self) -> None:
        if not self._open:
            return
        findings, self._open, self._open_key = self._open, [], None
        first = findings[0]
        worst = min((f.severity for f in findings), key=severity_rank)
        rules = sorted(
            {f.rule: f.severity for f in findings}.items(), key=lambda r: (severity_rank(r[1]), r[0])
        )
        department = next((d for d in map(department_of, findings) if d), None)
        self._flagged += 1
        # one department per case, even when only some of its findings carry the record
        self._dept(department or NO_DEPARTMENT).flagged_cases += 1
        for f in findings:
            self._count_in(department or NO_DEPARTMENT, f)
        self._offer(
            CaseStats(
                file=first.file or "",
                case_id=first.case_id or "",
                row=first.row,
                department=department,
                findings=len(findings),
                worst=worst,
                rules=tuple(r for r, _ in rules),
            )
        )

    def _offer(self, case: CaseStats) -> None:
        if self.top <= 0:
            return
        keys = [c.order_key() for c in self._worst_cases]
        at = bisect.bisect_right(keys, case.order_key())
        if at < self.top:
            self._worst_cases.insert(at, case)
            del self._worst_cases[self.top :]


@dataclass(frozen=True)
class DataTable:
    """The data of one rule's findings about groups (`report d "…" with (…)` over a summary),
    one row per group: DEPT-SCORE's grades by department. Columns in the rule's order."""

    rule: str
    title: str
    by: tuple[str, ...]  # the group's key names, e.g. ("department",)
    columns: tuple[str, ...]
    rows: tuple[tuple[tuple[Any, ...], tuple[Any, ...]], ...]  # (group values, data values)

    @property
    def numeric(self) -> tuple[bool, ...]:
        """Per column: every value a number (or null), so it aligns right."""
        return tuple(
            all(v is None or (isinstance(v, int | float | Decimal) and not isinstance(v, bool))
                for _, values in self.rows for v in values[i:i + 1])
            for i in range(len(self.columns))
        )  # fmt: skip


def data_text(value: Any) -> str:
    """A data value as a report cell shows it: decimals with their digits, null as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def data_tables(findings: Iterable[Finding]) -> list[DataTable]:
    """A table per rule whose findings about groups carry data, by rule id."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        if f.group is not None and f.data:
            by_rule.setdefault(f.rule, []).append(f)
    out = []
    for rule, found in sorted(by_rule.items()):
        found.sort(key=lambda f: (f.sort_key(), f.fingerprint()))
        by = tuple(dict.fromkeys(k for f in found for k in sorted(f.group)))
        columns = tuple(dict.fromkeys(k for f in found for k in f.data))
        rows = tuple(
            (tuple((f.group or {}).get(k) for k in by), tuple((f.data or {}).get(c) for c in columns))
            for f in found
        )
        out.append(DataTable(rule, found[0].title, by, columns, rows))
    return out


def _copy_dept(d: DeptStats) -> DeptStats:
    return DeptStats(d.name, d.findings, d.flagged_cases, d.worst, Counter(d.by_rule), d.cases)


def skipped_rules(summary: Mapping[str, Any] | None) -> dict[str, str]:
    """rule -> reason, from summary["skipped_rules"] ([{rule, reason}] or {rule: reason})."""
    raw = (summary or {}).get("skipped_rules") or []
    out: dict[str, str] = {}
    if isinstance(raw, Mapping):
        items = [(k, v) for k, v in raw.items()]
    else:
        items = [
            (entry.get("rule"), entry.get("reason")) if isinstance(entry, Mapping) else (entry, None)
            for entry in raw
        ]
    for rule, reason in items:
        if rule is not None:
            out[str(rule)] = "" if reason is None else str(reason)
    return dict(sorted(out.items()))


def reconciliation(summary: Mapping[str, Any] | None) -> tuple[int, int, int, bool] | None:
    """(read, evaluated, rejected, balanced), or None when the summary is not an audit's."""
    s = summary or {}
    keys = ("rows_read", "rows_evaluated", "rows_rejected")
    if not all(isinstance(s.get(k), int) for k in keys):
        return None
    read, evaluated, rejected = (s[k] for k in keys)
    return read, evaluated, rejected, read == evaluated + rejected


def unknown_columns(summary: Mapping[str, Any] | None) -> list[tuple[str, list[str]]]:
    """(file, its columns read by no rule) from summary["unknown_columns"], as listed: the
    names, then "…" when the audit left some out (`"more": true`)."""
    out = []
    for e in (summary or {}).get("unknown_columns") or ():
        if isinstance(e, Mapping):
            columns = [str(c) for c in e.get("columns", ())]
            out.append((str(e.get("file", "")), [*columns, *(["…"] if e.get("more") else [])]))
    return out


def unknown_column_count(summary: Mapping[str, Any] | None) -> int:
    """How many unknown columns the summary names (those left out not counted)."""
    entries = (summary or {}).get("unknown_columns") or ()
    return sum(len(e.get("columns", ())) for e in entries if isinstance(e, Mapping))
