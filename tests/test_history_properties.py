"""Property: over any sequence of runs, the statuses the history gives agree with a plain
model of the rules in docs/history.md (new, open since, escalated after N runs in a row,
resolved when the case was examined again, out of scope when it was not)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xuke.findings import Finding
from xuke.history import History, RunInfo, record_run

CASES = [f"C{i}" for i in range(5)]
RULES = ["R1", "R2"]

# one run: the cases in its input, and which (case, rule) pairs fire among them
runs_strategy = st.lists(
    st.sets(st.sampled_from(CASES)).flatmap(
        lambda present: st.tuples(
            st.just(present),
            st.sets(st.sampled_from([(c, r) for c in sorted(present) for r in RULES])) if present else st.just(set()),
        )
    ),
    min_size=1,
    max_size=5,
)


def _finding(case: str, rule: str) -> Finding:
    return Finding(rule, "error", rule, "m", [], [], f"export-{case}.csv", case_id=case, row=1)


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(runs=runs_strategy, escalate_after=st.integers(2, 4))
def test_statuses_follow_the_model(runs, escalate_after):
    with tempfile.TemporaryDirectory() as tmp, History(str(Path(tmp) / "h.db")) as db:
        model: dict[tuple[str, str], tuple[int, int]] = {}  # reported last run: key -> (since run, runs)
        for n, (present, fired) in enumerate(runs, 1):
            info = RunInfo("s", f"2025-01-{n:02d}", "test", [], {}, [], escalate_after=escalate_after)
            with db.write() as conn:
                changes = record_run(conn, info, [_finding(c, r) for c, r in sorted(fired)], {},
                                     lambda wanted, present=present: wanted & present)  # fmt: skip
            assert changes.run == n
            got = {}
            for c, r in fired:
                status, since, count = changes.status[_finding(c, r).series_key()]
                got[(c, r)] = (status, since, count)
                if (c, r) in model:
                    want_since, want_count = model[(c, r)][0], model[(c, r)][1] + 1
                    assert (since, count) == (want_since, want_count)
                    assert status == ("escalated" if count >= escalate_after else "open")
                else:
                    assert (status, since, count) == ("new", n, 1)
            gone = set(model) - set(fired)
            resolved = {(e["case_id"], e["rule"]) for e in changes.resolved}
            out = {(e["case_id"], e["rule"]) for e in changes.out_of_scope}
            assert resolved == {k for k in gone if k[0] in present}
            assert out == {k for k in gone if k[0] not in present}
            assert changes.counts == {"new": sum(s == "new" for s, _, _ in got.values()),
                                      "open": sum(s == "open" for s, _, _ in got.values()),
                                      "escalated": sum(s == "escalated" for s, _, _ in got.values()),
                                      "resolved": len(resolved), "out_of_scope": len(out)}  # fmt: skip
            model = {k: (since, count) for k, (_s, since, count) in got.items()}
