"""Diagnostics in the `FILE:LINE:COL: error: message` form, with the source line, a caret
under the spot and a hint, as compilers print them."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..domain.controls import visible
from .ast import Pos


@dataclass(frozen=True)
class Diagnostic:
    pos: Pos
    message: str
    hint: str | None = None
    level: str = "error"  # error | warning
    related: tuple = ()  # (Pos, note) pairs, e.g. the first definition of a duplicate

    def sort_key(self):
        return (self.pos.file, self.pos.line, self.pos.column, self.message)

    def headline(self) -> str:
        return f"{self.pos}: {self.level}: {self.message}"

    def render(self, source: str | None) -> str:
        out = [self.headline()]
        out.extend(_excerpt(source, self.pos))
        for pos, note in self.related:
            out.append(f"{pos}: note: {note}")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


def _excerpt(source: str | None, pos: Pos) -> list[str]:
    if not source or pos.line < 1:
        return []
    lines = source.splitlines()
    if pos.line > len(lines):
        return []
    text = visible(lines[pos.line - 1].replace("\t", " "))
    col = max(pos.column, 1)
    width = 1
    if pos.end_line == pos.line and pos.end_column and pos.end_column > col:
        width = pos.end_column - col
    # CJK characters take two cells in a terminal: pad the caret line to match
    pad = "".join("  " if _wide(ch) else " " for ch in text[: col - 1])
    span = sum(2 if _wide(ch) else 1 for ch in text[col - 1 : col - 1 + width]) or 1
    return [f"  {text}", f"  {pad}{'^' * span}"]


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")


def closest(name: str, candidates) -> str | None:
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, candidates, what: str = "") -> str | None:
    best = closest(name, candidates)
    if best:
        return f"did you mean `{best}`?"
    names = sorted(candidates)
    if not names:
        return None
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"known {what or 'names'}: {shown}"


class DiagnosticError(Exception):
    """Raised with every diagnostic of a failed load; the cli prints them all."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str] | None = None):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        self.sources = sources or {}
        super().__init__(self.diagnostics[0].headline() if self.diagnostics else "error")

    def render(self) -> str:
        return "\n".join(d.render(self.sources.get(d.pos.file)) for d in self.diagnostics)

    def print_rich(self, console) -> None:
        """The same blocks on a terminal: the source line syntax-highlighted (the xuke
        Pygments lexer), the caret in red."""
        from rich.text import Text

        from .lexer import highlight_snippet

        for d in self.diagnostics:
            console.print(Text(d.headline(), style="bold"))
            source = self.sources.get(d.pos.file)
            excerpt = _excerpt(source, d.pos)
            if excerpt:
                console.print(highlight_snippet(visible(source), d.pos.line, d.pos.line, line_numbers=False))
                console.print(Text(excerpt[1][2:], style="bold red"))  # the plain form indents by 2
            for pos, note in d.related:
                console.print(f"{pos}: note: {note}")
            if d.hint:
                console.print(Text(f"  hint: {d.hint}", style="cyan"))
