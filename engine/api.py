"""The Python API (docs/api.md): load rule packs, audit approval records, lint a draft,
check and test rule files. Results are plain data — lists and dicts of JSON types, the
same shape as `--format json` — so a notebook, a scheduler or a web service can use them
without knowing the engine's classes. The command line (cli.py) is built on the same
functions.

Nothing here reads `xuke.yaml` unless asked (`config=`): a library call does what its
arguments say, wherever the process happens to run.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import XukeError

__all__ = [
    "AuditResult", "LintResult", "Packs", "as_of_date", "audit", "audit_db", "check", "lint", "load_packs",
    "open_source",
]  # fmt: skip


# ---- packs --------------------------------------------------------------------------------


@dataclass
class Packs:
    """Rule packs parsed, checked and compiled, with the configuration that selects their
    rules and sets their severities and thresholds. `rules` lists the rules that report."""

    base: Any  # lang.checker.RuleBase
    config: Any  # jobs.config.Config
    _programs: dict = field(default_factory=dict, repr=False)

    @property
    def rules(self) -> list[dict[str, Any]]:
        out = []
        for info in self.base.ordered_rules():
            rule = info.rule
            if not rule.reports or not self.config.selects(rule.id):
                continue
            out.append({
                "id": rule.id, "title": rule.title, "severity": self.config.severity_of(rule.id, rule.severity),
                "cites": list(rule.cites), "tags": list(rule.tags), "pack": info.pack, "file": info.file,
                "line": rule.id_pos.line,
            })  # fmt: skip
        return out

    @property
    def severity(self) -> dict[str, str] | None:
        return self.config.severity_map(self.base) or None

    def rules_meta(self) -> dict:
        """`reports.RuleMeta` per reporting rule, as the reporters take them."""
        from .reports import RuleMeta

        meta = {
            i.rule.id: RuleMeta(i.rule.id, i.rule.title, i.rule.severity or "info", tuple(i.rule.cites),
                                tuple(i.rule.tags), i.file, i.rule.id_pos.line)
            for i in self.base.ordered_rules() if i.rule.reports
        }  # fmt: skip
        return self.config.rules_meta(meta)

    def program(self, keep_sources: bool = False):
        """The compiled program of every rule (cached), with the configured severities."""
        if keep_sources not in self._programs:
            from .ir.compiler import compile_rules
            from .run.runtime import CompiledProgram

            program = CompiledProgram(compile_rules(self.base), self.severity)
            program.keep_sources = keep_sources
            self._programs[keep_sources] = program
        return self._programs[keep_sources]

    def __len__(self) -> int:
        return len(self.rules)


def _config(config) -> Any:
    from .jobs.config import Config, load_config

    if config is None or isinstance(config, Config):
        return config or Config()
    return load_config(config)


def load_packs(paths: str | os.PathLike | Iterable[str | os.PathLike] | None = None, *, config=None,
               rule_path: Iterable[str | os.PathLike] | None = None) -> Packs:  # fmt: skip
    """Parse, check and compile rule files or folders (default: the packs `config` names,
    else the standard packs). `config`: a path to an `xuke.yaml`, or a loaded one. A rule
    file with errors raises `DiagnosticError`, whose `render()` shows every error."""
    from .jobs.packs import load_packs as load

    cfg = _config(config)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    base = load(list(paths) if paths is not None else cfg.rule_paths(), list(rule_path or ()))
    cfg.prepare(base)  # checks rule ids and thresholds against the packs, applies the thresholds
    return Packs(base, cfg)


def _packs(packs, config) -> Packs:
    if isinstance(packs, Packs):
        return packs
    return load_packs(packs, config=config)


# ---- dates and calendars ------------------------------------------------------------------


def as_of_date(value: str | dt.date | None) -> dt.date:
    """The audit date: a date, or text in any form the record reader accepts (2025-12-31,
    2025/12/31, 2025年12月31日, 20251231); None is today."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    from .domain.values import parse_date

    try:
        return parse_date(str(value).strip())
    except ValueError:
        from .i18n import _

        raise XukeError(_("usage.as_of", value=value)) from None


def _calendar(calendar, cfg):
    """A WorkCalendar: given, or loaded from a YAML path, or the configuration's."""
    from .domain.calendar import WorkCalendar

    if isinstance(calendar, WorkCalendar):
        return calendar
    return cfg.work_calendar(calendar)


# ---- audit ----------------------------------------------------------------------------------


@dataclass
class AuditResult:
    """An audit as plain data: `findings` and `summary` as in `--format json`, and the
    rejected rows with their reasons (`file`, `row`, `reason`)."""

    findings: list[dict[str, Any]]
    summary: dict[str, Any]
    rejects: list[dict[str, Any]] = field(default_factory=list)


def open_source(source, *, name: str | None = None, aliases: Mapping[str, str] | None = None,
                encoding: str | None = None, sheet: str | None = None):  # fmt: skip
    """A record source for what `audit` accepts: a path (CSV, TSV, JSONL, XLSX, Parquet),
    a pandas or polars DataFrame or a pyarrow Table, or an iterable of mappings."""
    from .sources.records import RecordSource
    from .sources.tables import MappingSource, frame_source

    aliases = dict(aliases) if aliases else None
    if isinstance(source, RecordSource):
        return source
    if isinstance(source, (str, os.PathLike)):
        from .sources.open import open_records

        return open_records(source, encoding=encoding, sheet=sheet, aliases=aliases)
    if type(source).__module__.split(".")[0] in ("pandas", "polars", "pyarrow"):
        return frame_source(source, name or "<dataframe>", aliases)
    if isinstance(source, Iterable):
        return MappingSource(source, name or "<records>", aliases)
    raise XukeError(f"cannot audit a {type(source).__name__}: give a file path, a DataFrame or an iterable of dicts")


def _sources(source, name, aliases, encoding, sheet) -> list:
    # a list of paths is several files; a list of anything else is records
    if isinstance(source, (list, tuple)) and source and all(isinstance(s, (str, os.PathLike)) for s in source):
        return [open_source(s, aliases=aliases, encoding=encoding, sheet=sheet) for s in source]
    return [open_source(source, name=name, aliases=aliases, encoding=encoding, sheet=sheet)]


def run_audit(packs: Packs, sources: list, *, as_of=None, calendar=None, jobs: int = 1,
              chunk_size: int | None = None, executor: str = "local", scheduler: str | None = None,
              checkpoint: str | None = None, on_progress=None, render=None, engine: str = "auto"):  # fmt: skip
    """The audit as the command line runs it: findings streamed from a spool, in report
    order (`jobs.audit.AuditResult`; close it when done). `sources` are open record
    sources or file paths."""
    from .jobs.audit import audit_files

    cfg = packs.config
    return audit_files(packs.base, sources, _calendar(calendar, cfg), as_of_date(as_of),
                       jobs=jobs, chunk_size=chunk_size, aliases=cfg.aliases, severity=packs.severity,
                       on_progress=on_progress, executor=executor, scheduler=scheduler, checkpoint=checkpoint,
                       render=render, engine=engine,
                       **cfg.calendar_args(calendar if isinstance(calendar, (str, os.PathLike)) else None))  # fmt: skip


def audit(source, packs: Packs | str | os.PathLike | Iterable | None = None, *, as_of=None, calendar=None,
          config=None, aliases: Mapping[str, str] | None = None, name: str | None = None,
          encoding: str | None = None, sheet: str | None = None, jobs: int = 1,
          chunk_size: int = 2000) -> AuditResult:  # fmt: skip
    """Audit approval records: a file path (or a list of them), a pandas or polars
    DataFrame, a pyarrow Table, a Parquet file, or an iterable of dicts (one per record,
    keyed by the export's column names or the canonical field names). `packs`: loaded
    `Packs`, or paths to load (default: the standard packs). `aliases` map more column
    names onto record fields, as `aliases:` in xuke.yaml does."""
    as_of = as_of_date(as_of)  # a bad date is reported before any input is opened
    packs = _packs(packs, config)
    if aliases:
        packs = Packs(packs.base, _with_aliases(packs.config, aliases))
    sources = _sources(source, name, packs.config.aliases, encoding, sheet)
    return _collect(packs, run_audit(packs, sources, as_of=as_of, calendar=calendar, jobs=jobs,
                                     chunk_size=chunk_size))  # fmt: skip


def audit_db(url: str, table: str | None = None, query: str | None = None, packs=None, *, as_of=None,
             calendar=None, config=None, aliases: Mapping[str, str] | None = None, jobs: int = 1,
             chunk_size: int = 2000) -> AuditResult:  # fmt: skip
    """Audit the rows of a database table or query (a SQLAlchemy URL: sqlite:///file.db,
    postgresql+psycopg://user@host/db, ...), streamed in batches."""
    from .sources.tables import DatabaseSource

    as_of = as_of_date(as_of)
    packs = _packs(packs, config)
    if aliases:
        packs = Packs(packs.base, _with_aliases(packs.config, aliases))
    source = DatabaseSource(url, table=table, query=query, aliases=packs.config.aliases)
    try:
        result = run_audit(packs, [source], as_of=as_of, calendar=calendar, jobs=jobs, chunk_size=chunk_size)
    finally:
        source.close()
    return _collect(packs, result)


def _with_aliases(cfg, aliases: Mapping[str, str]):
    import dataclasses

    return dataclasses.replace(cfg, aliases={**cfg.aliases, **dict(aliases)})


def _collect(packs: Packs, result) -> AuditResult:
    """Plain data from an audit's spooled result, with the configuration's selection and
    severities applied as every report applies them."""
    from .jobs.baseline import FindingView, refresh_summary
    from .reports.jsonout import canonical_summary, finding_record

    try:
        findings, summary = result.findings, result.summary
        if packs.config.changes_findings:
            view = FindingView(findings, packs.config)
            findings, summary = view, refresh_summary(summary, view.tally()[0])
        return AuditResult([finding_record(f) for f in findings], canonical_summary(summary),
                           [dict(r) for r in result.rejects])  # fmt: skip
    finally:
        result.close()


# ---- lint -----------------------------------------------------------------------------------


@dataclass
class LintResult:
    """A lint as plain data: `findings` and `summary` as in `--format json`."""

    findings: list[dict[str, Any]]
    summary: dict[str, Any]


def run_lint(packs: Packs, paths, *, kind: str | None = None, encoding: str | None = None, calendar=None,
             as_of=None, keep_sources: bool = False):  # fmt: skip
    """Lint draft files as the command line does: `jobs.lint.LintResult` of Finding objects."""
    from .jobs.lint import lint_files

    return lint_files(packs.base, paths, _calendar(calendar, packs.config), kind=kind, encoding=encoding,
                      program=packs.program(keep_sources), as_of=as_of_date(as_of) if as_of else None)  # fmt: skip


def lint(text: str | None = None, path: str | os.PathLike | Iterable | None = None, kind: str | None = None,
         packs=None, *, config=None, name: str = "draft.txt", encoding: str | None = None) -> LintResult:  # fmt: skip
    """Lint a draft given as `text` (read as plain text, or as Markdown when `name` ends
    in .md; findings name the file `name`) or the files at `path` (.txt, .md, .docx, or
    folders of them). `kind`: the document kind when neither front matter nor title tells
    (规范性文件, 办事指南)."""
    from .reports.jsonout import finding_record

    if (text is None) == (path is None):
        raise XukeError("lint: give a text or a path")
    packs = _packs(packs, config)
    if text is not None:
        result = _lint_text(packs, text, name, kind)
    else:
        paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
        result = run_lint(packs, paths, kind=kind, encoding=encoding)
    findings = list(packs.config.select(result.findings)) if packs.config.changes_findings else result.findings
    summary = dict(result.summary)
    if packs.config.changes_findings:
        from .jobs.baseline import refresh_summary

        summary = refresh_summary(summary, findings)
    from .reports.jsonout import canonical

    return LintResult([finding_record(f) for f in findings], canonical(summary))


MAX_TEXT_CHARS = 16 * 1024 * 1024  # a policy draft given as text


def _lint_text(packs: Packs, text: str, name: str, kind: str | None):
    """Lint a text through the document reader: written to a private temporary file that
    keeps `name`'s suffix, its findings then named `name`."""
    import tempfile

    if not isinstance(text, str):
        raise XukeError(f"lint: text must be a str, not {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise XukeError(f"lint: a text of {len(text)} characters; at most {MAX_TEXT_CHARS}")
    suffix = Path(name).suffix.lower()
    if suffix not in (".txt", ".md", ".markdown"):
        raise XukeError(f"lint: name {name!r} must end in .txt or .md (it says how the text is read)")
    with tempfile.TemporaryDirectory(prefix="xuke-lint-") as tmp:
        path = Path(tmp) / f"draft{suffix}"
        path.write_text(text, encoding="utf-8")
        result = run_lint(packs, [path], kind=kind)
    temp = str(path)
    for f in result.findings:
        f.file = name
        f.trace = _renamed(f.trace, temp, name)
    result.summary = _renamed(result.summary, temp, name)
    return result


def _renamed(value, old: str, new: str):
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, Mapping):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    return value


# ---- rule files -------------------------------------------------------------------------


def check(paths, rule_path: Iterable | None = None) -> list[dict[str, Any]]:
    """The errors in rule files, as dicts (`file`, `line`, `column`, `message`, `hint`);
    an empty list when every file parses and checks."""
    from .jobs.packs import load_packs as load
    from .lang.diagnostics import DiagnosticError

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    try:
        load(list(paths), list(rule_path or ()))
    except DiagnosticError as e:
        return [{"file": d.pos.file, "line": d.pos.line, "column": d.pos.column, "level": d.level,
                 "message": d.message, "hint": d.hint} for d in e.diagnostics]  # fmt: skip
    return []
