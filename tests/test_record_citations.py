"""The record packs cite what docs/legal-basis.md verified against the statute: each record
rule's `cites` equals, string for string and in order, the rule's entry in the YAML appendix
after `<!-- legal-basis:citations -->`, so the two cannot drift apart. Every record rule of
RULES.md section 1 (v1 and v2) is in the packs, and nothing in them cites an article the
appendix does not hold."""
import re

import pytest
import yaml
from conftest import ROOT
from xuke.jobs.loader import load

RECORD_PACKS = ["common", "licensing_law", "six_systems", "four_prohibitions"]


def appendix() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "legal-basis.md").read_text(encoding="utf-8")
    after = text.split("<!-- legal-basis:citations -->", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", after, re.S).group(1)
    return yaml.safe_load(block)


@pytest.fixture(scope="module")
def record_rules():
    base = load([ROOT / "rules" / f"{name}.rules" for name in RECORD_PACKS])
    return {rid: info.rule for rid, info in base.rules.items() if info.rule.reports}


def test_every_record_rule_of_the_appendix_is_in_the_packs(record_rules):
    wanted = {rid for rid in appendix() if not rid.startswith("DOC-")}
    assert sorted(wanted - set(record_rules)) == []
    assert sorted(set(record_rules) - wanted) == [], "a reporting rule the appendix does not verify"


def test_record_rules_cite_exactly_the_verified_strings(record_rules):
    verified = appendix()
    wrong = {rid: (list(rule.cites), verified[rid]) for rid, rule in record_rules.items()
             if list(rule.cites) != verified[rid]}  # fmt: skip
    assert wrong == {}


def test_no_record_rule_cites_the_2003_numbering_of_article_72(record_rules):
    # 72(5) is 商业秘密 and 72(6) 转让技术 since 2019: no record rule is about either
    for rid, rule in record_rules.items():
        for cite in rule.cites:
            assert "第七十二条第（五）项" not in cite and "第七十二条第（六）项" not in cite, (rid, cite)


def test_the_header_says_which_text_it_cites():
    source = (ROOT / "rules" / "licensing_law.rules").read_text(encoding="utf-8")
    assert source.startswith('pack licensing_law "《中华人民共和国行政许可法》办件审查规则" version "2019-04-23"')
