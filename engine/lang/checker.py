"""Static checks of loaded rule files: names, types, citations, regexes, templates, examples
and strata. Every mistake an author can make is reported here, all of them in one run,
before anything runs. The result, a RuleBase, is what the compiler takes."""
from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain.schema import (
    BUILTIN_SCHEMAS,
    CLAUSE_FIELDS,
    DOCUMENT_FIELDS,
    FINDING_FIELDS,
    RECORD_FIELDS,
    SEVERITIES,
)
from ..ir.functions import FUNCTIONS, SignatureError, check_call
from ..ir.regexes import MAX_PATTERN, RegexPattern, RegexProblem, UnknownPlaceholder, compile_regex, expand
from . import ast as A
from . import types as T
from .diagnostics import Diagnostic, did_you_mean
from .limits import MAX_NUMBER, deep_recursion

INPUT_TYPES = ("record", "document", "clause")  # facts that come from input, never asserted
AS_OF = "AS_OF"  # the built-in constant: the audit date


# AST fields that hold a name or a rule id (checked to be NFKC by Checker._identifiers)
_IDENTIFIER_FIELDS = frozenset({"id", "name", "binding", "type", "by", "field", "func"})


@dataclass
class FactType:
    name: str
    fields: dict[str, str]  # field -> type
    kind: str  # input | derived | finding | summary
    pos: A.Pos | None = None
    pack: str | None = None
    # derived types: "summary" when only summary-phase rules assert them (set by the checker)
    phase: str = "case"


def _builtin_types() -> dict[str, FactType]:
    out = {
        name: FactType(name, {f.name: f.type for f in schema.fields.values()}, "input")
        for name, schema in BUILTIN_SCHEMAS.items()
    }
    finding_fields: dict[str, str] = {}
    for spec in (*RECORD_FIELDS, *DOCUMENT_FIELDS, *CLAUSE_FIELDS):
        finding_fields.setdefault(spec.name, spec.type)
    for spec in FINDING_FIELDS:
        finding_fields[spec.name] = T.list_of(T.TEXT) if spec.type == "list" else spec.type
    finding_fields.update({"title": T.TEXT, "message": T.TEXT, "row": T.INT})
    out["finding"] = FactType("finding", finding_fields, "finding")
    return out


@dataclass
class RuleInfo:
    rule: A.Rule
    pack: str
    file: str
    stratum: int = 0
    phase: str = "case"  # case: per approval case / document; summary: after all cases
    consts: dict = field(default_factory=dict)  # constants visible to the rule: name -> value


@dataclass
class RuleBase:
    """Everything the compiler needs, checked."""

    programs: list[A.Program]
    rules: dict[str, RuleInfo]
    types: dict[str, FactType]
    summaries: dict[str, A.SummaryDecl]
    summary_consts: dict[str, dict]
    finding_producers: dict[str, frozenset]  # (rule id, pattern index) key -> producer rule ids
    sources: dict[str, str] = field(default_factory=dict)
    ir: dict | None = None  # the whole base compiled, set by the loader (jobs.loader.load)

    def ordered_rules(self) -> list[RuleInfo]:
        return [self.rules[k] for k in sorted(self.rules)]


class _Scope:
    def __init__(self, consts, bindings, self_type=None, where="pattern"):
        self.consts = consts  # name -> type
        self.bindings = bindings  # name -> FactType
        self.self_type = self_type  # FactType whose fields bare names refer to
        self.where = where  # pattern | action | template | example | const
        self.captures: dict[str, A.Capture] = {}  # `m: text matches /…/` of the rule's patterns


class Checker:
    def __init__(self, programs: list[A.Program], packs: dict[str, A.Program]):
        self.programs = programs
        self.packs = packs
        self.diags: list[Diagnostic] = []
        self.types = _builtin_types()
        self.summaries: dict[str, A.SummaryDecl] = {}
        self.const_values: dict[str, dict[str, tuple]] = {}  # pack -> name -> (value, type, pos)
        self.rules: dict[str, RuleInfo] = {}
        self.finding_producers: dict[str, frozenset] = {}
        self.summary_consts: dict[str, dict] = {}  # summary name -> constants its counts may use
        self._values: dict = {}  # values of the constants visible where `{NAME}` in a regex is read

    def error(self, pos, message, hint=None, related=()):
        self.diags.append(Diagnostic(pos, message, hint, related=tuple(related)))

    # ---- whole-program passes ----
    @deep_recursion
    def run(self) -> RuleBase:
        self._identifiers()
        self._declarations()
        for prog in self.programs:
            self._constants(prog)
        for prog in self.programs:
            for stmt in prog.statements:
                if isinstance(stmt, A.SummaryDecl):
                    self._summary(prog, stmt)
        for prog in self.programs:
            for stmt in prog.statements:
                if isinstance(stmt, A.Rule):
                    self._rule(prog, stmt)
        self._phases()
        self._strata()
        return RuleBase(
            self.programs,
            self.rules,
            self.types,
            self.summaries,
            self.summary_consts,
            self.finding_producers,
            {p.file: p.source for p in self.programs},
        )

    def _identifiers(self) -> None:
        """Names and rule ids must be in Unicode NFKC form: 金 (U+F90A, a compatibility
        ideograph) and 金 (U+91D1) look the same and were two different names (B25)."""
        for prog in self.programs:
            todo: list = list(prog.statements)
            while todo:
                node = todo.pop()
                if not dataclasses.is_dataclass(node) or isinstance(node, A.Pos):
                    continue
                for f in dataclasses.fields(node):
                    value = getattr(node, f.name)
                    if f.name in _IDENTIFIER_FIELDS and isinstance(value, str):
                        normal = unicodedata.normalize("NFKC", value)
                        if normal != value:
                            pos = getattr(node, "id_pos", None) if f.name == "id" else None
                            odd = " ".join(f"U+{ord(c):04X}" for c in value if unicodedata.normalize("NFKC", c) != c)
                            self.error(pos if pos and pos.line else node.pos,
                                       f"`{value}` is written with compatibility characters ({odd})",
                                       hint=f"write `{normal}` ({' '.join(f'U+{ord(c):04X}' for c in normal)}, "
                                            "Unicode NFKC): names that look alike must be alike")  # fmt: skip
                    elif isinstance(value, (list, tuple)):
                        todo.extend(value)
                    elif dataclasses.is_dataclass(value):
                        todo.append(value)

    def _pack_of(self, prog: A.Program) -> str:
        return prog.pack.name if prog.pack else f"<{prog.file}>"

    def _visible_packs(self, prog: A.Program) -> list[str]:
        seen: list[str] = []
        todo = [prog]
        while todo:
            p = todo.pop()
            name = self._pack_of(p)
            if name in seen:
                continue
            seen.append(name)
            for imp in p.of(A.Import):
                if imp.name in self.packs:
                    todo.append(self.packs[imp.name])
        return seen

    def _declarations(self):
        for prog in self.programs:
            if prog.pack is None:
                self.error(A.Pos(prog.file, 1, 1), "missing `pack` header", "start the file with: pack NAME \"title\"")
            for imp in prog.of(A.Import):
                if imp.name not in self.packs:
                    self.error(imp.pos, f"unknown pack `{imp.name}` in import",
                               did_you_mean(imp.name, self.packs, "packs on the rule path"))  # fmt: skip
            for decl in prog.of(A.FactDecl):
                self._fact_decl(prog, decl)
        for prog in self.programs:
            for decl in prog.of(A.SummaryDecl):
                if decl.name in self.types:
                    other = self.types[decl.name]
                    self.error(decl.pos, f"fact type `{decl.name}` is already defined",
                               related=[(other.pos, "first defined here")] if other.pos else ())  # fmt: skip
                    continue
                fields = {decl.by: BUILTIN_SCHEMAS["record"].fields[decl.by].type} if (
                    decl.by in BUILTIN_SCHEMAS["record"].fields) else {decl.by: T.TEXT}  # fmt: skip
                for item in decl.items:
                    fields[item.name] = T.INT
                self.types[decl.name] = FactType(decl.name, fields, "summary", decl.pos, self._pack_of(prog))
                self.summaries[decl.name] = decl

    def _fact_decl(self, prog, decl: A.FactDecl):
        if decl.name in self.types:
            other = self.types[decl.name]
            if other.kind == "input" or other.kind == "finding":
                self.error(decl.pos, f"`{decl.name}` is a built-in fact type and cannot be redeclared")
            else:
                self.error(decl.pos, f"fact type `{decl.name}` is already declared",
                           related=[(other.pos, "first declared here")])  # fmt: skip
            return
        fields: dict[str, str] = {}
        for f in decl.fields:
            if f.type not in (T.TEXT, T.INT, T.DECIMAL, T.BOOL, T.DATE):
                self.error(f.pos, f"unknown field type `{f.type}`",
                           did_you_mean(f.type, ["text", "int", "decimal", "bool", "date"], "types"))  # fmt: skip
            if f.name in fields:
                self.error(f.pos, f"field `{f.name}` declared twice in `{decl.name}`")
            fields[f.name] = f.type
        if len(fields) > 200:
            self.error(decl.pos, f"`{decl.name}` has {len(fields)} fields; the engine allows at most 200")
        self.types[decl.name] = FactType(decl.name, fields, "derived", decl.pos, self._pack_of(prog))

    def _constants(self, prog: A.Program):
        pack = self._pack_of(prog)
        table = self.const_values.setdefault(pack, {})
        for c in prog.of(A.Const):
            if c.name in table:
                self.error(c.pos, f"constant `{c.name}` is already defined", related=[(table[c.name][2], "first here")])
                continue
            if c.name == AS_OF:
                self.error(c.pos, f"`{AS_OF}` is the built-in audit date and cannot be redefined")
                continue
            scope = _Scope({}, {}, None, "const")
            visible = {**builtin_consts(), **table}
            scope.consts = {n: v[1] for n, v in visible.items()}
            self._values = {n: v[0] for n, v in visible.items()}
            t = self.typeof(c.value, scope)
            try:
                value = const_value(c.value, self._values)
            except (ValueError, RegexProblem) as e:
                self.error(c.pos, f"constant `{c.name}`: {e}")
                continue
            if isinstance(value, int | Decimal) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
                self.error(c.pos, f"constant `{c.name}` is out of range: {value}")
                continue
            table[c.name] = (value, t, c.pos)

    def _consts_for(self, prog) -> dict[str, tuple]:
        out: dict[str, tuple] = dict(builtin_consts())
        for pack in reversed(self._visible_packs(prog)):
            out.update(self.const_values.get(pack, {}))
        return out

    # ---- summaries ----
    def _summary(self, prog, decl: A.SummaryDecl):
        record = self.types["record"]
        if decl.by not in record.fields:
            self.error(decl.pos, f"summary `{decl.name}` groups by `{decl.by}`, which is not a record field",
                       did_you_mean(decl.by, record.fields, "record fields"))  # fmt: skip
        visible = self._consts_for(prog)
        self._values = {n: v[0] for n, v in visible.items()}
        self.summary_consts[decl.name] = {n: v[0] for n, v in visible.items()}
        consts = {n: v[1] for n, v in visible.items()}
        seen = set()
        for item in decl.items:
            if item.name in seen or item.name == decl.by:
                self.error(item.pos, f"summary field `{item.name}` defined twice")
            seen.add(item.name)
            if item.func != "count":
                self.error(item.pos, f"unknown aggregate `{item.func}`", "v1 summaries support count(PATTERN)")
                continue
            for c in item.pattern.constraints:
                if isinstance(c, A.Capture):
                    self.error(c.pos, f"`{c.name}:` names matched words for a rule's message; a summary has none")
            counted = self.types.get(item.pattern.type)
            if counted is None or counted.kind not in ("input", "finding", "derived") or (
                    counted.kind == "input" and item.pattern.type != "record"):  # fmt: skip
                self.error(item.pattern.type_pos, f"a summary counts `record`, `finding` or derived facts, "
                           f"not `{item.pattern.type}`",
                           did_you_mean(item.pattern.type, [n for n, t in self.types.items()
                                                             if t.kind == "derived"], "derived fact types"))  # fmt: skip
                continue
            self._pattern_constraints(item.pattern, _Scope(consts, {}, self.types[item.pattern.type]))
            if item.pattern.type == "finding":
                key = f"{decl.name}.{item.name}"
                self.finding_producers[key] = self._producers(item.pattern)

    # ---- rules ----
    def _rule(self, prog, rule: A.Rule):
        pack = self._pack_of(prog)
        if rule.id in self.rules:
            first = self.rules[rule.id]
            self.error(rule.id_pos, f"duplicate rule id `{rule.id}`",
                       "rule ids must be unique across every loaded file",
                       related=[(first.rule.id_pos, f"`{rule.id}` first defined here")])  # fmt: skip
            return
        consts_full = self._consts_for(prog)
        self._values = {n: v[0] for n, v in consts_full.items()}
        info = RuleInfo(rule, pack, prog.file, consts={n: v[0] for n, v in consts_full.items()})
        self.rules[rule.id] = info
        consts = {n: v[1] for n, v in consts_full.items()}

        if rule.reports:
            if rule.severity is None:
                self.error(rule.id_pos, f"rule `{rule.id}` reports findings but has no severity",
                           "add a line: severity critical | error | warning | info")  # fmt: skip
            if not rule.cites:
                self.error(rule.id_pos, f"rule `{rule.id}` reports findings but cites no legal basis",
                           'add a line: cites "《行政许可法》第X条"')  # fmt: skip
        elif rule.severity is not None and rule.severity not in SEVERITIES:
            self.error(rule.severity_pos, f"unknown severity `{rule.severity}`")
        if not rule.title.strip():
            self.error(rule.id_pos, f"rule `{rule.id}` has an empty title")
        for cite in rule.cites:
            if not cite.strip():
                self.error(rule.id_pos, f"rule `{rule.id}` has an empty citation")

        bindings: dict[str, FactType] = {}
        binding_pos: dict[str, A.Pos] = {}
        captures = self._captures(rule, consts)
        for pattern in rule.when:
            ftype = self.types.get(pattern.type)
            if ftype is None:
                self.error(pattern.type_pos, f"unknown fact type `{pattern.type}`",
                           did_you_mean(pattern.type, self.types, "fact types"))  # fmt: skip
                ftype = FactType(pattern.type, {}, "unknown")
            scope = _Scope(consts, dict(bindings), ftype)
            scope.captures = captures
            self._pattern_constraints(pattern, scope)
            if ftype.kind == "finding":
                self.finding_producers[f"{rule.id}#{rule.when.index(pattern)}"] = self._producers(pattern)
            if pattern.binding:
                if pattern.binding in bindings:
                    self.error(pattern.pos, f"binding `{pattern.binding}` is already used in this rule",
                               related=[(binding_pos[pattern.binding], "first bound here")])  # fmt: skip
                bindings[pattern.binding] = ftype
                binding_pos[pattern.binding] = pattern.pos
        matched = {p.type for p in rule.when if p.kind != "not"}
        for pattern in rule.when:
            if pattern.kind == "not" and pattern.type in matched:
                # durable_rules leaves the facts a rule has bound out of its `not` tests, so
                # `m: mark(...)` with `not mark(...)` fires even when m itself meets the
                # `not`: the engine would answer otherwise than the language says
                self.error(pattern.type_pos, f"`not {pattern.type}(...)` in a rule that also matches "
                           f"`{pattern.type}`: the engine does not test a `not` against the facts the rule "
                           "has bound, so the rule would fire wrongly",
                           f"derive a fact of another type for what must not exist, or test the bound "
                           f"`{pattern.type}` fact's own fields")  # fmt: skip
        if not any(p.kind == "match" for p in rule.when):
            self.error(rule.id_pos, f"rule `{rule.id}` has no positive pattern",
                       "`not` and `exists` need a fact to hold for; add a pattern such as r: record()")  # fmt: skip

        for action in rule.then:
            if isinstance(action, A.Assert):
                scope = _Scope(consts, bindings, None, "action")
                scope.captures = captures
                self._fact_literal(action.fact, scope, asserted=True)
            else:
                if action.binding not in bindings:
                    self.error(action.binding_pos, f"`report {action.binding}`: unknown binding `{action.binding}`",
                               did_you_mean(action.binding, bindings, "bindings") or
                               "report names a binding of the when part, e.g. `r: record(...)`")  # fmt: skip
                scope = _Scope(consts, bindings, None, "template")
                scope.captures = captures
                self._template(action.template, scope)
                scope = _Scope(consts, bindings, None, "action")
                scope.captures = captures
                self._report_data(action, scope)
        for example in rule.examples:
            self._example(rule, example, consts)

    def _captures(self, rule: A.Rule, consts) -> dict[str, A.Capture]:
        """The rule's `NAME: X matches /re/` constraints by name, each checked for its form:
        a `matches` on a fact the rule matches, under a name nothing else in the rule has."""
        out: dict[str, A.Capture] = {}
        bound = {p.binding for p in rule.when if p.binding}
        for pattern in rule.when:
            ftype = self.types.get(pattern.type)
            for c in pattern.constraints:
                if not isinstance(c, A.Capture):
                    continue
                if not (isinstance(c.expr, A.Binary) and c.expr.op == "matches"):
                    self.error(c.pos, f"`{c.name}:` inside a pattern names the words a regex matched",
                               f"write {c.name}: text matches /…/")  # fmt: skip
                elif pattern.kind != "match":
                    self.error(c.pos, f"`{c.name}:` inside `{pattern.kind}` names words of a fact that is not "
                               "bound: capture on a fact the rule matches")  # fmt: skip
                elif c.name in out:
                    self.error(c.pos, f"`{c.name}` is already captured in this rule",
                               related=[(out[c.name].pos, "first here")])  # fmt: skip
                elif c.name in bound or c.name in consts or (ftype is not None and c.name in ftype.fields):
                    what = "a binding" if c.name in bound else "a constant" if c.name in consts else "a field"
                    self.error(c.pos, f"`{c.name}` is already {what}; give the matched words another name")
                else:
                    out[c.name] = c
        return out

    def _report_data(self, action: A.Report, scope: _Scope):
        """`with (name: expr, ...)`: values over the bindings, one per name, no regexes."""
        seen: set[str] = set()
        for fv in action.data:
            if fv.name in seen:
                self.error(fv.pos, f"data field `{fv.name}` given twice")
            seen.add(fv.name)
            t = self.typeof(fv.value, scope)
            if t == T.REGEX or T.elem(t) == T.REGEX:
                self.error(fv.value.pos, "a finding's data cannot hold a regex",
                           "give the words it matched: match(r.text, PATTERN)")  # fmt: skip

    # ---- phases ----
    def _phases(self):
        """Which rules run per case and which over the summaries, and in which phase each
        derived type lives. A rule that matches a summary fact, a derived fact of the summary
        phase, or findings only summary-phase rules produce runs in the summary phase; a
        derived type that only summary-phase rules assert lives there. Computed to a fixed
        point, since a summary-phase rule can derive facts another one matches."""
        asserted_by: dict[str, set[str]] = {}
        for rid, info in self.rules.items():
            for action in info.rule.then:
                if isinstance(action, A.Assert):
                    asserted_by.setdefault(action.fact.type, set()).add(rid)
        summary_rules: set[str] = set()
        summary_types = {n for n, t in self.types.items() if t.kind == "summary"}

        def summary_pattern(rid: str, idx: int, p: A.Pattern) -> bool:
            ftype = self.types.get(p.type)
            if ftype is None:
                return False
            if ftype.kind == "finding":
                producers = self.finding_producers.get(f"{rid}#{idx}", frozenset())
                return bool(producers) and producers <= summary_rules
            return p.type in summary_types

        changed = True
        while changed:
            changed = False
            for rid, info in self.rules.items():
                if rid not in summary_rules and any(
                    summary_pattern(rid, i, p) for i, p in enumerate(info.rule.when)
                ):
                    summary_rules.add(rid)
                    changed = True
            for name, producers in asserted_by.items():
                ftype = self.types.get(name)
                if ftype is not None and ftype.kind == "derived" and name not in summary_types and (
                    producers & summary_rules
                ):
                    summary_types.add(name)
                    changed = True
        for name in summary_types:
            if self.types[name].kind == "derived":
                self.types[name].phase = "summary"
                mixed = sorted(asserted_by.get(name, set()) - summary_rules)
                if mixed:
                    self.error(self.types[name].pos, f"`{name}` is derived both per case (by {mixed[0]}) and "
                               "over the summaries: a fact type lives in one phase",
                               "declare a second fact type for the facts derived over the summaries")  # fmt: skip
        for rid, info in sorted(self.rules.items()):
            info.phase = "summary" if rid in summary_rules else "case"
            if info.phase != "summary":
                continue
            case_side = [p for i, p in enumerate(info.rule.when)
                         if p.type in self.types and not summary_pattern(rid, i, p)]  # fmt: skip
            if case_side:
                self.error(case_side[0].type_pos, f"rule `{rid}` mixes summary facts with per-case facts "
                           f"(`{case_side[0].type}`)",
                           "summaries exist only after all cases; match them in rules of their own")  # fmt: skip
        for decl in self.summaries.values():
            for item in decl.items:
                ftype = self.types.get(item.pattern.type)
                if ftype is not None and ftype.kind == "derived" and ftype.phase == "summary":
                    self.error(item.pattern.type_pos, f"a summary cannot count `{item.pattern.type}`: "
                               "it is derived over the summaries, after they are counted")  # fmt: skip

    def _all_reporting_rules(self):
        return [r for p in self.programs for r in p.rules if r.reports]

    def _producers(self, pattern: A.Pattern) -> frozenset:
        """Which rules can produce the findings this pattern matches: narrowed by constraints
        on `rule`, `tags` and `severity`, which are fixed per rule."""
        candidates = {r.id: r for r in self._all_reporting_rules()}
        for c in pattern.constraints:
            keep = _static_finding_filter(c)
            if keep is not None:
                candidates = {k: r for k, r in candidates.items() if keep(r)}
        return frozenset(candidates)

    def _pattern_constraints(self, pattern: A.Pattern, scope: _Scope):
        for c in pattern.constraints:
            t = self.typeof(c, scope)
            if t not in (T.BOOL, T.ANY):
                self.error(c.pos, f"a constraint must be true or false, but this is {T.describe(t)}",
                           "compare it, e.g. `field == value`, or test `field is not null`")  # fmt: skip

    def _fact_literal(self, lit: A.FactLiteral, scope: _Scope, asserted: bool):
        ftype = self.types.get(lit.type)
        if ftype is None:
            self.error(lit.pos, f"unknown fact type `{lit.type}`", did_you_mean(lit.type, self.types, "fact types"))
            return
        if asserted and ftype.kind != "derived":
            self.error(lit.pos, f"cannot assert `{lit.type}`: only declared fact types are derived",
                       "declare one with: fact NAME(field: type, ...)")  # fmt: skip
            return
        seen = set()
        for fv in lit.fields:
            if fv.name in seen:
                self.error(fv.pos, f"field `{fv.name}` given twice")
            seen.add(fv.name)
            want = ftype.fields.get(fv.name)
            if want is None:
                self.error(fv.pos, f"`{lit.type}` has no field `{fv.name}`",
                           did_you_mean(fv.name, ftype.fields, f"fields of {lit.type}"))  # fmt: skip
                self.typeof(fv.value, scope)
                continue
            got = self.typeof(fv.value, scope)
            if want == T.list_of(T.TEXT) and got == T.list_of(T.TEXT):
                continue
            if not T.assignable(got, want):
                self.error(fv.value.pos, f"field `{fv.name}` of `{lit.type}` is {T.describe(want)}, "
                                         f"but this is {T.describe(got)}")  # fmt: skip

    def _template(self, template: A.Template, scope: _Scope):
        for part in template.parts:
            if isinstance(part, str):
                continue
            self._template_reach(part, scope)
            self.typeof(part, scope)

    def _template_reach(self, expr, scope: _Scope):
        """A template may reach fields of bindings and constants, nothing else."""
        if isinstance(expr, A.Attr):
            if not isinstance(expr.obj, A.Name):
                self.error(expr.pos, "a template may only reach fields of bindings, such as {r.case_id}")
            return
        if isinstance(expr, A.Name) and expr.id in scope.bindings:
            self.error(expr.pos, f"`{{{expr.id}}}` is a whole fact; a template may only reach its fields",
                       f"write {{{expr.id}.FIELD}}")  # fmt: skip
            return
        for child in A.children(expr):
            self._template_reach(child, scope)

    def _example(self, rule: A.Rule, example: A.Example, consts):
        scope = _Scope(consts, {}, None, "example")
        for lit in example.facts:
            ftype = self.types.get(lit.type)
            if ftype is None:
                self.error(lit.pos, f"unknown fact type `{lit.type}` in example",
                           did_you_mean(lit.type, self.types, "fact types"))  # fmt: skip
                continue
            if ftype.kind == "finding":
                self.error(lit.pos, "examples give input facts; findings are what the rules produce")
                continue
            self._fact_literal(lit, scope, asserted=False)
            for fv in lit.fields:
                if not _is_constant_expr(fv.value):
                    self.error(fv.value.pos, "example values must be literals or constants")

    # ---- expressions ----
    def typeof(self, e, scope: _Scope) -> str:
        if isinstance(e, A.Literal):
            if e.kind in ("int", "decimal") and abs(e.value) > MAX_NUMBER:
                self.error(e.pos, f"number out of range: {e.value} (at most {MAX_NUMBER:,} either way)",
                           "numbers travel to the engine as JSON numbers, exact up to 2**53")  # fmt: skip
            return {"int": T.INT, "decimal": T.DECIMAL, "text": T.TEXT, "bool": T.BOOL,
                    "null": T.NULL, "date": T.DATE}[e.kind]  # fmt: skip
        if isinstance(e, A.Regex):
            if len(e.pattern) > MAX_PATTERN:
                self.error(e.pos, f"regex is {len(e.pattern)} characters long; the limit is {MAX_PATTERN}",
                           "name its parts with const and put them together with {NAME}")  # fmt: skip
                return T.REGEX
            try:
                compile_regex(expand(e.pattern, self._values))
            except UnknownPlaceholder as p:
                phrases = [n for n, v in self._values.items() if isinstance(v, list | str | RegexPattern)]
                self.error(e.pos, str(p), did_you_mean(p.name, phrases, "phrase lists and regex constants") or
                           "define it first: const NAME = [\"…\", \"…\"] or const NAME = /…/")  # fmt: skip
            except RegexProblem as p:
                self.error(e.pos, str(p))
            return T.REGEX
        if isinstance(e, A.Capture):
            return self.typeof(e.expr, scope)
        if isinstance(e, A.ListLit):
            out = T.NULL
            for item in e.items:
                t = self.typeof(item, scope)
                u = T.unify(out, t)
                if u is None:
                    self.error(item.pos, f"list items must share a type: this is {T.describe(t)}")
                    return T.list_of(T.ANY)
                out = u
            return T.list_of(out)
        if isinstance(e, A.Name):
            return self._name(e, scope)
        if isinstance(e, A.Attr):
            return self._attr(e, scope)
        if isinstance(e, A.Call):
            return self._call(e, scope)
        if isinstance(e, A.Unary):
            t = self.typeof(e.operand, scope)
            if e.op == "not":
                if t not in (T.BOOL, T.ANY):
                    self.error(e.pos, f"`not` needs true or false, not {T.describe(t)}")
                return T.BOOL
            if not T.is_numeric(t):
                self.error(e.pos, f"cannot negate {T.describe(t)}")
                return T.ANY
            return t
        if isinstance(e, A.IsNull):
            self.typeof(e.operand, scope)
            return T.BOOL
        if isinstance(e, A.Binary):
            return self._binary(e, scope)
        raise AssertionError(f"unknown node {e!r}")

    def _name(self, e: A.Name, scope: _Scope) -> str:
        if scope.self_type is not None and e.id in scope.self_type.fields:
            return scope.self_type.fields[e.id]
        if e.id in scope.captures:
            if scope.where not in ("template", "action"):
                self.error(e.pos, f"`{e.id}` names the words a regex matched; it is there for the actions",
                           f"use it in the message: {{{e.id}}}")  # fmt: skip
            return T.TEXT
        if e.id in scope.consts:
            return scope.consts[e.id]
        if e.id == AS_OF:
            return T.DATE
        if e.id in scope.bindings:
            if scope.where != "template":
                self.error(e.pos, f"`{e.id}` is a binding (a whole fact), not a value",
                           f"use one of its fields, e.g. {e.id}.case_id")  # fmt: skip
            return T.ANY
        if e.id in FUNCTIONS:
            self.error(e.pos, f"`{e.id}` is a function; call it: {e.id}(...)")
            return T.ANY
        if scope.self_type is not None:
            candidates = list(scope.self_type.fields) + list(scope.consts)
            self.error(e.pos, f"unknown field `{e.id}` of `{scope.self_type.name}`",
                       did_you_mean(e.id, candidates, f"fields of {scope.self_type.name}"))  # fmt: skip
        else:
            candidates = list(scope.consts) + list(scope.bindings)
            what = "constant" if scope.where in ("const", "example") else "name"
            hint = did_you_mean(e.id, candidates, "constants and bindings")
            if scope.where in ("action", "template") and not hint:
                hint = "outside a pattern, reach fields through a binding: r.FIELD"
            self.error(e.pos, f"unknown {what} `{e.id}`", hint)
        return T.ANY

    def _attr(self, e: A.Attr, scope: _Scope) -> str:
        if not isinstance(e.obj, A.Name):
            self.typeof(e.obj, scope)
            self.error(e.pos, f"`.{e.name}` can only follow a binding name, such as r.{e.name}")
            return T.ANY
        b = e.obj.id
        if b not in scope.bindings:
            if scope.self_type is not None and b in scope.self_type.fields:
                self.error(e.obj.pos, f"`{b}` is a field, not a binding; fields have no fields")
            else:
                hint = did_you_mean(b, scope.bindings, "bindings") if scope.bindings else None
                if scope.where == "pattern" and not hint:
                    hint = "a pattern may only refer to bindings defined in earlier patterns"
                self.error(e.obj.pos, f"unknown binding `{b}`", hint)
            return T.ANY
        ftype = scope.bindings[b]
        if e.name not in ftype.fields:
            if ftype.kind == "unknown":
                return T.ANY
            self.error(e.pos, f"`{ftype.name}` has no field `{e.name}`",
                       did_you_mean(e.name, ftype.fields, f"fields of {ftype.name}"))  # fmt: skip
            return T.ANY
        return ftype.fields[e.name]

    def _call(self, e: A.Call, scope: _Scope) -> str:
        argtypes = [self.typeof(a, scope) for a in e.args]
        if e.func not in FUNCTIONS:
            if e.func in self.types:
                self.error(e.pos, f"`{e.func}(...)` is a fact pattern; patterns cannot appear inside expressions")
            else:
                self.error(e.pos, f"unknown function `{e.func}`", did_you_mean(e.func, FUNCTIONS, "functions"))
            return T.ANY
        try:
            return check_call(e.func, argtypes)
        except SignatureError as problem:
            self.error(e.pos, str(problem), f"{e.func}: {FUNCTIONS[e.func].doc}")
            return T.ANY

    def _binary(self, e: A.Binary, scope: _Scope) -> str:
        lt = self.typeof(e.left, scope)
        rt = self.typeof(e.right, scope)
        op = e.op
        if op in ("and", "or"):
            for side, t in ((e.left, lt), (e.right, rt)):
                if t not in (T.BOOL, T.ANY):
                    self.error(side.pos, f"`{op}` needs true or false on both sides, not {T.describe(t)}")
            return T.BOOL
        if op in A.ARITHMETIC:
            if T.ANY in (lt, rt):
                return T.ANY
            if T.DATE in (lt, rt):
                self.error(e.pos, f"arithmetic on dates (`{op}`) is not defined",
                           "count days with days(a, b) or workdays(a, b)")  # fmt: skip
                return T.ANY
            if not (T.is_numeric(lt) and T.is_numeric(rt)):
                bad = lt if not T.is_numeric(lt) else rt
                self.error(e.pos, f"arithmetic (`{op}`) on {T.describe(bad)}",
                           "number(text) reads a number written in text")  # fmt: skip
                return T.ANY
            return T.DECIMAL if op == "/" else T.unify(lt, rt)
        if T.NULL in (lt, rt) and op in ("==", "!=", "<", "<=", ">", ">="):
            self.error(e.pos, f"`{op} null` is never true: a comparison with null is false",
                       "use `is null` or `is not null`")  # fmt: skip
            return T.BOOL
        if op in ("==", "!="):
            if not T.comparable(lt, rt):
                self.error(e.pos, f"cannot compare {T.describe(lt)} with {T.describe(rt)}")
            return T.BOOL
        if op in ("<", "<=", ">", ">="):
            if T.ANY in (lt, rt):
                return T.BOOL
            ok = (T.is_numeric(lt) and T.is_numeric(rt)) or (lt == rt and lt in (T.DATE, T.TEXT))
            if not ok:
                self.error(e.pos, f"cannot order {T.describe(lt)} against {T.describe(rt)} with `{op}`")
            return T.BOOL
        if op in ("in", "not in"):
            if rt == T.ANY:
                return T.BOOL
            if not T.is_list(rt):
                self.error(e.right.pos, f"`{op}` needs a list on the right, such as [\"受理\", \"不予受理\"]")
            elif not T.comparable(lt, T.elem(rt)):
                self.error(e.pos, f"cannot look for {T.describe(lt)} in {T.describe(rt)}")
            return T.BOOL
        if op == "matches":
            if lt not in (T.TEXT, T.ANY):
                self.error(e.left.pos, f"`matches` needs text on the left, not {T.describe(lt)}")
            if rt not in (T.REGEX, T.ANY):
                self.error(e.right.pos, "`matches` needs a regex on the right, such as /须经.{0,20}审批/")
            return T.BOOL
        if op == "contains":
            if T.is_list(lt):
                if not T.comparable(T.elem(lt), rt):
                    self.error(e.pos, f"cannot look for {T.describe(rt)} in {T.describe(lt)}")
            elif lt not in (T.TEXT, T.ANY) or rt not in (T.TEXT, T.ANY):
                self.error(e.pos, f"`contains` needs text in text or an item in a list, not "
                                  f"{T.describe(lt)} and {T.describe(rt)}")  # fmt: skip
            return T.BOOL
        raise AssertionError(op)

    # ---- strata ----
    def _strata(self):
        """Order rules so that a rule that negates a type, or matches findings or summaries,
        runs after every rule that can produce those facts. A cycle through such a
        dependency has no such order: it is an error."""
        infos = [self.rules[k] for k in sorted(self.rules)]
        producers: dict[str, list[str]] = {}
        for info in infos:
            for action in info.rule.then:
                if isinstance(action, A.Assert):
                    producers.setdefault(action.fact.type, []).append(info.rule.id)
        edges: dict[str, list[tuple[str, bool, A.Pos]]] = {i.rule.id: [] for i in infos}  # consumer -> deps
        for info in infos:
            rule = info.rule
            for idx, pattern in enumerate(rule.when):
                ftype = self.types.get(pattern.type)
                if ftype is None:
                    continue
                if ftype.kind == "finding":
                    for prod in self.finding_producers.get(f"{rule.id}#{idx}", ()):
                        if prod in self.rules:
                            edges[rule.id].append((prod, True, pattern.pos))
                elif ftype.kind == "derived":
                    strict = pattern.kind == "not"
                    for prod in producers.get(pattern.type, ()):
                        edges[rule.id].append((prod, strict, pattern.pos))
        stratum: dict[str, int] = {}
        state: dict[str, int] = {}  # 1 visiting, 2 done
        reported: set[str] = set()

        def visit(rid: str, path: list[tuple[str, bool, A.Pos]]) -> int:
            if state.get(rid) == 2:
                return stratum[rid]
            if state.get(rid) == 1:
                # a cycle: it is an error when any edge on it is strict
                cycle = path[[p[0] for p in path].index(rid):] if rid in [p[0] for p in path] else path
                if any(strict for _, strict, _ in cycle) and rid not in reported:
                    names = " -> ".join([c[0] for c in cycle] + [rid])
                    pos = cycle[0][2]
                    reported.update(c[0] for c in cycle)
                    self.error(pos, f"negation cycle: {names}",
                               "a rule cannot depend on the absence (or the findings) of facts it helps produce")  # fmt: skip
                return 0
            state[rid] = 1
            level = 0
            for dep, strict, pos in edges.get(rid, ()):
                sub = visit(dep, path + [(rid, strict, pos)])
                level = max(level, sub + (1 if strict else 0))
            state[rid] = 2
            stratum[rid] = level
            return level

        for info in infos:
            visit(info.rule.id, [])
        for info in infos:
            info.stratum = stratum.get(info.rule.id, 0)


def builtin_consts() -> dict[str, tuple]:
    """Constants every pack sees (a pack's own constant of the same name hides one), from the
    gazetteer of PRC administrative divisions (domain/places.py): PLACES, every name; CITIES,
    the short names of provinces and prefecture-level cities (深圳, 宜春), for `{CITIES}` in a
    pattern (a full name ends in 省, 市, 县, 区, which a pattern matches by shape)."""
    from ..domain.places import city_names, place_names

    return {"PLACES": (list(place_names()), T.list_of(T.TEXT), None),
            "CITIES": (list(city_names()), T.list_of(T.TEXT), None)}  # fmt: skip


def _is_constant_expr(expr) -> bool:
    if isinstance(expr, A.Name):
        return True  # a constant; the checker resolved it
    if isinstance(expr, A.Literal | A.Regex):
        return True
    if isinstance(expr, A.ListLit):
        return all(_is_constant_expr(i) for i in expr.items)
    if isinstance(expr, A.Unary) and expr.op == "-":
        return _is_constant_expr(expr.operand)
    return False


def _literal_text(expr):
    return expr.value if isinstance(expr, A.Literal) and expr.kind == "text" else None


def _static_finding_filter(c):
    """A predicate over rules for a finding constraint on rule/tags/severity, or None."""
    if not isinstance(c, A.Binary) or not isinstance(c.left, A.Name):
        return None
    field_name, op, right = c.left.id, c.op, c.right
    if field_name == "rule" and op == "==" and _literal_text(right) is not None:
        return lambda r, v=_literal_text(right): r.id == v
    if field_name == "rule" and op == "in" and isinstance(right, A.ListLit):
        values = {_literal_text(i) for i in right.items}
        return lambda r, vs=values: r.id in vs
    if field_name == "tags" and op == "contains" and _literal_text(right) is not None:
        return lambda r, v=_literal_text(right): v in r.tags
    if field_name == "severity" and op == "==" and _literal_text(right) is not None:
        return lambda r, v=_literal_text(right): r.severity == v
    return None


def const_value(expr, consts: dict):
    """The value of a constant expression (literals, lists, other constants, arithmetic)."""
    if isinstance(expr, A.Literal):
        return expr.value
    if isinstance(expr, A.ListLit):
        return [const_value(i, consts) for i in expr.items]
    if isinstance(expr, A.Name):
        if expr.id in consts:
            return consts[expr.id]
        raise ValueError(f"`{expr.id}` is not a known constant")
    if isinstance(expr, A.Unary) and expr.op == "-":
        return -const_value(expr.operand, consts)
    if isinstance(expr, A.Binary) and expr.op in A.ARITHMETIC:
        a, b = const_value(expr.left, consts), const_value(expr.right, consts)
        if not all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in (a, b)):
            raise ValueError("only numbers can be combined with arithmetic")
        if expr.op == "/":
            if b == 0:
                raise ValueError("division by zero")
            return Decimal(a) / Decimal(b)
        return {"+": a + b, "-": a - b, "*": a * b}[expr.op]
    if isinstance(expr, A.Regex):
        return RegexPattern(expand(expr.pattern, consts))
    raise ValueError("a constant must be a literal, a list or arithmetic over constants")
