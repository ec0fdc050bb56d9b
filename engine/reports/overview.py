"""What the charts show, computed once for the workbook and the HTML page: per department
(cases, overdue, rates, grade), per rule, per month received, and the department x rule
table of the heat map. Bounded by the number of departments, rules and months, never by
the number of findings (they are read once, in one pass)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding
from ..i18n import _
from . import RuleMeta
from .aggregate import NO_DEPARTMENT, Aggregate, rules_meta_with_findings
from .grades import OVERDUE_RULES, department_grade

OVERDUE_COLOUR, ON_TIME_COLOUR = "C0504D", "9BBB59"  # red and green, in the workbook and the HTML page


@dataclass
class DepartmentRow:
    name: str
    cases: int | None
    findings: int
    flagged_cases: int
    overdue_cases: int
    grade: str | None = None
    grade_data: dict = field(default_factory=dict)

    @property
    def overdue_rate(self) -> float | None:
        return self.overdue_cases / self.cases if self.cases else None

    @property
    def on_time_rate(self) -> float | None:
        """The grade's own on-time rate when the packs report one (DEPT-SCORE's data gives
        it in percent), else the share of cases not overdue at the audit date."""
        given = self.grade_data.get("on_time_rate")
        if isinstance(given, (int, float)) and not isinstance(given, bool):
            return given / 100
        return 1 - self.overdue_cases / self.cases if self.cases else None

    @property
    def flagged_rate(self) -> float | None:
        return self.flagged_cases / self.cases if self.cases else None


@dataclass
class Overview:
    aggregate: Aggregate
    departments: list[DepartmentRow]
    rules: list[tuple[str, str, int]]  # (id, title, findings), most first
    months: list[tuple[str, int]]  # (YYYY-MM received, findings), in order
    heat: dict[tuple[str, str], int]  # (department, rule) -> findings
    statuses: Counter  # history status -> findings (empty without a history)


def overview(findings: Iterable[Finding], summary: Mapping[str, Any] | None,
             rules_meta: Mapping[str, RuleMeta] | None) -> Overview:  # fmt: skip
    """One pass over the findings (sorted, as the reporters hold them)."""
    agg = Aggregate(top=20)
    grades: dict[str, dict] = {}
    for f in findings:
        agg.add(f)
        grade = department_grade(f)
        if grade is not None:
            grades[grade["department"]] = grade
    depts = []
    heat: dict[tuple[str, str], int] = {}
    for d in agg.department_stats(summary):
        g = grades.get(d.name) or {}
        depts.append(DepartmentRow(d.name, d.cases, d.findings, d.flagged_cases,
                                   sum(d.by_rule.get(r, 0) for r in OVERDUE_RULES), g.get("grade"),
                                   g.get("data") or {}))  # fmt: skip
        for rule, n in d.by_rule.items():
            if n:
                heat[(d.name, rule)] = n
    meta = rules_meta_with_findings([agg.rule_first[r] for r in agg.rule_first], rules_meta)
    rules = sorted(((r, meta[r].title if r in meta else "", n) for r, n in agg.by_rule.items()),
                   key=lambda t: (-t[2], t[0]))  # fmt: skip
    depts.sort(key=lambda d: (-(d.overdue_rate or 0), -d.findings, d.name))
    return Overview(agg, depts, rules, sorted(agg.by_month.items()), heat, agg.by_status)


def department_label(name: str, no_department: str) -> str:
    return no_department if name == NO_DEPARTMENT else name


def history_line(h: Mapping[str, Any]) -> str:
    if h.get("previous_run") is None:
        return _("history.first", run=h.get("run"), series=h.get("series"))
    return _("history.summary", previous=h["previous_run"], date=h.get("previous_as_of"), new=h.get("new", 0),
             open=h.get("open", 0), escalated=h.get("escalated", 0), resolved=h.get("resolved", 0),
             out=h.get("out_of_scope", 0))  # fmt: skip
