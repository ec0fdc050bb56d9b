"""docs/rule-authoring.md and its English twin, run step by step.

Each fenced block preceded by `<!-- test: ... -->` is acted on, in document order, in a
fresh folder:

- `file=PATH` writes the block to PATH (a later block for the same path replaces it);
  for a ```xuke block the file is then loaded with the standard packs and must check,
  or fail with `error="..."` in its first diagnostic; `formatted` also requires the
  file on disk (after the `xuke fmt` shown before it) to be exactly the block, which
  `xuke fmt` leaves as it is;
- `run` runs each `$ xuke ...` line of a ```console block with this checkout's cli.py and
  compares the output with the lines below it (`prefix`: only the first lines);
  `file=PATH replace="A|B"` runs on a copy of PATH with A replaced by B.

Output lines of the cli's own messages are compared by meaning (xuke.i18n catalog, in
either language), so the documents can show Chinese output while the cli prints English,
and the other way round. `ms` timings are ignored.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from xuke.i18n import CATALOG

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "rule-authoring.md", ROOT / "docs" / "rule-authoring.en.md"]

_BLOCK = re.compile(r"<!-- test:(?P<attrs>[^>]*?)-->\s*\n```(?P<lang>[\w-]*)\n(?P<body>.*?)\n```", re.S)
_ATTR = re.compile(r'(\w+)(?:="([^"]*)"|=(\S+))?')
# the cli's own lines, by catalog key: compared by these fields only
_COMPARED = {
    "check.ok": ("files",),  # the rule count moves with the standard packs
    "check.errors": ("n",), "fmt.would_reformat": ("path",),
    "fmt.reformatted": ("path",), "test.rule_ok": ("rule", "n"), "test.totals": ("passed", "failed"),
    "test.rule_fail": ("rule", "file", "line"),
}  # fmt: skip


def blocks(doc: Path):
    text = doc.read_text(encoding="utf-8")
    for m in _BLOCK.finditer(text):
        attrs = {k: (v1 if v1 else v2) if (v1 or v2) else True for k, v1, v2 in _ATTR.findall(m["attrs"])}
        line = text[: m.start()].count("\n") + 1
        yield line, m["lang"], attrs, m["body"] + "\n"


def _pattern(template: str) -> re.Pattern:
    out, pos = "", 0
    for m in re.finditer(r"\{(\w+)(![rs])?\}", template):
        out += re.escape(template[pos : m.start()])
        name = m.group(1)
        out += "s?" if name.endswith("_s") else f"(?P<{name}>.+?)"
        pos = m.end()
    return re.compile(out + re.escape(template[pos:]) + "$")


_PATTERNS = [(key, _pattern(CATALOG[key][lang])) for key in _COMPARED for lang in ("zh", "en")]


def canon(line: str):
    """What a line of output means: (catalog key, compared fields) or the line itself."""
    line = line.rstrip()
    for key, pattern in _PATTERNS:
        m = pattern.match(line)
        if m:
            return (key, *(m.group(f).strip() for f in _COMPARED[key]))
    return line


def _run(cwd: Path, command: str, lang: str = "zh") -> tuple[int, str]:
    args = shlex.split(command)
    assert args[0] == "xuke", command
    # each twin runs in its own language, as its reader would
    env = dict(os.environ, COLUMNS="80", NO_COLOR="1", TERM="dumb", XUKE_LANG=lang)
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args[1:]], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)  # fmt: skip
    return proc.returncode, proc.stdout


def _commands(body: str):
    """($ command, expected output lines) pairs of a console block."""
    out = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
    return out


def _check_rules(path: Path, attrs, where: str):
    from xuke.jobs.loader import load
    from xuke.lang.diagnostics import DiagnosticError

    if "error" in attrs:
        with pytest.raises(DiagnosticError) as e:
            load([path])
        assert attrs["error"] in e.value.diagnostics[0].message, where
    else:
        base = load([path])
        assert any(i.file.endswith(path.name) for i in base.rules.values()), where


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_tutorial(doc, tmp_path):
    assert doc.is_file(), doc
    seen = {"xuke": 0, "run": 0}
    for line, lang, attrs, body in blocks(doc):
        where = f"{doc.name}:{line}"
        if "file" in attrs and "run" not in attrs:
            path = tmp_path / attrs["file"]
            path.parent.mkdir(parents=True, exist_ok=True)
            if "formatted" in attrs:
                from xuke.lang.fmt import format_source

                assert path.read_text(encoding="utf-8") == body, f"{where}: not what xuke fmt wrote"
                assert format_source(body, str(path)) == body, f"{where}: xuke fmt would change it"
            path.write_text(body, encoding="utf-8")
            if lang == "xuke":
                seen["xuke"] += 1
                _check_rules(path, attrs, where)
            elif path.name == "xuke.yaml":
                _check_config(tmp_path, path)
        elif "run" in attrs:
            seen["run"] += 1
            original = None
            if "replace" in attrs:
                target = tmp_path / attrs["file"]
                original = target.read_text(encoding="utf-8")
                old, new = attrs["replace"].split("|", 1)
                assert old in original, where
                target.write_text(original.replace(old, new, 1), encoding="utf-8")
            try:
                for command, expected in _commands(body):
                    _, output = _run(tmp_path, command, "en" if doc.name.endswith(".en.md") else "zh")
                    actual = [canon(x) for x in output.rstrip("\n").splitlines()]
                    wanted = [canon(x) for x in expected]
                    if "prefix" in attrs:
                        actual = actual[: len(wanted)]
                    assert actual == wanted, f"{where}: $ {command}\n{output}"
            finally:
                if original is not None:
                    target.write_text(original, encoding="utf-8")
    assert seen["xuke"] >= 4 and seen["run"] >= 5, seen


def _check_config(folder: Path, path: Path):
    """The tutorial's xuke.yaml loads, and its threshold changes the audit as the text says."""
    import datetime as dt

    from xuke.domain.calendar import WorkCalendar
    from xuke.jobs.audit import audit_files
    from xuke.jobs.config import load_config
    from xuke.jobs.loader import load

    cfg = load_config(path)
    base = load(cfg.rule_paths())
    assert "CITY-PROMISE-HALF" in base.rules and "LIC-42-OVERDUE" in base.rules
    csv = folder / next(p.name for p in folder.glob("*.csv"))
    as_of = dt.date(2025, 12, 31)
    before = audit_files(base, [str(csv)], WorkCalendar.load(), as_of, aliases=cfg.aliases).findings
    assert [f.case_id for f in before if f.rule == "CITY-PROMISE-HALF"] == ["SP2025002"]
    cfg.prepare(base)
    after = audit_files(base, [str(csv)], cfg.work_calendar(), as_of, aliases=cfg.aliases).findings
    assert [f for f in after if f.rule == "CITY-PROMISE-HALF"] == []


def test_canon_reads_both_languages():
    assert (
        canon("ok: 2 个文件，16 条规则（101 ms）")
        == canon("ok: 16 rules in 2 files (99 ms)")
        == ("check.ok", "2")
    )
    assert canon("ok   CITY-X（3 个示例）") == canon("ok   CITY-X (3 examples)")
    assert canon("1 个错误") == canon("1 error")
    assert canon("a.rules: 需要重新格式化") == canon("a.rules: would reformat")
    assert canon("FAIL R-1 f.rules:16: 通过示例触发了：x") == canon(
        "FAIL R-1 f.rules:16: passes example fired: x"
    )
    assert canon("读取 3 行") == "读取 3 行"


def test_twins_have_the_same_steps():
    zh, en = (list(blocks(d)) for d in DOCS)
    assert [(lang, sorted(a)) for _, lang, a, _ in zh] == [(lang, sorted(a)) for _, lang, a, _ in en]
