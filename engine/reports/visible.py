"""Control characters from input data, made visible on a terminal.

A case id or a department name holding ESC sequences reached the terminal through the
text report and `xuke explain` as they were: colours, a cleared screen, a forged line, an
OSC 52 write to the user's clipboard (B24). Every C0 control but tab and line feed is shown
as its Unicode control picture (ESC as ␛, CR as ␍), DEL as ␡, and the C1 controls, which
some terminals obey too, as �. Each is one character for one, so the spans that highlight
offending words stay where they were. JSON, JSONL and SARIF escape C0 controls themselves;
CSV and the workbook keep cells as they are (they are data, not terminal output).
"""

from __future__ import annotations

from rich.text import Text

from ..domain.controls import visible


class VisibleText(Text):
    """rich's Text, with control characters made visible in whatever it is given."""

    def __init__(self, text: str = "", *args, **kwargs):
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text, style=None):
        if isinstance(text, str):
            text = visible(text)
        return super().append(text, style)
