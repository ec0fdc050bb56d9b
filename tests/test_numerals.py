import pytest
from hypothesis import given
from hypothesis import strategies as st
from xuke.domain.numerals import parse_number

DIGITS = "零一二三四五六七八九"


def chinese(n: int, liang: bool = False, yi_shi: bool = False) -> str:
    """The standard written form of 0 <= n < 10^8: 一万零五, 十五, 一百一十五.

    liang: 两 for a leading 2 before 百/千/万 (两千); yi_shi: 一十五 instead of 十五."""
    if n == 0:
        return "零"

    def section(v: int, leading: bool) -> str:
        out, zero = [], False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = v // unit % 10
            if d == 0:
                zero = bool(out)
                continue
            if zero:
                out.append("零")
                zero = False
            if d == 1 and unit == 10 and not out and leading and not yi_shi:
                out.append("十")
                continue
            digit = "两" if liang and d == 2 and unit >= 100 and not out else DIGITS[d]
            out.append(digit + name)
        return "".join(out)

    high, low = divmod(n, 10**4)
    if not high:
        return section(low, True)
    text = section(high, True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + section(low, False)
    return text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("0", 0),
        ("7", 7),
        ("25", 25),
        ("１５", 15),
        ("1,500", 1500),
        ("零", 0),
        ("〇", 0),
        ("五", 5),
        ("十", 10),
        ("十五", 15),
        ("一十五", 15),
        ("二十", 20),
        ("二十五", 25),
        ("二十五个", 25),
        ("二十五日", 25),
        ("三十个工作日", 30),
        ("5天", 5),
        ("3次", 3),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十五", 115),
        ("一百五", 150),  # colloquial: 一百五 is 150, not 105
        ("两千", 2000),
        ("两百", 200),
        ("一千零十", 1010),
        ("一千零五十", 1050),
        ("一万", 10000),
        ("一万零五", 10005),
        ("一万五", 15000),
        ("十万", 100000),
        ("两万零五百", 20500),
        ("一百零五万", 1050000),
        ("一亿", 10**8),
        ("二〇二五", 2025),
        ("贰拾伍", 25),
        ("壹佰零伍", 105),
        ("３万", 30000),
        ("1.5万", 15000),
        (" 十五 ", 15),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "abc",
        "个",
        "日",
        "十十",
        "百",
        "千五",
        "万",
        "一二十",
        "一百零",
        "零十",
        "三个月",
        "三年",
        "-3",
        "1.5",
        "1,50",
        "三三两两",
        "十五a",
        None,
        15,
    ],
)
def test_not_a_number(text):
    assert parse_number(text) is None


@given(st.integers(0, 99999), st.booleans(), st.booleans())
def test_round_trip_chinese(n, liang, yi_shi):
    assert parse_number(chinese(n, liang, yi_shi)) == n


@given(st.integers(0, 99999), st.booleans())
def test_round_trip_arabic(n, fullwidth):
    text = str(n)
    if fullwidth:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_number(text) == n
    assert parse_number(text + "个") == n


def test_formatter_sanity():
    # The test's own formatter must produce the standard forms, or the round trip proves little.
    assert [chinese(n) for n in (10, 15, 105, 1010, 10005, 10010, 20500, 99999)] == [
        "十",
        "十五",
        "一百零五",
        "一千零一十",
        "一万零五",
        "一万零一十",
        "二万零五百",
        "九万九千九百九十九",
    ]
    assert chinese(2000, liang=True) == "两千"


@pytest.mark.parametrize("text", ["9" * 5000, "一" * 5000, "1" * 65])
def test_runs_too_long_to_be_a_number_are_none(text):
    # int() refuses beyond 4300 digits; no draft means a number of 65 characters
    assert parse_number(text) is None


def test_lint_survives_enormous_numbers(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    draft = tmp_path / "d.txt"
    draft.write_text("第二条 办理时限为" + "9" * 5000 + "日。\n第" + "1" * 5000 + "条 申请人应当提交材料。\n"
                     + "1" * 5000 + ". 事项\n", encoding="utf-8")  # fmt: skip
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "lint", str(draft)], capture_output=True, text=True)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
