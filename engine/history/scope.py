"""Which case ids are in a run's input: asked only about the findings of the previous run
that this run does not report (to tell resolved from out of scope), so the input is read
again only when there are such findings, and only the case ids are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..sources.records import Reject


def examined_cases(reopen: Callable[[], Iterable[Iterable]]) -> Callable[[set[str]], set[str]]:
    """A function: case ids -> those that an evaluated row of the run's input carries. A
    rejected row does not count: its case was not examined. `reopen()` gives the input's
    record sources afresh (files are read again, a database table or query is run again)."""

    def examined(wanted: set[str]) -> set[str]:
        found: set[str] = set()
        if not wanted:
            return found
        for source in reopen():
            try:
                for item in source:
                    if isinstance(item, Reject):
                        continue
                    case = item.values.get("case_id")
                    if case in wanted:
                        found.add(case)
                        if len(found) == len(wanted):
                            return found
            finally:
                if hasattr(source, "close"):  # a database cursor is released at once
                    source.close()
        return found

    return examined
