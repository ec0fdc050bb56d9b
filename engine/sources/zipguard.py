"""Zip-bomb limits for the zip containers xuke reads (.docx drafts, .xlsx exports), checked
on the sizes the archive declares before any member is inflated: `zipfile` never inflates a
member past its declared size, so a member that lies is cut there and fails its checksum."""

from __future__ import annotations

import zipfile

from ..errors import InputError

RATIO_FLOOR = 1024 * 1024  # members below this may compress very well without being a threat


def check_zip(path, name: str, max_bytes: int, max_ratio: int, not_a_zip: str) -> None:
    """InputError (one line, naming `name`) if `path` is not a readable zip, expands to more
    than `max_bytes` in all, or has a member over RATIO_FLOOR that expands more than
    `max_ratio`:1. `not_a_zip` says what the file was expected to be."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise InputError(f"{name}: {not_a_zip} ({e})") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None
    total = sum(m.file_size for m in members)
    if total > max_bytes:
        raise InputError(f"{name}: refused: its parts expand to {total // 2**20} MB (limit {max_bytes // 2**20} MB)")
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > max_ratio * max(m.compress_size, 1):
            raise InputError(
                f"{name}: refused: part {m.filename} expands {m.file_size // max(m.compress_size, 1)}:1 "
                f"(limit {max_ratio}:1), a zip bomb?"
            )
