"""Issue #14, the faulty inputs of an outside attack on the CLI (docs/reliability.md, B23, B25):
tracebacks where the contract is one line and exit 2, and the lesser findings.
"""

from __future__ import annotations

import zipfile

import pytest
from bad_inputs.harness import (
    AS_OF,
    CORPUS,
    ROOT,
    assert_clean_error,
    assert_reconciled,
    audit,
    mount_tmpfs,
    run_cli,
)

RECORDS = CORPUS / "records"
DOCUMENTS = CORPUS / "documents"
SMALL = ROOT / "fixtures" / "approvals" / "small.jsonl"

# ---- damaged .xlsx parts: each was a traceback (exit 1) ----

XLSX_DAMAGED = [
    ("broken_workbook_xml.xlsx", "not a readable .xlsx workbook"),
    ("broken_styles_xml.xlsx", "not a readable .xlsx workbook"),
    ("broken_content_types.xlsx", "not a readable .xlsx workbook"),
    ("broken_rels.xlsx", "not a readable .xlsx workbook"),
    ("sheet_id_not_numeric.xlsx", "not a readable .xlsx workbook"),
    ("numfmt_id_not_numeric.xlsx", "not a readable .xlsx workbook"),
    ("numeric_cell_text.xlsx", "sheet 办件, after row 3"),
    ("bad_date_cell.xlsx", "sheet 办件, after row 3"),
    ("shared_string_out_of_range.xlsx", "sheet 办件, after row 3"),
    ("cell_ref_aaaa2.xlsx", "sheet 办件, after row 3"),
    ("row_attr_not_numeric.xlsx", "sheet 办件, after row 3"),
    ("entity_in_workbook.xlsx", "external entity"),
]


@pytest.mark.parametrize(("name", "needle"), XLSX_DAMAGED, ids=[n for n, _ in XLSX_DAMAGED])
def test_damaged_xlsx_part_is_one_line(tmp_path, name, needle):
    run = audit(RECORDS / name, tmp_path, jobs=1)
    assert_clean_error(run, name, needle)
    assert not (tmp_path / "report.json").exists()


def test_damaged_xlsx_part_is_one_line_with_workers(tmp_path):
    run = audit(RECORDS / "numeric_cell_text.xlsx", tmp_path, jobs=2)
    assert_clean_error(run, "numeric_cell_text.xlsx", "not a readable .xlsx workbook")


# ---- lint --annotate on comments with odd ids ----


@pytest.mark.parametrize("name", ["comment_id_text.docx", "comment_id_5000_digits.docx"])
def test_annotate_a_draft_whose_comments_have_odd_ids(tmp_path, name):
    import docx

    out = tmp_path / "reviewed.docx"
    run = run_cli("lint", DOCUMENTS / name, "--annotate", out, "-o", tmp_path / "lint.txt", cwd=tmp_path)
    assert run.returncode == 1, run.describe()
    comments = list(docx.Document(str(out)).comments)
    assert [c.text for c in comments][0] == "请核实"  # the reviewer's own comment is kept
    assert any(c.text.startswith("[DOC-58-FEE]") for c in comments)
    ids = [c.comment_id for c in comments]
    assert len(set(ids)) == len(ids) and all(0 <= i < 2**31 for i in ids)
    # the reviewer's comment still spans its text: its anchors were renumbered with it
    body = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert f'w:commentRangeStart w:id="{ids[0]}"' in body and f'w:commentReference w:id="{ids[0]}"' in body


# ---- a deep --baseline is refused before the audit runs ----


def test_a_100000_deep_baseline_is_refused_before_the_audit(tmp_path):
    base = tmp_path / "deep.json"
    base.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    # an export whose audit would fail on its own (a year no calendar covers): the baseline's
    # error comes first, so the baseline was read before any row
    run = run_cli("audit", RECORDS / "dates_2099.csv", "--as-of", AS_OF, "--jobs", "1", "-o", tmp_path / "r.json",
                  "--baseline", base, cwd=tmp_path)  # fmt: skip
    assert_clean_error(run, "baseline", "nested too deeply")
    run = run_cli("lint", DOCUMENTS / "gbk.txt", "-o", tmp_path / "l.json", "--baseline", base, cwd=tmp_path)
    assert_clean_error(run, "baseline", "nested too deeply")


# ---- --encoding that is not a text encoding a file can be read in ----


@pytest.mark.parametrize("encoding", ["rot13", "hex", "idna", "base64", "punycode", "undefined"])
@pytest.mark.parametrize("command", ["audit", "lint", "explain"])
def test_an_encoding_that_cannot_read_a_file_is_one_line(tmp_path, encoding, command):
    args = {"audit": ["audit", SMALL, "--as-of", AS_OF, "-o", tmp_path / "r.txt"],
            "lint": ["lint", DOCUMENTS / "gbk.txt", "-o", tmp_path / "r.txt"],
            "explain": ["explain", SMALL, "--case", "x", "--as-of", AS_OF]}[command]  # fmt: skip
    run = run_cli(*args, "--encoding", encoding, cwd=tmp_path)
    assert_clean_error(run, f"encoding '{encoding}'")


def test_ordinary_encodings_are_still_accepted(tmp_path):
    run = audit(RECORDS / "gbk.csv", tmp_path, "--encoding", "gbk", jobs=1)
    assert_reconciled(run, read=2, rejected=0)


# ---- lesser ----


def test_xlsx_rejects_name_the_sheet_and_its_row(tmp_path):
    run = audit(RECORDS / "typed_cells.xlsx", tmp_path, jobs=1)
    assert_reconciled(run, read=13, rejected=10)
    assert all(r["sheet"] == "办件" for r in run.rejects)
    # data row 3 is the sheet's row 4 (the header is row 1)
    assert [(r["row"], r["sheet_row"]) for r in run.rejects][:2] == [(3, 4), (4, 5)]
    csv = audit(RECORDS / "dup_ids.csv", tmp_path, jobs=1)
    assert all("sheet" not in r for r in csv.rejects)


@pytest.fixture
def tiny_fs(tmp_path):
    d = tmp_path / "tiny"
    d.mkdir()
    if not mount_tmpfs(d, "8k"):
        pytest.skip("needs root to mount a tmpfs")
    try:
        yield d
    finally:
        import subprocess

        subprocess.run(["umount", str(d)], capture_output=True)


def test_a_full_disk_under_the_checkpoint_names_the_checkpoint(tmp_path, tiny_fs):
    ckpt = tiny_fs / "ckpt"
    run = run_cli("audit", ROOT / "fixtures" / "approvals" / "sample.csv", "--as-of", AS_OF, "--jobs", "1",
                  "-o", tmp_path / "r.json", "--checkpoint", ckpt, cwd=tmp_path,
                  extra_env={"XUKE_KEY_FILE": str(tmp_path / "key")})  # fmt: skip
    assert_clean_error(run, f"cannot write {ckpt}", "no space left on device")
    assert "standard output" not in run.stderr
    assert not (tmp_path / "r.json").exists()


def test_a_docx_with_an_internal_entity_is_refused(tmp_path):
    run = run_cli("lint", DOCUMENTS / "internal_entity.docx", "-o", tmp_path / "l.txt", "--annotate",
                  tmp_path / "a.docx", cwd=tmp_path)  # fmt: skip
    assert_clean_error(run, "internal_entity.docx", "declares a DTD")
    assert not (tmp_path / "a.docx").exists()


def test_rule_names_that_differ_by_compatibility_characters_are_refused(tmp_path):
    path = tmp_path / "n.rules"
    path.write_text('pack nfkc "t"\n\nconst \uf90a = 2\n\nrule NFKC-1 "t"\n  severity error\n'
                    '  cites "《行政许可法》第三十二条"\nwhen\n  r: record(supplement_notices >= \u91d1)\nthen\n'
                    '  report r "办件 {r.case_id}"\nend\n', encoding="utf-8")  # fmt: skip
    run = run_cli("check", path, cwd=tmp_path)
    assert run.returncode == 1, run.describe()
    assert f"{path.name}:3:7: error: `\uf90a` is written with compatibility characters (U+F90A)" in run.stderr
    assert "write `\u91d1` (U+91D1" in run.stderr
    # the same file in NFKC form loads
    path.write_text(path.read_text(encoding="utf-8").replace("\uf90a", "\u91d1"), encoding="utf-8")
    assert run_cli("check", path, cwd=tmp_path).returncode == 0


def test_the_standard_packs_are_nfkc():
    run = run_cli("check", ROOT / "rules")
    assert run.returncode == 0, run.describe()


@pytest.mark.parametrize("lead", ["\x01", "\x00", " ", "\u3000", "\x1b", "\ufeff", "\r\n", "\x7f"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_formula_guard_after_leading_controls(lead, start):
    from xuke.reports.csvout import _cell

    assert _cell(f"{lead}{start}HYPERLINK(\"http://x\")") == f"'{lead}{start}HYPERLINK(\"http://x\")"


def test_csv_formula_guard_leaves_plain_text():
    from hypothesis import given
    from hypothesis import strategies as st
    from xuke.reports.csvout import _cell

    @given(st.text())
    def check(text):
        out = _cell(text)
        stripped = text.lstrip("".join(map(chr, range(0x21))) + "\x7f\u00a0\u3000\ufeff")
        if stripped[:1] in ("=", "+", "-", "@") or text[:1] in ("\t", "\r"):
            assert out == "'" + text
        else:
            assert out == text

    check()


def test_a_jsonl_case_id_that_is_an_object_is_rejected(tmp_path):
    run = audit(RECORDS / "jsonl_id_object.jsonl", tmp_path, jobs=1)
    assert_reconciled(run, read=3, rejected=2, reasons=("case_id: a JSON object, not a value",
                                                        "case_id: a JSON array, not a value"))  # fmt: skip
    assert {f["case_id"] for f in run.findings if f.get("case_id")} <= {"G1"}
