"""The package as an integrator meets it: one import name in the wheel, no side effects
on import, no import cycle, --version, shell completion, the dask extra, the GitHub
Action and the Dockerfile."""

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"


def cli(*args, cwd=ROOT, **kw):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, cwd=cwd, **kw)


def test_version():
    done = cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("xuke ") and len(done.stdout.split()) == 2


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_scripts(shell, tmp_path):
    done = cli("completion", shell)
    assert done.returncode == 0, done.stderr
    script = done.stdout
    # tcsh completes the commands only; bash and zsh their options too
    for word in ("audit", "lint", "check", "completion") + (("--format", "--db") if shell != "tcsh" else ()):
        assert word in script
    if shell == "bash":  # the script parses
        path = tmp_path / "xuke.bash"
        path.write_text(script)
        assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    elif shutil.which(shell):
        path = tmp_path / f"xuke.{shell}"
        path.write_text(script)
        assert subprocess.run([shell, "-n", str(path)]).returncode == 0


def test_bad_shell_is_a_usage_error():
    done = cli("completion", "fish")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_dask_missing_is_one_line(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None; sys.argv[0] = 'xuke'; import cli; "
            "sys.exit(cli.main(['audit', '--no-config', 'fixtures/approvals/small.jsonl', '--as-of', '2025-12-31', "
            "'--executor', 'dask', '--format', 'json', '-o', {!r}]))").format(str(tmp_path / "r.json"))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "pip install 'xuke[dask]'" in done.stderr
    assert not (tmp_path / "r.json").exists()


# ---- layers -------------------------------------------------------------------------------


def module_imports() -> dict[str, set[str]]:
    """engine module (as xuke.x.y) -> the xuke modules it imports, at any depth of the file
    (imports inside functions count: a cycle through them is still a cycle)."""
    graph: dict[str, set[str]] = {}
    for path in ENGINE.rglob("*.py"):
        parts = path.relative_to(ENGINE).with_suffix("").parts
        package = ("xuke", *parts[:-1]) if parts[-1] == "__init__" else ("xuke", *parts[:-1])
        name = ".".join(("xuke", *parts) if parts[-1] != "__init__" else package)
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                out |= {a.name for a in node.names if a.name.split(".")[0] in ("xuke", "engine", "cli")}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(package[: len(package) - node.level + 1])
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] in ("xuke", "engine", "cli"):
                    for a in node.names:  # `from . import api` names a module
                        out.add(f"{target}.{a.name}" if (ENGINE / Path(*target.split(".")[1:], a.name)).exists()
                                or (ENGINE / Path(*target.split(".")[1:], a.name + ".py")).exists() else target)  # fmt: skip
        graph[name] = out
    return graph


def test_no_import_cycle():
    graph = module_imports()
    modules = {m for m in graph}

    def resolve(target):
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target

    edges = {m: {resolve(t) for t in ts} - {m, "xuke", ""} for m, ts in graph.items()}
    # a package's __init__ is "xuke.x": importing xuke.x.y imports it, which is no cycle
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    assert not cycles, cycles


def test_layers():
    graph = module_imports()
    for module, targets in graph.items():
        assert not any(t.split(".")[0] in ("cli", "engine") for t in targets), (module, targets)
    assert not any(t.startswith("xuke.run") for t in graph["xuke.jobs.loader"])
    # the language knows nothing of the stages after it
    for module, targets in graph.items():
        if module.startswith("xuke.lang."):
            assert not any(t.startswith(("xuke.run", "xuke.jobs", "xuke.reports", "xuke.api")) for t in targets), module


def test_cli_only_parses_and_calls():
    """No case is run and no report is built in cli.py: it imports the engine's jobs,
    reports and API, never the runtime's evaluation or a record reader."""
    tree = ast.parse((ROOT / "cli.py").read_text("utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "xml.etree.ElementTree" not in imported and not any("ElementTree" in (m or "") for m in imported)
    calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert "run_case" not in calls


# ---- the GitHub Action and the container ---------------------------------------------------


def test_action_yml():
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    assert action["name"] and action["description"]
    runs = action["runs"]
    assert runs["using"] == "composite"
    uses = [s.get("uses", "") for s in runs["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    text = (ROOT / "action.yml").read_text("utf-8")
    declared = set(action["inputs"])
    import re

    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))
    assert used <= declared, used - declared
    for step in runs["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash"  # a composite step must name its shell
            # inputs reach scripts through env, never pasted into the script (injection)
            assert "${{ inputs." not in step["run"], step["run"]
    install = [s["run"] for s in runs["steps"] if "run" in s and "pip install" in s["run"]]
    assert install and "github.action_path" in install[0]
    commands = " ".join(s.get("run", "") for s in runs["steps"])
    for command in ("xuke check", "xuke test", "xuke lint", "--format sarif"):
        assert command in commands


def test_dockerfile_builds_the_wheel_from_what_the_wheel_needs():
    """Docker cannot run here: the Dockerfile is checked as text. It builds the wheel
    from the files setup.cfg maps into the package, runs as a user and enters at xuke."""
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text("utf-8").splitlines()]
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert froms and all(f == "python:3.11-slim" for f in froms)
    copied = set()
    for line in lines:
        if line.startswith("COPY ") and "--from" not in line:
            copied |= {p.rstrip("/") for p in line.split()[1:-1]}
    for path in copied:
        assert (ROOT / path).exists(), path
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    sources = {line.split("=")[1].strip() for line in cfg["options"]["package_dir"].strip().splitlines()}
    assert sources | {"cli.py", "setup.cfg", "setup.py", "pyproject.toml", "README.md"} <= copied
    assert any(line.startswith("RUN python -m pip wheel") for line in lines)
    user = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert user and user[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["xuke"]' in lines


# ---- the wheel -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    # a copy of the sources, so the build leaves nothing in the checkout
    src = tmp_path_factory.mktemp("src")
    for name in ("setup.cfg", "setup.py", "pyproject.toml", "README.md", "cli.py"):
        shutil.copy(ROOT / name, src / name)
    for name in ("engine", "grammar", "rules"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(src)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (path,) = out.glob("xuke-*.whl")
    return path


@pytest.mark.slow
def test_wheel_adds_one_import_name(wheel):
    with zipfile.ZipFile(wheel) as z:
        top = {name.split("/")[0] for name in z.namelist()}
        names = z.namelist()
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert top - dist_info == {"xuke"} and len(dist_info) == 1
    assert "xuke/cli.py" in names and "xuke/_grammar/xuke.lark" in names
    assert any(n.startswith("xuke/_rules/") and n.endswith(".rules") for n in names)
    metadata = zipfile.ZipFile(wheel).read(f"{dist_info.pop()}/METADATA").decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    core = [r for r in requires if "extra ==" not in r]
    assert not any("dask" in r for r in core), core  # a linter does not install a cluster
    assert any("dask" in r and 'extra == "dask"' in r for r in requires)


@pytest.mark.slow
def test_installed_wheel_works_outside_the_checkout(wheel, tmp_path):
    """Installed in a fresh virtual environment (its dependencies taken from this one, so
    nothing is downloaded), run from a folder that is not the checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    before = set(os.listdir(site))
    pip = [sys.executable, "-m", "pip", "--python", str(py)] if _pip_has_python_option() else None
    if pip is None:
        pytest.skip("this pip cannot install into another environment (pip >= 22.3 needed)")
    done = subprocess.run([*pip, "install", "--no-deps", "--no-index", "--quiet", str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    added = set(os.listdir(site)) - before
    assert {a for a in added if not a.endswith(".dist-info")} == {"xuke"}, added
    assert len([a for a in added if a.endswith(".dist-info")]) == 1
    # the dependencies: this environment's site-packages after the fresh one (a .pth line
    # adds the folder only; its own .pth files, and so the editable xuke, are not read)
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "fixtures" / "policies" / "gas_measures.txt", work / "draft.txt")
    shutil.copy(ROOT / "fixtures" / "approvals" / "small.jsonl", work / "export.jsonl")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    code = ("import sys, threading; n = sys.getrecursionlimit(); import xuke; assert sys.getrecursionlimit() == n; "
            "assert threading.active_count() == 1; import xuke.cli, xuke.resources as r; "
            "print(xuke.__file__); print(xuke.cli.__file__); print(r.STANDARD_RULES)")  # fmt: skip
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=work, env=env)
    assert out.returncode == 0, out.stderr
    for line in out.stdout.splitlines():
        assert line.startswith(str(site)), line  # the installed package, not the checkout
    xuke = venv / "bin" / "xuke"
    version = subprocess.run([str(xuke), "--version"], capture_output=True, text=True, cwd=work, env=env)
    assert version.returncode == 0 and version.stdout.startswith("xuke ")
    # the message catalogs ship in the wheel: Chinese help from the installed package
    helped = subprocess.run([str(xuke), "--lang", "zh", "--help"], capture_output=True, text=True, cwd=work, env=env)
    assert helped.returncode == 0 and helped.stdout.startswith("用法：xuke") and "检查规则文件" in helped.stdout
    lint = subprocess.run([str(xuke), "lint", "draft.txt", "--format", "json", "-o", "lint.json", "--fail-on", "never"],
                          capture_output=True, text=True, cwd=work, env=env)  # fmt: skip
    assert lint.returncode == 0, lint.stderr
    audit = subprocess.run([str(xuke), "audit", "export.jsonl", "--as-of", "2025-12-31", "--jobs", "1", "--format",
                            "json", "-o", "audit.json", "--fail-on", "never"], capture_output=True, text=True, cwd=work,
                           env=env)  # fmt: skip
    assert audit.returncode == 0, audit.stderr
    import json

    rows = len((work / "export.jsonl").read_text("utf-8").splitlines())
    assert json.loads((work / "audit.json").read_text("utf-8"))["summary"]["rows_read"] == rows
    assert json.loads((work / "lint.json").read_text("utf-8"))["summary"]["documents"] == 1


def _pip_has_python_option() -> bool:
    done = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True)
    try:
        major, minor = (int(x) for x in done.stdout.split()[1].split(".")[:2])
    except (IndexError, ValueError):
        return False
    return (major, minor) >= (22, 3)
