"""Running compiled rules: one engine session per case (its input facts, the facts derived
from them, its findings), strata in order, state deleted afterwards so memory stays flat;
then summaries over all cases and the rules over them.

Findings never depend on the order of rules, files or rows: within a stratum the engine
only sees facts whose producers have all finished (negated types are asserted first), a
derived fact is kept once however often it is derived, and a rule reports a subject once.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from ..findings import DATE_FIELDS, Finding
from ..ir.evaluate import compile_expr, literal_value, render_value
from ..ir.order import recursive
from .durable_backend import Ruleset, engine_value, plan


@dataclass
class Context:
    calendar: Any
    as_of: dt.date


@dataclass(eq=False)
class Fact:
    type: str
    values: dict
    origin: dict  # input: {"file", "row"|"line"}; derived: {"rule", "from": [Fact]}
    fid: int = 0
    payload: str | None = None  # the serialised engine fact, made once
    # its place in fact order (docs/language.md): input facts (-1, position); derived facts
    # and findings (stratum, depth, rule order, keys of the facts of their first match)
    key: tuple = ()  # made on demand (key_of)
    settled: bool = False  # its origin is final (input facts, and derived ones after their stratum)
    order: int = -1  # the rule order of the rule that first derived it
    depth: int = 0  # derivation steps within its stratum (0: from an earlier stratum or input)
    height: int = -1  # derivation steps down to its deepest input, once its origin is final (describe)
    derivations: list = field(default_factory=list)  # (rule, matched facts, env) while its stratum runs
    subject: Fact | None = None  # a finding's subject


def input_fact(type_: str, values: dict, **origin) -> Fact:
    return Fact(type_, {k: v for k, v in values.items() if v is not None}, origin)


@dataclass
class CaseResult:
    findings: list[Finding]
    facts: list[Fact]


class Session:
    """What one session holds: its facts (input, derived, findings as facts), the derived
    facts by value and the findings by (rule, subject), and the findings made."""

    def __init__(self, inputs: list[Fact]):
        self.facts: list[Fact] = []
        self.by_id: dict[int, Fact] = {}
        self.counter = itertools.count(1)
        self.derived: dict = {}  # (type, values) -> Fact
        self.reports: dict = {}  # (rule id, subject fid) -> finding Fact
        self.findings: list[Finding] = []
        for i, f in enumerate(inputs):
            f.key, f.settled = (-1, i), True
            self.add(f)

    def add(self, fact: Fact) -> None:
        fact.fid = next(self.counter)
        fact.payload = None
        self.facts.append(fact)
        self.by_id[fact.fid] = fact

    def settle(self, new: list[Fact], recursive: bool, program: CompiledProgram, ctx: Context) -> None:
        """After a stratum: give each fact it derived the origin of its first derivation and
        its key in fact order, then make the findings it reported, in fact order
        (docs/language.md, "Which match a rule uses"). In a recursive stratum (rules that
        derive facts from facts they derive themselves) derivations in fewer steps come
        first, so that no fact is first derived from itself."""
        if not new:
            return
        mine = {id(f) for f in new}
        depth: dict[int, int] = {}
        if recursive:
            changed = True
            while changed:  # the fewest derivation steps (Bellman-Ford over the derivations)
                changed = False
                for f in new:
                    for _, matched, _, _ in f.derivations:
                        d = 1
                        for g in matched:
                            if id(g) in mine:
                                dg = depth.get(id(g))
                                if dg is None:
                                    break
                                d = max(d, dg + 1)
                        else:
                            if d < depth.get(id(f), d + 1):
                                depth[id(f)] = d
                                changed = True

        def steps(matched) -> int:
            if not recursive:
                return 0
            return max((depth[id(g)] + 1 for g in matched if id(g) in mine), default=1)

        def settle(f: Fact) -> None:
            """Choose f's origin; keys are made only where two derivations compare."""
            if f.settled:
                return
            d = depth.get(id(f), 0)
            if len(f.derivations) == 1 and not recursive:  # the common case: one way to it
                best = f.derivations[0]
            else:
                best, least = None, None
                for deriv in f.derivations:
                    rule, matched = deriv[0], deriv[1]
                    if steps(matched) == d:
                        for g in matched:
                            settle(g)
                        k = (rule["order"], tuple(key_of(g) for g in matched))
                        if least is None or k < least:
                            best, least = deriv, k
            rule, matched, env, spec = best
            f.settled, f.depth, f.order = True, d, rule["order"]
            f.origin["rule"] = rule["id"]
            f.origin["from"] = matched
            f.derivations = [] if f.subject is None else [best]

        for f in new:
            settle(f)
        # findings in a fixed order: by rule, then by subject (each rule reports a subject once)
        made = [f for f in new if f.subject is not None]
        made.sort(key=lambda f: (f.order, key_of(f.subject)))
        for f in made:
            rule, matched, env, spec = f.derivations[0]
            f.derivations = []
            self.findings.append(program.report(rule, f.subject, matched, env, spec, ctx))


def key_of(fact: Fact) -> tuple:
    """A settled fact's key in fact order, made on demand: input facts (-1, position);
    derived facts and findings (rule order of their origin, steps, keys of the facts of
    their origin)."""
    if not fact.key:
        fact.key = (fact.order, fact.depth, tuple(key_of(g) for g in fact.origin["from"]))
    return fact.key


@dataclass
class _Stratum:
    ruleset: Ruleset | None  # the stratum's one ruleset; None when it takes several
    types: set[str]
    negated: set[str]
    parts: list[tuple[Ruleset, set[str]]]  # the rulesets, each with the types it matches
    recursive: bool = False  # some rule matches facts that rules of this stratum derive from it


class CompiledProgram:
    """IR loaded into durable rulesets, with the Python side of every rule compiled."""

    def __init__(self, ir: dict, severity_overrides: dict[str, str] | None = None):
        self.ir = ir
        self.rules = {r["id"]: r for r in ir["rules"]}
        overrides = severity_overrides or {}
        for r in ir["rules"]:
            if r["id"] in overrides:
                r["severity"] = overrides[r["id"]]
        types = set(ir["types"]) | {p["type"] for r in ir["rules"] for p in r["patterns"]}
        self.type_codes = {t: i for i, t in enumerate(sorted(types))}
        self.keys = {t: spec.get("fields", {}) for t, spec in ir["types"].items()}
        self.computed = {
            t: [(c["key"], _compile_computed(c["expr"])) for c in spec.get("computed", [])]
            for t, spec in ir["types"].items()
        }
        self.actions = {r["id"]: self._compile_actions(r) for r in ir["rules"]}
        self.highlights = {
            r["id"]: [(compile_expr(h["expr"]), compile_expr({"regex": h["regex"]})(None, None, None))
                      for h in r.get("highlight", ())]
            for r in ir["rules"]
        }  # fmt: skip
        self.case_strata = self._strata("case")
        self.summary_strata = self._strata("summary")
        self.summaries = [self._compile_summary(s) for s in ir["summaries"]]
        self.keep_sources = False  # `xuke explain` wants the facts behind each finding
        # while a chunk's findings are made by columns: fact -> its description, shared by
        # the traces of the chunk (audit.shift_rows shifts a shared one once)
        self.describe_memo: dict | None = None

    # ---- compilation of the Python side ----
    def _compile_actions(self, rule):
        out = []
        for a in rule["actions"]:
            if "assert" in a:
                fields = [(name, compile_expr(e)) for name, e in a["fields"].items()]
                out.append(("assert", a["assert"], fields))
            else:
                parts = [p if isinstance(p, str) else compile_expr(p) for p in a["template"]]
                data = [(name, compile_expr(e)) for name, e in a.get("data", ())]
                out.append(("report", a["report"], (parts, data)))
        return out

    def _strata(self, phase: str) -> list[_Stratum]:
        rules = [r for r in self.ir["rules"] if r["phase"] == phase]
        out = []
        for level in sorted({r["stratum"] for r in rules}):
            group = [r for r in rules if r["stratum"] == level]
            types = {p["type"] for r in group for p in r["patterns"]}
            negated = {p["type"] for r in group for p in r["patterns"] if p["kind"] == "not"}
            parts = [(Ruleset(part, self.type_codes), {p["type"] for r in part for p in r["patterns"]})
                     for part in plan(group, self.type_codes)]  # fmt: skip
            out.append(_Stratum(parts[0][0] if len(parts) == 1 else None, types, negated, parts, recursive(group)))
        return out

    def _compile_summary(self, s):
        items = []
        for item in s["items"]:
            where = [compile_expr(c) for c in item["where"]]
            items.append((item["name"], item["type"], where))
        return s["name"], s["by"], items

    # ---- facts into the engine ----
    def _payload(self, fact: Fact, sid: str, ctx: Context) -> str:
        if fact.payload is None:
            data = {"sid": sid, "id": fact.fid, "t": self.type_codes.get(fact.type, -1)}
            values = fact.values
            for name, key in self.keys.get(fact.type, {}).items():
                v = values.get(name)
                if v is not None:
                    data[key] = engine_value(v)
            for key, fn in self.computed.get(fact.type, ()):
                v = fn(values, None, ctx)
                if v is not None and v is not False:
                    data[key] = engine_value(v)
            fact.payload = orjson.dumps(data).decode()
        return fact.payload

    # ---- sessions ----
    def run_session(self, inputs: list[Fact], ctx: Context, strata: list[_Stratum],
                    prior: Session | None = None) -> CaseResult:  # fmt: skip
        """Run `strata` over one session's input facts (or over what `prior`, a session
        begun by another strategy, holds already) and return its findings and facts.

        The engine's firing order decides nothing: every match is collected while a
        stratum runs, and when it is done each derived fact and each finding takes the
        first of its matches in match order (docs/language.md, "Which match a rule uses"):
        its origin, the trace it shows and the message it renders."""
        session = prior or Session(inputs)
        facts, by_id = session.facts, session.by_id
        pending: list[Fact] = []
        derived: dict = session.derived
        reports: dict = session.reports

        def on_match(rule: dict, bindings: dict):
            env = {}
            matched = []
            for p in rule["patterns"]:
                if p["kind"] != "not" and p["binding"] in bindings:
                    f = by_id[_local_id(bindings[p["binding"]]["id"])]
                    matched.append(f)  # `exists` facts too: they are part of why it fired
                    if p["kind"] == "match":
                        env[p["binding"]] = f.values
            for kind, target, spec in self.actions[rule["id"]]:
                if kind == "assert":
                    values = {}
                    for name, fn in spec:
                        v = fn(None, env, ctx)
                        if v is not None:
                            values[name] = v
                    key = (target, tuple(sorted((k, _hashable(v)) for k, v in values.items())))
                    fact = derived.get(key)
                    if fact is None:
                        fact = Fact(target, values, {"rule": rule["id"], "from": matched})
                        derived[key] = fact
                        session.add(fact)
                        pending.append(fact)
                    if not fact.settled:  # not settled in an earlier stratum
                        fact.derivations.append((rule, matched, None, None))
                else:
                    subject = by_id[_local_id(bindings[target]["id"])]
                    ffact = reports.get((rule["id"], subject.fid))
                    if ffact is None:
                        ffact = Fact("finding", {**subject.values, "rule": rule["id"], "severity": rule["severity"],
                                                 "tags": list(rule["tags"])},
                                     {"rule": rule["id"], "from": matched, "finding": True})  # fmt: skip
                        ffact.subject = subject
                        reports[(rule["id"], subject.fid)] = ffact
                        session.add(ffact)
                        pending.append(ffact)
                    ffact.derivations.append((rule, matched, env, spec))

        for stratum in strata:
            ruleset = stratum.ruleset
            # negated types first: by construction they are complete before this stratum
            todo = [f for f in facts if f.type in stratum.negated]
            todo += [f for f in facts if f.type in stratum.types and f.type not in stratum.negated]
            pending.clear()
            start = len(facts)
            if ruleset is None:
                self._run_parts(stratum, todo, pending, "0", ctx, on_match)
            else:
                self._run_one(ruleset, stratum, todo, pending, ctx, on_match)
            session.settle(facts[start:], stratum.recursive, self, ctx)
        return CaseResult(session.findings, facts)

    def _run_one(self, ruleset: Ruleset, stratum: _Stratum, todo: list[Fact], pending: list[Fact], ctx: Context,
                 on_match) -> None:  # fmt: skip
        """_run_parts with one part, without routing each fact: one loop serving both
        measured 4 % slower on every case (benchmarks/engine_alone.py)."""
        sid = "0"  # one session, emptied after each case (see Ruleset.retract)
        i = 0
        asserted = []
        try:
            while i < len(todo):
                payload = self._payload(todo[i], sid, ctx)
                asserted.append(payload)
                ruleset.assert_fact(payload, on_match)
                i += 1
                if i == len(todo) and pending:
                    todo.extend(f for f in pending if f.type in stratum.types)
                    pending.clear()
        finally:
            # whatever an action raised, the next case must find the session empty:
            # facts left behind would join with its facts, or be taken for its own
            ruleset.retract(asserted)

    def _run_parts(self, stratum: _Stratum, todo: list[Fact], pending: list[Fact], sid: str, ctx: Context,
                   on_match) -> None:  # fmt: skip
        """A stratum too large for one engine ruleset (durable_backend.plan): every fact goes
        to each ruleset that matches its type, so each rule sees the same facts as it would
        in one ruleset, and facts derived in any of them reach all of them."""
        parts = stratum.parts
        asserted: list[list[str]] = [[] for _ in parts]
        i = 0
        try:
            while i < len(todo):
                fact = todo[i]
                payload = self._payload(fact, sid, ctx)
                for (ruleset, types), done in zip(parts, asserted, strict=True):
                    if fact.type in types:
                        done.append(payload)
                        ruleset.assert_fact(payload, on_match)
                i += 1
                if i == len(todo) and pending:
                    todo.extend(f for f in pending if f.type in stratum.types)
                    pending.clear()
        finally:
            for (ruleset, _), done in zip(parts, asserted, strict=True):
                ruleset.retract(done)

    def run_case(self, inputs: list[Fact], ctx: Context) -> CaseResult:
        return self.run_session(inputs, ctx, self.case_strata)

    # ---- findings ----
    def report(self, rule: dict, subject: Fact, matched: list[Fact], env: dict, spec, ctx: Context) -> Finding:
        """The finding of a `report` action for one match: its message, and the typed data of
        `report ... with (...)`, evaluated over that match's bindings."""
        parts, data = spec
        message = "".join(p if isinstance(p, str) else render_value(p(None, env, ctx)) for p in parts)
        finding = self._finding(rule, subject, message, matched)
        if data:
            finding.data = {name: fn(None, env, ctx) for name, fn in data}
        return finding

    def _finding(self, rule: dict, subject: Fact, message: str, matched: list[Fact]) -> Finding:
        root = _root_input(subject)
        f = Finding(
            rule=rule["id"],
            severity=rule["severity"],
            title=rule["title"],
            message=message,
            cites=list(rule["cites"]),
            tags=list(rule["tags"]),
            file=root.origin.get("file", "") if root else "",
            trace={"rule": rule["id"], "facts": [describe(m, 0, self.describe_memo) for m in matched]},
        )
        if self.keep_sources:
            f.sources = matched
        if "from" in subject.origin:
            f.subject = f"{subject.type}(" + ", ".join(
                f"{k}={render_value(v)}" for k, v in sorted(subject.values.items())) + ")"  # fmt: skip
        src = root or subject
        values = src.values
        if src.type == "record":
            f.case_id = values.get("case_id")
            f.row = src.origin.get("row")
        elif src.type in ("clause", "document"):
            f.line = values.get("line", src.origin.get("line"))
            f.article = values.get("article")
            f.text = values.get("text") if src.type == "clause" else values.get("title")
            if subject is src:
                f.span = self._span(rule["id"], values)
        if src.type == "record":
            if values.get("department") is not None:
                f.trace["record"] = {"department": values["department"]}
            for name in DATE_FIELDS:
                value = values.get(name)
                if value is not None:
                    setattr(f, name, value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10])
        if src.origin.get("summary"):
            f.group = {src.origin["summary_by"]: values.get(src.origin["summary_by"])}
        return f

    def _span(self, rule_id: str, values: dict):
        """Where the offending words are in the clause text: the first match of the rule's
        own `matches` constraints on that text."""
        for expr, rx in self.highlights.get(rule_id, ()):
            try:
                target = expr(values, None, None)
            except Exception:  # a highlight is a nicety; never fail a finding over it
                continue
            if target is None:
                continue
            m = rx.search(str(target))
            if m and m.end() > m.start():
                return (m.start(), m.end())
        return None

    # ---- summaries ----
    def new_summary_state(self) -> dict:
        return {name: {} for name, _, _ in self.summaries}

    def add_to_summaries(self, state: dict, case: CaseResult, ctx: Context) -> None:
        """Fold one case into the running counts (mergeable across chunks and workers)."""
        if not self.summaries:
            return
        records = [f for f in case.facts if f.type == "record"]
        findings = [f for f in case.facts if f.type == "finding"]
        for name, by, items in self.summaries:
            groups = state[name]
            for rec in records:
                group = rec.values.get(by)
                if group is None:
                    continue
                counts = groups.setdefault(_hashable(group), {n: 0 for n, _, _ in items})
                for item_name, type_, where in items:
                    if type_ == "record":
                        pool = [rec]
                    elif type_ == "finding":
                        pool = [f for f in findings if f.values.get(by) == group]
                    else:  # a derived fact belongs to the case whose session derived it
                        pool = [f for f in case.facts if f.type == type_]
                    counts[item_name] += sum(1 for f in pool if all(w(f.values, None, ctx) for w in where))

    @staticmethod
    def merge_summaries(into: dict, other: dict) -> dict:
        for name, groups in other.items():
            target = into.setdefault(name, {})
            for group, counts in groups.items():
                mine = target.setdefault(group, {k: 0 for k in counts})
                for k, v in counts.items():
                    mine[k] = mine.get(k, 0) + v
        return into

    def run_summaries(self, state: dict, ctx: Context, file: str = "") -> list[Finding]:
        if not self.summary_strata:
            return []
        inputs = []
        for name, by, _ in self.summaries:
            for group in sorted(state.get(name, {}), key=str):
                values = {by: group, **state[name][group]}
                inputs.append(Fact(name, values, {"summary": name, "summary_by": by, "file": file}))
        return self.run_session(inputs, ctx, self.summary_strata).findings


def _compile_computed(ir: dict):
    """A computed key. `x in [...]` over literals (the compiler computes long lists) is a
    set lookup instead of evaluate's item-by-item comparison, with the same answers: for a
    null x both `in` and `not in` are false, a float meets the list as a Decimal (as in
    evaluate._num), equal numbers hash alike, and values of other kinds (a list, text
    against numbers) equal no item."""
    if ir.get("op") not in ("in", "not in"):
        return compile_expr(ir)
    left, right = ir["args"]
    items = right.get("list")
    if items is None or not all(len(i) == 1 and next(iter(i)) in ("lit", "dec", "date") for i in items):
        return compile_expr(ir)
    values = frozenset(v for v in map(literal_value, items) if v is not None)
    value_of = compile_expr(left)
    negate = ir["op"] == "not in"

    def member(own, env, ctx):
        v = value_of(own, env, ctx)
        if v is None:
            return False
        if isinstance(v, float):
            v = Decimal(str(v))
        try:
            found = v in values
        except TypeError:  # unhashable: a list equals no literal
            found = False
        return found is not negate

    return member


def _local_id(engine_id) -> int:
    return int(engine_id)


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def _root_input(fact: Fact) -> Fact | None:
    seen = 0
    while "from" in fact.origin and fact.origin["from"] and seen < 100:
        fact = fact.origin["from"][0]
        seen += 1
    return fact if "from" not in fact.origin else None


def describe(fact: Fact, depth: int = 0, memo: dict | None = None) -> dict:
    """A fact in a finding's trace: input facts by where they came from, derived facts with
    the rule and facts they came from, down to input rows or clauses. With `memo`, a fact
    described before is the same dict again."""
    if memo is not None:
        # a description cut at depth 8 depends on the depth it starts at; one that is not
        # cut (a short derivation) does not, and is made once whatever its depth
        key = id(fact) if depth + _height(fact, memo) <= 8 else (id(fact), depth)
        out = memo.get(key)
        if out is None:
            out = memo[key] = _describe(fact, depth, memo)
        return out
    return _describe(fact, depth, None)


def _height(fact: Fact, memo: dict) -> int:
    """Derivation steps from the fact down to its deepest input (0 for an input fact)."""
    h = fact.height
    if h < 0:
        h = fact.height = 0 if "from" not in fact.origin else 1 + max(
            (_height(f, memo) for f in fact.origin["from"]), default=0)  # fmt: skip
    return h


def _describe(fact: Fact, depth: int, memo: dict | None) -> dict:
    if "from" not in fact.origin:
        out: dict = {"type": fact.type}
        for key in ("file", "row", "line", "summary"):
            if key in fact.origin:
                out[key] = fact.origin[key]
        for key in ("case_id", "article"):
            if key in fact.values:
                out[key] = fact.values[key]
        if fact.origin.get("summary"):
            out["values"] = {k: render_value(v) for k, v in fact.values.items()}
        return out
    out = {"type": fact.type}
    if fact.type == "finding":
        out["rule"] = fact.values.get("rule")
    else:
        out["values"] = {k: render_value(v) for k, v in sorted(fact.values.items())}
    out["derived_by"] = fact.origin["rule"]
    if depth < 8:
        out["from"] = [describe(f, depth + 1, memo) for f in fact.origin["from"]]
    return out
