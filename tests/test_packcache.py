"""The cache of parsed rule files (engine/jobs/packcache.py, in engine/cachedir.py's private
directory): used when it is private and signed by this user's key, refused otherwise, never
a reason to fail."""
import os

import pytest
from conftest import ROOT
from xuke.jobs import packcache
from xuke.lang.diagnostics import DiagnosticError

SOURCE = (ROOT / "rules" / "common.rules").read_text(encoding="utf-8")


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XUKE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "state" / "key"))
    monkeypatch.delenv("XUKE_NO_CACHE", raising=False)
    return tmp_path / "cache"


def _parses(monkeypatch) -> list:
    calls = []
    real = packcache._parse

    def counting(source, name):
        calls.append(name)
        return real(source, name)

    monkeypatch.setattr(packcache, "_parse", counting)
    return calls


def test_a_second_load_reads_the_cache(cache, monkeypatch):
    calls = _parses(monkeypatch)
    first = packcache.parse_cached(SOURCE, "rules/common.rules")
    second = packcache.parse_cached(SOURCE, "rules/common.rules")
    assert calls == ["rules/common.rules"] and first == second
    assert oct(os.stat(cache).st_mode & 0o777) == "0o700" and len(_entries(cache)) == 1
    # another name or an edited text is another entry
    packcache.parse_cached(SOURCE + "\n", "rules/common.rules")
    packcache.parse_cached(SOURCE, "other/common.rules")
    assert len(calls) == 3


def test_an_entry_another_key_signed_is_refused_and_replaced(cache, monkeypatch, tmp_path):
    packcache.parse_cached(SOURCE, "c.rules")
    (entry,) = _entries(cache)
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0xFF  # tampered: the MAC no longer matches
    entry.write_bytes(bytes(data))
    calls = _parses(monkeypatch)
    assert packcache.parse_cached(SOURCE, "c.rules").file == "c.rules"
    assert calls == ["c.rules"]  # parsed again, not unpickled
    monkeypatch.setenv("XUKE_KEY_FILE", str(tmp_path / "state" / "other-key"))
    assert packcache.parse_cached(SOURCE, "c.rules").file == "c.rules"
    assert calls == ["c.rules", "c.rules"]  # another user's key: refused too


def test_a_directory_others_may_write_or_a_symlink_is_not_used(cache, monkeypatch, tmp_path):
    calls = _parses(monkeypatch)
    cache.mkdir(mode=0o700)
    os.chmod(cache, 0o777)
    packcache.parse_cached(SOURCE, "c.rules")
    packcache.parse_cached(SOURCE, "c.rules")
    assert calls == ["c.rules"] * 2 and not _entries(cache)
    os.chmod(cache, 0o700)
    link = tmp_path / "link"
    link.symlink_to(cache)
    monkeypatch.setenv("XUKE_CACHE_DIR", str(link))
    packcache.parse_cached(SOURCE, "c.rules")
    assert calls == ["c.rules"] * 3 and not _entries(cache)
    monkeypatch.setenv("XUKE_CACHE_DIR", str(cache))
    monkeypatch.setenv("XUKE_NO_CACHE", "1")
    packcache.parse_cached(SOURCE, "c.rules")
    assert calls == ["c.rules"] * 4 and not _entries(cache)


def test_a_syntax_error_is_reported_and_not_cached(cache):
    with pytest.raises(DiagnosticError):
        packcache.parse_cached('pack x "x"\nrule\n', "bad.rules")
    assert not _entries(cache)


def test_the_cache_keeps_at_most_max_entries(cache, monkeypatch):
    monkeypatch.setattr(packcache, "MAX_ENTRIES", 3)
    for k in range(5):
        packcache.parse_cached(SOURCE + "\n" * k, "c.rules")
    assert len(_entries(cache)) == 3


def _entries(cache) -> list:
    return sorted(cache.glob("pack-*")) if cache.exists() else []
