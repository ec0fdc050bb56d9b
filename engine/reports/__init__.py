"""Reporters: findings -> console, JSON/JSONL, CSV, SARIF, XLSX, annotated DOCX.

Every reporter takes the same inputs (a list of `Finding`, the run's `summary` dict and
`rules_meta`), sorts defensively and writes through `atomic.atomic_write`, so that two
runs over the same input produce the same bytes and a failed write never leaves half a
report behind. This module stays import-light: the heavy libraries (rich, openpyxl,
python-docx) are imported only by the reporter that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleMeta:
    """What a reporter needs to know about a rule that may not have fired."""

    id: str
    title: str
    severity: str
    cites: tuple[str, ...]
    tags: tuple[str, ...]
    file: str | None = None  # the .rules file that defines it
    line: int | None = None


def tool_version() -> str:
    """The installed xuke version; a fixed placeholder when running from a bare checkout."""
    from importlib import metadata

    try:
        return metadata.version("xuke")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def tool_information_uri() -> str | None:
    """The project's home page from the package metadata (setup.cfg `url`), when it has one."""
    from importlib import metadata

    try:
        meta = metadata.metadata("xuke")
    except metadata.PackageNotFoundError:
        return None
    home = meta.get("Home-page")
    if home and home.upper() != "UNKNOWN":
        return home
    for entry in meta.get_all("Project-URL") or ():
        _, _, url = entry.partition(",")
        if url.strip():
            return url.strip()
    return None


__all__ = ["RuleMeta", "tool_information_uri", "tool_version"]
