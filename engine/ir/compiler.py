"""Checked rules -> an engine-neutral rule IR (plain data, golden-file tested).

What the IR says, for each rule: its stratum and phase, its patterns as conditions over
*engine keys* (field names are mapped to short keys such as `f3`, so no input field can
collide with the engine's reserved `id`/`sid`, and only fields some rule reads are ever
shipped), the computed keys (function calls, arithmetic and regexes over one fact's
fields, evaluated in Python before the fact reaches the engine), and its actions.
"""
from __future__ import annotations

from ..lang import ast as A
from ..lang.checker import AS_OF, RuleBase
from ..lang.diagnostics import Diagnostic, DiagnosticError
from ..lang.limits import deep_recursion
from .evaluate import literal
from .regexes import expand

IR_VERSION = 1
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# `x in [...]` as engine conditions is one alternative per item, which durable_rules tries
# one by one (its cost grows with the list: about 20 us a fact at 511 items, 4 for a
# computed value) and holds at most 511 of under one condition. A longer list is a
# computed truth value, a set lookup in Python (runtime._compile_computed).
MAX_NATIVE_LIST = 32
# each list is an `and`/`or` group, 2 of the 31 expressions durable_rules allows a pattern
MAX_NATIVE_LISTS = 8


class _Keys:
    """Engine key of each (type, field) and computed expression, stable in rule order."""

    def __init__(self):
        self.fields: dict[str, dict[str, str]] = {}
        self.computed: dict[str, dict[str, str]] = {}  # type -> canonical expr json -> key
        self.computed_ir: dict[str, list] = {}
        self.n = 0

    def field(self, type_: str, name: str) -> str:
        table = self.fields.setdefault(type_, {})
        if name not in table:
            table[name] = f"f{self.n}"
            self.n += 1
        return table[name]

    def compute(self, type_: str, ir: dict) -> str:
        import json

        canon = json.dumps(ir, sort_keys=True, ensure_ascii=False)
        table = self.computed.setdefault(type_, {})
        if canon not in table:
            table[canon] = f"c{self.n}"
            self.n += 1
            self.computed_ir.setdefault(type_, []).append({"key": table[canon], "expr": ir})
        return table[canon]


class Compiler:
    def __init__(self, base: RuleBase):
        self.base = base
        self.keys = _Keys()
        self.diags: list[Diagnostic] = []
        self.native_lists = 0  # `in` lists of the pattern being compiled that are engine conditions
        self.captures: dict[str, dict] = {}  # the rule's `m: X matches /re/`: name -> capture IR

    def compile(self, rule_ids=None) -> dict:
        rules = []
        self.order = rule_order(self.base)
        for info in self.base.ordered_rules():
            if rule_ids is not None and info.rule.id not in rule_ids:
                continue
            rules.extend(_null_safe_variants(self._rule(info)))
        if self.diags:
            raise DiagnosticError(self.diags, self.base.sources)
        summaries = [self._summary(decl) for _, decl in sorted(self.base.summaries.items())]
        types = {t: {"fields": dict(sorted(f.items()))} for t, f in sorted(self.keys.fields.items())}
        for t, items in sorted(self.keys.computed_ir.items()):
            types.setdefault(t, {"fields": {}})["computed"] = items
        for rule in rules:  # the declared field types of derived facts, for strategies that type columns
            for a in rule["actions"]:
                if "assert" in a:
                    declared = self.base.types[a["assert"]].fields
                    types.setdefault(a["assert"], {"fields": {}})["declared"] = dict(sorted(declared.items()))
        return {"version": IR_VERSION, "types": types, "rules": rules, "summaries": summaries}

    # ---- expressions ----
    def expr(self, e, consts: dict, own: str | None, bindings: dict[str, str]) -> dict:
        if isinstance(e, A.Literal):
            return literal(e.value)
        if isinstance(e, A.Regex):
            return {"regex": expand(e.pattern, consts)}
        if isinstance(e, A.Capture):
            return self.expr(e.expr, consts, own, bindings)
        if isinstance(e, A.ListLit):
            return {"list": [self.expr(i, consts, own, bindings) for i in e.items]}
        if isinstance(e, A.Name):
            if own is not None and e.id in self.base.types[own].fields:
                return {"field": e.id}
            if own is None and e.id in self.captures:
                return self.captures[e.id]
            if e.id in consts:
                return literal(consts[e.id])
            if e.id == AS_OF:
                return {"as_of": True}
            raise AssertionError(f"unresolved name {e.id}")  # the checker rejects these
        if isinstance(e, A.Attr):
            return {"ref": [e.obj.id, e.name]}
        if isinstance(e, A.Call):
            return {"call": e.func, "args": [self.expr(a, consts, own, bindings) for a in e.args]}
        if isinstance(e, A.Unary):
            inner = self.expr(e.operand, consts, own, bindings)
            return {"not": inner} if e.op == "not" else {"neg": inner}
        if isinstance(e, A.IsNull):
            return {"isnull": self.expr(e.operand, consts, own, bindings), "negated": e.negated}
        if isinstance(e, A.Binary):
            return {"op": e.op, "args": [self.expr(e.left, consts, own, bindings),
                                         self.expr(e.right, consts, own, bindings)]}  # fmt: skip
        raise AssertionError(e)

    # ---- patterns -> engine conditions ----
    def _conditions(self, pattern: A.Pattern, consts, bindings, rule_id) -> list[dict]:
        out: list[dict] = []
        self.native_lists = 0
        constraints = list(pattern.constraints)
        if pattern.type == "finding":
            constraints = [self._finding_static(c, rule_id) for c in constraints]
        for c in constraints:
            out.extend(self._constraint(c, pattern.type, consts, bindings))
        return out

    def _finding_static(self, c, rule_id):
        # tags are fixed per rule: `tags contains "x"` is `rule in [rules tagged x]`
        if isinstance(c, A.Binary) and c.op == "contains" and isinstance(c.left, A.Name) and c.left.id == "tags":
            tag = c.right.value if isinstance(c.right, A.Literal) else None
            ids = sorted(i.rule.id for i in self.base.rules.values() if tag in i.rule.tags)
            return A.Binary("in", A.Name("rule", c.pos), A.ListLit(tuple(A.Literal(i, "text") for i in ids)), c.pos)
        return c

    def _constraint(self, c, type_, consts, bindings) -> list[dict]:
        if isinstance(c, A.Capture):
            return self._constraint(c.expr, type_, consts, bindings)
        if isinstance(c, A.Binary) and c.op == "and":
            return self._constraint(c.left, type_, consts, bindings) + self._constraint(
                c.right, type_, consts, bindings
            )
        ir = self.expr(c, consts, type_, bindings)
        if not _uses_refs(ir):
            return [self._own_condition(ir, type_)]
        # a join: `own op other.field`, either way round
        if "op" in ir and ir["op"] in _FLIP:
            left, right = ir["args"]
            op = ir["op"]
            if "ref" in left and not _uses_refs(right):
                left, right, op = right, left, _FLIP[op]
            if "ref" in right and not _uses_refs(left):
                binding, name = right["ref"]
                other_type = bindings[binding]
                return [{"cmp": op, "key": self._key_of(left, type_),
                         "ref": [binding, self.keys.field(other_type, name)]}]  # fmt: skip
        self.diags.append(Diagnostic(
            c.pos, "the engine cannot evaluate this join: it compares computed values of several facts",
            "compare a field (or a value computed from this fact alone) with one field of an earlier binding, "
            "or derive a fact that carries the value"))  # fmt: skip
        return []

    def _key_of(self, ir: dict, type_: str) -> str:
        if "field" in ir:
            return self.keys.field(type_, ir["field"])
        return self.keys.compute(type_, ir)

    def _own_condition(self, ir: dict, type_: str) -> dict:
        """A condition on one fact: a native comparison where the engine can do it, else a
        computed truth value compared with true."""
        if "op" in ir and ir["op"] in _FLIP:
            left, right = ir["args"]
            op = ir["op"]
            if _is_const(left) and not _is_const(right):
                left, right, op = right, left, _FLIP[op]
            if _is_const(right) and not _is_const(left) and _literal_scalar(right):
                return {"cmp": op, "key": self._key_of(left, type_), "value": right}
        if "op" in ir and ir["op"] in ("in", "not in"):
            left, right = ir["args"]
            items = right.get("list")
            if (items is not None and len(items) <= MAX_NATIVE_LIST and self.native_lists < MAX_NATIVE_LISTS
                    and all(_literal_scalar(i) for i in items) and not _is_const(left)):  # fmt: skip
                self.native_lists += 1
                key = self._key_of(left, type_)
                if ir["op"] == "in":
                    return {"any": [{"cmp": "==", "key": key, "value": v} for v in right["list"]]}
                return {"all": [{"exists": key}] + [{"cmp": "!=", "key": key, "value": v} for v in right["list"]]}
        if "isnull" in ir and not _is_const(ir["isnull"]):
            key = self._key_of(ir["isnull"], type_)
            return {"exists": key} if ir["negated"] else {"absent": key}
        if "field" in ir:  # a bare bool field
            return {"cmp": "==", "key": self.keys.field(type_, ir["field"]), "value": {"lit": True}}
        return {"cmp": "==", "key": self.keys.compute(type_, ir), "value": {"lit": True}}

    # ---- rules ----
    def _rule(self, info) -> dict:
        rule = info.rule
        bindings: dict[str, str] = {}
        patterns = []
        self.captures = {}
        for i, p in enumerate(rule.when):
            for c in p.constraints:
                if isinstance(c, A.Capture):
                    # the words are found again in the bound fact when the action runs
                    self.captures[c.name] = {"capture": p.binding or f"_{i}",
                                             "target": self.expr(c.expr.left, info.consts, p.type, {}),
                                             "pattern": self.expr(c.expr.right, info.consts, p.type, {})["regex"]}  # fmt: skip
            conds = self._conditions(p, info.consts, bindings, rule.id)
            name = p.binding or f"_{i}"
            patterns.append({"kind": p.kind, "binding": name, "type": p.type, "conditions": conds})
            if p.binding:
                bindings[p.binding] = p.type
        actions = []
        for a in rule.then:
            if isinstance(a, A.Assert):
                fields = {fv.name: self.expr(fv.value, info.consts, None, bindings) for fv in a.fact.fields}
                actions.append({"assert": a.fact.type, "fields": fields})
            else:
                parts = [p if isinstance(p, str) else self.expr(p, info.consts, None, bindings)
                         for p in a.template.parts]  # fmt: skip
                action = {"report": a.binding, "template": parts}
                if a.data:  # [name, expr] pairs: the data keeps the order the rule gives
                    action["data"] = [[fv.name, self.expr(fv.value, info.consts, None, bindings)] for fv in a.data]
                actions.append(action)
        highlight = []
        reported = {a.binding for a in rule.then if isinstance(a, A.Report)}
        for p in rule.when:
            if p.binding in reported and p.type in ("clause", "document"):
                # the captured words first: they are what the message quotes
                for c in sorted(p.constraints, key=lambda c: not isinstance(c, A.Capture)):
                    for m in _matches_on_text(c):
                        highlight.append({"expr": self.expr(m.left, info.consts, p.type, bindings),
                                          "regex": self.expr(m.right, info.consts, p.type, bindings)["regex"]})  # fmt: skip
        return {
            "id": rule.id,
            "title": rule.title,
            "severity": rule.severity,
            "cites": list(rule.cites),
            "tags": list(rule.tags),
            "pack": info.pack,
            "file": info.file,
            "line": rule.id_pos.line,
            "phase": info.phase,
            "stratum": info.stratum,
            "order": self.order[rule.id],
            "patterns": patterns,
            "actions": actions,
            "highlight": highlight,
        }

    def _summary(self, decl: A.SummaryDecl) -> dict:
        items = []
        consts = self.base.summary_consts.get(decl.name, {})
        for item in decl.items:
            conds = [self.expr(c, consts, item.pattern.type, {}) for c in item.pattern.constraints]
            items.append({"name": item.name, "func": item.func, "type": item.pattern.type, "where": conds})
        return {"name": decl.name, "by": decl.by, "items": items}


def rule_order(base: RuleBase) -> dict[str, int]:
    """Each rule's place in rule order (docs/language.md, "Which match a rule uses"): the
    rules of a pack in the order they are written; a pack after the packs it imports,
    packs that do not import one another by name. It never depends on the order of files
    on the command line."""
    programs = {p.pack.name: p for p in base.programs if p.pack is not None}
    done: list[str] = []

    def visit(name: str, path: tuple) -> None:
        if name in done or name in path or name not in programs:
            return
        for imp in sorted(i.name for i in programs[name].of(A.Import)):
            visit(imp, (*path, name))
        done.append(name)

    for name in sorted(programs):
        visit(name, ())
    place = {name: i for i, name in enumerate(done)}
    ranked = sorted(base.rules.values(),
                    key=lambda i: (place.get(i.pack, len(place)), i.pack, i.rule.id_pos.line, i.rule.id))  # fmt: skip
    return {info.rule.id: n for n, info in enumerate(ranked)}


def _refs(conds) -> list[tuple[str, str]]:
    out = []
    for c in conds:
        if "ref" in c:
            out.append(tuple(c["ref"]))
        for key in ("any", "all"):
            out.extend(_refs(c.get(key, ())))
    return out


def _null_safe_variants(rule: dict) -> list[dict]:
    """The engine fails (error 311) when a join compares with a field the joined fact lacks,
    while the language says such a comparison is false. So the referenced field is required
    present on its binding; for a `not` pattern whose comparison would be false because the
    field is null, a variant of the rule without that pattern (and with the field required
    absent) says the same thing. An `exists` with such a comparison can never hold, so it
    gets no variant. Variants share the rule's id; reports and derived facts are
    deduplicated, so overlapping variants change nothing."""
    for p in rule["patterns"]:
        # the compared field of the joining fact must be there too: a comparison with a
        # missing field is false anyway, and durable_rules reads an uninitialised truth
        # value when it evaluates one (found with valgrind)
        for c in list(p["conditions"]):
            if "ref" in c and {"exists": c["key"]} not in p["conditions"]:
                p["conditions"].insert(0, {"exists": c["key"]})
    variants = [rule]
    for p in rule["patterns"]:
        refs = list(dict.fromkeys(_refs(p["conditions"])))
        if not refs:
            continue
        new = []
        for v in variants:
            present = _copy_rule(v)
            for binding, key in refs:
                _require(present, binding, {"exists": key})
            new.append(present)
            if p["kind"] == "not" and any(q["binding"] == p["binding"] for q in v["patterns"]):
                for binding, key in refs:
                    absent = _copy_rule(v)
                    _require(absent, binding, {"absent": key})
                    absent["patterns"] = [q for q in absent["patterns"] if q["binding"] != p["binding"]]
                    new.append(absent)
        variants = new
    if len(variants) > 1:
        for n, v in enumerate(variants):
            v["variant"] = n
    return variants


def _copy_rule(rule: dict) -> dict:
    import copy

    return copy.deepcopy(rule)


def _require(rule: dict, binding: str, cond: dict) -> None:
    for p in rule["patterns"]:
        if p["binding"] == binding:
            if cond not in p["conditions"]:
                p["conditions"].append(cond)
            return


def _matches_on_text(expr):
    """`X matches /re/` constraints whose X is computed from the fact's own text: the
    words they match are what a finding highlights."""
    if isinstance(expr, A.Capture):
        return _matches_on_text(expr.expr)
    if isinstance(expr, A.Binary):
        if expr.op == "matches" and isinstance(expr.right, A.Regex | A.Name) and _mentions(expr.left, "text"):
            return [expr]
        if expr.op in ("and", "or"):
            return _matches_on_text(expr.left) + _matches_on_text(expr.right)
    return []


def _mentions(expr, name: str) -> bool:
    if isinstance(expr, A.Name):
        return expr.id == name
    if isinstance(expr, A.Call):
        return any(_mentions(a, name) for a in expr.args)
    return False


def _uses_refs(ir) -> bool:
    if isinstance(ir, dict):
        if "ref" in ir:
            return True
        return any(_uses_refs(v) for v in ir.values())
    if isinstance(ir, list):
        return any(_uses_refs(v) for v in ir)
    return False


def _is_const(ir) -> bool:
    """No field of any fact and no audit date: a value known at compile time."""
    if isinstance(ir, dict):
        if "field" in ir or "ref" in ir or "as_of" in ir:
            return False
        return all(_is_const(v) for v in ir.values())
    if isinstance(ir, list):
        return all(_is_const(v) for v in ir)
    return True


def _literal_scalar(ir) -> bool:
    return isinstance(ir, dict) and len(ir) == 1 and next(iter(ir)) in ("lit", "dec", "date")


@deep_recursion
def compile_rules(base: RuleBase, rule_ids=None) -> dict:
    return Compiler(base).compile(rule_ids)
