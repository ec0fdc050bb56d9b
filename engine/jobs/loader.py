"""Finding, reading and parsing rule files, resolving `import`s on the rule path, and
checking the lot. Imports are pack names, never paths, so a rule file cannot reach
outside the rule path."""
from __future__ import annotations

from pathlib import Path

from ..errors import XukeError
from ..ir.compiler import compile_rules
from ..lang import ast as A
from ..lang.checker import Checker, RuleBase
from ..lang.diagnostics import Diagnostic, DiagnosticError
from ..resources import STANDARD_RULES
from ..safefs import NotRegular, TooLarge, read_small
from .packcache import parse_cached

# installed: engine/_rules (setup.cfg package_dir); in a checkout: rules/ beside engine/
MAX_FILE_BYTES = 2 << 20  # a rule file larger than this is not a hand-written pack
MAX_FILES = 500
MAX_RULES = 5000


def rule_files(paths) -> list[Path]:
    """Every .rules file named or inside a named folder, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.rules") if q.is_file()))
        elif p.is_file():
            out.append(p)
        elif p.exists():
            raise XukeError(f"{raw}: not a rule file (a device, a pipe or a socket)")
        else:
            raise XukeError(f"{raw}: no such file or directory")
    seen, unique = set(), []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    if len(unique) > MAX_FILES:
        raise XukeError(f"{len(unique)} rule files; the limit is {MAX_FILES}")
    return unique


def read_rule_file(path: Path) -> str:
    # a regular file only, and no more than the limit read: a FIFO named x.rules beside an
    # importing pack blocked for ever, a link to /dev/zero filled the memory (B20)
    try:
        data = read_small(path, MAX_FILE_BYTES, str(path))
    except TooLarge:
        raise XukeError(f"{path}: more than {MAX_FILE_BYTES} bytes; a rule file may have at most "
                        f"{MAX_FILE_BYTES}") from None  # fmt: skip
    except NotRegular:
        raise XukeError(f"{path}: not a rule file (a device, a pipe or a socket)") from None
    except OSError as e:
        raise XukeError(f"{path}: cannot read: {e.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise XukeError(f"{path}: not UTF-8 text (byte {e.start}); rule files are UTF-8") from None


def display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_files(files: list[Path]) -> tuple[list[A.Program], list[Diagnostic], dict[str, str]]:
    programs, diags, sources = [], [], {}
    for path in files:
        name = display_name(path)
        source = read_rule_file(path)
        sources[name] = source
        try:
            programs.append(parse_cached(source, name))
        except DiagnosticError as e:
            diags.extend(e.diagnostics)
    return programs, diags, sources


def load(paths, rule_path=None, with_imports: bool = True) -> RuleBase:
    """Parse and check the rule files at `paths` (plus the packs they import, found on the
    rule path: the folders of the given files, then `rule_path`, then the standard packs).
    Raises DiagnosticError with every problem found."""
    files = rule_files(paths)
    programs, diags, sources = parse_files(files)
    search_dirs: list[Path] = []
    for p in files:
        if p.parent not in search_dirs:
            search_dirs.append(p.parent)
    for extra in rule_path or []:
        if Path(extra) not in search_dirs:
            search_dirs.append(Path(extra))
    if STANDARD_RULES not in search_dirs:
        search_dirs.append(STANDARD_RULES)

    packs: dict[str, A.Program] = {}
    for prog in programs:
        if prog.pack is None:
            continue
        if prog.pack.name in packs:
            first = packs[prog.pack.name]
            diags.append(Diagnostic(prog.pack.pos, f"pack `{prog.pack.name}` is defined twice",
                                    related=((first.pack.pos, "first defined here"),)))  # fmt: skip
            continue
        packs[prog.pack.name] = prog

    if with_imports:
        _resolve_imports(programs, packs, search_dirs, diags, sources, {p.resolve() for p in files})
    if diags:
        # every file's syntax errors, then what the checker finds in the files that parsed
        raise DiagnosticError(diags + _check_parsed(programs, packs, diags, sources), sources)
    rule_count = sum(len(p.rules) for p in programs)
    if rule_count > MAX_RULES:
        raise XukeError(f"{rule_count} rules loaded; the limit is {MAX_RULES}")
    checker = Checker(programs, packs)
    base = checker.run()
    if checker.diags:
        raise DiagnosticError(checker.diags, sources)
    base.sources = sources
    # compiling finds the joins no engine can evaluate (an IR-level error): report them at load
    base.ir = compile_rules(base)
    return base


def _check_parsed(programs, packs, diags, sources) -> list[Diagnostic]:
    """The checker's errors in the files that parsed and import no pack whose file did not:
    an error there is the file's own, not an echo of a broken file it depends on."""
    broken = {d.pos.file for d in diags}
    broken_packs = {_pack_name(sources[f]) for f in broken if f in sources} - {None}
    keep = [p for p in programs if p.file not in broken
            and not any(imp.name in broken_packs for imp in p.of(A.Import))]  # fmt: skip
    if not keep:
        return []
    kept_packs = {name: p for name, p in packs.items() if any(p is k for k in keep)}
    checker = Checker(keep, kept_packs)
    checker.run()
    return [d for d in checker.diags if d.pos.file not in broken]


def _resolve_imports(programs, packs, search_dirs, diags, sources, loaded):
    index: dict[str, Path] | None = None
    todo = list(programs)
    while todo:
        prog = todo.pop(0)
        for imp in prog.of(A.Import):
            if imp.name in packs:
                continue
            if index is None:
                index = _pack_index(search_dirs, loaded)
            path = index.get(imp.name)
            if path is None:
                continue  # the checker reports the unknown pack with its position
            new, more, src = parse_files([path])
            diags.extend(more)
            sources.update(src)
            loaded.add(path.resolve())
            for p in new:
                programs.append(p)
                if p.pack is not None and p.pack.name not in packs:
                    packs[p.pack.name] = p
                todo.append(p)


def _pack_index(search_dirs, loaded) -> dict[str, Path]:
    """pack name -> file, for every .rules file on the rule path (first folder wins)."""
    out: dict[str, Path] = {}
    for d in search_dirs:
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.rules")):
            if path.resolve() in loaded:
                continue
            try:
                head = read_rule_file(path)
            except XukeError:
                continue
            name = _pack_name(head)
            if name and name not in out:
                out[name] = path
    return out


def _pack_name(source: str) -> str | None:
    for line in source.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        words = stripped.split()
        if words[0] in ("pack", "规则包") and len(words) > 1:
            return words[1]
        return None
    return None
