"""A deliberately simple reference evaluator for the rule language: nested loops over facts,
a naive fixpoint per stratum, an expression interpreter written from DSL.md alone. It
shares the parser and checker with the engine (the front end is tested on its own), and
nothing after them: no IR, no compiled closures, no Rete."""
from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal

from xuke.lang import ast as A


class Ref:
    def __init__(self, base, calendar, as_of):
        self.base = base
        self.calendar = calendar
        self.as_of = as_of

    # ---- expressions: null logic straight from DSL.md ----
    def ev(self, e, own, env, consts):
        if isinstance(e, A.Literal):
            return e.value
        if isinstance(e, A.ListLit):
            return [self.ev(i, own, env, consts) for i in e.items]
        if isinstance(e, A.Name):
            if own is not None and e.id in own[0]:
                return own[1].get(e.id)
            if e.id in consts:
                return consts[e.id]
            if e.id == "AS_OF":
                return self.as_of
            raise KeyError(e.id)
        if isinstance(e, A.Attr):
            return env[e.obj.id].get(e.name)
        if isinstance(e, A.Regex):
            return re.compile(_expand(e.pattern, consts))
        if isinstance(e, A.Capture):
            return self.ev(e.expr, own, env, consts)
        if isinstance(e, A.Call):
            args = [self.ev(a, own, env, consts) for a in e.args]
            if e.func == "coalesce":
                return next((a for a in args if a is not None), None)
            if any(a is None for a in args):
                return None
            if e.func == "workdays":
                a, b = args
                sign = 1
                if b < a:
                    a, b, sign = b, a, -1
                n = sum(1 for k in range(1, (b - a).days + 1) if self.calendar.is_workday(a + dt.timedelta(days=k)))
                return sign * n
            if e.func == "days":
                return (args[1] - args[0]).days
            if e.func == "min":
                return min(args)
            if e.func == "max":
                return max(args)
            if e.func == "len":
                return len(args[0])
            if e.func == "round":
                places = args[1] if len(args) > 1 else 0
                q = Decimal(str(args[0])).quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
                return q
            raise NotImplementedError(e.func)
        if isinstance(e, A.Unary):
            v = self.ev(e.operand, own, env, consts)
            if e.op == "not":
                return not v
            return None if v is None else -v
        if isinstance(e, A.IsNull):
            v = self.ev(e.operand, own, env, consts)
            return (v is not None) if e.negated else (v is None)
        if isinstance(e, A.Binary):
            if e.op == "and":
                return bool(self.ev(e.left, own, env, consts)) and bool(self.ev(e.right, own, env, consts))
            if e.op == "or":
                return bool(self.ev(e.left, own, env, consts)) or bool(self.ev(e.right, own, env, consts))
            a = self.ev(e.left, own, env, consts)
            b = self.ev(e.right, own, env, consts)
            if e.op in ("+", "-", "*", "/"):
                if a is None or b is None:
                    return None
                a, b = _d(a), _d(b)
                if e.op == "/":
                    return None if b == 0 else Decimal(a) / Decimal(b)
                return {"+": a + b, "-": a - b, "*": a * b}[e.op]
            if a is None or b is None:
                return False
            if e.op == "in":
                return any(_d(a) == _d(x) for x in b if x is not None)
            if e.op == "not in":
                return not any(_d(a) == _d(x) for x in b if x is not None)
            if e.op == "matches":
                return (re.compile(b) if isinstance(b, str) else b).search(a) is not None
            if e.op == "contains":
                return b in a
            a, b = _d(a), _d(b)
            return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[e.op]
        raise NotImplementedError(e)

    # ---- one case ----
    def findings(self, recs) -> set[tuple[str, str]]:
        """{(case_id, rule)} over records, each its own case."""
        out = set()
        for rec in recs:
            rules, _ = self.run_case(rec)
            out |= {(rec["case_id"], r) for r in rules}
        return out

    def run_case(self, record: dict):
        """Findings {(rule, subject index)} and derived facts of one case."""
        facts = [("record", dict(record))]
        findings, derived = self._run(facts, "case")
        return sorted(r for r, _, _ in findings), derived

    # ---- summaries (DSL.md "Summaries"): counts per group, then the summary-phase rules ----
    def summary_findings(self, recs) -> set:
        """{(group value, rule, data items)} of the rules over summaries, all cases counted."""
        rows: dict[str, dict] = {}
        for rec in recs:
            facts = [("record", dict(rec))]
            self._run(facts, "case")
            for name, decl in self.base.summaries.items():
                group = rec.get(decl.by)
                if group is None:
                    continue
                row = rows.setdefault((name, group), {decl.by: group, **{i.name: 0 for i in decl.items}})
                consts = self.base.summary_consts.get(name, {})
                for item in decl.items:
                    t = item.pattern.type
                    own_fields = set(self.base.types[t].fields)
                    if t == "record":
                        pool = [v for k, v in facts if k == "record"]
                    elif t == "finding":
                        pool = [v for k, v in facts if k == "finding" and v.get(decl.by) == group]
                    else:  # a derived fact belongs to the case that derived it
                        pool = [v for k, v in facts if k == t]
                    row[item.name] += sum(
                        1 for v in pool if all(self.ev(c, (own_fields, v), {}, consts) for c in item.pattern.constraints)
                    )
        facts = [(name, row) for (name, _), row in sorted(rows.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))]
        findings, _ = self._run(facts, "summary")
        out = set()
        for rule, subject, data in findings:
            name, row = facts[subject]
            by = self.base.summaries[name].by if name in self.base.summaries else None
            out.add((row.get(by), rule, tuple(data)))
        return out

    def _run(self, facts: list, phase: str):
        """Run the rules of a phase over `facts` (extended in place): [(rule, subject index,
        data items)] and the derived facts."""
        derived = set()
        reported = set()
        findings = []
        infos = sorted(self.base.rules.values(), key=lambda i: i.stratum)
        for level in sorted({i.stratum for i in infos if i.phase == phase}):
            rules = [i for i in infos if i.stratum == level and i.phase == phase]
            changed = True
            while changed:
                changed = False
                for info in rules:
                    for env, idx in self._matches(info, facts):
                        for action in info.rule.then:
                            if isinstance(action, A.Assert):
                                values = {fv.name: self.ev(fv.value, None, env, info.consts) for fv in action.fact.fields}
                                values = {k: v for k, v in values.items() if v is not None}
                                key = (action.fact.type, tuple(sorted((k, str(v)) for k, v in values.items())))
                                if key not in derived:
                                    derived.add(key)
                                    facts.append((action.fact.type, values))
                                    changed = True
                            else:
                                subject = idx[action.binding]
                                if (info.rule.id, subject) not in reported:
                                    reported.add((info.rule.id, subject))
                                    subj = facts[subject][1]
                                    data = [(fv.name, self.ev(fv.value, None, env, info.consts)) for fv in action.data]
                                    findings.append((info.rule.id, subject, data))
                                    facts.append(("finding", {**subj, "rule": info.rule.id,
                                                              "severity": info.rule.severity,
                                                              "tags": list(info.rule.tags)}))
                                    changed = True
        return findings, derived

    def _matches(self, info, facts):
        """Every binding of the rule's positive patterns that satisfies everything."""
        rule = info.rule
        positive = [p for p in rule.when if p.kind == "match"]
        fields_of = {t: set(ft.fields) for t, ft in self.base.types.items()}
        pools = [[i for i, (t, _) in enumerate(facts) if t == p.type] for p in positive]
        for combo in itertools.product(*pools):
            env, idx = {}, {}
            ok = True
            pi = 0
            for p in rule.when:
                if p.kind == "match":
                    i = combo[pi]
                    pi += 1
                    own = (fields_of[p.type], facts[i][1])
                    if not all(self.ev(c, own, env, info.consts) for c in p.constraints):
                        ok = False
                        break
                    if p.binding:
                        env[p.binding] = facts[i][1]
                        idx[p.binding] = i
                else:
                    found = any(
                        t == p.type and all(self.ev(c, (fields_of[p.type], v), env, info.consts) for c in p.constraints)
                        for t, v in facts
                    )
                    if found != (p.kind == "exists"):
                        ok = False
                        break
            if ok:
                yield env, idx


def _expand(pattern: str, consts: dict) -> str:
    """`{NAME}` in a regex, from docs/language.md alone: a phrase list is an alternation of
    its escaped phrases, longest first; a regex constant a group; text its escaped self."""

    def one(m):
        value = consts[m.group(1)]
        if isinstance(value, list):
            return "(?:" + "|".join(re.escape(w) for w in sorted(set(value), key=lambda w: (-len(w), w))) + ")"
        if type(value) is not str:  # a regex constant (already expanded by the checker)
            return f"(?:{value})"
        return re.escape(value)

    return re.sub(r"(?<!\\)\{([A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*)\}", one, pattern)


def _d(v):
    if isinstance(v, float):
        return Decimal(str(v))
    return v
