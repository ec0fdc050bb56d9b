"""`--format sarif`: SARIF 2.1.0, for code-scanning dashboards and editor viewers.

What GitHub code scanning asks of an upload (docs "SARIF support for code scanning" and
"SARIF results exceed limits"; each is a test in tests/test_reports_sarif.py):
- URIs relative to the repository root: an `artifactLocation` has a relative `uri` with
  `uriBaseId: %SRCROOT%`, the directory xuke ran in (declared in `originalUriBaseIds`);
  a file outside it keeps an absolute file:// URI and no base;
- every result has a `physicalLocation` with a `region`:
  - a clause points at its line (for .docx: the paragraph number, which is what the
    document reader numbers), with columns for the offending words when `span` is known.
    Columns are 1-based code points (`columnKind: unicodeCodePoints`, declared on the run,
    since SARIF otherwise assumes UTF-16 units) and assume the clause starts its line;
  - a record points at the line of its data row: for CSV and XLSX `row + 1` (the header
    is line 1, data row 1 is line 2; exact unless a quoted cell spans lines), for JSONL
    `row` itself (no header); a record of an input without lines (Parquet, a database, a
    DataFrame) points at the input as a whole, like a department;
  - a finding about a whole file (a department summary, a missing element of a document)
    points at line 1 of its input file, with `properties.fileLevel: true`;
- rules carry `name`, `shortDescription`, `fullDescription`, `help` and at most 20 tags;
  `tool.driver.informationUri` is the project's home page when the package metadata
  names one, else $XUKE_INFORMATION_URI (the GitHub Action sets it);
- at most 25,000 results in the run (GitHub's hard limit): beyond it the most severe are
  kept and a tool notification says how many were left out; every other format has all.
URIs are percent-encoded with forward slashes, so Chinese file names are valid URI
references.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from ..findings import DATE_FIELDS, Finding, severity_rank
from . import RuleMeta, tool_information_uri, tool_version
from .aggregate import join_cites, rules_meta_with_findings, sort_findings
from .atomic import atomic_write
from .jsonout import canonical, canonical_data

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "xukeFingerprint/v1"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000  # GitHub rejects a run with more
MAX_TAGS = 20  # GitHub rejects a rule with more
LEVELS = {"critical": "error", "error": "error", "warning": "warning", "info": "note"}
_HEADERLESS = (".jsonl", ".ndjson")
_HEADED = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")  # line 1 is the header (a workbook: its sheet row)


def level_of(severity: str) -> str:
    return LEVELS.get(severity, "warning")


def artifact_uri(file: str, base_dir: str | os.PathLike | None) -> str:
    """A URI reference for `file`: relative to base_dir when inside it, else file://."""
    return artifact_location(file, base_dir)["uri"]


def artifact_location(file: str, base_dir: str | os.PathLike | None) -> dict[str, str]:
    """{"uri": relative, "uriBaseId": "%SRCROOT%"} for a file inside base_dir (the working
    directory by default), else {"uri": "file:///..."}."""
    if not file:
        return {"uri": ""}
    if not is_file_name(file):  # a database URL, "<records>": named as given
        return {"uri": quote(file, safe=":/#?=&@%")}
    path = os.path.abspath(file)  # no symlink resolution: the user's own spelling of paths
    base = os.path.abspath(base_dir if base_dir is not None else os.curdir)
    rel = os.path.relpath(path, base) if os.path.splitdrive(path)[0] == os.path.splitdrive(base)[0] else None
    if rel is None or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(rel).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def base_uri(base_dir: str | os.PathLike | None) -> str:
    """The absolute file:// URI of base_dir, ending in a slash as SARIF requires."""
    uri = Path(os.path.abspath(base_dir if base_dir is not None else os.curdir)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def is_file_name(file: str) -> bool:
    """Whether findings name a file (not a database URL, nor "<records>" of the API)."""
    return "://" not in file and not file.startswith("<")


def record_line(file: str, row: int) -> int | None:
    """The line a data row starts on, in the text formats and workbooks; None for inputs
    without lines (Parquet, a database, records given to the API)."""
    name = file.lower()
    if not is_file_name(file):
        return None
    if name.endswith(_HEADERLESS):
        return row
    return row + 1 if name.endswith(_HEADED) else None


def region_of(f: Finding) -> dict[str, Any] | None:
    if f.row is not None and f.line is None:
        line = record_line(f.file or "", f.row)
        return {"startLine": max(1, line)} if line is not None else None
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
    help_lines = [title] + ([f"依据：{cites}"] if cites else [])
    if meta.file:
        help_lines.append(f"规则：{Path(meta.file).as_posix()}" + (f":{meta.line}" if meta.line else ""))
    descriptor["help"] = {"text": "\n".join(help_lines)}
    properties: dict[str, Any] = {"tags": list(meta.tags)[:MAX_TAGS], "severity": meta.severity}
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
    region = region_of(f)
    properties: dict[str, Any] = {"severity": f.severity}
    if region is None:  # about the whole file: GitHub wants a line all the same
        region = {"startLine": 1}
        properties["fileLevel"] = True
    physical: dict[str, Any] = {"artifactLocation": artifact_location(f.file, base_dir), "region": region}
    location: dict[str, Any] = {"physicalLocation": physical}
    if f.article:
        location["logicalLocations"] = [{"name": f.article}]
    result["locations"] = [location]
    result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint()}
    for key in ("case_id", "row", "article", *DATE_FIELDS):
        value = getattr(f, key)
        if value is not None:
            properties[key] = value
    if f.group is not None:
        properties["group"] = canonical(f.group)
    if f.data is not None:
        properties["data"] = canonical_data(f.data)
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
    left_out = 0
    if len(findings) > MAX_RESULTS:
        kept = sorted(findings, key=lambda f: severity_rank(f.severity))[:MAX_RESULTS]  # stable: in order
        left_out = len(findings) - len(kept)
        findings = sort_findings(kept)
    metas = rules_meta_with_findings(findings, rules_meta)
    index = {rule: i for i, rule in enumerate(metas)}
    driver: dict[str, Any] = {
        "name": "xuke",
        "version": version or tool_version(),
    }
    uri = information_uri or tool_information_uri() or os.environ.get("XUKE_INFORMATION_URI") or None
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = [_rule_descriptor(m) for m in metas.values()]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": base_uri(base_dir)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule], base_dir) for f in findings],
    }
    if left_out:
        note = (f"{left_out} less severe results left out: code scanning accepts at most {MAX_RESULTS} "
                "per run; the json, jsonl and csv reports have them all")  # fmt: skip
        run["invocations"] = [{"executionSuccessful": True,
                               "toolExecutionNotifications": [{"level": "warning", "message": {"text": note}}]}]  # fmt: skip
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
