"""Faults while writing reports: a killed run, a full disk, an output path that cannot be written.

The promise (engine/reports/atomic.py): a report is written to a temporary file beside its
target and renamed over it, so the target is the previous complete report or absent, never
half a file; a full disk or an unwritable path is one line on stderr and exit 2.

Never point a test at the real /dev/full or /dev/null with `-o`: before 7681558 the atomic
writer renamed over whatever the target was, and run as root that replaced the device node
(it did, in the sandbox). The device tests below use their own node made with mknod in
tmp_path, so a regression cannot damage the machine running them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from bad_inputs.harness import AS_OF, CLI, ROOT, assert_clean_error, can_mknod, env, run_cli

SAMPLE = ROOT / "fixtures" / "approvals" / "sample.csv"
FORMATS = ("json", "jsonl", "csv", "sarif", "text")
PREVIOUS = b'{"previous": "a complete report from last month"}\n'


def bug(reason: str):
    return pytest.mark.xfail(strict=True, reason=f"BUG: {reason}")


def audit_to(out, *extra, data=SAMPLE, cwd, fmt="json", timeout=300, **kw):
    return run_cli("audit", data, "--as-of", AS_OF, "--format", fmt, "-o", out, "--jobs", "1", *extra,
                   cwd=cwd, timeout=timeout, **kw)  # fmt: skip


def temp_files(directory: Path, target: str) -> list[str]:
    """Temporary files the atomic writer leaves beside `target` (named .TARGET.XXXXXXXX.tmp)."""
    return sorted(
        p.name for p in directory.iterdir() if p.name.startswith(f".{target}.") and p.name.endswith(".tmp")
    )


# ---- output paths that cannot be written ----


def _unwritable(tmp_path: Path, kind: str) -> Path:
    if kind == "under-a-file":
        (tmp_path / "somefile").write_text("x")
        return tmp_path / "somefile" / "out.json"
    if kind == "missing-dir":
        return tmp_path / "missing" / "out.json"
    (tmp_path / "adir").mkdir()
    return tmp_path / "adir"


UNWRITABLE = {
    "under-a-file": "not a directory",
    "missing-dir": "does not exist",
    "a-directory": "is a directory",
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(UNWRITABLE))
def test_unwritable_output_is_one_line(tmp_path, fmt, kind):
    out = _unwritable(tmp_path, kind)
    run = audit_to(out, cwd=tmp_path, fmt=fmt)
    assert_clean_error(run, "cannot write", UNWRITABLE[kind])


@pytest.mark.parametrize("kind", sorted(UNWRITABLE))
def test_unwritable_rejects_is_one_line(tmp_path, kind):
    run = audit_to(tmp_path / "out.json", "--rejects", _unwritable(tmp_path, kind), cwd=tmp_path)
    assert_clean_error(run, "cannot write", UNWRITABLE[kind])


@pytest.mark.parametrize("kind", sorted(UNWRITABLE))
def test_unwritable_xlsx_is_one_line(tmp_path, kind):
    run = audit_to(tmp_path / "out.json", "--xlsx", _unwritable(tmp_path, kind), cwd=tmp_path)
    assert_clean_error(run, "cannot write")


def test_lint_unwritable_output_is_one_line(tmp_path):
    draft = ROOT / "fixtures" / "policies" / "gas_measures.txt"
    run = run_cli(
        "lint", draft, "--format", "json", "-o", _unwritable(tmp_path, "under-a-file"), cwd=tmp_path
    )
    assert_clean_error(run, "cannot write", "not a directory")


# ---- a full disk: a 8 KiB tmpfs (root), /dev/full as standard output ----


@pytest.fixture
def tiny_fs(tmp_path):
    """A tmpfs of 8 KiB mounted in tmp_path; skipped where mount is not allowed."""
    d = tmp_path / "tiny"
    d.mkdir()
    if not can_mknod():
        pytest.skip("needs root to mount a tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(d)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], capture_output=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_disk_full_keeps_previous_report(tmp_path, tiny_fs, fmt):
    out = tiny_fs / "report"
    out.write_bytes(PREVIOUS)
    run = audit_to(out, cwd=tmp_path, fmt=fmt)
    assert_clean_error(run, "cannot write", "no space left on device")
    assert out.read_bytes() == PREVIOUS
    assert temp_files(tiny_fs, "report") == []


def test_disk_full_rejects_and_xlsx(tmp_path, tiny_fs):
    data = tmp_path / "bad_dates.csv"
    data.write_text(
        "办件编号,申请时间\n" + "".join(f"B{i},2025-02-30\n" for i in range(500)), encoding="utf-8"
    )
    run = audit_to(tmp_path / "out.json", "--rejects", tiny_fs / "rejects.jsonl", data=data, cwd=tmp_path)
    assert_clean_error(run, "cannot write", "no space left on device")
    run = audit_to(tmp_path / "out.json", "--xlsx", tiny_fs / "report.xlsx", cwd=tmp_path)
    assert_clean_error(run, "cannot write", "no space left on device")
    assert sorted(os.listdir(tiny_fs)) == []


def _dev_full() -> Path:
    p = Path("/dev/full")
    if not (p.exists() and stat.S_ISCHR(p.stat().st_mode)):
        pytest.skip("no /dev/full character device")
    return p


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "sarif"])
def test_stdout_on_a_full_device(tmp_path, fmt):
    # the report goes to standard output, which is /dev/full: every write fails with ENOSPC
    with open(_dev_full(), "wb") as full:
        run = run_cli(
            "audit", SAMPLE, "--as-of", AS_OF, "--format", fmt, "--jobs", "1", cwd=tmp_path, stdout=full
        )
    assert_clean_error(run, "cannot write standard output", "no space left on device")


# text to a full standard output raised OSError ENOSPC past cli.main: a traceback (found by
# these tests; fixed in 7681558)
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["audit", SAMPLE, "--as-of", AS_OF, "--jobs", "1"], id="audit-text"),
        pytest.param(["lint", ROOT / "fixtures" / "policies" / "gas_measures.txt"], id="lint-text"),
        pytest.param(["check", ROOT / "rules"], id="check"),
        pytest.param(["rules", "list"], id="rules-list"),
    ],
)
def test_text_on_a_full_stdout(tmp_path, args):
    with open(_dev_full(), "wb") as full:
        run = run_cli(*args, cwd=tmp_path, stdout=full)
    assert_clean_error(run, "standard output", "no space left on device")


# `-o` onto a device node, FIFO or symlink used to rename the temp file over it: the node or
# link was replaced by a regular file (as root this replaced the sandbox's real /dev/null and
# /dev/full; they were recreated with mknod) and /dev/full reported success. Found by these
# tests; fixed in 7681558 (a target that is not a regular file is written directly).


def test_output_to_a_full_device_node(tmp_path):
    if not can_mknod():
        pytest.skip("needs root to make a device node")
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # a private /dev/full
    try:
        run = audit_to(full, cwd=tmp_path)
        assert stat.S_ISCHR(full.lstat().st_mode), "the device node was replaced by a regular file"
        assert_clean_error(run, "cannot write", "no space left on device")
    finally:
        full.unlink()


def test_output_to_a_named_pipe(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader():
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    run = audit_to(fifo, cwd=tmp_path)
    still_fifo = stat.S_ISFIFO(fifo.lstat().st_mode)
    if t.is_alive():  # nobody wrote to the pipe: unblock the reader
        with contextlib.suppress(OSError):
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
    t.join(5)
    assert run.returncode in (0, 1), run.describe()
    assert still_fifo, "the named pipe was replaced by a regular file"
    assert got and json.loads(got[0])["summary"]["rows_read"] == 3000


def test_output_through_a_symlink(tmp_path):
    real = tmp_path / "reports" / "2025-12.json"
    real.parent.mkdir()
    real.write_bytes(PREVIOUS)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    run = audit_to(link, cwd=tmp_path)
    assert run.returncode in (0, 1), run.describe()
    assert link.is_symlink()
    assert json.loads(real.read_bytes())["summary"]["rows_read"] == 3000


# ---- killed runs ----

ROWS = int(os.environ.get("XUKE_FAULT_ROWS", "200000"))


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    """About 200k rows, one in ten overdue, so the report is large (tens of MB)."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("办件编号,承办部门,申请时间,受理时间,办结时间,法定时限\n")
        for i in range(ROWS):
            fh.write(
                f"C{i:07d},部门{i % 50},2025-03-03,2025-03-03,{'2025-06-30' if i % 10 == 0 else '2025-03-10'},20\n"
            )
    return path


def _session(sid: int) -> list[tuple[int, str]]:
    """(pid, state) of the processes still in a session (the killed audit's workers)."""
    out = []
    for d in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                out.append((int(d.name), fields[0]))
    return out


def _start(big_export, out: Path, fmt: str, tmpdir: Path):
    argv = [
        sys.executable,
        str(CLI),
        "audit",
        str(big_export),
        "--as-of",
        AS_OF,
        "--format",
        fmt,
        "-o",
        str(out),
        "--jobs",
        "2",  # bounded, so the run lasts long enough to be killed mid-way on a big machine too
    ]
    return subprocess.Popen(argv, cwd=out.parent, env=env(TMPDIR=str(tmpdir)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip


def _reap(proc, timeout=30) -> str:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    return err.decode("utf-8", "replace")


def _wait_gone(sid: int, seconds: float = 20) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = _session(sid)
        if not left:
            return []
        time.sleep(0.2)
    left = _session(sid)
    for pid, _ in left:  # do not leave them behind for the rest of the test run
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return left


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_sigkill_while_writing_leaves_previous_report(tmp_path, big_export):
    out_dir, tmpdir = tmp_path / "out", tmp_path / "tmp"
    out_dir.mkdir()
    tmpdir.mkdir()
    out = out_dir / "report.jsonl"
    out.write_bytes(PREVIOUS)
    proc = _start(big_export, out, "jsonl", tmpdir)
    caught = None
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        tmps = temp_files(out_dir, "report.jsonl")
        if tmps:
            size = (out_dir / tmps[0]).stat().st_size if (out_dir / tmps[0]).exists() else 0
            if size > 0:  # the report is being written: kill it now
                os.kill(proc.pid, signal.SIGKILL)
                caught = (tmps[0], size)
                break
        time.sleep(0.002)
    _reap(proc)
    assert caught, "the audit finished before its report could be caught half written"
    # the target is the previous complete report, never half a file
    assert out.read_bytes() == PREVIOUS
    # what SIGKILL leaves behind (no handler can run): the half-written temp file beside the
    # target, hidden and named .report.jsonl.XXXXXXXX.tmp (a later run to the same target
    # removes it once it is a day old); the findings spool was unlinked when it was made
    leftovers = temp_files(out_dir, "report.jsonl")
    assert leftovers == [caught[0]]
    # the worker processes notice that their parent is gone and exit
    assert _wait_gone(proc.pid) == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("previous", [True, False], ids=["previous-report", "no-previous-report"])
def test_sigkill_while_evaluating_leaves_previous_report_or_none(tmp_path, big_export, previous):
    out = tmp_path / "report.json"
    if previous:
        out.write_bytes(PREVIOUS)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    proc = _start(big_export, out, "json", tmpdir)
    time.sleep(3)
    assert proc.poll() is None, "the audit ended too soon to be killed mid-run"
    os.kill(proc.pid, signal.SIGKILL)
    _reap(proc)
    if previous:
        assert out.read_bytes() == PREVIOUS
    else:
        assert not out.exists()
    assert temp_files(tmp_path, "report.json") == []  # nothing is written before the audit ends
    assert _wait_gone(proc.pid) == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize(
    "sig,code,message",
    # SIGTERM is what `timeout`, systemd and cron send: handled like Ctrl-C
    [(signal.SIGINT, 130, "xuke: interrupted"), (signal.SIGTERM, 143, "xuke: terminated")],
    ids=["sigint", "sigterm"],
)
def test_interrupt_is_one_line_and_cleans_up(tmp_path, big_export, sig, code, message):
    out = tmp_path / "report.json"
    out.write_bytes(PREVIOUS)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    proc = _start(big_export, out, "json", tmpdir)
    time.sleep(3)
    os.kill(proc.pid, sig)
    err = _reap(proc)
    assert proc.returncode == code, err
    assert [line for line in err.splitlines() if line.strip()] == [message]
    assert out.read_bytes() == PREVIOUS
    assert temp_files(tmp_path, "report.json") == []
    # the findings spool is removed (Lark may leave its grammar cache there: not ours)
    assert [p for p in os.listdir(tmpdir) if not p.startswith(".lark_cache")] == []
    assert _wait_gone(proc.pid) == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_sigkill_leaves_no_spool(tmp_path, big_export):
    # a temporary spool is unlinked as soon as it is made: SIGKILL cannot leave it behind
    out = tmp_path / "report.json"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    proc = _start(big_export, out, "json", tmpdir)
    time.sleep(3)
    os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers notice and exit
    _reap(proc)
    assert [p for p in os.listdir(tmpdir) if p.startswith("xuke-")] == []
    _wait_gone(proc.pid)
