"""Where the files that ship beside the code are: the grammar, the standard packs and their data.

The repository keeps `grammar/` and `rules/` at the top, beside `engine/`; the wheel maps them
into the package as `xuke/_grammar` and `xuke/_rules` (setup.cfg). This is the one place that
knows both layouts.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _shipped(installed: str, checkout: str) -> Path:
    inside = PACKAGE / installed
    return inside if inside.is_dir() else PACKAGE.parent / checkout


GRAMMAR_DIR = _shipped("_grammar", "grammar")
STANDARD_RULES = _shipped("_rules", "rules")
RULES_DATA = STANDARD_RULES / "data"
