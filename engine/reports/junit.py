"""JUnit XML for CI dashboards (Jenkins, GitLab, Azure DevOps), written with junitparser.

The output is valid against the Jenkins xUnit plugin's `junit-10.xsd`
(tests/data/junit): every `testsuite` carries `tests`, `failures`, `errors`, `skipped`
and `time` (seconds, three decimals); the root `testsuites` carries the totals but no
`skipped`, which that schema does not allow there. A failure has a one-line `message`
and the whole detail as its text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from .atomic import atomic_write


@dataclass
class JUnitCase:
    suite: str  # the testsuite it belongs to (a rule, a fixture file, a document)
    name: str
    classname: str = ""
    seconds: float = 0.0
    failure: str | None = None  # one-line message of a failed check
    detail: str | None = None  # the failure's full text (defaults to the message)
    error: str | None = None  # the check could not run (an input or rule-file error)
    output: str | None = None  # system-out: what passed but is worth reading


def junit_bytes(cases: Iterable[JUnitCase], name: str) -> bytes:
    from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

    root = JUnitXml(name)
    suites: dict[str, TestSuite] = {}
    for c in cases:
        suite = suites.get(c.suite)
        if suite is None:
            suite = suites[c.suite] = TestSuite(c.suite)
            root.add_testsuite(suite)
        case = TestCase(c.name, c.classname or c.suite, round(c.seconds, 3))
        if c.failure is not None:
            result = Failure(_one_line(c.failure), "failure")
            result.text = c.detail or c.failure
            case.result = [result]
        elif c.error is not None:
            result = Error(_one_line(c.error), "error")
            result.text = c.error
            case.result = [result]
        if c.output:
            case.system_out = c.output
        suite.add_testcase(case)
    root.update_statistics()
    for suite in suites.values():
        suite.time = round(suite.time, 3)
    del root._elem.attrib["skipped"]  # junit-10.xsd allows no `skipped` on the root
    from xml.etree import ElementTree as ET

    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root._elem, encoding="utf-8") + b"\n"


def _one_line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return first if len(first) <= 500 else first[:499] + "…"


def write_junit(path: str | os.PathLike, cases: Iterable[JUnitCase], name: str) -> None:
    data = junit_bytes(cases, name)
    atomic_write(path, lambda fh: fh.write(data), binary=True)


def lint_cases(findings, files, rules_meta, fail_on: str = "error") -> list[JUnitCase]:
    """`xuke lint --junit`: one testcase per document and reporting rule, so a dashboard
    follows each (document, rule) pair from run to run. It fails when the rule found
    something at or above `fail_on` in the document (the exit code's threshold), with
    every finding's line and message as the failure's text; findings below it pass and
    are listed in system-out."""
    from ..findings import at_or_above

    by_pair: dict[tuple[str, str], list] = {}
    for f in findings:
        by_pair.setdefault((f.file, f.rule), []).append(f)
    out = []
    for file in files:
        for rule_id, meta in sorted(rules_meta.items()):
            found = by_pair.get((file, rule_id), [])
            lines = "\n".join(f"{file}:{f.line or 1}: {f.severity}: {f.message}" for f in found)
            failing = [f for f in found if at_or_above(f.severity, fail_on)]
            out.append(JUnitCase(file, f"{rule_id} {meta.title}", f"xuke.lint.{rule_id}",
                                 failure=f"{len(failing)} finding(s) of {rule_id}: {failing[0].message}" if failing else None,
                                 detail=lines if failing else None, output=lines if found and not failing else None))  # fmt: skip
    return out


def check_cases(diagnostics, sources, files) -> list[JUnitCase]:
    """`xuke check --junit`: one testcase per rule file, failing with its errors."""
    by_file: dict[str, list] = {}
    for d in diagnostics:
        by_file.setdefault(d.pos.file, []).append(d)
    out = []
    for file in [*files, *sorted(set(by_file) - set(files))]:
        diags = by_file.get(file, [])
        text = "\n".join(d.render(sources.get(file)) for d in diags)
        out.append(JUnitCase("xuke check", file, "xuke.check",
                             failure=f"{len(diags)} error(s): {diags[0].headline()}" if diags else None,
                             detail=text or None))  # fmt: skip
    return out
