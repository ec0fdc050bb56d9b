from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.domain.calendar import WorkCalendar
from xuke.errors import CalendarError, XukeError

CAL = WorkCalendar.load()
PKG_FIRST = min(chinese_calendar.holidays).year
PKG_LAST = max(chinese_calendar.holidays).year
covered_dates = st.dates(date(PKG_FIRST, 1, 1), date(PKG_LAST, 12, 31))


def test_covered_years_come_from_the_package():
    assert CAL.years == set(range(PKG_FIRST, PKG_LAST + 1))
    assert {2004, 2024, 2025} <= CAL.years


@pytest.mark.parametrize(
    "day,working",
    [
        # 2025 春节: 1-28 .. 2-04 off; Sunday 1-26 and Saturday 2-08 are 调休 working days
        (date(2025, 1, 26), True),
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),
        (date(2025, 1, 31), False),
        (date(2025, 2, 3), False),
        (date(2025, 2, 4), False),
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),
        (date(2025, 2, 9), False),
        # 2025 国庆 + 中秋: 10-01 .. 10-08 off; Sunday 9-28 and Saturday 10-11 working
        (date(2025, 9, 28), True),
        (date(2025, 10, 1), False),
        (date(2025, 10, 8), False),
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),
        # 2024: Saturday 10-12 was a 调休 working day
        (date(2024, 10, 12), True),
        (date(2024, 10, 13), False),
        # plain weeks
        (date(2025, 3, 3), True),
        (date(2025, 3, 8), False),
    ],
)
def test_known_days(day, working):
    assert CAL.is_workday(day) is working


def test_workdays_boundaries():
    # March 2025 has no holiday: 21 weekdays, of which 3-03 itself is not counted.
    assert CAL.workdays(date(2025, 3, 3), date(2025, 3, 31)) == 20
    assert CAL.workdays(date(2025, 3, 3), date(2025, 3, 3)) == 0
    assert CAL.workdays(date(2025, 3, 3), date(2025, 3, 4)) == 1
    assert CAL.workdays(date(2025, 3, 7), date(2025, 3, 9)) == 0  # Fri -> Sun
    assert CAL.workdays(date(2025, 3, 31), date(2025, 3, 3)) == -20
    # Across 春节 2025: Sunday 1-26 works, 1-28 .. 2-04 do not.
    assert CAL.workdays(date(2025, 1, 24), date(2025, 1, 27)) == 2
    assert CAL.workdays(date(2025, 1, 27), date(2025, 2, 5)) == 1
    # Across a year boundary: 2024-12-31 (Tue) -> 2025-01-02: 1-01 is 元旦.
    assert CAL.workdays(date(2024, 12, 31), date(2025, 1, 2)) == 1


def test_accepts_datetimes():
    from datetime import datetime

    assert CAL.workdays(datetime(2025, 3, 3, 17, 0), datetime(2025, 3, 4, 9, 0)) == 1


def test_naive_agreement_on_a_whole_year():
    a = date(2025, 1, 1)
    for k in range(365):
        b = a + timedelta(days=k)
        assert CAL.is_workday(b) == chinese_calendar.is_workday(b)


@settings(max_examples=200, deadline=None)
@given(covered_dates, covered_dates, covered_dates)
def test_additivity(a, b, c):
    assert CAL.workdays(a, b) + CAL.workdays(b, c) == CAL.workdays(a, c)
    assert CAL.workdays(a, b) == -CAL.workdays(b, a)


@settings(max_examples=100, deadline=None)
@given(covered_dates, st.integers(-400, 400))
def test_agrees_with_naive_loop(a, span):
    b = a + timedelta(days=span)
    if b.year not in CAL.years:
        return
    lo, hi = sorted((a, b))
    naive = sum(chinese_calendar.is_workday(lo + timedelta(days=k)) for k in range(1, (hi - lo).days + 1))
    assert CAL.workdays(a, b) == (naive if b >= a else -naive)


def test_uncovered_years_are_errors():
    with pytest.raises(CalendarError) as e:
        CAL.is_workday(date(PKG_LAST + 1, 3, 3))
    assert e.value.year == PKG_LAST + 1
    assert "--calendar" in str(e.value)
    with pytest.raises(CalendarError) as e:
        CAL.workdays(date(PKG_LAST, 12, 1), date(PKG_LAST + 1, 1, 5))
    assert e.value.year == PKG_LAST + 1
    with pytest.raises(CalendarError) as e:
        CAL.workdays(date(PKG_FIRST - 1, 12, 1), date(PKG_FIRST, 1, 5))
    assert e.value.year == PKG_FIRST - 1


# ---- overrides ------------------------------------------------------------------------


def write(tmp_path, text, name="calendar.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_corrections_on_covered_years(tmp_path):
    cal = WorkCalendar.load(
        write(
            tmp_path,
            "holidays: [2025-03-04, '2025/1/26']   # a local day off; cancel a 调休 Sunday\n"
            "workdays: [2025-03-08]               # a Saturday made a working day\n",
        )
    )
    assert not cal.is_workday(date(2025, 3, 4))
    assert not cal.is_workday(date(2025, 1, 26))
    assert cal.is_workday(date(2025, 3, 8))
    assert cal.workdays(date(2025, 3, 3), date(2025, 3, 31)) == 20 - 1 + 1
    assert cal.is_workday(date(2025, 3, 5))  # everything else as before


def test_whole_years(tmp_path):
    cal = WorkCalendar.load(
        write(
            tmp_path,
            f"years:\n  {PKG_LAST + 1}:\n    holidays: [{PKG_LAST + 1}-01-01]\n"
            f"    workdays: [{PKG_LAST + 1}-01-03]\n  2099: {{}}\n",
        )
    )
    y = PKG_LAST + 1
    assert y in cal.years and 2099 in cal.years
    assert not cal.is_workday(date(y, 1, 1))
    assert cal.is_workday(date(y, 1, 3)) is True
    jan4 = date(y, 1, 4)
    assert cal.is_workday(jan4) is (jan4.weekday() < 5)  # no list: Monday-Friday
    # The package year and the declared year form one run: spans across them work.
    assert cal.workdays(date(y - 1, 12, 31), date(y, 1, 2)) == int(date(y, 1, 2).weekday() < 5)
    # 2099 is covered, the years between are not.
    assert cal.is_workday(date(2099, 6, 1)) is True  # a Monday
    with pytest.raises(CalendarError) as e:
        cal.workdays(date(y, 6, 1), date(2099, 6, 1))
    assert e.value.year == y + 1


def test_years_replace_package_data(tmp_path):
    cal = WorkCalendar.load(data={"years": {2025: {"holidays": [], "workdays": []}}})
    assert cal.is_workday(date(2025, 10, 1))  # the declared 2025 has no holidays at all
    assert not cal.is_workday(date(2025, 9, 28))
    assert not cal.is_workday(date(2024, 10, 1))  # other years untouched


def test_data_mapping_and_empty_file(tmp_path):
    assert WorkCalendar.load(data={"workdays": ["2025-03-08"]}).is_workday(date(2025, 3, 8))
    assert WorkCalendar.load(write(tmp_path, "")).years == CAL.years


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "holidays: [2025-10-01, 2025-10-02, 2025-10-03, 2027-13-01]\n",
            "calendar.yaml: holidays[3]: bad date '2027-13-01'",
        ),
        ("holidays: ['2025-10-01', '2027-13-01']\n", "calendar.yaml: holidays[1]: bad date '2027-13-01'"),
        (
            "years:\n  2027:\n    workdays: [2027-02-30]\n",
            "calendar.yaml: years.2027.workdays[0]: bad date '2027-02-30'",
        ),
        ("holidays: [20251001]\n", "calendar.yaml: holidays[0]: bad date 20251001"),
        ("holidays: 2025-10-01\n", "calendar.yaml: holidays: expected a list of dates"),
        ("holiday: [2025-10-01]\n", "calendar.yaml: unknown key 'holiday'"),
        ("- 2025-10-01\n", "calendar.yaml: expected a mapping"),
        ("holidays: [2025-10-09]\nworkdays: [2025-10-09]\n", "listed both in holidays and workdays"),
        (
            "holidays: [2030-01-02]\n",
            "holidays[0]: 2030-01-02: year 2030 is not covered; declare it under years: 2030",
        ),
        ("years:\n  2027: {holidays: [2026-12-31]}\n", "years.2027.holidays[0]: 2026-12-31 is not in 2027"),
        ("years:\n  1800: {}\n", "years: year 1800 outside 1949..2100"),
        ("years:\n  abc: {}\n", "years: bad year 'abc'"),
        ("years:\n  2027: [2027-01-01]\n", "years.2027: expected {holidays"),
        ("years: [2027]\n", "years: expected a mapping"),
        ("holidays: [2025-10-01\n", "calendar.yaml: line 2: bad YAML"),
        ("holidays: [1900-01-01]\n", "holidays[0]: implausible year 1900"),
    ],
)
def test_bad_override_files(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    with pytest.raises(XukeError) as e:
        WorkCalendar.load("calendar.yaml")
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_missing_override_file(tmp_path):
    with pytest.raises(XukeError, match="cannot read calendar file"):
        WorkCalendar.load(str(tmp_path / "nope.yaml"))
