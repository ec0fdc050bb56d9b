"""The README's commands, verbatim, in a fresh virtual environment: its two opening
commands (install and run the main job; install and run the tests are what CI itself
does) and every `xuke ...` line of its quick start, run from a copy of the checkout so
reports land in a scratch folder.

Slow (a pip install): set XUKE_SKIP_README_TEST=1 to skip it locally."""
import os
import re
import shutil
import subprocess

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(bool(os.environ.get("XUKE_SKIP_README_TEST")), reason="XUKE_SKIP_README_TEST set")


def quick_start_commands() -> list[str]:
    section = README[README.index("## Quick start by job") : README.index("## Documentation")]
    out = []
    for line in section.splitlines():
        m = re.match(r"^    (xuke .*?)(\s{2,}#.*)?$", line)
        if m:
            out.append(m.group(1).strip())
    return out


def main_command() -> str:
    first = re.search(r"^    (python3 -m venv .*xuke audit .*)$", README, re.M)
    assert first, "README must open with the install-and-audit command"
    return first.group(1)


def test_quick_start_lists_every_job():
    commands = quick_start_commands()
    for verb in ("audit", "explain", "lint", "check", "test", "fmt", "rules list", "init"):
        assert any(c.startswith(f"xuke {verb}") for c in commands), verb


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the checkout with a fresh virtual environment made by the README's
    first command (the part before `&& xuke`)."""
    work = tmp_path_factory.mktemp("readme") / "xuke"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv*", ".git", "__pycache__", "*.egg-info",
                                                             ".hypothesis", ".ruff_cache", ".pytest_cache"))  # fmt: skip
    install = main_command().split("&& xuke")[0].rstrip(" &")
    proc = subprocess.run(["bash", "-c", install], cwd=work, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return work


def run(checkout, command: str):
    env = dict(os.environ, COLUMNS="120", PATH=f"{checkout / '.venv' / 'bin'}:{os.environ['PATH']}")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", "-c", command], cwd=checkout, capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.slow
def test_main_command(checkout):
    command = "xuke audit" + main_command().split("&& xuke audit", 1)[1]
    proc = run(checkout, command)
    assert proc.returncode == 1, proc.stderr  # the sample has error findings
    assert "Traceback" not in proc.stderr
    assert "3,000" in proc.stdout and "2,993" in proc.stdout  # read = evaluated + rejected


@pytest.mark.slow
@pytest.mark.parametrize("command", quick_start_commands())
def test_quick_start_command(checkout, command):
    proc = run(checkout, command)
    assert "Traceback" not in proc.stderr, proc.stderr
    # 0 clean, 1 findings; 2 would be a usage or input error in the README itself
    assert proc.returncode in (0, 1), f"{command}: exit {proc.returncode}\n{proc.stderr}"
    if command.startswith(("xuke check", "xuke test", "xuke fmt", "xuke init", "xuke rules")):
        assert proc.returncode == 0, proc.stdout + proc.stderr
    for out in re.findall(r"(?:-o|--xlsx|--annotate|--rejects) (\S+)", command):
        assert (checkout / out).exists(), out
    if command.startswith("xuke init"):
        assert (checkout / "xuke.yaml").exists()
        (checkout / "xuke.yaml").unlink()  # the other commands run with the defaults
