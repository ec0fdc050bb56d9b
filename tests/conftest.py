import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# the CLI speaks the locale's language; tests that read its messages expect English unless
# they choose otherwise, whatever the machine's locale
os.environ.setdefault("XUKE_LANG", "en")

# checkpoints are signed with a per-user key (engine/run/sealed.py): the tests use their own,
# never the key file in the home directory of whoever runs them
if "XUKE_KEY_FILE" not in os.environ:
    import tempfile

    os.environ["XUKE_KEY_FILE"] = os.path.join(tempfile.mkdtemp(prefix="xuke-test-key-"), "checkpoint.key")
# and their own private cache (engine/cachedir.py: the parser's tables, parsed rule files)
if "XUKE_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["XUKE_CACHE_DIR"] = os.path.join(tempfile.mkdtemp(prefix="xuke-test-cache-"), "xuke")


def shared_dir() -> Path | None:
    for cand in (os.environ.get("XUKE_SHARED"), ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if cand and (Path(cand) / "DSL.md").is_file():
            return Path(cand)
    return None


@pytest.fixture(scope="session")
def calendar():
    from xuke.domain.calendar import WorkCalendar

    return WorkCalendar.load()
