"""The seam for department grades (DEPT-SCORE, issue #13).

A grade is reported by a summary rule as a finding about a department, with its figures and
the grade as the finding's data (`report d "…" with (…)`; the keys of docs/records.md:
cases, decided, on_time, on_time_rate (percent), early, early_rate, overdue, open_overdue,
findings, findings_per_100, prohibited, grade). This module reads them from there (or, for
a pack that reports without data, from the values of the department fact in the finding's
trace), so the history, the workbook and the HTML report take grades from whatever pack
reports them under `GRADE_RULES`, without knowing how they are computed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..findings import Finding
from .jsonout import canonical_data

GRADE_RULES = ("DEPT-SCORE",)
OVERDUE_RULES = ("LIC-42-OVERDUE", "LIC-42-PENDING")  # a case past its time limit (one or the other)
GRADES = ("优秀", "良好", "合格", "不合格", "不评定")  # 不评定: too few cases to grade


def department_grade(f: Finding) -> dict[str, Any] | None:
    """{"department", "grade", "data"} for a grade finding, else None."""
    if f.rule not in GRADE_RULES or not f.group or f.group.get("department") in (None, ""):
        return None
    if f.data:  # numbers as JSON numbers, in the rule's order
        data = {k: v for k, v in canonical_data(f.data).items() if k != "department"}
    else:
        values: dict[str, Any] = {}
        for fact in (f.trace or {}).get("facts", ()):
            if isinstance(fact, dict) and fact.get("summary") and isinstance(fact.get("values"), dict):
                values.update(fact["values"])
        data = {k: _number(v) for k, v in sorted(values.items()) if k != "department"}
    grade = data.pop("grade", None)
    return {"department": str(f.group["department"]), "grade": None if grade is None else str(grade), "data": data}


def _number(value: Any) -> Any:
    """Trace values are rendered as text: numbers back to numbers, the rest as it is."""
    if isinstance(value, str):
        try:
            d = Decimal(value)
        except InvalidOperation:
            return value
        return int(d) if d == d.to_integral_value() and "." not in value else float(d)
    return value
