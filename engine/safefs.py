"""Opening files where someone else may have planted something.

Three jobs, each a hostile-input finding (docs/reliability.md, B18-B20):
- a directory xuke writes state into (a checkpoint, the private cache) is used only if it
  is this user's own, not a symbolic link, and not writable by anyone else: another local
  user must not be able to plant or swap a file in it;
- every file in such a directory is opened relative to the directory's descriptor,
  without following links (`O_NOFOLLOW`), created exclusively where it is new (`O_EXCL`),
  and refused unless it is a regular file of this user with one link;
- a small input (a rule file, `xuke.yaml`, a calendar, a baseline) is read only if it is a
  regular file, and at most `limit` bytes of it: a FIFO would block for ever and
  `/dev/zero` would fill the memory.
"""

from __future__ import annotations

import errno
import os
import stat

from .errors import XukeError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)


class UnsafePath(XukeError):
    """A directory or file that another user could have written, or a link."""


class NotRegular(XukeError):
    """A device, a FIFO or a socket where a file was expected."""


class TooLarge(XukeError):
    """A file beyond its limit."""


def _euid() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None


def open_dir(path: str, what: str, *, create: bool = True, private: bool = False) -> int:
    """A descriptor of the directory `path` (made with mode 0700 when missing and `create`),
    once it is known to be safe to write in: not a symbolic link, owned by this user, not
    writable by group or others (`private`: no access at all for them). UnsafePath (one
    line, starting with `what`) otherwise."""
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            os.mkdir(path, 0o700)
    try:
        fd = os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(path):
            raise UnsafePath(f"{what}: is a symbolic link; give the directory it points to") from None
        if e.errno == errno.ENOTDIR:
            raise UnsafePath(f"{what}: not a directory") from None
        raise
    try:
        check_dir(os.fstat(fd), what, private=private)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_dir(st: os.stat_result, what: str, *, private: bool = False) -> None:
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafePath(f"{what}: not a directory")
    euid = _euid()
    if euid is not None and st.st_uid != euid:
        raise UnsafePath(f"{what}: owned by another user (uid {st.st_uid}); use a directory of your own")
    loose = st.st_mode & (0o077 if private else 0o022)
    if euid is not None and loose:
        mode = stat.S_IMODE(st.st_mode)
        fix = "chmod 700" if private else "chmod go-w"
        raise UnsafePath(f"{what}: other users may write to it (mode {mode:o}); `{fix}` it, or use another")


def open_in(dir_fd: int, name: str, flags: int, what: str, *, new: bool = False) -> int:
    """`name` in the directory `dir_fd`, opened with `flags` without following a link
    (`new`: created exclusively, mode 0600), then checked to be a regular file of this user
    with one link. UnsafePath otherwise; other OSErrors pass through."""
    truncate = flags & os.O_TRUNC  # only once the file is known to be ours
    flags = (flags & ~os.O_TRUNC) | _NOFOLLOW | _CLOEXEC
    if new:
        flags |= os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(name, flags, 0o600, dir_fd=dir_fd)
    except OSError as e:
        if e.errno == errno.ELOOP or (e.errno == errno.EEXIST and new and _is_link(dir_fd, name)):
            raise UnsafePath(f"{what}: {name} is a symbolic link; it is not followed") from None
        raise
    try:
        st = os.fstat(fd)
        euid = _euid()
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(f"{what}: {name} is not a regular file")
        if euid is not None and st.st_uid != euid:
            raise UnsafePath(f"{what}: {name} is owned by another user (uid {st.st_uid})")
        if st.st_nlink > 1:
            raise UnsafePath(f"{what}: {name} has other hard links; it is not written through them")
        if truncate:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_link(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def replace_in(dir_fd: int, src: str, dst: str) -> None:
    """Rename `src` over `dst`, both in the directory `dir_fd` (a link at `dst` is replaced,
    never followed)."""
    os.replace(src, dst, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def unlink_in(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def read_small(path: str | os.PathLike, limit: int, what: str) -> bytes:
    """The bytes of a small input file: a regular file (followed through links, as a user
    expects), read up to `limit` bytes. NotRegular (a device, a FIFO, a socket) or TooLarge,
    naming `what`; OSError (missing, unreadable, a directory) passes through."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | _NOCTTY | _CLOEXEC)  # a FIFO must not block the open
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(f"{what}: not a regular file (a device, a pipe or a socket)")
        if st.st_size > limit:
            raise TooLarge(f"{what}: larger than {_size(limit)} ({_size(st.st_size)})")
        chunks, total = [], 0
        while True:  # a file that grows while it is read is still cut at the limit
            block = os.read(fd, min(1 << 20, limit + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
            if total > limit:
                raise TooLarge(f"{what}: larger than {_size(limit)}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n:,} bytes"
