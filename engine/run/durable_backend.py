"""Rule IR -> durable_rules ruleset definitions, and the loop that feeds one session.

The C engine is called directly (`durable_rules_engine`), not through `durable.lang`'s
global host: each compiled program owns its rulesets, facts are serialised once with
orjson, and action dispatch skips the Python host's per-action JSON round trips of the
session state. Records and derived facts are always facts, never events (NOTES-durable).
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import durable_rules_engine as dre
import orjson

from ..ir.evaluate import literal_value

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_names = itertools.count()


def engine_value(v):
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def _condition(cond: dict) -> dict:
    if "any" in cond:
        return {"$or": [_condition(c) for c in cond["any"]]}
    if "all" in cond:
        return {"$and": [_condition(c) for c in cond["all"]]}
    if "exists" in cond:
        return {"$ex": {cond["exists"]: 1}}
    if "absent" in cond:
        return {"$nex": {cond["absent"]: 1}}
    key, op = cond["key"], cond["cmp"]
    if "ref" in cond:
        binding, ref_key = cond["ref"]
        rhs = {binding: ref_key}
    else:
        rhs = engine_value(literal_value(cond["value"]))
    if op == "==":
        return {key: rhs}
    return {_OPS[op]: {key: rhs}}


def _rule_definition(rule: dict, type_codes: dict[str, int]) -> dict:
    patterns = []
    for p in rule["patterns"]:
        conds = [{"t": type_codes[p["type"]]}] + [_condition(c) for c in p["conditions"]]
        refs = [c["ref"][0] for c in p["conditions"] if "ref" in c]
        if refs:
            # durable_rules 2.0.28 reads past the end of a join's expression list when
            # the last comparison is false and is not an equality (valgrind: invalid
            # read in reduceExpressionSequence; a crash now and then). Ending every
            # join with an equality that always holds, same session, avoids it.
            conds.append({"sid": {refs[-1]: "sid"}})
        body = conds[0] if len(conds) == 1 else {"$and": conds}
        name = p["binding"] if p["kind"] != "not" else f"{p['binding']}$not"
        patterns.append({name: body})
    return {"all": patterns}


def ruleset_definition(rules: list[dict], type_codes: dict[str, int]) -> dict:
    """One durable ruleset for a group of IR rules (part of one stratum of one phase)."""
    return {f"r{index}": _rule_definition(rule, type_codes) for index, rule in enumerate(rules)}


# ---- what one durable ruleset can hold ----
#
# durable_rules 2.0.28 has fixed-size tables in its Rete network and checks them late, one
# slot past the end, or not at all (rules.h, rete.c, events.c). Past each limit it hangs,
# corrupts memory or fails with an error code, at create_ruleset or only when some fact
# matches. Measured one past each: 512 distinct conditions on one type spin
# create_ruleset forever; 256 rules over the same conditions crash it (SIGSEGV) or give
# error 108; 65 rules whose conditions one record meets give error 303 when that record is
# asserted; a pattern with 15 `in` lists gives error 113. So a stratum is spread over as
# many rulesets as it takes to stay inside all of them, judged on a model of the network
# durable would build, and a rule that cannot fit in a ruleset of its own is refused.
_CHILDREN = 511  # NEXT_BUCKET_LENGTH 512: an alpha node's hash set of children, kept one free
_NEX_CHILDREN = 127  # NEXT_LIST_LENGTH 128: its `absent` children and `or` exits, zero-ended
_BETAS = 255  # BETA_LIST_LENGTH 256: patterns ending at one alpha node, zero-ended
_STACK = 64  # MAX_STACK_SIZE: alpha nodes one fact has matched and not yet visited
_EXPRESSIONS = 31  # MAX_SEQUENCE_EXPRESSIONS 32: `and`/`or` groups and joins of one pattern
_RULES = 4096  # MAX_ACTIONS: rules of one ruleset
_OPS_OF = {"$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex"}


class EngineLimitError(Exception):
    """A single rule is beyond what one durable ruleset can hold."""

    def __init__(self, rule: dict, reason: str):
        super().__init__(f"rule {rule['id']}: {reason}")
        self.rule = rule
        self.reason = reason


class _Node:
    __slots__ = ("hashed", "listed", "betas", "pushes", "eq", "peak", "deepest")

    def __init__(self):
        self.hashed: dict = {}  # condition -> child, durable's hash set
        self.listed: dict = {}  # `$nex` condition or `or` exit -> child, durable's list
        self.betas = 0
        self.pushes = 0  # children one visit can push onto the stack, at most
        self.eq: dict = {}  # key -> {value class: children}: a value meets one class only
        self.peak = 0  # stack entries this node's subtree can need
        self.deepest = 0  # the largest peak among its children


def _value_class(value):
    if isinstance(value, bool | int | float):
        return float(value)  # 1, 1.0 and true may all equal one number
    return value


class _Network:
    """The alpha network durable_rules would build for the rules added so far: nodes shared
    by equal conditions under the same parent, as its findAlpha shares them, except joins
    (their names are never shared) and `or` exits (new for every `or`)."""

    def __init__(self):
        self.root = _Node()
        self.count = 0

    def add(self, definition: dict) -> str | None:
        """Add one rule's patterns; the first limit it breaks, or None. After a limit is
        broken the network is no longer usable."""
        touched: list[_Node] = [self.root]
        for pattern in definition["all"]:
            body = next(iter(pattern.values()))
            expressions = _expressions(body)
            if expressions > _EXPRESSIONS:
                return (f"a pattern needs {expressions} engine expressions (2 for the pattern, 2 for "
                        f"each `in` list the engine tests itself, 1 for each comparison with another "
                        f"fact); durable_rules allows at most {_EXPRESSIONS}")  # fmt: skip
            end = self._walk(self.root, body, touched)
            end.betas += 1
            if end.betas > _BETAS:
                return f"durable_rules allows at most {_BETAS} patterns of one type with the same tests"
        for node in touched:
            if len(node.hashed) > _CHILDREN:
                return f"durable_rules allows at most {_CHILDREN} different tests after the same tests"
            if len(node.listed) > _NEX_CHILDREN:
                return f"durable_rules allows at most {_NEX_CHILDREN} `is null` tests after the same tests"
        # the walk reaches a node only from its parent: in reverse, children come first
        for node in reversed(touched):
            node.peak = node.pushes + max(0, node.deepest - 1) if node.pushes else 0
            for child in (*node.hashed.values(), *node.listed.values()):
                if child.peak > node.deepest:
                    node.deepest = child.peak
                    node.peak = node.pushes + node.deepest - 1
        if max(self.root.peak, 1) > _STACK:
            return f"one fact can meet more than {_STACK} of its tests at once; durable_rules allows {_STACK}"
        return None

    def _walk(self, node: _Node, cond: dict, touched: list) -> _Node:
        if "$and" in cond:
            for c in cond["$and"]:
                node = self._walk(node, c, touched)
            return node
        if "$or" in cond:
            exit_ = _Node()
            for alternative in cond["$or"]:
                end = self._walk(node, alternative, touched)
                self.count += 1
                self._link(end, ("or", self.count), exit_, None, None, True)
            touched.append(exit_)
            return exit_
        op, arg = next(iter(cond.items()))
        if op in _OPS_OF:
            key, value = next(iter(arg.items()))
        else:
            op, key, value = "==", op, arg
        if isinstance(value, dict):  # a join: compared later, pushed whenever the key is there
            self.count += 1
            ident = ("join", self.count)
        else:
            ident = (op, key, orjson.dumps(value))
        table = node.listed if op == "$nex" else node.hashed
        child = table.get(ident)
        if child is None:
            child = _Node()
            eq_class = _value_class(value) if op == "==" and not isinstance(value, dict) else None
            self._link(node, ident, child, key, eq_class, op == "$nex")
        touched.append(child)
        return child

    @staticmethod
    def _link(parent: _Node, ident, child: _Node, key, eq_class, listed: bool) -> None:
        if listed:
            parent.listed[ident] = child
            parent.pushes += 1  # pushed whenever the key is absent; an `or` exit always
            return
        parent.hashed[ident] = child
        if eq_class is None:  # comparisons, `exists`, joins: a fact may meet them all
            parent.pushes += 1
            return
        classes = parent.eq.setdefault(key, {})
        before = max(classes.values(), default=0)
        classes[eq_class] = classes.get(eq_class, 0) + 1
        parent.pushes += max(classes.values()) - before


def _expressions(cond) -> int:
    if "$and" in cond or "$or" in cond:
        return 2 + sum(_expressions(c) for c in next(iter(cond.values())))
    op, arg = next(iter(cond.items()))
    value = next(iter(arg.values())) if op in _OPS_OF else arg
    return 1 if isinstance(value, dict) else 0


def plan(rules: list[dict], type_codes: dict[str, int]) -> list[list[dict]]:
    """The rules in consecutive groups, each within durable's limits. Consecutive, so that
    the rules fire in the order one ruleset would fire them in."""
    groups: list[list[dict]] = []
    current: list[dict] = []
    network = _Network()
    for rule in rules:
        definition = _rule_definition(rule, type_codes)
        if len(current) < _RULES and network.add(definition) is None:
            current.append(rule)
            continue
        if current:
            groups.append(current)
        current, network = [rule], _Network()
        reason = network.add(definition)
        if reason is not None:
            raise EngineLimitError(rule, reason)
    if current:
        groups.append(current)
    return groups


def limit_problems(rules: list[dict], type_codes: dict[str, int]) -> list[EngineLimitError]:
    """The rules that do not fit in a ruleset even alone."""
    out = []
    for rule in rules:
        reason = _Network().add(_rule_definition(rule, type_codes))
        if reason is not None:
            out.append(EngineLimitError(rule, reason))
    return out


class Ruleset:
    """A created durable ruleset plus the IR rules behind its rule names."""

    def __init__(self, rules: list[dict], type_codes: dict[str, int]):
        self.rules = rules
        self.definition = ruleset_definition(rules, type_codes)
        self.name = f"xuke{next(_names)}"
        self.handle = dre.create_ruleset(self.name, orjson.dumps(self.definition).decode())

    def assert_fact(self, payload: str, on_match) -> None:
        """Assert one serialised fact; call on_match(rule, bindings) for each firing."""
        handle = self.handle
        try:
            code, state = dre.assert_fact(handle, payload)
        except Exception as e:  # the engine signals "already observed" and the like as errors
            if "error code: 2" in str(e) or "observed" in str(e):
                return
            raise
        if code:
            return  # 1: no rule consumes it (yet), 2: an identical fact was asserted before
        result = dre.start_action_for_state(handle, state)
        try:
            while result:
                message = orjson.loads(result[1])
                for rule_name, bindings in message.items():
                    on_match(self.rules[int(rule_name[1:])], bindings)
                following = dre.complete_and_start_action(handle, state)
                result = (None, following) if following else None
        except BaseException:
            if result:
                self._discard_actions(state)
            raise

    def _discard_actions(self, state: int) -> None:
        """Drop the action being dispatched and those queued behind it, without running them.
        A started action locks the session for about a minute: until it is completed no
        rule fires in it (later cases silently lose findings). And its result frame stays
        marked as dispatching, so retracting its facts leaves the frame behind, to be
        dispatched again over facts that are gone (the likely cause of B16's segfaults).
        `abandon_action` lifts the lock but keeps the frame; completing deletes it."""
        handle = self.handle
        try:
            while dre.complete_and_start_action(handle, state):
                pass
        except dre.error:
            dre.abandon_action(handle, state)

    def retract(self, payloads) -> None:
        """Empty a session by retracting what was asserted. `delete_state` would be the
        natural call, but in durable_rules 2.0.28 it crashes the process (SIGSEGV) after a
        few hundred sessions on one ruleset; retracting keeps one small session instead."""
        handle = self.handle
        for payload in payloads:
            try:
                code, state = dre.retract_fact(handle, payload)
            except dre.error:
                continue
            if not code and dre.start_action_for_state(handle, state):
                # retracting a negated fact can complete a match; the case is over, drop it
                self._discard_actions(state)
