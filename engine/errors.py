"""Errors a user can cause. The cli turns each into one line and exit code 2."""

from __future__ import annotations


class XukeError(Exception):
    """Bad input or usage: reported as one line, exit code 2, never a traceback."""

    exit_code = 2


class InputError(XukeError):
    """An input file that cannot be read as a whole (missing required column, ...)."""


class CalendarError(XukeError):
    """A date outside every known official calendar."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"no official working-day calendar for {year}: chinese-calendar does not cover it; "
            f"supply one with --calendar FILE (YAML with `holidays:` and `workdays:` date lists, "
            f"or `years: {{{year}: {{holidays: [...], workdays: [...]}}}}`) or `calendar:` in xuke.yaml"
        )

    def __reduce__(self):
        # pickled by worker processes: rebuild from the year, not from the whole message
        return CalendarError, (self.year,)
