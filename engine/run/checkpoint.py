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
it is unpickled, so a planted file cannot run code as the auditor.
"""

from __future__ import annotations

import hashlib
import os

from ..errors import XukeError
from . import sealed

VERSION = 1
HEAD = 1 << 20  # bytes of each input that are hashed
_SPOOLS = ("findings", "rejects", "ids")


def input_identity(path: str) -> tuple:
    """(path, size, mtime in ns, sha256 of the first MB)."""
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            head = hashlib.sha256(fh.read(HEAD)).hexdigest()
    except OSError as e:
        raise XukeError(f"{path}: cannot read: {e.strerror or e}") from None
    return (path, st.st_size, st.st_mtime_ns, head)


class Checkpoint:
    def __init__(self, directory: str, fingerprint: str, files: list[str]):
        self.dir = os.fspath(directory)
        self.fingerprint = fingerprint
        if os.path.exists(self.dir) and not os.path.isdir(self.dir):
            raise XukeError(f"--checkpoint {self.dir}: not a directory")
        try:
            os.makedirs(self.dir, exist_ok=True)
            self._lock = open(self.path("lock"), "a+b")  # noqa: SIM115
        except OSError as e:
            raise XukeError(f"--checkpoint {self.dir}: cannot use it: {e.strerror or e}") from None
        try:
            import fcntl

            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no lock
            pass
        except OSError:
            self._lock.close()
            raise XukeError(f"--checkpoint {self.dir}: another audit is using it") from None
        self.inputs = [input_identity(f) for f in files]
        self.saved: dict | None = None
        try:
            self.key = sealed.user_key()
        except BaseException:
            self.close()
            raise
        try:
            self.saved = self._load()
        except BaseException:
            self.close()
            raise

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def _load(self) -> dict | None:
        try:
            with open(self.path("state"), "rb") as fh:
                state = sealed.loads(self.key, fh.read())
        except FileNotFoundError:
            return None
        except sealed.Tampered:
            raise XukeError(f"--checkpoint {self.dir}: the state file was not written by this user's xuke "
                            f"(key {sealed.key_file()}); it is not read. Remove the directory to start "
                            "again") from None  # fmt: skip
        except Exception:
            raise XukeError(f"--checkpoint {self.dir}: the state file is unreadable; remove the directory to "
                            "start again") from None  # fmt: skip
        where = f"--checkpoint {self.dir}"
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
                actual = os.path.getsize(self.path(name))
            except OSError:
                actual = -1
            if actual < size:
                raise XukeError(f"{where}: the {name} spool is shorter than its last commit; "
                                "remove the directory to start again")  # fmt: skip
        return state

    def commit(self, state: dict) -> None:
        """Write the state atomically: a temporary file, fsync, rename, fsync the directory."""
        state = {**state, "version": VERSION, "fingerprint": self.fingerprint, "inputs": self.inputs}
        tmp = self.path("state.tmp")
        with open(tmp, "wb") as fh:
            fh.write(sealed.dumps(self.key, state))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path("state"))
        try:
            fd = os.open(self.dir, os.O_RDONLY)
        except OSError:  # a directory cannot be opened on some systems
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        if not self._lock.closed:
            self._lock.close()  # releases the lock
