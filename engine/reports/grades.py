"""The seam for department grades (DEPT-SCORE, issue #13).

A grade is reported by a summary rule as a finding about a department; its structured
data (on-time rate, early rate, open overdue, findings per 100 cases, grade) are the values
of the department fact it was reported on, which the finding's trace carries. This module
reads them from there, so the history, the workbook and the HTML report take grades from
whatever pack reports them under `GRADE_RULES`, without knowing how they are computed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..findings import Finding

GRADE_RULES = ("DEPT-SCORE",)
OVERDUE_RULES = ("LIC-42-OVERDUE", "LIC-42-PENDING")  # a case past its time limit (one or the other)
GRADES = ("优秀", "良好", "合格", "不合格")


def department_grade(f: Finding) -> dict[str, Any] | None:
    """{"department", "grade", "data"} for a grade finding, else None."""
    if f.rule not in GRADE_RULES or not f.group or f.group.get("department") in (None, ""):
        return None
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
