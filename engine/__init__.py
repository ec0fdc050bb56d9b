"""xuke (许可): checks administrative-licensing work against the law.

The stages, each a subpackage, data flowing one way:
`lang` (parse, check, format the rule language) -> `ir` (compile to an engine-neutral IR)
-> `run` (evaluate the IR: durable_rules' Rete engine) ; `sources` (records and documents
in) and `reports` (findings out) beside them; `jobs` (audit, lint, test, explain) wires
them together. `domain` (values, the calendar, legal text) and `errors`/`findings` are
shared by all. Importing the package has no side effects.

The Python API (docs/api.md) is `xuke.api`; its main names are importable from `xuke`
itself, loaded on first use so that `import xuke` stays cheap:

    >>> import xuke
    >>> result = xuke.audit([{"办件编号": "A1", "收件时间": "2025-03-03"}], as_of="2025-03-31")
"""

from pathlib import Path as _Path

# In a checkout the command-line module is the top-level cli.py beside this folder; the wheel
# build copies it in as xuke/cli.py (setup.py). Adding the checkout's root to the package path
# lets `xuke.cli` resolve in both layouts (and under an editable install) without a second copy.
_root = _Path(__file__).resolve().parent.parent
if not (_Path(__file__).parent / "cli.py").exists() and (_root / "cli.py").is_file() and (_root / "grammar").is_dir():
    __path__.append(str(_root))  # noqa: F821 - a package's __path__ is defined by the import system
del _Path, _root

_API = ("AuditResult", "LintResult", "Packs", "audit", "audit_db", "check", "lint", "load_packs")
__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    """The API's names and `__version__`, imported when first asked for (PEP 562)."""
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "__version__":
        from .reports import tool_version

        return tool_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
