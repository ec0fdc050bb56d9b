"""The history's migrations and the HTML template ship in the wheel and run from it (not
only from a checkout): build the wheel, unpack it, open a history database with it."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT


@pytest.mark.slow
def test_migrations_and_template_run_from_the_wheel(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("xuke-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        z.extractall(tmp_path / "site")
    for name in ("xuke/history/migrations/env.py", "xuke/history/migrations/versions/0001_history.py",
                 "xuke/history/migrations/script.py.mako", "xuke/templates/report.html.j2"):  # fmt: skip
        assert name in names, name
    script = (
        "import sys, xuke; assert xuke.__file__.startswith(sys.argv[1]), xuke.__file__\n"
        "from xuke.history import History\n"
        "from xuke.reports.html import render_html\n"
        "with History(sys.argv[2]) as db, db.write() as conn:\n"
        "    print(conn.exec_driver_sql('select version_num from alembic_version').scalar())\n"
        "assert 'xuke' in render_html([], {})\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "site"), str(tmp_path / "h.db")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "0001"
