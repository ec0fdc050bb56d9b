"""Typed AST of the rule language. Every node keeps where it came from (file, line, column);
positions never take part in equality, so `parse(fmt(x)) == parse(x)` compares meaning."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union


@dataclass(frozen=True)
class Pos:
    file: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NOPOS = Pos("<none>", 0, 0)


def _pos():
    return field(default=NOPOS, compare=False, repr=False)


# ---- expressions ----


@dataclass(frozen=True)
class Literal:
    value: int | Decimal | str | bool | None | _dt.date
    kind: str  # int | decimal | text | bool | null | date
    pos: Pos = _pos()


@dataclass(frozen=True)
class Regex:
    pattern: str  # as written between the slashes, escapes of `/` removed
    pos: Pos = _pos()


@dataclass(frozen=True)
class ListLit:
    items: tuple
    pos: Pos = _pos()


@dataclass(frozen=True)
class Name:
    id: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Attr:
    obj: Expr
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple
    pos: Pos = _pos()


@dataclass(frozen=True)
class Unary:
    op: str  # "-" | "not"
    operand: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class Binary:
    # "+ - * /" arithmetic, "and" "or" logic,
    # "== != < <= > >=" "in" "not in" "matches" "contains" comparisons
    op: str
    left: Expr
    right: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool  # `is not null`
    pos: Pos = _pos()


@dataclass(frozen=True)
class Capture:
    """A constraint `NAME: X matches /re/` of a fact pattern: it holds as the match does, and
    NAME is the words the regex matched in X (for `{NAME}` in a report and the finding's span)."""

    name: str
    expr: Expr
    pos: Pos = _pos()


Expr = Union[Literal, Regex, ListLit, Name, Attr, Call, Unary, Binary, IsNull, Capture]

def children(expr) -> list:
    """The sub-expressions of an expression, for walks over the tree."""
    if isinstance(expr, Attr):
        return [expr.obj]
    if isinstance(expr, Call):
        return list(expr.args)
    if isinstance(expr, Unary | IsNull):
        return [expr.operand]
    if isinstance(expr, Binary):
        return [expr.left, expr.right]
    if isinstance(expr, ListLit):
        return list(expr.items)
    if isinstance(expr, Capture):
        return [expr.expr]
    return []


COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "matches", "contains")
ARITHMETIC = ("+", "-", "*", "/")


# ---- declarations ----


@dataclass(frozen=True)
class PackDecl:
    name: str
    title: str
    version: str | None
    pos: Pos = _pos()


@dataclass(frozen=True)
class Import:
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Const:
    name: str
    value: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class FieldDecl:
    name: str
    type: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class FactDecl:
    name: str
    fields: tuple  # of FieldDecl
    pos: Pos = _pos()


@dataclass(frozen=True)
class Pattern:
    kind: str  # "match" | "not" | "exists"
    binding: str | None
    type: str
    constraints: tuple  # of Expr
    pos: Pos = _pos()
    type_pos: Pos = _pos()


@dataclass(frozen=True)
class SummaryItem:
    name: str
    func: str  # count (sum/min/max take a field)
    pattern: Pattern
    field: str | None = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class SummaryDecl:
    name: str
    by: str
    items: tuple  # of SummaryItem
    pos: Pos = _pos()


@dataclass(frozen=True)
class FieldValue:
    name: str
    value: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class FactLiteral:
    type: str
    fields: tuple  # of FieldValue
    pos: Pos = _pos()


@dataclass(frozen=True)
class Assert:
    fact: FactLiteral
    pos: Pos = _pos()


@dataclass(frozen=True)
class Template:
    parts: tuple  # str | Expr, in order
    raw: str = field(compare=False, default="")
    pos: Pos = _pos()


@dataclass(frozen=True)
class Report:
    binding: str
    template: Template
    pos: Pos = _pos()
    binding_pos: Pos = _pos()
    data: tuple = ()  # of FieldValue: `with (name: expr, ...)`, the finding's structured data


@dataclass(frozen=True)
class Example:
    expect: str  # "violates" | "passes"
    facts: tuple  # of FactLiteral
    as_of: _dt.date | None = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str | None
    cites: tuple
    tags: tuple
    when: tuple  # of Pattern
    then: tuple  # of Assert | Report
    examples: tuple  # of Example
    pos: Pos = _pos()
    id_pos: Pos = _pos()
    severity_pos: Pos | None = field(default=None, compare=False, repr=False)

    @property
    def reports(self) -> bool:
        return any(isinstance(a, Report) for a in self.then)


Statement = Union[Import, Const, FactDecl, SummaryDecl, Rule]


@dataclass(frozen=True)
class Program:
    file: str = field(compare=False)
    pack: PackDecl | None
    statements: tuple  # in source order
    # comments as (line, column, text), kept for the formatter
    comments: tuple = field(default=(), compare=False, repr=False)
    source: str = field(default="", compare=False, repr=False)
    # the keyword surface the author used for `pack`, so fmt keeps it by default
    surface: str = field(default="en", compare=False, repr=False)

    def of(self, cls):
        return [s for s in self.statements if isinstance(s, cls)]

    @property
    def rules(self) -> list[Rule]:
        return self.of(Rule)
