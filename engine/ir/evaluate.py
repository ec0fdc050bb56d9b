"""Expression IR -> Python closures. The compiler uses these for what the engine cannot do
itself: function calls and arithmetic over one fact's fields (computed before the fact
reaches the engine), the values of asserted facts, and report templates.

Null logic (DSL.md): a null operand makes arithmetic and calls null, and any comparison
with null false; `x is null` tests for absence."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .functions import FUNCTIONS
from .regexes import RegexPattern, compile_regex

# A compiled expression: (own fact, bindings, context) -> value
Compiled = Callable[[dict, dict, Any], Any]


def literal(value) -> dict:
    """A Python value as expression IR (plain JSON-able data)."""
    if isinstance(value, RegexPattern):
        return {"regex": str(value)}
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return {"lit": value}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, float):
        return {"dec": repr(value)}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return {"list": [literal(v) for v in value]}
    raise TypeError(f"not a literal: {value!r}")


def literal_value(ir: dict):
    if "lit" in ir:
        return ir["lit"]
    if "dec" in ir:
        return Decimal(ir["dec"])
    if "date" in ir:
        return dt.date.fromisoformat(ir["date"])
    if "list" in ir:
        return [literal_value(i) for i in ir["list"]]
    raise KeyError(ir)


def _num(v):
    # floats from JSON inputs meet Decimals from rule files: compare them as Decimal
    return Decimal(str(v)) if isinstance(v, float) else v


def _cmp(op: str):
    def compare(a, b):
        if a is None or b is None:
            return False
        a, b = _num(a), _num(b)
        try:
            if op == "==":
                return a == b
            if op == "!=":
                return a != b
            if op == "<":
                return a < b
            if op == "<=":
                return a <= b
            if op == ">":
                return a > b
            return a >= b
        except TypeError:  # values of different kinds never compare
            return False

    return compare


def _arith(op: str):
    def apply(a, b):
        if a is None or b is None:
            return None
        a, b = _num(a), _num(b)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return None  # division by zero is null, like SQL's NULLIF idiom; never a crash
        return Decimal(a) / Decimal(b)

    return apply


def compile_expr(ir: dict) -> Compiled:
    if "lit" in ir or "dec" in ir or "date" in ir:
        value = literal_value(ir)
        return lambda own, env, ctx: value
    if "list" in ir:
        items = [compile_expr(i) for i in ir["list"]]
        return lambda own, env, ctx: [f(own, env, ctx) for f in items]
    if "field" in ir:
        name = ir["field"]
        return lambda own, env, ctx: own.get(name)
    if "ref" in ir:
        binding, name = ir["ref"]
        return lambda own, env, ctx: env[binding].get(name)
    if "as_of" in ir:
        return lambda own, env, ctx: ctx.as_of
    if "regex" in ir:
        rx = compile_regex(ir["regex"])
        return lambda own, env, ctx: rx
    if "capture" in ir:
        return _capture(ir)
    if "call" in ir:
        fn = FUNCTIONS[ir["call"]]
        args = [compile_expr(a) for a in ir["args"]]
        impl = fn.impl
        if fn.null_propagates:

            def call(own, env, ctx):
                values = [a(own, env, ctx) for a in args]
                if any(v is None for v in values):
                    return None
                return impl(ctx, *values)

            return call
        return lambda own, env, ctx: impl(ctx, *[a(own, env, ctx) for a in args])
    if "not" in ir:
        inner = compile_expr(ir["not"])
        return lambda own, env, ctx: not inner(own, env, ctx)
    if "neg" in ir:
        inner = compile_expr(ir["neg"])

        def neg(own, env, ctx):
            v = inner(own, env, ctx)
            return None if v is None else -v

        return neg
    if "isnull" in ir:
        inner = compile_expr(ir["isnull"])
        if ir.get("negated"):
            return lambda own, env, ctx: inner(own, env, ctx) is not None
        return lambda own, env, ctx: inner(own, env, ctx) is None
    if "op" in ir:
        op = ir["op"]
        left, right = (compile_expr(a) for a in ir["args"])
        if op == "and":
            return lambda own, env, ctx: bool(left(own, env, ctx)) and bool(right(own, env, ctx))
        if op == "or":
            return lambda own, env, ctx: bool(left(own, env, ctx)) or bool(right(own, env, ctx))
        if op in ("+", "-", "*", "/"):
            f = _arith(op)
            return lambda own, env, ctx: f(left(own, env, ctx), right(own, env, ctx))
        if op in ("==", "!=", "<", "<=", ">", ">="):
            f = _cmp(op)
            return lambda own, env, ctx: f(left(own, env, ctx), right(own, env, ctx))
        if op in ("in", "not in"):
            eq = _cmp("==")
            negate = op == "not in"

            def member(own, env, ctx):
                a, items = left(own, env, ctx), right(own, env, ctx)
                if a is None or items is None:
                    return False
                found = any(eq(a, i) for i in items)
                return not found if negate else found

            return member
        if op == "matches":

            def matches(own, env, ctx):
                text, rx = left(own, env, ctx), right(own, env, ctx)
                if text is None:
                    return False
                return rx.search(str(text)) is not None

            return matches
        if op == "contains":
            eq = _cmp("==")

            def contains(own, env, ctx):
                whole, part = left(own, env, ctx), right(own, env, ctx)
                if whole is None or part is None:
                    return False
                if isinstance(whole, list):
                    return any(eq(i, part) for i in whole)
                return str(part) in str(whole)

            return contains
    raise ValueError(f"bad expression IR: {ir!r}")


def _capture(ir: dict) -> Compiled:
    """`{m}` of a rule's `m: X matches /re/`: the words the regex matches in X of the bound
    fact, or null (a rule whose pattern held always finds them again)."""
    binding = ir["capture"]
    target = compile_expr(ir["target"])
    rx = compile_regex(ir["pattern"])

    def capture(own, env, ctx):
        fact = env.get(binding)
        if fact is None:
            return None
        text = target(fact, env, ctx)
        if text is None:
            return None
        m = rx.search(str(text))
        return m.group(0) if m else None

    return capture


def render_value(value) -> str:
    """How a value reads inside a finding's message."""
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        return text
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(render_value(v) for v in value)
    return str(value)
