"""Fixture cases for `xuke test`, in the manner of SQLFluff's per-rule YAML tests: a YAML
file lists cases, each an input (inline records, or a file of records) and the findings
expected from it.

    as_of: 2025-12-31                # the audit date, unless a case gives its own
    cases:
      - name: 春节与调休：第五个工作日告知补正不算迟
        record: {case_id: A1, received_at: 2025-01-24, supplement_notices: 1,
                 first_notice_at: 2025-02-07}
        fires: []                    # exactly these rules fire for this case
      - name: 已受理超期未办结
        record: {...}
        includes: [LIC-42-PENDING]   # at least these
        excludes: [PROM-LIMIT]       # and none of these
      - name: the committed sample
        input: ../fixtures/approvals/small.jsonl      # relative to this file
        expected: ../fixtures/approvals/small.expected.jsonl

Record values are read like input cells (是/否, 2025/3/3, ￥80 ...), so a case can be
pasted from an export.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import yaml

from ..domain.schema import RECORD_FIELDS
from ..domain.values import normalise
from ..errors import XukeError
from ..ir.compiler import compile_rules
from ..lang.checker import RuleBase
from ..run.runtime import CompiledProgram, Context, input_fact
from .audit import audit_files

_SPECS = {s.name: s for s in RECORD_FIELDS}
_KEYS = {"name", "record", "records", "input", "expected", "fires", "includes", "excludes", "as_of"}


@dataclass
class CaseResult:
    file: str
    line: int
    name: str
    ok: bool
    detail: str = ""
    rules: set = field(default_factory=set)  # rules this case exercises
    seconds: float = 0.0  # how long it took (JUnit reports show it)


def is_fixture_file(path: Path) -> bool:
    """A file of YAML fixture cases named on the command line: any .yaml but xuke.yaml."""
    return path.suffix.lower() in (".yaml", ".yml") and not path.name.startswith("xuke.")


def is_fixture_in_folder(path: Path) -> bool:
    """Found under a folder, only NAME.test.yaml is a fixture file: packs keep other YAML
    beside them (rules/data/), which `xuke test rules/` must not read as cases."""
    return path.name.lower().endswith((".test.yaml", ".test.yml"))


def _line_of(node, index: int) -> int:
    try:
        return node.value[index].start_mark.line + 1
    except (AttributeError, IndexError):
        return 1


def load_cases(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise XukeError(f"{path}: not UTF-8 text (byte {e.start}); fixture files are UTF-8") from None
    except OSError as e:
        raise XukeError(f"{path}: cannot read: {e.strerror}") from None
    try:
        doc = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise XukeError(f"{where}: not valid YAML: {getattr(e, 'problem', e)}") from None
    except (ValueError, TypeError) as e:  # safe_load's own constructors: a date like 2025-02-30
        raise XukeError(f"{path}: not valid YAML: {e}") from None
    except RecursionError:
        raise XukeError(f"{path}: not valid YAML: nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise XukeError(f"{path}: a fixture file needs a top-level `cases:` list")
    cases_node = next((v for k, v in node.value if k.value == "cases"), None)
    default_as_of = doc.get("as_of")
    out = []
    for i, case in enumerate(doc["cases"]):
        line = _line_of(cases_node, i)
        if not isinstance(case, dict):
            raise XukeError(f"{path}:{line}: a case is a mapping with name, record/input and expectations")
        unknown = set(case) - _KEYS
        if unknown:
            raise XukeError(f"{path}:{line}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                            f"known: {', '.join(sorted(_KEYS))}")  # fmt: skip
        _validate(case, path, line)
        out.append((line, case, case.get("as_of", default_as_of)))
    return out


def _validate(case: dict, path, line) -> None:
    """The shape of a case, checked before anything runs: one-line errors, not tracebacks."""
    def fail(message):
        raise XukeError(f"{path}:{line}: {message}")

    if "name" in case and not isinstance(case["name"], str | int | float):
        fail("`name` must be text")
    if "record" in case and not isinstance(case["record"], dict):
        fail("`record` must be a mapping of field: value")
    if "records" in case and not (isinstance(case["records"], list) and all(isinstance(r, dict) for r in case["records"])):
        fail("`records` must be a list of mappings")
    for key in ("fires", "includes", "excludes"):
        if key in case and case[key] is not None and not (
            isinstance(case[key], list) and all(isinstance(r, str) for r in case[key])
        ):
            fail(f"`{key}` must be a list of rule ids")
    for key in ("input", "expected"):
        if key in case and not isinstance(case[key], str):
            fail(f"`{key}` must be a file path")


def _as_date(value, path, line) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise XukeError(f"{path}:{line}: as_of: not a date: {value!r}") from None


def _record(values: dict, path, line) -> dict:
    out = {}
    for key, raw in values.items():
        spec = _SPECS.get(key)
        if spec is None:
            raise XukeError(f"{path}:{line}: unknown record field {key!r}")
        try:
            value = normalise(spec, raw)
        except ValueError as e:
            raise XukeError(f"{path}:{line}: {key}: {e}") from None
        if value is not None:
            out[key] = value
    return out


def run_fixture_file(base: RuleBase, path: Path, calendar) -> list[CaseResult]:
    program = CompiledProgram(compile_rules(base))
    results = []
    for line, case, as_of_raw in load_cases(path):
        started = time.perf_counter()
        results.append(_run_case(base, program, path, line, case, as_of_raw, calendar))
        results[-1].seconds = time.perf_counter() - started
    return results


def _run_case(base, program, path, line, case, as_of_raw, calendar) -> CaseResult:
    name = str(case.get("name", f"case at line {line}"))
    as_of = _as_date(as_of_raw, path, line) or dt.date.today()
    if "input" in case:
        return _file_case(base, path, line, name, case, calendar, as_of)
    records = case.get("records") or ([case["record"]] if "record" in case else None)
    if not records:
        raise XukeError(f"{path}:{line}: case {name!r} has no record, records or input")
    ctx = Context(calendar, as_of)
    fired: set[str] = set()
    for values in records:
        rec = _record(values, path, line)
        fired |= {f.rule for f in program.run_case([input_fact("record", rec, file=str(path), row=1)], ctx).findings}
    return _judge(path, line, name, case, fired)


def _judge(path, line, name, case, fired: set) -> CaseResult:
    problems = []
    named: set = set()
    if "fires" in case:
        want = set(case["fires"] or ())
        named |= want
        if want - fired:
            problems.append("did not fire: " + ", ".join(sorted(want - fired)))
        if fired - want:
            problems.append("also fired: " + ", ".join(sorted(fired - want)))
    for rid in case.get("includes") or ():
        named.add(rid)
        if rid not in fired:
            problems.append(f"did not fire: {rid}")
    for rid in case.get("excludes") or ():
        named.add(rid)
        if rid in fired:
            problems.append(f"fired: {rid}")
    if not ({"fires", "includes", "excludes"} & set(case)):
        problems.append("no expectation: give fires, includes or excludes")
    return CaseResult(str(path), line, name, not problems, "; ".join(problems), named)


def _file_case(base, path, line, name, case, calendar, as_of) -> CaseResult:
    data = (path.parent / case["input"]).resolve()
    if "expected" not in case:
        raise XukeError(f"{path}:{line}: case {name!r} with an input needs `expected:` (a JSONL file)")
    expected_path = (path.parent / case["expected"]).resolve()
    for p in (data, expected_path):
        if not p.is_file():
            raise XukeError(f"{path}:{line}: no such file {p}")
    want = set()
    try:
        lines = expected_path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError) as e:
        raise XukeError(f"{expected_path}: cannot read: {e}") from None
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            o = orjson.loads(raw)
            if not isinstance(o, dict) or "rule" not in o and "reject_row" not in o:
                raise ValueError("an object with `rule` (and case_id or department) or `reject_row`")
        except (orjson.JSONDecodeError, ValueError) as e:
            raise XukeError(f"{expected_path}:{number}: not an expected finding: {e}") from None
        if "reject_row" in o:
            want.add(("reject", o["reject_row"]))
        elif "department" in o:
            want.add(("department", str(o["department"]), str(o["rule"])))
        else:
            want.add((str(o.get("case_id")), str(o["rule"])))
    result = audit_files(base, [data], calendar, as_of)
    try:
        got = {("department", f.group.get("department"), f.rule) if f.group else (f.case_id, f.rule)
               for f in result.findings}  # fmt: skip
        got |= {("reject", r["row"]) for r in result.rejects}
    finally:
        result.close()
    missing, extra = sorted(want - got, key=str), sorted(got - want, key=str)
    detail = ""
    if missing or extra:
        detail = f"{len(missing)} missing (e.g. {missing[:3]}), {len(extra)} unexpected (e.g. {extra[:3]})"
    rules = {t[-1] for t in want if t[0] != "reject"}
    return CaseResult(str(path), line, name, not detail, detail, rules)
