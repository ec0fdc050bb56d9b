"""Fact order: which match a rule uses when several could report its subject or derive its
fact (docs/language.md, "Which match a rule uses"). Both execution strategies follow it,
so no output depends on an engine's firing order.

- Rule order: `compiler.rule_order`, the `order` of each IR rule.
- A fact's key: an input fact's place in the input; a derived fact's or finding's
  (rule order of the rule that first derived it, steps, keys of the facts it came from).
- A derived fact's origin is its derivation with the least (steps, rule order, keys of
  the facts it came from); a finding's match the one with the least (steps, keys).
- Steps count only in a recursive stratum (`recursive`), where a rule matches facts that
  rules of the same stratum derive from its own: derivations in fewer steps come first,
  which keeps a fact from being first derived from itself. Elsewhere they are all 0.
"""
from __future__ import annotations


def produced(rule: dict) -> set[str]:
    """The fact types a rule adds: what it asserts, and `finding` when it reports."""
    out = {a["assert"] for a in rule["actions"] if "assert" in a}
    if any("report" in a for a in rule["actions"]):
        out.add("finding")
    return out


def recursive(rules: list[dict]) -> bool:
    """Whether some rule of the group (one stratum) can match, through positive patterns,
    a fact derived from one it derived itself: a cycle in the rules' dependencies."""
    makers: dict[str, set[str]] = {}
    for r in rules:
        for t in produced(r):
            makers.setdefault(t, set()).add(r["id"])
    needs = {r["id"]: set() for r in rules}
    for r in rules:
        for p in r["patterns"]:
            # the findings a rule matches are all made in earlier strata (the checker's
            # strata put a finding's consumers after its producers)
            if p["kind"] != "not" and p["type"] != "finding":
                needs[r["id"]] |= makers.get(p["type"], set())
    state: dict[str, int] = {}

    def cyclic(rid: str) -> bool:
        state[rid] = 1
        for dep in needs[rid]:
            if state.get(dep) == 1 or (dep not in state and cyclic(dep)):
                return True
        state[rid] = 2
        return False

    return any(rid not in state and cyclic(rid) for rid in needs)
