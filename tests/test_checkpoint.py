"""--checkpoint DIR: an audit killed at any moment (SIGKILL, in a real child process) and
started again with the same arguments finishes with exactly the findings, rejects and
summary of an uninterrupted run; a checkpoint of another audit is refused in one line."""

import os
import pickle
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT

SAMPLES = ROOT / "fixtures" / "approvals"

CHILD = r"""
import sys, datetime as dt
import orjson
from xuke.jobs.audit import audit_files
from xuke.domain.calendar import WorkCalendar
from xuke.jobs.loader import STANDARD_RULES, load
from xuke.reports.jsonout import finding_record, render_jsonl

if __name__ == "__main__":
    out, ckpt, jobs, chunk, *paths = sys.argv[1:]
    result = audit_files(load([STANDARD_RULES]), paths, WorkCalendar.load(), dt.date(2025, 12, 31),
                         jobs=int(jobs), chunk_size=int(chunk), checkpoint=None if ckpt == "-" else ckpt,
                         render=render_jsonl)
    with open(out, "wb") as fh:
        for f in result.findings:
            fh.write(orjson.dumps(finding_record(f)) + b"\n")
        for r in result.rejects:
            fh.write(orjson.dumps(r) + b"\n")
        fh.write(orjson.dumps(result.summary, option=orjson.OPT_SORT_KEYS) + b"\n")
        # the report lines rendered as the chunks came in, across kills and resumptions
        fh.write(b"".join(result.rendered))
        fh.write(orjson.dumps(sorted(result.severities)) + b"\n")
    result.close()
"""


def start(paths, out, ckpt, jobs=1, chunk=50):
    # a session of its own, so that the kill takes its worker processes too
    return subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(ckpt), str(jobs), str(chunk), *map(str, paths)],
                            cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE)  # fmt: skip


def finish(proc, timeout=60):
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]


def progress(ckpt):
    """(file, chunks done in it) as last committed."""
    from xuke.run import sealed

    try:
        with open(ckpt / "state", "rb") as fh:
            position = sealed.loads(sealed.user_key(), fh.read())["position"]
    except (OSError, sealed.Tampered, KeyError):
        return (0, 0)
    return position["file"], position["chunks"]


def kill(proc):
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    (d / "a.jsonl").write_bytes((SAMPLES / "small.jsonl").read_bytes())
    (d / "b.csv").write_bytes((SAMPLES / "sample.csv").read_bytes())  # audited second: files go by name
    return {"one": [SAMPLES / "sample.csv"], "two": [d / "b.csv", d / "a.jsonl"]}


@pytest.fixture(scope="module")
def uninterrupted(inputs, tmp_path_factory):
    out = {}
    for name, paths in inputs.items():
        path = tmp_path_factory.mktemp("ref") / "ref.out"
        finish(start(paths, path, "-", jobs=1, chunk=2000))
        out[name] = path.read_bytes()
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name,jobs", [("one", 1), ("one", 2), ("two", 1)])
def test_killed_with_sigkill_and_resumed(tmp_path, inputs, uninterrupted, name, jobs):
    ckpt, out, paths = tmp_path / "ckpt", tmp_path / "out", inputs[name]
    last = len(paths) - 1
    kills = 0
    # kill at several moments: before the first commit, then after some chunks each time
    # (in the last file)
    for delay, after_chunks in ((0.05, None), (None, 3), (None, 12), (None, 25)):
        proc = start(paths, out, ckpt, jobs=jobs, chunk=50)
        deadline = time.monotonic() + 30
        if delay is not None:
            time.sleep(delay)
        else:
            file, chunks = progress(ckpt)
            target = (last, chunks + after_chunks if file == last else after_chunks)
            while progress(ckpt) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
        if proc.poll() is None:
            kill(proc)
            kills += 1
        else:
            proc.stderr.close()
    assert kills >= 3, "the audit finished before it could be killed"
    assert not out.exists() and progress(ckpt) >= (last, 5)  # progress was kept
    finish(start(paths, out, ckpt, jobs=3 - jobs, chunk=37))  # other workers, other chunks
    assert out.read_bytes() == uninterrupted[name]
    # a finished checkpoint reports the same again, without evaluating anything
    out.unlink()
    finish(start(paths, out, ckpt, jobs=jobs, chunk=50))
    assert out.read_bytes() == uninterrupted[name]


def test_a_checkpoint_of_another_audit_is_refused(tmp_path, base_and_calendar):
    import datetime as dt

    from xuke.errors import XukeError
    from xuke.jobs.audit import audit_files

    base, calendar = base_and_calendar
    data = tmp_path / "in.jsonl"
    data.write_bytes((SAMPLES / "small.jsonl").read_bytes())
    ckpt = tmp_path / "ckpt"
    audit_files(base, [data], calendar, dt.date(2025, 12, 31), checkpoint=str(ckpt)).close()
    with pytest.raises(XukeError, match="other files, rules or options") as e:
        audit_files(base, [data], calendar, dt.date(2025, 11, 30), checkpoint=str(ckpt))
    assert "\n" not in str(e.value)
    with open(data, "ab") as fh:
        fh.write(b'{"x": 1}\n')
    with pytest.raises(XukeError, match="has changed since the audit started") as e:
        audit_files(base, [data], calendar, dt.date(2025, 12, 31), checkpoint=str(ckpt))
    assert "\n" not in str(e.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(XukeError, match="not a directory"):
        audit_files(base, [data], calendar, dt.date(2025, 12, 31), checkpoint=str(tmp_path / "file"))


def test_a_checkpoint_in_use_is_refused(tmp_path, base_and_calendar):
    import datetime as dt

    from xuke.errors import XukeError
    from xuke.run.checkpoint import Checkpoint

    base, calendar = base_and_calendar
    data = SAMPLES / "small.jsonl"
    held = Checkpoint(str(tmp_path / "ckpt"), "f", [str(data)])
    try:
        from xuke.jobs.audit import audit_files

        with pytest.raises(XukeError, match="another audit is using it"):
            audit_files(base, [data], calendar, dt.date(2025, 12, 31), checkpoint=str(tmp_path / "ckpt"))
    finally:
        held.close()


@pytest.fixture(scope="module")
def base_and_calendar():
    from xuke.domain.calendar import WorkCalendar
    from xuke.jobs.loader import STANDARD_RULES, load

    return load([STANDARD_RULES]), WorkCalendar.load()


def _cli_has(option: str) -> bool:
    return option in (ROOT / "cli.py").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(not _cli_has("--checkpoint"), reason="cli.py has no --checkpoint yet")
def test_cli_checkpoint_resumes_and_refuses_in_one_line(tmp_path):
    data = tmp_path / "in.csv"
    data.write_bytes((SAMPLES / "sample.csv").read_bytes())
    base = [
        sys.executable,
        str(ROOT / "cli.py"),
        "audit",
        str(data),
        "--as-of",
        "2025-12-31",
        "--format",
        "jsonl",
    ]
    plain = subprocess.run([*base, "-o", str(tmp_path / "plain.jsonl"), "--jobs", "1"], capture_output=True)
    assert plain.returncode in (0, 1), plain.stderr
    ckpt = tmp_path / "ckpt"
    cmd = [*base, "-o", str(tmp_path / "out.jsonl"), "--checkpoint", str(ckpt), "--chunk-size", "50"]
    proc = subprocess.Popen([*cmd, "--jobs", "2"], cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while progress(ckpt)[1] < 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if proc.poll() is None:
        kill(proc)
    done = subprocess.run([*cmd, "--jobs", "1"], cwd=ROOT, capture_output=True)
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    with open(data, "ab") as fh:
        fh.write((SAMPLES / "sample.csv").read_bytes().splitlines(keepends=True)[1])
    refused = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "has changed since the audit started" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


# ---- B15: a checkpoint directory is never unpickled unless this user's xuke signed it ----


class _Trap:
    """Unpickling this creates a file: proof that a pickle from the directory ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _finished_checkpoint(tmp_path, base_and_calendar):
    import datetime as dt

    from xuke.jobs.audit import audit_files

    base, calendar = base_and_calendar
    data = tmp_path / "in.jsonl"
    data.write_bytes((SAMPLES / "small.jsonl").read_bytes())
    ckpt = tmp_path / "ckpt"
    audit_files(base, [data], calendar, dt.date(2025, 12, 31), checkpoint=str(ckpt), chunk_size=20).close()
    return base, calendar, data, ckpt


@pytest.mark.parametrize("target", ["state", "findings"])
def test_a_planted_pickle_is_refused_and_never_run(tmp_path, base_and_calendar, target):
    import datetime as dt

    from xuke.errors import XukeError
    from xuke.jobs.audit import audit_files

    base, calendar, data, ckpt = _finished_checkpoint(tmp_path, base_and_calendar)
    ran = tmp_path / "ran"
    evil = pickle.dumps(_Trap(ran))
    if target == "state":
        (ckpt / "state").write_bytes(evil)  # a bare pickle, as the old format had it
    else:
        # a frame with the right layout but a MAC made without the key
        from xuke.run import sealed

        raw = (ckpt / "findings").read_bytes()
        (ckpt / "findings").write_bytes(sealed.dumps(b"k" * 32, (0, [_Trap(ran)])) + raw)
    with pytest.raises(XukeError) as e:
        result = audit_files(base, [data], calendar, dt.date(2025, 12, 31), checkpoint=str(ckpt))
        try:
            list(result.findings)
        finally:
            result.close()
    assert "\n" not in str(e.value)
    assert "not written by this user's xuke" in str(e.value) or "unreadable" in str(e.value)
    assert not ran.exists()


def test_a_checkpoint_signed_with_another_key_is_refused(tmp_path, base_and_calendar, monkeypatch):
    import datetime as dt

    from xuke.errors import XukeError
    from xuke.jobs.audit import audit_files

    base, calendar, data, ckpt = _finished_checkpoint(tmp_path, base_and_calendar)
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "other-user.key"))
    with pytest.raises(XukeError, match="state file was not written by this user's xuke"):
        audit_files(base, [data], calendar, dt.date(2025, 12, 31), checkpoint=str(ckpt))
    assert (tmp_path / "other-user.key").stat().st_mode & 0o777 == 0o600


def test_an_unusable_key_file_is_one_line(tmp_path, base_and_calendar, monkeypatch):
    import datetime as dt

    from xuke.errors import XukeError
    from xuke.jobs.audit import audit_files

    base, calendar = base_and_calendar
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "file" / "checkpoint.key"))
    with pytest.raises(XukeError, match="set XUKE_KEY_FILE") as e:
        audit_files(
            base, [SAMPLES / "small.jsonl"], calendar, dt.date(2025, 12, 31), checkpoint=str(tmp_path / "c")
        )
    assert "\n" not in str(e.value)
