"""Issue #14, the unsafe findings of an outside attack on the CLI (docs/reliability.md, B18-B24):
each reproduced here, through the real CLI, and shown fixed.

- B18: Lark's grammar cache unpickled a planted file from the shared temp directory;
- B19: links planted in a checkpoint directory were written through;
- B20: tiny inputs that took gigabytes or hours (run here under an rlimit);
- B21: an edited checkpoint was reused (its rendered lines, an input changed past 1 MB);
- B22: outputs that replaced the input, or each other;
- B24: ESC sequences from the data reached the terminal.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from bad_inputs.harness import (
    AS_OF,
    CORPUS,
    ROOT,
    assert_clean_error,
    assert_reconciled,
    audit,
    can_mknod,
    run_cli,
    run_limited,
)

RECORDS = CORPUS / "records"
DOCUMENTS = CORPUS / "documents"
SMALL = ROOT / "fixtures" / "approvals" / "small.jsonl"
ROOT_ONLY = pytest.mark.skipif(not can_mknod(), reason="needs root (chown to another user)")


class _Planted:
    """Unpickling this creates `marker`: proof that a planted pickle ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


# ---- B18: the grammar cache ----


def test_a_pickle_planted_for_the_grammar_cache_is_never_loaded(tmp_path):
    """Plant a pickle where Lark's cache=True looks (the temp directory, under the name it
    would use for this grammar) and an unsigned one under the private cache's entry name:
    `xuke check` builds or reads its own parser and neither runs."""
    from lark import Lark
    from xuke.lang import grammar_cache, syntax

    shared_tmp, private, marker = tmp_path / "tmp", tmp_path / "cache", tmp_path / "PWNED"
    shared_tmp.mkdir()
    private.mkdir(mode=0o700)
    grammar = syntax.GRAMMAR_PATH.read_text(encoding="utf-8")
    options = {"parser": "lalr", "lexer": "contextual", "start": ["start", "template_expr"],
               "propagate_positions": True, "maybe_placeholders": True}  # fmt: skip
    # the file Lark itself would write and read back for this grammar (what xuke used to do)
    import tempfile

    saved, tempfile.tempdir = tempfile.tempdir, str(shared_tmp)
    try:
        Lark(grammar, cache=True, lexer_callbacks={"COMMENT": syntax._collect_comment}, **options)
    finally:
        tempfile.tempdir = saved
    (lark_file,) = shared_tmp.glob(".lark_cache*")
    head = lark_file.read_bytes().split(b"\n", 1)[0] + b"\n"
    lark_file.write_bytes(head + pickle.dumps(_Planted(marker)))
    (private / grammar_cache.entry_name(grammar, options)).write_bytes(pickle.dumps(_Planted(marker)))
    for attempt in range(2):  # the first run replaces the unsigned entry; the second reads its own
        run = run_cli("check", ROOT / "rules", cwd=tmp_path,
                      extra_env={"TMPDIR": str(shared_tmp), "XUKE_CACHE_DIR": str(private),
                                 "XUKE_KEY_FILE": str(tmp_path / "key")})  # fmt: skip
        assert run.returncode == 0, run.describe()
        assert not marker.exists(), f"a planted pickle ran (run {attempt + 1})"
    assert [p.name for p in shared_tmp.iterdir()] == [lark_file.name]  # nothing new in the shared directory


def test_the_cached_parser_reads_every_pack_as_a_fresh_one(tmp_path, monkeypatch):
    from lark import Lark
    from xuke.lang import grammar_cache, syntax

    monkeypatch.setenv("XUKE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "key"))
    grammar = syntax.GRAMMAR_PATH.read_text(encoding="utf-8")
    options = {"parser": "lalr", "lexer": "contextual", "start": ["start", "template_expr"],
               "propagate_positions": True, "maybe_placeholders": True}  # fmt: skip
    callbacks = {"COMMENT": syntax._collect_comment}
    built = grammar_cache.cached_parser(grammar, options, callbacks)  # builds and stores
    assert len(list((tmp_path / "cache").iterdir())) == 1
    cached = grammar_cache.cached_parser(grammar, options, callbacks)  # reads back
    assert cached is not built
    fresh = Lark(grammar, lexer_callbacks=callbacks, **options)
    for pack in sorted((ROOT / "rules").glob("*.rules")):
        text = pack.read_text(encoding="utf-8")
        tree = fresh.parse(text, start="start")
        assert cached.parse(text, start="start") == tree
        assert [n.meta.line for n in cached.parse(text, start="start").iter_subtrees()][:50] == [
            n.meta.line for n in tree.iter_subtrees()
        ][:50]


@pytest.mark.parametrize("spoil", ["mode 0755", "a symbolic link", "another user's"])
def test_an_unsafe_cache_directory_is_not_used(tmp_path, monkeypatch, spoil):
    from xuke import cachedir

    if spoil == "another user's" and not can_mknod():
        pytest.skip("needs root")
    real = tmp_path / "real"
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("XUKE_CACHE_DIR", str(real))
    assert cachedir.store("entry", {"x": 1})
    assert cachedir.load("entry") == {"x": 1}
    if spoil == "mode 0755":
        real.chmod(0o755)
    elif spoil == "a symbolic link":
        (tmp_path / "link").symlink_to(real)
        monkeypatch.setenv("XUKE_CACHE_DIR", str(tmp_path / "link"))
    else:
        os.chown(real, 65534, 65534)
    assert cachedir.load("entry") is None
    assert not cachedir.store("entry", {"x": 2})


def test_a_cache_entry_signed_with_another_key_or_linked_is_not_read(tmp_path, monkeypatch):
    from xuke import cachedir

    monkeypatch.setenv("XUKE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "key1"))
    assert cachedir.store("entry", [1, 2])
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "key2"))
    assert cachedir.load("entry") is None
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "key1"))
    (tmp_path / "cache" / "linked").symlink_to(tmp_path / "cache" / "entry")
    assert cachedir.load("linked") is None
    assert cachedir.load("entry") == [1, 2]


def test_no_lark_cache_and_no_lark_load_in_the_source():
    for path in [ROOT / "cli.py", *sorted((ROOT / "engine").rglob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Lark":
                assert not [k for k in node.keywords if k.arg == "cache"], path
            if isinstance(node, ast.Attribute) and node.attr in ("load", "open_from_package"):
                assert getattr(node.value, "id", None) != "Lark", path


def test_a_key_file_others_can_read_is_refused(tmp_path, monkeypatch):
    from xuke.errors import XukeError
    from xuke.run import sealed

    key = tmp_path / "key"
    monkeypatch.setenv("XUKE_KEY_FILE", str(key))
    sealed.user_key()
    key.chmod(0o644)
    with pytest.raises(XukeError, match="other users may read it"):
        sealed.user_key()


# ---- B19: links and foreign directories in a checkpoint ----


def _ckpt_audit(tmp_path, ckpt, *extra, data=SMALL, out="out.jsonl"):
    return run_cli("audit", data, "--as-of", AS_OF, "--jobs", "1", "--format", "jsonl", "-o", tmp_path / out,
                   "--checkpoint", ckpt, *extra, cwd=tmp_path,
                   extra_env={"XUKE_KEY_FILE": str(tmp_path / "key")})  # fmt: skip


@pytest.mark.parametrize("name", ["findings", "rejects", "ids", "lock", "state", "findings.jsonl"])
def test_a_link_planted_in_a_checkpoint_is_not_written_through(tmp_path, name):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir(mode=0o700)
    (ckpt / name).symlink_to(victim)
    run = _ckpt_audit(tmp_path, ckpt)
    assert_clean_error(run, "--checkpoint", f"{name} is a symbolic link")
    assert victim.read_text() == "keep me\n"


def test_a_link_left_as_state_tmp_is_removed_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir(mode=0o700)
    (ckpt / "state.tmp").symlink_to(victim)
    run = _ckpt_audit(tmp_path, ckpt)
    assert run.returncode in (0, 1), run.describe()
    assert victim.read_text() == "keep me\n"
    assert not (ckpt / "state.tmp").exists()


def test_a_hard_link_in_a_checkpoint_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir(mode=0o700)
    os.link(victim, ckpt / "findings")
    run = _ckpt_audit(tmp_path, ckpt)
    assert_clean_error(run, "findings has other hard links")
    assert victim.read_text() == "keep me\n"


@pytest.mark.parametrize("spoil", ["writable by others", "a symbolic link", pytest.param("another user's", marks=ROOT_ONLY)])
def test_a_checkpoint_directory_others_control_is_refused(tmp_path, spoil):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir(mode=0o700)
    needle = {"writable by others": "other users may write to it", "a symbolic link": "is a symbolic link",
              "another user's": "owned by another user"}[spoil]  # fmt: skip
    if spoil == "writable by others":
        ckpt.chmod(0o777)
    elif spoil == "a symbolic link":
        (tmp_path / "link").symlink_to(ckpt)
        ckpt = tmp_path / "link"
    else:
        os.chown(ckpt, 65534, 65534)
    run = _ckpt_audit(tmp_path, ckpt)
    assert_clean_error(run, "--checkpoint", needle)
    assert not (tmp_path / "out.jsonl").exists()


def test_checkpoint_files_are_private(tmp_path):
    ckpt = tmp_path / "new" / "ckpt"
    run = _ckpt_audit(tmp_path, ckpt)
    assert run.returncode in (0, 1), run.describe()
    assert stat.S_IMODE(ckpt.stat().st_mode) == 0o700
    for p in ckpt.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


# ---- B21: a checkpoint's integrity ----


def test_edited_rendered_findings_in_a_finished_checkpoint_are_refused(tmp_path):
    ckpt = tmp_path / "ckpt"
    first = _ckpt_audit(tmp_path, ckpt)
    assert first.returncode == 1, first.describe()
    lines = (ckpt / "findings.jsonl").read_bytes().splitlines(keepends=True)
    assert b'"error"' in b"".join(lines)
    for edit in (lambda ls: [x.replace(b'"error"', b'"info"') for x in ls], lambda ls: ls[:-3]):
        (ckpt / "findings.jsonl").write_bytes(b"".join(edit(lines)))
        run = _ckpt_audit(tmp_path, ckpt, out="again.jsonl")
        assert_clean_error(run, "findings.jsonl", "changed since xuke wrote it")
        assert not (tmp_path / "again.jsonl").exists()
    (ckpt / "findings.jsonl").write_bytes(b"".join(lines))
    run = _ckpt_audit(tmp_path, ckpt, out="again.jsonl")
    assert run.returncode == 1, run.describe()
    assert (tmp_path / "again.jsonl").read_bytes() == (tmp_path / "out.jsonl").read_bytes()


@pytest.mark.slow
def test_an_input_changed_past_its_first_mb_with_size_and_time_put_back_is_refused(tmp_path):
    data = tmp_path / "big.csv"
    rows = "".join(f"R{i:07d},2025-03-03,市局,{i % 3}\n" for i in range(40_000))
    data.write_text("办件编号,申请时间,承办部门,补正告知次数\n" + rows, encoding="utf-8")
    assert data.stat().st_size > 1 << 20
    ckpt = tmp_path / "ckpt"
    first = _ckpt_audit(tmp_path, ckpt, data=data)
    assert first.returncode == 1, first.describe()
    before = data.stat()
    raw = bytearray(data.read_bytes())
    at = raw.rindex(b",0\n")  # a count near the end, well past the first MB
    raw[at + 1 : at + 2] = b"5"
    data.write_bytes(bytes(raw))
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert data.stat().st_size == before.st_size and data.stat().st_mtime_ns == before.st_mtime_ns
    run = _ckpt_audit(tmp_path, ckpt, data=data, out="again.jsonl")
    assert_clean_error(run, "has changed since the audit started")


# ---- B20: tiny inputs that took gigabytes or hours, run under 1 GB and 60 s of CPU ----

XLSX_BOMBS = [
    ("row_2e9.xlsx", "row number 2,000,000,000 (Excel's rows are 1 to 1,048,576)"),
    ("column_zzz.xlsx", "column 18,278 is beyond Excel's last column (XFD"),
    ("shared_string_1mb.xlsx", "a cell of 1,040,000 characters (Excel's limit is 32,767)"),
]


@pytest.mark.parametrize(("name", "needle"), XLSX_BOMBS, ids=[n for n, _ in XLSX_BOMBS])
def test_xlsx_bomb_is_refused_within_limits(tmp_path, name, needle):
    assert (RECORDS / name).stat().st_size < 32 * 1024
    run = run_limited("audit", RECORDS / name, "--as-of", AS_OF, "--jobs", "1", "-o", tmp_path / "r.txt",
                      cwd=tmp_path)  # fmt: skip
    assert_clean_error(run, name, needle)


def test_docx_numbered_from_2e9_is_read_within_limits(tmp_path):
    out = tmp_path / "lint.json"
    run = run_limited("lint", DOCUMENTS / "numbering_from_2e9.docx", "--format", "json", "-o", out, cwd=tmp_path)
    assert run.returncode in (0, 1), run.describe()
    texts = [f["text"] for f in json.loads(out.read_text(encoding="utf-8"))["findings"] if f.get("text")]
    assert all(len(t) < 500 for t in texts)
    from xuke.sources.documents import read_document

    doc = read_document(DOCUMENTS / "numbering_from_2e9.docx")
    assert "2000000000." in doc.text and "2000000001." in doc.text  # past the cap the number is shown


def _alias_chain(indent: str = "") -> str:
    """Nine anchors, each listing the previous ten times: 10^9 values in about 600 bytes."""
    lines = [f"{indent}a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{indent}a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("how", ["--config", "found in a parent folder", "--calendar"])
def test_yaml_alias_chain_is_refused_within_limits(tmp_path, how):
    work = tmp_path / "project" / "sub"
    work.mkdir(parents=True)
    data = work / "d.csv"
    data.write_text("办件编号,申请时间\nA1,2025-03-03\n", encoding="utf-8")
    if how == "--calendar":
        path = tmp_path / "cal.yaml"
        path.write_text("holidays:\n  - &a0 [2025-01-01, 2025-01-01, 2025-01-01, 2025-01-01, 2025-01-01]\n"
                        + "".join(f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)),
                        encoding="utf-8")  # fmt: skip
        extra = ["--calendar", path]
    else:
        path = (tmp_path / "project" / "xuke.yaml") if how != "--config" else tmp_path / "alias.yaml"
        path.write_text("aliases:\n" + _alias_chain("  "), encoding="utf-8")
        extra = ["--config", path] if how == "--config" else []
    assert path.stat().st_size < 1024
    run = run_limited("audit", data, "--as-of", AS_OF, "--jobs", "1", "-o", work / "r.txt", *extra, cwd=work)
    assert_clean_error(run, path.name, "expands to more than 100,000 values")


def test_yaml_aliases_within_the_limit_still_work(tmp_path):
    cfg = tmp_path / "xuke.yaml"
    cfg.write_text("aliases: &a\n  流水号: case_id\nrules: {}\n", encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("流水号,申请时间\nA1,2025-03-03\n", encoding="utf-8")
    run = audit(data, tmp_path, "--config", cfg, jobs=1)
    assert_reconciled(run, read=1, rejected=0)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
@pytest.mark.parametrize("planted", ["fifo", "link to /dev/zero"])
def test_a_rules_entry_that_never_ends_beside_an_importing_pack(tmp_path, planted):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.rules").write_text('pack mine "t"\nimport licensing_law\n', encoding="utf-8")
    if planted == "fifo":
        os.mkfifo(rules / "aaa.rules")
    else:
        (rules / "aaa.rules").symlink_to("/dev/zero")
    run = run_limited("check", rules / "mine.rules", cwd=tmp_path, cpu_seconds=30, timeout=60)
    assert run.returncode == 0, run.describe()  # the entry is skipped; the import is found


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_a_baseline_that_never_ends_is_refused(tmp_path, target):
    path = tmp_path / "b.json"
    if target == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    run = run_limited("audit", SMALL, "--as-of", AS_OF, "--jobs", "1", "-o", tmp_path / "r.txt", "--baseline", path,
                      cwd=tmp_path, timeout=60)  # fmt: skip
    assert_clean_error(run, "baseline", "not a regular file")
    assert not (tmp_path / "r.txt").exists()


# ---- B22: outputs that would destroy an input or each other ----


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_bytes(SMALL.read_bytes())
    (tmp_path / "link.jsonl").symlink_to(path)
    os.link(path, tmp_path / "hard.jsonl")
    return path


@pytest.mark.parametrize("option", ["-o", "--rejects", "--xlsx"])
@pytest.mark.parametrize("alias", ["export.jsonl", "./export.jsonl", "link.jsonl", "hard.jsonl"])
def test_an_output_on_the_input_is_refused(tmp_path, export, option, alias):
    before = hashlib.sha256(export.read_bytes()).hexdigest()
    run = run_cli("audit", export, "--as-of", AS_OF, "--jobs", "1", option, alias, cwd=tmp_path)
    assert_clean_error(run, option, "is the same file as the input")
    assert hashlib.sha256(export.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(("first", "second"), [("-o", "--rejects"), ("--rejects", "--xlsx"), ("-o", "--xlsx")])
def test_two_outputs_on_one_file_are_refused(tmp_path, first, second):
    run = run_cli("audit", SMALL, "--as-of", AS_OF, "--jobs", "1", first, "same.out", second, "./same.out",
                  cwd=tmp_path)  # fmt: skip
    assert_clean_error(run, second, f"is the same file as {first}")
    assert not (tmp_path / "same.out").exists()


def test_lint_output_on_the_draft_is_refused(tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text("关于某事的通知\n第一条 收取审查费。\n", encoding="utf-8")
    run = run_cli("lint", draft, "-o", draft, cwd=tmp_path)
    assert_clean_error(run, "-o", "is the same file as the input")
    assert draft.read_text(encoding="utf-8").startswith("关于某事的通知")


def test_write_baseline_over_its_own_baseline_is_allowed(tmp_path):
    base = tmp_path / "b.json"
    for _ in range(2):
        run = run_cli("audit", SMALL, "--as-of", AS_OF, "--jobs", "1", "-o", tmp_path / "r.json",
                      "--write-baseline", base, "--baseline", base, cwd=tmp_path)  # fmt: skip
        assert run.returncode == 0, run.describe()
    assert json.loads(base.read_text(encoding="utf-8"))["findings"]


# ---- B24: terminal escapes from the data ----

OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # a clipboard write
ESC_CASE = f"E{OSC52}1"


def _esc_export(tmp_path) -> Path:
    path = tmp_path / "esc.csv"
    path.write_text("办件编号,申请时间,承办部门,补正告知次数\n"
                    f"{ESC_CASE},2025-03-03,局\x1b[2J\x1b[31m\x9b31m,3\n", encoding="utf-8")  # fmt: skip
    return path


def _no_controls(text: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0})
    assert not bad, bad


def test_escapes_in_the_data_are_shown_not_obeyed(tmp_path):
    data = _esc_export(tmp_path)
    report = run_cli("audit", data, "--as-of", AS_OF, "--jobs", "1", cwd=tmp_path)
    assert report.returncode == 1, report.describe()
    _no_controls(report.stdout)
    assert "E␛]52;c;cHduZWQ=␇" in report.stdout and "局␛[2J␛[31m�31m" in report.stdout  # (tables wrap)
    explained = run_cli("explain", data, "--case", ESC_CASE, "--as-of", AS_OF, cwd=tmp_path)
    assert explained.returncode == 0, explained.describe()
    _no_controls(explained.stdout)
    assert "E␛]52;c;cHduZWQ=␇" in explained.stdout
    # the data formats escape C0 controls themselves and keep the value intact
    as_json = run_cli("audit", data, "--as-of", AS_OF, "--jobs", "1", "--format", "json", cwd=tmp_path)
    assert "\x1b" not in as_json.stdout and "\\u001b" in as_json.stdout
    assert {f["case_id"] for f in json.loads(as_json.stdout)["findings"] if f.get("case_id")} == {ESC_CASE}


def test_a_rejected_row_with_escapes_is_shown_by_explain_without_them(tmp_path):
    data = tmp_path / "esc.csv"
    data.write_text(f"办件编号,申请时间\n{ESC_CASE},2025-02-30\x1b[31m\n", encoding="utf-8")
    run = run_cli("explain", data, "--case", ESC_CASE, "--as-of", AS_OF, cwd=tmp_path)
    assert run.returncode == 2, run.describe()
    # a one-line error on stderr, like every input error, its text made visible as well
    _no_controls(run.stderr)
    assert run.stderr.count("\n") == 1 and "2025-02-30\\x1b[31m" in run.stderr  # the reason quotes the cell with repr()


def test_visible_keeps_length_and_leaves_no_control():
    from hypothesis import given
    from hypothesis import strategies as st
    from xuke.reports.visible import visible

    @given(st.text())
    def check(text):
        shown = visible(text)
        assert len(shown) == len(text)
        _no_controls(shown)
        assert all(a == b for a, b in zip(text, shown) if a.isprintable() or a in "\t\n")

    check()


def test_the_source_of_every_text_report_uses_visible_text():
    """Text reports build rich Text from data: both modules take it from reports.visible."""
    for rel in ("engine/reports/text.py", "engine/jobs/explain.py"):
        source = (ROOT / rel).read_text(encoding="utf-8")
        assert "from rich.text import Text" not in source, rel
        assert "VisibleText as Text" in source, rel


def test_the_rlimits_leave_a_normal_run_alone():
    # the bombs fail inside these limits; an ordinary workbook and draft run inside them
    run = run_limited("audit", RECORDS / "typed_cells.xlsx", "--as-of", AS_OF, "--jobs", "1", "--format", "json")
    assert run.returncode in (0, 1), run.describe()
    assert json.loads(run.stdout)["summary"]["rows_read"] == 13
    run = run_limited("lint", ROOT / "fixtures" / "policies" / "street_stall_rules.docx", "--format", "json")
    assert run.returncode in (0, 1), run.describe()


def test_rule_file_errors_show_escapes_visibly(tmp_path):
    # a rule file is input too: its source line, quoted under a check error, must not drive the terminal
    rules = tmp_path / "esc.rules"
    rules.write_text('pack p "p"\nrule A "t\x1b]52;c;cHduZWQ=\x07" nonsense\nend\n', encoding="utf-8")
    run = run_cli("check", rules, cwd=tmp_path)
    assert run.returncode == 1, run.describe()
    _no_controls(run.stderr)
    assert "␛]52;c;cHduZWQ=␇" in run.stderr
