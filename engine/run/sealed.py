"""Pickled frames that only this user's xuke can have written: each frame carries an
HMAC-SHA256 of its bytes, checked before anything is unpickled.

An audit spools its findings, rejects and case ids to disk, and a `--checkpoint DIR`
keeps them there with its state. Pickle is the fast way to write and read them back
(findings with nested traces), but unpickling a file runs whatever the file says, and a
checkpoint directory may sit on a shared drive or be copied from another office. So
every frame is signed with a key the reader holds: a random key that lives only in the
process for temporary spools, and a per-user key file (mode 0600) for checkpoints. A
frame whose MAC does not match is refused before `pickle.loads` sees it; the user is
told to remove the directory and start again. A checkpoint therefore resumes only for
the user (key file) that wrote it, which is what an interrupted audit needs.

The key file is `$XUKE_KEY_FILE`, or `xuke/checkpoint.key` under `$XDG_STATE_HOME`
(default `~/.local/state`).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import secrets
import struct
from collections.abc import Iterator
from typing import IO, Any

from ..errors import XukeError

KEY_BYTES = 32
_HEAD = struct.Struct("<Q32s")  # payload length, HMAC-SHA256 of the payload


class Tampered(XukeError):
    """A frame that this key did not sign, or a frame cut short."""


def process_key() -> bytes:
    """A key for files that live only as long as this process (temporary spools)."""
    return secrets.token_bytes(KEY_BYTES)


def key_file() -> str:
    explicit = os.environ.get("XUKE_KEY_FILE")
    if explicit:
        return explicit
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "xuke", "checkpoint.key")


def user_key() -> bytes:
    """This user's key, made on first use (0600, created exclusively so two audits
    starting at once agree on one key)."""
    path = key_file()
    try:
        os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(KEY_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            key = fh.read(KEY_BYTES + 1)
    except OSError as e:
        raise XukeError(
            f"checkpoint key {path}: {e.strerror or e}; set XUKE_KEY_FILE to a file you can write"
        ) from None
    # whoever can read the key can sign a pickle that this user's xuke will run
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise XukeError(f"checkpoint key {path}: owned by another user (uid {st.st_uid}); it is not used")
    if hasattr(os, "geteuid") and st.st_mode & 0o077:
        raise XukeError(f"checkpoint key {path}: other users may read it (mode {st.st_mode & 0o777:o}); "
                        "remove it to make a new one")  # fmt: skip
    if len(key) != KEY_BYTES:
        # cut short (killed while it was being made): nothing it signed can be checked
        raise XukeError(f"checkpoint key {path}: not a key ({len(key)} bytes); remove it to make a new one")
    return key


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def dumps(key: bytes, value: Any) -> bytes:
    """One signed frame holding `value`."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEAD.pack(len(payload), _mac(key, payload)) + payload


def write(fh: IO[bytes], key: bytes, value: Any) -> None:
    """Append one signed frame holding `value`."""
    fh.write(dumps(key, value))


def read(fh: IO[bytes], key: bytes) -> Iterator[Any]:
    """The values of the frames from the current position to the end of the file, each
    unpickled only once its MAC is checked."""
    while True:
        head = fh.read(_HEAD.size)
        if not head:
            return
        if len(head) < _HEAD.size:
            raise Tampered("a spool frame is cut short")
        size, mac = _HEAD.unpack(head)
        payload = fh.read(size)
        if len(payload) < size:
            raise Tampered("a spool frame is cut short")
        if not hmac.compare_digest(mac, _mac(key, payload)):
            raise Tampered("a spool frame was not written by this user's xuke")
        yield pickle.loads(payload)


def loads(key: bytes, data: bytes) -> Any:
    """The value of a file holding exactly one frame."""
    values = list(read(io.BytesIO(data), key))
    if len(values) != 1:
        raise Tampered("not one frame")
    return values[0]
