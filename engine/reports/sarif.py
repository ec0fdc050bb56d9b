"""`--format sarif`: SARIF 2.1.0, for code-scanning dashboards and editor viewers.

Locations:
- a clause points at its line (for .docx: the paragraph number, which is what the
  document reader numbers), with columns for the offending words when `span` is known.
  Columns are 1-based code points (`columnKind: unicodeCodePoints`, declared on the run,
  since SARIF otherwise assumes UTF-16 units) and assume the clause starts its line;
- a record points at the line of its data row: for CSV and XLSX `row + 1` (the header
  is line 1, data row 1 is line 2; exact unless a quoted cell spans lines), for JSONL
  `row` itself (no header);
- a department summary points at the input file with no region.
URIs are relative to the caller's base directory, with forward slashes and
percent-encoded (so Chinese file names are valid URI references); a file outside the
base directory gets an absolute file:// URI.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from ..findings import DATE_FIELDS, Finding
from . import RuleMeta, tool_information_uri, tool_version
from .aggregate import join_cites, rules_meta_with_findings, sort_findings
from .atomic import atomic_write
from .jsonout import canonical

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "xukeFingerprint/v1"
LEVELS = {"critical": "error", "error": "error", "warning": "warning", "info": "note"}
_HEADERLESS = (".jsonl", ".ndjson")


def level_of(severity: str) -> str:
    return LEVELS.get(severity, "warning")


def artifact_uri(file: str, base_dir: str | os.PathLike | None) -> str:
    """A URI reference for `file`: relative to base_dir when inside it, else file://."""
    if not file:
        return ""
    path = os.path.abspath(file)  # no symlink resolution: the user's own spelling of paths
    base = os.path.abspath(base_dir if base_dir is not None else os.curdir)
    rel = os.path.relpath(path, base) if os.path.splitdrive(path)[0] == os.path.splitdrive(base)[0] else None
    if rel is None or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return Path(path).as_uri()
    return quote(Path(rel).as_posix(), safe="/")


def record_line(file: str, row: int) -> int:
    return row if file.lower().endswith(_HEADERLESS) else row + 1


def region_of(f: Finding) -> dict[str, Any] | None:
    if f.row is not None and f.line is None:
        return {"startLine": max(1, record_line(f.file or "", f.row))}
    if f.line is None:
        return None
    region: dict[str, Any] = {"startLine": max(1, f.line)}
    text = f.text or ""
    if f.span is not None and 0 <= f.span[0] < f.span[1] <= len(text):
        start, end = f.span
        # a clause may run over several lines: count lines inside the clause text
        start_line = f.line + text.count("\n", 0, start)
        end_line = f.line + text.count("\n", 0, end)
        region = {
            "startLine": max(1, start_line),
            "startColumn": start - (text.rfind("\n", 0, start) + 1) + 1,
            "endLine": max(1, end_line),
            "endColumn": end - (text.rfind("\n", 0, end) + 1) + 1,  # exclusive, as SARIF wants
            "snippet": {"text": text[start:end]},
        }
    return region


def _rule_descriptor(meta: RuleMeta) -> dict[str, Any]:
    cites = join_cites(meta.cites)
    title = meta.title or meta.id
    descriptor: dict[str, Any] = {
        "id": meta.id,
        "name": meta.id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"{title}（依据：{cites}）" if cites else title},
        "defaultConfiguration": {"level": level_of(meta.severity)},
    }
    if cites:
        descriptor["help"] = {"text": f"依据：{cites}"}
    properties: dict[str, Any] = {"tags": list(meta.tags), "severity": meta.severity}
    if meta.cites:
        properties["cites"] = list(meta.cites)
    if meta.file:
        properties["source"] = f"{Path(meta.file).as_posix()}:{meta.line}" if meta.line else meta.file
    descriptor["properties"] = properties
    return descriptor


def _result(f: Finding, rule_index: int, base_dir) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level_of(f.severity),
        "message": {"text": f.message or f.title or f.rule},
    }
    if f.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(f.file, base_dir)}}
        region = region_of(f)
        if region is not None:
            physical["region"] = region
        location: dict[str, Any] = {"physicalLocation": physical}
        if f.article:
            location["logicalLocations"] = [{"name": f.article}]
        result["locations"] = [location]
    result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint()}
    properties: dict[str, Any] = {"severity": f.severity}
    for key in ("case_id", "row", "article", *DATE_FIELDS):
        value = getattr(f, key)
        if value is not None:
            properties[key] = value
    if f.group is not None:
        properties["group"] = canonical(f.group)
    properties["cites"] = list(f.cites)
    if f.tags:
        properties["tags"] = list(f.tags)
    if f.history is not None:
        # SARIF's own word for a result compared with an earlier run (3.27.24)
        result["baselineState"] = "new" if f.history.get("status") == "new" else "unchanged"
        properties["history"] = dict(f.history)
    result["properties"] = properties
    return result


def build_sarif(
    findings: Iterable[Finding],
    rules_meta: Mapping[str, RuleMeta] | None = None,
    *,
    base_dir: str | os.PathLike | None = None,
    version: str | None = None,
    information_uri: str | None = None,
) -> dict[str, Any]:
    """The SARIF log as a dict: one run; the rules are every loaded rule plus any that fired."""
    findings = sort_findings(findings)
    metas = rules_meta_with_findings(findings, rules_meta)
    index = {rule: i for i, rule in enumerate(metas)}
    driver: dict[str, Any] = {
        "name": "xuke",
        "version": version or tool_version(),
    }
    uri = information_uri or tool_information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = [_rule_descriptor(m) for m in metas.values()]
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule], base_dir) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def dumps_sarif(findings: Iterable[Finding], rules_meta=None, **kwargs) -> bytes:
    doc = build_sarif(findings, rules_meta, **kwargs)
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def write_sarif(
    path: str | os.PathLike,
    findings: Iterable[Finding],
    rules_meta: Mapping[str, RuleMeta] | None = None,
    **kwargs,
) -> None:
    """kwargs as `build_sarif` (base_dir, version, information_uri)."""
    data = dumps_sarif(findings, rules_meta, **kwargs)
    atomic_write(path, lambda fh: fh.write(data), binary=True)
