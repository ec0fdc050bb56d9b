"""Helpers shared by the hardening tests: run the real CLI in a subprocess and check the
contract every bad input must meet.

The contract (docs/reliability.md):
- exit 2 with exactly one line on stderr and no traceback, or
- exit 0/1, with the summary reconciling rows_read == rows_evaluated + rows_rejected
  and every rejected row listed with a one-line reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = Path(__file__).resolve().parent
CLI = ROOT / "cli.py"
AS_OF = "2025-12-31"


@dataclass
class Run:
    args: list
    returncode: int
    stdout: str
    stderr: str
    elapsed: float = 0.0
    summary: dict | None = None
    findings: list = field(default_factory=list)
    rejects: list = field(default_factory=list)

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def describe(self) -> str:
        return f"exit {self.returncode}; stderr: {self.stderr[-2000:]!r}"


def env(**extra) -> dict:
    out = dict(os.environ)
    out.update({"XUKE_LANG": "en", "CI": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    out.update(extra)
    return out


def run_cli(*args, cwd=None, timeout: float = 300, stdin=None, stdout=None, extra_env=None) -> Run:
    import time

    argv = [sys.executable, str(CLI), *map(str, args)]
    started = time.perf_counter()
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=env(**(extra_env or {})),
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=timeout,
    )
    out = proc.stdout.decode("utf-8", "replace") if isinstance(proc.stdout, bytes) else ""
    return Run(
        argv, proc.returncode, out, proc.stderr.decode("utf-8", "replace"), time.perf_counter() - started
    )


def audit(path, tmp_path: Path, *extra, timeout: float = 300, jobs: int | None = None) -> Run:
    """`xuke audit FILE --format json -o OUT --rejects REJ`, with the report parsed."""
    out, rej = tmp_path / "report.json", tmp_path / "rejects.jsonl"
    for p in (out, rej):
        if p.exists():
            p.unlink()
    args = ["audit", path, "--as-of", AS_OF, "--format", "json", "-o", out, "--rejects", rej, *extra]
    if jobs is not None:
        args += ["--jobs", jobs]
    run = run_cli(*args, cwd=tmp_path, timeout=timeout)
    if run.returncode in (0, 1) and out.exists():
        doc = json.loads(out.read_text(encoding="utf-8"))
        run.summary, run.findings = doc["summary"], doc["findings"]
        run.rejects = (
            [json.loads(line) for line in rej.read_text(encoding="utf-8").splitlines()]
            if rej.exists()
            else []
        )
    return run


def assert_clean_error(run: Run, *needles: str) -> None:
    """Exit 2, exactly one line on stderr, no traceback; the line mentions each needle."""
    assert "Traceback" not in run.stderr, run.describe()
    assert run.returncode == 2, run.describe()
    assert len(run.stderr_lines) == 1, run.describe()
    for needle in needles:
        assert needle.lower() in run.stderr.lower(), run.describe()


def assert_reconciled(run: Run, *, read: int | None = None, rejected: int | None = None,
                      reasons: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Exit 0/1, no traceback, read == evaluated + rejected, and the rejects file lists
    every rejected row with a one-line reason (each expected reason fragment found)."""
    assert "Traceback" not in run.stderr, run.describe()
    assert run.returncode in (0, 1), run.describe()
    s = run.summary
    assert s is not None, run.describe()
    assert s["rows_read"] == s["rows_evaluated"] + s["rows_rejected"], s
    assert len(run.rejects) == s["rows_rejected"], (s, run.rejects)
    for r in run.rejects:
        assert r["reason"] and "\n" not in r["reason"], r
    if read is not None:
        assert s["rows_read"] == read, s
    if rejected is not None:
        assert s["rows_rejected"] == rejected, (s, run.rejects)
    joined = "\n".join(r["reason"] for r in run.rejects)
    for reason in reasons:
        assert reason.lower() in joined.lower(), (reason, run.rejects)


def can_mknod() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and hasattr(os, "mknod")


def run_limited(*args, cwd=None, memory_mb: int = 1024, cpu_seconds: int = 60, extra_env=None,
                timeout: float = 300) -> Run:  # fmt: skip
    """`run_cli` under an address-space and a CPU-time rlimit (a bomb must fail cleanly
    inside them, not fill the machine): MemoryError or SIGXCPU/SIGKILL show as a
    traceback or a signal exit, which the contract checks then reject."""
    import resource
    import time

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))

    argv = [sys.executable, str(CLI), *map(str, args)]
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env(**(extra_env or {})), stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=timeout, preexec_fn=limit)  # fmt: skip
    return Run(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"),
               proc.stderr.decode("utf-8", "replace"), time.perf_counter() - started)  # fmt: skip


def mount_tmpfs(directory: Path, size: str = "8k") -> bool:
    """Mount a tmpfs of `size` on `directory` (root only); False where that is not allowed."""
    if not can_mknod():
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)], capture_output=True)
    return r.returncode == 0
