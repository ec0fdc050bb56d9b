"""Limits for the YAML xuke reads itself (`xuke.yaml`, `--calendar` files).

`yaml.safe_load` runs no code, but an alias is a reference: a 600-byte file of ten nested
anchors, each listing the previous one ten times, loads in microseconds as a structure that
anything walking it sees as 10^9 values (B20: `xuke.yaml` filled 2 GB while its keys were
indexed; it is picked up from parent folders without being named). The composed node graph
is measured before anything walks it: the number of values it expands to, anchors counted
once per use, counted in time linear in the distinct nodes.
"""

from __future__ import annotations

import yaml

from .errors import XukeError

MAX_BYTES = 4 * 2**20  # a YAML file xuke reads (xuke.yaml, a calendar): at most this
MAX_VALUES = 100_000  # ... and expanding to at most this many values, aliases included


def check_expansion(root, label: str, limit: int = MAX_VALUES) -> None:
    """XukeError when the node graph `root` (yaml.compose) expands to more than `limit`
    values or refers to itself."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            if total > limit:
                _refuse(label, limit)
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in open_:
            raise XukeError(f"{label}: an alias refers to the value it is part of")
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _children(node):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield k
            yield v
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _refuse(label: str, limit: int):
    raise XukeError(f"{label}: expands to more than {limit:,} values (YAML anchors and aliases); "
                    "write the values out, or use fewer aliases")  # fmt: skip
