"""The canonical layout of a rule file (`xuke fmt`).

`format_program` prints an AST back as text: pack header first, statements in source
order separated by one blank line (consecutive imports, and consecutive consts, stay
together), rules laid out as in DSL.md, expressions with the fewest parentheses that keep
their tree. Every `#` comment survives: the printer makes output lines that each know the
source lines they stand for, and the comments are woven in by source line afterwards. An
own-line comment goes before the construct that followed it; a trailing comment stays at
the end of the line of the construct it trailed.

`keywords` picks the keyword surface: "en", "zh", or None for the file's own. In the zh
surface the operator phrases `not in` and `is not null` stay English as a whole (`in`, `is`
and `null` have no Chinese alias, and `非 in` reads worse than either spelling), while a
logical `not` is written `非`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from lark import Token, Tree

from . import ast as A
from .keywords import EN_KEYWORDS, ZH_KEYWORDS
from .limits import deep_recursion
from .syntax import parse, parser

WIDTH = 100  # a pattern or an assert wider than this breaks one constraint per line
INDENT = "  "

# precedence levels, loosest first (DSL.md, "Expressions")
OR, AND, NOT, CMP, ADD, MUL, NEG, POSTFIX, ATOM = range(1, 10)
_BINARY_PREC = {"or": OR, "and": AND, "+": ADD, "-": ADD, "*": MUL, "/": MUL}
_BINARY_PREC.update(dict.fromkeys(A.COMPARISONS, CMP))

_KEYWORD_TERMINALS = frozenset(
    "PACK VERSION IMPORT CONST FACT SUMMARY BY RULE SEVERITY SEVERITY_LEVEL CITES TAGS WHEN THEN "
    "ASSERT REPORT WITH EXAMPLES EXPECT AS_OF END AND OR NOT EXISTS".split()
)


# ---- public API ----


def format_program(program: A.Program, keywords: str | None = None) -> str:
    """The canonical text of `program`; `keywords` is "en", "zh" or None (keep the file's own)."""
    if keywords not in (None, "en", "zh"):
        raise ValueError(f"keywords must be 'en' or 'zh', not {keywords!r}")
    tree = _source_tree(program)
    surface = keywords or _surface(program, tree)
    return _Printer(program, surface, tree).run()


@deep_recursion
def format_source(source: str, file: str = "<string>", keywords: str | None = None) -> str:
    """Parse and format one rule file (raises DiagnosticError on a syntax error)."""
    return format_program(parse(source, file), keywords)


def check_formatted(source: str, file: str = "<string>", keywords: str | None = None) -> bool:
    """True when `source` is already in the canonical layout."""
    return format_source(source, file, keywords) == source


def format_expr(expr, keywords: str = "en") -> str:
    """One expression in canonical form (used by the formatter, handy for messages)."""
    return _Exprs(_Keywords(keywords)).text(expr)


# ---- small helpers ----


class _Keywords:
    def __init__(self, surface: str):
        self.zh = surface == "zh"

    def __call__(self, word: str) -> str:
        return EN_KEYWORDS[word] if self.zh else word


def width(text: str) -> int:
    """Display columns: CJK and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


def string_literal(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def regex_literal(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])  # an escape pair stays as written
            i += 2
            continue
        out.append("\\/" if ch == "/" else ch)
        i += 1
    return "/" + "".join(out) + "/"


def decimal_literal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written in a rule file")
    text = format(value, "f")  # never an exponent: 1E-7 is written 0.0000001
    return text if "." in text else text + ".0"


def literal_text(lit: A.Literal) -> str:
    kind, value = lit.kind, lit.value
    if kind == "null":
        return "null"
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return str(int(value))
    if kind == "decimal":
        return decimal_literal(Decimal(value))
    if kind == "text":
        return string_literal(value)
    if kind == "date":
        return value.isoformat()
    raise ValueError(f"unknown literal kind {kind!r}")


# ---- expressions ----


class _Exprs:
    def __init__(self, kw: _Keywords):
        self.kw = kw

    def prec(self, e) -> int:
        if isinstance(e, A.Binary):
            return _BINARY_PREC[e.op]
        if isinstance(e, A.Unary):
            return NOT if e.op == "not" else NEG
        if isinstance(e, A.IsNull):
            return CMP
        if isinstance(e, (A.Attr, A.Call)):
            return POSTFIX
        if isinstance(e, A.Literal) and e.kind in ("int", "decimal") and literal_text(e).startswith("-"):
            return NEG  # `-5` is a folded unary minus
        return ATOM

    def wrap(self, e, parens: bool) -> str:
        text = self.text(e)
        return f"({text})" if parens else text

    def text(self, e) -> str:
        kw = self.kw
        if isinstance(e, A.Literal):
            return literal_text(e)
        if isinstance(e, A.Regex):
            return regex_literal(e.pattern)
        if isinstance(e, A.Capture):
            return f"{e.name}: {self.text(e.expr)}"
        if isinstance(e, A.Name):
            return e.id
        if isinstance(e, A.ListLit):
            return "[" + ", ".join(self.text(i) for i in e.items) + "]"
        if isinstance(e, A.Attr):
            return f"{self.wrap(e.obj, self.prec(e.obj) < POSTFIX)}.{e.name}"
        if isinstance(e, A.Call):
            return f"{e.func}(" + ", ".join(self.text(a) for a in e.args) + ")"
        if isinstance(e, A.Unary):
            if e.op == "not":
                return f"{kw('not')} {self.wrap(e.operand, self.prec(e.operand) < NOT)}"
            if e.op == "-":
                operand = self.wrap(e.operand, self.prec(e.operand) < NEG)
                return "- " + operand if operand.startswith("-") else "-" + operand
            raise ValueError(f"unknown unary operator {e.op!r}")
        if isinstance(e, A.IsNull):
            operand = self.wrap(e.operand, self.prec(e.operand) <= CMP)
            return f"{operand} is not null" if e.negated else f"{operand} is null"
        if isinstance(e, A.Binary):
            p = _BINARY_PREC.get(e.op)
            if p is None:
                raise ValueError(f"unknown binary operator {e.op!r}")
            if p == CMP:  # comparisons do not chain: both sides are sums
                left = self.wrap(e.left, self.prec(e.left) <= CMP)
                right = self.wrap(e.right, self.prec(e.right) <= CMP)
            else:  # left-associative: a - (b - c) keeps its parentheses
                left = self.wrap(e.left, self.prec(e.left) < p)
                right = self.wrap(e.right, self.prec(e.right) <= p)
            op = kw(e.op) if e.op in ("and", "or") else e.op
            return f"{left} {op} {right}"
        raise ValueError(f"not an expression: {e!r}")

    def template(self, t: A.Template) -> str:
        out = []
        for part in t.parts:
            if isinstance(part, str):
                out.append("".join({"{": "{{", "}": "}}"}.get(ch) or _ESCAPES.get(ch, ch) for ch in part))
            else:
                hole = self.text(part)
                out.append("{" + "".join(_ESCAPES.get(ch, ch) for ch in hole) + "}")
        return '"' + "".join(out) + '"'


# ---- where things were in the source (for the comments) ----


def _source_tree(program: A.Program):
    """The parse tree of the program's source, when it has one and the formatter needs it."""
    if not program.source or (not program.comments and program.pack is not None):
        return None
    try:
        tree = parser().parse(program.source, start="start")
    except Exception:  # a hand-made Program whose source does not parse: no positions
        return None
    stmts = [c for c in tree.children if isinstance(c, Tree) and c.data != "pack_decl"]
    kinds = {"import_decl": A.Import, "const_decl": A.Const, "fact_decl": A.FactDecl,
             "summary_decl": A.SummaryDecl, "rule_decl": A.Rule}  # fmt: skip
    if len(stmts) != len(program.statements) or any(
        not isinstance(s, kinds[t.data]) for s, t in zip(program.statements, stmts)
    ):
        return None
    return tree


def _surface(program: A.Program, tree) -> str:
    """The file's own surface: its `pack` keyword; without a pack, its first keyword."""
    if program.pack is not None or tree is None:
        return program.surface
    first = min(
        (t for t in tree.scan_values(lambda v: isinstance(v, Token) and v.type in _KEYWORD_TERMINALS)),
        key=lambda t: (t.line, t.column),
        default=None,
    )
    return "zh" if first is not None and first.value in ZH_KEYWORDS else "en"


def _span(node) -> tuple[int | None, int | None]:
    if isinstance(node, Token):
        return node.line, node.end_line
    if isinstance(node, Tree) and not getattr(node.meta, "empty", True):
        return node.meta.line, node.meta.end_line
    return None, None


def _kids(tree) -> list:
    return [c for c in tree.children if c is not None] if tree is not None else []


def _fact_pattern_tree(tree):
    """The fact_pattern inside a bound / not / exists pattern tree."""
    if tree is None:
        return None
    return tree if tree.data == "fact_pattern" else _kids(tree)[-1]


@dataclass
class _Line:
    indent: str
    text: str
    start: int | None = None  # the source lines this output line stands for
    end: int | None = None


_BLANK = None


def _line(indent, text, span=(None, None)) -> _Line:
    return _Line(indent, text, span[0], span[1])


# ---- the printer ----


class _Printer:
    def __init__(self, program: A.Program, surface: str, tree):
        self.program = program
        self.kw = _Keywords(surface)
        self.ex = _Exprs(self.kw)
        self.tree = tree
        self.comments = list(program.comments)  # without a tree they all go to the end
        self.comment_lines = sorted(c[0] for c in self.comments)

    def run(self) -> str:
        lines: list = []
        kids = _kids(self.tree)
        pack_tree = kids[0] if kids and kids[0].data == "pack_decl" else None
        stmt_trees = kids[1:] if pack_tree is not None else kids
        if self.program.pack is not None:
            lines.append(self._pack(self.program.pack, pack_tree))
        prev = None
        for i, stmt in enumerate(self.program.statements):
            tree = stmt_trees[i] if self.tree is not None else None
            if lines and not (type(stmt) is prev and prev in (A.Import, A.Const)):
                lines.append(_BLANK)
            lines += self._statement(stmt, tree)
            prev = type(stmt)
        return self._weave(lines)

    # ---- statements ----
    def _pack(self, p: A.PackDecl, tree) -> _Line:
        text = f"{self.kw('pack')} {p.name} {string_literal(p.title)}"
        if p.version is not None:
            text += f" {self.kw('version')} {string_literal(p.version)}"
        return _line("", text, _span(tree))

    def _statement(self, s, tree) -> list:
        kw, ex = self.kw, self.ex
        if isinstance(s, A.Import):
            return [_line("", f"{kw('import')} {s.name}", _span(tree))]
        if isinstance(s, A.Const):
            return [_line("", f"{kw('const')} {s.name} = {ex.text(s.value)}", _span(tree))]
        if isinstance(s, A.FactDecl):
            fields = ", ".join(f"{f.name}: {f.type}" for f in s.fields)
            return [_line("", f"{kw('fact')} {s.name}({fields})", _span(tree))]
        if isinstance(s, A.SummaryDecl):
            return self._summary(s, tree)
        if isinstance(s, A.Rule):
            return self._rule(s, tree)
        raise ValueError(f"not a statement: {s!r}")

    def _summary(self, s: A.SummaryDecl, tree) -> list:
        kw = self.kw
        kids = _kids(tree)
        items = [k for k in kids if isinstance(k, Tree) and k.data == "summary_item"]
        header = (kids[0].line, kids[3].end_line) if kids else (None, None)
        out = [_line("", f"{kw('summary')} {s.name} {kw('by')} {s.by}", header)]
        for i, item in enumerate(s.items):
            args = self._pattern_text(item.pattern)
            if item.field is not None:
                args += f", {item.field}"
            out.append(
                _line(INDENT, f"{item.name} = {item.func}({args})", _span(items[i] if items else None))
            )
        out.append(_line("", kw("end"), _span(kids[-1] if kids else None)))
        return out

    def _rule(self, r: A.Rule, tree) -> list:
        kw, ex = self.kw, self.ex
        kids = _kids(tree)
        parts: dict = {"severity": [], "cites": [], "tags": [], "pattern": [], "action": [], "example": []}
        for k in kids[3:]:
            if isinstance(k, Token):
                parts[k.type] = _span(k)
            elif k.data in ("severity", "cites", "tags"):
                parts[k.data].append(_span(k))
            elif k.data.endswith("pattern"):
                parts["pattern"].append(k)
            elif k.data.endswith("action"):
                parts["action"].append(k)
            elif k.data == "examples":
                ek = _kids(k)
                parts["EXAMPLES"] = _span(ek[0])
                parts["example"] = [_span(e) for e in ek[1:]]

        def meta_span(key, last=False):
            spans = parts[key]
            if not spans:
                return None, None
            return spans[-1] if last else (spans[0][0], spans[-1][1])

        def nth(key, i):
            return parts[key][i] if i < len(parts[key]) else None

        header = (kids[0].line, kids[2].end_line) if kids else (None, None)
        out = [_line("", f"{kw('rule')} {r.id} {string_literal(r.title)}", header)]
        if r.severity is not None:
            out.append(_line(INDENT, f"{kw('severity')} {kw(r.severity)}", meta_span("severity", last=True)))
        if r.cites:
            text = ", ".join(string_literal(c) for c in r.cites)
            out.append(_line(INDENT, f"{kw('cites')} {text}", meta_span("cites")))
        if r.tags:
            text = ", ".join(string_literal(t) for t in r.tags)
            out.append(_line(INDENT, f"{kw('tags')} {text}", meta_span("tags")))
        out.append(_line("", kw("when"), parts.get("WHEN", (None, None))))
        for i, p in enumerate(r.when):
            ptree = nth("pattern", i)
            cons = _kids(_fact_pattern_tree(ptree))[1:]
            out += self._broken(
                INDENT + self._pattern_head(p), [ex.text(c) for c in p.constraints], ptree, cons
            )
        out.append(_line("", kw("then"), parts.get("THEN", (None, None))))
        for i, a in enumerate(r.then):
            atree = nth("action", i)
            if isinstance(a, A.Assert):
                lit = a.fact
                fields = [f"{f.name}: {ex.text(f.value)}" for f in lit.fields]
                ftree = _kids(atree)[-1] if atree is not None else None
                head = f"{INDENT}{kw('assert')} {lit.type}("
                out += self._broken(head, fields, atree, _kids(ftree)[1:])
            elif isinstance(a, A.Report):
                text = f"{kw('report')} {a.binding} {ex.template(a.template)}"
                if not a.data:
                    out.append(_line(INDENT, text, _span(atree)))
                    continue
                # the data on lines of its own under the report, broken like a pattern
                akids = _kids(atree)
                out.append(_line(INDENT, text, (_span(akids[0])[0], _span(akids[2])[1]) if akids else (None, None)))
                fields = [f"{f.name}: {ex.text(f.value)}" for f in a.data]
                ftrees = [k for k in akids if isinstance(k, Tree) and k.data == "field_value"]
                whole = (_span(akids[3])[0], _span(atree)[1]) if len(akids) > 3 else (None, None)
                out += self._broken(f"{INDENT * 2}{kw('with')} (", fields, atree, ftrees, whole)
            else:
                raise ValueError(f"not an action: {a!r}")
        if r.examples:
            out.append(_line("", kw("examples"), parts.get("EXAMPLES", (None, None))))
            pad = max(width(kw("violates")), width(kw("passes")))
            for i, e in enumerate(r.examples):
                word = kw(e.expect)
                text = word + " " * (pad - width(word) + 1)
                text += ", ".join(self._fact_literal(f) for f in e.facts)
                if e.as_of is not None:
                    text += f" {kw('as_of')} {e.as_of.isoformat()}"
                out.append(_line(INDENT, text, nth("example", i) or (None, None)))
        out.append(_line("", kw("end"), parts.get("END", (None, None))))
        return out

    # ---- patterns and fact literals ----
    def _pattern_head(self, p: A.Pattern) -> str:
        head = ""
        if p.binding is not None:
            if p.kind != "match":
                raise ValueError(f"a `{p.kind}` pattern cannot bind a name")
            head = f"{p.binding}: "
        if p.kind in ("not", "exists"):
            head += self.kw(p.kind) + " "
        elif p.kind != "match":
            raise ValueError(f"unknown pattern kind {p.kind!r}")
        return head + p.type + "("

    def _pattern_text(self, p: A.Pattern) -> str:
        return self._pattern_head(p) + ", ".join(self.ex.text(c) for c in p.constraints) + ")"

    def _fact_literal(self, lit: A.FactLiteral) -> str:
        return f"{lit.type}(" + ", ".join(f"{f.name}: {self.ex.text(f.value)}" for f in lit.fields) + ")"

    def _broken(self, head: str, items: list[str], tree, item_trees: list, whole=None) -> list:
        """`head` + items + `)` on one line, or one item per line aligned after the `(`
        when the line is wider than WIDTH or a comment sits between two items. `whole` is
        the source lines they stand for, when not all of `tree`'s."""
        whole = whole or _span(tree)
        spans = (
            [_span(t) for t in item_trees] if len(item_trees) == len(items) else [(None, None)] * len(items)
        )
        indent = head[: len(head) - len(head.lstrip(" "))]
        one = head + ", ".join(items) + ")"
        force = False
        if len(items) >= 2 and whole[1] is not None and spans[0][1] is not None:
            first_end, last = spans[0][1], whole[1]
            force = any(first_end <= c < last for c in self.comment_lines)
        if len(items) < 2 or (not force and width(one) <= WIDTH):
            return [_line(indent, one[len(indent) :], whole)]
        col = " " * width(head)
        out = []
        for k, item in enumerate(items):
            last = k == len(items) - 1
            text = item + (")" if last else ",")
            start = whole[0] if k == 0 else spans[k][0]
            end = whole[1] if last else spans[k][1]
            if k == 0:
                out.append(_Line(indent, head[len(indent) :] + text, start, end))
            else:
                out.append(_Line(col, text, start, end))
        return out

    # ---- comments ----
    def _weave(self, lines: list) -> str:
        before: dict[int, list[str]] = {}
        trailing: dict[int, str] = {}
        at_end: list[str] = []
        src = self.program.source.split("\n")
        numbered = [(i, ln) for i, ln in enumerate(lines) if ln is not None and ln.start is not None]
        for line_no, col, text in sorted(self.comments):
            own = line_no - 1 >= len(src) or not src[line_no - 1][: max(col - 1, 0)].strip()
            if not own:
                ends_here = [i for i, ln in numbered if ln.end == line_no]
                if ends_here and ends_here[-1] not in trailing:
                    trailing[ends_here[-1]] = text
                    continue
            inside = [(ln.end - ln.start, -i) for i, ln in numbered if ln.start <= line_no <= ln.end]
            if inside:
                target = -min(inside)[1]
            else:
                after = [(ln.start, i) for i, ln in numbered if ln.start > line_no]
                if not after:
                    at_end.append(text)
                    continue
                target = min(after)[1]
            before.setdefault(target, []).append(text)
        out: list[str] = []
        for i, ln in enumerate(lines):
            if ln is None:
                out.append("")
                continue
            out += [ln.indent + c for c in before.get(i, ())]
            text = ln.indent + ln.text
            if i in trailing:
                text += "  " + trailing[i]
            out.append(text)
        if at_end:
            if out:
                out.append("")
            out += at_end
        return "\n".join(out) + "\n" if out else ""
