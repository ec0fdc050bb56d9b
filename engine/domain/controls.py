"""Control characters from input data, made visible (B24).

Every C0 control but tab and line feed becomes its Unicode control picture (ESC as ␛, CR as
␍), DEL ␡, and the C1 controls, which some terminals obey too, �. One character for one, so
spans that highlight words stay where they were. Used wherever text from an input file
reaches a terminal: the text report and `explain` (reports/visible.py), one-line errors and
the source lines of rule-file diagnostics.
"""

from __future__ import annotations

_TABLE = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
_TABLE[0x7F] = 0x2421
_TABLE.update({c: 0xFFFD for c in range(0x80, 0xA0)})


def visible(text: str) -> str:
    return text.translate(_TABLE)
