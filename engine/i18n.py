"""The cli's own messages in Chinese and English, from gettext catalogs.

The messages live in `engine/locale/{en,zh}/LC_MESSAGES/xuke.po` (compiled to .mo with Babel:
`pybabel compile -d engine/locale -D xuke`) and are read with the standard library's
gettext. Message ids are symbolic (`check.ok`, `col.rule`, `help.audit.db`): the code uses
them as data too (sheet names and column lists name their headings by id), and English is a
translation like Chinese, chosen with `--lang en`, rather than text hard-wired in the code.
Format fields are str.format names; for every int field `n`, `{n_s}` is "s" unless n == 1
(English plurals; Chinese has none). argparse's own words (usage errors, help headings) come
from the `argparse` domain's Chinese catalog, with argparse's English strings as ids.

The language is `--lang zh|en`, else `output.lang` in xuke.yaml, else `XUKE_LANG`, else
the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set: `zh...` gives Chinese,
anything else English). Only the cli's own words are translated (its messages, the
headings and labels of the console reports, of the Excel workbook and of `xuke explain`):
rule titles, messages and citations are printed as the rule author wrote them, and so are
diagnostics and skip reasons from the engine.

Lines that scripts and CI parse stay the same in both languages (`UNTRANSLATED`):
`N passed, N failed` from `xuke test` is English in Chinese too; `xuke check` keeps its
leading `ok:`; `FAIL` and `ok` start the per-rule lines of `xuke test` in both.
"""

from __future__ import annotations

import functools
import gettext
import os
import string
from collections.abc import Mapping, Sequence
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT_LANG = "en"

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@functools.cache
def _translations(lang: str, domain: str = "xuke") -> gettext.GNUTranslations:
    """The compiled catalog of `lang`, read once (a missing one is a broken install: an error)."""
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.mo", "rb") as fh:
        return gettext.GNUTranslations(fh)


def _messages(lang: str) -> dict[str, str]:
    # GNUTranslations keeps its messages in _catalog; the header sits under the empty id
    return {k: v for k, v in _translations(lang)._catalog.items() if isinstance(k, str) and k}


def __getattr__(name: str):
    """CATALOG (id -> {"en": ..., "zh": ...}), built on first use for the tests and docs."""
    if name == "CATALOG":
        en, zh = _messages("en"), _messages("zh")
        return {k: {"en": en[k], "zh": zh.get(k, en[k])} for k in en}
    raise AttributeError(name)


# Parsed by scripts and CI: the same text in both languages (the fixture-case lines of
# `xuke test` carry only names and details from the fixture files, nothing to translate).
UNTRANSLATED = frozenset({"test.totals", "test.case_ok", "test.case_fail"})

# Punctuation between the pieces of a report line (not words, so not in CATALOG, whose
# Chinese entries must hold Chinese): items of a list, and a label before its text.
PUNCTUATION: dict[str, dict[str, str]] = {
    "zh": {"list": "，", "colon": "："},
    "en": {"list": ", ", "colon": ": "},
}

_lang = DEFAULT_LANG


def detect_lang(env: Mapping[str, str] | None = None) -> str:
    """`XUKE_LANG` if set to zh or en, else the POSIX locale variables in their order of
    precedence (LC_ALL, LC_MESSAGES, LANG; the first one set and not empty decides):
    `zh...` is Chinese, anything else (C, POSIX, en_US.UTF-8, ...) English."""
    env = os.environ if env is None else env
    forced = (env.get("XUKE_LANG") or "").strip().lower()
    if forced in LANGS:
        return forced
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.strip().lower().startswith("zh") else "en"
    return DEFAULT_LANG


def set_lang(lang: str | None) -> str:
    """Use `lang` (zh or en; None detects it from the environment). Returns the language set."""
    global _lang
    if lang is None:
        lang = detect_lang()
    if lang not in LANGS:
        from .errors import XukeError

        raise XukeError(f"--lang: unknown language {lang!r} (use zh or en)")
    _lang = lang
    return lang


def get_lang() -> str:
    return _lang


def _(key: str, lang: str | None = None, **kw) -> str:
    """The message `key` in the current language, formatted with `kw`."""
    text = _messages_of(lang or _lang).get(key)
    if text is None:
        text = _messages_of(DEFAULT_LANG).get(key)
        if text is None:
            raise KeyError(f"no message {key!r} in the catalog")
    for name, value in list(kw.items()):
        if isinstance(value, int) and not isinstance(value, bool):
            kw.setdefault(f"{name}_s", "" if value == 1 else "s")
    return text.format(**kw)


@functools.cache
def _messages_of(lang: str) -> dict[str, str]:
    return _messages(lang)


def has_message(key: str) -> bool:
    return key in _messages_of(DEFAULT_LANG)


def severity_label(severity: str | None, lang: str | None = None) -> str:
    """严重/错误/警告/提示 or critical/error/warning/info; an unknown severity as it is."""
    if severity and has_message(f"severity.{severity}"):
        return _(f"severity.{severity}", lang)
    return severity or ""


def data_label(key: str, lang: str | None = None, prefix: str = "data") -> str:
    """The heading of a finding's data key (or, with prefix="col", of a group's key): the
    catalog's `data.KEY`, else the key as the rule wrote it (a city's own pack names its
    own columns)."""
    return _(f"{prefix}.{key}", lang) if has_message(f"{prefix}.{key}") else key


def punct(name: str, lang: str | None = None) -> str:
    """The `list` separator or the `colon` of the language (see PUNCTUATION)."""
    return PUNCTUATION[lang or _lang][name]


def fields(text: str) -> set[str]:
    """The names of the format fields in a message (for the completeness test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def argv_option(argv: Sequence[str], option: str) -> str | None:
    """The value of `option` (`--lang zh` or `--lang=zh`) in `argv`, before argparse runs:
    the language must be known before the parser's help texts are written."""
    value = None
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == option and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(option + "="):
            value = arg[len(option) + 1 :]
    return value


def install_argparse(lang: str | None = None) -> None:
    """Make argparse speak the current language (its usage errors and help headings).
    argparse looks its words up through `gettext` at call time; English leaves them as they are."""
    import argparse

    lang = lang or _lang
    if lang == "zh":
        argparse._ = _translations("zh", "argparse").gettext  # type: ignore[attr-defined]
    else:
        argparse._ = gettext.gettext  # type: ignore[attr-defined]
