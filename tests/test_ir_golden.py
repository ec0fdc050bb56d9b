"""The engine-neutral IR is plain data: its exact form for a set of rules is pinned in
golden files, so a change to the compiler shows up as a reviewable diff.
Regenerate with XUKE_UPDATE_GOLDEN=1 after checking the change is intended."""
import json
import os
import re
from pathlib import Path

import pytest
from conftest import shared_dir
from xuke.ir.compiler import compile_rules
from xuke.jobs.loader import load

GOLDEN = Path(__file__).parent / "golden"


def _ir_text(paths) -> str:
    ir = compile_rules(load(paths))
    for rule in ir["rules"]:
        rule["file"] = Path(rule["file"]).name  # independent of where the tests run
    return json.dumps(ir, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _compare(name: str, text: str):
    path = GOLDEN / f"{name}.ir.json"
    if os.environ.get("XUKE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with XUKE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_constructs_ir():
    _compare("constructs", _ir_text([GOLDEN / "constructs.rules"]))


def test_dsl_example_ir(tmp_path):
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/DSL.md not found")
    blocks = re.findall(r"```\n(.*?)```", (shared / "DSL.md").read_text(encoding="utf-8"), re.S)
    (tmp_path / "licensing_law.rules").write_text(blocks[0] + "\n" + blocks[1], encoding="utf-8")
    (tmp_path / "common.rules").write_text('pack common "common"\n', encoding="utf-8")
    _compare("dsl_example", _ir_text([tmp_path / "licensing_law.rules"]))


def test_ir_is_json_round_trippable():
    text = _ir_text([GOLDEN / "constructs.rules"])
    assert json.loads(text) == json.loads(json.dumps(json.loads(text)))


def test_v2_patterns_ir():
    # phrase lists and regex constants are expanded into the IR's regexes; a capture is
    # found again in the bound fact when the message is written
    _compare("v2_patterns", _ir_text([GOLDEN / "v2_patterns.rules"]))
