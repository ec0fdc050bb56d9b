"""rules/data/national_laws.csv and the module that reads it (xuke.domain.national_laws)."""
from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.domain import national_laws as nl

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "rules" / "data"
CSV_PATH = DATA / "national_laws.csv"
SCRIPT = DATA / "refresh_national_laws.py"
MIRROR = Path("/work/.mirror/LawRefBook+Laws/repo")


def rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- the data file


def test_csv_loads_with_the_documented_columns():
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == nl.COLUMNS
    table = nl.load()
    assert len(table) == len(rows())
    assert nl.load() is table  # cached


def test_counts_by_rank():
    ranks = Counter(r["rank"] for r in rows())
    assert ranks["法律"] > 250
    assert ranks["行政法规"] > 500
    assert set(ranks) <= nl.LAW_RANKS


def test_titles_unique_sorted_and_every_title_finds_itself():
    data = rows()
    titles = [r["title"] for r in data]
    assert len(titles) == len(set(titles))
    assert titles == sorted(titles)
    table = nl.load()
    for law in table:
        assert table.lookup(law.title) is law, law.title
        assert law.short == (law.title[len("中华人民共和国"):] if law.title.startswith("中华人民共和国") else law.title)


def test_fields_are_consistent():
    for law in nl.load():
        assert law.status in {"有效", "已废止", "已被替代"}, law.title
        assert law.source, law.title
        if law.status == "已被替代":
            assert law.replaced_by, law.title
        if law.status == "有效":
            assert law.repealed is None or law.repealed > dt.date(2025, 1, 1), law.title
        if law.enacted and law.latest:
            assert law.enacted <= law.latest, law.title


@pytest.mark.parametrize(
    "title, rank, status, enacted, latest",
    [
        ("中华人民共和国行政许可法", "法律", "有效", None, dt.date(2019, 4, 23)),
        ("公平竞争审查条例", "行政法规", "有效", dt.date(2024, 6, 6), None),
        ("优化营商环境条例", "行政法规", "有效", dt.date(2019, 10, 22), dt.date(2019, 10, 22)),
        ("中华人民共和国立法法", "法律", "有效", None, dt.date(2023, 3, 13)),
        ("国务院对确需保留的行政审批项目设定行政许可的决定", "国务院决定", "有效", dt.date(2004, 6, 29), None),
    ],
)
def test_known_facts(title, rank, status, enacted, latest):
    law = nl.lookup(title)
    assert law is not None and law.title == title
    assert (law.rank, law.status) == (rank, status)
    if enacted:
        assert law.enacted == enacted
    if latest:
        assert law.latest == latest
    assert nl.is_national_law_or_regulation(title)


def test_contract_law_was_replaced_by_the_civil_code():
    law = nl.lookup("合同法")
    assert law.title == "中华人民共和国合同法"
    assert law.status == "已被替代"
    assert law.repealed == dt.date(2021, 1, 1)
    assert law.replaced_by == "中华人民共和国民法典"
    assert law.in_force_on(dt.date(2020, 12, 31))
    assert not law.in_force_on(dt.date(2021, 1, 1))
    assert not nl.is_national_law_or_regulation("《合同法》")
    assert nl.is_national_law_or_regulation("《合同法》", on=dt.date(2015, 6, 1))
    for old in ("物权法", "民法通则", "婚姻法", "继承法", "担保法", "侵权责任法", "民法总则", "收养法"):
        assert nl.lookup(old).replaced_by == "中华人民共和国民法典", old


def test_superseded_chains_and_repealed_regulations():
    assert nl.lookup("经济合同法").replaced_by == "中华人民共和国合同法"
    assert nl.lookup("行政复议条例").replaced_by == "中华人民共和国行政复议法"
    assert nl.lookup("农业税条例").repealed == dt.date(2006, 1, 1)
    assert nl.lookup("公司登记管理条例").replaced_by == "中华人民共和国市场主体登记管理条例"
    assert nl.lookup("城市房屋拆迁管理条例").replaced_by == "国有土地上房屋征收与补偿条例"
    assert not nl.is_national_law_or_regulation("城市房屋拆迁管理条例", on=dt.date(2012, 1, 1))
    assert nl.is_national_law_or_regulation("城市房屋拆迁管理条例", on=dt.date(2005, 1, 1))


def test_not_in_force_before_enactment():
    law = nl.lookup("公平竞争审查条例")
    assert not law.in_force_on(dt.date(2020, 1, 1))
    assert law.in_force_on(dt.datetime(2025, 1, 1, 12, 0))
    assert law.in_force_on("2025-01-01")
    assert not law.in_force_on("not a date")
    assert not law.in_force_on(object())


# --------------------------------------------------------------------------- lookup normalisation


@pytest.mark.parametrize(
    "text, title",
    [
        ("《中华人民共和国行政许可法》", "中华人民共和国行政许可法"),
        ("行政许可法（2019年修正）", "中华人民共和国行政许可法"),
        ("《行政许可法》(2019年修正)", "中华人民共和国行政许可法"),
        ("中华人民共和国行政许可法（2018修订）", "中华人民共和国行政许可法"),
        (" 《 中华人民共和国 行政许可法 》 ", "中华人民共和国行政许可法"),
        ("《行政许可法》第十四条", "中华人民共和国行政许可法"),
        ("《城镇燃气管理条例》", "城镇燃气管理条例"),
        ("城镇燃气管理条例(试行)", "城镇燃气管理条例"),
        ("《优化营商环境条例》（国务院令第722号）", "优化营商环境条例"),
        ("《中华人民共和国企业破产法（试行）》", "中华人民共和国企业破产法（试行）"),
        ("《刑法修正案（十一）》", "中华人民共和国刑法修正案（十一）"),
        ("国务院实施〈民族区域自治法〉若干规定", "国务院实施《中华人民共和国民族区域自治法》若干规定"),
    ],
)
def test_lookup_normalises(text, title):
    law = nl.lookup(text)
    assert law is not None and law.title == title


@pytest.mark.parametrize(
    "text",
    ["《浙江省城镇燃气管理条例》", "《XX市收费管理办法》", "浙江省城镇燃气管理条例（2019年修正）", "", None, 42, "《》",
     "x" * 10_000, "《" * 5000],
)
def test_lookup_rejects(text):
    assert nl.lookup(text) is None
    assert nl.rank(text) is None
    assert nl.is_national_law_or_regulation(text) is False


def test_rank():
    assert nl.rank("《行政许可法》") == "法律"
    assert nl.rank("城镇燃气管理条例") == "行政法规"
    assert nl.rank("全国人民代表大会常务委员会关于司法鉴定管理问题的决定") == "法律问题的决定"


def test_titles_in():
    text = "依据《中华人民共和国行政许可法》第十四条、《XX市收费管理办法》和《国务院关于实施《中华人民共和国公司法》注册资本登记管理制度的规定》，另见《未闭合"
    found = nl.titles_in(text)
    assert [t for t, _, _, _ in found] == [
        "中华人民共和国行政许可法", "XX市收费管理办法", "国务院关于实施《中华人民共和国公司法》注册资本登记管理制度的规定",
    ]
    for title, _law, start, end in found:
        assert text[start:end] == f"《{title}》"
    assert found[0][1].rank == "法律"
    assert found[1][1] is None
    assert found[2][1].rank == "行政法规"
    assert nl.titles_in(None) == []
    assert nl.titles_in("") == []
    assert nl.titles_in("《" * 10_000) == []


def test_explicit_path(tmp_path):
    small = tmp_path / "laws.csv"
    small.write_text(",".join(nl.COLUMNS) + "\n中华人民共和国测试法,测试法,法律,有效,2020-01-01,2020-01-01,,,here\n",
                     encoding="utf-8")
    assert nl.lookup("测试法", path=small).title == "中华人民共和国测试法"
    assert nl.lookup("行政许可法", path=small) is None
    bad = tmp_path / "bad.csv"
    bad.write_text("title,rank\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected columns"):
        nl.load(bad)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="《》〈〉()（）中华人民共和国法条例第十四2019年修正试行 \n\t"),
                 st.none(), st.integers(), st.binary()))
def test_lookup_never_raises(value):
    law = nl.lookup(value)
    assert law is None or isinstance(law, nl.Law)
    nl.rank(value)
    nl.is_national_law_or_regulation(value)
    for title, found, start, end in nl.titles_in(value):
        assert value[start:end] == f"《{title}》"
        assert found is None or isinstance(found, nl.Law)


# --------------------------------------------------------------------------- the refresh script


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_refresh_script_rejects_a_wrong_path(tmp_path):
    for bad in (tmp_path / "missing", tmp_path):
        out = run_script(str(bad), "-o", str(tmp_path / "out.csv"))
        assert out.returncode == 2
        assert len(out.stderr.strip().splitlines()) == 1
        assert "error" in out.stderr


@pytest.mark.skipif(not MIRROR.is_dir(), reason=f"no LawRefBook/Laws snapshot at {MIRROR} (as on CI)")
def test_refresh_script_is_deterministic_and_matches_the_shipped_csv(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for target in (first, second):
        out = run_script(str(MIRROR), "-o", str(target))
        assert out.returncode == 0, out.stderr
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == CSV_PATH.read_bytes()
