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

from .evaluate import literal_value

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


def ruleset_definition(rules: list[dict], type_codes: dict[str, int]) -> dict:
    """One durable ruleset for a group of IR rules (one stratum of one phase)."""
    out = {}
    for index, rule in enumerate(rules):
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
        out[f"r{index}"] = {"all": patterns}
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
        while result:
            message = orjson.loads(result[1])
            for rule_name, bindings in message.items():
                on_match(self.rules[int(rule_name[1:])], bindings)
            following = dre.complete_and_start_action(handle, state)
            result = (None, following) if following else None

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
            if not code:
                result = dre.start_action_for_state(handle, state)
                while result:  # retractions never fire rules; drain defensively
                    following = dre.complete_and_start_action(handle, state)
                    result = (None, following) if following else None
