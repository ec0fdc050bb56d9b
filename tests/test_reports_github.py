"""`--format github`: workflow commands the Actions runner turns into annotations."""

import subprocess
import sys
from pathlib import Path

from xuke.findings import Finding
from xuke.reports.github import command, escape_data, escape_property

ROOT = Path(__file__).resolve().parent.parent


def test_escaping_as_the_actions_toolkit_does():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_a_message_cannot_start_another_command():
    f = Finding("R-1", "warning", "t,itle", "bad\n::error::injected", [], [], "a,b.txt", line=3, text="x")
    line = command(f)
    assert "\n" not in line
    assert line.startswith("::warning file=a%2Cb.txt,line=3,title=R-1 t%2Citle::")
    assert line.endswith("bad%0A::error::injected")


def test_levels_and_file_level_findings():
    info = Finding("R-2", "info", "t", "m", [], [], "x.csv", group={"department": "d"})
    assert command(info) == "::notice file=x.csv,title=R-2 t::m"
    record = Finding("R-3", "critical", "t", "m", [], [], "x.csv", case_id="C1", row=4)
    assert command(record) == "::error file=x.csv,line=5,title=R-3 t::m (C1)"  # data row 4 is line 5


def test_lint_and_check_from_the_command_line(tmp_path):
    cli = [sys.executable, str(ROOT / "cli.py")]
    done = subprocess.run([*cli, "lint", "fixtures/policies/gas_measures.txt", "--format", "github", "--no-config"],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines and all(line.startswith(("::error file=fixtures/policies/gas_measures.txt,line=",
                                           "::warning file=", "::notice file=")) for line in lines)  # fmt: skip
    (tmp_path / "a.rules").write_text('pack a "A"\nrule X-1 {{{\n', "utf-8")
    done = subprocess.run([*cli, "check", "a.rules", "--format", "github"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("::error file=a.rules,line=2,col=10,")


def test_inputs_without_lines_are_named_as_given():
    """A record of a database or Parquet file has no line; a URL is not made a path."""
    db = Finding("R-4", "error", "t", "m", [], [], "sqlite:////data/a.db#approvals", case_id="C1", row=4)
    assert command(db) == "::error file=sqlite%3A////data/a.db#approvals,title=R-4 t::m (C1)"
    parquet = Finding("R-5", "warning", "t", "m", [], [], "export.parquet", case_id="C2", row=9)
    assert command(parquet) == "::warning file=export.parquet,title=R-5 t::m (C2)"
