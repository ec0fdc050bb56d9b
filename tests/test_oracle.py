"""The reference implementation of the approval-record rules (fixtures/approvals/oracle.py)
on hand-written records on both sides of every boundary, and the reproducibility of the
committed fixtures."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

APPROVALS = Path(__file__).resolve().parent.parent / "fixtures" / "approvals"


def _load(name: str, file: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, APPROVALS / file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


oracle = _load("xuke_fixtures_approvals_oracle", "oracle.py")
generate = _load("xuke_fixtures_approvals_generate", "generate.py")

AS_OF = date(2025, 12, 31)
D = date


def rec(**kw) -> dict:
    """A compliant decided case (accepted on receipt, granted 5 working days later; `fired`
    delivers the certificate that day unless the test gives one), changed by kw."""
    base = {
        "case_id": "T1",
        "department": "市市场监督管理局",
        "window": "市民中心A区01号窗口",
        "received_at": D(2025, 3, 3),
        "acceptance": "受理",
        "accepted_at": D(2025, 3, 3),
        "supplement_notices": 0,
        "materials_complete": True,
        "decision": "准予许可",
        "decided_at": D(2025, 3, 10),
        "legal_limit_days": 20,
        "joint_handling": False,
        "designated_service": False,
        "published": True,
        "hearing_required": False,
        "first_contact": "张伟",
        "handler": "张伟",
        "handler_absent": False,
        "backup_handler": "李娜",
        "transfers": 0,
        "loss": "无",
    }
    base.update(kw)
    return base


def fired(record, as_of=AS_OF) -> list[str]:
    # the certificate goes out on the day of a grant, unless the test gives one (LIC-44-*)
    if "certificate_issued_at" not in record and record.get("decision") == "准予许可":
        record = dict(record, certificate_issued_at=record.get("decided_at"))
    return oracle.evaluate(record, as_of)


# ---------------------------------------------------------------------------------------
# The calendar.


@pytest.mark.parametrize("day", ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"])
def test_adjusted_weekends_are_working_days(day):
    d = date.fromisoformat(day)
    assert d.weekday() >= 5 and oracle.is_workday(d)


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-01",
        "2025-01-28",
        "2025-02-04",
        "2025-05-01",
        "2025-05-05",
        "2025-10-01",
        "2025-10-08",
        "2025-03-08",
    ],
)
def test_holidays_and_weekends_are_not(day):
    assert not oracle.is_workday(date.fromisoformat(day))


def test_workdays_counts_after_the_first_day():
    assert oracle.workdays(D(2025, 3, 3), D(2025, 3, 3)) == 0
    assert oracle.workdays(D(2025, 3, 3), D(2025, 3, 4)) == 1
    assert oracle.workdays(D(2025, 3, 7), D(2025, 3, 10)) == 1  # Friday -> Monday
    assert oracle.workdays(D(2025, 3, 8), D(2025, 3, 9)) == 0  # a weekend
    assert oracle.workdays(D(2025, 3, 3), D(2025, 3, 31)) == 20
    assert oracle.workdays(D(2025, 3, 31), D(2025, 3, 3)) == -20


def test_workdays_over_spring_festival_and_national_day():
    # 01-24 (Fri) .. 02-27: 01-26 (Sun, worked), 01-27, 02-05..07, 02-08 (Sat, worked), 02-10..27.
    assert oracle.workdays(D(2025, 1, 24), D(2025, 2, 27)) == 20
    # 09-26 (Fri) .. 10-30: 09-28 (Sun, worked), 09-29, 09-30, 10-09, 10-10, 10-11 (Sat, worked), ...
    assert oracle.workdays(D(2025, 9, 26), D(2025, 10, 30)) == 20
    # 04-25 (Fri) .. 05-06: 04-27 (Sun, worked), 04-28..30, 05-06 (05-01..05 off).
    assert oracle.workdays(D(2025, 4, 25), D(2025, 5, 6)) == 5
    assert oracle.workdays(D(2024, 12, 31), D(2025, 1, 2)) == 1  # 元旦


def test_add_workdays_inverts_workdays():
    for start in (D(2025, 1, 20), D(2025, 3, 8), D(2025, 9, 26), D(2025, 12, 31)):
        for n in (-21, -1, 1, 5, 20, 21, 45):
            assert oracle.workdays(start, oracle.add_workdays(start, n)) == n


def test_a_year_the_calendar_does_not_cover_is_an_error():
    with pytest.raises(NotImplementedError, match="2003"):
        oracle.workdays(D(2003, 12, 1), D(2025, 1, 2))


# ---------------------------------------------------------------------------------------
# The time limit (第四十二条).


def test_20_working_days_on_time_21_late():
    assert fired(rec(decided_at=D(2025, 3, 31))) == []
    assert fired(rec(decided_at=D(2025, 4, 1))) == ["FP-1", "LIC-42-OVERDUE"]


def test_spring_festival_and_adjusted_saturday():
    case = rec(received_at=D(2025, 1, 24), accepted_at=D(2025, 1, 24))
    assert fired(dict(case, decided_at=D(2025, 2, 27))) == []
    assert fired(dict(case, decided_at=D(2025, 2, 28))) == ["FP-1", "LIC-42-OVERDUE"]


def test_national_day():
    case = rec(received_at=D(2025, 9, 26), accepted_at=D(2025, 9, 26))
    assert fired(dict(case, decided_at=D(2025, 10, 30))) == []
    assert "LIC-42-OVERDUE" in fired(dict(case, decided_at=D(2025, 10, 31)))


def test_legal_limit_default_and_joint_default():
    assert "LIC-42-OVERDUE" in fired(rec(legal_limit_days=None, decided_at=D(2025, 4, 1)))  # 21 > 20
    joint = rec(legal_limit_days=None, joint_handling=True)
    assert fired(dict(joint, decided_at=oracle.add_workdays(D(2025, 3, 3), 45))) == []
    assert "LIC-42-OVERDUE" in fired(dict(joint, decided_at=oracle.add_workdays(D(2025, 3, 3), 46)))
    # joint_handling missing: not joint (20 days, cap 10).
    assert "LIC-42-OVERDUE" in fired(
        rec(legal_limit_days=None, joint_handling=None, decided_at=D(2025, 4, 1))
    )
    # An explicit legal limit wins over the joint default.
    assert "LIC-42-OVERDUE" in fired(rec(legal_limit_days=5, decided_at=D(2025, 3, 11)))  # 6 > 5
    assert fired(rec(legal_limit_days=5, decided_at=D(2025, 3, 10))) == []


def test_suspended_days_are_not_counted():
    case = rec(decided_at=oracle.add_workdays(D(2025, 3, 3), 35), suspension_notified=True)
    assert fired(dict(case, suspended_days=15)) == []
    assert "LIC-42-OVERDUE" in fired(dict(case, suspended_days=14))
    assert "LIC-42-OVERDUE" in fired(dict(case, suspended_days=None))  # null counts as 0
    assert fired(dict(case, suspended_days=15, suspension_notified=False)) == ["LIC-45-NOTIFY"]
    assert fired(dict(case, suspended_days=15, suspension_notified=None)) == []


def test_extension_cap_10_and_11():
    case = rec(extension_approved_by="王建国（副局长）", extension_notified=True)
    d30, d31 = oracle.add_workdays(D(2025, 3, 3), 30), oracle.add_workdays(D(2025, 3, 3), 31)
    assert fired(dict(case, extension_days=10, decided_at=d30)) == []
    assert fired(dict(case, extension_days=10, decided_at=d31)) == ["FP-1", "LIC-42-OVERDUE"]
    assert fired(dict(case, extension_days=11, decided_at=d30)) == ["LIC-42-EXTENSION"]
    assert fired(dict(case, extension_days=11, decided_at=d31)) == [
        "FP-1",
        "LIC-42-EXTENSION",
        "LIC-42-OVERDUE",
    ]


def test_joint_extension_cap_15_and_16():
    case = rec(
        legal_limit_days=None, joint_handling=True, extension_approved_by="王建国", extension_notified=True
    )
    d60, d61 = oracle.add_workdays(D(2025, 3, 3), 60), oracle.add_workdays(D(2025, 3, 3), 61)
    assert fired(dict(case, extension_days=15, decided_at=d60)) == []
    assert fired(dict(case, extension_days=16, decided_at=d60)) == ["LIC-42-EXTENSION"]
    assert "LIC-42-OVERDUE" in fired(dict(case, extension_days=16, decided_at=d61))


def test_extension_needs_approval_and_notice():
    d25 = oracle.add_workdays(D(2025, 3, 3), 25)
    unapproved = rec(extension_days=10, extension_approved_by=None, extension_notified=True, decided_at=d25)
    assert fired(unapproved) == ["FP-1", "LIC-42-EXTENSION", "LIC-42-OVERDUE"]  # limit stays 20
    approved = rec(extension_days=5, extension_approved_by="王建国", decided_at=d25)
    assert fired(dict(approved, extension_notified=False)) == ["LIC-42-EXTENSION"]
    assert fired(dict(approved, extension_notified=None)) == []
    # 0 days is no extension: nothing to approve or notify, and the limit stays 20.
    assert fired(dict(approved, extension_days=0, extension_notified=False)) == ["FP-1", "LIC-42-OVERDUE"]


# ---------------------------------------------------------------------------------------
# Supplement notices and deemed acceptance (第三十二条).


def test_notice_on_working_day_5_and_6():
    case = rec(
        received_at=D(2025, 3, 10),
        accepted_at=D(2025, 3, 24),
        supplement_notices=1,
        decided_at=oracle.add_workdays(D(2025, 3, 24), 20),
    )
    assert fired(dict(case, first_notice_at=D(2025, 3, 17))) == []
    # Late: deemed accepted on receipt, so the clock starts at 03-10 and 03-24 + 20 is late.
    assert fired(dict(case, first_notice_at=D(2025, 3, 18))) == [
        "FP-1",
        "LIC-32-NOTICE-LATE",
        "LIC-42-OVERDUE",
    ]


def test_deemed_acceptance_moves_the_start():
    case = rec(
        received_at=D(2025, 3, 10),
        accepted_at=D(2025, 3, 24),
        supplement_notices=1,
        first_notice_at=D(2025, 3, 18),
    )
    assert oracle.start_of(case) == D(2025, 3, 10)
    assert oracle.start_of(dict(case, first_notice_at=D(2025, 3, 17))) == D(2025, 3, 24)
    assert fired(dict(case, decided_at=D(2025, 4, 8))) == ["LIC-32-NOTICE-LATE"]  # 20 from 03-10 (清明 04-04)
    assert "LIC-42-OVERDUE" in fired(dict(case, decided_at=D(2025, 4, 9)))


def test_notice_over_labour_day():
    case = rec(
        received_at=D(2025, 4, 25),
        accepted_at=D(2025, 5, 12),
        supplement_notices=1,
        decided_at=oracle.add_workdays(D(2025, 5, 12), 15),
    )
    assert fired(dict(case, first_notice_at=D(2025, 5, 6))) == []
    assert "LIC-32-NOTICE-LATE" in fired(dict(case, first_notice_at=D(2025, 5, 7)))


def test_notice_nulls_and_repeats():
    late = {"received_at": D(2025, 3, 10), "first_notice_at": D(2025, 3, 18)}
    assert "LIC-32-NOTICE-LATE" not in fired(rec(**late, supplement_notices=None))
    assert "LIC-32-NOTICE-LATE" not in fired(rec(**late, supplement_notices=0))
    assert "LIC-32-NOTICE-LATE" not in fired(
        rec(received_at=D(2025, 3, 10), supplement_notices=1, first_notice_at=None)
    )
    assert fired(rec(supplement_notices=2, first_notice_at=D(2025, 3, 3))) == ["FP-4", "LIC-32-NOTICE-REPEAT"]


# ---------------------------------------------------------------------------------------
# Open cases against the audit date.


def test_open_cases_against_as_of():
    open_case = rec(decision=None, decided_at=None, certificate_issued_at=None, published=None)
    d20, d21 = oracle.add_workdays(AS_OF, -20), oracle.add_workdays(AS_OF, -21)
    assert d20 == D(2025, 12, 3)
    # the last day: not late, but 0 days left (预警)
    assert fired(dict(open_case, received_at=d20, accepted_at=d20)) == ["WARN-DUE-SOON"]
    assert fired(dict(open_case, received_at=d21, accepted_at=d21)) == ["FP-1", "LIC-42-PENDING"]
    # The same case audited a day earlier is not yet late (its last day: a warning).
    assert fired(dict(open_case, received_at=d21, accepted_at=d21), as_of=D(2025, 12, 30)) == ["WARN-DUE-SOON"]
    # Accepted: acceptance 受理, or accepted_at when acceptance is null, or deemed.
    assert fired(dict(open_case, received_at=d21, accepted_at=d21, acceptance=None)) == [
        "FP-1",
        "LIC-42-PENDING",
    ]
    # neither accepted nor refused nor told to supplement: deemed accepted on receipt (v2)
    assert fired(dict(open_case, received_at=d21, accepted_at=None, acceptance=None)) == [
        "FP-1", "LIC-32-SILENT", "LIC-42-PENDING"]  # fmt: skip
    refused = dict(
        open_case,
        received_at=d21,
        accepted_at=None,
        acceptance="不予受理",
        materials_complete=False,
        refusal_reason_given=True,
    )
    assert fired(refused) == []
    deemed = dict(
        open_case,
        received_at=d21,
        accepted_at=None,
        acceptance=None,
        materials_complete=False,
        supplement_notices=1,
        first_notice_at=oracle.add_workdays(d21, 6),
    )
    assert fired(deemed) == ["LIC-32-NOTICE-LATE", "LIC-42-PENDING"]
    # An open case is never LIC-42-OVERDUE nor PROM-LIMIT.
    assert "PROM-LIMIT" not in fired(dict(open_case, received_at=d21, accepted_at=d21, promised_limit_days=1))


# ---------------------------------------------------------------------------------------
# The other rules, and null logic (a missing boolean is not a violation).


def test_refusals():
    refused = rec(
        acceptance="不予受理",
        accepted_at=None,
        decision=None,
        certificate_issued_at=None,
        published=None,
        materials_complete=False,
    )
    assert fired(dict(refused, refusal_reason_given=False)) == ["LIC-32-REFUSAL"]
    assert fired(dict(refused, refusal_reason_given=None)) == []
    assert fired(dict(refused, refusal_reason_given=True, materials_complete=True)) == ["FP-1"]
    assert fired(dict(refused, refusal_reason_given=True, materials_complete=None)) == []
    denied = rec(decision="不予许可", certificate_issued_at=None, published=None)
    assert fired(dict(denied, refusal_reason_given=True, remedy_informed=True)) == []
    assert fired(dict(denied, refusal_reason_given=True, remedy_informed=False)) == ["LIC-38-REFUSAL"]
    assert fired(dict(denied, refusal_reason_given=False, remedy_informed=None)) == ["LIC-38-REFUSAL"]
    assert fired(dict(denied, refusal_reason_given=None, remedy_informed=None)) == []


def test_certificate_10_and_11_working_days():
    decided = D(2025, 3, 10)
    assert fired(rec(certificate_issued_at=oracle.add_workdays(decided, 10))) == []
    assert fired(rec(certificate_issued_at=oracle.add_workdays(decided, 11))) == ["LIC-44-CERT"]
    assert fired(rec(decision="不予许可", certificate_issued_at=oracle.add_workdays(decided, 11))) == []
    # v2 LIC-44-OPEN: no certificate at all, 10 working days after the grant is the last day
    assert fired(rec(certificate_issued_at=None), as_of=oracle.add_workdays(decided, 10)) == []
    assert fired(rec(certificate_issued_at=None), as_of=oracle.add_workdays(decided, 11)) == ["LIC-44-OPEN"]
    assert fired(rec(decision="不予许可", certificate_issued_at=None)) == []


def test_promised_limit():
    case = rec(promised_limit_days=10)
    assert fired(dict(case, decided_at=oracle.add_workdays(D(2025, 3, 3), 10))) == []
    assert fired(dict(case, decided_at=oracle.add_workdays(D(2025, 3, 3), 11))) == ["PROM-LIMIT"]
    assert fired(dict(case, decided_at=D(2025, 4, 1))) == ["FP-1", "LIC-42-OVERDUE"]  # not PROM-LIMIT too
    assert (
        fired(dict(case, promised_limit_days=None, decided_at=oracle.add_workdays(D(2025, 3, 3), 11))) == []
    )


def test_publicity_hearing_fees_designation():
    assert fired(rec(published=False)) == ["LIC-40-PUBLISH"]
    assert fired(rec(published=None)) == []
    assert fired(rec(decision="不予许可", published=False, certificate_issued_at=None)) == []
    assert fired(rec(hearing_required=True, hearing_informed=False)) == ["LIC-47-HEARING"]
    assert fired(rec(hearing_required=True, hearing_informed=None)) == []
    assert fired(rec(hearing_required=None, hearing_informed=False)) == []
    assert fired(rec(fee_amount=Decimal("80"))) == ["FP-3", "LIC-58-FEE"]
    assert fired(rec(fee_amount=80.0, fee_basis=None)) == ["FP-3", "LIC-58-FEE"]
    assert fired(rec(fee_amount=Decimal("1500.00"), fee_basis="《城市道路管理条例》第三十七条")) == []
    assert fired(rec(fee_amount=Decimal("0"))) == []
    assert fired(rec(fee_amount=None)) == []
    assert fired(rec(designated_service=True)) == ["FP-3", "LIC-27-DESIGNATED"]
    assert fired(rec(designated_service=None)) == []


def test_six_systems():
    assert fired(rec(first_contact=None)) == ["SIX-FIRST-CONTACT"]
    assert fired(rec(handler_absent=True, backup_handler=None)) == ["SIX-AB"]
    assert fired(rec(handler_absent=True, backup_handler="李娜")) == []
    assert fired(rec(handler_absent=None, backup_handler=None)) == []
    assert fired(rec(window=None)) == ["SIX-WINDOW"]
    missing = rec()
    del missing["window"]  # an absent key is null too
    assert fired(missing) == ["SIX-WINDOW"]


def test_four_prohibitions_and_leader_accountability():
    assert fired(rec(materials_complete=False)) == ["FP-2"]
    assert fired(rec(materials_complete=None)) == []
    assert fired(rec(transfers=1)) == []
    assert fired(rec(transfers=2)) == ["FP-4"]
    assert fired(rec(transfers=None)) == []
    assert fired(rec(transfers=2, loss="重大")) == ["ACC-LEADER", "FP-4"]
    assert fired(rec(transfers=2, loss="一般")) == ["FP-4"]
    assert fired(rec(loss="重大")) == []
    assert fired(rec(decided_at=D(2025, 4, 1), loss="重大")) == ["ACC-LEADER", "FP-1", "LIC-42-OVERDUE"]
    # FP-1 needs materials_complete == true.
    assert fired(rec(decided_at=D(2025, 4, 1), materials_complete=None)) == ["LIC-42-OVERDUE"]


def test_dates_out_of_order_and_the_other_rules_still_run():
    assert fired(rec(received_at=D(2025, 3, 4))) == ["DATA-ORDER"]  # accepted 03-03
    assert fired(rec(certificate_issued_at=D(2025, 3, 7))) == ["DATA-ORDER"]
    assert fired(rec(first_notice_at=D(2025, 3, 1), supplement_notices=1)) == ["DATA-ORDER"]
    assert fired(rec(received_at=D(2025, 3, 12), accepted_at=None, decided_at=D(2025, 3, 10))) == [
        "DATA-ORDER"
    ]
    both = rec(
        received_at=D(2025, 3, 4),
        accepted_at=D(2025, 3, 3),
        decided_at=D(2025, 4, 1),
        certificate_issued_at=D(2025, 4, 1),
    )
    assert fired(both) == ["DATA-ORDER", "FP-1", "LIC-42-OVERDUE"]  # elapsed from accepted_at
    open_case = rec(certificate_issued_at=None, decided_at=None, decision=None, published=None)
    assert fired(dict(open_case, received_at=D(2025, 3, 4)), as_of=D(2025, 3, 10)) == ["DATA-ORDER"]


# ---------------------------------------------------------------------------------------
# Departments.


def _department(name, decided, overdue, open_cases=0):
    late, on_time = rec(department=name, decided_at=D(2025, 4, 1)), rec(department=name)
    rows = [late] * overdue + [on_time] * (decided - overdue)
    rows += [rec(department=name, decided_at=None, decision=None, certificate_issued_at=None)] * open_cases
    return [(r, oracle.evaluate(r, AS_OF)) for r in rows]


@pytest.mark.parametrize(
    ("decided", "overdue", "fires"),
    [(20, 1, False), (20, 2, True), (19, 19, False), (100, 5, False), (101, 6, True), (101, 5, False)],
)
def test_department_overdue_rate(decided, overdue, fires):
    got = oracle.evaluate_departments(_department("市水务局", decided, overdue, open_cases=30))
    assert got == ([("市水务局", "DEPT-OVERDUE-RATE")] if fires else [])


def test_department_null_is_in_no_department():
    rows = _department(None, 20, 10)
    assert oracle.evaluate_departments(rows) == []


def test_run():
    records = [rec(case_id="A", certificate_issued_at=D(2025, 3, 10)),
               rec(case_id="B", window=None, certificate_issued_at=D(2025, 3, 10))] + [
        dict(r, case_id=f"C{i}") for i, (r, _) in enumerate(_department("市教育局", 20, 2))
    ]  # fmt: skip
    findings, departments, scores = oracle.run(records, AS_OF)
    assert findings[0] == ("B", "SIX-WINDOW")
    assert ("C0", "LIC-42-OVERDUE") in findings and ("C1", "FP-1") in findings
    assert departments == [("市教育局", "DEPT-OVERDUE-RATE")]
    assert [d for d, _ in scores] == ["市市场监督管理局", "市教育局"]


def test_every_rule_of_the_catalogue_is_known():
    assert len(oracle.ALL_RULES) == 35 and len(set(oracle.ALL_RULES)) == 35


# ---------------------------------------------------------------------------------------
# v2 (RULES.md section 1, "Changes in v2"): both sides of every new or changed boundary.


def test_silent_acceptance_after_5_working_days():
    quiet = rec(acceptance=None, accepted_at=None)
    assert fired(dict(quiet, decided_at=oracle.add_workdays(D(2025, 3, 3), 5))) == []
    assert fired(dict(quiet, decided_at=oracle.add_workdays(D(2025, 3, 3), 6))) == ["LIC-32-SILENT"]
    # a notice, an acceptance or a refusal on record is no silence
    assert fired(dict(quiet, decided_at=D(2025, 3, 20), supplement_notices=1, first_notice_at=D(2025, 3, 4))) == []
    assert fired(dict(quiet, decided_at=D(2025, 3, 20), acceptance="受理")) == []
    # deemed accepted from receipt: an open silent case runs its clock from then
    assert oracle.start_of(dict(quiet, received_at=D(2025, 3, 3), accepted_at=None), AS_OF) == D(2025, 3, 3)


def test_only_the_waits_article_45_lists_are_not_counted():
    assert oracle.listed_kind("专家评审") and oracle.listed_kind("检验、检测") and oracle.listed_kind("检验检测")
    assert not oracle.listed_kind("延长审批") and not oracle.listed_kind("现场核查") and not oracle.listed_kind("")
    ext = {"extension_days": 10, "extension_approved_by": "王建国", "extension_notified": True,
           "suspended_days": 10, "suspension_notified": True}  # fmt: skip
    d35 = oracle.add_workdays(D(2025, 3, 3), 35)
    # the approved extension counted once (limit 30), not twice (30 + 10)
    assert fired(rec(decided_at=d35, suspension_kind="延长审批", **ext)) == ["FP-1", "LIC-42-OVERDUE", "LIC-45-KIND"]
    assert fired(rec(decided_at=d35, suspension_kind="专家评审", **ext)) == []
    assert fired(rec(decided_at=d35, suspension_kind=None, **ext)) == []  # kind not recorded: as v1


def test_calendar_day_limits():
    case = rec(legal_limit_days=30, legal_limit_unit="自然日")
    assert fired(dict(case, decided_at=D(2025, 4, 2))) == []
    assert fired(dict(case, decided_at=D(2025, 4, 3))) == ["FP-1", "LIC-42-OVERDUE"]
    # the unit goes with a legal limit: without one, 20 working days
    assert fired(rec(legal_limit_days=None, legal_limit_unit="自然日", decided_at=D(2025, 3, 31))) == []


def test_fee_basis_must_be_a_law_or_regulation_in_force():
    fee = {"fee_amount": Decimal("80")}
    assert fired(rec(**fee, fee_basis="《城市道路管理条例》第三十七条")) == []
    assert fired(rec(**fee, fee_basis="中华人民共和国水法第四十八条")) == []
    for basis in ("《机动车登记规定》", "江价费〔2019〕12号", "《浙江省城镇燃气管理条例》", "《取水许可制度实施办法》", None):
        assert fired(rec(**fee, fee_basis=basis)) == ["FP-3", "LIC-58-FEE"], basis
    # in force on the day of the fee: a regulation replaced in 2006 was a basis in 2005
    old = {"received_at": D(2005, 3, 1), "accepted_at": D(2005, 3, 1), "decided_at": D(2005, 3, 8)}
    assert fired(rec(**fee, **old, fee_basis="《取水许可制度实施办法》")) == []


def test_voucher_instant_publication_hearing_renewal():
    assert fired(rec(voucher_issued=False)) == ["LIC-32-VOUCHER"]
    assert fired(rec(voucher_issued=None)) == []
    instant = rec(instant=True, received_at=D(2025, 3, 3))
    assert fired(dict(instant, decided_at=D(2025, 3, 4))) == []
    assert fired(dict(instant, decided_at=D(2025, 3, 5))) == ["LIC-34-INSTANT"]
    decided = D(2025, 3, 10)
    assert fired(rec(published_at=oracle.add_workdays(decided, 7))) == []
    assert fired(rec(published_at=oracle.add_workdays(decided, 8))) == ["LIC-40-LATE"]
    hearing = rec(hearing_requested_at=D(2025, 3, 4), decided_at=D(2025, 5, 6), legal_limit_days=60)
    assert fired(dict(hearing, hearing_held_at=oracle.add_workdays(D(2025, 3, 4), 20))) == []
    assert fired(dict(hearing, hearing_held_at=oracle.add_workdays(D(2025, 3, 4), 21))) == ["LIC-47-LATE"]
    assert fired(dict(hearing, hearing_held_at=None)) == ["LIC-47-LATE"]  # open at the audit date
    assert fired(rec(permit_expires_at=decided)) == []
    assert fired(rec(permit_expires_at=decided - __import__("datetime").timedelta(days=1))) == ["LIC-50-RENEWAL"]


def test_warnings_on_open_cases():
    open_case = rec(decision=None, decided_at=None)
    d17, d16 = oracle.add_workdays(AS_OF, -17), oracle.add_workdays(AS_OF, -16)
    assert fired(dict(open_case, received_at=d17, accepted_at=d17)) == ["WARN-DUE-SOON"]
    assert fired(dict(open_case, received_at=d16, accepted_at=d16)) == []
    d30, d31 = oracle.add_workdays(AS_OF, -30), oracle.add_workdays(AS_OF, -31)
    assert fired(dict(open_case, received_at=d30, accepted_at=d30)) == ["FP-1", "LIC-42-PENDING"]
    assert fired(dict(open_case, received_at=d31, accepted_at=d31)) == ["FP-1", "LIC-42-PENDING", "WARN-RED"]


def test_changed_prohibitions_and_window():
    refused = rec(acceptance="不予受理", decision=None, decided_at=None, refusal_reason_given=True)
    assert fired(refused) == ["FP-1"]
    assert fired(dict(refused, refusal_ground="不属于本机关职权")) == []
    assert fired(dict(refused, refusal_ground="不需要许可")) == []
    assert fired(dict(refused, refusal_ground="材料不齐全")) == ["FP-1"]
    incomplete = rec(materials_complete=False)
    assert fired(incomplete) == ["FP-2"]
    assert fired(dict(incomplete, supplement_notices=1, first_notice_at=D(2025, 3, 4))) == []
    no_window = rec(window=None)
    assert fired(no_window) == ["SIX-WINDOW"]
    assert fired(dict(no_window, handling_form="窗口办理")) == ["SIX-WINDOW"]
    assert fired(dict(no_window, handling_form="网上办理")) == []
    assert fired(dict(no_window, handling_form="邮寄")) == []


@pytest.mark.parametrize(
    "decided, overdue, open_overdue, prohibited, grade",
    [(100, 2, 0, 0, "优秀"), (100, 2, 0, 1, "良好"), (100, 3, 0, 0, "良好"), (100, 5, 0, 0, "良好"),
     (100, 6, 0, 0, "合格"), (100, 10, 0, 0, "合格"), (100, 11, 0, 0, "不合格"),
     (98, 0, 2, 0, "优秀"), (97, 0, 3, 0, "良好"),  # an open overdue case counts as late
     (0, 0, 0, 0, "不评定"), (0, 0, 1, 0, "不合格")],
)  # fmt: skip
def test_grades(decided, overdue, open_overdue, prohibited, grade):
    assert oracle.grade(decided, overdue, open_overdue, prohibited) == grade


# ---------------------------------------------------------------------------------------
# The generator's boundary cases and the committed fixtures.


def test_boundary_cases_match_their_declared_rules():
    cases = generate.boundary_cases(AS_OF)
    seen = set()
    for label, expect, record in cases:
        record = {k: ("X" if v is generate.FILL else v) for k, v in record.items()}
        record.setdefault("department", "X")
        assert set(oracle.evaluate(record, AS_OF)) == expect, label
        seen |= expect
    # Every case rule shows up in some boundary case.
    assert seen == set(oracle.CASE_RULES)


COMMITTED = [
    # (data file, expected file, rows, format, encoding)
    ("sample.csv", "sample.expected.jsonl", 3000, "csv", "gbk"),
    ("small.jsonl", "small.expected.jsonl", 160, "jsonl", "utf-8"),
    ("small.xlsx", "small.xlsx.expected.jsonl", 160, "xlsx", "utf-8"),
]


@pytest.mark.parametrize(("data", "expected", "rows", "fmt", "encoding"), COMMITTED)
def test_committed_fixtures_regenerate_byte_for_byte(tmp_path, data, expected, rows, fmt, encoding):
    out, exp = tmp_path / data, tmp_path / expected
    generate.generate(20251231, rows, out, fmt, encoding, exp, AS_OF)
    assert out.read_bytes() == (APPROVALS / data).read_bytes()
    assert exp.read_bytes() == (APPROVALS / expected).read_bytes()


def test_sample_contents():
    lines = (APPROVALS / "sample.expected.jsonl").read_text(encoding="utf-8").splitlines()
    rules = {line.split('"rule": "')[1].split('"')[0] for line in lines if '"rule"' in line}
    assert rules == set(oracle.ALL_RULES)
    assert sum('"reject_row"' in line for line in lines) == 7
    text = (APPROVALS / "sample.csv").read_bytes().decode("gbk")
    assert text.startswith("序号,办件编号,") and len(text.splitlines()) == 3001


def test_parallel_chunks_give_the_same_output(tmp_path):
    rows = generate.CHUNK + 500
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    generate.generate(7, rows, one, "csv", "utf-8", tmp_path / "one.jsonl", AS_OF, jobs=1)
    generate.generate(7, rows, two, "csv", "utf-8", tmp_path / "two.jsonl", AS_OF, jobs=2)
    assert one.read_bytes() == two.read_bytes()
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
