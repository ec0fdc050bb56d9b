import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path, PurePosixPath

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.errors import XukeError
from xuke.findings import Finding
from xuke.reports.jsonout import (
    JsonlWriter,
    _line,
    _sorted_fragment,
    canonical,
    dumps_json,
    dumps_jsonl,
    finding_record,
    write_json,
    write_jsonl,
)

DATA = Path(__file__).parent / "data" / "reports"


def sample():
    raw = json.loads((DATA / "sample.json").read_text("utf-8"))
    findings = [Finding(**{**d, "span": tuple(d["span"])} if "span" in d else d) for d in raw["findings"]]
    return findings, raw["summary"]


def test_json_document_shape_and_order(tmp_path):
    findings, summary = sample()
    write_json(tmp_path / "r.json", findings, summary)
    raw = (tmp_path / "r.json").read_bytes()
    doc = json.loads(raw)
    assert list(doc) == ["findings", "summary"]
    assert len(doc["findings"]) == len(findings)
    first = doc["findings"][0]
    assert list(first)[:7] == ["rule", "severity", "title", "message", "cites", "tags", "file"]
    assert list(first)[-2:] == ["fingerprint", "trace"]
    # within a file: rows or lines in order, then summary (group) findings last
    keys = [(f["file"], "group" in f, f.get("row") or f.get("line") or 0, f["rule"]) for f in doc["findings"]]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1], k[2]))
    assert list(doc["summary"])[:6] == [
        "rows_read",
        "rows_evaluated",
        "rows_rejected",
        "findings_by_rule",
        "skipped_rules",
        "departments",
    ]
    assert list(doc["summary"]["findings_by_rule"]) == sorted(summary["findings_by_rule"])
    assert "市场监管局".encode() in raw  # Chinese as is, not \\u escaped
    assert raw.endswith(b"}\n")


def test_same_input_same_bytes_whatever_the_order():
    findings, summary = sample()
    shuffled = findings[:]
    random.Random(7).shuffle(shuffled)
    reordered = dict(reversed(list(summary.items())))
    assert dumps_json(findings, summary) == dumps_json(shuffled, reordered)
    assert dumps_jsonl(findings) == dumps_jsonl(shuffled)


def test_trace_key_order_does_not_matter():
    a = Finding(
        "R", "error", "t", "m", [], [], "f.csv", case_id="1", row=1, trace={"b": 1, "a": {"y": 2, "x": 1}}
    )
    b = Finding(
        "R", "error", "t", "m", [], [], "f.csv", case_id="1", row=1, trace={"a": {"x": 1, "y": 2}, "b": 1}
    )
    assert dumps_jsonl([a]) == dumps_jsonl([b])


def test_empty():
    assert json.loads(dumps_json([], None)) == {"findings": [], "summary": {}}
    assert dumps_jsonl([]) == b""


def test_jsonl_one_finding_per_line(tmp_path):
    findings, _ = sample()
    write_jsonl(tmp_path / "r.jsonl", findings)
    lines = (tmp_path / "r.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == len(findings)
    parsed = [json.loads(line) for line in lines]
    assert {p["fingerprint"] for p in parsed} == {f.fingerprint() for f in findings}
    clause = next(p for p in parsed if p["rule"] == "DOC-17-SETS-LICENSE")
    assert clause["text"][slice(*clause["span"])] == "须经市交通运输局批准后方可经营"


def test_canonical_values():
    value = {
        2: Decimal("1500.00"),
        "d": dt.date(2025, 3, 3),
        "t": dt.datetime(2025, 3, 3, 9, 30),
        "s": {"b", "a"},
        "tup": (1, 2),
        "big": 2**70,
        "p": Path("a/b.csv"),
    }
    assert canonical(value) == {
        "2": "1500.00",
        "big": str(2**70),
        "d": "2025-03-03",
        "p": "a/b.csv",
        "s": ["a", "b"],
        "t": "2025-03-03T09:30:00",
        "tup": [1, 2],
    }
    f = Finding("R", "error", "t", "m", [], [], "f.csv", case_id="1", row=1, trace={"record": value})
    assert json.loads(dumps_jsonl([f]))["trace"]["record"]["2"] == "1500.00"


def test_streaming_writer_publishes_on_close(tmp_path):
    findings, _ = sample()
    target = tmp_path / "stream.jsonl"
    ordered = sorted(findings, key=Finding.sort_key)
    with JsonlWriter(target) as out:
        out.write(reversed(ordered[:4]))  # a chunk comes in any order; it is sorted
        assert not target.exists()
        out.write(ordered[4:])
        out.write([])
    assert out.count == len(findings)
    assert target.read_bytes() == dumps_jsonl(findings)
    assert [p.name for p in tmp_path.iterdir()] == ["stream.jsonl"]


def test_streaming_writer_leaves_previous_file_on_failure(tmp_path):
    findings, _ = sample()
    target = tmp_path / "stream.jsonl"
    target.write_text("last month\n")
    with pytest.raises(RuntimeError):
        with JsonlWriter(target) as out:
            out.write(findings)
            raise RuntimeError("interrupted")
    assert target.read_text() == "last month\n"
    assert [p.name for p in tmp_path.iterdir()] == ["stream.jsonl"]


def test_streaming_writer_bad_path(tmp_path):
    with pytest.raises(XukeError, match="does not exist"):
        JsonlWriter(tmp_path / "missing" / "x.jsonl")


def test_streaming_writer_stdout(capsysbinary):
    findings, _ = sample()
    with JsonlWriter("-") as out:
        out.write(findings)
    assert capsysbinary.readouterr().out == dumps_jsonl(findings)


# ---- the JSONL writer's fast path renders exactly what the canonical path renders ----

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=8),
    st.floats(allow_nan=False), st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(), st.datetimes(), st.times(), st.builds(PurePosixPath, st.text("ab/", max_size=5)),
    st.binary(max_size=4),
)  # fmt: skip
_keys = st.one_of(st.text(max_size=4), st.integers(-3, 3))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.tuples(inner, inner), st.frozensets(st.integers(0, 5), max_size=3),
        st.dictionaries(_keys, inner, max_size=4),
    ),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_values)
def test_fast_jsonl_path_gives_the_canonical_bytes(value):
    assert orjson.dumps(_sorted_fragment(value)) == orjson.dumps(canonical(value))


def test_jsonl_line_is_the_finding_record_compact():
    f = Finding("R-1", "error", "t", "m", ["c"], [], "a.csv", case_id="A", row=3,
                trace={"rule": "R-1", "facts": [{"z": Decimal("1.50"), "a": dt.date(2025, 3, 3), 1: {2, 1}}]},
                group={"department": "市局", "n": 2**65})  # fmt: skip
    assert _line(f) == orjson.dumps(finding_record(f), option=orjson.OPT_APPEND_NEWLINE)
