"""A throwaway PostgreSQL server for tests: initdb into a temporary folder, started on a
unix socket of its own (no TCP port), stopped and removed afterwards. Runs the server as
the `postgres` user when the tests run as root (the server refuses root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_not() -> str | None:
    """None when a cluster can be started here, else the reason."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'xuke[postgres]')"
    if server_bin() is None:
        return "no PostgreSQL server here (apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start PostgreSQL as another user"
    return None


class Cluster:
    def __init__(self):
        self.bin = server_bin()
        self.root = Path(tempfile.mkdtemp(prefix="xuke-pg-"))
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.sock.mkdir()
        self.user = None
        if os.geteuid() == 0:
            import pwd

            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            for p in (self.root, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            os.chmod(self.root, 0o755)

    def _run(self, *cmd: str) -> None:
        if self.user:
            cmd = ("runuser", "-u", self.user, "--", *cmd)
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "xuke", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8" if _has_c_utf8() else "--no-locale")  # fmt: skip
        opts = f"-k {self.sock} -c listen_addresses='' -p 5432 -c fsync=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")  # fmt: skip
        self._run(str(self.bin / "createdb"), "-h", str(self.sock), "-U", "xuke", "history")
        return f"postgresql://xuke@/history?host={self.sock}"

    def url(self, db: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", str(self.sock), "-U", "xuke", db)
        return f"postgresql://xuke@/{db}?host={self.sock}"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def _has_c_utf8() -> bool:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout.lower()
    except (OSError, subprocess.SubprocessError):
        return False
    return "c.utf8" in out or "c.utf-8" in out
