"""End to end over the policy fixtures: `lint` finds exactly the hand-labelled findings of
each draft (fixtures/policies/*.expected.yaml), finding by finding (rule, line; and the
element for a guide's gaps), nothing missing and nothing extra; the traps stay silent;
and `xuke lint --annotate` writes one Word comment per finding on the right paragraph."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest
import yaml
from conftest import ROOT
from docx.oxml.ns import qn
from xuke.ir.compiler import compile_rules
from xuke.jobs.lint import lint_files
from xuke.jobs.loader import load
from xuke.run.runtime import CompiledProgram
from xuke.sources.documents import docx_paragraphs

FIXTURES = ROOT / "fixtures" / "policies"
EXPECTED = sorted(FIXTURES.glob("*.expected.yaml"))
AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def linted(calendar):
    """Every fixture draft linted once, with the standard packs: file name -> findings."""
    base = load([ROOT / "rules"])
    program = CompiledProgram(compile_rules(base))
    result = lint_files(base, [FIXTURES], calendar, program=program, as_of=AS_OF)
    out: dict[str, list] = {}
    for f in result.findings:
        out.setdefault(Path(f.file).name, []).append(f)
    return out


def element(f) -> str | None:
    m = re.search(r"缺少要素「(.+?)」", f.message) if f.rule == "DOC-30-GUIDE" else None
    return m.group(1) if m else None


def key(f) -> tuple:
    return (f.rule, f.line, element(f))


def expected_keys(label: dict) -> list[tuple]:
    return sorted(((e["rule"], e["line"], e.get("element")) for e in label["findings"]), key=repr)


def _label(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


LABELS = [pytest.param(p, _label(p), id=p.name) for p in EXPECTED]


def test_every_draft_has_its_labels():
    drafts = {
        p.name for p in FIXTURES.iterdir() if p.suffix in (".txt", ".md", ".docx") and p.name != "README.md"
    }
    labelled = {_label(p)["file"] for p in EXPECTED}
    assert drafts == labelled and len(labelled) == 7


@pytest.mark.parametrize("path,label", LABELS)
def test_findings_are_exactly_the_labels(linted, path, label):
    got = sorted((key(f) for f in linted.get(label["file"], [])), key=repr)
    want = expected_keys(label)
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    assert not missing and not extra, f"missing {missing}, extra {extra}"
    assert got == want  # and no finding twice


@pytest.mark.parametrize("path,label", LABELS)
def test_traps_stay_silent_and_findings_quote_the_labelled_words(linted, path, label):
    findings = linted.get(label["file"], [])
    for trap in label.get("traps", []):
        fired = {f.rule for f in findings if f.line == trap["line"]}
        assert not fired & set(trap["not"]), (trap["line"], trap.get("why"))
    for e in label["findings"]:
        if e["line"] is None:
            continue
        (f,) = [f for f in findings if (f.rule, f.line) == (e["rule"], e["line"])]
        assert e["quote"] in f.text, (e, f.text)
        quoted = re.search(r"「([^」]+)」", f.message).group(1)
        assert quoted in f.text
        # the quoted words and the labelled words are about the same place in the clause
        assert set(quoted) & set(e["quote"]), (quoted, e["quote"])
        if "article" in e:
            assert f.article == e["article"]


def _comments_by_paragraph(path: Path) -> list[tuple[str, int]]:
    """(rule, paragraph number) of every comment, numbered as the document reader numbers."""
    document = docx.Document(str(path))
    rules = {c.comment_id: c.text.split("]", 1)[0].lstrip("[") for c in document.comments}
    out = []
    for number, paragraph in enumerate(docx_paragraphs(document), 1):
        for start in paragraph._p.iter(qn("w:commentRangeStart")):
            out.append((rules[int(start.get(qn("w:id")))], number))
    assert len(out) == len(rules)
    return sorted(out)


def test_annotate_writes_one_comment_per_finding(tmp_path):
    draft = FIXTURES / "street_stall_rules.docx"
    out_docx, out_json = tmp_path / "reviewed.docx", tmp_path / "lint.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "lint", str(draft), "--annotate", str(out_docx),
         "--format", "json", "-o", str(out_json)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # errors found: exit 1 (--fail-on error)
    findings = json.loads(out_json.read_text(encoding="utf-8"))["findings"]
    label = _label(FIXTURES / "street_stall_rules.expected.yaml")
    assert sorted((f["rule"], f["line"]) for f in findings) == sorted(
        (e["rule"], e["line"]) for e in label["findings"]
    )
    # one comment per finding, and one summary comment on the first paragraph
    assert _comments_by_paragraph(out_docx) == sorted([("xuke", 1)] + [(f["rule"], f["line"]) for f in findings])
    texts = [c.text for c in docx.Document(str(out_docx)).comments if not c.text.startswith("[xuke]")]
    assert len(texts) == len(findings) and all("依据：《行政许可法》" in t for t in texts)
    # the draft's own text is unchanged
    before = [p.text for p in docx_paragraphs(docx.Document(str(draft)))]
    after = [p.text for p in docx_paragraphs(docx.Document(str(out_docx)))]
    assert before == after
