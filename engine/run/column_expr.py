"""Expression IR -> polars expressions, for the column strategy (engine/run/columns.py).

The meaning is the one `ir.evaluate` gives a value in Python and the engine gives a
condition: null makes arithmetic and calls null and any comparison false; `x is null`
tests for absence; `and`, `or` and `not` are two-valued. An expression this module cannot
translate with exactly that meaning raises `Unsupported` with a reason, and its stratum
stays on the Rete engine: regexes (RE2 in Python, another engine in polars), `contains`
and division, and the functions other than workdays, days, min, max, coalesce and len. A
computed key or a summary condition made of them is then the runtime's own compiled Python,
run once per distinct tuple of the fields it reads (`per_distinct`, used by columns.py), so
its meaning is the runtime's by construction.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import polars as pl

from ..ir.evaluate import literal_value

_CMP = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


class Unsupported(Exception):
    """An expression the column strategy does not translate; the message says which."""


# resolve(binding or None, field) -> the column expression of that field
Resolve = Callable[[str | None, str], pl.Expr]


class Translator:
    def __init__(self, calendar, as_of: dt.date):
        self.calendar = calendar
        self.as_of = as_of
        origin = dt.date.fromordinal(calendar._origin) if calendar.years else dt.date(1970, 1, 1)
        self._origin_days = (origin - dt.date(1970, 1, 1)).days
        # the calendar's running counts as columns: workdays(a, b) = cum[b] - cum[a] when
        # both lie in one unbroken run of covered years (WorkCalendar.workdays)
        self._cum = pl.Series("cum", list(calendar._cum), dtype=pl.Int64)
        self._run = pl.Series("run", list(calendar._run), dtype=pl.Int64)

    # ---- values ----
    def value(self, ir: dict, resolve: Resolve) -> pl.Expr:
        if "lit" in ir:
            v = ir["lit"]
            if v is None:
                return pl.lit(None)
            if isinstance(v, bool):
                return pl.lit(v, dtype=pl.Boolean)
            if isinstance(v, int):
                return pl.lit(v, dtype=pl.Int64)
            return pl.lit(v, dtype=pl.String)
        if "dec" in ir:
            d = Decimal(ir["dec"])
            return pl.lit(d, dtype=pl.Decimal(38, max(0, -d.as_tuple().exponent)))
        if "date" in ir:
            return pl.lit(dt.date.fromisoformat(ir["date"]), dtype=pl.Date)
        if "field" in ir:
            return resolve(None, ir["field"])
        if "ref" in ir:
            return resolve(ir["ref"][0], ir["ref"][1])
        if "as_of" in ir:
            return pl.lit(self.as_of, dtype=pl.Date)
        if "call" in ir:
            return self._call(ir["call"], [self.value(a, resolve) for a in ir["args"]])
        if "not" in ir:
            return ~self.truth(ir["not"], resolve)
        if "neg" in ir:
            return -self.value(ir["neg"], resolve)
        if "isnull" in ir:
            inner = self.value(ir["isnull"], resolve)
            return inner.is_not_null() if ir.get("negated") else inner.is_null()
        if "op" in ir:
            op = ir["op"]
            left, right = ir["args"]
            if op in ("and", "or"):
                a, b = self.truth(left, resolve), self.truth(right, resolve)
                return a & b if op == "and" else a | b
            if op in ("+", "-", "*"):
                a, b = self.value(left, resolve), self.value(right, resolve)
                return a + b if op == "+" else a - b if op == "-" else a * b
            if op in _CMP:
                a, b = self.value(left, resolve), self.value(right, resolve)
                return getattr(a, _CMP[op])(b).fill_null(False)
            if op in ("in", "not in"):
                items = right.get("list")
                if items is None or not all(len(i) == 1 and next(iter(i)) in ("lit", "dec", "date") for i in items):
                    raise Unsupported(f"`{op}` over a list that is not made of literals")
                values = [v for v in map(literal_value, items) if v is not None]
                kinds = {type(v) for v in values}
                if len(kinds) > 1 or kinds & {float, bool}:
                    raise Unsupported(f"`{op}` over a list of mixed or boolean values")
                a = self.value(left, resolve)
                found = a.is_in(pl.Series(values, dtype=_dtype_of(values[0]) if values else pl.Null).implode()).fill_null(False)
                return found if op == "in" else ~found & a.is_not_null()
            if op == "/":
                raise Unsupported("division (null on a zero divisor, exact decimals)")
            if op == "matches":
                raise Unsupported("a regex match (`matches` runs on RE2 in Python)")
            raise Unsupported(f"the operator `{op}`")
        if "regex" in ir:
            raise Unsupported("a regex")
        if "list" in ir:
            raise Unsupported("a list value")
        raise Unsupported(f"the expression {sorted(ir)}")

    def truth(self, ir: dict, resolve: Resolve) -> pl.Expr:
        """A condition: null is false."""
        return self.value(ir, resolve).fill_null(False)

    def _call(self, name: str, args: list[pl.Expr]) -> pl.Expr:
        if name == "workdays":
            return self.workdays(*args)
        if name == "days":
            a, b = args
            return (b - a).dt.total_days().cast(pl.Int64)
        if name in ("min", "max"):
            a, b = args
            pick = pl.min_horizontal(a, b) if name == "min" else pl.max_horizontal(a, b)
            return pl.when(a.is_null() | b.is_null()).then(None).otherwise(pick)
        if name == "coalesce":
            return pl.coalesce(args)
        if name == "len":
            (a,) = args
            return a.str.len_chars().cast(pl.Int64)
        raise Unsupported(f"the function {name}()")

    def workdays(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        """cum[b] - cum[a]; `covered` has checked that every date of the chunk lies in one
        unbroken run of covered years, so the lookups cannot miss."""
        n = len(self._cum)
        i = (a.dt.epoch("d").cast(pl.Int64) - self._origin_days).clip(0, n - 1).fill_null(0)
        j = (b.dt.epoch("d").cast(pl.Int64) - self._origin_days).clip(0, n - 1).fill_null(0)
        value = pl.lit(self._cum).gather(j) - pl.lit(self._cum).gather(i)
        return pl.when(a.is_null() | b.is_null()).then(None).otherwise(value)

    def covered(self, frame: pl.DataFrame, columns: list[str]) -> bool:
        """Whether every date in these columns, and the audit date, lies in one unbroken
        run of covered years: then no workdays() over them can fail. Otherwise the chunk
        goes to the Rete engine, which raises CalendarError exactly where it always has."""
        days = [(self.as_of - dt.date(1970, 1, 1)).days]
        for c in columns:
            s = frame.get_column(c)
            if s.null_count() < len(s):
                days += [s.min().toordinal() - 719163, s.max().toordinal() - 719163]  # 1970-01-01
        lo, hi = min(days) - self._origin_days, max(days) - self._origin_days
        run = self._run
        if lo < 0 or hi >= len(run) or run[lo] == 0:
            return False
        return run[lo] == run[hi] and run.slice(lo, hi - lo + 1).min() != 0


def per_distinct(fn: Callable, args: list[pl.Expr], dtype: pl.DataType) -> pl.Expr:
    """fn(*values) in Python, called once per distinct tuple of argument values in the chunk
    (exports repeat the same few values endlessly), as a column of `dtype`. A result that
    type cannot hold raises TypeError: the chunk then goes to the Rete engine."""

    def apply(batch: pl.Series) -> pl.Series:
        results: dict = {}
        out = []
        for row in batch.to_list():
            values = tuple(row.values())
            if values not in results:
                results[values] = fn(*values)
            out.append(results[values])
        try:
            return pl.Series(out, dtype=dtype, strict=True)
        except (pl.exceptions.PolarsError, OverflowError) as e:
            raise TypeError(f"a value {dtype} cannot hold: {e}") from None

    return pl.struct([a.alias(f"a{i}") for i, a in enumerate(args)]).map_batches(apply, return_dtype=dtype)


def _dtype_of(v) -> pl.DataType:
    if isinstance(v, int):
        return pl.Int64
    if isinstance(v, str):
        return pl.String
    if isinstance(v, Decimal):
        return pl.Decimal(38, max(0, -v.as_tuple().exponent))
    if isinstance(v, dt.date):
        return pl.Date
    raise Unsupported(f"a list of {type(v).__name__}")
