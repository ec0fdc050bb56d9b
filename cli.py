"""xuke command line: argument handling and wiring only; the work is in `engine`."""
from __future__ import annotations

import argparse
import sys
import time

from engine.diagnostics import DiagnosticError
from engine.errors import XukeError

EPILOG_CHECK = """examples:
  xuke check rules/                 # every pack in the folder
  xuke check my_city.rules          # one file (imports found on the rule path)
"""
EPILOG_FMT = """examples:
  xuke fmt rules/                   # rewrite files in the canonical layout
  xuke fmt --check rules/           # exit 1 if a file would change (CI)
  xuke fmt --keywords zh my.rules   # rewrite with Chinese keywords
"""


def _output_options(p) -> None:
    from engine.reports.emit import FORMATS

    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="write the report here (default: stdout)")
    p.add_argument("--fail-on", choices=("critical", "error", "warning", "info", "never"), default="error",
                   help="exit 1 when a finding is at least this severe (default: error)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="xuke",
        description="xuke (许可): check administrative-licensing work against the Administrative Licensing Law",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="check rule files", epilog=EPILOG_CHECK,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--rule-path", action="append", default=[], metavar="DIR", help="more folders to find imports in")
    c.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="text (FILE:LINE:COL blocks on stderr), or json / sarif on -o")  # fmt: skip
    c.add_argument("-o", "--output", default="-", metavar="FILE", help="where json / sarif go (default: stdout)")

    f = sub.add_parser("fmt", help="format rule files", epilog=EPILOG_FMT,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    f.add_argument("paths", nargs="+", metavar="PATH")
    f.add_argument("--check", action="store_true", help="only report files that would change (exit 1)")
    f.add_argument("--keywords", choices=("zh", "en"), help="keyword surface (default: keep each file's own)")

    t = sub.add_parser("test", help="run every rule's examples",
                       epilog="examples:\n  xuke test rules/\n  xuke test --coverage rules/",
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    t.add_argument("paths", nargs="+", metavar="PATH")
    t.add_argument("--coverage", action="store_true", help="list reporting rules no example exercises")
    t.add_argument("--calendar", metavar="FILE", help="working-day calendar overrides (YAML)")
    t.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML (for CI dashboards)")

    a = sub.add_parser("audit", help="audit approval records (CSV, JSONL, XLSX)",
                       epilog="examples:\n  xuke audit fixtures/approvals/sample.csv --as-of 2025-12-31\n"
                              "  xuke audit export.xlsx --format json -o report.json --xlsx report.xlsx",
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--rules", action="append", metavar="PATH", help="rule files or folders (default: rules/)")
    a.add_argument("--as-of", metavar="DATE", help="the audit date for open cases (default: today)")
    a.add_argument("--encoding", help="force the input encoding (default: detected)")
    a.add_argument("--sheet", help="read only this XLSX sheet")
    a.add_argument("--calendar", metavar="FILE", help="working-day calendar overrides (YAML)")
    a.add_argument("--rejects", metavar="FILE", help="write rejected rows with their reasons (JSONL)")
    a.add_argument("--xlsx", metavar="FILE", help="also write an Excel workbook (findings, per department, per rule)")
    a.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (default: the number of cores)")
    a.add_argument("--chunk-size", type=int, default=2000, metavar="ROWS", help="rows per unit of work (default: 2000)")
    _output_options(a)

    li = sub.add_parser("lint", help="lint draft policy documents (.txt, .md, .docx)",
                        epilog="examples:\n  xuke lint fixtures/policies/\n"
                               "  xuke lint draft.docx --annotate draft.reviewed.docx\n"
                               "  xuke lint draft.md --format sarif -o lint.sarif",
                        formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    li.add_argument("files", nargs="+", metavar="FILE")
    li.add_argument("--rules", action="append", metavar="PATH", help="rule files or folders (default: rules/)")
    li.add_argument("--kind", help="document kind when not in front matter or title (规范性文件, 办事指南)")
    li.add_argument("--encoding", help="force the input encoding (default: detected)")
    li.add_argument("--annotate", metavar="OUT.docx", help="write a copy of a .docx draft with a review comment per finding")
    _output_options(li)

    e = sub.add_parser("explain", help="show why findings were reported: the derivation tree",
                       epilog="examples:\n  xuke explain fixtures/approvals/sample.csv --case 3201002500000004 "
                              "--as-of 2025-12-31\n  xuke explain export.csv --rule FP-1 --limit 5\n"
                              "  xuke explain draft.docx --rule DOC-58-FEE",
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    e.add_argument("file", metavar="FILE", help="an approval export or a draft document")
    e.add_argument("--case", metavar="ID", help="the case to explain (records)")
    e.add_argument("--rule", metavar="RULE", help="explain the findings of this rule")
    e.add_argument("--limit", type=int, default=10, metavar="N", help="at most N cases with --rule (default: 10)")
    e.add_argument("--rules", action="append", metavar="PATH", help="rule files or folders (default: rules/)")
    e.add_argument("--as-of", metavar="DATE", help="the audit date for open cases (default: today)")
    e.add_argument("--calendar", metavar="FILE", help="working-day calendar overrides (YAML)")
    e.add_argument("--encoding", help="force the input encoding (default: detected)")

    r = sub.add_parser("rules", help="list the loaded rules")
    rsub = r.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    rl = rsub.add_parser("list", help="id, severity, title and citation of every rule")
    rl.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: the standard packs)")
    return p


def _cmd_check(args) -> int:
    from engine.loader import load

    started = time.perf_counter()
    try:
        base = load(args.paths, args.rule_path)
    except DiagnosticError as e:
        if args.format == "text":
            raise
        _emit_diagnostics(args, e.diagnostics, e.sources)
        return 1
    elapsed = time.perf_counter() - started
    if args.format != "text":
        _emit_diagnostics(args, [], {})
        return 0
    files = len(base.programs)
    print(f"ok: {len(base.rules)} rules in {files} file{'s' if files != 1 else ''} ({elapsed * 1000:.0f} ms)")
    return 0


def _emit_diagnostics(args, diagnostics, sources) -> None:
    """Check errors as findings of the pseudo-rule XUKE-CHECK, so SARIF viewers and CI
    annotations show them at their file, line and column."""
    from engine.findings import Finding
    from engine.reports import RuleMeta
    from engine.reports.emit import emit

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
    from engine.fmt import format_source
    from engine.loader import read_rule_file, rule_files
    from engine.syntax import parse

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
                print(f"{path}: would reformat")
            else:
                path.write_text(formatted, encoding="utf-8")
                print(f"{path}: reformatted")
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

    from engine.loader import STANDARD_RULES, load

    if args.rules_command != "list":
        raise XukeError("usage: xuke rules list [PATH...]")
    base = load(args.paths or [STANDARD_RULES])
    table = Table(show_lines=False)
    for col in ("id", "severity", "title", "cites", "pack"):
        table.add_column(col)
    for info in base.ordered_rules():
        rule = info.rule
        table.add_row(rule.id, rule.severity or "-", rule.title, "; ".join(rule.cites) or "-", info.pack)
    Console(width=None if sys.stdout.isatty() else 160).print(table)
    return 0


def _calendar(path):
    from engine.calendar import WorkCalendar

    return WorkCalendar.load(path)


def _cmd_test(args) -> int:
    from pathlib import Path

    from engine.fixturecases import is_fixture_file, run_fixture_file
    from engine.loader import STANDARD_RULES, load, rule_files
    from engine.testing import run_examples

    fixtures: list[Path] = []
    for raw in args.paths:
        p = Path(raw)
        if p.is_dir():
            fixtures += sorted(q for q in p.rglob("*") if q.is_file() and is_fixture_file(q))
        elif p.is_file() and is_fixture_file(p):
            fixtures.append(p)
    rule_paths = [p for p in args.paths if not (Path(p).is_file() and is_fixture_file(Path(p)))]
    base = load(rule_paths if rule_paths and rule_files(rule_paths) else [STANDARD_RULES])
    calendar = _calendar(args.calendar)
    results = run_examples(base, calendar)
    by_rule: dict[str, list] = {}
    for r in results:
        by_rule.setdefault(r.rule, []).append(r)
    passed = failed = 0
    junit: list[tuple[str, str, str | None]] = []  # (suite, name, failure or None)
    for rule_id, items in sorted(by_rule.items()):
        bad = [r for r in items if not r.ok]
        for r in bad:
            print(f"FAIL {rule_id} {r.file}:{r.line}: {r.expect} example {r.detail}")
        if not bad:
            print(f"ok   {rule_id} ({len(items)} examples)")
        failed += len(bad)
        passed += len(items) - len(bad)
        junit += [(rule_id, f"{r.file}:{r.line} {r.expect}", None if r.ok else r.detail) for r in items]
    exercised = set(by_rule)
    for path in fixtures:
        for case in run_fixture_file(base, path, calendar):
            exercised |= case.rules
            junit.append((str(path), f"{case.file}:{case.line} {case.name}", None if case.ok else case.detail))
            if case.ok:
                passed += 1
                print(f"ok   {case.file}:{case.line} {case.name}")
            else:
                failed += 1
                print(f"FAIL {case.file}:{case.line} {case.name}: {case.detail}")
    if args.junit:
        _write_junit(args.junit, junit)
    if args.coverage:
        untested = [i.rule.id for i in base.ordered_rules() if i.rule.reports and i.rule.id not in exercised]
        for rid in untested:
            print(f"not exercised: {rid}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _write_junit(path, cases) -> None:
    """JUnit XML: one testsuite per rule (its examples) or fixture file (its cases)."""
    import xml.etree.ElementTree as ET

    from engine.reports.atomic import atomic_write

    root = ET.Element("testsuites", name="xuke test")
    suites: dict[str, ET.Element] = {}
    for suite, name, failure in cases:
        if suite not in suites:
            suites[suite] = ET.SubElement(root, "testsuite", name=suite)
        case = ET.SubElement(suites[suite], "testcase", classname=suite, name=name)
        if failure is not None:
            ET.SubElement(case, "failure", message=failure).text = failure
    for el in [root, *suites.values()]:
        cs = el.iter("testcase")
        items = list(cs)
        el.set("tests", str(len(items)))
        el.set("failures", str(sum(1 for c in items if c.find("failure") is not None)))
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    atomic_write(path, lambda fh: fh.write(data), binary=True)


def _as_of(value):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        raise XukeError(f"--as-of: not a date: {value!r} (use YYYY-MM-DD)") from None


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

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.completed:,} rows"),
                            TextColumn("{task.fields[rate]}"),
                            TimeElapsedColumn(), console=Console(stderr=True), transient=True)  # fmt: skip
        self.task = self.bar.add_task("audit", total=None, rate="")
        self.bar.start()
        started = time.perf_counter()

        def update(rows: int):
            rate = rows / max(time.perf_counter() - started, 1e-6)
            self.bar.update(self.task, completed=rows, rate=f"{rate:,.0f} rows/s")

        return update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _rules_meta(base):
    from engine.reports import RuleMeta

    return {
        i.rule.id: RuleMeta(i.rule.id, i.rule.title, i.rule.severity or "info", tuple(i.rule.cites),
                            tuple(i.rule.tags), i.file, i.rule.id_pos.line)
        for i in base.ordered_rules() if i.rule.reports
    }  # fmt: skip


def _exit_code(findings, fail_on) -> int:
    from engine.findings import at_or_above

    return 1 if any(at_or_above(f.severity, fail_on) for f in findings) else 0


def _cmd_audit(args) -> int:
    from engine.audit import audit_files, default_jobs
    from engine.loader import STANDARD_RULES, load

    as_of = _as_of(args.as_of)
    base = load(args.rules or [STANDARD_RULES])
    jobs = args.jobs or default_jobs()
    with _progress() as on_progress:
        result = audit_files(base, args.files, _calendar(args.calendar), as_of, encoding=args.encoding,
                             sheet=args.sheet, jobs=jobs, chunk_size=args.chunk_size,
                             calendar_path=args.calendar, on_progress=on_progress)  # fmt: skip
    try:
        return _report_audit(args, base, result)
    finally:
        result.close()


def _report_audit(args, base, result) -> int:
    import orjson

    from engine.findings import at_or_above
    from engine.reports.atomic import atomic_write
    from engine.reports.emit import emit

    meta = _rules_meta(base)
    if args.rejects:
        data = b"".join(orjson.dumps(r) + b"\n" for r in result.rejects)
        atomic_write(args.rejects, lambda fh: fh.write(data), binary=True)
    if args.xlsx:
        from engine.reports.xlsxout import write_xlsx

        write_xlsx(args.xlsx, result.findings, result.summary, meta)
    emit(args.format, args.output, result.findings, result.summary, meta, job="audit")
    worst = {f.severity for f in result.findings}
    return 1 if any(at_or_above(s, args.fail_on) for s in worst) else 0


def _cmd_lint(args) -> int:
    from engine.lint import lint_files
    from engine.loader import STANDARD_RULES, load
    from engine.reports.emit import emit

    base = load(args.rules or [STANDARD_RULES])
    result = lint_files(base, args.files, _calendar(None), kind=args.kind, encoding=args.encoding)
    meta = _rules_meta(base)
    if args.annotate:
        from engine.reports.docx_annotate import annotate_docx
        from engine.sources.documents import docx_paragraphs

        drafts = [d["file"] for d in result.documents if d["file"].lower().endswith(".docx")]
        if len(drafts) != 1:
            raise XukeError(f"--annotate needs exactly one .docx draft among the files, found {len(drafts)}")
        mine = [f for f in result.findings if f.file == drafts[0]]
        annotate_docx(drafts[0], args.annotate, mine, docx_paragraphs)
    emit(args.format, args.output, result.findings, result.summary, meta, job="lint")
    return _exit_code(result.findings, args.fail_on)


def _cmd_explain(args) -> int:
    from rich.console import Console

    from engine.compiler import compile_rules
    from engine.explain import explain_findings
    from engine.lint import DOCUMENT_SUFFIXES, lint_files
    from engine.loader import STANDARD_RULES, load
    from engine.runtime import CompiledProgram, Context, input_fact
    from engine.sources.records import RecordSource, Reject

    if not args.case and not args.rule:
        raise XukeError("explain needs --case ID or --rule RULE")
    base = load(args.rules or [STANDARD_RULES])
    if args.rule and args.rule not in base.rules:
        raise XukeError(f"unknown rule {args.rule!r}")
    program = CompiledProgram(compile_rules(base))
    program.keep_sources = True
    calendar = _calendar(args.calendar)
    console = Console()
    if args.file.lower().endswith(DOCUMENT_SUFFIXES):
        result = lint_files(base, [args.file], calendar, encoding=args.encoding, program=program)
        chosen = [f for f in result.findings if not args.rule or f.rule == args.rule]
        explain_findings(console, base, chosen, f"{args.file}")
        return 0
    ctx = Context(calendar, _as_of(args.as_of))
    shown = 0
    for item in RecordSource(args.file, encoding=args.encoding):
        if isinstance(item, Reject):
            if args.case and item.raw and args.case in item.raw.values():
                console.print(f"{args.file} 第 {item.row} 行被拒收 / rejected: {item.reason}")
                return 2
            continue
        if args.case and item.values.get("case_id") != args.case:
            continue
        case = program.run_case([input_fact("record", item.values, file=args.file, row=item.row)], ctx)
        chosen = [f for f in case.findings if not args.rule or f.rule == args.rule]
        if args.case or chosen:
            title = f"办件 {item.values.get('case_id')}（{args.file} 第 {item.row} 行，截至 {ctx.as_of}）"
            explain_findings(console, base, chosen, title)
            shown += 1
        if args.case or shown >= args.limit:
            break
    if args.case and not shown:
        raise XukeError(f"case {args.case!r} not found in {args.file}")
    return 0


COMMANDS = {
    "check": _cmd_check, "fmt": _cmd_fmt, "rules": _cmd_rules, "test": _cmd_test, "audit": _cmd_audit,
    "lint": _cmd_lint, "explain": _cmd_explain,
}  # fmt: skip


def main(argv=None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except DiagnosticError as e:
        print(e.render(), file=sys.stderr)
        n = len(e.diagnostics)
        print(f"{n} error{'s' if n != 1 else ''}", file=sys.stderr)
        return 1
    except XukeError as e:
        print(f"xuke: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("xuke: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
