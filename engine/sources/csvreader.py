"""CSV exports as government systems write them: UTF-8 (with or without BOM) or GBK.

The file is read as bytes, one physical line at a time, and decoded line by line: a line
in another encoding, an overlong line or broken quoting then costs that line, not the
file. `records()` yields every record with the physical line it starts on and, when it
could not be read cleanly, a one-line reason; it never raises after the header is read.

Reading can start at any record boundary and stop at a byte offset (`records(start, end,
line_base)`), so that workers can each read a line-aligned byte range of one file. A
reason about one physical line starts with `line N`, N being the line of the reject, so
that a reader who counted lines from a range's start can renumber it.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterator

from charset_normalizer import from_bytes

from ..errors import InputError

MAX_LINE = 1 << 20  # characters per record (bytes per physical line): beyond it, a reject
SAMPLE = 1 << 16  # leading bytes used to choose the encoding
# The csv module's default field limit (128 KiB) is below MAX_LINE; raise it, never lower
# it (the setting is process-wide). MAX_LINE itself is enforced while reading lines.
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE))

# GB2312 and GBK are subsets of GB18030, and detectors confuse them on short samples;
# decoding with the superset never loses a character the narrower guess would read.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "euc_cn", "ms936"}
_BINARY_BYTES = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"

_CSV_REASONS = {
    "unexpected end of data": "unbalanced quotes",
    "new-line character seen in unquoted field": "stray carriage return inside a line",
    "field larger than field limit": f"field longer than {MAX_LINE} characters",
}


def text_codec(encoding: str) -> codecs.CodecInfo:
    """The codec of a text encoding a file can be read in, or InputError: not rot13, hex or
    base64 (codecs between str and str or bytes and bytes), nor idna, punycode or
    `undefined`, which cannot decode a file's bytes (they raised tracebacks: B25)."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise InputError(f"encoding {encoding!r} is not a text encoding")
    try:
        ok = isinstance(codecs.decode(b"a,\n\xff", info.name, "replace"), str)
    except (UnicodeError, TypeError, ValueError, LookupError):
        ok = False
    if not ok:
        raise InputError(f"encoding {encoding!r} cannot read a file (use utf-8, gb18030, gbk or big5)")
    return info


def codec_name(encoding: str) -> str:
    """Python's name for an encoding, with the GBK family widened to GB18030."""
    name = text_codec(encoding).name
    if name == "utf-8-sig":
        return "utf-8"  # the readers skip a BOM themselves
    return "gb18030" if name.replace("-", "_") in _GB_FAMILY else name


def line_based(encoding: str) -> bool:
    """Whether text in `encoding` can be split into lines at b"\n" bytes (not UTF-16/32)."""
    return "a,\n".encode(encoding) == b"a,\n"


def detect_encoding(sample: bytes, name: str) -> str:
    """The encoding of a CSV file from its leading bytes: utf-8, gb18030, or what
    charset-normalizer finds. Raises InputError for binary data and UTF-16/32."""
    if sample.startswith(
        (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise InputError(f"{name}: UTF-16/UTF-32 text is not supported; save the file as UTF-8 CSV")
    if sample and sum(map(sample.count, _BINARY_BYTES)) * 10 > len(sample):
        raise InputError(f"{name}: not a text file (binary data)")
    cut = sample.rfind(b"\n")
    lines = (sample[:cut] if cut > 0 else sample).split(b"\n")
    foreign = [line for line in lines if not line.isascii()]
    if not foreign:
        return "utf-8"  # ASCII so far; a later GBK line becomes a reject naming the problem
    header = next((line for line in lines if line.strip()), b"")
    if not header.isascii():
        # Chinese GBK text is practically never valid UTF-8, so a Chinese header decides
        # alone, whatever junk lines follow it.
        if _is_utf8(header):
            return "utf-8"
    elif 2 * sum(1 for line in foreign if _is_utf8(line)) >= len(foreign):
        return "utf-8"  # most non-ASCII lines are UTF-8; the rest become rejects
    guess = from_bytes(b"\n".join(foreign)[: SAMPLE // 2]).best()
    encoding = codec_name(guess.encoding) if guess is not None else "gb18030"
    # Without a BOM, GB18030 is the only other encoding Chinese government exports use.
    return encoding if line_based(encoding) else "gb18030"


def line_start(path, offset: int) -> int:
    """The byte offset of the first line that starts at or after `offset` (the file's
    size when none does): where a reader of the byte range from `offset` begins."""
    if offset <= 0:
        return 0
    with open(path, "rb") as f:
        f.seek(offset - 1)
        if f.read(1) == b"\n":
            return offset
        while True:  # bounded reads: a line may be very long
            data = f.readline(MAX_LINE)
            if not data or data.endswith(b"\n"):
                return f.tell()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _after_blank_lines(f, sample: bytes) -> bytes:
    """For a file that opens with more blank lines than one sample holds: a sample from
    its first text on (the header; the records loop skips blank lines anyway), so the
    encoding and the delimiter are chosen from text. b"" if there is no text at all."""
    skipped = len(sample)
    while chunk := f.read(SAMPLE):
        text = chunk.lstrip()
        if text:
            f.seek(skipped + len(chunk) - len(text))
            return f.read(SAMPLE)
        skipped += len(chunk)
    return b""


class CsvFile:
    """One CSV file: its encoding, delimiter and header, and a stream of its records."""

    def __init__(self, path: str, encoding: str | None = None):
        self.path = path
        self.name = os.fspath(path)  # for messages
        with open(path, "rb") as f:
            sample = f.read(SAMPLE)
            if sample and not sample.strip():
                sample = _after_blank_lines(f, sample)
        self.bom = sample.startswith(codecs.BOM_UTF8)
        if encoding:
            self.encoding = codec_name(encoding)
            if not line_based(self.encoding):
                raise InputError(
                    f"{self.name}: {self.encoding} text is not supported; save the file as UTF-8 CSV"
                )
            self.bom = self.bom and self.encoding == "utf-8"
        elif self.bom:
            self.encoding = "utf-8"
        else:
            self.encoding = detect_encoding(sample, self.name)
        body = sample[3:] if self.bom else sample
        if not body.strip():
            raise InputError(f"{self.name}: empty file")
        first = body.split(b"\n", 1)[0]
        self.delimiter = "\t" if (b"\t" in first and b"," not in first) or self.name.endswith(".tsv") else ","
        self.header: list[str] = []
        self.header_line = 0
        self._ncols = 0
        records = self._records(0, None, 0)
        for line, cells, problem, mark in records:
            # problem first: an over-long line comes through with no cells, like a blank one
            if problem is not None:
                raise InputError(f"{self.name}: cannot read the header (line {line}): {problem}")
            if not cells or not any(c.strip() for c in cells):
                continue
            self.header, self.header_line = cells, line
            while mark is None:  # the rest of a multi-line record the header starts
                mark = next(records)[3]
            break
        else:
            raise InputError(f"{self.name}: empty file")
        records.close()
        # where the data starts: the byte offset after the header record, and the
        # physical lines before it
        self.data_start, self.data_lines = mark
        self._ncols = len(self.header)

    def records(
        self, start: int | None = None, end: int | None = None, line_base: int | None = None, span=None
    ) -> Iterator[tuple[int, list[str], str | None, tuple[int, int] | None]]:
        """(first physical line, cells, problem or None, mark) for every record after the header.

        Blank lines come through as empty or blank cells; the caller skips them. `mark` is
        (byte offset, physical lines read) just after the record, or None on all but the
        last item of a record that comes out as several (a broken multi-line record): a
        place where reading can stop and start again.

        With `start` (a line start at or after `data_start`, where the records start) and
        `line_base` (the physical lines before `start`), reading begins there; with `end`
        it stops after the first record that ends at or beyond `end`. `span`, if given,
        receives `stop` and `lines` (byte offset and physical line where reading stopped).
        """
        if start is None:
            start, line_base = self.data_start, self.data_lines
        return self._records(start, end, line_base or 0, span)

    def _records(self, start: int, end: int | None, line_base: int, span=None):
        buf: list[str] = []  # the physical lines of the record being parsed
        problems: dict[int, str] = {}  # physical line -> why it could not be read
        at = [start, line_base]  # byte offset of the next line to read, physical lines read
        with open(self.path, "rb") as f:
            if start == 0 and self.bom:
                at[0] = 3
            f.seek(at[0])
            reader = csv.reader(self._lines(f, buf, problems, at), delimiter=self.delimiter, strict=True)
            first = line_base + 1  # physical line on which the next record starts
            while end is None or at[0] < end:
                try:
                    for cells in reader:
                        n = len(buf)
                        if n == 1 and not problems:
                            yield first, cells, None, (at[0], at[1])
                        else:
                            yield from self._settle(first, cells, buf, problems, None, (at[0], at[1]))
                        first += n
                        buf.clear()
                        if end is not None and at[0] >= end:
                            break
                    break
                except csv.Error as e:
                    # The reader drops the rest of the failing line and resumes on the next.
                    n = len(buf)
                    yield from self._settle(first, None, buf, problems, str(e), (at[0], at[1]))
                    first += n
                    buf.clear()
        if span is not None:
            span.stop, span.lines = at

    def _lines(self, f, buf: list[str], problems: dict[int, str], at: list[int]) -> Iterator[str]:
        """The physical lines of the file as text; `at` follows the byte offset and line count."""
        readline, encoding = f.readline, self.encoding
        check_utf8 = encoding == "gb18030"
        lineno, pending = at[1], 0
        while True:
            data = readline(MAX_LINE + 1)
            if not data:
                return
            lineno += 1
            at[1] = lineno
            if len(data) > MAX_LINE:
                at[0] += len(data)
                while data and not data.endswith(b"\n"):  # skip the rest of the line, bounded reads
                    data = readline(MAX_LINE)
                    at[0] += len(data)
                problems[lineno] = f"line {lineno} is longer than {MAX_LINE} bytes"
                text = "\n"
            else:
                at[0] += len(data)
                try:
                    text = data.decode(encoding)
                    # GB18030 decodes most byte strings, so a UTF-8 line in a GBK file
                    # tends to come out as mojibake rather than as an error: test its bytes.
                    if check_utf8 and not data.isascii() and _is_utf8(data):
                        problems[lineno] = f"line {lineno}: UTF-8 text in a GB18030 file (mixed encodings)"
                except UnicodeDecodeError as e:
                    text = data.decode(encoding, "replace")
                    problems[lineno] = (
                        f"line {lineno}: UTF-8 text in a GB18030 file (mixed encodings)"
                        if check_utf8 and _is_utf8(data)
                        else f"line {lineno}: bytes that are not valid {encoding} at byte {e.start + 1} "
                        "(mixed encodings? see --encoding)"
                    )
            if not buf:
                pending = 0
            pending += len(text)
            buf.append(text)
            yield text
            if pending > MAX_LINE and len(buf) > 1:
                # Only an open quoted field makes a record span lines; one this long is a
                # stray quote swallowing the file. Close it so reading can recover.
                problems[-1] = f"record longer than {MAX_LINE} characters"
                yield '"\n'

    def _settle(self, first: int, cells, lines: list[str], problems: dict[int, str], error: str | None, mark):
        """`_settle_items`, with the mark on the last item only."""
        items = list(self._settle_items(first, cells, lines, problems, error))
        for k, item in enumerate(items, 1):
            yield (*item, mark if k == len(items) else None)

    def _settle_items(self, first: int, cells, lines: list[str], problems: dict[int, str], error: str | None):
        """Records that did not parse as one clean line: one reject, or, for a multi-line
        record that does not fit the header, each physical line on its own."""
        forced = problems.pop(-1, None)
        mine = {k: problems.pop(k) for k in range(first, first + len(lines)) if k in problems}
        if len(lines) == 1:
            if mine:
                yield first, cells if cells is not None else self._loose(lines[0]), mine[first]
            else:
                yield first, self._loose(lines[0]), _csv_reason(error)
            return
        if not mine and not forced and error is None and len(cells) == self._ncols:
            yield first, cells, None  # a quoted field with line breaks in it: legitimate
            return
        for k, text in enumerate(lines, first):
            if k in mine:
                yield k, self._loose(text), mine[k]
                continue
            try:
                parsed = next(csv.reader([text], delimiter=self.delimiter, strict=True), [])
            except csv.Error as e:
                yield k, self._loose(text), _csv_reason(str(e))
            else:
                yield k, parsed, None

    def _loose(self, text: str) -> list[str]:
        return text.rstrip("\r\n").split(self.delimiter)


def _csv_reason(error: str | None) -> str:
    error = error or "unreadable record"
    for prefix, reason in _CSV_REASONS.items():
        if error.startswith(prefix):
            return reason
    return f"bad CSV: {error}"
