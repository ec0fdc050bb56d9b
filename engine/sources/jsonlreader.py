"""JSON Lines exports: one JSON object per line, UTF-8.

Values may already be typed (numbers, booleans, null); the field normalisers accept them.
A line that is not a JSON object is a reject, not an error: one bad line must not stop
an audit of millions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import orjson

from ..errors import InputError
from .csvreader import MAX_LINE, codec_name, line_based

_JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}
HEADER_SAMPLE = 1000  # non-blank lines read up front to learn which keys the file uses


class JsonlFile:
    def __init__(self, path: str, encoding: str | None = None):
        self.path = path
        self.name = os.fspath(path)  # for messages
        # orjson reads UTF-8 bytes directly; only another encoding is decoded first.
        self.encoding = codec_name(encoding) if encoding else "utf-8"
        if not line_based(self.encoding):
            raise InputError(f"{self.name}: {self.encoding} text is not supported; save the file as UTF-8")
        self._decode = self.encoding != "utf-8"
        keys: dict[str, None] = {}  # ordered union of the keys seen
        seen = objects = 0
        for _, obj, _problem, _mark in self.records():
            seen += 1
            if isinstance(obj, dict):
                objects += 1
                keys.update(dict.fromkeys(obj))
            if seen >= HEADER_SAMPLE:
                break
        if not seen:
            raise InputError(f"{self.name}: empty file")
        if not objects:
            raise InputError(f"{self.name}: no JSON object in the first {seen} line(s); expected JSON Lines")
        self.header = list(keys)

    def records(
        self, start: int = 0, end: int | None = None, line_base: int = 0, span=None
    ) -> Iterator[tuple[int, dict | str, str | None, tuple[int, int]]]:
        """(line, object, None, mark), or (line, the line's text, reason, mark), for every
        non-blank line; `mark` is (byte offset, lines read) just after the line.

        From `start` (a line start) with `line_base` lines before it, up to the first line
        that starts at or after `end`; `span`, if given, receives `stop` and `lines`, where
        reading stopped."""
        pos, lineno = start, line_base
        with open(self.path, "rb") as f:
            f.seek(start)
            readline = f.readline
            while end is None or pos < end:
                data = readline(MAX_LINE + 1)
                if not data:
                    break
                lineno += 1
                if pos == 0 and data.startswith(b"\xef\xbb\xbf"):
                    data = data[3:]
                    pos = 3
                pos += len(data)
                if len(data) > MAX_LINE:
                    while data and not data.endswith(b"\n"):
                        data = readline(MAX_LINE)
                        pos += len(data)
                    yield lineno, "", f"line {lineno} is longer than {MAX_LINE} bytes", (pos, lineno)
                    continue
                if not data.strip():
                    continue
                try:
                    obj = orjson.loads(data.decode(self.encoding) if self._decode else data)
                except (orjson.JSONDecodeError, UnicodeDecodeError) as e:
                    yield lineno, self._text(data), f"bad JSON: {str(e).splitlines()[0]}", (pos, lineno)
                    continue
                if isinstance(obj, dict):
                    # orjson keeps the last of two equal keys without a word; one `":` per
                    # key is the common case, anything else is checked key by key
                    if data.count(b'":') != len(obj):
                        twice = self._key_twice(data)
                        if twice is not None:
                            yield lineno, self._text(data), f"key {twice!r} given twice", (pos, lineno)
                            continue
                    yield lineno, obj, None, (pos, lineno)
                else:
                    yield (
                        lineno,
                        self._text(data),
                        f"not a JSON object but {_JSON_TYPES.get(type(obj), 'a value')}",
                        (pos, lineno),
                    )
        if span is not None:
            span.stop, span.lines = pos, lineno

    def _key_twice(self, data: bytes) -> str | None:
        """The first key an object of this line gives twice, or None."""
        import json

        twice: list[str] = []

        def pairs(items):
            seen = set()
            for key, _ in items:
                if key in seen and not twice:
                    twice.append(key)
                seen.add(key)
            return None  # the values are not needed

        try:
            json.loads(data.decode(self.encoding), object_pairs_hook=pairs)
        except (ValueError, RecursionError):  # orjson read it; a difference is not a duplicate
            return None
        return twice[0] if twice else None

    def _text(self, data: bytes) -> str:
        return data.decode(self.encoding, "replace").rstrip("\r\n")

    @staticmethod
    def raw_text(data: object) -> str:
        """A JSON value as text, for unknown keys and reject lines."""
        if isinstance(data, str):
            return data
        try:
            return orjson.dumps(data).decode()
        except TypeError:  # orjson.dumps stops at 254 levels, orjson.loads accepts 1024
            return _dumps_deep(data)


def _dumps_deep(value: object) -> str:
    """orjson's compact JSON for a value of any depth, without recursion."""
    parts: list[str] = []
    todo: list = [value]  # values to write and, as 1-tuples, literal text
    while todo:
        v = todo.pop()
        if isinstance(v, tuple):
            parts.append(v[0])
        elif isinstance(v, list):
            parts.append("[")
            todo.append(("]",))
            for i in range(len(v) - 1, -1, -1):
                todo.append(v[i])
                if i:
                    todo.append((",",))
        elif isinstance(v, dict):
            parts.append("{")
            todo.append(("}",))
            items = list(v.items())
            for i in range(len(items) - 1, -1, -1):
                key, item = items[i]
                todo.append(item)
                todo.append((("," if i else "") + orjson.dumps(key).decode() + ":",))
        else:
            parts.append(orjson.dumps(v).decode())
    return "".join(parts)
