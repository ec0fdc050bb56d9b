"""The column strategy: case-scoped strata evaluated over a chunk of rows at once.

In an audit every case is its own session: one record and the facts derived from it. A
stratum whose rules match only the record, facts derived in the case and the case's
findings can therefore be evaluated for a whole chunk of rows as relational operations on
columns (polars): each fact type is a table keyed by the row; a pattern is a filter, and
a join on the row; `not` an anti-join; `assert` and `report` add rows to the fact tables.
Messages and traces are rendered afterwards, in Python, for the rows where a rule fired.

Both strategies follow the same fact order (ir/order.py): every fact carries its key,
encoded as a string whose lexicographic order is the order of the key's tuples (fixed-width
numbers, `[` opening and `!` closing a tuple), so that "the first match" is the least key.

Total or fallback: a stratum with a construct this strategy does not translate (see
column_expr), a recursive stratum, or one that matches clauses, documents or summaries,
runs on the Rete engine, together with every stratum after it; `reasons` says why. A chunk
whose dates the calendar does not cover, or that polars cannot evaluate, runs on Rete as a
whole. The output is the same bytes either way (tests/test_columns.py).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import polars as pl

from ..domain.schema import RECORD_FIELDS
from ..findings import Finding
from ..ir.evaluate import compile_expr
from ..ir.order import recursive
from .column_expr import Translator, Unsupported, per_distinct
from .runtime import CompiledProgram, Context, Fact, Session, input_fact

ENGINES = ("auto", "columns", "rete")
# below this many rows a chunk costs less on Rete than the column strategy's fixed cost (a
# few polars operations per rule, about 30-50 ms a chunk for the standard packs)
MIN_COLUMN_ROWS = 256
_SEP = "\x1f"  # binding␟field: a column of a match
_DTYPES = {"text": pl.String, "int": pl.Int64, "bool": pl.Boolean, "date": pl.Date}
_RECORD_TYPES = {spec.name: spec.type for spec in RECORD_FIELDS}


def _enc(n: int) -> str:
    return f"{n + 1:06d}"


_RECORD_KEY = "[" + _enc(-1) + _enc(0) + "!"  # (-1, 0): the one input fact of a case


class _Skip(Exception):
    """This chunk goes to the Rete engine (a date outside the calendar, a value polars
    cannot hold)."""


class ColumnPlan:
    """Which case strata of a compiled program run as columns, translated once."""

    def __init__(self, program: CompiledProgram, ctx: Context):
        self.program = program
        self.ctx = ctx
        self.tr = Translator(ctx.calendar, ctx.as_of)
        ir = program.ir
        self.keys = {t: {k: f for f, k in spec.get("fields", {}).items()} for t, spec in ir["types"].items()}
        self.computed = {t: {c["key"]: c["expr"] for c in spec.get("computed", ())} for t, spec in ir["types"].items()}
        self.declared = {t: spec.get("declared", {}) for t, spec in ir["types"].items()}
        self.rules_by_id: dict[str, dict] = {}
        case_rules = [r for r in ir["rules"] if r["phase"] == "case"]
        levels = sorted({r["stratum"] for r in case_rules})
        rules = self._for_records(case_rules)
        self.strata: list[list[dict]] = []  # the prefix that runs as columns, rules in dependency order
        self.reasons: list[str] = []  # why the first stratum left on Rete is there
        for n, level in enumerate(levels):
            group = [r for r in rules if r["stratum"] == level]
            try:
                self.strata.append(self._plan_stratum(group))
            except Unsupported as e:
                self.reasons.append(f"stratum {n + 1} of {len(levels)}: {e}; it and the strata after it run on Rete")
                break
        for group in self.strata:
            for r in group:
                self.rules_by_id.setdefault(r["id"], r)
        self.complete = len(self.strata) == len(levels)
        self.record_fields = sorted(self._record_fields())
        self.date_fields = [f for f in self.record_fields if _RECORD_TYPES.get(f) == "date"]

    @property
    def usable(self) -> bool:
        return bool(self.strata)

    # ---- planning ----
    def _for_records(self, rules: list[dict]) -> list[dict]:
        """The rules as they can match in a case of an audit, whose only input fact is its
        record: a rule whose positive pattern needs a clause, a document, a summary row or
        a fact only such rules derive never matches (it is left out); a `not` pattern over
        those always holds (it is dropped)."""
        from ..ir.order import produced

        while True:
            made = {t for r in rules for t in produced(r)} | {"record"}
            kept = [r for r in rules if all(p["kind"] == "not" or p["type"] in made for p in r["patterns"])]
            if len(kept) == len(rules):
                break
            rules = kept
        return [{**r, "patterns": [p for p in r["patterns"] if p["type"] in made]} for r in rules]

    def _plan_stratum(self, group: list[dict]) -> list[dict]:
        if recursive(group):
            raise Unsupported("its rules derive facts from facts they derive (recursion)")
        for r in group:
            try:
                self._check_rule(r)
            except Unsupported as e:
                raise Unsupported(f"rule {r['id']}: {e}") from None
        return _dependency_order(group)

    def _check_rule(self, rule: dict) -> None:
        bindings: dict[str, str] = {}
        positive = 0
        for p in rule["patterns"]:
            t = p["type"]
            if t not in ("record", "finding") and not self.declared.get(t):
                raise Unsupported(f"it matches `{t}` facts, which no rule of a case derives")
            for c in p["conditions"]:
                self._condition(c, t, p["binding"], lambda _b, f: pl.col(f))
            if p["kind"] != "not":
                positive += 1
                bindings[p["binding"]] = t
        if not positive:
            raise Unsupported("it has no positive pattern")
        for a in rule["actions"]:
            if "assert" in a:
                for name, expr in a["fields"].items():
                    if self.declared[a["assert"]].get(name) not in _DTYPES:
                        raise Unsupported(f"`{a['assert']}.{name}` is {self.declared[a['assert']].get(name)}")
                    self.tr.value(expr, _resolve_match)
            elif bindings.get(a["report"]) != "record":
                raise Unsupported("it reports a subject that is not the record")

    def _record_fields(self) -> set[str]:
        out = set(self.keys.get("record", {}).values())
        for e in self.computed.get("record", {}).values():
            out |= _fields(e)
        for group in self.strata:
            for r in group:
                records = {p["binding"] for p in r["patterns"] if p["type"] == "record"}
                for a in r["actions"]:
                    for e in a.get("fields", {}).values():
                        out |= {f for b, f in _refs(e) if b in records}
        # a finding carries its record's fields; rules over findings may test them
        out |= {f for f in self.keys.get("finding", {}).values() if f in _RECORD_TYPES}
        for s in self.program.ir["summaries"]:  # counted by columns too (_Chunk._summaries)
            out.add(s["by"])
            for item in s["items"]:
                for w in item["where"]:
                    out |= _fields(w)
        return out & set(_RECORD_TYPES)

    # ---- conditions (engine form, over engine keys) ----
    def _key(self, type_: str, key: str, resolve, dtype: pl.DataType | None = None, presence: bool = False) -> pl.Expr:
        """An engine key as a column. `dtype`: what a key computed in Python must be (the type
        of what it is compared with); `presence`: only whether it is there is asked."""
        field = self.keys.get(type_, {}).get(key)
        if field is not None:
            if type_ == "finding" and field == "tags":
                raise Unsupported("a finding's tags")
            return resolve(None, field)
        expr = self.computed.get(type_, {}).get(key)
        if expr is None:
            raise Unsupported(f"the engine key {key}")
        try:
            value = self.tr.value(expr, resolve)
        except Unsupported:
            if dtype is None and not presence:
                raise
            value = self._in_python(type_, key, expr, resolve, pl.Boolean if presence else dtype, presence)
        if _is_truth(expr):  # the engine holds a computed false as absent (runtime._payload)
            return pl.when(value.fill_null(False)).then(True).otherwise(None)
        return value

    def _in_python(self, type_: str, key: str, expr: dict, resolve, dtype: pl.DataType, presence: bool) -> pl.Expr:
        """A computed key polars cannot express (a regex match, `contains`, division…): the
        runtime's own compiled function (runtime._payload computes the same key the same
        way), called once per distinct tuple of the fields it reads."""
        if _refs(expr):
            raise Unsupported(f"the engine key {key} reads another fact")
        fn = dict(self.program.computed.get(type_, ()))[key]
        fields = sorted(_fields(expr))
        ctx = self.ctx

        def value(*values):
            v = fn(dict(zip(fields, values)), None, ctx)
            if v is None or v is False:  # the engine holds a computed false as absent (runtime._payload)
                return None
            return True if presence else v

        return per_distinct(value, [resolve(None, f) for f in fields], dtype)

    def where(self, w: dict) -> pl.Expr:
        """A summary item's condition over one fact's fields, as a column; what polars cannot
        express is the runtime's own test (add_to_summaries: truthy counts), once per distinct
        tuple of the fields it reads."""
        try:
            return self.tr.truth(w, lambda _b, f: pl.col(f))
        except Unsupported:
            if _refs(w):
                raise
        fn, fields, ctx = compile_expr(w), sorted(_fields(w)), self.ctx
        test = per_distinct(lambda *values: bool(fn(dict(zip(fields, values)), None, ctx)), [pl.col(f) for f in fields],
                            pl.Boolean)  # fmt: skip
        return test.fill_null(False)

    def _condition(self, c: dict, type_: str, binding: str, resolve) -> pl.Expr:
        if "any" in c or "all" in c:
            parts = [self._condition(x, type_, binding, resolve) for x in c.get("any", c.get("all"))]
            out = parts[0]
            for x in parts[1:]:
                out = (out | x) if "any" in c else (out & x)
            return out
        if "exists" in c:
            return self._key(type_, c["exists"], resolve, presence=True).is_not_null()
        if "absent" in c:
            return self._key(type_, c["absent"], resolve, presence=True).is_null()
        left = self._key(type_, c["key"], resolve, None if "ref" in c else _literal_dtype(c["value"]))
        if "ref" in c:
            other, ref_key = c["ref"]
            right = pl.col(f"{other}{_SEP}{self._ref_field(ref_key)}")
        else:
            right = self.tr.value(c["value"], resolve)
        op = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[c["cmp"]]
        return getattr(left, op)(right).fill_null(False)

    def _ref_field(self, key: str) -> str:
        for fields in self.keys.values():
            if key in fields:
                return fields[key]
        raise Unsupported(f"the engine key {key}")

    # ---- running a chunk ----
    def run(self, rows: list, file: str, ctx: Context):
        """`run_table` for Row objects (a workbook, a JSONL file, a test)."""
        data = {"_row": pl.Series("_row", [r.row for r in rows], dtype=pl.Int64)}
        try:
            for f in self.record_fields:
                kind = _RECORD_TYPES[f]
                values = [r.values.get(f) for r in rows]
                # strict: a value the column type cannot hold (an integer beyond 64 bits)
                # sends the chunk to Rete rather than turning into a null
                data[f] = pl.Series(f, values, dtype=_DTYPES.get(kind), strict=True) if kind != "decimal" else (
                    pl.Series(f, values))  # fmt: skip
        except (pl.exceptions.PolarsError, OverflowError, TypeError):
            return None
        return self.run_table(pl.DataFrame(data), lambda ks: [rows[k].values for k in ks], file, ctx)

    def run_table(self, table: pl.DataFrame, values: Callable[[list[int]], list[dict]], file: str, ctx: Context):
        """Findings of the rows of `table` (`_row`: their row numbers; the canonical
        fields, typed) and the summary counts they add, or None when the chunk must go to
        the Rete engine. `values(ks)` are the rows' values as the row reader gives them."""
        try:
            return _Chunk(self, table, values, file, ctx).run()
        except (_Skip, pl.exceptions.PolarsError, OverflowError, TypeError):
            return None


class _Chunk:
    def __init__(self, plan: ColumnPlan, table: pl.DataFrame, values: Callable[[list[int]], list[dict]], file: str,
                 ctx: Context):  # fmt: skip
        self.plan, self.values, self.file, self.ctx = plan, values, file, ctx
        self.n = table.height
        self.row_numbers = table.get_column("_row").to_list()
        self.next_id = self.n  # records are facts 0..n-1
        missing = [pl.lit(None, _DTYPES.get(_RECORD_TYPES[f], pl.Null)).alias(f)
                   for f in plan.record_fields if f not in table.columns]  # fmt: skip
        self.records = table.select(
            pl.int_range(0, self.n, dtype=pl.Int64).alias("_row"),
            *[pl.col(f) for f in plan.record_fields if f in table.columns], *missing,
        ).with_columns(pl.col("_row").alias("_id"), pl.lit(_RECORD_KEY).alias("_k"))
        if not plan.tr.covered(self.records, plan.date_fields):
            raise _Skip("dates outside the calendar")
        self.tables: dict[str, pl.DataFrame] = {}
        self.pending: dict[str, list[pl.DataFrame]] = {}
        self._facts_made: dict[int, Fact] = {}

    def record(self, k: int) -> Fact:
        fact = self._facts_made.get(k)
        if fact is None:
            self.records_of([k])
            fact = self._facts_made[k]
        return fact

    def records_of(self, ks) -> None:
        """Make the record facts of these rows, their values read in one batch."""
        ks = sorted({k for k in ks if k not in self._facts_made})
        for k, values in zip(ks, self.values(ks) if ks else (), strict=True):
            fact = input_fact("record", values, file=self.file, row=self.row_numbers[k])
            fact.key, fact.fid, fact.settled = (-1, 0), k, True
            self._facts_made[k] = fact

    def table(self, type_: str) -> pl.DataFrame:
        if type_ == "record":
            return self.records
        self._settle(type_)
        if type_ not in self.tables:
            if type_ == "finding":
                return self.records.head(0).with_columns(
                    pl.lit(None, pl.String).alias("_rule"), pl.lit(None, pl.List(pl.Int64)).alias("_from"),
                    pl.lit(None, pl.String).alias("rule"), pl.lit(None, pl.String).alias("severity"))
            cols = {"_row": pl.Int64, "_id": pl.Int64, "_k": pl.String, "_rule": pl.String,
                    "_from": pl.List(pl.Int64)}  # fmt: skip
            cols.update({f: _DTYPES[t] for f, t in self.plan.declared[type_].items()})
            return pl.DataFrame(schema=cols)
        return self.tables[type_]

    def run(self):
        for group in self.plan.strata:
            for rule in group:
                self._rule(rule)
            for t in list(self.pending):
                self._settle(t)
        return self._results()

    # ---- one rule ----
    def _rule(self, rule: dict) -> None:
        plan = self.plan
        m: pl.DataFrame | None = None
        positive: list[str] = []
        for p in rule["patterns"]:
            b, t = p["binding"], p["type"]
            own = [c for c in p["conditions"] if not _has_ref(c)]
            refs = [c for c in p["conditions"] if _has_ref(c)]
            frame = self.table(t)
            if own:
                frame = frame.filter(pl.all_horizontal(
                    [plan._condition(c, t, b, lambda _b, f: pl.col(f)) for c in own]))  # fmt: skip
            mine = lambda _b, f, b=b: pl.col(f"{b}{_SEP}{f}")  # noqa: E731
            if p["kind"] == "not":
                if m is None:
                    m = self.records.select("_row")
                if not refs:
                    m = m.join(frame.select("_row").unique(), on="_row", how="anti")
                    continue
                m = m.with_row_index("_mid")
                hits = m.join(_prefixed(frame, b), on="_row").filter(
                    pl.all_horizontal([plan._condition(c, t, b, mine) for c in refs]))
                m = m.filter(~pl.col("_mid").is_in(hits.get_column("_mid").implode())).drop("_mid")
                continue
            frame = _prefixed(frame, b)
            m = frame if m is None else m.join(frame, on="_row")
            if refs:
                m = m.filter(pl.all_horizontal([plan._condition(c, t, b, mine) for c in refs]))
            positive.append(b)
        if m.height == 0:
            return
        key = pl.concat_str([pl.lit("[" + _enc(rule["order"]) + _enc(0) + "["),
                             *[pl.col(f"{b}{_SEP}_k") for b in positive], pl.lit("!!")])  # fmt: skip
        origin = [pl.col("_row"), key.alias("_k"), pl.lit(rule["id"]).alias("_rule"),
                  pl.concat_list([pl.col(f"{b}{_SEP}_id") for b in positive]).alias("_from")]  # fmt: skip
        for a in rule["actions"]:
            if "assert" in a:
                t = a["assert"]
                declared = plan.declared[t]
                values = [plan.tr.value(e, _resolve_match).cast(_DTYPES[declared[name]]).alias(name)
                          for name, e in a["fields"].items()]  # fmt: skip
                values += [pl.lit(None, _DTYPES[f_t]).alias(f) for f, f_t in declared.items() if f not in a["fields"]]
                self.pending.setdefault(t, []).append(m.select(*origin, *values).select(
                    "_row", "_k", "_rule", "_from", *declared))  # fmt: skip
            else:
                self.pending.setdefault("finding", []).append(m.select(*origin))

    # ---- derived facts and findings: the first derivation of each ----
    def _settle(self, type_: str) -> None:
        parts = self.pending.pop(type_, None)
        if not parts:
            return
        new = pl.concat(parts, how="vertical").sort("_row", "_k")
        if type_ == "finding":
            new = new.unique(subset=["_row", "_rule"], keep="first", maintain_order=True)
            rules = self.plan.rules_by_id
            new = new.with_columns(pl.col("_rule").alias("rule"),
                                   pl.col("_rule").replace_strict({r: rules[r]["severity"] for r in rules},
                                                                  return_dtype=pl.String).alias("severity"))  # fmt: skip
        else:
            fields = list(self.plan.declared[type_])
            old = self.tables.get(type_)
            if old is not None:  # derived in an earlier stratum: it keeps its origin there
                new = new.join(old.select("_row", *fields), on=["_row", *fields], how="anti", nulls_equal=True)
            new = new.unique(subset=["_row", *fields], keep="first", maintain_order=True)
        new = new.with_columns((pl.int_range(0, new.height, dtype=pl.Int64) + self.next_id).alias("_id"))
        self.next_id += new.height
        if type_ == "finding":
            extra = [c for c in self.plan.record_fields if c not in new.columns]
            new = new.join(self.records.select("_row", *extra), on="_row", how="left")
        old = self.tables.get(type_)
        self.tables[type_] = new if old is None else pl.concat([old, new.select(old.columns)], how="vertical")

    # ---- findings, rendered for the rows where a rule fired ----
    def _results(self):
        plan = self.plan
        if not plan.complete:
            return self._hand_over()
        found = self.tables.get("finding")
        out: list[Finding] = []
        if found is not None and found.height:
            self.records_of(found.get_column("_row").to_list())
            facts = self._facts(found.get_column("_from").explode().to_list())
            plan.program.describe_memo = {}  # the chunk's facts are described once
            try:
                for row, rule_id, from_ids in found.select("_row", "_rule", "_from").iter_rows():
                    rule = plan.rules_by_id[rule_id]
                    out.append(self._finding(rule, self.record(row), [facts[i] for i in from_ids]))
            finally:
                plan.program.describe_memo = None
        return out, self._summaries(found)

    def _summaries(self, found: pl.DataFrame | None) -> dict:
        """The summary counts of the chunk (CompiledProgram.add_to_summaries, by columns)."""
        program = self.plan.program
        state = program.new_summary_state()
        for s in program.ir["summaries"]:
            by = s["by"]
            groups = state[s["name"]]
            if by not in self.records.columns or _RECORD_TYPES.get(by) not in ("text", "int", "date", "bool"):
                raise _Skip(f"a summary by {by}")
            names = [item["name"] for item in s["items"]]
            for g in self.records.get_column(by).drop_nulls().unique(maintain_order=True).to_list():
                groups[g] = dict.fromkeys(names, 0)
            for item in s["items"]:
                if item["type"] == "record":
                    frame = self.records
                elif item["type"] == "finding":
                    frame = found if found is not None else self.table("finding")
                else:
                    continue  # no such facts in a case
                try:
                    conds = [self.plan.where(w) for w in item["where"]]
                except Unsupported as e:
                    raise _Skip(str(e)) from None
                if conds:
                    frame = frame.filter(pl.all_horizontal(conds))
                for g, n in frame.group_by(by).len().drop_nulls(by).iter_rows():
                    groups[g][item["name"]] += n
        return state

    def _finding(self, rule: dict, subject: Fact, matched: list[Fact]) -> Finding:
        program = self.plan.program
        env = {}
        positive = [p for p in rule["patterns"] if p["kind"] != "not"]
        for p, f in zip(positive, matched, strict=True):
            if p["kind"] == "match":
                env[p["binding"]] = f.values
        spec = next(spec for kind, target, spec in program.actions[rule["id"]] if kind == "report")
        return program.report(rule, subject, matched, env, spec, self.ctx)

    def _facts(self, ids: list[int]) -> dict[int, Fact]:
        """The facts with these ids and every fact they came from, as runtime Facts."""
        rows: dict[int, tuple[str, dict]] = {}
        frontier = {i for i in ids if i >= self.n}
        while frontier:
            wanted = pl.Series(sorted(frontier), dtype=pl.Int64).implode()
            frontier = set()
            for t, frame in self.tables.items():
                for d in frame.filter(pl.col("_id").is_in(wanted)).select(
                        "_row", "_id", "_k", "_rule", "_from", *self.plan.declared.get(t, ())).to_dicts():  # fmt: skip
                    rows[d["_id"]] = (t, d)
                    frontier.update(i for i in d["_from"] if i >= self.n and i not in rows)
        out: dict[int, Fact] = {}

        def make(i: int) -> Fact:
            if i < self.n:
                return self.record(i)
            if i in out:
                return out[i]
            t, d = rows[i]
            origin = {"rule": d["_rule"], "from": [make(j) for j in d["_from"]]}
            if t == "finding":
                fact = _finding_fact(self.plan.rules_by_id[d["_rule"]], self.record(d["_row"]))
                fact.origin.update(origin)
            else:
                fact = Fact(t, {f: d[f] for f in self.plan.declared[t] if d[f] is not None}, origin)
            fact.key, fact.settled = d["_k"], True
            out[i] = fact
            return fact

        for i in ids:
            make(i)
        return {**out, **{i: self.record(i) for i in ids if i < self.n}}

    def _hand_over(self):
        """The strata after the column prefix run on Rete, case by case, in a session
        that starts with everything the columns derived (all facts, not only those behind
        a finding: later rules may match any of them)."""
        plan, program = self.plan, self.plan.program
        ids = list(range(self.n))
        self.records_of(ids)
        for frame in self.tables.values():
            ids.extend(frame.get_column("_id").to_list())
        facts = self._facts(ids)
        for fact in facts.values():  # the Rete engine's own keys are tuples
            if isinstance(fact.key, str):
                fact.key = _decode(fact.key)
        by_row: dict[int, list[tuple[str, int]]] = {}
        for t, frame in self.tables.items():
            for row, i in frame.select("_row", "_id").iter_rows():
                by_row.setdefault(row, []).append((t, i))
        found: dict[int, tuple[str, list[int]]] = {}
        if "finding" in self.tables:
            for i, rule_id, from_ids in self.tables["finding"].select("_id", "_rule", "_from").iter_rows():
                found[i] = (rule_id, from_ids)
        remaining = program.case_strata[len(plan.strata):]
        findings: list[Finding] = []
        state = program.new_summary_state()
        for row in range(self.n):
            rec = self.record(row)
            session = Session([rec])
            for t, i in sorted(by_row.get(row, ()), key=lambda ti: ti[1]):
                fact = facts[i]
                session.add(fact)
                if t == "finding":
                    rule_id, from_ids = found[i]
                    fact.subject = rec
                    session.reports[(rule_id, rec.fid)] = fact
                    findings.append(self._finding(plan.rules_by_id[rule_id], rec, [facts[j] for j in from_ids]))
                else:
                    session.derived[(t, tuple(sorted(fact.values.items())))] = fact
            result = program.run_session([], self.ctx, remaining, prior=session)
            findings.extend(result.findings)
            program.add_to_summaries(state, result, self.ctx)
        return findings, state


def _finding_fact(rule: dict, record: Fact) -> Fact:
    return Fact("finding", {**record.values, "rule": rule["id"], "severity": rule["severity"],
                            "tags": list(rule["tags"])}, {"rule": rule["id"], "from": [], "finding": True})  # fmt: skip


def _prefixed(frame: pl.DataFrame, binding: str) -> pl.DataFrame:
    return frame.select(pl.col("_row"), *[pl.col(c).alias(f"{binding}{_SEP}{c}") for c in frame.columns if c != "_row"])


def _resolve_match(binding: str | None, field: str) -> pl.Expr:
    if binding is None:
        raise Unsupported(f"the bare name {field} in an action")
    return pl.col(f"{binding}{_SEP}{field}")


def _has_ref(c: dict) -> bool:
    if "ref" in c:
        return True
    return any(_has_ref(x) for x in c.get("any", c.get("all", ())))


def _is_truth(expr: dict) -> bool:
    if "op" in expr:
        return expr["op"] in ("and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "matches", "contains")
    return "not" in expr or "isnull" in expr


def _literal_dtype(ir: dict) -> pl.DataType | None:
    """The column type of a literal a key is compared with (None: not a plain literal)."""
    if "dec" in ir:
        d = Decimal(ir["dec"])
        return pl.Decimal(38, max(0, -d.as_tuple().exponent))
    if "date" in ir:
        return pl.Date
    v = ir.get("lit", ...)
    if isinstance(v, bool):
        return pl.Boolean
    if isinstance(v, int):
        return pl.Int64
    if isinstance(v, str):
        return pl.String
    return None


def _fields(expr) -> set[str]:
    return {f for kind, f in _names(expr) if kind == "field"}


def _refs(expr) -> set[tuple[str, str]]:
    return {tuple(ref) for kind, ref in _names(expr) if kind == "ref"}


def _names(expr):
    """("field", name) and ("ref", [binding, name]) of an expression IR, all of them."""
    if isinstance(expr, dict):
        for k, v in expr.items():
            if k in ("field", "ref"):
                yield k, v
            else:
                yield from _names(v)
    elif isinstance(expr, list):
        for v in expr:
            yield from _names(v)


def _dependency_order(group: list[dict]) -> list[dict]:
    """The rules of a (non-recursive) stratum so that every rule comes after the rules
    that derive what it matches; otherwise in rule order."""
    from ..ir.order import produced

    makers: dict[str, list[str]] = {}
    for r in group:
        for t in produced(r):
            makers.setdefault(t, []).append(r["id"])
    by_id: dict[str, list[dict]] = {}
    for r in group:
        by_id.setdefault(r["id"], []).append(r)
    done: list[dict] = []
    state: set[str] = set()

    def visit(rid: str) -> None:
        if rid in state:
            return
        state.add(rid)
        for r in by_id[rid]:
            for p in r["patterns"]:
                if p["kind"] != "not" and p["type"] != "finding":  # findings: earlier strata
                    for dep in sorted(makers.get(p["type"], ()), key=lambda d: by_id[d][0]["order"]):
                        visit(dep)
        done.extend(by_id[rid])

    for r in sorted(group, key=lambda r: r["order"]):
        visit(r["id"])
    return done


def _decode(key: str) -> tuple:
    """A key string back to the tuple it encodes (for a session the Rete engine goes on
    with, whose own keys are tuples)."""
    pos = 0

    def item():
        nonlocal pos
        if key[pos] == "[":
            pos += 1
            out = []
            while key[pos] != "!":
                out.append(item())
            pos += 1
            return tuple(out)
        n = int(key[pos:pos + 6]) - 1
        pos += 6
        return n

    return item()


def engine_reasons(plan: ColumnPlan | None) -> list[str]:
    """Why strata stay on the Rete engine, for `--engine columns` to print."""
    return [] if plan is None else list(plan.reasons)


ChunkRunner = Callable[[list, str, Context], tuple | None]

__all__ = ["ENGINES", "ColumnPlan", "engine_reasons", "dt"]
