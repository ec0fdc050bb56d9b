import argparse
import io
from contextlib import redirect_stderr

import pytest
from xuke import i18n
from xuke.errors import XukeError
from xuke.i18n import CATALOG, LANGS, UNTRANSLATED, _, argv_option, detect_lang, fields, set_lang


@pytest.fixture(autouse=True)
def _restore():
    before = i18n.get_lang()
    yield
    set_lang(before)
    i18n.install_argparse("en")


def test_every_message_in_every_language():
    for key, entry in CATALOG.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key
        # the same fields in both: a caller never has to know the language
        plural = {f"{n}_s" for n in fields(entry["en"])}
        assert fields(entry["zh"]) - plural == fields(entry["en"]) - plural, key
        assert not fields(entry["zh"]) & {f for f in plural if f not in fields(entry["en"])}


def test_chinese_is_chinese_except_the_untranslated():
    for key, entry in CATALOG.items():
        if key in UNTRANSLATED:
            assert entry["zh"] == entry["en"], key
            continue
        has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in entry["zh"])
        assert has_cjk, key


def test_ci_lines_are_the_same_in_both_languages():
    for lang in LANGS:
        assert _("test.totals", lang, passed=3, failed=0) == "3 passed, 0 failed"
        assert _("check.ok", lang, rules=43, files=4, ms=130).startswith("ok: ")
        assert _("test.rule_ok", lang, rule="X", n=2).startswith("ok   X")
        assert _("test.rule_fail", lang, rule="X", file="f", line=3, expect="e", detail="d").startswith(
            "FAIL X f:3: "
        )


def test_plurals_and_formatting():
    assert _("check.ok", "en", rules=1, files=1, ms=5) == "ok: 1 rule in 1 file (5 ms)"
    assert _("check.ok", "en", rules=43, files=4, ms=130) == "ok: 43 rules in 4 files (130 ms)"
    assert _("check.ok", "zh", rules=43, files=4, ms=130) == "ok: 4 个文件，43 条规则（130 ms）"
    assert _("usage.as_of", "en", value="2025-13-01") == (
        "--as-of: not a date: '2025-13-01' (e.g. 2025-12-31, 2025/12/31, 2025年12月31日, 20251231)"
    )
    set_lang("zh")
    assert _("fmt.would_reformat", path="a.rules") == "a.rules: 需要重新格式化"
    set_lang("en")
    assert _("fmt.would_reformat", path="a.rules") == "a.rules: would reformat"
    with pytest.raises(KeyError):
        _("no.such.key")


@pytest.mark.parametrize(
    "env, lang",
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "", "LC_MESSAGES": "zh_CN.GB18030", "LANG": "en_US"}, "zh"),
        ({"LC_ALL": "zh_CN", "LC_MESSAGES": "en_US"}, "zh"),
        ({"XUKE_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"XUKE_LANG": "ZH", "LANG": "C"}, "zh"),
        ({"XUKE_LANG": "fr", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_detect_lang(env, lang):
    assert detect_lang(env) == lang


def test_set_lang():
    assert set_lang("zh") == "zh" and i18n.get_lang() == "zh"
    with pytest.raises(XukeError, match="unknown language 'fr'"):
        set_lang("fr")
    assert i18n.get_lang() == "zh"


def test_argv_option():
    assert argv_option(["audit", "--lang", "zh", "x.csv"], "--lang") == "zh"
    assert argv_option(["audit", "--lang=en"], "--lang") == "en"
    assert argv_option(["audit", "x.csv"], "--lang") is None
    assert argv_option(["audit", "--", "--lang", "zh"], "--lang") is None
    assert argv_option(["audit", "--lang"], "--lang") is None


def test_argparse_speaks_chinese():
    set_lang("zh")
    i18n.install_argparse()
    parser = argparse.ArgumentParser(prog="xuke")
    parser.add_argument("paths", nargs="+")
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(SystemExit):
        parser.parse_args([])
    assert "用法：xuke" in err.getvalue() and "xuke: 错误：缺少参数：paths" in err.getvalue()
    i18n.install_argparse("en")
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(SystemExit):
        parser.parse_args([])
    assert "usage: xuke" in err.getvalue() and "the following arguments are required" in err.getvalue()


def test_severity_labels_and_punctuation():
    from xuke.i18n import punct, severity_label

    severities = ("critical", "error", "warning", "info")
    assert [severity_label(s, "zh") for s in severities] == ["严重", "错误", "警告", "提示"]
    assert [severity_label(s, "en") for s in severities] == list(severities)
    assert severity_label("odd", "zh") == "odd" and severity_label(None) == ""
    set_lang("zh")
    assert severity_label("error") == "错误" and punct("list") == "，" and punct("colon") == "："
    set_lang("en")
    assert severity_label("error") == "error" and punct("list") == ", " and punct("colon") == ": "


def test_report_units():
    assert (_("where.line", "zh", n=12), _("where.paragraph", "zh", n=3), _("where.whole", "zh")) == (
        "第12行", "第3段", "全文",
    )  # fmt: skip
    assert (_("where.line", "en", n=12), _("where.paragraph", "en", n=3), _("where.whole", "en")) == (
        "line 12", "paragraph 3", "whole document",
    )  # fmt: skip
    assert _("audit.clean_departments", "en", n=1) == "1 more department without findings."
    assert _("audit.clean_departments", "en", n=2) == "2 more departments without findings."


def test_every_key_the_reports_name_is_in_the_catalog():
    """Keys are named as string literals in the report modules (some through constants):
    a typo would only show as a KeyError when that line of a report is printed."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    prefixes = "audit|lint|report|col|where|explain|xlsx|severity"
    named = set()
    for rel in ("engine/reports/text.py", "engine/reports/xlsxout.py", "engine/jobs/explain.py"):
        source = (root / rel).read_text(encoding="utf-8")
        named |= set(re.findall(rf'"((?:{prefixes})\.[a-z_]+(?:\.[a-z_]+)?)"', source))
    assert len(named) > 40
    assert not {key for key in named if key not in CATALOG}


def test_the_compiled_catalogs_are_the_po_files():
    # the .mo files are what runs; the .po files are what people edit (pybabel compile)
    import gettext

    babel = pytest.importorskip("babel.messages.pofile")
    for po in sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        with open(po, "rb") as fh:
            source = {m.id: m.string for m in babel.read_po(fh) if m.id}
        with open(po.with_suffix(".mo"), "rb") as fh:
            compiled = {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items() if k}
        assert compiled == source, f"{po} changed: run pybabel compile -d engine/locale -D {po.stem}"


def test_every_message_id_the_code_names_is_in_the_catalogs():
    # Babel's extractor finds every _("literal") of the package and the cli
    import re
    from pathlib import Path

    extract = pytest.importorskip("babel.messages.extract")
    root = Path(__file__).resolve().parent.parent
    named = {found[2] for found in extract.extract_from_dir(str(root / "engine"), keywords={"_": None})}
    with open(root / "cli.py", "rb") as fh:
        named |= {found[1] for found in extract.extract_python(fh, ["_"], [], {})}
    named = {m for m in named if isinstance(m, str) and re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", m)}
    assert len(named) > 40
    assert sorted(m for m in named if m not in CATALOG) == []


@pytest.mark.parametrize("command", ["", "check", "fmt", "test", "audit", "lint", "explain", "rules list",
                                     "history list", "init", "completion"])  # fmt: skip
def test_help_is_chinese_under_lang_zh(command):
    # every described option and command says what it does in Chinese (argparse's headings too)
    import re
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(__file__).resolve().parent.parent / "cli.py"
    proc = subprocess.run([sys.executable, str(cli), "--lang", "zh", *command.split(), "--help"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith("用法：xuke") and "选项" in text
    described = [line for line in text.splitlines() if re.match(r"^\s{2,}\S.*\s{2,}\S", line)]
    english = [line for line in described if not re.search(r"[\u4e00-\u9fff]", line)]
    assert described and english == []
