"""Hypothesis strategies for random rule-language ASTs.

Everything generated is what the grammar can express and what the parser builds, so
`parse(format_program(p)) == p` holds for every `p` from `programs()`. It is syntax only:
names are not resolved and types do not check (`xuke check` would reject most programs).
The pieces compose, so a differential test can narrow them, e.g.
`exprs(names=st.sampled_from(["received_at", "decided_at"]))`.

Normal forms the parser produces, which these strategies respect:
- a unary minus on a number literal is folded into the literal (`-5` is Literal(-5));
- template parts alternate text and holes (no empty or adjacent text parts);
- a `not` / `exists` pattern has no binding; summary items use a plain fact pattern.

Inside template holes, regexes have no `"` or `}`: the hole is scanned like source, so
they would open a string or close the hole (docs/language.md). The factories are cached, so
calling them repeatedly costs nothing (building strategies afresh per draw is very slow).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from hypothesis import strategies as st
from xuke.lang import ast as A
from xuke.lang.keywords import ZH_KEYWORDS

# every word the lexer may take as a keyword (whole words only: `notice` is a name)
KEYWORDS = frozenset(ZH_KEYWORDS) | frozenset(ZH_KEYWORDS.values())
KEYWORDS |= {"in", "is", "matches", "contains", "null", "true", "false"}

# names that start or end like a keyword but are not one
TRICKY_NAMES = (
    "notice", "nothing", "rules", "order", "android", "endpoint", "ending", "isbn", "inner",
    "whenever", "thence", "byline", "format", "records", "and_", "not_", "in_", "is_", "null_",
    "true_", "as_of_date", "当事人", "规则库", "结束日期", "非法", "按期", "则例", "且慢", "受理日期",
    "办件", "通过率", "违反次数",
)  # fmt: skip

BINARY_OPS = ("or", "and", "+", "-", "*", "/") + A.COMPARISONS
FUNCTIONS = ("workdays", "days", "len", "min", "max", "coalesce", "number", "match", "count")
SEVERITIES = ("critical", "error", "warning", "info")
FIELD_TYPES = ("text", "int", "decimal", "bool", "date")

_CJK = "受理日期办件部门事项材料申请人结果时限规则当非且或则按通过违反汇总存在"


def _not_keyword(name: str) -> bool:
    return name not in KEYWORDS


@cache
def identifiers() -> st.SearchStrategy[str]:
    """Names: ASCII, upper-case, CJK (which may contain keyword characters), tricky ones."""
    return st.one_of(
        st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True),
        st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True),
        st.text(alphabet=_CJK, min_size=1, max_size=4),
        st.sampled_from(TRICKY_NAMES),
    ).filter(_not_keyword)


@cache
def rule_ids() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Z][A-Z0-9]{0,3}(-[A-Z0-9]{1,4}){0,3}", fullmatch=True)


_TEXT_CHARS = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    st.sampled_from('"\\\n\t{}#/ 受理'),
)


@cache
def texts(max_size: int = 12, min_size: int = 0) -> st.SearchStrategy[str]:
    """String contents with quotes, backslashes, newlines, braces and CJK."""
    return st.text(alphabet=_TEXT_CHARS, min_size=min_size, max_size=max_size)


_REGEX_PIECES = ("a", "b", "须经", "审批", ".", "*", "+", "?", "{0,20}", "[0-9]", "(x|y)", "^", "$",
                 "\\d", "\\.", "\\\\", "/", "#", '"', "}", "{LOCAL}", "{名单}")  # fmt: skip
# inside a template hole a regex is scanned like the rest of the hole: a `}` would end the
# hole and a `"` start a string (docs/language.md: put such a regex in a const)
_HOLE_REGEX_PIECES = tuple(p for p in _REGEX_PIECES if not set(p) & set('"}'))


@cache
def regexes(in_template: bool = False) -> st.SearchStrategy[A.Regex]:
    pieces = _HOLE_REGEX_PIECES if in_template else _REGEX_PIECES
    return st.lists(st.sampled_from(pieces), min_size=1, max_size=5).map(lambda ps: A.Regex("".join(ps)))


def _decimal(text: str, negative: bool) -> A.Literal:
    value = Decimal(text)
    return A.Literal(-value if negative else value, "decimal")


@cache
def literals(in_template: bool = False) -> st.SearchStrategy:
    """Literals as the parser builds them (negative numbers folded)."""
    options = [
        st.integers(min_value=-(10**12), max_value=10**12).map(lambda v: A.Literal(v, "int")),
        st.builds(_decimal, st.from_regex(r"[0-9]{1,4}\.[0-9]{1,4}", fullmatch=True), st.booleans()),
        st.dates().map(lambda d: A.Literal(d, "date")),
        st.booleans().map(lambda b: A.Literal(b, "bool")),
        st.just(A.Literal(None, "null")),
        regexes(in_template),
    ]
    options.append(texts().map(lambda s: A.Literal(s, "text")))
    return st.one_of(options)


def negate(e):
    """Unary minus as the parser builds it: folded into a number literal."""
    if isinstance(e, A.Literal) and e.kind in ("int", "decimal"):
        return A.Literal(-e.value, e.kind)
    return A.Unary("-", e)


@cache
def exprs(names=None, max_leaves: int = 8, in_template: bool = False) -> st.SearchStrategy:
    """Expressions of every kind; `names` (a strategy of str) narrows the bare names."""
    names = identifiers() if names is None else names
    leaves = st.one_of(literals(in_template), names.map(A.Name))

    def extend(children):
        return st.one_of(
            st.builds(A.Binary, st.sampled_from(BINARY_OPS), children, children),
            children.map(lambda x: A.Unary("not", x)),
            children.map(negate),
            st.builds(A.IsNull, children, st.booleans()),
            st.builds(A.Attr, children, identifiers()),
            st.builds(
                A.Call,
                st.sampled_from(FUNCTIONS) | identifiers(),
                st.lists(children, max_size=3).map(tuple),
            ),
            st.lists(children, max_size=3).map(lambda xs: A.ListLit(tuple(xs))),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def _template(raw: list) -> A.Template:
    parts: list = []
    for part in raw:
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] += part  # the parser merges adjacent text
        else:
            parts.append(part)
    return A.Template(tuple(parts))


@cache
def templates(holes=None) -> st.SearchStrategy[A.Template]:
    """Report templates: text (with braces, quotes, escapes) and `{expr}` holes."""
    holes = exprs(max_leaves=4, in_template=True) if holes is None else holes
    return st.lists(st.one_of(texts(8, min_size=1), holes), max_size=5).map(_template)


@cache
def _constraints(max_size=4):
    # DSL v2: `m: text matches /…/` names what matched (parsed whatever its expression)
    constraint = st.one_of(exprs(), st.builds(A.Capture, identifiers(), exprs()))
    return st.lists(constraint, max_size=max_size).map(tuple)


@cache
def patterns(kinds=("match", "not", "exists")) -> st.SearchStrategy[A.Pattern]:
    out = []
    if "match" in kinds:
        out.append(
            st.builds(A.Pattern, st.just("match"), st.none() | identifiers(), identifiers(), _constraints())
        )
    for kind in ("not", "exists"):
        if kind in kinds:
            out.append(st.builds(A.Pattern, st.just(kind), st.none(), identifiers(), _constraints()))
    return st.one_of(out)


@cache
def field_values() -> st.SearchStrategy[A.FieldValue]:
    return st.builds(A.FieldValue, identifiers(), exprs(max_leaves=4))


@cache
def fact_literals() -> st.SearchStrategy[A.FactLiteral]:
    return st.builds(A.FactLiteral, identifiers(), st.lists(field_values(), max_size=4).map(tuple))


@cache
def actions() -> st.SearchStrategy:
    return st.one_of(
        st.builds(A.Assert, fact_literals()),
        st.builds(A.Report, identifiers(), templates()),
        # `report ... with (...)`: the finding's data
        st.builds(A.Report, identifiers(), templates(),
                  data=st.lists(field_values(), min_size=1, max_size=3).map(tuple)),
    )  # fmt: skip


@cache
def examples() -> st.SearchStrategy[A.Example]:
    return st.builds(
        A.Example,
        st.sampled_from(("violates", "passes")),
        st.lists(fact_literals(), min_size=1, max_size=3).map(tuple),
        st.none() | st.dates(),
    )


@cache
def rules() -> st.SearchStrategy[A.Rule]:
    strings = st.lists(texts(10), max_size=3).map(tuple)
    return st.builds(
        A.Rule,
        rule_ids(),
        texts(16),
        st.none() | st.sampled_from(SEVERITIES),
        strings,
        strings,
        st.lists(patterns(), min_size=1, max_size=4).map(tuple),
        st.lists(actions(), min_size=1, max_size=3).map(tuple),
        st.lists(examples(), max_size=3).map(tuple),
    )


@cache
def summaries() -> st.SearchStrategy[A.SummaryDecl]:
    item = st.builds(
        A.SummaryItem,
        identifiers(),
        st.sampled_from(("count", "sum")) | identifiers(),
        patterns(kinds=("match",)).map(lambda p: A.Pattern("match", None, p.type, p.constraints)),
        st.none() | identifiers(),
    )
    return st.builds(A.SummaryDecl, identifiers(), identifiers(), st.lists(item, max_size=3).map(tuple))


@cache
def statements() -> st.SearchStrategy:
    return st.one_of(
        st.builds(A.Import, identifiers()),
        st.builds(A.Const, identifiers(), exprs(max_leaves=5)),
        st.builds(
            A.FactDecl,
            identifiers(),
            st.lists(st.builds(A.FieldDecl, identifiers(), st.sampled_from(FIELD_TYPES)), max_size=4).map(
                tuple
            ),
        ),
        summaries(),
        rules(),
    )


@cache
def packs() -> st.SearchStrategy[A.PackDecl]:
    return st.builds(A.PackDecl, identifiers(), texts(16), st.none() | texts(10))


@cache
def programs(max_statements: int = 6) -> st.SearchStrategy[A.Program]:
    """Whole programs: an optional pack header and any statements in any order."""
    return st.builds(
        lambda pack, stmts: A.Program("<generated>", pack, tuple(stmts)),
        st.none() | packs(),
        st.lists(statements(), max_size=max_statements),
    )


__all__ = [
    "KEYWORDS", "TRICKY_NAMES", "identifiers", "rule_ids", "texts", "regexes", "literals", "negate",
    "exprs", "templates", "patterns", "field_values", "fact_literals", "actions", "examples",
    "rules", "summaries", "statements", "packs", "programs",
]  # fmt: skip
