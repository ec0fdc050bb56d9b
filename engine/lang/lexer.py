"""Syntax highlighting for `.rules` files: a Pygments lexer, registered as the plugin
`xuke` (entry point group `pygments.lexers`), so `pygmentize -l xuke`, rich, Sphinx and
MkDocs can highlight rule files; `highlight_snippet` gives the cli a rich `Syntax` of a
few lines of a rule file.

The lexer follows grammar/xuke.lark: English and Chinese keywords (the Chinese ones from
`engine.syntax.ZH_KEYWORDS`) as whole words, rule ids after `rule`, strings with template
holes `{...}` (whose expressions are highlighted too), regex literals `/.../` where an
operand may start, dates, numbers, comments and operators. It only colours: a file it
accepts may still be rejected by `xuke check`.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from .keywords import ZH_KEYWORDS

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = rf"A-Za-z0-9_{_CJK}"
_END = rf"(?![{_WORD}])"  # keywords are whole words, as in the grammar
_NAME = rf"[A-Za-z_{_CJK}][{_WORD}]*"
_RULE_ID = r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*" + _END
_REGEX = r"/(?:[^/\\\n]|\\.)+/"

# canonical English keyword -> its Chinese aliases
_ZH: dict[str, list[str]] = {}
for _zh, _en in ZH_KEYWORDS.items():
    _ZH.setdefault(_en, []).append(_zh)


def _kw(*english: str) -> tuple[str, ...]:
    """The English keywords and their Chinese aliases, longest first (规则包 before 规则)."""
    out = list(english) + [zh for en in english for zh in _ZH.get(en, [])]
    return tuple(sorted(set(out), key=lambda w: (-len(w), w)))


DECLARATIONS = _kw("pack", "import", "const", "fact", "summary", "version", "by")
SECTIONS = _kw("rule", "severity", "cites", "tags", "when", "then", "examples", "end")
ACTIONS = _kw("assert", "report", "with")
EXPECT = _kw("violates", "passes", "as_of")
SEVERITY_LEVELS = _kw("critical", "error", "warning", "info")
WORD_OPERATORS = _kw("and", "or", "not", "in", "is", "matches", "contains", "exists")
CONSTANTS = _kw("true", "false", "null")
BUILTIN_TYPES = ("record", "document", "clause", "finding")
AGGREGATES = ("count", "sum", "min", "max")  # in summaries
FALLBACK_FUNCTIONS = ("workdays", "days", "len", "min", "max", "coalesce", "number", "year")


def _functions() -> tuple[str, ...]:
    try:
        from ..ir.functions import FUNCTIONS as registered
    except Exception:  # pragma: no cover - highlighting never fails for this
        registered = FALLBACK_FUNCTIONS
    return tuple(sorted(set(registered) | set(AGGREGATES), key=lambda w: (-len(w), w)))


def all_keywords() -> set[str]:
    """Every word the lexer treats as a keyword (for tests and completeness checks)."""
    return set(DECLARATIONS + SECTIONS + ACTIONS + EXPECT + SEVERITY_LEVELS + WORD_OPERATORS + CONSTANTS)


class XukeLexer(RegexLexer):
    """Lexer for xuke rule files (`.rules`)."""

    name = "xuke"
    aliases = ["xuke", "xuke-rules"]
    filenames = ["*.rules"]
    mimetypes = ["text/x-xuke"]
    url = "https://github.com/xuke/xuke"
    version_added = "0.1"
    flags = re.MULTILINE | re.UNICODE

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            # headers that name something: the name gets its own colour
            (
                rf"({'|'.join(_kw('pack'))}){_END}(\s+)({_NAME})",
                bygroups(Keyword.Namespace, Whitespace, Name.Namespace),
            ),
            (
                rf"({'|'.join(_kw('import'))}){_END}(\s+)({_NAME})",
                bygroups(Keyword.Namespace, Whitespace, Name.Namespace),
            ),
            (
                rf"({'|'.join(_kw('const'))}){_END}(\s+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Constant),
            ),
            (
                rf"({'|'.join(_kw('fact'))}){_END}(\s+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Class),
            ),
            (
                rf"({'|'.join(_kw('summary'))}){_END}(\s+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Class),
            ),
            (
                rf"({'|'.join(_kw('rule'))}){_END}(\s+)({_RULE_ID})",
                bygroups(Keyword.Declaration, Whitespace, Name.Label),
            ),
            (
                rf"({'|'.join(_kw('report'))}){_END}(\s+)({_NAME})",
                bygroups(Keyword, Whitespace, Name.Variable),
            ),
            (words(DECLARATIONS, suffix=_END), Keyword.Declaration),
            (words(SECTIONS, suffix=_END), Keyword),
            (words(ACTIONS, suffix=_END), Keyword),
            (words(EXPECT, suffix=_END), Keyword.Pseudo),
            (words(SEVERITY_LEVELS, suffix=_END), Name.Builtin.Pseudo),
            include("expr"),
        ],
        "expr": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (words(CONSTANTS, suffix=_END), Keyword.Constant),
            # a regex literal where an operand may start: after `matches`, `contains`, `=`,
            # `(`, `[` or `,`; elsewhere `/` divides
            (
                rf"((?:matches|contains){_END})(\s*)({_REGEX})",
                bygroups(Operator.Word, Whitespace, String.Regex),
            ),
            (rf"([=(\[,])(\s*)({_REGEX})", bygroups(Punctuation, Whitespace, String.Regex)),
            (words(WORD_OPERATORS, suffix=_END), Operator.Word),
            (r'"', String.Double, "string"),
            (r"\d{4}-\d{2}-\d{2}(?!\d)", Literal.Date),
            (r"\d+\.\d+", Number.Float),
            (r"\d+", Number.Integer),
            (r"==|!=|<=|>=|<|>|\+|-|\*|/|=", Operator),
            (r"[()\[\],:]", Punctuation),
            (rf"(\.)({_NAME})", bygroups(Punctuation, Name.Attribute)),
            (rf"({'|'.join(_functions())})(?=\s*\()", Name.Builtin),
            (rf"({'|'.join(BUILTIN_TYPES)}){_END}", Name.Builtin),
            (rf"{_NAME}(?=\s*\()", Name.Class),  # a fact type in a pattern or a literal
            (rf"[A-Z][A-Z0-9_]*{_END}", Name.Constant),  # constants are written in capitals
            (rf"{_NAME}(?=\s*:(?!:))", Name.Variable),  # a binding or a field in a literal
            (_NAME, Name),
            (r".", Text),
        ],
        "string": [
            (r'\\["\\nt{}]', String.Escape),
            (r"\{\{|\}\}", String.Escape),
            (r"\{", String.Interpol, "hole"),
            (r'"', String.Double, "#pop"),
            (r'[^"\\{}\n]+', String.Double),
            (r"\n", String.Double),  # unterminated: let the next line recover
            (r"[\\}]", String.Double),
        ],
        "hole": [
            (r"\}", String.Interpol, "#pop"),
            (r'\\"(?:[^"\\\n]|\\[^"\n])*\\"', String.Double),  # strings inside a hole: \"...\"
            (r'(?=")', Text, "#pop"),  # the template ended inside the hole
            include("expr"),
        ],
    }

    def analyse_text(text):  # noqa: N805 - Pygments calls it as a static method
        """For `guess_lexer`: a pack header or a rule with `when` ... `then`."""
        if re.search(r"^\s*(pack|规则包)\s+\w+\s+\"", text, re.MULTILINE):
            return 0.8
        if re.search(r"^\s*(rule|规则)\s+[A-Z][A-Z0-9-]*\s+\"", text, re.MULTILINE) and re.search(
            r"^\s*(when|当)\s*$", text, re.MULTILINE
        ):
            return 0.6
        return 0.0


def highlight_snippet(source: str, start_line: int, end_line: int | None = None, *,
                      highlight_lines: set[int] | None = None, theme: str = "ansi_dark",
                      line_numbers: bool = True):  # fmt: skip
    """A rich `Syntax` of lines `start_line`..`end_line` (1-based, inclusive) of a rule file,
    with line numbers as in the file; `highlight_lines` (default: none) are marked."""
    from rich.syntax import Syntax

    total = max(1, source.count("\n") + (0 if source.endswith("\n") else 1))
    start = min(max(1, start_line), total)
    end = min(max(start, end_line if end_line is not None else start), total)
    return Syntax(
        source,
        XukeLexer(),
        theme=theme,
        line_numbers=line_numbers,
        line_range=(start, end),
        highlight_lines=set(highlight_lines or ()),
        word_wrap=False,
        background_color="default",
    )
