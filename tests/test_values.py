from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xuke.domain.schema import BUILTIN_SCHEMAS
from xuke.domain.values import normalise, normalise_text, parse_amount, parse_bool, parse_date, parse_int

FIELDS = BUILTIN_SCHEMAS["record"].fields
D = date(2025, 3, 3)


# ---- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2025-03-03",
        "2025/3/3",
        "2025/03/03",
        "2025.3.3",
        "2025年3月3日",
        "2025年03月03日",
        "2025 年 3 月 3 日",
        "20250303",
        "2025-03-03 14:22:05",
        "2025-03-03 14:22",
        "2025-03-03T14:22:05",
        "2025-03-03T14:22:05.123456",
        "2025-03-03T14:22:05Z",
        "2025-03-03T23:30:00+08:00",
        "2025/3/3 9:05",
        "2025年3月3日 14:22",
        "2025年3月3日14:22",
        "20250303T142205",
        "２０２５－０３－０３",
        "２０２５年３月３日",
        " 2025-03-03 ",
        "2025 / 3 / 3",
        "\u30002025-3-3\u3000",
        D,
        datetime(2025, 3, 3, 23, 59),
        45719,  # Excel serial
        45719.75,  # serial with a time of day
        20250303,  # YYYYMMDD typed into a number cell
    ],
)
def test_parse_date_accepts(raw):
    assert parse_date(raw) == D


@pytest.mark.parametrize(
    "raw,reason",
    [
        ("2025-02-30", "bad date '2025-02-30'"),
        ("2025/2/29", "bad date '2025/2/29'"),
        ("2025年13月1日", "bad date"),
        ("20250230", "bad date"),
        ("2025-3/3", "bad date"),  # mixed separators
        ("2025-W10-1", "bad date"),  # ISO week date: not a format exports use
        ("45719", "bad date"),  # digits in text are not serials
        ("2025-03-03 25:00", "bad time"),
        ("2025-03-03 14:61", "bad time"),
        ("2025年3月314:22", "bad date"),
        ("yesterday", "bad date"),
        ("", "bad date"),
        ("1900-01-01", "implausible year 1900"),
        ("1948-12-31", "implausible year"),
        ("2101-01-01", "implausible year"),
        ("0025-03-03", "implausible year"),
        (date(1800, 1, 1), "implausible year"),
        (1, "implausible year"),  # serial 1 = 1900-01-01
        (30000101, "implausible year"),
        (-5, "bad date"),
        (float("nan"), "bad date"),
        (True, "bad date"),
        ([2025, 3, 3], "bad date"),
    ],
)
def test_parse_date_rejects(raw, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        parse_date(raw)


def test_parse_date_boundaries():
    assert parse_date("1949-01-01") == date(1949, 1, 1)
    assert parse_date("2100-12-31") == date(2100, 12, 31)
    assert parse_date("2024-02-29") == date(2024, 2, 29)  # leap year
    assert parse_date(17899) == date(1949, 1, 1)  # Excel serials at the plausible range's ends
    assert parse_date(73415) == date(2100, 12, 31)
    with pytest.raises(ValueError, match="implausible year 1948"):
        parse_date(17898)


@given(st.dates(date(1949, 1, 1), date(2100, 12, 31)))
def test_parse_date_formats_agree(d):
    forms = [
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        d.strftime("%Y%m%d"),
    ]
    assert {parse_date(f) for f in forms} == {d}
    assert parse_date((d - date(1899, 12, 30)).days) == d


# ---- booleans ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["是", "有", "Y", "y", "yes", "YES", "Yes", "true", "TRUE", "True", "1", " 是 ", "Ｙ", True, 1, 1.0],
)
def test_parse_bool_true(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize(
    "raw", ["否", "无", "N", "n", "no", "NO", "false", "FALSE", "0", "０", False, 0, 0.0]
)
def test_parse_bool_false(raw):
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["", "x", "是的", "2", "对", 2, 0.5, None])
def test_parse_bool_rejects(raw):
    with pytest.raises(ValueError, match="bad boolean"):
        parse_bool(raw)


# ---- integers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("3", 3),
        ("0", 0),
        ("３", 3),
        ("3次", 3),
        ("3天", 3),
        ("3 天", 3),
        ("20个工作日", 20),
        ("二十", 20),
        ("两", 2),
        ("1,000", 1000),
        ("3.0", 3),
        ("-3", -3),
        ("＋3", 3),
        (3, 3),
        (3.0, 3),
        (Decimal("3"), 3),
    ],
)
def test_parse_int(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["", "3.5", "abc", "三个月", "3 4", True, 3.5, float("inf"), None])
def test_parse_int_rejects(raw):
    with pytest.raises(ValueError, match="bad integer"):
        parse_int(raw)


# ---- amounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("1500", "1500"),
        ("1,500.00", "1500"),
        ("1,234,567.5", "1234567.5"),
        ("￥80", "80"),
        ("¥80", "80"),
        ("￥ 80.50", "80.5"),
        ("35元", "35"),
        ("35.00 元", "35"),
        ("1.5万元", "15000"),
        ("2万", "20000"),
        ("１５００", "1500"),
        ("八十元", "80"),
        ("RMB 80", "80"),
        ("0", "0"),
        (".5", "0.5"),
        (80, "80"),
        (0.1, "0.1"),
        (Decimal("12.30"), "12.30"),
        ("1000000000000", "1000000000000"),  # 1e12 is the limit, inclusive
    ],
)
def test_parse_amount(raw, expected):
    value = parse_amount(raw)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize(
    "raw,reason",
    [
        ("abc", "bad amount"),
        ("1e3", "bad amount"),
        ("NaN", "bad amount"),
        ("Infinity", "bad amount"),
        ("1,50", "bad amount"),
        ("", "bad amount"),
        ("80美元", "bad amount"),
        ("-5", "negative amount"),
        ("￥-5", "negative amount"),
        (-0.5, "negative amount"),
        ("1000000000001", "implausible amount"),
        ("2亿万", "bad amount"),
        (1e13, "implausible amount"),
        (float("nan"), "bad amount"),
        (True, "bad amount"),
    ],
)
def test_parse_amount_rejects(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_amount(raw)


# ---- text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("  市场监管局 ", "市场监管局"),
        ("第一\u3000\u3000窗口", "第一 窗口"),
        ("a \t\n b", "a b"),
        ("ＡＢ１２３", "AB123"),
        ("ｘｙｚ", "xyz"),
        ("（一）、，：", "（一）、，："),  # CJK punctuation is meaningful and stays
        ("A\u200b1", "A1"),  # zero-width junk goes
        ("", ""),
        (2025001, "2025001"),
        (2025001.0, "2025001"),
    ],
)
def test_normalise_text(raw, expected):
    assert normalise_text(raw) == expected


@given(st.text())
def test_normalise_text_is_idempotent(s):
    once = normalise_text(s)
    assert normalise_text(once) == once
    assert once == once.strip()
    assert "  " not in once


# ---- per-field normalise -------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—", "——", "/", "无", "null", "N/A", " - ", "\u3000"])
@pytest.mark.parametrize("field", ["received_at", "supplement_notices", "fee_amount"])
def test_null_markers_for_typed_fields(field, raw):
    assert normalise(FIELDS[field], raw) is None


def test_text_nulls_are_only_blank():
    spec = FIELDS["fee_basis"]
    assert normalise(spec, "") is None
    assert normalise(spec, " \u3000 ") is None
    assert normalise(spec, None) is None
    assert normalise(spec, "无") == "无"
    assert normalise(spec, "-") == "-"


def test_bool_field_nulls_and_wu():
    spec = FIELDS["materials_complete"]
    assert normalise(spec, "") is None
    assert normalise(spec, "-") is None
    assert normalise(spec, "无") is False  # 有/无 is a boolean pair, not a null
    assert normalise(spec, "有") is True


def test_choices():
    spec = FIELDS["loss"]
    assert normalise(spec, "无") == "无"  # a real answer for loss
    assert normalise(spec, " 重大 ") == "重大"
    assert normalise(spec, "") is None
    with pytest.raises(ValueError, match="'特别重大' is not one of 无 / 一般 / 重大"):
        normalise(spec, "特别重大")
    with pytest.raises(ValueError, match="not one of 受理 / 不予受理"):
        normalise(FIELDS["acceptance"], "已受理")


def test_counts_reject_negative():
    with pytest.raises(ValueError, match="negative value"):
        normalise(FIELDS["supplement_notices"], "-1")
    with pytest.raises(ValueError, match="negative value"):
        normalise(FIELDS["suspended_days"], -3)
    assert normalise(FIELDS["transfers"], "两次") == 2


def test_typed_values_pass_through():
    assert normalise(FIELDS["received_at"], datetime(2025, 3, 3, 8)) == D
    assert normalise(FIELDS["received_at"], "2025/3/3") == D
    assert normalise(FIELDS["published"], True) is True
    assert normalise(FIELDS["fee_amount"], 80) == Decimal(80)
    assert normalise(FIELDS["case_id"], 2025001) == "2025001"
    assert normalise(FIELDS["case_id"], " XK-2025-001 ") == "XK-2025-001"


def test_errors_name_the_value():
    with pytest.raises(ValueError, match=r"^bad date '2025-02-30'$"):
        normalise(FIELDS["decided_at"], "2025-02-30")


@pytest.mark.parametrize("text", ["9" * 5000, "1" * 19, "-" + "2" * 4301, "１" * 30])
def test_enormous_digit_runs_are_implausible_in_a_short_reason(text):
    with pytest.raises(ValueError, match="implausible number") as e:
        parse_int(text)
    assert len(str(e.value)) < 120
