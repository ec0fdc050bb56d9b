"""Headless Chromium from Debian's packages, driven by Playwright (never a browser of
Playwright's own, which cannot be downloaded here): for the HTML report's tests and the
screenshot script (docs/screenshots/make.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

CHROMIUM = os.environ.get("XUKE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]  # fmt: skip


def why_not() -> str | None:
    """None when the browser can be driven here, else the reason."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return "no Chromium here (apt-get install chromium)"
    return None


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900):
    """A browser context with an empty profile of its own, removed afterwards."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="xuke-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                viewport={"width": width, "height": height}, locale="zh-CN")  # fmt: skip
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
