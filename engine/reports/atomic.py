"""Write a report all at once or not at all.

A report is written to a temporary file beside its target, flushed to disk and renamed
over the target, so a reader (or the next month's diff) never sees half a report, and a
failed audit leaves the previous report in place. Errors the user can fix (missing
directory, a directory where the file should be, no space) become one-line `XukeError`s.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

from ..errors import XukeError

STDOUT = "-"

_umask_lock = threading.Lock()


def write_error(path: str | os.PathLike, exc: OSError) -> XukeError:
    """The one-line message for a failed write of `path`."""
    code = exc.errno
    if code == errno.ENOENT:
        parent = os.path.dirname(os.fspath(path)) or "."
        reason = f"directory {parent} does not exist"
    elif code == errno.EISDIR:
        reason = "it is a directory"
    elif code == errno.ENOTDIR:
        reason = "a parent of it is not a directory"
    elif code in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    elif code is not None:
        reason = os.strerror(code).lower()
    else:
        reason = str(exc) or type(exc).__name__
    return XukeError(f"cannot write {os.fspath(path)}: {reason}")


def _new_file_mode(target: Path) -> int:
    # mkstemp creates 0600; a report should get the mode an ordinary open() would give it
    # (or keep the mode of the report it replaces)
    with suppress(OSError):
        return stat.S_IMODE(os.stat(target).st_mode)
    with _umask_lock:
        mask = os.umask(0)
        os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(directory: Path) -> None:
    # makes the rename itself durable; not every platform can open a directory
    with suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


STALE_SECONDS = 24 * 3600


def _remove_stale_temps(target: Path) -> None:
    """Temporary files of this target that a killed run (SIGKILL: nothing can clean up)
    left more than a day ago. Younger ones may belong to a run still writing."""
    import time

    prefix, cutoff = f".{target.name}.", time.time() - STALE_SECONDS
    with suppress(OSError):
        for entry in os.scandir(target.parent):
            name = entry.name
            if name.startswith(prefix) and name.endswith(".tmp") and len(name) == len(prefix) + 12:
                with suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    if (
                        stat.S_ISREG(st.st_mode)
                        and st.st_mtime < cutoff
                        and (not hasattr(os, "getuid") or st.st_uid == os.getuid())
                    ):
                        os.unlink(entry.path)


class AtomicFile:
    """An open temporary file that becomes `path` on `commit()` and vanishes on `abort()`.

    Used directly by writers that stream (open once, write chunk by chunk); others use
    `atomic_write`. `path == "-"` writes straight to stdout, where there is nothing to
    make atomic.
    """

    def __init__(self, path: str | os.PathLike, binary: bool = False, encoding: str = "utf-8"):
        self.path = path
        self.binary = binary
        self._tmp: str | None = None
        self._done = False
        self._direct = False
        if os.fspath(path) == STDOUT:
            self.stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
            return
        target = Path(path)
        if target.is_dir():
            raise write_error(path, OSError(errno.EISDIR, os.strerror(errno.EISDIR)))
        if target.is_symlink() and target.resolve().is_file():
            # replace the file the link points to, not the link
            target = target.resolve()
            self.path = path = target
        if target.exists() and not target.is_file():
            # a device, FIFO or socket (-o /dev/stdout, a named pipe): nothing to make
            # atomic, and renaming over it would destroy it; write to it directly
            self._direct = True
            try:
                self.stream = (
                    open(target, "wb") if binary else open(target, "w", encoding=encoding, newline="")
                )  # noqa: SIM115
            except OSError as exc:
                raise write_error(path, exc) from None
            return
        directory = target.parent
        _remove_stale_temps(target)
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise write_error(path, exc) from None
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, _new_file_mode(target))
            # newline="" : no newline translation, so the bytes are the same on every platform
            self.stream = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")
        except BaseException as exc:
            os.close(fd)
            self._remove_tmp()
            if isinstance(exc, OSError):
                raise write_error(path, exc) from None
            raise

    @property
    def is_stdout(self) -> bool:
        return self._tmp is None and not self._direct

    def commit(self) -> None:
        if self._done:
            return
        self._done = True
        if self.is_stdout or self._direct:
            try:
                self.stream.flush()
                if self._direct:
                    self.stream.close()
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise write_error("standard output" if self.is_stdout else self.path, exc) from None
            return
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self._tmp, self.path)  # type: ignore[arg-type]
        except OSError as exc:
            self._cleanup()
            raise write_error(self.path, exc) from None
        except BaseException:
            self._cleanup()
            raise
        _fsync_dir(Path(self.path).parent)

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        if self._direct:
            with suppress(OSError, ValueError):
                self.stream.close()
        elif not self.is_stdout:
            self._cleanup()

    def _cleanup(self) -> None:
        with suppress(OSError, ValueError):
            self.stream.close()
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        if self._tmp is not None:
            with suppress(OSError):
                os.unlink(self._tmp)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def atomic_write(
    path: str | os.PathLike,
    writer_fn: Callable[[IO[Any]], object],
    binary: bool = False,
    encoding: str = "utf-8",
) -> None:
    """Call `writer_fn(stream)` on a temporary file, then rename it over `path`.

    On an OSError (from the writer or from the file system) the temporary file is removed
    and a one-line XukeError raised. Any other exception is a bug in the writer: the
    temporary file is removed and the exception propagates unchanged, traceback and all.
    """
    out = AtomicFile(path, binary=binary, encoding=encoding)
    try:
        writer_fn(out.stream)
    except BrokenPipeError:
        # the reader went away (`| head`): the cli decides how quietly to exit
        out.abort()
        raise
    except OSError as exc:
        out.abort()
        raise write_error("standard output" if out.is_stdout else path, exc) from None
    except BaseException:
        out.abort()
        raise
    out.commit()
