"""Fuzzing with hypothesis: rule files, record rows and draft text, random and mutated.

Properties
- `xuke.jobs.loader.load` on any bytes, and on the standard packs mutated token by token and
  line by line, raises nothing but DiagnosticError (every diagnostic at FILE:LINE:COL, line
  and column >= 1) or XukeError; a mutated pack that loads also runs its examples and an
  audit of sample rows raising nothing but XukeError.
- `RecordSource` on random rows (CSV in UTF-8/GB18030/BOM, TSV, JSONL) raises only
  InputError/XukeError when opened, never while iterating, numbers the rows 1..n, gives every
  reject a one-line reason, and accounts for every non-blank line of a plain CSV.
- `read_document` on random text raises only InputError and numbers clauses within the file.

The example counts keep this module near 40 s; benchmarks/fuzz_soak.py runs the same
generators for minutes or hours (docs/reliability.md has the counts).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from xuke.domain.values import MAX_INT
from xuke.errors import InputError, XukeError
from xuke.jobs.loader import STANDARD_RULES, load
from xuke.lang.diagnostics import DiagnosticError


def budget(n: int):
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


FAST = budget(300)
PACKS = {p.name: p.read_text(encoding="utf-8") for p in sorted(STANDARD_RULES.glob("*.rules"))}


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="xuke-fuzz-") as d:
        yield Path(d)


def check_diagnostics(e: DiagnosticError) -> None:
    assert e.diagnostics
    for d in e.diagnostics:
        assert d.pos.file and d.pos.line >= 1 and d.pos.column >= 1, d
        assert d.message and "\n" not in d.message, d
    e.render()  # rendering with the source excerpt must not fail either


def load_only_clean_errors(path: Path):
    try:
        base = load([path])
    except DiagnosticError as e:
        check_diagnostics(e)
        event("diagnostics")
    except XukeError as e:
        assert str(e) and "\n" not in str(e)
        event("one-line error")
    else:
        event("loaded")
        return base
    return None


# ---- rule files ----


@FAST
@given(data=st.binary(max_size=2000))
def test_random_bytes_rule_file(workdir, data):
    path = workdir / "random.rules"
    path.write_bytes(data)
    load_only_clean_errors(path)


@FAST
@given(text=st.text(max_size=400))
def test_random_text_after_a_pack_header(workdir, text):
    path = workdir / "random_text.rules"
    path.write_text('pack fuzz "t"\n' + text, encoding="utf-8")
    load_only_clean_errors(path)


TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|/(?:[^/\\\n]|\\.)+/|\w+|\s+|.', re.S)
INSERTS = (
    "(", ")", '"', "/", "{", "}", "\\", "-", "0", "99999999999999999999999", "2025-02-30", "not", "and", "or",
    "[", "]", ",", ":", ".", "end", "rule", "when", "then", "report", "import", "pack", "const", "fact",
    "summary", "examples", "violates", "passes", "as_of", "\x00", "\ufeff", "“", "\u3000", "#", "\r", "1.5",
    "-1", "null", "true", "matches", "contains", "in", "is", "规则", "当", "则", "结束", "/(a*)*b/", "/(?=x)/",
    '"{r.__class__}"', "__import__", "r.case_id", "AS_OF",
)  # fmt: skip


@st.composite
def mutated_pack(draw) -> tuple[str, str]:
    """A standard pack with 1-6 random edits: delete, duplicate, insert or swap tokens; delete,
    duplicate or cut lines; truncate the file."""
    name = draw(st.sampled_from(sorted(PACKS)))
    toks = TOKEN.findall(PACKS[name])
    for _ in range(draw(st.integers(1, 6))):
        if not toks:
            break
        op = draw(
            st.sampled_from(["del", "dup", "ins", "run", "swap", "line_del", "line_dup", "line_cut", "trunc"])
        )
        i = draw(st.integers(0, len(toks) - 1))
        if op == "del":
            del toks[i]
        elif op == "dup":
            toks.insert(draw(st.integers(0, len(toks))), toks[i])
        elif op == "ins":
            toks.insert(i, draw(st.sampled_from(INSERTS)))
        elif op == "run":
            toks[i:i] = toks[i : i + draw(st.integers(1, 20))]
        elif op == "swap":
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == "trunc":
            toks = toks[:i]
        else:
            lines = "".join(toks).split("\n")
            j = draw(st.integers(0, len(lines) - 1))
            if op == "line_del":
                del lines[j]
            elif op == "line_dup":
                lines.insert(draw(st.integers(0, len(lines))), lines[j])
            else:
                lines[j] = lines[j][: draw(st.integers(0, len(lines[j])))]
            toks = TOKEN.findall("\n".join(lines))
    return name, "".join(toks)


@pytest.mark.slow
@budget(600)
@given(case=mutated_pack())
def test_mutated_pack_loads_or_reports_located_errors(workdir, case):
    name, text = case
    path = workdir / name
    path.write_text(text, encoding="utf-8")
    load_only_clean_errors(path)


@cache
def _sample_rows():
    from xuke.sources.records import RecordSource, Row

    rows = [
        r
        for r in RecordSource(Path(__file__).resolve().parent.parent / "fixtures/approvals/small.jsonl")
        if isinstance(r, Row)
    ]
    return rows[:40]


NUMBER = re.compile(r"\d+(?:\.\d+)?")
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
# numbers within 64 bits; beyond 2**53 (the last one) the checker refuses the tweak with
# `number out of range` (B9, test_hardening_rules.py), which the fuzzer counts as not loading
NUMBERS = ("0", "1", "-1", "2", "5", "20", "99999", "1.5", "0.01", "9223372036854775807")


@st.composite
def tweaked_pack(draw) -> tuple[str, str]:
    """A standard pack with 1-4 edits that mostly keep it valid, so that it loads and runs:
    numbers and comparisons swapped for others, `not` put before a pattern's constraints,
    example lines duplicated or dropped, strings of cites and tags swapped."""
    name = draw(st.sampled_from(sorted(PACKS)))
    toks = TOKEN.findall(PACKS[name])
    for _ in range(draw(st.integers(1, 4))):
        spots = [i for i, t in enumerate(toks) if NUMBER.fullmatch(t) or t in COMPARISONS
                 or (t == "(" and i and toks[i - 1] in ("record", "clause", "document"))]  # fmt: skip
        op = draw(st.sampled_from(["value", "value", "example", "cite"]))
        if op == "value" and spots:
            i = draw(st.sampled_from(spots))
            if NUMBER.fullmatch(toks[i]):
                toks[i] = draw(st.sampled_from(NUMBERS))
            elif toks[i] in COMPARISONS:
                toks[i] = draw(st.sampled_from(COMPARISONS))
            else:
                toks.insert(i + 1, "not ")
            continue
        lines = "".join(toks).split("\n")
        if op == "example":
            picks = [j for j, line in enumerate(lines) if line.lstrip().startswith(("violates", "passes"))]
        else:
            picks = [
                j for j, line in enumerate(lines) if line.lstrip().startswith(("cites", "tags", "severity"))
            ]
        if picks:
            j = draw(st.sampled_from(picks))
            if draw(st.booleans()):
                lines.insert(j, lines[j])
            else:
                del lines[j]
        toks = TOKEN.findall("\n".join(lines))
    return name, "".join(toks)


@pytest.mark.slow
@budget(300)
@given(case=tweaked_pack())
def test_mutated_pack_that_loads_also_runs(workdir, case, calendar):
    # a pack that passes the checker must run: its examples, and sample rows through the engine
    from xuke.ir.compiler import compile_rules
    from xuke.jobs.testing import run_examples
    from xuke.run.runtime import CompiledProgram, Context, input_fact

    name, text = case
    path = workdir / f"run_{name}"
    path.write_text(text, encoding="utf-8")
    base = load_only_clean_errors(path)
    if base is None:
        return
    try:
        run_examples(base, calendar)
        program = CompiledProgram(compile_rules(base))
        ctx = Context(calendar, dt.date(2025, 12, 31))
        for row in _sample_rows():
            program.run_case([input_fact("record", row.values, file="small.jsonl", row=row.row)], ctx)
    except XukeError:
        pass


# ---- record rows ----

CELLS = (
    "A1", "A1", "2025-03-03", "2025-02-30", "2025/3/3", "2025年3月3日", "45000", "1900-01-01", "2099-12-31",
    "是", "否", "Y", "-1", "0", "1e400", "NaN", "￥80", "1.5万元", "三", "１２", "", " ", "\u3000", "\t", '"', '""',
    '"a,b"', "a\nb", "\r", "\x00", "\ufeff", "受理", "不予受理", "无", "N/A", "市市场监督管理局", "x" * 200,
    "9" * 30, "18446744073709551615",
)  # fmt: skip
HEADERS = ("办件编号", "申请时间", "承办部门", "收费金额", "补正告知次数", "材料齐全", "办结时间", "受理结果", "法定时限",
           "备注", "case_id", "", "申办编号")  # fmt: skip
cells = st.one_of(st.sampled_from(CELLS), st.text(max_size=12))


def _quote(c: str, quoted: bool) -> str:
    return '"' + c.replace('"', '""') + '"' if quoted else c


@st.composite
def csv_files(draw) -> tuple[str, bytes]:
    k = draw(st.integers(1, 7))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=k, max_size=k))
    if draw(st.integers(0, 4)):
        header[:2] = ["办件编号", "申请时间"] if k >= 2 else ["办件编号"]
    rows = draw(st.lists(st.lists(cells, min_size=max(0, k - 1), max_size=k + 1), max_size=15))
    sep = draw(st.sampled_from([",", ",", "\t"]))
    eol = draw(st.sampled_from(["\n", "\r\n", "\n", "\r"]))
    text = eol.join(sep.join(_quote(c, draw(st.booleans())) for c in r) for r in [header, *rows])
    text += draw(st.sampled_from(["", eol]))
    data = text.encode(draw(st.sampled_from(["utf-8", "gb18030", "utf-8-sig"])), "replace")
    if draw(st.integers(0, 4)) == 0:  # a few random bytes somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
    if draw(st.integers(0, 6)) == 0:  # cut short
        data = data[: draw(st.integers(0, len(data)))]
    return draw(st.sampled_from([".csv", ".tsv"])), data


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def jsonl_files(draw) -> tuple[str, bytes]:
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append(draw(st.sampled_from(["[1]", "{", "null", '"x"', "", "   ", '{"办件编号": "A"'])))
        else:
            obj = draw(
                st.dictionaries(
                    st.sampled_from(HEADERS), st.one_of(st.sampled_from(CELLS), json_values), max_size=6
                )
            )
            if draw(st.integers(0, 3)):
                obj = {
                    "办件编号": draw(st.sampled_from(CELLS)),
                    "申请时间": draw(st.sampled_from(CELLS)),
                    **obj,
                }
            lines.append(json.dumps(obj, ensure_ascii=draw(st.booleans())))
    return ".jsonl", "\n".join(lines).encode("utf-8", "surrogatepass")


def read_all(path: Path):
    from xuke.sources.records import RecordSource, Reject

    try:
        source = RecordSource(path)
    except XukeError as e:  # InputError is one: a file that cannot be read as a whole
        assert str(e) and "\n" not in str(e)
        event("file refused")
        return None
    items = list(source)  # iteration must never raise
    assert [it.row for it in items] == list(range(1, len(items) + 1))
    for it in items:
        if isinstance(it, Reject):
            assert it.reason and "\n" not in it.reason, it
    event("rows read" if items else "no rows")
    event("some rejected" if any(isinstance(it, Reject) for it in items) else "none rejected")
    return items


@pytest.mark.slow
@budget(600)
@given(case=st.one_of(csv_files(), jsonl_files()))
def test_random_rows_never_raise_and_are_numbered(workdir, case):
    suffix, data = case
    path = workdir / f"rows{suffix}"
    path.write_bytes(data)
    read_all(path)


PLAIN = ("A1", "B2", "2025-03-03", "2025-02-30", "2025/3/3", "45000", "1900-01-01", "是", "-1", "9" * 30, "￥80",
         "三", "１２", "", " ", "\u3000", "市局", "中文", "x" * 50, "\x00", "a\x0bb")  # fmt: skip


@budget(300)
@given(
    k=st.integers(2, 5),
    rows=st.lists(st.lists(st.sampled_from(PLAIN), min_size=1, max_size=6), max_size=30),
    eol=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
)
def test_every_nonblank_line_is_a_row_or_a_reject(workdir, k, rows, eol, encoding):
    # no quotes, separators or line breaks inside cells: each physical line is one record, so
    # every line with a non-blank cell must come out as exactly one Row or Reject, in order
    header = ["办件编号", "申请时间", "承办部门", "收费金额", "备注"][:k]
    path = workdir / "plain.csv"
    path.write_bytes((",".join(header) + eol + eol.join(",".join(r) for r in rows) + eol).encode(encoding))
    items = read_all(path)
    if items is None:  # refused as a whole, with one line (e.g. mostly NUL bytes: binary data)
        return
    expected = [i + 2 for i, r in enumerate(rows) if any(c.strip() for c in r)]
    assert [it.line for it in items] == expected


# found B1 (integers beyond 64 bits crashed the engine; fixed in 7681558)
@budget(200)
@example(case=(".jsonl", b'{"\xe5\x8a\x9e\xe4\xbb\xb6\xe7\xbc\x96\xe5\x8f\xb7": "A", '
                         b'"\xe7\x94\xb3\xe8\xaf\xb7\xe6\x97\xb6\xe9\x97\xb4": "2025-03-03", '
                         b'"\xe8\xa1\xa5\xe6\xad\xa3\xe5\x91\x8a\xe7\x9f\xa5\xe6\xac\xa1\xe6\x95\xb0": 1e300}'))  # fmt: skip
@given(case=st.one_of(csv_files(), jsonl_files()))
def test_random_rows_through_the_standard_packs(workdir, case, calendar):
    # every row that normalised cleanly must go through the engine without an exception
    suffix, data = case
    path = workdir / f"eval{suffix}"
    path.write_bytes(data)
    evaluate_rows(read_all(path), path, calendar)


INT_COLUMNS = ("补正告知次数", "法定时限", "承诺时限", "延长天数", "特别程序时间", "转办次数")
BOOL_COLUMNS = ("材料齐全", "说明理由", "告知救济权利", "联合办理", "延期告知", "结果公开", "应当听证", "告知听证权利",
                "A岗缺岗")  # fmt: skip
DATE_COLUMNS = ("受理时间", "首次补正告知时间", "办结时间", "送达时间")
dates = st.dates(dt.date(2004, 1, 1), dt.date(2025, 12, 31))


@st.composite
def plausible_exports(draw, max_int: int = MAX_INT) -> bytes:
    """JSONL rows that normalise cleanly (valid ids and dates inside the official calendar)
    with extreme values where a value is allowed: huge counts and limits, tiny and huge
    amounts, dates in any order."""
    rows = []
    for i in range(draw(st.integers(1, 8))):
        row = {"办件编号": f"P{i}", "申请时间": draw(dates).isoformat(),
               "承办部门": draw(st.sampled_from(["市局", "区局", ""]))}  # fmt: skip
        for col in draw(st.lists(st.sampled_from(INT_COLUMNS), max_size=4, unique=True)):
            row[col] = draw(st.integers(0, max_int) | st.sampled_from([0, 1, 2, 20, 365, 10**6]))
        for col in draw(st.lists(st.sampled_from(BOOL_COLUMNS), max_size=4, unique=True)):
            row[col] = draw(st.sampled_from(["是", "否", "Y", "N", True, False, 1, 0]))
        for col in draw(st.lists(st.sampled_from(DATE_COLUMNS), max_size=4, unique=True)):
            row[col] = draw(dates).isoformat()
        if draw(st.booleans()):
            row["收费金额"] = str(
                draw(st.decimals(0, 10**8, places=2, allow_nan=False, allow_infinity=False))
            )
        if draw(st.booleans()):
            row["受理结果"] = draw(st.sampled_from(["受理", "不予受理"]))
        if draw(st.booleans()):
            row["办理结果"] = draw(st.sampled_from(["准予许可", "不予许可"]))
        rows.append(row)
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


def evaluate_rows(items, path: Path, calendar, reuse_after_error: bool = False) -> int:
    """Run the standard packs on every clean row; the number of rows run.

    A XukeError (a date no calendar covers) ends the file, as it ends an audit. After any
    exception the compiled program is thrown away: an exception inside run_session leaves
    durable_rules' session unretracted (and possibly mid-action), and reusing it has crashed
    the interpreter with a segfault (docs/reliability.md, B16). `reuse_after_error` keeps
    the old program and goes on, to reproduce that."""
    from xuke.run.runtime import Context, input_fact
    from xuke.sources.records import Row

    program, ctx, n = _standard_program(), Context(calendar, dt.date(2025, 12, 31)), 0
    for it in items or []:
        if not isinstance(it, Row):
            continue
        n += 1
        try:
            program.run_case([input_fact("record", it.values, file=str(path), row=it.row)], ctx)
        except XukeError:
            if reuse_after_error:
                continue
            _standard_program.cache_clear()
            break
        except BaseException:
            if not reuse_after_error:
                _standard_program.cache_clear()
            raise
    return n


def run_standard_packs(path: Path, calendar) -> int:
    return evaluate_rows(read_all(path), path, calendar)


@pytest.mark.slow
@budget(300)
@given(data=plausible_exports())
def test_extreme_values_run(workdir, data, calendar):
    # counts and limits up to the plausibility cap are rows like any other: all evaluated
    path = workdir / "plausible.jsonl"
    path.write_bytes(data)
    assert run_standard_packs(path, calendar) == data.count(b"\n") + 1


# B1 again: values up to 2**80 (fixed in 7681558: above MAX_INT a row is rejected)
@budget(100)
@example(data='{"办件编号": "P0", "申请时间": "2025-03-03", "法定时限": 18446744073709551616}'.encode())
@given(data=plausible_exports(max_int=2**80))
def test_enormous_values_run(workdir, data, calendar):
    from xuke.sources.records import Reject

    path = workdir / "plausible_big.jsonl"
    path.write_bytes(data)
    items = read_all(path) or []
    evaluate_rows(items, path, calendar)
    for it in items:
        if isinstance(it, Reject):
            assert "implausible number" in it.reason, it.reason


@cache
def _standard_program():
    from xuke.ir.compiler import compile_rules
    from xuke.run.runtime import CompiledProgram

    return CompiledProgram(compile_rules(load([STANDARD_RULES])))


# ---- draft text ----

DRAFT_BITS = ("第一条", "第十二条之一", "（一）", "1.", "①", "一、", "第二章 总则", "《行政许可法》", "根据", "规定：", "“",
              "”", "---", "kind: 规范性文件", "# 标题", "- ", "> ", "|---|", "\n", "\r\n", "\r", " ", "\u3000", "收费",
              "万元", "工作日内", "不得", "应当", "审批", "\t", "```", "**", "[链接](x)", "\ufeff")  # fmt: skip


@budget(400)
@given(
    parts=st.lists(st.one_of(st.sampled_from(DRAFT_BITS), st.text(max_size=8)), max_size=60),
    suffix=st.sampled_from([".txt", ".md"]),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig", "utf-16"]),
)
def test_random_draft_text(workdir, parts, suffix, encoding):
    from xuke.sources.documents import read_document

    text = "".join(parts)
    path = workdir / f"draft{suffix}"
    path.write_bytes(text.encode(encoding, "replace"))
    try:
        doc = read_document(path)
    except InputError as e:
        assert str(e) and "\n" not in str(e)
        return
    n_lines = max(1, len(doc.text.splitlines()) + 1, text.count("\n") + text.count("\r") + 1)
    for c in doc.clauses:
        assert 1 <= c.line <= n_lines, (c.line, n_lines)
        assert "\n" not in c.text


@FAST
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".md", ".docx"]))
def test_random_bytes_draft(workdir, data, suffix):
    from xuke.sources.documents import read_document

    path = workdir / f"bytes{suffix}"
    path.write_bytes(data)
    try:
        read_document(path)
    except InputError as e:
        assert str(e) and "\n" not in str(e)
