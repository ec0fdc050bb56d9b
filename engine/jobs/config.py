"""`xuke.yaml`: which packs and rules run, how severe their findings are, how input headers
map onto record fields, calendar corrections, thresholds and output defaults.

The file is found by `find_config` (the working directory, then its parents up to the
root of the git repository) or named with `--config`. It is read with `yaml.safe_load`
only, and checked as a whole before anything runs: every mistake is one line,
`xuke.yaml:LINE: message`, with a did-you-mean for misspelt keys. Checks that need the
loaded rules (rule ids, threshold names) run in `Config.prepare`, with the same kind of
message. docs/configuration.md documents every key.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from .. import yamlsafe
from ..domain.schema import RECORD_FIELDS, SEVERITIES
from ..errors import XukeError
from ..lang.diagnostics import closest
from ..safefs import read_small

CONFIG_NAME = "xuke.yaml"
STANDARD = "standard"  # in `packs:`, every standard pack
FAIL_ON = (*SEVERITIES, "never")
LANGS = ("zh", "en")
OUTPUT_FORMATS = ("text", "json", "jsonl", "csv", "sarif")  # engine.reports.emit.FORMATS
SEVERITY_WORDS = {"严重": "critical", "错误": "error", "警告": "warning", "提示": "info"}

TOP_KEYS = ("version", "packs", "rules", "severity", "aliases", "calendar", "thresholds", "output", "history")
RULES_KEYS = ("enable", "disable")
OUTPUT_KEYS = ("format", "fail_on", "lang")
CALENDAR_KEYS = ("holidays", "workdays", "years")

_RULE_PATTERN = re.compile(r"[A-Z0-9*?\[\]!-]+")
_RULE_ID = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*")
_CONST_NAME = re.compile(
    r"[A-Za-z_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][A-Za-z0-9_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*"
)


def _standard_rules() -> Path:
    from .loader import STANDARD_RULES

    return STANDARD_RULES


def standard_packs() -> list[str]:
    """Names of the standard packs (their file names in rules/, without `.rules`)."""
    return sorted(p.stem for p in _standard_rules().glob("*.rules"))


@dataclass
class RuleSelection:
    """`rules:` — which rules report. Ids or glob patterns (`DOC-*`, `LIC-4?-*`)."""

    enable: list[str] = field(default_factory=list)  # empty: every rule
    disable: list[str] = field(default_factory=list)

    def selects(self, rule_id: str) -> bool:
        if self.enable and not any(fnmatchcase(rule_id, p) for p in self.enable):
            return False
        return not any(fnmatchcase(rule_id, p) for p in self.disable)


@dataclass
class OutputDefaults:
    """`output:` — defaults for options given on the command line; the command line wins."""

    format: str | None = None  # default: text
    fail_on: str | None = None  # default: error
    lang: str | None = None  # default: from the locale


@dataclass
class HistorySettings:
    """`history:` — where audits are recorded as a series (docs/history.md)."""

    database: str | None = None  # a SQLite file (relative to xuke.yaml) or a database URL
    series: str = "default"  # runs of one series are compared with each other
    escalate_after: int = 3  # a finding reported by this many runs in a row is escalated (红牌)
    unit: str | None = None  # the auditing unit, for report title blocks


@dataclass
class Config:
    path: Path | None = None  # the file read; None for the built-in defaults
    version: int = 1
    packs: list[str] | None = None  # None: every standard pack
    rules: RuleSelection = field(default_factory=RuleSelection)
    severity: dict[str, str] = field(default_factory=dict)  # rule id or pattern -> level
    aliases: dict[str, str] = field(default_factory=dict)  # header text -> record field
    calendar: str | dict | None = None  # a file (relative to xuke.yaml) or an inline mapping
    thresholds: dict[str, int | Decimal] = field(default_factory=dict)  # const name -> number
    output: OutputDefaults = field(default_factory=OutputDefaults)
    history: HistorySettings = field(default_factory=HistorySettings)
    lines: dict[tuple, int] = field(default_factory=dict, repr=False, compare=False)

    # ---- where things are -------------------------------------------------------

    @property
    def base_dir(self) -> Path:
        """Relative paths in the file are relative to the file's own folder."""
        return self.path.parent if self.path is not None else Path.cwd()

    def where(self, *keys) -> str:
        """`xuke.yaml:LINE` for a key path, for messages about it."""
        return _where(self.path, self.lines, keys)

    # ---- packs ------------------------------------------------------------------

    def rule_paths(self) -> list[Path]:
        """The rule files to load (for `audit`, `lint` and `rules list` without `--rules`)."""
        if self.packs is None:
            return [_standard_rules()]
        out: list[Path] = []
        for i, spec in enumerate(self.packs):
            for p in _pack_paths(spec, self.base_dir, self.where("packs", i)):
                if p not in out:
                    out.append(p)
        return out

    # ---- rules and severities ---------------------------------------------------

    def selects(self, rule_id: str) -> bool:
        """Whether findings of this rule are reported."""
        return self.rules.selects(rule_id)

    def severity_of(self, rule_id: str, default: str) -> str:
        """The configured severity: an exact id first, then the first matching pattern."""
        if rule_id in self.severity:
            return self.severity[rule_id]
        for pattern, level in self.severity.items():
            if fnmatchcase(rule_id, pattern):
                return level
        return default

    def prepare(self, base) -> None:
        """Check the parts that name rules and constants against a loaded `RuleBase`, then
        apply the thresholds to it (before compiling). Call once per loaded base, for
        `audit` and `lint`; `xuke test` keeps the packs' own values, which the examples
        were written for."""
        ids = sorted(base.rules)
        named = [
            (("rules", key, i), rid) for key in RULES_KEYS for i, rid in enumerate(getattr(self.rules, key))
        ]
        named += [(("severity", rid), rid) for rid in self.severity]
        for keys, rid in named:
            if _is_glob(rid) or rid in base.rules:
                continue  # a pattern may match nothing in the packs loaded this time
            hint = closest(rid, ids)
            raise XukeError(f"{self.where(*keys)}: no rule {rid} in the loaded packs"
                            + (f"; did you mean {hint}?" if hint else ""))  # fmt: skip
        numeric: dict[str, object] = {}
        for info in base.rules.values():
            for name, value in info.consts.items():
                numeric.setdefault(name, value)
        for name in self.thresholds:
            if name not in numeric:
                known = sorted(n for n, v in numeric.items() if _is_number(v))
                hint = closest(name, known)
                tail = (
                    f"; did you mean {hint}?" if hint else (f"; known: {', '.join(known)}" if known else "")
                )
                raise XukeError(
                    f"{self.where('thresholds', name)}: no constant {name} in the loaded packs{tail}"
                )
            if not _is_number(numeric[name]):
                raise XukeError(
                    f"{self.where('thresholds', name)}: {name} is not a number in the packs "
                    f"({numeric[name]!r}); only numeric constants can be overridden"
                )
        for info in base.rules.values():
            for name, value in self.thresholds.items():
                if name in info.consts:
                    info.consts[name] = value

    def severity_map(self, base) -> dict[str, str]:
        """rule id -> configured severity, for every loaded reporting rule whose severity
        changes: the `severity=` of `audit_files` / `CompiledProgram`, so that finding facts
        inside the engine carry it too."""
        out = {}
        for rid, info in sorted(base.rules.items()):
            if info.rule.reports:
                level = self.severity_of(rid, info.rule.severity or "info")
                if level != info.rule.severity:
                    out[rid] = level
        return out

    def select(self, findings: Iterable) -> Iterator:
        """The findings of the rules selected, with their configured severity, lazily (a
        finding that has it already, e.g. from `severity_map`, is passed on as it is).
        Rules not selected still run, since their findings may feed other rules (as
        LIC-42-OVERDUE feeds DEPT-OVERDUE-RATE); they are only left out of the report."""
        for f in findings:
            if not self.selects(f.rule):
                continue
            level = self.severity_of(f.rule, f.severity)
            yield f if level == f.severity else dataclasses.replace(f, severity=level)

    def findings(self, findings: Iterable) -> list:
        """`select` as a list."""
        return list(self.select(findings))

    def rules_meta(self, meta: Mapping[str, Any]) -> dict:
        """`RuleMeta` per rule for the reporters, with the same selection and severities."""
        return {
            rid: (m if self.severity_of(rid, m.severity) == m.severity
                  else dataclasses.replace(m, severity=self.severity_of(rid, m.severity)))
            for rid, m in meta.items() if self.selects(rid)
        }  # fmt: skip

    # ---- calendar ---------------------------------------------------------------

    def work_calendar(self, override: str | os.PathLike | None = None):
        """The working-day calendar: `override` (the `--calendar` option) wins over
        `calendar:` here; neither gives the official calendar alone."""
        from ..domain.calendar import WorkCalendar

        if override is not None:
            return WorkCalendar.load(override)
        if self.calendar is None:
            return WorkCalendar.load()
        if isinstance(self.calendar, dict):
            try:
                return WorkCalendar.load(data=self.calendar)
            except XukeError as e:
                raise XukeError(f"{self.where('calendar')}: {e}") from None
        return WorkCalendar.load(self.base_dir / self.calendar)

    def calendar_args(self, override: str | os.PathLike | None = None) -> dict:
        """How worker processes rebuild the same calendar: `calendar_path=` / `calendar_data=`
        for `audit_files`."""
        if override is not None:
            return {"calendar_path": os.fspath(override), "calendar_data": None}
        if isinstance(self.calendar, dict):
            return {"calendar_path": None, "calendar_data": self.calendar}
        if self.calendar is not None:
            return {"calendar_path": os.fspath(self.base_dir / self.calendar), "calendar_data": None}
        return {"calendar_path": None, "calendar_data": None}

    # ---- output -----------------------------------------------------------------

    @property
    def changes_findings(self) -> bool:
        """Whether `select` can drop or change a finding (if not, reports can skip it)."""
        return bool(self.rules.enable or self.rules.disable or self.severity)

    def choose(self, key: str, given, default):
        """The value of an output option: given on the command line, else here, else `default`."""
        if given is not None:
            return given
        value = getattr(self.output, key)
        return value if value is not None else default


# ---- finding and loading ----------------------------------------------------------


def find_config(start: str | os.PathLike | None = None) -> Path | None:
    """The `xuke.yaml` that applies in `start` (default: the working directory): the first
    found in `start` and its parents. The search stops at the first folder that holds
    `.git` (the top of a repository; a checkout never picks up a file from above it) and
    at the file system root."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def load_config(path: str | os.PathLike | None) -> Config:
    """Read and check a configuration file; `None` gives the defaults (no file)."""
    if path is None:
        return Config()
    path = Path(path)
    label = _display(path)
    try:
        text = read_small(path, yamlsafe.MAX_BYTES, label).decode("utf-8-sig")
    except FileNotFoundError:
        raise XukeError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise XukeError(f"{label}: is a directory, not a configuration file") from None
    except OSError as e:
        raise XukeError(f"{label}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise XukeError(f"{label}: not UTF-8 text (byte {e.start})") from None
    return parse_config(text, path)


def parse_config(text: str, path: str | os.PathLike = CONFIG_NAME) -> Config:
    """Check the text of a configuration file (named `path` in messages)."""
    path = Path(path)
    label = _display(path)
    lines: dict[tuple, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        yamlsafe.check_expansion(root, label)  # before _index walks it (B20)
        if root is not None:
            _index(root, (), lines, label)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise XukeError(_yaml_message(label, e)) from None
    except ValueError:  # a timestamp such as 2025-02-30: find it to say where
        raise XukeError(_bad_timestamp(root, label)) from None
    except RecursionError:  # PyYAML's composer and _index recurse once per level of nesting
        raise XukeError(f"{label}: not valid YAML: nested too deeply") from None
    cfg = Config(path=path.resolve() if path.name else None, lines=lines)
    _Validator(cfg, label, lines).run(data)
    return cfg


# ---- `xuke init` -------------------------------------------------------------------


def template_text(lang: str = "zh") -> str:
    """The commented `xuke.yaml` written by `xuke init`, its comments in `lang`."""
    if lang not in LANGS:
        raise XukeError(f"unknown language {lang!r} (use zh or en)")
    from ..resources import PACKAGE

    raw = (PACKAGE / "templates" / "xuke.yaml").read_text(encoding="utf-8")
    out = []
    for line in raw.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith("#@"):  # a note about the template itself
            continue
        if stripped.startswith(("#zh", "#en")) and stripped[3:4] in ("", " "):
            if stripped[1:3] != lang:
                continue
            line = indent + "#" + stripped[3:]
        out.append(line.rstrip())
    return "\n".join(out).strip("\n") + "\n"


def init_config(path: str | os.PathLike = CONFIG_NAME, lang: str = "zh") -> Path:
    """Write the commented template to `path`, never over an existing file."""
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    text = template_text(lang)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise XukeError(f"{_display(path)} already exists; edit it, or remove it to start again") from None
    except OSError as e:
        from ..reports.atomic import write_error

        raise write_error(path, e) from None
    return path


# ---- validation --------------------------------------------------------------------


class _Validator:
    def __init__(self, cfg: Config, label: str, lines: dict[tuple, int]):
        self.cfg = cfg
        self.label = label
        self.lines = lines

    def fail(self, keys: tuple, message: str):
        raise XukeError(f"{_where_label(self.label, self.lines, keys)}: {message}")

    def keys(self, data: dict, allowed: tuple, at: tuple) -> None:
        for key in data:
            if key not in allowed:
                name = str(key)
                hint = closest(name, allowed)
                tail = f"; did you mean {hint!r}?" if hint else f" (expected {', '.join(allowed)})"
                where = f"{'.'.join(map(str, at))}: " if at else ""
                self.fail((*at, key), f"{where}unknown key {name!r}{tail}")

    def run(self, data: object) -> None:
        if data is None:
            return  # an empty file: the defaults
        if not isinstance(data, dict):
            self.fail((), f"expected a mapping of settings ({', '.join(TOP_KEYS)}), got {_kind(data)}")
        self.keys(data, TOP_KEYS, ())
        for key in TOP_KEYS:
            if key in data:
                getattr(self, f"_{key}")(data[key])

    def _version(self, value) -> None:
        if value != 1 or isinstance(value, bool):
            self.fail(("version",), f"version: unsupported version {value!r} (this xuke reads version 1)")

    def _packs(self, value) -> None:
        if value is None:
            return
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(("packs",), f"packs: expected a list of pack names or .rules paths, got {_kind(value)}")
        if not value:
            self.fail(
                ("packs",), f"packs: empty list; leave the key out for every standard pack ({STANDARD})"
            )
        names = standard_packs()
        base = self.cfg.path.parent if self.cfg.path else Path.cwd()
        out = []
        for i, spec in enumerate(value):
            if not isinstance(spec, str) or not spec.strip():
                self.fail(("packs", i), f"packs[{i}]: expected a pack name or a path, got {spec!r}")
            spec = spec.strip()
            if _looks_like_path(spec):
                if not (base / spec).exists():
                    self.fail(("packs", i), f"packs[{i}]: {spec}: no such file or directory "
                                            f"(relative paths start at the folder of {self.label})")  # fmt: skip
            elif spec != STANDARD and spec not in names and not (base / spec).exists():
                hint = closest(spec, [STANDARD, *names])
                tail = f"; did you mean {hint!r}?" if hint else f" (standard packs: {', '.join(names)})"
                self.fail(("packs", i), f"packs[{i}]: no standard pack {spec!r}{tail}")
            out.append(spec)
        self.cfg.packs = out

    def _rules(self, value) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(("rules",), f"rules: expected a mapping with enable and/or disable, got {_kind(value)}")
        self.keys(value, RULES_KEYS, ("rules",))
        sel = RuleSelection()
        for key in RULES_KEYS:
            items = value.get(key)
            if items is None:
                continue
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list):
                self.fail(
                    ("rules", key),
                    f"rules.{key}: expected a list of rule ids or patterns, got {_kind(items)}",
                )
            for i, item in enumerate(items):
                getattr(sel, key).append(self._rule_pattern(item, ("rules", key, i), f"rules.{key}[{i}]"))
        self.cfg.rules = sel

    def _rule_pattern(self, item, keys: tuple, what: str) -> str:
        if not isinstance(item, str) or not item:
            self.fail(keys, f"{what}: expected a rule id such as LIC-42-OVERDUE or a pattern such as DOC-*, "
                            f"got {item!r}")  # fmt: skip
        if not _RULE_PATTERN.fullmatch(item):
            hint = f"; did you mean {item.upper()!r}?" if _RULE_PATTERN.fullmatch(item.upper()) else ""
            self.fail(keys, f"{what}: {item!r} is not a rule id or pattern (rule ids are upper case, "
                            f"such as LIC-42-OVERDUE; patterns use * and ?){hint}")  # fmt: skip
        if not _is_glob(item) and not _RULE_ID.fullmatch(item):
            self.fail(keys, f"{what}: {item!r} is not a rule id (such as LIC-42-OVERDUE)")
        return item

    def _severity(self, value) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(("severity",), f"severity: expected a mapping of rule id -> level, got {_kind(value)}")
        out = {}
        for rid, level in value.items():
            rid = self._rule_pattern(rid, ("severity", rid), f"severity: {rid}")
            word = SEVERITY_WORDS.get(level, level) if isinstance(level, str) else level
            if word not in SEVERITIES:
                hint = closest(str(level), SEVERITIES)
                tail = f"; did you mean {hint!r}?" if hint else ""
                self.fail(("severity", rid), f"severity: {rid}: unknown level {level!r} "
                                             f"(use {', '.join(SEVERITIES)}){tail}")  # fmt: skip
            out[rid] = word
        self.cfg.severity = out

    def _aliases(self, value) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(
                ("aliases",), f"aliases: expected a mapping of header -> record field, got {_kind(value)}"
            )
        fields = [f.name for f in RECORD_FIELDS]
        out = {}
        for header, target in value.items():
            if header is None or isinstance(header, (dict, list)):
                self.fail(("aliases", header), f"aliases: bad header {header!r}")
            header = str(header)
            if not isinstance(target, str) or target not in fields:
                hint = closest(str(target), fields)
                tail = (
                    f"; did you mean {hint!r}?"
                    if hint
                    else " (see the record fields in docs/configuration.md)"
                )
                self.fail(("aliases", header), f"aliases: {header}: {target!r} is not a record field{tail}")
            out[header] = target
        self.cfg.aliases = out

    def _calendar(self, value) -> None:
        if value is None:
            return
        if isinstance(value, str):
            base = self.cfg.path.parent if self.cfg.path else Path.cwd()
            if not (base / value).is_file():
                self.fail(("calendar",), f"calendar: {value}: no such file "
                                         f"(relative paths start at the folder of {self.label})")  # fmt: skip
            self.cfg.calendar = value
            return
        if not isinstance(value, dict):
            self.fail(("calendar",), f"calendar: expected a file name or a mapping with "
                                     f"{', '.join(CALENDAR_KEYS)}, got {_kind(value)}")  # fmt: skip
        self.keys(value, CALENDAR_KEYS, ("calendar",))
        from ..domain.calendar import WorkCalendar

        try:
            WorkCalendar.load(data=value)  # every date, year and overlap checked now
        except XukeError as e:
            self.fail(("calendar",), str(e))
        self.cfg.calendar = value

    def _thresholds(self, value) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(
                ("thresholds",), f"thresholds: expected a mapping of constant -> number, got {_kind(value)}"
            )
        out: dict[str, int | Decimal] = {}
        for name, number in value.items():
            if not isinstance(name, str) or not _CONST_NAME.fullmatch(name):
                self.fail(("thresholds", name), f"thresholds: {name!r} is not a constant name")
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                self.fail(("thresholds", name), f"thresholds: {name}: expected a number, got {number!r}")
            if isinstance(number, float):
                if number != number or number in (float("inf"), float("-inf")):
                    self.fail(("thresholds", name), f"thresholds: {name}: expected a number, got {number!r}")
                d = Decimal(repr(number))
                out[name] = int(d) if d == d.to_integral_value() else d
            else:
                out[name] = number
        self.cfg.thresholds = out

    def _output(self, value) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(
                ("output",), f"output: expected a mapping with {', '.join(OUTPUT_KEYS)}, got {_kind(value)}"
            )
        self.keys(value, OUTPUT_KEYS, ("output",))
        choices = {"format": OUTPUT_FORMATS, "fail_on": FAIL_ON, "lang": LANGS}
        out = OutputDefaults()
        for key in OUTPUT_KEYS:
            if value.get(key) is None:
                continue
            item = value[key]
            if item not in choices[key]:
                hint = closest(str(item), choices[key])
                tail = f"; did you mean {hint!r}?" if hint else ""
                self.fail(
                    ("output", key), f"output.{key}: {item!r} is not one of {', '.join(choices[key])}{tail}"
                )
            setattr(out, key, item)
        self.cfg.output = out


    def _history(self, value) -> None:
        if value is None:
            return
        keys = ("database", "series", "escalate_after", "unit")
        if not isinstance(value, dict):
            self.fail(("history",), f"history: expected a mapping with {', '.join(keys)}, got {_kind(value)}")
        self.keys(value, keys, ("history",))
        out = HistorySettings()
        for key in ("database", "series", "unit"):
            item = value.get(key)
            if item is None:
                continue
            if not isinstance(item, str) or not item.strip():
                self.fail(("history", key), f"history.{key}: expected a text, got {_kind(item)}")
            setattr(out, key, item.strip())
        if out.database is not None and "://" not in out.database:
            out.database = str(self.cfg.base_dir / out.database)  # relative to xuke.yaml
        n = value.get("escalate_after")
        if n is not None:
            if not isinstance(n, int) or isinstance(n, bool) or not 2 <= n <= 1000:
                self.fail(("history", "escalate_after"),
                          f"history.escalate_after: expected a whole number of runs from 2 to 1000, got {n!r}")  # fmt: skip
            out.escalate_after = n
        self.cfg.history = out


# ---- helpers -----------------------------------------------------------------------


def _pack_paths(spec: str, base_dir: Path, where: str) -> list[Path]:
    """`standard`, a standard pack's name, or a file or folder relative to `base_dir`
    (a bare word names a standard pack first: write `./common` for a local folder)."""
    if spec == STANDARD:
        return sorted(_standard_rules().glob("*.rules"))
    if not _looks_like_path(spec):
        path = _standard_rules() / f"{spec}.rules"
        if path.is_file():
            return [path]
    local = base_dir / spec
    if not local.exists():
        raise XukeError(f"{where}: {spec}: no standard pack and no such file or directory")
    return [local]


def _looks_like_path(spec: str) -> bool:
    return "/" in spec or "\\" in spec or spec.endswith(".rules") or spec.startswith(".")


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, Decimal, float)) and not isinstance(value, bool)


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _index(node, at: tuple, lines: dict[tuple, int], label: str) -> None:
    """Line (1-based) of every key and list item, by key path; duplicate keys are errors
    (yaml.safe_load would silently keep the last)."""
    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _key(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise XukeError(f"{label}:{line}: duplicate key {key!r} (first on line {seen[key]})")
            seen[key] = line
            lines[(*at, key)] = line
            _index(value_node, (*at, key), lines, label)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*at, i)] = item.start_mark.line + 1
            _index(item, (*at, i), lines, label)


def _key(node) -> object:
    """The key as yaml.safe_load gives it (2027 stays an int), so paths match the data."""
    if isinstance(node, yaml.ScalarNode):
        try:
            return yaml.SafeLoader("").construct_object(node)
        except (yaml.YAMLError, ValueError):
            return node.value
    return f"<{node.id} at line {node.start_mark.line + 1}>"


def _where_label(label: str, lines: dict[tuple, int], keys: tuple) -> str:
    keys = tuple(keys)
    while keys and keys not in lines:
        keys = keys[:-1]
    line = lines.get(keys)
    return f"{label}:{line}" if line else label


def _where(path: Path | None, lines: dict[tuple, int], keys: tuple) -> str:
    label = _display(path) if path is not None else CONFIG_NAME
    return _where_label(label, lines, keys)


def _yaml_message(label: str, e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    line = f":{mark.line + 1}" if mark is not None else ""
    return f"{label}{line}: not valid YAML: {problem}"


def _bad_timestamp(root, label: str) -> str:
    def walk(node):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                yield from walk(k)
                yield from walk(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                yield from walk(v)
        elif node is not None and node.tag == "tag:yaml.org,2002:timestamp":
            yield node

    for node in walk(root):
        try:
            yaml.safe_load(node.value)
        except ValueError:
            return f"{label}:{node.start_mark.line + 1}: bad date {node.value!r}"
    return f"{label}: bad value"  # pragma: no cover - safe_load failed on something
