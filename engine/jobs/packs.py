"""Rule packs ready to run: loaded (parsed, checked, compiled) and held to the engine's limits.

The loader knows only the language and the IR; whether a rule fits the engine that will run
it is the engine's business, asked here, by the jobs that run rules and by `xuke check`.
"""

from __future__ import annotations

from ..lang.checker import RuleBase
from ..lang.diagnostics import Diagnostic, DiagnosticError
from ..run.durable_backend import limit_problems
from .loader import load


def load_packs(paths, rule_path=None, with_imports: bool = True) -> RuleBase:
    """Load rule files or folders (see `loader.load`) and refuse a rule the engine cannot hold."""
    base = load(paths, rule_path, with_imports)
    check_engine_limits(base, base.ir)
    return base


def check_engine_limits(base: RuleBase, ir: dict) -> None:
    """A rule beyond what one durable ruleset can hold, even alone, would fail (or hang) only
    when the rules are loaded into the engine: `check` says so first. Several rules that
    fit alone always fit, in as many rulesets as they need (durable_backend.plan)."""
    types = set(ir["types"]) | {p["type"] for r in ir["rules"] for p in r["patterns"]}
    codes = {t: i for i, t in enumerate(sorted(types))}
    diags, seen = [], set()
    for problem in limit_problems(ir["rules"], codes):
        rule_id = problem.rule["id"]
        if rule_id in seen:  # variants of one rule (compiler._null_safe_variants)
            continue
        seen.add(rule_id)
        message = f"rule `{rule_id}` is too large for the rule engine: {problem.reason}"
        hint = "split it into smaller rules, or derive a fact that carries part of the conditions"
        diags.append(Diagnostic(base.rules[rule_id].rule.id_pos, message, hint))
    if diags:
        raise DiagnosticError(diags, base.sources)
