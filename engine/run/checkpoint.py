"""A checkpoint directory: an audit's progress on disk, so that an audit killed at any moment
(SIGKILL included) and started again with the same arguments finishes with exactly the
findings of an uninterrupted run.

The directory holds append-only spools (findings, rejects, the case ids of the current
file) and a `state` file: the chunks done, the merged counts and summary state, and how
far each spool had been written when they were committed. After every consumed chunk the
spools are flushed and fsynced, then the state is written to a temporary file, fsynced and
renamed over the old one (and the directory fsynced). On resume each spool is cut back to
its committed length, so a chunk whose state was never committed is done again, and
nothing is lost or repeated.

A checkpoint belongs to one audit: the state records a fingerprint of everything that
decides the findings (rules, files, audit date, calendar, options) and, for each input,
its size, modification time and a hash of its first megabyte. Any difference is refused
with a one-line error rather than resumed wrongly. The number of workers, the executor and
the chunk size may change between runs: they do not change the findings.

The state and the spools are pickled frames signed with this user's key (engine.sealed):
a directory on a shared drive, or copied from someone else, is refused before anything in
it is unpickled, so a planted file cannot run code as the auditor. The rendered report
lines (`findings.jsonl`) are plain bytes; the state records their SHA-256, checked before
a resumed run appends to them and again as they are copied into the report (B21).

The directory must be this user's, not a symbolic link and not writable by others, and
every file in it is opened through the directory's descriptor without following links,
new ones created exclusively (engine/safefs.py): a link planted as `findings`, `state.tmp`
or `lock` is refused, never written through (B19). An input is identified by its size,
modification time and the SHA-256 of all its bytes, so a change anywhere in it is seen
even with the size and time put back (B21; hashing runs at about 1.3 GB/s here).
"""

from __future__ import annotations

import hashlib
import os

from ..errors import XukeError
from ..reports.atomic import write_error
from ..safefs import open_dir, open_in, replace_in, unlink_in
from . import sealed

VERSION = 2  # 2: whole-input hashes, the rendered lines' digest
_SPOOLS = ("findings", "rejects", "ids")


def input_identity(path: str) -> tuple:
    """(path, size, mtime in ns, sha256 of every byte)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as e:
        raise XukeError(f"{path}: cannot read: {e.strerror or e}") from None
    return (path, st.st_size, st.st_mtime_ns, digest)


class Checkpoint:
    def __init__(self, directory: str, fingerprint: str, files: list[str]):
        self.dir = os.fspath(directory)
        self.fingerprint = fingerprint
        self.where = f"--checkpoint {self.dir}"
        try:
            self._fd = open_dir(self.dir, self.where)
        except OSError as e:
            raise XukeError(f"{self.where}: cannot use it: {e.strerror or e}") from None
        self._lock = None
        try:
            self._lock = os.fdopen(self._open("lock", os.O_RDWR | os.O_CREAT), "r+b")
            self._flock()
            self.inputs = [input_identity(f) for f in files]
            self.key = sealed.user_key()
            self.saved: dict | None = None
            self.saved = self._load()
        except BaseException:
            self.close()
            raise

    def _flock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise XukeError(f"{self.where}: another audit is using it") from None

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def _open(self, name: str, flags: int, new: bool = False) -> int:
        try:
            return open_in(self._fd, name, flags, self.where, new=new)
        except OSError as e:
            raise XukeError(f"{self.where}: cannot use {name}: {e.strerror or e}") from None

    def opener(self, path: str, flags: int) -> int:
        """For `open(self.path(name), mode, opener=checkpoint.opener)`: the file in this
        directory, never through a link."""
        return self._open(os.path.basename(path), flags)

    def write_error(self, e: OSError) -> XukeError:
        """A failed write in the directory (a full disk), said as such."""
        return write_error(self.dir, e)

    def _load(self) -> dict | None:
        try:
            with os.fdopen(self._open_existing("state"), "rb") as fh:
                state = sealed.loads(self.key, fh.read())
        except FileNotFoundError:
            return None
        except sealed.Tampered:
            raise XukeError(f"--checkpoint {self.dir}: the state file was not written by this user's xuke "
                            f"(key {sealed.key_file()}); it is not read. Remove the directory to start "
                            "again") from None  # fmt: skip
        except XukeError:
            raise
        except Exception:
            raise XukeError(f"--checkpoint {self.dir}: the state file is unreadable; remove the directory to "
                            "start again") from None  # fmt: skip
        where = self.where
        if not isinstance(state, dict) or state.get("version") != VERSION:
            raise XukeError(
                f"{where}: written by another version of xuke; remove the directory to start again"
            )
        if state.get("fingerprint") != self.fingerprint:
            raise XukeError(f"{where}: written by an audit with other files, rules or options; "
                            "run it with the same arguments, or remove the directory to start again")  # fmt: skip
        for then, now in zip(state["inputs"], self.inputs):
            if then != now:
                raise XukeError(f"{where}: {now[0]} has changed since the audit started (size, modification "
                                "time or content); remove the directory to start again")  # fmt: skip
        for name in _SPOOLS:
            size = state[name][0]
            try:
                actual = os.stat(name, dir_fd=self._fd, follow_symlinks=False).st_size
            except OSError:
                actual = -1
            if actual < size:
                raise XukeError(f"{where}: the {name} spool is shorter than its last commit; "
                                "remove the directory to start again")  # fmt: skip
        return state

    def _open_existing(self, name: str) -> int:
        try:
            return open_in(self._fd, name, os.O_RDONLY, self.where)
        except FileNotFoundError:
            raise
        except OSError as e:
            raise XukeError(f"{self.where}: cannot read {name}: {e.strerror or e}") from None

    def commit(self, state: dict) -> None:
        """Write the state atomically: a new temporary file, fsync, rename, fsync the directory."""
        state = {**state, "version": VERSION, "fingerprint": self.fingerprint, "inputs": self.inputs}
        data = sealed.dumps(self.key, state)
        try:
            unlink_in(self._fd, "state.tmp")  # left by a killed run; a link is removed, not followed
            with os.fdopen(self._open("state.tmp", os.O_WRONLY, new=True), "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            replace_in(self._fd, "state.tmp", "state")
            os.fsync(self._fd)
        except OSError as e:
            raise self.write_error(e) from None

    def close(self) -> None:
        if self._lock is not None and not self._lock.closed:
            self._lock.close()  # releases the lock
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
