import errno
import os
import stat

import pytest
from xuke.errors import XukeError
from xuke.reports import atomic
from xuke.reports.atomic import AtomicFile, atomic_write


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_text_and_binary(tmp_path):
    atomic_write(tmp_path / "a.txt", lambda fh: fh.write("许可\n第二行\n"))
    atomic_write(tmp_path / "b.bin", lambda fh: fh.write(b"\x00\xff"), binary=True)
    assert (tmp_path / "a.txt").read_bytes() == "许可\n第二行\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert _leftovers(tmp_path) == []


def test_no_newline_translation(tmp_path):
    atomic_write(tmp_path / "a.csv", lambda fh: fh.write("a\r\nb\n"))
    assert (tmp_path / "a.csv").read_bytes() == b"a\r\nb\n"


def test_replaces_and_keeps_mode_of_existing_file(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic_write(target, lambda fh: fh.write("new"))
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_gets_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "r.txt", lambda fh: fh.write("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.txt").stat().st_mode) == 0o644


def test_missing_directory_is_one_line_error(tmp_path):
    out = tmp_path / "no" / "such" / "r.json"
    with pytest.raises(XukeError) as info:
        atomic_write(out, lambda fh: fh.write("x"))
    message = str(info.value)
    assert message == f"cannot write {out}: directory {out.parent} does not exist"
    assert "\n" not in message


def test_path_that_is_a_directory(tmp_path):
    with pytest.raises(XukeError, match=r"^cannot write .*: it is a directory$"):
        atomic_write(tmp_path, lambda fh: fh.write("x"))
    assert _leftovers(tmp_path) == []


def test_parent_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(XukeError, match="not a directory"):
        atomic_write(tmp_path / "f" / "r.json", lambda fh: fh.write("x"))


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_writing(tmp_path):
    target = tmp_path / "OUT"
    target.write_text("previous report")

    def writer(fh):
        fh.write("part of it")
        _enospc()

    with pytest.raises(XukeError) as info:
        atomic_write(target, writer)
    assert str(info.value) == f"cannot write {target}: no space left on device"
    assert target.read_text() == "previous report"
    assert _leftovers(tmp_path) == []


def test_disk_full_on_flush_to_disk(tmp_path, monkeypatch):
    # the real failure often shows only at fsync/close time
    target = tmp_path / "OUT"
    monkeypatch.setattr(atomic.os, "fsync", _enospc)
    with pytest.raises(XukeError, match="no space left on device$"):
        atomic_write(target, lambda fh: fh.write("x"), binary=False)
    assert not target.exists()
    assert _leftovers(tmp_path) == []


class _FullDisk:
    """A file that fails like a full disk once `room` bytes are written (the real failure
    can't be provoked safely; file objects write below os.write, so the file is wrapped)."""

    def __init__(self, real, room):
        self._real, self._room = real, room

    def write(self, data):
        self._room -= len(data)
        if self._room < 0:
            _enospc()
        return self._real.write(data)

    def __getattr__(self, name):
        return getattr(self._real, name)


def test_disk_full_in_the_middle_of_a_reporter(tmp_path, monkeypatch):
    from xuke.findings import Finding
    from xuke.reports.jsonout import write_jsonl

    real_fdopen = os.fdopen
    monkeypatch.setattr(atomic.os, "fdopen", lambda *a, **k: _FullDisk(real_fdopen(*a, **k), 100))
    target = tmp_path / "OUT.jsonl"
    findings = [
        Finding("R", "error", "标题", "说明" * 50, [], [], "a.csv", case_id=str(i), row=i) for i in range(3)
    ]
    with pytest.raises(XukeError) as info:
        write_jsonl(target, findings)
    assert str(info.value) == f"cannot write {target}: no space left on device"
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_a_bug_in_the_writer_propagates_unchanged(tmp_path):
    def writer(fh):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        atomic_write(tmp_path / "r", writer)
    assert list(tmp_path.iterdir()) == []


def test_stdout(capsys):
    atomic_write("-", lambda fh: fh.write("许可\n"))
    assert capsys.readouterr().out == "许可\n"


def test_stdout_binary(capsysbinary):
    atomic_write("-", lambda fh: fh.write(b"abc"), binary=True)
    assert capsysbinary.readouterr().out == b"abc"


def test_atomic_file_context_manager(tmp_path):
    target = tmp_path / "stream.jsonl"
    with AtomicFile(target, binary=True) as out:
        out.stream.write(b"1\n")
        assert not target.exists()  # nothing visible before commit
    assert target.read_bytes() == b"1\n"
    with pytest.raises(RuntimeError):
        with AtomicFile(target, binary=True) as out:
            out.stream.write(b"2\n")
            raise RuntimeError
    assert target.read_bytes() == b"1\n"
    assert _leftovers(tmp_path) == []


def test_temps_a_killed_run_left_a_day_ago_are_removed(tmp_path):
    import time

    stale, fresh, other = (
        tmp_path / ".r.json.abcd1234.tmp",
        tmp_path / ".r.json.efgh5678.tmp",
        tmp_path / ".r.json.x.tmp",
    )
    for p in (stale, fresh, other):
        p.write_text("half")
    old = time.time() - atomic.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    atomic_write(tmp_path / "r.json", lambda fh: fh.write("{}"))
    assert (tmp_path / "r.json").read_text() == "{}"
    assert not stale.exists() and fresh.exists() and other.exists()
