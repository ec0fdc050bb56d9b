"""Which case ids are in a run's input: asked only about the findings of the previous run
that this run does not report (to tell resolved from out of scope), so the input is read
again only when there are such findings, and only the case ids are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..sources.records import RecordSource, Reject


def examined_cases(files: Iterable[str], encoding=None, sheet=None, aliases=None) -> Callable[[set[str]], set[str]]:
    """A function: case ids -> those that an evaluated row of `files` carries. A rejected
    row does not count: its case was not examined."""

    def examined(wanted: set[str]) -> set[str]:
        found: set[str] = set()
        if not wanted:
            return found
        for file in sorted(set(map(str, files))):
            for item in RecordSource(file, encoding=encoding, sheet=sheet, aliases=aliases):
                if isinstance(item, Reject):
                    continue
                case = item.values.get("case_id")
                if case in wanted:
                    found.add(case)
                    if len(found) == len(wanted):
                        return found
        return found

    return examined
