"""The hooks in .pre-commit-hooks.yaml, run by pre-commit on a sample repository.

pre-commit installs a `language: python` hook by cloning the hook repository and
pip-installing it with its dependencies: slow, and impossible offline. So the sample
repository's .pre-commit-config.yaml mirrors our hooks as `repo: local` hooks (same ids,
names, files, excludes, args and serial setting, read from .pre-commit-hooks.yaml) with
`language: system` and the entry pointing at this checkout's cli.py. That tests what the
manifest decides (which files reach which command, with which options, and how pre-commit
reads the exit codes) and the commands themselves. The real install path is tested by
`test_try_repo`, which runs only with XUKE_TEST_TRY_REPO=1.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GOOD_RULES = """pack city "某市效能建设补充规则" version "2025-12"
import common

rule CITY-PROMISE-HALF "承诺时限超过法定时限的一半"
  severity warning
  cites "某市优化营商环境若干措施第五条"
when
  r: record(promised_limit_days is not null, legal_limit_days is not null,
            promised_limit_days * 2 > legal_limit_days)
then
  report r "承诺时限 {r.promised_limit_days} 个工作日，超过法定时限 {r.legal_limit_days} 个工作日的一半"
examples
  violates record(case_id: "A1", received_at: 2025-03-03, legal_limit_days: 20, promised_limit_days: 15)
  passes record(case_id: "A2", received_at: 2025-03-03, legal_limit_days: 20, promised_limit_days: 10)
end
"""

DRAFT = """# 某市户外广告设置管理办法（征求意见稿）

第一条 为规范户外广告设置管理，制定本办法。

第二条 本办法自发布之日起施行。
"""


def _formatted(source: str) -> str:
    """The canonical layout of `source` (whatever `xuke fmt` currently makes of it)."""
    from xuke.lang.fmt import format_source

    return format_source(source, "city.rules")


def _run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, **kw)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),  # never the user's cache
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "XUKE_LANG": "en", "NO_COLOR": "1", "TERM": "dumb",
    })  # fmt: skip
    env.pop("PRE_COMMIT", None)
    return env


def _local_config(extra_args: dict[str, list[str]] | None = None) -> str:
    """Our manifest's hooks as `repo: local` hooks running this checkout's cli.py."""
    hooks = []
    python = shlex.quote(sys.executable)
    cli = shlex.quote(str(ROOT / "cli.py"))
    for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8")):
        assert hook["entry"].startswith("xuke "), hook
        local = {k: v for k, v in hook.items() if k not in ("entry", "language", "description")}
        local["entry"] = f"{python} {cli} {hook['entry'][len('xuke ') :]}"
        local["language"] = "system"
        local["args"] = list(hook.get("args", [])) + list((extra_args or {}).get(hook["id"], []))
        hooks.append(local)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, allow_unicode=True, sort_keys=False)


def _results(output: str) -> dict[str, str]:
    """hook name -> Passed | Failed | Skipped, from pre-commit's report lines."""
    out = {}
    for line in output.splitlines():
        m = re.match(r"^(.+?)\.{3,}(?:\(no files to check\))?(Passed|Failed|Skipped)$", line.strip())
        if m:
            out[m.group(1).strip()] = m.group(2)
    return out


@pytest.fixture
def sample_repo(tmp_path):
    pytest.importorskip("pre_commit")
    repo = tmp_path / "repo"
    (repo / "rules").mkdir(parents=True)
    (repo / "drafts").mkdir()
    (repo / "rules" / "city.rules").write_text(_formatted(GOOD_RULES), encoding="utf-8")
    (repo / "drafts" / "ads.md").write_text(DRAFT, encoding="utf-8")
    (repo / "README.md").write_text(
        "# sample\n\nnot a draft: the xuke-lint hook skips it\n", encoding="utf-8"
    )
    # lint against the repository's own pack: the result does not depend on the standard packs
    config = _local_config({"xuke-lint": ["--rules", "rules"]})
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    env = _env(tmp_path)
    assert _run(["git", "init", "-q"], repo, env=env).returncode == 0
    return repo, env


def _pre_commit(repo: Path, env) -> tuple[int, dict[str, str], str]:
    _run(["git", "add", "-A"], repo, env=env)
    proc = _run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"], repo, env=env)
    output = proc.stdout + proc.stderr
    return proc.returncode, _results(output), output


def test_manifest_is_valid_for_pre_commit():
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(MANIFEST))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"xuke-check", "xuke-fmt", "xuke-lint"}
    assert by_id["xuke-check"]["entry"] == "xuke check"
    assert by_id["xuke-fmt"]["entry"] == "xuke fmt --check"
    assert by_id["xuke-lint"]["entry"] == "xuke lint"
    assert all(h["language"] == "python" for h in hooks)
    rules = re.compile(by_id["xuke-check"]["files"])
    assert rules.search("rules/city.rules") and not rules.search("rules/city.rules.bak")
    lint = re.compile(by_id["xuke-lint"]["files"])
    skip = re.compile(by_id["xuke-lint"]["exclude"])
    for name in ("drafts/a.md", "a.txt", "x/y.docx"):
        assert lint.search(name) and not skip.search(name)
    for name in ("README.md", "docs/CHANGELOG.md", "LICENSE.txt"):
        assert skip.search(name)


def test_hooks_pass_on_a_clean_repository(sample_repo):
    repo, env = sample_repo
    code, results, output = _pre_commit(repo, env)
    assert code == 0, output
    assert results == {"xuke check": "Passed", "xuke fmt --check": "Passed", "xuke lint": "Passed"}, output


def test_hooks_fail_on_a_bad_rule_file(sample_repo):
    repo, env = sample_repo
    # a misspelt field: parses (so fmt has nothing to say) but does not check
    bad = _formatted(GOOD_RULES).replace("promised_limit_days is not null", "promised_limt_days is not null")
    assert "promised_limt_days" in bad
    (repo / "rules" / "city.rules").write_text(bad, encoding="utf-8")
    code, results, output = _pre_commit(repo, env)
    assert code == 1, output
    assert results["xuke check"] == "Failed", output
    assert results["xuke fmt --check"] == "Passed", output
    assert "promised_limt_days" in output and "city.rules:" in output


def test_hooks_fail_on_an_unformatted_rule_file(sample_repo):
    repo, env = sample_repo
    messy = _formatted(GOOD_RULES).replace("  severity warning\n", "     severity    warning\n")
    assert messy != _formatted(GOOD_RULES)
    (repo / "rules" / "city.rules").write_text(messy, encoding="utf-8")
    code, results, output = _pre_commit(repo, env)
    assert code == 1, output
    assert results["xuke check"] == "Passed", output
    assert results["xuke fmt --check"] == "Failed", output
    assert "would reformat" in output


@pytest.mark.skipif(os.environ.get("XUKE_TEST_TRY_REPO") != "1",
                    reason="installs xuke from this checkout with pip (network, minutes): set XUKE_TEST_TRY_REPO=1")  # fmt: skip
def test_try_repo(sample_repo, tmp_path):
    """The hooks as other repositories get them: pre-commit pip-installs xuke from a
    repository. A snapshot of this working tree (tracked and new files) stands in for it."""
    repo, env = sample_repo
    snapshot = tmp_path / "xuke-snapshot"
    files = _run(["git", "ls-files", "-co", "--exclude-standard", "-z"], ROOT, env=env).stdout.split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, snapshot / name)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "snapshot"]):
        assert _run(cmd, snapshot, env=env).returncode == 0
    (repo / ".pre-commit-config.yaml").unlink()
    _run(["git", "add", "-A"], repo, env=env)
    results = {}
    for hook in ("xuke-check", "xuke-fmt"):
        proc = subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), hook, "--all-files", "--color", "never"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output
        results.update(_results(output))
    assert results == {"xuke check": "Passed", "xuke fmt --check": "Passed"}
