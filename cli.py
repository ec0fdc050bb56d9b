"""xuke command line: argument handling and wiring only; the work is in `engine`."""
from __future__ import annotations

import argparse
import sys
import time

from xuke.errors import XukeError
from xuke.lang.diagnostics import DiagnosticError


def _output_options(p) -> None:
    from xuke.i18n import _
    from xuke.reports.emit import FORMATS

    # default None: xuke.yaml's `output:` fills what the command line leaves out
    p.add_argument("--format", choices=FORMATS, help=_("help.opt.format"))
    p.add_argument("-o", "--output", default="-", metavar="FILE", help=_("help.opt.output"))
    p.add_argument("--fail-on", choices=("critical", "error", "warning", "info", "never"),
                   help=_("help.opt.fail_on"))
    p.add_argument("--baseline", metavar="FILE", help=_("help.baseline"))
    p.add_argument("--write-baseline", metavar="FILE", help=_("help.write_baseline"))


def _global_options(p, main: bool = False) -> None:
    """--config, --no-config and --lang: on the main parser and on every command, so they
    may come before or after the command's name."""
    from xuke.i18n import _

    default = None if main else argparse.SUPPRESS  # a command's parser must not reset the main one's value
    p.add_argument("--config", metavar="FILE", default=default, help=_("help.config"))
    p.add_argument("--no-config", action="store_true", default=default or False, help=_("help.no_config"))
    p.add_argument("--lang", choices=("zh", "en"), default=default, help=_("help.lang"))


def _epilog(text: str) -> str:
    """An examples block: its heading in the current language, the commands as they are."""
    from xuke.i18n import _

    return _("help.examples") + text.removeprefix("examples:")


def _parser() -> argparse.ArgumentParser:
    from xuke.i18n import _

    p = argparse.ArgumentParser(prog="xuke", description=_("help.description"))
    p.add_argument("--version", action="version", version=f"xuke {_version()}", help=_("help.version"))
    _global_options(p, main=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help=_("help.check"), epilog=_("help.examples.check"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--rule-path", action="append", default=[], metavar="DIR", help=_("help.check.rule_path"))
    c.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help=_("help.check.format"))  # fmt: skip
    c.add_argument("-o", "--output", default="-", metavar="FILE", help=_("help.check.output"))
    c.add_argument("--junit", metavar="FILE", help=_("help.check.junit"))

    f = sub.add_parser("fmt", help=_("help.fmt"), epilog=_("help.examples.fmt"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    f.add_argument("paths", nargs="+", metavar="PATH")
    f.add_argument("--check", action="store_true", help=_("help.fmt.check"))
    f.add_argument("--keywords", choices=("zh", "en"), help=_("help.fmt.keywords"))

    t = sub.add_parser("test", help=_("help.test"),
                       epilog=_epilog("examples:\n  xuke test rules/\n  xuke test --coverage rules/"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    t.add_argument("paths", nargs="+", metavar="PATH")
    t.add_argument("--coverage", action="store_true", help=_("help.test.coverage"))
    t.add_argument("--calendar", metavar="FILE", help=_("help.opt.calendar"))
    t.add_argument("--junit", metavar="FILE", help=_("help.test.junit"))

    a = sub.add_parser("audit", help=_("help.audit"),
                       epilog=_epilog("examples:\n  xuke audit fixtures/approvals/sample.csv --as-of 2025-12-31\n"
                              "  xuke audit export.xlsx --format json -o report.json --xlsx report.xlsx"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    a.add_argument("files", nargs="*", metavar="FILE", help=_("help.audit.files"))
    a.add_argument("--db", metavar="URL", help=_("help.audit.db"))
    a.add_argument("--table", metavar="NAME", help=_("help.audit.table"))
    a.add_argument("--query", metavar="SQL", help=_("help.audit.query"))
    a.add_argument("--rules", action="append", metavar="PATH", help=_("help.opt.rules"))
    a.add_argument("--as-of", metavar="DATE", help=_("help.opt.as_of"))
    a.add_argument("--encoding", help=_("help.opt.encoding"))
    a.add_argument("--sheet", help=_("help.audit.sheet"))
    a.add_argument("--calendar", metavar="FILE", help=_("help.opt.calendar"))
    a.add_argument("--rejects", metavar="FILE", help=_("help.audit.rejects"))
    a.add_argument("--xlsx", metavar="FILE", help=_("help.audit.xlsx"))
    a.add_argument("--jobs", "-j", type=int, metavar="N", help=_("help.audit.jobs"))
    a.add_argument("--chunk-size", type=int, metavar="ROWS",
                   help=_("help.audit.chunk_size"))
    a.add_argument("--engine", choices=("auto", "columns", "rete"), default="auto",
                   help=_("help.audit.engine"))
    a.add_argument("--executor", choices=("local", "dask"), default="local",
                   help=_("help.audit.executor"))
    a.add_argument("--scheduler", metavar="ADDR",
                   help=_("help.audit.scheduler"))
    a.add_argument("--checkpoint", metavar="DIR",
                   help=_("help.audit.checkpoint"))
    _history_options(a)
    _output_options(a)

    li = sub.add_parser("lint", help=_("help.lint"),
                        epilog=_epilog("examples:\n  xuke lint fixtures/policies/\n"
                               "  xuke lint draft.docx --annotate draft.reviewed.docx\n"
                               "  xuke lint draft.md --format sarif -o lint.sarif"),
                        formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    li.add_argument("files", nargs="+", metavar="FILE")
    li.add_argument("--rules", action="append", metavar="PATH", help=_("help.opt.rules"))
    li.add_argument("--kind", help=_("help.lint.kind"))
    li.add_argument("--encoding", help=_("help.opt.encoding"))
    li.add_argument("--annotate", metavar="OUT.docx", help=_("help.lint.annotate"))
    li.add_argument("--junit", metavar="FILE",
                    help=_("help.lint.junit"))
    _output_options(li)

    e = sub.add_parser("explain", help=_("help.explain"),
                       epilog=_epilog("examples:\n  xuke explain fixtures/approvals/sample.csv --case 3201002500000004 "
                              "--as-of 2025-12-31\n  xuke explain export.csv --rule FP-1 --limit 5\n"
                              "  xuke explain draft.docx --rule DOC-58-FEE"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    e.add_argument("file", metavar="FILE", help=_("help.explain.file"))
    e.add_argument("--case", metavar="ID", help=_("help.explain.case"))
    e.add_argument("--rule", metavar="RULE", help=_("help.explain.rule"))
    e.add_argument("--source", action="store_true", help=_("help.explain.source"))
    e.add_argument("--limit", type=int, default=10, metavar="N", help=_("help.explain.limit"))
    e.add_argument("--rules", action="append", metavar="PATH", help=_("help.opt.rules"))
    e.add_argument("--as-of", metavar="DATE", help=_("help.opt.as_of"))
    e.add_argument("--calendar", metavar="FILE", help=_("help.opt.calendar"))
    e.add_argument("--encoding", help=_("help.opt.encoding"))

    r = sub.add_parser("rules", help=_("help.rules"))
    rsub = r.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    rl = rsub.add_parser("list", help=_("help.rules.list"))
    rl.add_argument("paths", nargs="*", metavar="PATH", help=_("help.rules.paths"))

    h = sub.add_parser("history", help=_("help.history"),
                       epilog=_epilog("examples:\n  xuke history list --history audits.db\n"
                              "  xuke history trend 市交通运输局 --history audits.db"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    hsub = h.add_subparsers(dest="history_command", metavar="SUBCOMMAND")
    hl = hsub.add_parser("list", help=_("help.history.list"))
    ht = hsub.add_parser("trend", help=_("help.history.trend"))
    ht.add_argument("department", metavar="DEPARTMENT")
    for hp in (h, hl, ht):
        hp.add_argument("--history", metavar="DB", default=argparse.SUPPRESS,
                        help=_("help.history.db"))
        hp.add_argument("--series", metavar="NAME", default=argparse.SUPPRESS,
                        help=_("help.history.series"))
        hp.add_argument("--limit", type=int, default=argparse.SUPPRESS, metavar="N",
                        help=_("help.history.limit"))

    ini = sub.add_parser("init", help=_("help.init"))
    ini.add_argument("path", nargs="?", default="xuke.yaml", metavar="PATH", help=_("help.init_path"))

    comp = sub.add_parser("completion", help=_("help.completion"),
                          epilog=_epilog("examples:\n  xuke completion bash > ~/.local/share/bash-completion/completions/xuke\n"
                                 "  xuke completion zsh > ~/.zfunc/_xuke"),
                          formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    comp.add_argument("shell", choices=("bash", "zsh", "tcsh"))

    for parser in (*sub.choices.values(), rl, hl, ht):
        _global_options(parser)
    return p


def _version() -> str:
    from xuke.reports import tool_version

    return tool_version()


def _cmd_completion(args) -> int:
    import shtab

    sys.stdout.write(shtab.complete(_parser(), shell=args.shell))
    return 0


def _history_options(a) -> None:
    from xuke.i18n import _

    a.add_argument("--history", metavar="DB", help=_("help.audit.history"))
    a.add_argument("--series", metavar="NAME", help=_("help.audit.series"))
    a.add_argument("--escalate-after", type=int, metavar="N", help=_("help.audit.escalate_after"))
    a.add_argument("--html", metavar="FILE", help=_("help.audit.html"))
    a.add_argument("--unit", metavar="NAME", help=_("help.audit.unit"))


def _config(args):
    """The xuke.yaml in force (cached on args): --config FILE, else the nearest one found
    upwards (xuke.jobs.config.find_config), else none; --no-config ignores them all."""
    from xuke.jobs.config import find_config, load_config

    if getattr(args, "_config", None) is None:
        path = None if getattr(args, "no_config", False) else (getattr(args, "config", None) or find_config())
        args._config = load_config(path)
    return args._config


def _preload(argv):
    """(config, error) from argv before argparse runs: the language of the help texts and
    of every message may come from output.lang. A broken file is reported after parsing,
    so that --help still works."""
    from xuke.i18n import argv_option
    from xuke.jobs.config import find_config, load_config

    if "--no-config" in argv:
        return load_config(None), None
    try:
        return load_config(argv_option(argv, "--config") or find_config()), None
    except XukeError as e:
        return None, e


def _cmd_init(args) -> int:
    from xuke.i18n import _, get_lang
    from xuke.jobs.config import init_config

    print(_("init.wrote", path=init_config(args.path, get_lang())))
    return 0


def _reported(args, findings, summary):
    """The findings as reported, and the summary recounted: xuke.yaml's rule selection and
    severities applied, the baseline's findings hidden (--write-baseline records them
    first). Lazy, so a spooled audit is never held in memory."""
    from xuke.i18n import _
    from xuke.jobs.baseline import FindingView, load_baseline, refresh_summary, write_baseline

    cfg = _config(args)
    if args.write_baseline:
        n = write_baseline(args.write_baseline, FindingView(findings, cfg))
        print(_("baseline.wrote", n=n, path=args.write_baseline), file=sys.stderr)
    path = args.write_baseline or args.baseline
    if path is None and not cfg.changes_findings:
        return findings, summary
    known = getattr(args, "_baseline", None) if path == args.baseline else None  # read before the work
    view = FindingView(findings, cfg, known if known is not None else load_baseline(path) if path else None)
    by_rule, hidden = view.tally()
    notes = {}
    if path:
        notes["baseline"] = {"file": path, "hidden": hidden}
        if hidden and not args.write_baseline:
            print(_("baseline.hidden", n=hidden, path=path), file=sys.stderr)
    return view, refresh_summary(summary, by_rule, **notes)


def _check_encoding(args) -> None:
    """--encoding names a text encoding a file can be read in (B25: rot13, hex and idna
    gave tracebacks)."""
    if getattr(args, "encoding", None):
        from xuke.sources.csvreader import text_codec

        text_codec(args.encoding)


def _check_paths(args, inputs) -> None:
    """Before anything is read or written: no output is an input or another output (B22),
    and a --baseline is read now, so a bad one fails before the work rather than after."""
    from xuke.jobs.baseline import load_baseline

    _check_encoding(args)
    from xuke.jobs.outputs import check_outputs

    cfg = _config(args)
    given = [("input", f) for f in inputs]
    given += [(o, getattr(args, a, None)) for o, a in (("--calendar", "calendar"), ("--baseline", "baseline"))]
    given += [("--rules", str(p)) for p in _rule_files_given(args)]
    given.append(("xuke.yaml", str(cfg.path) if cfg.path else None))
    outputs = [(o, getattr(args, a, None)) for o, a in (("-o", "output"), ("--rejects", "rejects"),
                                                        ("--xlsx", "xlsx"), ("--annotate", "annotate"))]  # fmt: skip
    check_outputs(outputs, given)
    # --write-baseline may be the --baseline it replaces (docs/configuration.md)
    check_outputs([("--write-baseline", args.write_baseline)], [g for g in given if g[0] != "--baseline"] + outputs)
    if args.baseline and not args.write_baseline:
        args._baseline = load_baseline(args.baseline)


def _rule_files_given(args) -> list:
    from xuke.jobs.loader import rule_files

    try:
        return rule_files(args.rules or [])
    except XukeError:  # loading the packs reports it
        return []


def _cmd_check(args) -> int:
    from xuke.jobs.packs import load_packs

    started = time.perf_counter()
    try:
        base = load_packs(args.paths, args.rule_path)
    except DiagnosticError as e:
        _check_junit(args, e.diagnostics, e.sources)
        if args.format == "text":
            raise
        _emit_diagnostics(args, e.diagnostics, e.sources)
        return 1
    elapsed = time.perf_counter() - started
    _check_junit(args, [], base.sources)
    if args.format != "text":
        _emit_diagnostics(args, [], {})
        return 0
    from xuke.i18n import _

    print(_("check.ok", rules=len(base.rules), files=len(base.programs), ms=f"{elapsed * 1000:.0f}"))
    return 0


def _check_junit(args, diagnostics, sources) -> None:
    if args.junit:
        from xuke.jobs.loader import display_name, rule_files
        from xuke.reports.junit import check_cases, write_junit

        files = [display_name(p) for p in rule_files(args.paths)]
        write_junit(args.junit, check_cases(diagnostics, sources, files), "xuke check")


def _emit_diagnostics(args, diagnostics, sources) -> None:
    """Check errors as findings of the pseudo-rule XUKE-CHECK, so SARIF viewers and CI
    annotations show them at their file, line and column."""
    from xuke.findings import Finding
    from xuke.reports import RuleMeta
    from xuke.reports.emit import emit

    findings = []
    for d in diagnostics:
        lines = (sources.get(d.pos.file) or "").splitlines()
        text = lines[d.pos.line - 1] if 0 < d.pos.line <= len(lines) else None
        start = max(d.pos.column - 1, 0)
        end = d.pos.end_column - 1 if d.pos.end_line == d.pos.line and d.pos.end_column else start + 1
        message = d.message + (f" ({d.hint})" if d.hint else "")
        findings.append(Finding("XUKE-CHECK", "error", "rule file error", message, [], [], d.pos.file,
                                line=d.pos.line, text=text, span=(start, max(end, start + 1)) if text else None))  # fmt: skip
    meta = {"XUKE-CHECK": RuleMeta("XUKE-CHECK", "rule file error", "error", ("docs/language.md",), ())}
    emit(args.format, args.output, findings, {"errors": len(findings)}, meta, job="lint")


def _cmd_fmt(args) -> int:
    from xuke.i18n import _
    from xuke.jobs.loader import read_rule_file, rule_files
    from xuke.lang.fmt import format_source
    from xuke.lang.syntax import parse

    changed = 0
    errors: list[DiagnosticError] = []
    for path in rule_files(args.paths):
        source = read_rule_file(path)
        try:
            parse(source, str(path))
            formatted = format_source(source, str(path), keywords=args.keywords)
        except DiagnosticError as e:
            errors.append(e)
            continue
        if formatted != source:
            changed += 1
            if args.check:
                print(_("fmt.would_reformat", path=path))
            else:
                path.write_text(formatted, encoding="utf-8")
                print(_("fmt.reformatted", path=path))
    if errors:
        for e in errors:
            print(e.render(), file=sys.stderr)
        return 1
    if args.check and changed:
        return 1
    return 0


def _cmd_rules(args) -> int:
    from rich.console import Console
    from rich.table import Table
    from xuke.api import load_packs
    from xuke.i18n import _, severity_label

    if args.rules_command != "list":
        raise XukeError(_("usage.rules"))
    cfg = _config(args)
    packs = load_packs(args.paths or None, config=cfg)
    table = Table(show_lines=False)
    for col in ("id", "severity", "title", "cites", "pack"):
        table.add_column(_(f"rules.col.{col}"))
    for info in packs.base.ordered_rules():
        rule = info.rule
        severity = cfg.severity_of(rule.id, rule.severity) if rule.reports else rule.severity
        table.add_row(rule.id, severity_label(severity) or "-", rule.title, "; ".join(rule.cites) or "-", info.pack)
    Console(width=None if sys.stdout.isatty() else 160).print(table)
    return 0


def _cmd_test(args) -> int:
    from xuke.i18n import _
    from xuke.jobs.testing import run_tests

    calendar = _config(args).work_calendar(args.calendar)  # thresholds do not apply: the examples keep their values
    run = run_tests(args.paths, calendar)
    for rule_id, items in run.by_rule().items():
        bad = [r for r in items if not r.ok]
        for r in bad:
            print(_("test.rule_fail", rule=rule_id, file=r.file, line=r.line, expect=_(f"test.expect.{r.expect}"),
                    detail=_example_detail(r.detail)))  # fmt: skip
        if not bad:
            print(_("test.rule_ok", rule=rule_id, n=len(items)))
    for case in run.cases:
        if case.ok:
            print(_("test.case_ok", file=case.file, line=case.line, name=case.name))
        else:
            print(_("test.case_fail", file=case.file, line=case.line, name=case.name, detail=case.detail))
    if args.junit:
        from xuke.reports.junit import write_junit

        write_junit(args.junit, run.junit_cases(), "xuke test")
    if args.coverage:
        for rid in run.untested():
            print(_("test.not_exercised", rule=rid))
    print(_("test.totals", passed=run.passed, failed=run.failed))  # the same in both languages: CI parses it
    return 1 if run.failed else 0


def _example_detail(detail: str) -> str:
    """xuke.jobs.testing's detail ("did not fire" / "fired: MESSAGE") in the current language."""
    from xuke.i18n import _

    if detail == "did not fire":
        return _("test.did_not_fire")
    if detail.startswith("fired: "):
        return _("test.fired", message=detail[len("fired: "):])
    return detail


def _as_of(value):
    from xuke.api import as_of_date

    return as_of_date(value)


class _progress:
    """A progress line (rows, rows/s, elapsed) on an interactive terminal; nothing in CI or
    when stderr is piped, so logs stay clean."""

    def __enter__(self):
        import os

        self.bar = None
        if not sys.stderr.isatty() or os.environ.get("CI"):
            return None
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        from xuke.i18n import _

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.fields[rows]}"), TextColumn("{task.fields[rate]}"),
                            TimeElapsedColumn(), console=Console(stderr=True), transient=True)  # fmt: skip
        self.task = self.bar.add_task("audit", total=None, rows=_("progress.rows", n="0"), rate="")
        self.bar.start()
        started = time.perf_counter()

        def update(rows: int):
            rate = rows / max(time.perf_counter() - started, 1e-6)
            self.bar.update(self.task, completed=rows, rows=_("progress.rows", n=f"{rows:,}"),
                            rate=_("progress.rate", rate=f"{rate:,.0f}"))  # fmt: skip

        return update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _exit_code(findings, fail_on) -> int:
    from xuke.findings import at_or_above

    return 1 if any(at_or_above(f.severity, fail_on) for f in findings) else 0


def _cmd_audit(args) -> int:
    from xuke.api import load_packs, run_audit
    from xuke.jobs.audit import default_jobs

    _check_paths(args, args.files)
    cfg = _config(args)
    packs = load_packs(args.rules or None, config=cfg)
    sources = _audit_inputs(args, cfg)
    if args.engine == "columns":
        from xuke.api import as_of_date
        from xuke.jobs.audit import engine_report

        for line in engine_report(packs.base, cfg.work_calendar(args.calendar), as_of_date(args.as_of)):
            print(line, file=sys.stderr)
    render = None
    if _lines_as_they_come(args, cfg):
        from xuke.reports.jsonout import render_jsonl as render
    try:
        with _progress() as on_progress:
            result = run_audit(packs, sources, as_of=args.as_of, calendar=args.calendar, jobs=args.jobs or default_jobs(),
                               chunk_size=args.chunk_size, executor=args.executor, scheduler=args.scheduler,
                               checkpoint=args.checkpoint, on_progress=on_progress, render=render,
                               engine=args.engine)  # fmt: skip
    finally:
        for source in sources:
            if hasattr(source, "close"):
                source.close()
    try:
        return _report_audit(args, packs, result)
    finally:
        result.close()


def _audit_inputs(args, cfg, opened: bool = False) -> list:
    """The files named, or the database table or query of --db (read through SQLAlchemy);
    `opened`: the files as record sources too (the history reads them again)."""
    if args.db is None:
        if args.table or args.query:
            raise XukeError("--table and --query need --db URL")
        if not args.files:
            raise XukeError("audit: name the files to audit, or a database with --db URL --table T | --query SQL")
        if opened:
            from xuke.sources.open import open_records

            return [open_records(f, encoding=args.encoding, sheet=args.sheet, aliases=cfg.aliases) for f in args.files]
        return list(args.files)
    if args.files:
        raise XukeError("--db audits a database: name no files with it")
    if args.encoding or args.sheet:
        raise XukeError("--encoding and --sheet are for files, not --db")
    from xuke.sources.tables import DatabaseSource

    return [DatabaseSource(args.db, table=args.table, query=args.query, aliases=cfg.aliases)]


def _lines_as_they_come(args, cfg) -> bool:
    """A JSONL report of every finding as found: its lines can be rendered while the audit
    runs (the main process waits on its workers anyway), so writing it costs no time at
    the end. Baselines and xuke.yaml's selection change the findings afterwards."""
    fmt = cfg.choose("format", args.format, "text")
    return fmt == "jsonl" and not (args.baseline or args.write_baseline or cfg.changes_findings
                                   or args.history or cfg.history.database)  # fmt: skip


def _report_audit(args, packs, result) -> int:
    from xuke.jobs.history import recorded_audit

    cfg = _config(args)
    fmt, fail_on = cfg.choose("format", args.format, "text"), cfg.choose("fail_on", args.fail_on, "error")
    meta = packs.rules_meta()
    findings, summary = _reported(args, result.findings, result.summary)
    history = _audit_history(args, cfg)
    with recorded_audit(history, packs.base, findings, summary) as (findings, summary):
        title_block = history.title_block(packs.base, summary)
        return _write_audit(args, result, findings, summary, meta, fmt, fail_on, title_block)


def _audit_history(args, cfg):
    """The history settings of this audit: the command line over xuke.yaml."""
    from xuke.jobs.history import AuditHistory

    hist = cfg.history
    inputs = [str(f) for f in args.files] or [_database_name(args.db)]
    options = {"rules": [str(r) for r in (args.rules or [])] or None, "calendar": args.calendar,
               "encoding": args.encoding, "sheet": args.sheet, "config": str(cfg.path) if cfg.path else None,
               "baseline": args.baseline}  # fmt: skip
    return AuditHistory(database=args.history or hist.database, series=args.series or hist.series,
                        escalate_after=args.escalate_after or hist.escalate_after, unit=args.unit or hist.unit,
                        inputs=inputs, options=options, reopen=lambda: _audit_inputs(args, cfg, opened=True))  # fmt: skip


def _database_name(url) -> str:
    from xuke.sources.tables import DatabaseSource

    return DatabaseSource.display_url(url)


def _write_audit(args, result, findings, summary, meta, fmt, fail_on, title_block) -> int:
    import orjson
    from xuke.findings import at_or_above
    from xuke.reports.atomic import atomic_write
    from xuke.reports.emit import emit

    if args.rejects:
        data = b"".join(orjson.dumps(r) + b"\n" for r in result.rejects)
        atomic_write(args.rejects, lambda fh: fh.write(data), binary=True)
    if args.xlsx:
        from xuke.reports.xlsxout import write_xlsx

        write_xlsx(args.xlsx, findings, summary, meta, title_block=title_block)
    if args.html:
        from xuke.reports.html import write_html

        write_html(args.html, findings, summary, meta, title_block=title_block)
    if result.rendered is not None and fmt == "jsonl" and findings is result.findings:
        from xuke.reports.jsonout import copy_jsonl

        copy_jsonl(args.output, result.rendered)
        return 1 if any(at_or_above(s, fail_on) for s in result.severities) else 0
    seen = _Severities(findings)
    emit(fmt, args.output, seen, summary, meta, job="audit")
    return 1 if any(at_or_above(s, fail_on) for s in seen.all()) else 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM (timeout, systemd, cron) unwinds like Ctrl-C: workers stopped, spools and
    temporary files removed, the previous report left as it was."""


def _terminate_like_interrupt() -> None:
    import signal
    import threading

    def terminated(signum, frame):
        raise _Terminated

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminated)


class _Severities:
    """The findings, noting their severities as a report reads them: the exit code then
    needs no second pass over a spool of millions of findings."""

    def __init__(self, findings):
        self.findings, self.seen, self.complete = findings, set(), False

    def __iter__(self):
        seen = self.seen
        for f in self.findings:
            seen.add(f.severity)
            yield f
        self.complete = True

    def all(self) -> set:
        return self.seen if self.complete else {f.severity for f in self.findings}


def _cmd_lint(args) -> int:
    from xuke.api import load_packs, run_lint
    from xuke.i18n import _
    from xuke.reports.emit import emit

    _check_paths(args, args.files)
    cfg = _config(args)
    packs = load_packs(args.rules or None, config=cfg)
    result = run_lint(packs, args.files, kind=args.kind, encoding=args.encoding)
    meta = packs.rules_meta()
    findings, summary = _reported(args, result.findings, result.summary)
    findings = list(findings)
    fmt, fail_on = cfg.choose("format", args.format, "text"), cfg.choose("fail_on", args.fail_on, "error")
    if args.annotate:
        from xuke.reports.docx_annotate import annotate_docx, review_summary
        from xuke.sources.documents import docx_paragraphs

        drafts = [d for d in result.documents if d["file"].lower().endswith(".docx")]
        if len(drafts) != 1:
            raise XukeError(_("usage.annotate", n=len(drafts)))
        mine = [f for f in findings if f.file == drafts[0]["file"]]
        annotate_docx(drafts[0]["file"], args.annotate, mine, docx_paragraphs, summary=review_summary(mine, drafts[0]))
    if args.junit:
        from xuke.reports.junit import lint_cases, write_junit

        write_junit(args.junit, lint_cases(findings, [d["file"] for d in result.documents], meta, fail_on), "xuke lint")
    emit(fmt, args.output, findings, summary, meta, job="lint")
    return _exit_code(findings, fail_on)


def _cmd_explain(args) -> int:
    from rich.console import Console
    from xuke.api import load_packs
    from xuke.i18n import _
    from xuke.jobs.explain import explain_cases, explain_document, explain_findings
    from xuke.jobs.lint import DOCUMENT_SUFFIXES
    from xuke.run.runtime import Context

    if not args.case and not args.rule:
        raise XukeError(_("usage.explain"))
    _check_encoding(args)
    cfg = _config(args)
    packs = load_packs(args.rules or None, config=cfg)
    if args.rule and args.rule not in packs.base.rules:
        raise XukeError(_("usage.unknown_rule", rule=args.rule))
    program = packs.program(keep_sources=True)
    calendar = cfg.work_calendar(args.calendar)
    console = Console()
    if args.file.lower().endswith(DOCUMENT_SUFFIXES):
        chosen = explain_document(packs.base, program, args.file, calendar, rule=args.rule, encoding=args.encoding)
        explain_findings(console, packs.base, chosen, f"{args.file}", show_source=args.source)
        return 0
    ctx = Context(calendar, _as_of(args.as_of))
    for case in explain_cases(packs.base, program, args.file, ctx, case=args.case, rule=args.rule, limit=args.limit,
                              encoding=args.encoding, aliases=cfg.aliases):  # fmt: skip
        title = _("explain.case_title", case=case.case_id, file=case.file, row=case.row, as_of=ctx.as_of)
        explain_findings(console, packs.base, case.findings, title, show_source=args.source)
    return 0


def _cmd_history(args) -> int:
    from rich.console import Console
    from xuke.i18n import _
    from xuke.jobs.history import open_history, print_runs, print_trend

    cfg = _config(args)
    if args.history_command not in ("list", "trend"):
        raise XukeError(_("usage.history"))
    series = getattr(args, "series", None) or cfg.history.series
    limit = getattr(args, "limit", 100)
    if limit < 1:
        raise XukeError("--limit: at least 1")
    console = Console(width=None if sys.stdout.isatty() else 160)
    with open_history(getattr(args, "history", None) or cfg.history.database) as db:
        if args.history_command == "list":
            return print_runs(console, db, series if getattr(args, "series", None) else None, limit)
        return print_trend(console, db, args.department, series, limit)


COMMANDS = {
    "check": _cmd_check, "fmt": _cmd_fmt, "rules": _cmd_rules, "test": _cmd_test, "audit": _cmd_audit,
    "lint": _cmd_lint, "explain": _cmd_explain, "init": _cmd_init, "completion": _cmd_completion, "history": _cmd_history,
}  # fmt: skip


def main(argv=None) -> int:
    from xuke import i18n
    from xuke.i18n import _

    argv = sys.argv[1:] if argv is None else list(argv)
    config, config_error = _preload(argv)
    lang = i18n.argv_option(argv, "--lang")
    if lang not in i18n.LANGS:  # a bad --lang is argparse's to report, in the detected language
        lang = (config.output.lang if config is not None else None) or i18n.detect_lang()
    i18n.set_lang(lang)
    i18n.install_argparse()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not args.command:
        parser.print_help()
        return 2
    _terminate_like_interrupt()
    try:
        if args.command not in ("init", "completion"):
            if config_error is not None:
                raise config_error
            args._config = config
        return COMMANDS[args.command](args)
    except DiagnosticError as e:
        if sys.stderr.isatty():
            from rich.console import Console

            e.print_rich(Console(stderr=True, highlight=False))
        else:
            from xuke.domain.controls import visible

            print(visible(e.render()), file=sys.stderr)
        print(_("check.errors", n=len(e.diagnostics)), file=sys.stderr)
        return 1
    except XukeError as e:
        from xuke.domain.controls import visible

        print(_("cli.error", message=visible(str(e))), file=sys.stderr)
        return e.exit_code
    except _Terminated:
        print(_("cli.terminated"), file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(_("cli.interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        # a report printed to a full disk or a closed terminal (writes to files go
        # through the reporters' own one-line errors)
        import errno as _errno

        from xuke.reports.atomic import write_error

        if e.errno in (_errno.ENOSPC, _errno.EIO, _errno.EDQUOT, _errno.EFBIG):
            print(f"xuke: error: {write_error('standard output', e)}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
