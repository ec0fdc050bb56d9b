"""Source text -> AST. Parsing is LALR(1) with Lark's contextual lexer; a syntax error
becomes a Diagnostic naming what was expected in plain words."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..resources import GRAMMAR_DIR
from . import ast as A
from .diagnostics import Diagnostic, DiagnosticError
from .keywords import ZH_KEYWORDS
from .limits import MAX_DEPTH, MAX_NUMBER, deep_recursion

GRAMMAR_PATH = GRAMMAR_DIR / "xuke.lark"


# Terminal names -> what a rule author would call them
_TERMINAL_WORDS = {
    "NAME": "a name", "STRING": "a string", "RULE_ID": "a rule id such as LIC-42-OVERDUE",
    "NUMBER": "a number", "DATE": "a date such as 2025-03-03", "REGEX": "a regex such as /须经.*审批/",
    "SEVERITY_LEVEL": "a severity (critical, error, warning or info)", "COMP_OP": "a comparison",
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COMMA": "`,`", "COLON": "`:`",
    "EQUAL": "`=`", "DOT": "`.`", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`",
    "EXPECT": "`violates` or `passes`", "$END": "the end of the file",
}  # fmt: skip


@lru_cache(maxsize=1)
def parser() -> Lark:
    # Never Lark's cache=True: it unpickles a file of a predictable name in the shared
    # temporary directory (B18). The built tables are kept in xuke's private, signed cache.
    from .grammar_cache import cached_parser

    return cached_parser(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        {"parser": "lalr", "lexer": "contextual", "start": ["start", "template_expr"],
         "propagate_positions": True, "maybe_placeholders": True},
        {"COMMENT": _collect_comment},
    )  # fmt: skip


# The lexer hands comments to this sink while it parses: the real lexer knows where strings
# and regexes are, so a `#` inside them is never mistaken for a comment.
_COMMENT_SINK: list[list] = []


def _word(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    if terminal.isupper() and terminal.replace("_", "").isalpha():
        word = terminal.lower()
        return f"`{word}`"
    return terminal


_OPERAND_STARTS = {"NUMBER", "STRING", "DATE", "REGEX", "TRUE", "FALSE", "NULL", "LSQB", "LPAR", "MINUS", "NOT"}


def expected_words(expected) -> str:
    expected = set(expected)
    words = []
    if {"NUMBER", "STRING", "NAME"} <= expected:
        # an operand may start here: say so once instead of listing every literal kind
        expected -= _OPERAND_STARTS | {"NAME"}
        words.append("an expression")
    words += sorted({_word(t) for t in expected if not t.startswith("__")})
    if len(words) > 8:
        words = words[:8] + ["..."]
    return ", ".join(words)


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}


def _unescape(raw: str) -> str:
    """String escapes: \\" \\\\ \\n \\t. Any other backslash stays as written, so a regex
    such as /\\s+/ inside a template keeps its meaning instead of silently losing it."""
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _Build(Transformer):
    def __init__(self, file: str, source: str):
        super().__init__()
        self.file = file
        self.source = source

    # ---- positions ----
    def _tok(self, tok: Token) -> A.Pos:
        return A.Pos(self.file, tok.line, tok.column, tok.end_line, tok.end_column)

    def _meta(self, meta) -> A.Pos:
        if getattr(meta, "empty", True):
            return A.Pos(self.file, 0, 0)
        return A.Pos(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    @staticmethod
    def _values(children, *types):
        return [c for c in children if isinstance(c, Token) and c.type in types]

    @staticmethod
    def _nodes(children):
        return [c for c in children if c is not None and not isinstance(c, Token)]

    # ---- program ----
    @v_args(meta=True)
    def start(self, meta, children):
        pack = children[0] if children and isinstance(children[0], A.PackDecl) else None
        stmts = tuple(c for c in children if c is not None and not isinstance(c, A.PackDecl))
        return pack, stmts

    @v_args(meta=True)
    def pack_decl(self, meta, children):
        kw, name, title, *rest = [c for c in children if c is not None]
        version = _unescape(rest[1][1:-1]) if len(rest) == 2 else None
        self.surface = "zh" if kw.value == "规则包" else "en"
        return A.PackDecl(name.value, _unescape(title[1:-1]), version, self._meta(meta))

    @v_args(meta=True)
    def import_decl(self, meta, children):
        return A.Import(children[1].value, self._tok(children[1]))

    @v_args(meta=True)
    def const_decl(self, meta, children):
        return A.Const(children[1].value, children[2], self._tok(children[1]))

    @v_args(meta=True)
    def field_decl(self, meta, children):
        return A.FieldDecl(children[0].value, children[1].value, self._tok(children[0]))

    @v_args(meta=True)
    def fact_decl(self, meta, children):
        fields = tuple(c for c in children[2:] if isinstance(c, A.FieldDecl))
        return A.FactDecl(children[1].value, fields, self._tok(children[1]))

    @v_args(meta=True)
    def summary_item(self, meta, children):
        name, func, pattern = children[0], children[1], children[2]
        field = children[3] if len(children) > 3 else None
        return A.SummaryItem(
            name.value, func.value, pattern, field.value if field is not None else None, self._tok(name)
        )

    @v_args(meta=True)
    def summary_decl(self, meta, children):
        _, name, _, by, *rest = children
        items = tuple(c for c in rest if isinstance(c, A.SummaryItem))
        return A.SummaryDecl(name.value, by.value, items, self._tok(name))

    # ---- rules ----
    @v_args(meta=True)
    def severity(self, meta, children):
        level = children[1].value
        return ("severity", ZH_KEYWORDS.get(level, level), self._tok(children[1]))

    @v_args(meta=True)
    def cites(self, meta, children):
        return ("cites", tuple(_unescape(t[1:-1]) for t in self._values(children, "STRING")), None)

    @v_args(meta=True)
    def tags(self, meta, children):
        return ("tags", tuple(_unescape(t[1:-1]) for t in self._values(children, "STRING")), None)

    @v_args(meta=True)
    def rule_decl(self, meta, children):
        rid, title = children[1], children[2]
        meta_items = [c for c in children if isinstance(c, tuple)]
        severity, severity_pos = None, None
        cites: tuple = ()
        tags: tuple = ()
        for key, value, pos in meta_items:
            if key == "severity":
                severity, severity_pos = value, pos
            elif key == "cites":
                cites = cites + value
            else:
                tags = tags + value
        when = tuple(c for c in children if isinstance(c, A.Pattern))
        then = tuple(c for c in children if isinstance(c, (A.Assert, A.Report)))
        examples = next((c for c in children if isinstance(c, list)), [])
        return A.Rule(
            rid.value,
            _unescape(title[1:-1]),
            severity,
            cites,
            tags,
            when,
            then,
            tuple(examples),
            self._meta(meta),
            self._tok(rid),
            severity_pos,
        )

    @v_args(meta=True)
    def fact_pattern(self, meta, children):
        name = children[0]
        constraints = tuple(c for c in children[1:] if c is not None and not isinstance(c, Token))
        return A.Pattern("match", None, name.value, constraints, self._meta(meta), self._tok(name))

    @v_args(meta=True)
    def capture(self, meta, children):
        name, expr = children
        return A.Capture(name.value, expr, self._tok(name))

    @v_args(meta=True)
    def bound_pattern(self, meta, children):
        name, pattern = children
        return A.Pattern(
            "match", name.value, pattern.type, pattern.constraints, self._tok(name), pattern.type_pos
        )

    @v_args(meta=True)
    def not_pattern(self, meta, children):
        p = children[1]
        return A.Pattern("not", None, p.type, p.constraints, self._tok(children[0]), p.type_pos)

    @v_args(meta=True)
    def exists_pattern(self, meta, children):
        p = children[1]
        return A.Pattern("exists", None, p.type, p.constraints, self._tok(children[0]), p.type_pos)

    @v_args(meta=True)
    def assert_action(self, meta, children):
        return A.Assert(children[1], self._tok(children[0]))

    @v_args(meta=True)
    def report_action(self, meta, children):
        kw, binding, string = children[:3]
        data = tuple(c for c in children[3:] if isinstance(c, A.FieldValue))
        return A.Report(binding.value, self._template(string), self._tok(kw), self._tok(binding), data)

    @v_args(meta=True)
    def examples(self, meta, children):
        return [c for c in children if isinstance(c, A.Example)]

    @v_args(meta=True)
    def example(self, meta, children):
        expect = ZH_KEYWORDS.get(children[0].value, children[0].value)
        facts = tuple(c for c in children if isinstance(c, A.FactLiteral))
        dates = self._values(children, "DATE")
        as_of = self._date(dates[0]) if dates else None
        return A.Example(expect, facts, as_of, self._tok(children[0]))

    @v_args(meta=True)
    def fact_literal(self, meta, children):
        fields = tuple(c for c in children[1:] if isinstance(c, A.FieldValue))
        return A.FactLiteral(children[0].value, fields, self._tok(children[0]))

    @v_args(meta=True)
    def field_value(self, meta, children):
        return A.FieldValue(children[0].value, children[1], self._tok(children[0]))

    # ---- expressions ----
    def _fold(self, meta, children, op_types):
        # children alternate operand, operator token, operand ...
        left = children[0]
        i = 1
        while i < len(children):
            op = children[i]
            word = ZH_KEYWORDS.get(op.value, op.value)
            left = A.Binary(word, left, children[i + 1], self._tok(op))
            i += 2
        return left

    @v_args(meta=True)
    def or_expr(self, meta, children):
        return self._fold(meta, children, ("OR",))

    @v_args(meta=True)
    def and_expr(self, meta, children):
        return self._fold(meta, children, ("AND",))

    @v_args(meta=True)
    def sum(self, meta, children):
        return self._fold(meta, children, ("PLUS", "MINUS"))

    @v_args(meta=True)
    def product(self, meta, children):
        return self._fold(meta, children, ("STAR", "SLASH"))

    @v_args(meta=True)
    def not_expr(self, meta, children):
        return A.Unary("not", children[1], self._tok(children[0]))

    @v_args(meta=True)
    def neg(self, meta, children):
        operand = children[1]
        # fold `-5` into a literal so that fmt and the checker see a number
        if isinstance(operand, A.Literal) and operand.kind in ("int", "decimal"):
            return A.Literal(-operand.value, operand.kind, self._tok(children[0]))
        return A.Unary("-", operand, self._tok(children[0]))

    @v_args(meta=True)
    def compare(self, meta, children):
        left, op, right = children
        return A.Binary(op.value, left, right, self._tok(op))

    def _binop(self, name):
        @v_args(meta=True)
        def build(meta, children):
            operands = [c for c in children if not isinstance(c, Token)]
            tok = next(c for c in children if isinstance(c, Token))
            return A.Binary(name, operands[0], operands[1], self._tok(tok))

        return build

    @v_args(meta=True)
    def in_expr(self, meta, children):
        return A.Binary("in", children[0], children[2], self._tok(children[1]))

    @v_args(meta=True)
    def not_in_expr(self, meta, children):
        return A.Binary("not in", children[0], children[3], self._tok(children[1]))

    @v_args(meta=True)
    def matches_expr(self, meta, children):
        return A.Binary("matches", children[0], children[2], self._tok(children[1]))

    @v_args(meta=True)
    def contains_expr(self, meta, children):
        return A.Binary("contains", children[0], children[2], self._tok(children[1]))

    @v_args(meta=True)
    def is_null(self, meta, children):
        return A.IsNull(children[0], False, self._tok(children[1]))

    @v_args(meta=True)
    def is_not_null(self, meta, children):
        return A.IsNull(children[0], True, self._tok(children[1]))

    @v_args(meta=True)
    def attr(self, meta, children):
        obj, name = children
        return A.Attr(obj, name.value, self._tok(name))

    @v_args(meta=True)
    def call(self, meta, children):
        name = children[0]
        args = tuple(c for c in children[1:] if c is not None)
        return A.Call(name.value, args, self._tok(name))

    @v_args(meta=True)
    def list(self, meta, children):
        items = tuple(c for c in children if c is not None)
        return A.ListLit(items, self._meta(meta))

    def number(self, children):
        tok = children[0]
        if "." in tok.value:
            return A.Literal(Decimal(tok.value), "decimal", self._tok(tok))
        try:
            value = int(tok.value)
        except ValueError:  # Python's 4300-digit limit on int(): far beyond the checker's range
            raise _SyntaxProblem(
                self._tok(tok),
                f"number out of range: {len(tok.value)} digits (at most {MAX_NUMBER:,} either way)",
                "numbers travel to the engine as JSON numbers, exact up to 2**53",
            ) from None
        return A.Literal(value, "int", self._tok(tok))

    def string(self, children):
        tok = children[0]
        return A.Literal(_unescape(tok.value[1:-1]), "text", self._tok(tok))

    def _date(self, tok):
        try:
            return dt.date.fromisoformat(tok.value)
        except ValueError:
            raise _SyntaxProblem(self._tok(tok), f"`{tok.value}` is not a valid date") from None

    def date(self, children):
        return A.Literal(self._date(children[0]), "date", self._tok(children[0]))

    def true(self, children):
        return A.Literal(True, "bool", self._tok(children[0]))

    def false(self, children):
        return A.Literal(False, "bool", self._tok(children[0]))

    def null(self, children):
        return A.Literal(None, "null", self._tok(children[0]))

    def regex(self, children):
        tok = children[0]
        return A.Regex(tok.value[1:-1].replace("\\/", "/"), self._tok(tok))

    def name(self, children):
        return A.Name(children[0].value, self._tok(children[0]))

    # ---- templates ----
    def _template(self, tok: Token) -> A.Template:
        raw = tok.value[1:-1]
        parts: list = []
        text: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "{" and raw.startswith("{{", i):
                text.append("{")
                i += 2
            elif ch == "}" and raw.startswith("}}", i):
                text.append("}")
                i += 2
            elif ch == "{":
                end = _hole_end(raw, i + 1)
                col = tok.column + 1 + i + 1  # the quote, then the brace
                pos = A.Pos(self.file, tok.line, col)
                if end < 0:
                    raise _SyntaxProblem(pos, "unclosed `{` in template", "write `{{` for a literal brace")
                if text:
                    parts.append(_unescape("".join(text)))
                    text = []
                parts.append(self._hole(_unescape(raw[i + 1 : end]), pos))
                i = end + 1
            elif ch == "}":
                pos = A.Pos(self.file, tok.line, tok.column + 1 + i)
                raise _SyntaxProblem(pos, "unmatched `}` in template", "write `}}` for a literal brace")
            else:
                text.append(ch)
                i += 1
        if text:
            parts.append(_unescape("".join(text)))
        return A.Template(tuple(parts), raw, self._tok(tok))

    def _hole(self, text: str, pos: A.Pos):
        if not text.strip():
            raise _SyntaxProblem(pos, "empty `{}` in template", "put an expression inside, e.g. {r.case_id}")
        try:
            tree = parser().parse(text, start="template_expr")
        except UnexpectedInput as e:
            line = getattr(e, "line", 1) or 1
            col = getattr(e, "column", 1) or 1
            at = A.Pos(self.file, pos.line + line - 1, pos.column + col - 1 if line == 1 else col)
            raise _SyntaxProblem(at, f"bad expression in template: {_describe(e)}") from None
        sub = _Build(self.file, self.source)
        expr = sub.transform(tree)
        return _shift(expr, pos)


class _SyntaxProblem(Exception):
    def __init__(self, pos: A.Pos, message: str, hint: str | None = None):
        super().__init__(message)
        self.diagnostic = Diagnostic(pos, message, hint)


def _hole_end(raw: str, i: int) -> int:
    """Index of the `}` closing a template hole. The hole is inside a string, so its own
    strings are written with escaped quotes: undo the template's escapes one character at
    a time, then scan the hole like ordinary source, skipping strings and regex literals
    (a regex may hold `{m,n}`)."""
    in_str = in_regex = escaped = False
    last = "("  # the last significant character: a `/` after an operand is division
    while i < len(raw):
        step = 2 if raw[i] == "\\" and i + 1 < len(raw) else 1
        ch = raw[i + step - 1]
        if in_str:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_str = False
        elif in_regex:
            if step == 2 or escaped:
                escaped = False  # an escaped character inside the regex, `/` included
            elif ch == "\\":
                escaped = True
            elif ch == "/":
                in_regex = False
                last = ")"
        elif ch == '"':
            in_str = True
        elif ch == "/" and step == 1 and (last in "(,=<>!" or _ends_with_word(raw[:i], ("matches", "contains", "in"))):
            in_regex = True
        elif ch == "}" and step == 1:
            return i
        if not in_str and not in_regex and not ch.isspace() and ch != "/":
            last = ch
        i += step
    return -1


def _ends_with_word(text: str, words) -> bool:
    stripped = text.rstrip()
    return any(stripped.endswith(w) and not (stripped[: -len(w)][-1:].isalnum()) for w in words)


def _shift(node, base: A.Pos):
    """Move positions of a template hole's expression onto the template's line."""
    import dataclasses

    if isinstance(node, tuple):
        return tuple(_shift(n, base) for n in node)
    if not dataclasses.is_dataclass(node):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, A.Pos):
            col = base.column + value.column - 1 if value.line == 1 else value.column
            changes[f.name] = A.Pos(base.file, base.line + value.line - 1, col)
        elif dataclasses.is_dataclass(value) or isinstance(value, tuple):
            changes[f.name] = _shift(value, base)
    return dataclasses.replace(node, **changes)


def _describe(e: UnexpectedInput) -> str:
    if isinstance(e, UnexpectedToken):
        if e.token.type == "$END":
            return f"unexpected end of input, expected {expected_words(e.expected)}"
        return f"unexpected {e.token.value!r}, expected {expected_words(e.expected)}"
    if isinstance(e, UnexpectedCharacters):
        return f"unexpected character {e.char!r}"
    if isinstance(e, UnexpectedEOF):
        return f"unexpected end of input, expected {expected_words(e.expected)}"
    return str(e).splitlines()[0]


def _syntax_diagnostic(e: UnexpectedInput, file: str, source: str) -> Diagnostic:
    line = getattr(e, "line", None)
    col = getattr(e, "column", None)
    if line is None or line < 1:  # end of file
        lines = source.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
    end_col = None
    hint = None
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        message = f"unexpected {_token_word(e.token)}"
        end_col = e.token.end_column
        hint = f"expected {expected_words(e.expected)}"
        if e.token.type == "NAME" and "RULE_ID" in e.expected:
            hint = "rule ids are upper-case words joined by `-`, such as LIC-42-OVERDUE"
        elif e.token.type == "RULE_ID" and "NAME" in e.expected and e.token.value.isupper():
            hint = f"expected {expected_words(e.expected)}"
    elif isinstance(e, (UnexpectedToken, UnexpectedEOF)):
        message = "unexpected end of file"
        hint = f"expected {expected_words(e.expected)}; is an `end` missing?"
    elif isinstance(e, UnexpectedCharacters):
        message = f"unexpected character {e.char!r}"
        if e.char == '"':
            hint = "strings must close on the same line"
        elif e.char in "“”":
            hint = 'use straight quotes " for strings'
        elif e.allowed:
            hint = f"expected {expected_words(e.allowed)}"
    else:
        message = str(e).splitlines()[0]
    return Diagnostic(A.Pos(file, line, col, line, end_col), message, hint)


def _token_word(tok: Token) -> str:
    if tok.type == "STRING":
        return f"string {tok.value}"
    if tok.type in ("NAME", "RULE_ID"):
        return f"name `{tok.value}`"
    return f"`{tok.value}`"


@deep_recursion
def parse(source: str, file: str = "<string>") -> A.Program:
    """Parse one rule file. Raises DiagnosticError (with every diagnostic found)."""
    comments: list = []
    _COMMENT_SINK.append(comments)
    try:
        tree = parser().parse(source, start="start")
    except UnexpectedInput as e:
        raise DiagnosticError([_syntax_diagnostic(e, file, source)], {file: source}) from None
    finally:
        _COMMENT_SINK.pop()
    too_deep = _too_deep(tree, file)
    if too_deep is not None:
        raise DiagnosticError([too_deep], {file: source})
    builder = _Build(file, source)
    builder.surface = "en"
    try:
        pack, stmts = builder.transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, _SyntaxProblem):
            raise DiagnosticError([e.orig_exc.diagnostic], {file: source}) from None
        raise
    return A.Program(file, pack, stmts, tuple(comments), source, builder.surface)


_FOLDED = {"or_expr", "and_expr", "sum", "product"}  # `a or b or c` folds into a chain


def _too_deep(tree, file: str) -> Diagnostic | None:
    """A diagnostic when an expression nests deeper than MAX_DEPTH. Measured without
    recursion, before the (recursive) passes that follow would overflow the stack."""
    from lark import Tree

    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        step = max(1, (len(node.children) - 1) // 2) if node.data in _FOLDED else 1
        depth += step
        if depth > MAX_DEPTH:
            meta = node.meta
            line = getattr(meta, "line", 1) if not meta.empty else 1
            col = getattr(meta, "column", 1) if not meta.empty else 1
            return Diagnostic(A.Pos(file, line, col), f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                              "split it into several constraints or derived facts")  # fmt: skip
        stack.extend((child, depth) for child in node.children)
    return None


@deep_recursion
def parse_expr(source: str, file: str = "<expr>"):
    try:
        tree = parser().parse(source, start="template_expr")
    except UnexpectedInput as e:
        raise DiagnosticError([_syntax_diagnostic(e, file, source)], {file: source}) from None
    try:
        return _Build(file, source).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, _SyntaxProblem):
            raise DiagnosticError([e.orig_exc.diagnostic], {file: source}) from None
        raise


def _collect_comment(tok: Token):
    if _COMMENT_SINK:
        _COMMENT_SINK[-1].append((tok.line, tok.column, tok.value.rstrip()))
    return tok
