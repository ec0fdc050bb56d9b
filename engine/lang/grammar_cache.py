"""The rule language's parser, built from the grammar or read back from xuke's private cache.

Building the LALR tables takes about 0.19 s of every command's start-up (docs/reliability.md,
B18); read back from the cache they take a few milliseconds. The entry is named by a hash of
the grammar, the options, Lark's and Python's versions, so an entry is only ever found for
the parser it was built as; it holds Lark's own serialised form (`memo_serialize`, what
`Lark.save` writes) inside a frame signed with this user's key (engine/cachedir.py).
"""

from __future__ import annotations

import hashlib
import sys

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

from .. import cachedir


def entry_name(grammar: str, options: dict) -> str:
    key = repr((grammar, sorted(options.items()), lark.__version__, sys.version_info[:2]))
    return "grammar-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def cached_parser(grammar: str, options: dict, lexer_callbacks: dict) -> Lark:
    name = entry_name(grammar, options)
    saved = cachedir.load(name)
    if isinstance(saved, dict) and {"data", "memo"} <= saved.keys():
        try:
            return Lark._load_from_dict(saved["data"], saved["memo"], lexer_callbacks=lexer_callbacks,
                                        propagate_positions=options.get("propagate_positions", False))  # fmt: skip
        except Exception:  # an entry this Lark cannot read: build it again
            pass
    built = Lark(grammar, lexer_callbacks=lexer_callbacks, **options)
    data, memo = built.memo_serialize([TerminalDef, Rule])
    cachedir.store(name, {"data": data, "memo": memo})
    return built
