"""The alternatives xuke is measured against, each with the conditions of RULES.md section 1
(and of benchmarks/alpha20.rules):

- a plain-Python loop: fixtures/approvals/oracle.py, the reference implementation;
- a bare, hand-written durable_rules program (`durable.lang`, the library's own host):
  what a Python programmer would write with durable_rules directly. What durable_rules
  cannot compute (working days, dates, arithmetic between fields) is computed in Python
  before a fact is asserted, as xuke's compiler does; each case's fact is retracted
  after it, so the session stays small (NOTES-durable.md);
- DuckDB SQL over the same export: every column read as text, normalised in SQL (dates in
  five formats, 是/否 Y/N 有/无 1/0 true/false, amounts such as 1,500.00 ￥80 35元,
  full-width digits), rows xuke would reject left out, working days from a calendar
  table, each rule a boolean column.

Every alternative reports (case id, rule) findings and DEPT-OVERDUE-RATE per
department, so that benchmarks can check that they agree with xuke before comparing speeds.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPT_RULE = "DEPT-OVERDUE-RATE"


def oracle():
    name = "xuke_fixtures_approvals_oracle"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "fixtures" / "approvals" / "oracle.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# ---- plain Python ----


class PlainPython:
    def __init__(self, as_of: dt.date):
        self.as_of = as_of
        self.o = oracle()
        self.departments = self.o.DepartmentCounter()

    def case(self, record: dict) -> list[str]:
        rules = self.o.evaluate(record, self.as_of)
        self.departments.add(record, rules)
        return rules

    def finish(self) -> list[tuple[str, str]]:
        return self.departments.findings()


# ---- bare durable_rules ----

_names = itertools.count()


def _durable_value(v):
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


class _Durable:
    """One durable.lang ruleset; each rule's action notes its id for the current case."""

    def __init__(self, rules: list[tuple[str, object]]):
        from durable import lang

        self.lang = lang
        self.name = f"bench{next(_names)}"
        self.fired: list[str] = []
        with lang.ruleset(self.name):
            for rule_id, condition in rules:
                # the type test keeps a rule of absent fields from matching anything else
                lang.when_all((lang.m.t == "case") & condition)(self._action(rule_id))

    def _action(self, rule_id):
        fired = self.fired

        def action(c):
            fired.append(rule_id)

        action.__name__ = rule_id.replace("-", "_")
        return action

    def run(self, fact: dict) -> list[str]:
        from durable.engine import MessageNotHandledException

        self.fired.clear()
        fact["t"] = "case"
        try:
            self.lang.assert_fact(self.name, fact)
        except MessageNotHandledException:
            return []
        self.lang.retract_fact(self.name, fact)
        # a rule whose condition has `|` fires once per alternative that holds
        return sorted(set(self.fired))


def _durable_standard_rules():
    from durable.lang import m

    fp1 = (m.materials_complete == True) & (  # noqa: E712 (durable.lang operators)
        (m.acceptance == "不予受理") | (m.overdue == True) | (m.pending == True)  # noqa: E712
    )
    fp2 = (m.materials_complete == False) & (m.decision == "准予许可")  # noqa: E712
    fee = (m.fee_amount > 0) & -m.fee_basis
    fp3 = (m.designated_service == True) | fee  # noqa: E712
    fp4 = (m.supplement_notices >= 2) | (m.transfers >= 2)
    return [
        ("LIC-32-NOTICE-LATE", (m.supplement_notices >= 1) & (m.notice_wd > 5)),
        ("LIC-32-NOTICE-REPEAT", m.supplement_notices >= 2),
        ("LIC-32-REFUSAL", (m.acceptance == "不予受理") & (m.refusal_reason_given == False)),  # noqa: E712
        ("LIC-38-REFUSAL", (m.decision == "不予许可")
         & ((m.refusal_reason_given == False) | (m.remedy_informed == False))),  # noqa: E712
        ("LIC-42-OVERDUE", m.overdue == True),  # noqa: E712
        ("LIC-42-PENDING", m.pending == True),  # noqa: E712
        ("LIC-42-EXTENSION", (m.extension_days > 0)
         & (-m.extension_approved_by | (m.extension_notified == False) | (m.over_cap == True))),  # noqa: E712
        ("LIC-44-CERT", (m.decision == "准予许可") & (m.cert_wd > 10)),
        ("LIC-45-NOTIFY", (m.suspended_days > 0) & (m.suspension_notified == False)),  # noqa: E712
        ("LIC-47-HEARING", (m.hearing_required == True) & (m.hearing_informed == False)),  # noqa: E712
        ("LIC-40-PUBLISH", (m.decision == "准予许可") & (m.published == False)),  # noqa: E712
        ("LIC-27-DESIGNATED", m.designated_service == True),  # noqa: E712
        ("LIC-58-FEE", fee),
        ("PROM-LIMIT", (m.over_promise == True) & (m.overdue == False)),  # noqa: E712
        ("SIX-FIRST-CONTACT", -m.first_contact),
        ("SIX-AB", (m.handler_absent == True) & -m.backup_handler),  # noqa: E712
        ("SIX-WINDOW", -m.window),
        ("FP-1", fp1),
        ("FP-2", fp2),
        ("FP-3", fp3),
        ("FP-4", fp4),
        ("ACC-LEADER", (m.loss == "重大") & (fp1 | fp2 | fp3 | fp4)),
        ("DATA-ORDER", m.out_of_order == True),  # noqa: E712
    ]  # fmt: skip


class BareDurable:
    """The standard conditions in durable_rules; the clock in Python."""

    FIELDS = (
        "supplement_notices", "acceptance", "refusal_reason_given", "decision", "remedy_informed",
        "extension_days", "extension_approved_by", "extension_notified", "suspended_days",
        "suspension_notified", "hearing_required", "hearing_informed", "published", "designated_service",
        "fee_amount", "fee_basis", "first_contact", "handler_absent", "backup_handler", "window",
        "materials_complete", "transfers", "loss",
    )  # fmt: skip

    def __init__(self, as_of: dt.date):
        self.as_of = as_of
        self.o = oracle()
        self.engine = _Durable(_durable_standard_rules())
        self.departments = self.o.DepartmentCounter()

    def fact(self, r: dict) -> dict:
        """The record's fields as durable values (nulls left out), and what durable_rules
        cannot compute: working days, the time limit and the dates' order."""
        g, wd = r.get, self.o.workdays
        fact = {k: _durable_value(v) for k in self.FIELDS if (v := g(k)) is not None}
        received, first_notice, accepted_at = g("received_at"), g("first_notice_at"), g("accepted_at")
        decided, cert, notices = g("decided_at"), g("certificate_issued_at"), g("supplement_notices")
        if received is not None and first_notice is not None:
            fact["notice_wd"] = wd(received, first_notice)
        late = notices is not None and notices >= 1 and fact.get("notice_wd", 0) > 5
        start = received if late else accepted_at if accepted_at is not None else received
        joint, extension = g("joint_handling") is True, g("extension_days")
        cap = 15 if joint else 10
        limit = g("legal_limit_days")
        limit = limit if limit is not None else 45 if joint else 20
        if extension is not None and extension > 0 and g("extension_approved_by") is not None:
            limit += min(extension, cap)
        if extension is not None:
            fact["over_cap"] = extension > cap
        end = decided if decided is not None else self.as_of
        elapsed = wd(start, end) - (g("suspended_days") or 0) if start is not None else None
        accepted = g("acceptance") == "受理" or late or (g("acceptance") is None and accepted_at is not None)
        fact["overdue"] = decided is not None and elapsed is not None and elapsed > limit
        fact["pending"] = decided is None and accepted and elapsed is not None and elapsed > limit
        promised = g("promised_limit_days")
        if decided is not None and promised is not None and elapsed is not None:
            fact["over_promise"] = elapsed > promised
        if decided is not None and cert is not None:
            fact["cert_wd"] = wd(decided, cert)
        fact["out_of_order"] = (
            received is not None
            and (any(d is not None and d < received for d in (accepted_at, first_notice, decided)))
            or (cert is not None and decided is not None and cert < decided)
        )
        return fact

    def case(self, record: dict) -> list[str]:
        rules = self.engine.run(self.fact(record))
        self.departments.add(record, rules)
        return rules

    def finish(self) -> list[tuple[str, str]]:
        return self.departments.findings()


def _alpha20_rules():
    from durable.lang import m

    return [
        ("BENCH-A01", m.supplement_notices >= 2),
        ("BENCH-A02", (m.acceptance == "不予受理") & (m.refusal_reason_given == False)),  # noqa: E712
        ("BENCH-A03", (m.decision == "不予许可") & (m.remedy_informed == False)),  # noqa: E712
        ("BENCH-A04", m.designated_service == True),  # noqa: E712
        ("BENCH-A05", (m.fee_amount > 0) & -m.fee_basis),
        ("BENCH-A06", -m.first_contact),
        ("BENCH-A07", (m.handler_absent == True) & -m.backup_handler),  # noqa: E712
        ("BENCH-A08", -m.window),
        ("BENCH-A09", (m.hearing_required == True) & (m.hearing_informed == False)),  # noqa: E712
        ("BENCH-A10", (m.decision == "准予许可") & (m.published == False)),  # noqa: E712
        ("BENCH-A11", (m.suspended_days > 0) & (m.suspension_notified == False)),  # noqa: E712
        ("BENCH-A12", m.extension_days > 10),
        ("BENCH-A13", m.transfers >= 2),
        ("BENCH-A14", m.loss == "重大"),
        ("BENCH-A15", (m.materials_complete == False) & (m.decision == "准予许可")),  # noqa: E712
        ("BENCH-A16", m.legal_limit_days > 20),
        ("BENCH-A17", m.joint_handling == True),  # noqa: E712
        ("BENCH-A18", m.promised_limit_days <= 5),
        ("BENCH-A19", m.department == "市交通运输局"),
        ("BENCH-A20", -m.decided_at),
    ]


class BareDurableAlpha20:
    """benchmarks/alpha20.rules as a bare durable_rules program."""

    def __init__(self):
        self.engine = _Durable(_alpha20_rules())

    def case(self, record: dict) -> list[str]:
        fact = {k: _durable_value(v) for k, v in record.items() if v is not None}
        fact.pop("id", None)
        return self.engine.run(fact)


# ---- DuckDB ----

_COLUMNS = {  # canonical field -> (header in the generated CSV, kind)
    "case_id": ("办件编号", "text"), "department": ("承办部门", "text"), "window": ("受理窗口", "text"),
    "received_at": ("申请时间", "date"), "acceptance": ("受理结果", "text"), "accepted_at": ("受理时间", "date"),
    "supplement_notices": ("补正告知次数", "int"), "first_notice_at": ("首次补正告知时间", "date"),
    "materials_complete": ("材料齐全", "bool"), "decision": ("办理结果", "text"), "decided_at": ("办结时间", "date"),
    "refusal_reason_given": ("说明理由", "bool"), "remedy_informed": ("告知救济权利", "bool"),
    "legal_limit_days": ("法定时限", "int"), "promised_limit_days": ("承诺时限", "int"),
    "joint_handling": ("联合办理", "bool"), "extension_days": ("延长天数", "int"),
    "extension_approved_by": ("延期批准人", "text"), "extension_notified": ("延期告知", "bool"),
    "suspended_days": ("特别程序时间", "int"), "suspension_notified": ("特别程序告知", "bool"),
    "fee_amount": ("收费金额", "amount"), "fee_basis": ("收费依据", "text"),
    "designated_service": ("指定中介或商品", "bool"), "certificate_issued_at": ("送达时间", "date"),
    "published": ("结果公开", "bool"), "hearing_required": ("应当听证", "bool"),
    "hearing_informed": ("告知听证权利", "bool"), "first_contact": ("首问责任人", "text"),
    "handler_absent": ("A岗缺岗", "bool"), "backup_handler": ("B岗", "text"), "transfers": ("转办次数", "int"),
    "loss": ("造成损失", "text"),
}  # fmt: skip

_MACROS = """
create or replace macro nz(x) as nullif(trim(x), '');
create or replace macro fw(x) as translate(trim(x), '０１２３４５６７８９，．', '0123456789,.');
create or replace macro as_date(x) as coalesce(
    try_strptime(substr(fw(x), 1, 10), '%Y-%m-%d'), try_strptime(fw(x), '%Y/%m/%d'),
    try_strptime(fw(x), '%Y年%m月%d日'), try_strptime(fw(x), '%Y%m%d'))::date;
create or replace macro as_bool(x) as case
    when lower(trim(x)) in ('是', 'y', '有', '1', 'true') then true
    when lower(trim(x)) in ('否', 'n', '无', '0', 'false') then false end;
create or replace macro as_int(x) as try_cast(fw(x) as integer);
create or replace macro as_amount(x) as
    try_cast(replace(replace(replace(fw(x), '￥', ''), '元', ''), ',', '') as decimal(18, 2));
"""

_RULES_SQL = """
with typed as (
    select {typed}, ({bad}) as bad from read_csv('{path}', all_varchar = true, header = true)
),
cases as (
    select * from typed
    where not bad and case_id is not null
    qualify row_number() over (partition by case_id order by rn) = 1
),
clock as (
    select c.*,
        coalesce(supplement_notices >= 1 and nw.cum - rw.cum > 5, false) as late,
        rw.cum as r_cum, aw.cum as a_cum, dw.cum as d_cum, cw.cum as c_cum
    from cases c
    left join cal rw on rw.d = c.received_at left join cal nw on nw.d = c.first_notice_at
    left join cal aw on aw.d = c.accepted_at left join cal dw on dw.d = c.decided_at
    left join cal cw on cw.d = c.certificate_issued_at
),
timed as (
    select *,
        (case when decided_at is not null then d_cum else {as_of_cum} end)
            - (case when late then r_cum when accepted_at is not null then a_cum else r_cum end)
            - coalesce(suspended_days, 0) as elapsed,
        coalesce(legal_limit_days, case when joint_handling then 45 else 20 end)
            + case when extension_days > 0 and extension_approved_by is not null
                   then least(extension_days, case when joint_handling then 15 else 10 end) else 0 end as time_limit,
        coalesce(acceptance = '受理', false) or late
            or (acceptance is null and accepted_at is not null) as accepted
    from clock
),
flags as (
    select rn, case_id, department, decided_at,
        late as "LIC-32-NOTICE-LATE",
        coalesce(supplement_notices >= 2, false) as "LIC-32-NOTICE-REPEAT",
        coalesce(acceptance = '不予受理' and refusal_reason_given = false, false) as "LIC-32-REFUSAL",
        coalesce(decision = '不予许可' and (coalesce(refusal_reason_given = false, false)
            or coalesce(remedy_informed = false, false)), false) as "LIC-38-REFUSAL",
        coalesce(decided_at is not null and elapsed > time_limit, false) as overdue,
        coalesce(decided_at is null and accepted and elapsed > time_limit, false) as pending,
        coalesce(extension_days > 0 and (extension_approved_by is null or coalesce(extension_notified = false, false)
            or extension_days > case when joint_handling then 15 else 10 end), false) as "LIC-42-EXTENSION",
        coalesce(decision = '准予许可' and c_cum - d_cum > 10, false) as "LIC-44-CERT",
        coalesce(suspended_days > 0 and suspension_notified = false, false) as "LIC-45-NOTIFY",
        coalesce(hearing_required and hearing_informed = false, false) as "LIC-47-HEARING",
        coalesce(decision = '准予许可' and published = false, false) as "LIC-40-PUBLISH",
        coalesce(designated_service, false) as "LIC-27-DESIGNATED",
        coalesce(fee_amount > 0 and fee_basis is null, false) as "LIC-58-FEE",
        coalesce(decided_at is not null and promised_limit_days is not null and elapsed > promised_limit_days, false)
            as over_promise,
        first_contact is null as "SIX-FIRST-CONTACT",
        coalesce(handler_absent and backup_handler is null, false) as "SIX-AB",
        "window" is null as "SIX-WINDOW",
        materials_complete, acceptance, decision, supplement_notices, transfers, loss,
        coalesce(accepted_at < received_at, false) or coalesce(first_notice_at < received_at, false)
            or coalesce(decided_at < received_at, false) or coalesce(certificate_issued_at < decided_at, false)
            as "DATA-ORDER"
    from timed
),
fp as (
    select *,
        coalesce(materials_complete and (coalesce(acceptance = '不予受理', false) or overdue or pending), false) as fp1,
        coalesce(materials_complete = false and decision = '准予许可', false) as fp2,
        "LIC-27-DESIGNATED" or "LIC-58-FEE" as fp3,
        coalesce(supplement_notices >= 2, false) or coalesce(transfers >= 2, false) as fp4
    from flags
),
findings as (
    select rn, case_id, unnest(list_filter([
        case when "LIC-32-NOTICE-LATE" then 'LIC-32-NOTICE-LATE' end,
        case when "LIC-32-NOTICE-REPEAT" then 'LIC-32-NOTICE-REPEAT' end,
        case when "LIC-32-REFUSAL" then 'LIC-32-REFUSAL' end,
        case when "LIC-38-REFUSAL" then 'LIC-38-REFUSAL' end,
        case when overdue then 'LIC-42-OVERDUE' end,
        case when pending then 'LIC-42-PENDING' end,
        case when "LIC-42-EXTENSION" then 'LIC-42-EXTENSION' end,
        case when "LIC-44-CERT" then 'LIC-44-CERT' end,
        case when "LIC-45-NOTIFY" then 'LIC-45-NOTIFY' end,
        case when "LIC-47-HEARING" then 'LIC-47-HEARING' end,
        case when "LIC-40-PUBLISH" then 'LIC-40-PUBLISH' end,
        case when "LIC-27-DESIGNATED" then 'LIC-27-DESIGNATED' end,
        case when "LIC-58-FEE" then 'LIC-58-FEE' end,
        case when over_promise and not overdue then 'PROM-LIMIT' end,
        case when "SIX-FIRST-CONTACT" then 'SIX-FIRST-CONTACT' end,
        case when "SIX-AB" then 'SIX-AB' end,
        case when "SIX-WINDOW" then 'SIX-WINDOW' end,
        case when fp1 then 'FP-1' end,
        case when fp2 then 'FP-2' end,
        case when fp3 then 'FP-3' end,
        case when fp4 then 'FP-4' end,
        case when (fp1 or fp2 or fp3 or fp4) and coalesce(loss = '重大', false) then 'ACC-LEADER' end,
        case when "DATA-ORDER" then 'DATA-ORDER' end
    ], lambda x: x is not null)) as rule
    from fp
    union all
    select null, department, 'DEPT-OVERDUE-RATE' from fp where department is not null
    group by department
    having count(decided_at) >= 20 and sum(overdue::int) * 100 > count(decided_at) * 5
)
select * from findings
"""


def _typed_sql() -> tuple[str, str]:
    typed, bad = ['try_cast(trim("序号") as bigint) as rn'], []
    for name, (header, kind) in _COLUMNS.items():
        col = f'"{header}"'
        if kind == "text":
            typed.append(f'nz({col}) as "{name}"')
            continue
        fn = {"date": "as_date", "bool": "as_bool", "int": "as_int", "amount": "as_amount"}[kind]
        typed.append(f'case when nz({col}) is not null then {fn}({col}) end as "{name}"')
        bad.append(f"(nz({col}) is not null and {fn}({col}) is null)")
    return ", ".join(typed), " or ".join(bad)


def duckdb_audit(path: str, as_of: dt.date, out: str, threads: int | None = None) -> dict[str, int]:
    """The audit in DuckDB SQL: findings written to `out` (CSV); counts per rule returned."""
    import duckdb

    o = oracle()
    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {int(threads)}")
    first = dt.date(2004, 1, 1)
    days = [first + dt.timedelta(k) for k in range(365 * 23 + 6)]  # 2004-2026, what the calendar covers
    con.execute(
        "create table cal as select unnest($1) as d, unnest($2) as cum",
        [days, [o.workdays(first, d) for d in days]],
    )
    con.execute(_MACROS)
    typed, bad = _typed_sql()
    as_of_cum = o.workdays(first, as_of)
    sql = _RULES_SQL.format(typed=typed, bad=bad, path=path.replace("'", "''"), as_of_cum=as_of_cum)
    con.execute(f"create temp table findings as {sql}")
    con.execute(f"copy findings to '{out}' (header, delimiter ',')")
    counts = dict(con.execute("select rule, count(*) from findings group by rule").fetchall())
    con.close()
    return counts
