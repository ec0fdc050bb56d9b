"""The official working-day calendar (《行政许可法》第八十二条: time limits count working days).

Working days are Monday to Friday, minus statutory holidays, plus the adjusted working
weekends (调休), as published each year by the State Council. The `chinese_calendar`
package carries those notices; an override file corrects them or adds years the package
does not know yet. A date in a year nobody covers is an error, never a guess.

`workdays` is called for every record and rule, so everything is precomputed into a
cumulative count indexed by day: each call is two subtractions and two array reads.
"""

from __future__ import annotations

import os
from array import array
from datetime import date, timedelta

import chinese_calendar
import yaml

from .. import yamlsafe
from ..errors import CalendarError, XukeError
from ..safefs import read_small
from .values import MAX_YEAR, MIN_YEAR, parse_date

_KEYS = ("holidays", "workdays", "years")


def _package_days() -> tuple[range, set[date], set[date]]:
    """Years the package covers (as it checks them itself: min..max of its holiday table)."""
    holidays, workdays = set(chinese_calendar.holidays), set(chinese_calendar.workdays)
    years = range(min(holidays).year, max(holidays).year + 1)
    return years, holidays, workdays


class WorkCalendar:
    """Which days are official working days, for the years some source covers."""

    def __init__(self, years: dict[int, tuple[set[date], set[date]]], source: str = "chinese_calendar"):
        """`years` maps each covered year to (rest days on weekdays, working weekend days):
        the exceptions to "Monday to Friday". Use `load` rather than calling this directly."""
        self.source = source
        self.years = frozenset(years)
        if not years:
            self._origin, self._cum, self._run = 0, array("l", [0]), bytearray(1)
            return
        first, last = min(years), max(years)
        self._origin = date(first, 1, 1).toordinal()
        n = date(last, 12, 31).toordinal() - self._origin + 1
        # _cum[i] = working days on days origin..origin+i inclusive, so that the count in
        # (a, b] is _cum[b] - _cum[a]. _run[i] = id of the unbroken run of covered years
        # the day lies in, 0 when uncovered: a span across a gap year is an error.
        cum = array("l", bytes(n * array("l").itemsize))
        run = bytearray(n)
        # Years are 1949..2100 (see _year), so there are fewer than 256 runs.
        total, run_id = 0, 0
        day = date(first, 1, 1)
        for i in range(n):
            y = day.year
            if y in years:
                if day.month == 1 and day.day == 1 and y - 1 not in years:
                    run_id += 1
                rest, work = years[y]
                if (day.weekday() < 5 and day not in rest) or day in work:
                    total += 1
                run[i] = run_id
            cum[i] = total
            day += timedelta(days=1)
        self._cum, self._run = cum, run

    # ---- construction ---------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, data: dict | None = None) -> WorkCalendar:
        """The package calendar, corrected by an override file (`path`) or an already
        parsed mapping (`data`, e.g. the `calendar:` section of xuke.yaml).

        Override format::

            holidays: [2025-10-09]            # rest days on top of any covered year
            workdays: [2025-10-11]            # working days on top of any covered year
            years:                            # whole years, replacing the package's
              2027: {holidays: [...], workdays: [...]}   # weekends rest unless listed
        """
        pkg_years, pkg_rest, pkg_work = _package_days()
        years: dict[int, tuple[set[date], set[date]]] = {y: (set(), set()) for y in pkg_years}
        for d in pkg_rest:
            if d.weekday() < 5:
                years[d.year][0].add(d)
        for d in pkg_work:
            if d.weekday() >= 5:
                years[d.year][1].add(d)
        source = "chinese_calendar"
        if path is not None or data is not None:
            name = os.fspath(path) if path is not None else "calendar"
            if data is None:
                data = _read_yaml(name)
            _apply_overrides(years, data, name)
            source = f"chinese_calendar + {name}"
        return cls(years, source)

    # ---- queries --------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        i = d.toordinal() - self._origin
        if 0 <= i < len(self._run) and self._run[i]:
            return self._cum[i] != (self._cum[i - 1] if i else 0)
        raise CalendarError(d.year)

    def workdays(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (the first day is not counted); negative when b < a."""
        i = a.toordinal() - self._origin
        j = b.toordinal() - self._origin
        run = self._run
        if 0 <= i < len(run) and 0 <= j < len(run) and run[i] and run[i] == run[j]:
            return self._cum[j] - self._cum[i]
        raise CalendarError(self._first_uncovered(a, b))

    def _first_uncovered(self, a: date, b: date) -> int:
        lo, hi = sorted((a.year, b.year))
        return next((y for y in range(lo, hi + 1) if y not in self.years), lo)

    def __repr__(self) -> str:
        span = f"{min(self.years)}..{max(self.years)}" if self.years else "no years"
        return f"WorkCalendar({span}, {self.source})"


def _read_yaml(name: str) -> object:
    try:
        text = read_small(name, yamlsafe.MAX_BYTES, name).decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise XukeError(f"{name}: cannot read calendar file: {getattr(e, 'strerror', None) or e}") from None
    try:
        # aliases measured before anything walks the dates (B20)
        yamlsafe.check_expansion(yaml.compose(text, Loader=yaml.SafeLoader), name)
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise XukeError(f"{name}: {where}bad YAML: {getattr(e, 'problem', None) or e}") from None
    except ValueError:
        # safe_load builds dates itself and fails with a bare ValueError on 2027-13-01;
        # find the offending scalar in the node tree to name where it is.
        raise XukeError(f"{name}: {_bad_timestamp(text)}") from None
    except RecursionError:  # PyYAML's composer recurses once per level of nesting
        raise XukeError(f"{name}: bad YAML: nested too deeply") from None


def _bad_timestamp(text: str) -> str:
    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                yield from walk(v, f"{path}.{k.value}" if path else str(k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                yield from walk(v, f"{path}[{i}]")
        elif node.tag == "tag:yaml.org,2002:timestamp":
            yield path, node

    for path, node in walk(yaml.compose(text), ""):
        try:
            yaml.safe_load(node.value)
        except ValueError:
            return f"{path}: bad date {node.value!r}"
    return "bad date in calendar file"  # pragma: no cover - safe_load failed, so one exists


def _apply_overrides(years: dict[int, tuple[set[date], set[date]]], data: object, name: str) -> None:
    if data is None:
        return  # an empty file corrects nothing
    if not isinstance(data, dict):
        raise XukeError(f"{name}: expected a mapping with {', '.join(_KEYS)}")
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise XukeError(f"{name}: unknown key {unknown[0]!r} (expected {', '.join(_KEYS)})")

    whole = data.get("years") or {}
    if not isinstance(whole, dict):
        raise XukeError(f"{name}: years: expected a mapping of year -> {{holidays: [...], workdays: [...]}}")
    for key, spec in whole.items():
        year = _year(key, name)
        spec = spec or {}
        if not isinstance(spec, dict) or any(k not in ("holidays", "workdays") for k in spec):
            raise XukeError(f"{name}: years.{key}: expected {{holidays: [...], workdays: [...]}}")
        where = f"years.{key}."
        rest = _dates(spec.get("holidays"), f"{where}holidays", name)
        work = _dates(spec.get("workdays"), f"{where}workdays", name)
        _no_overlap(rest, work, where, name)
        for label, days in (("holidays", rest), ("workdays", work)):
            for at, d in days.items():
                if d.year != year:
                    raise XukeError(f"{name}: {where}{label}[{at}]: {d} is not in {year}")
        years[year] = (set(rest.values()), set(work.values()))

    rest = _dates(data.get("holidays"), "holidays", name)
    work = _dates(data.get("workdays"), "workdays", name)
    _no_overlap(rest, work, "", name)
    for label, days, add in (("holidays", rest, 0), ("workdays", work, 1)):
        for at, d in days.items():
            if d.year not in years:
                raise XukeError(
                    f"{name}: {label}[{at}]: {d}: year {d.year} is not covered; declare it under years: {d.year}"
                )
            year_rest, year_work = years[d.year]
            # Keep only exceptions to Monday-Friday, whichever list the day came from.
            year_rest.discard(d)
            year_work.discard(d)
            if add == 0 and d.weekday() < 5:
                year_rest.add(d)
            elif add == 1 and d.weekday() >= 5:
                year_work.add(d)


def _year(key: object, name: str) -> int:
    try:
        year = int(key)  # YAML gives 2027 as int; "2027" quoted is fine too
    except (TypeError, ValueError):
        raise XukeError(f"{name}: years: bad year {key!r}") from None
    if isinstance(key, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise XukeError(f"{name}: years: year {key!r} outside {MIN_YEAR}..{MAX_YEAR}")
    return year


def _dates(items: object, label: str, name: str) -> dict[int, date]:
    """Position in the list -> date, so that errors can say holidays[3]."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise XukeError(f"{name}: {label}: expected a list of dates")
    out = {}
    for i, item in enumerate(items):
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            raise XukeError(f"{name}: {label}[{i}]: bad date {item!r}")
        try:
            out[i] = parse_date(item)
        except ValueError as e:
            raise XukeError(f"{name}: {label}[{i}]: {e}") from None
    return out


def _no_overlap(rest: dict[int, date], work: dict[int, date], where: str, name: str) -> None:
    both = sorted(set(rest.values()) & set(work.values()))
    if both:
        raise XukeError(f"{name}: {where}{both[0]} is listed both in holidays and workdays")
