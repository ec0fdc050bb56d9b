"""A private per-user cache: values that are slow to build and safe to keep between runs.

Lark's own `cache=True` kept the parser in a pickle with a predictable name in the shared
temporary directory and unpickled it without asking who wrote it, so another local user
could run code as the next user of xuke (B18). This cache differs on each point:

- it lives in `$XUKE_CACHE_DIR`, else `$XDG_CACHE_HOME/xuke`, else `~/.cache/xuke`, a
  directory used only if it is this user's, mode 0700 and not a symbolic link (checked on
  the open descriptor, `safefs.open_dir`), its files opened without following links;
- every value is a frame signed with this user's key (`run/sealed.py`, the key checkpoints
  use) and unpickled only once its HMAC matches;
- it is an optimisation only: a directory that fails a check, a missing or foreign key, a
  damaged or foreign entry all read as "not cached" and the value is built again; nothing
  is printed.

Names should carry a hash of everything the value depends on, so a stale entry is never
found rather than found and checked.
"""

from __future__ import annotations

import os
import secrets

from .errors import XukeError
from .run import sealed
from .safefs import open_dir, open_in, replace_in, unlink_in

MAX_ENTRY = 64 * 2**20  # bytes read back from one entry at most


def cache_dir() -> str:
    explicit = os.environ.get("XUKE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "xuke")


def load(name: str):
    """The value stored under `name`, or None when there is none this user's xuke signed."""
    try:
        key = sealed.user_key()
        dir_fd = open_dir(cache_dir(), "cache", private=True)
    except (OSError, XukeError):
        return None
    try:
        fd = open_in(dir_fd, name, os.O_RDONLY, "cache")
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_ENTRY + 1)
        if len(data) > MAX_ENTRY:
            return None
        return sealed.loads(key, data)
    except (OSError, XukeError):
        return None
    except Exception:  # a signed entry that no longer unpickles (a library changed)
        return None
    finally:
        os.close(dir_fd)


def store(name: str, value) -> bool:
    """Keep `value` under `name` (written to a new file, then renamed). False if the cache
    cannot be used; the caller goes on without it."""
    try:
        key = sealed.user_key()
        dir_fd = open_dir(cache_dir(), "cache", private=True)
    except (OSError, XukeError):
        return False
    tmp = f".{name}.{secrets.token_hex(4)}.tmp"
    try:
        data = sealed.dumps(key, value)
        fd = open_in(dir_fd, tmp, os.O_WRONLY, "cache", new=True)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        replace_in(dir_fd, tmp, name)
        return True
    except (OSError, XukeError):
        unlink_in(dir_fd, tmp)
        return False
    finally:
        os.close(dir_fd)
