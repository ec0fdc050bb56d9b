"""The engine past durable_rules' limits, and after exceptions.

- B16: an exception inside a case (an action, a computed value) leaves the engine's session
  empty and unlocked: the program gives the next cases what a fresh program gives.
- B17: a stratum is spread over as many durable rulesets as its size needs
  (durable_backend.plan), long `in` lists are set lookups in Python, and a rule too large
  for a ruleset of its own is a check error naming the limit. Split or not, the findings
  are the same, and agree with the reference evaluator.
"""

import datetime as dt
import random

import pytest
import xuke.run.durable_backend as db
import xuke.run.runtime as runtime
from conftest import ROOT
from reference import Ref
from xuke.errors import XukeError
from xuke.ir.compiler import MAX_NATIVE_LIST, compile_rules
from xuke.jobs.packs import load_packs as load
from xuke.lang.diagnostics import DiagnosticError
from xuke.run.runtime import CompiledProgram, Context, input_fact

D = dt.date
AS_OF = D(2025, 12, 31)


def _load(tmp_path, source: str, name: str = "t"):
    path = tmp_path / f"{name}.rules"
    path.write_text(source, encoding="utf-8")
    return load([path])


def _one_rule_per_ruleset(rules, type_codes):
    return [[r] for r in rules]


def _findings(program, recs, calendar):
    ctx = Context(calendar, AS_OF)
    out = []
    for i, rec in enumerate(recs):
        res = program.run_case([input_fact("record", rec, file="t", row=i + 1)], ctx)
        out.extend((f.case_id, f.rule, f.message, repr(f.trace)) for f in res.findings)
    return sorted(out)


# ---- B16: exceptions inside a case ----

RAISING = """pack reuse "exceptions inside a case"
fact span(case_id: text, start: date, end: date)

rule SPAN "derive"
when
  r: record(accepted_at is not null, decided_at is not null)
then
  assert span(case_id: r.case_id, start: r.accepted_at, end: r.decided_at)
end

rule LONG "computed from a derived fact"
  severity error
  cites "t"
when
  s: span(workdays(start, end) > 20)
  r: record(case_id == s.case_id)
then
  report r "{s.case_id}"
end

rule TEMPLATE "an action that computes"
  severity warning
  cites "t"
when
  r: record(transfers >= 1, decided_at is not null)
then
  report r "{workdays(r.received_at, r.decided_at)}"
end
"""


def _good(i):
    return {"case_id": f"G{i}", "received_at": D(2025, 3, 3), "accepted_at": D(2025, 3, 3),
            "decided_at": D(2025, 4, 30), "transfers": i % 3, "legal_limit_days": 5,
            "acceptance": "受理", "fee_amount": 80, "window": "窗口1"}  # fmt: skip


def _bad(i):
    # 2099 is outside every calendar: workdays() raises CalendarError, in a computed key
    # (LONG), in an action's template (TEMPLATE) or in an asserted value (constructs' LATE)
    return {**_good(i), "case_id": f"B{i}", "decided_at": D(2099, 4, 30), "transfers": 1 + i % 2}


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("pack", ["constructs", "raising"])
def test_a_program_is_reusable_after_an_exception(tmp_path, calendar, monkeypatch, pack, split):
    if split:  # the path for strata spread over several rulesets
        monkeypatch.setattr(runtime, "plan", _one_rule_per_ruleset)
    base = (
        load([ROOT / "tests" / "golden" / "constructs.rules"])
        if pack == "constructs"
        else _load(tmp_path, RAISING)
    )
    ir = compile_rules(base)
    reused, fresh = CompiledProgram(ir), CompiledProgram(compile_rules(base))
    ctx = Context(calendar, AS_OF)
    raised = 0
    for i in range(2000):
        try:
            reused.run_case([input_fact("record", _bad(i), file="t", row=1)], ctx)
        except XukeError:
            raised += 1
        good = [input_fact("record", _good(i), file="t", row=2)]
        got, want = reused.run_case(good, ctx), fresh.run_case(good, ctx)
        assert [(f.rule, f.message, f.trace) for f in got.findings] == [
            (f.rule, f.message, f.trace) for f in want.findings
        ], i
        assert len(got.facts) == len(want.facts)
    assert raised == 2000  # every bad case reached its exception: the session was never locked
    assert fresh.run_case([input_fact("record", _good(0), file="t", row=2)], ctx).findings


def test_after_an_exception_the_sessions_are_empty_and_unlocked(calendar):
    base = load([ROOT / "tests" / "golden" / "constructs.rules"])
    program = CompiledProgram(compile_rules(base))
    ctx = Context(calendar, AS_OF)
    with pytest.raises(XukeError):  # in LATE's action, after START's fact was asserted
        program.run_case([input_fact("record", _bad(0), file="t", row=1)], ctx)
    for stratum in program.case_strata:
        for ruleset, _ in stratum.parts:
            try:
                assert db.dre.get_facts(ruleset.handle, "0") == "[]"
            except db.dre.error:
                pass  # no session was ever opened in this ruleset
    # an action left started would lock the session for a minute: START and LATE would not fire
    rec = {**_good(0), "legal_limit_days": 5}
    found = program.run_case([input_fact("record", rec, file="t", row=2)], ctx).findings
    assert "T-JOIN" in {f.rule for f in found}


# ---- B17: what one ruleset holds ----

RULE = """rule {rid} "t"
  severity error
  cites "t"
when
  r: record({cond})
then
  report r "{{r.case_id}}"
end
"""


def _pack(conds, prefix="LIM"):
    return 'pack many "t"\n' + "".join(
        RULE.format(rid=f"{prefix}-{i:04d}", cond=c) for i, c in enumerate(conds)
    )


def _check_groups(program):
    """Every ruleset of the program is within durable's limits by the model."""
    for stratum in program.case_strata + program.summary_strata:
        for ruleset, _ in stratum.parts:
            net = db._Network()
            for rule in ruleset.rules:
                assert net.add(db._rule_definition(rule, program.type_codes)) is None


SHAPES = {
    # each one over a limit for a single ruleset: the stack (a record meeting 65
    # conditions: error 303), the hash set (512 conditions: create_ruleset spins), the
    # list of patterns ending at one node (256: SIGSEGV or error 108)
    "600 distinct, all met": ([f"supplement_notices >= {i}" for i in range(600)], 600),
    "600 equalities, one met": ([f"supplement_notices == {i}" for i in range(600)], 1),
    "300 identical": (["supplement_notices >= 2"] * 300, 300),
    "300 without conditions": ([""] * 300, 300),
    "200 equal in lists": (["supplement_notices in [999, 1000, 1001]"] * 200, 200),
    "200 with one unmet": ([f"supplement_notices is not null, transfers != {i}" for i in range(200)], 199),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_large_stratum_runs_in_several_rulesets(tmp_path, calendar, shape):
    conds, fired = SHAPES[shape]
    program = CompiledProgram(compile_rules(_load(tmp_path, _pack(conds))))
    assert len(program.case_strata[0].parts) > 1
    _check_groups(program)
    recs = [{"case_id": "A1", "received_at": D(2025, 3, 3), "supplement_notices": 1000, "transfers": 7}]
    if "equalities" in shape:
        recs[0]["supplement_notices"] = 5
    got = _findings(program, recs * 3, calendar)
    assert len(got) == 3 * fired


@pytest.mark.parametrize("order", ["producer first", "consumer first"])
def test_derived_facts_reach_rules_in_other_rulesets_of_the_stratum(tmp_path, calendar, order):
    first, last = ("A", "Z") if order == "producer first" else ("Z", "A")
    src = (
        _pack([f"supplement_notices >= {i}" for i in range(300)], prefix="M")
        + f"""
fact mark(case_id: text, n: int)

rule {first}-DERIVE "d"
when
  r: record(supplement_notices >= 1)
then
  assert mark(case_id: r.case_id, n: r.supplement_notices)
end

rule {last}-USE "u"
  severity error
  cites "t"
when
  r: record()
  m: mark(case_id == r.case_id, n >= 2)
then
  report r "{{m.n}}"
end
"""
    )
    base = _load(tmp_path, src)
    program = CompiledProgram(compile_rules(base))
    stratum = program.case_strata[0]
    assert len(stratum.parts) > 1
    where = {r["id"][:8]: k for k, (ruleset, _) in enumerate(stratum.parts) for r in ruleset.rules}
    assert where[f"{first}-DERIVE"[:8]] != where[f"{last}-USE"[:8]]
    recs = [{"case_id": f"C{n}", "received_at": D(2025, 3, 3), "supplement_notices": n} for n in range(4)]
    got = {(c, r) for c, r, *_ in _findings(program, recs, calendar)}
    assert {c for c, r in got if r.endswith("-USE")} == {"C2", "C3"}
    assert got == _reference(base, calendar, recs)


def _reference(base, calendar, recs):
    return Ref(base, calendar, AS_OF).findings(recs)


def test_split_strata_give_the_same_findings_and_traces(calendar, monkeypatch):
    """The standard packs over the sample export, each rule in a ruleset of its own versus
    one ruleset per stratum: the same findings, messages and traces (rules fire in the same
    order, so a fact derived twice keeps the same origin), and the same summaries."""
    from xuke.sources.records import RecordSource, Reject

    base = load([ROOT / "rules"])
    whole = CompiledProgram(compile_rules(base))
    assert all(s.ruleset is not None for s in whole.case_strata + whole.summary_strata)
    monkeypatch.setattr(runtime, "plan", _one_rule_per_ruleset)
    split = CompiledProgram(compile_rules(base))
    assert len(split.case_strata[0].parts) > 10
    ctx = Context(calendar, AS_OF)
    rows = [
        it
        for it in RecordSource(ROOT / "fixtures" / "approvals" / "sample.csv")
        if not isinstance(it, Reject)
    ]
    results = []
    for program in (whole, split):
        state, found = program.new_summary_state(), []
        for it in rows[:600]:
            case = program.run_case([input_fact("record", it.values, file="s.csv", row=it.row)], ctx)
            program.add_to_summaries(state, case, ctx)
            found.extend(f.sort_key() + (f.message, repr(f.trace), f.subject) for f in case.findings)
        found.extend(f.sort_key() + (f.message,) for f in program.run_summaries(state, ctx, "s.csv"))
        results.append(found)
    assert len(results[0]) > 100
    assert results[0] == results[1]


def test_the_standard_packs_take_one_ruleset_per_stratum():
    # no per-fact cost for programs inside the limits: one assert per fact and stratum
    program = CompiledProgram(compile_rules(load([ROOT / "rules"])))
    assert all(len(s.parts) == 1 for s in program.case_strata + program.summary_strata)


# ---- long `in` lists ----


def test_long_in_lists_are_computed_and_agree_with_the_reference(tmp_path, calendar):
    long = ", ".join(str(i) for i in range(2, 602))
    texts = ", ".join(f'"窗口{i}"' for i in range(700))
    conds = [
        f"supplement_notices in [{long}]",
        f"supplement_notices not in [{long}]",
        f"window in [{texts}]",
        f"window not in [{texts}]",
        f"transfers in [{', '.join(str(i) for i in range(MAX_NATIVE_LIST))}]",  # still native
        f"transfers + 0 in [{long}]",
        f"fee_amount in [{', '.join(f'{i}.5' for i in range(100))}, 7]",
        f"supplement_notices in [{long}], transfers not in [{long}]",
    ]
    base = _load(tmp_path, _pack(conds))
    ir = compile_rules(base)
    native = [
        c for r in ir["rules"] for p in r["patterns"] for c in p["conditions"] if "any" in c or "all" in c
    ]
    assert all(len(c.get("any", c.get("all"))) <= MAX_NATIVE_LIST + 1 for c in native)
    program = CompiledProgram(ir)
    assert all(len(s.parts) == 1 for s in program.case_strata)
    rng = random.Random(7)
    recs = []
    for n in range(300):
        rec = {"case_id": f"C{n}", "received_at": D(2025, 3, 3)}
        for field, values in (
            ("supplement_notices", [None, 0, 1, 2, 300, 601, 602, 10**6]),
            ("transfers", [None, 0, 5, 31, 32, 599]),
            ("window", [None, "窗口0", "窗口699", "窗口700", "其他"]),
            ("fee_amount", [None, 7, 7.0, 3.5, 99.5, 100.5, 2]),
        ):
            v = rng.choice(values)
            if v is not None:
                rec[field] = v
        recs.append(rec)
    got = {(c, r) for c, r, *_ in _findings(program, recs, calendar)}
    assert got == _reference(base, calendar, recs)
    assert len({r for _, r in got}) == len(conds)  # every rule fired for some record


def test_many_in_lists_in_one_pattern(tmp_path, calendar):
    # each native list is 2 of the 31 expressions durable allows a pattern: 15 lists used to
    # fail with error 113; past 8 they are computed
    conds = [
        ", ".join(
            f"supplement_notices {'not in' if i % 2 else 'in'} [{i}, {i + 1}, {i + 2}]" for i in range(15)
        )
    ]
    base = _load(tmp_path, _pack(conds))
    program = CompiledProgram(compile_rules(base))
    recs = [{"case_id": f"C{n}", "received_at": D(2025, 3, 3), "supplement_notices": n} for n in range(20)]
    recs.append({"case_id": "N", "received_at": D(2025, 3, 3)})
    assert {(c, r) for c, r, *_ in _findings(program, recs, calendar)} == _reference(base, calendar, recs)


# ---- a rule too large for a ruleset of its own ----


def test_a_rule_beyond_the_engine_is_a_check_error(tmp_path):
    fields = ", ".join(f"f{i}: int" for i in range(30))
    joins = ", ".join(f"f{i} == r.transfers" for i in range(30))
    src = f"""pack wide "t"
fact wide({fields})

rule WIDE "t"
  severity error
  cites "t"
when
  r: record(transfers is not null)
  w: wide({joins})
then
  report r "x"
end
"""
    with pytest.raises(DiagnosticError) as e:
        _load(tmp_path, src)
    text = e.value.render() if hasattr(e.value, "render") else str(e.value)
    assert "WIDE" in text and "too large for the rule engine" in text and "at most 31" in text
    assert e.value.diagnostics[0].pos.line == 4


# ---- the model against the engine ----


def _random_rules(rng, n):
    def cond():
        key = f"f{rng.randrange(4)}"
        kind = rng.randrange(6)
        if kind == 0:
            return {
                "cmp": rng.choice([">=", "<=", ">", "<", "!="]),
                "key": key,
                "value": {"lit": rng.randrange(6)},
            }
        if kind == 1:
            return {"cmp": "==", "key": key, "value": {"lit": rng.choice([0, 1, 2, 1.0, True, "x"])}}
        if kind == 2:
            return {rng.choice(["exists", "absent"]): f"f{rng.randrange(10)}"}
        if kind == 3:
            values = rng.sample(range(40), rng.randrange(1, MAX_NATIVE_LIST + 1))
            return {"any": [{"cmp": "==", "key": key, "value": {"lit": v}} for v in values]}
        if kind == 4:
            values = rng.sample(range(10), rng.randrange(1, 6))
            return {
                "all": [{"exists": key}] + [{"cmp": "!=", "key": key, "value": {"lit": v}} for v in values]
            }
        return {"cmp": "==", "key": key, "value": {"lit": rng.randrange(3)}}

    shared = [cond() for _ in range(5)]
    rules = []
    for i in range(n):
        patterns = []
        for j in range(rng.choice([1, 1, 1, 2, 3])):
            conds = [rng.choice(shared) if rng.random() < 0.4 else cond() for _ in range(rng.randrange(4))]
            if j and rng.random() < 0.5:
                conds = [
                    {"exists": "f0"},
                    *conds,
                    {"cmp": rng.choice(["==", ">="]), "key": "f0", "ref": ["p0", "f1"]},
                ]
                patterns[0]["conditions"].append({"exists": "f1"})
            kind = rng.choice(["match", "match", "not"]) if j else "match"
            patterns.append(
                {"kind": kind, "binding": f"p{j}", "type": rng.choice("abc"), "conditions": conds}
            )
        rules.append({"id": f"R{i}", "patterns": patterns})
    return rules


@pytest.mark.parametrize("seed", range(4))
def test_planned_rulesets_hold_in_the_engine(seed):
    """Random rule shapes, planned, created and sent facts that meet as many conditions as
    possible, each batch in a session of its own: no error code, no hang, no crash."""
    rng = random.Random(seed)
    codes = {"a": 0, "b": 1, "c": 2}
    rules = _random_rules(rng, rng.choice([300, 900]))
    groups = db.plan(rules, codes)
    assert [r for g in groups for r in g] == rules
    facts = [{"t": t, **{f"f{k}": (v if k < 4 else 1) for k in range(present)}}
             for t in range(3) for v in range(-1, 41) for present in (10, 4, 0, 7)]  # fmt: skip
    for group in groups:
        ruleset = db.Ruleset(group, codes)
        for start in range(0, len(facts), 6):
            for i, fact in enumerate(facts[start : start + 6]):
                payload = db.orjson.dumps({"sid": str(start), "id": i + 1, **fact}).decode()
                ruleset.assert_fact(payload, lambda rule, bindings: None)
        db.dre.delete_ruleset(ruleset.handle)


def test_the_set_lookup_answers_as_evaluate_does():
    from decimal import Decimal

    from xuke.ir.evaluate import compile_expr, literal

    items = [1, 2.5, "1", "窗口", D(2025, 3, 3), True, None, Decimal("7.10"), -3]
    values = [None, 0, 1, 1.0, True, False, 2.5, Decimal("2.50"), "1", "窗口", "2.5", D(2025, 3, 3),
              "2025-03-03", 7.1, Decimal("7.1"), -3, -3.0, [1], {"a": 1}, float("nan"), float("inf")]  # fmt: skip
    for op in ("in", "not in"):
        ir = {"op": op, "args": [{"field": "x"}, literal(items)]}
        fast, slow = runtime._compile_computed(ir), compile_expr(ir)
        assert fast.__name__ == "member"  # the set lookup, not evaluate's closure
        for v in values:
            assert fast({"x": v}, None, None) == slow({"x": v}, None, None), (op, v)


def _ir_rule(i, conds):
    return {
        "id": f"R{i}",
        "patterns": [{"kind": "match", "binding": "r", "type": "record", "conditions": conds}],
    }


def test_plan_groups_stay_within_every_limit():
    def eq(key, v):
        return {"cmp": "==", "key": key, "value": {"lit": v}}

    shapes = {
        "two-level equalities": [_ir_rule(i, [eq("f0", i % 100), eq("f1", i // 100)]) for i in range(5000)],
        "distinct": [_ir_rule(i, [{"cmp": ">=", "key": "f0", "value": {"lit": i}}]) for i in range(2000)],
        "absent": [_ir_rule(i, [{"exists": "f0"}, {"absent": f"f{i + 1}"}]) for i in range(1000)],
        "same list": [_ir_rule(i, [{"any": [eq("f0", v) for v in range(20)]}]) for i in range(1000)],
    }
    for name, rules in shapes.items():
        groups = db.plan(rules, {"record": 0})
        assert [r for g in groups for r in g] == rules, name
        assert max(len(g) for g in groups) <= db._RULES, name
        for group in groups:
            net = db._Network()
            assert all(net.add(db._rule_definition(r, {"record": 0})) is None for r in group), name
    assert [len(g) for g in db.plan(shapes["two-level equalities"], {"record": 0})] == [4096, 904]
