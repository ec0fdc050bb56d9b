"""The checker's types: the five field types, plus regex, null (the type of `null`), lists
and `any` (what an unknown name has, so one mistake reports one error, not a cascade)."""
from __future__ import annotations

TEXT, INT, DECIMAL, BOOL, DATE = "text", "int", "decimal", "bool", "date"
REGEX, NULL, ANY = "regex", "null", "any"


def list_of(t: str) -> str:
    return f"list[{t}]"


def is_list(t: str) -> bool:
    return t.startswith("list[")


def elem(t: str) -> str:
    return t[5:-1] if is_list(t) else ANY


def is_numeric(t: str) -> bool:
    return t in (INT, DECIMAL, ANY)


def unify(a: str, b: str) -> str | None:
    """The common type of two values, or None when they do not mix."""
    if a == b:
        return a
    if a in (NULL, ANY):
        return b if a == NULL else a
    if b in (NULL, ANY):
        return a if b == NULL else b
    if {a, b} == {INT, DECIMAL}:
        return DECIMAL
    if is_list(a) and is_list(b):
        e = unify(elem(a), elem(b))
        return list_of(e) if e else None
    return None


def assignable(got: str, want: str) -> bool:
    return unify(got, want) is not None and not (want == INT and got == DECIMAL)


def comparable(a: str, b: str) -> bool:
    return unify(a, b) is not None


def describe(t: str) -> str:
    return {
        TEXT: "text", INT: "an int", DECIMAL: "a decimal", BOOL: "a bool", DATE: "a date",
        REGEX: "a regex", NULL: "null", ANY: "any value",
    }.get(t, t.replace("list[", "a list of ").rstrip("]"))  # fmt: skip
