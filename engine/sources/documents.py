"""Read a draft policy document (.txt, .md, .docx) into a `document` fact and its `clause` facts.

Lines
  .txt / .md: `line` is the 1-based line of the source file (front matter lines count),
  lines being separated by \\n, \\r\\n or \\r as an editor shows them.
  .docx: `line` is the 1-based number of the paragraph among *all* paragraphs of the
  body in document order, empty ones included; a table's paragraphs are numbered where
  the table stands, row by row, cell by cell (each physical cell once, however merged),
  nested tables in place; content controls are looked into; text boxes, headers,
  footers and footnotes are not read and not numbered. `docx_paragraphs()` returns the
  paragraphs in exactly this numbering (index + 1 == line), for writing comments back.

Clauses (the unit a finding points at)
  One clause per line (paragraph): a line opening an article (第十二条 / 第12条 / 第十条之一),
  each numbered item (一、 （一） 1. （1） ①), and every other paragraph. Paragraphs are not
  split into sentences: a basis named in one sentence usually governs the next sentence
  of the same paragraph, and splitting would report those as uncited.
  `text` is the line stripped of surrounding whitespace (and of Markdown syntax), so a
  span inside it can be found again in the source paragraph with str.find. In a .docx,
  an automatic list number (Word's 第%1条 / （%1） lists) is rendered as Word shows it and
  put before the paragraph text with a space: `ListNumbering`.
  Not clauses: the front matter, the title line, 第X章 / 第X节 headings, Markdown
  headings and .docx Heading/Title paragraphs that are not numbered, and lines without
  any letter, digit or CJK character (rules such as ---, |---|).
  `article` is the marker as written without spaces (第十二条); `article_no` its number.
  `chapter` is the chapter heading (第二章 申请与受理), kept whole because its name
  (附则, 法律责任) is what a rule may care about. `item` is the path of numbered items,
  canonical markers joined by "/" (（一）/1.). Item levels rank 一、 > （一） > 1. > （1） > ①,
  as in GB/T 9704 and in legislation (条, 款, 项, 目); a marker closes any open item of
  its own or a lower rank. An article starts a fresh item path. A paragraph without a
  marker inside an article belongs to the article alone (a further 款); outside articles
  (notices, guides with 一、办理依据 headings) it belongs to the open item.

Title, kind, front matter
  A .txt/.md may open with a YAML block between --- lines (`kind:`, `title:`, anything
  else is kept in `front_matter`). Title: front matter `title`, else the first Title-styled
  .docx paragraph, else the first non-empty line unless it is an article, item or
  chapter. With a front-matter title, the first line is still taken as the title line
  when it is not numbered and does not end a sentence.
  Kind: front matter `kind`, else the `kind` argument, else from the title: 办事指南 or
  服务指南 -> 办事指南 (tested first: 关于印发…办事指南的通知 publishes a guide);
  办法、规定、细则、通知、意见、方案 -> 规范性文件; otherwise None (unknown), and rules
  for a kind do not run on it. English names are accepted (normative, guide).

Encodings
  `encoding=` forces one. Otherwise a BOM decides, then strict UTF-8, then
  charset-normalizer's best guess (GBK/GB18030 in practice). NUL bytes, control
  characters or no plausible encoding: InputError("not a text file").

Errors are `InputError` with one line that names the file. A .docx is checked before
python-docx opens it: the declared sizes of its zip members must stay under 200 MB in
total and 100:1 per large member (zipfile never inflates a member past its declared
size, so the check bounds memory); its XML is parsed without entity expansion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import yaml

from ..domain import instruments
from ..domain.legaltext import cites_basis, numeral_value
from ..domain.schema import CLAUSE_FIELDS, DOCUMENT_FIELDS
from ..errors import InputError
from . import converted
from .zipguard import check_zip

NORMATIVE, GUIDE = instruments.NORMATIVE, instruments.GUIDE
HEAD_LINES, TAIL_LINES = 8, 6  # where the 文号, the enacting formula and the issuer stand

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
CONVERTED_SUFFIXES = (".doc", ".wps")  # read through LibreOffice (sources/converted.py)
MAX_TEXT_BYTES = 64 * 1024 * 1024
MAX_DOCX_BYTES = 200 * 1024 * 1024
MAX_DOCX_RATIO = 100


@dataclass
class Clause:
    file: str
    text: str
    line: int
    article: str | None
    article_no: int | None
    chapter: str | None
    item: str | None
    kind: str | None
    title: str | None
    doc_basis: str | None = None
    issuer: str | None = None

    def fact(self) -> dict[str, Any]:
        """The `clause` fact: exactly the fields of schema.CLAUSE_FIELDS."""
        return {spec.name: getattr(self, spec.name) for spec in CLAUSE_FIELDS}


@dataclass
class Document:
    file: str
    title: str | None
    kind: str | None
    text: str
    clauses: list[Clause]
    front_matter: dict
    # line -> text of each line that is a title or heading rather than a clause
    headings: dict[int, str] = field(default_factory=dict)
    basis: str | None = None  # the preamble / 第一条 sentences citing a basis for the whole document
    kind_evidence: str = ""  # what told the kind (or why it could not be told)
    issuer: str | None = None

    def fact(self) -> dict[str, Any]:
        """The `document` fact: exactly the fields of schema.DOCUMENT_FIELDS."""
        return {spec.name: getattr(self, spec.name) for spec in DOCUMENT_FIELDS}


def normalize_kind(value: Any, file: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = instruments.normalise(value)
    if kind is None:
        raise InputError(
            f"{file}: unknown document kind {str(value).strip()!r} (use one of {'、'.join(instruments.KINDS)}, "
            "or normative / guide)"
        )
    return kind


def infer_kind(title: str | None, head: str = "", issuer: str | None = None) -> str | None:
    """The kind told from the title, the opening and closing lines and the issuer (None: unknown)."""
    return instruments.tell(title, head, issuer).kind


def _head(blocks, title_line) -> str:
    """The lines before the first article or item (文号, issuer, enacting formula) and the
    last lines (issuer and date as published): where a document says what it is."""
    lines = [(n, t.strip()) for n, t, _ in blocks if t.strip() and n != title_line]
    head = []
    for _, text in lines[:HEAD_LINES]:
        if _numbered(text):
            break
        head.append(text)
    return "\n".join(head + [t for _, t in lines[-TAIL_LINES:]])


def document_basis(clauses: list[Clause]) -> str | None:
    """The sentences of the preamble (before the first article or item) and of 第一条 that cite
    a basis: a basis named there counts for the whole document (RULES.md, "Bases")."""
    out = []
    for c in clauses:
        if c.article_no not in (None, 1) or (c.article_no is None and (c.item or c.article)):
            if c.article_no is None and c.item:
                break  # the numbered body has started
            continue
        if c.article_no is None and any(o.article_no for o in clauses[: clauses.index(c)]):
            break
        if cites_basis(c.text) or "《" in c.text:
            out.append(c.text)
    return "\n".join(out) or None


def read_document(path: str | Path, kind: str | None = None, encoding: str | None = None) -> Document:
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, ".docx", ".pdf", *CONVERTED_SUFFIXES):
        raise InputError(f"{file}: unsupported document type {suffix or '(none)'} "
                         "(use .txt, .md, .docx, .pdf, .doc or .wps)")  # fmt: skip
    if not path.is_file():
        raise InputError(f"{file}: no such file" if not path.exists() else f"{file}: not a regular file")
    if suffix == ".docx":
        blocks, title_line, title, front = _read_docx(path, file)
    elif suffix in CONVERTED_SUFFIXES:
        with converted.private_workdir() as work:
            blocks, title_line, title, front = _read_docx(converted.convert_to_docx(path, file, work), file)
    elif suffix == ".pdf":
        blocks, title_line, title, front = _lines_blocks(converted.pdf_lines(path, file))
    else:
        blocks, title_line, title, front = _read_text(path, file, encoding, markdown=suffix != ".txt")
    doc_kind = normalize_kind(front.get("kind"), file) or normalize_kind(kind, file)
    evidence = "front matter" if front.get("kind") else "--kind" if doc_kind else ""
    head = _head(blocks, title_line)
    issuer = instruments.issuer_of(title, head, front.get("issuer"))
    if doc_kind is None:
        verdict = instruments.tell(title, head, issuer)
        doc_kind, evidence = verdict.kind, verdict.evidence
    clauses, headings, texts = _structure(blocks, file, title_line, title, doc_kind)
    basis = document_basis(clauses)
    for c in clauses:
        c.doc_basis, c.issuer = basis, issuer
    return Document(file, title, doc_kind, "\n".join(texts), clauses, front, headings, basis, evidence, issuer)


# -- structure ----------------------------------------------------------------------

_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
_CHAPTER = re.compile(rf"第\s*({_NUM})\s*章")
_SECTION = re.compile(rf"第\s*({_NUM})\s*节")
# 第十条规定… / 第十条的… at the start of a line refer to an article; they do not open one.
_ARTICLE = re.compile(rf"第\s*({_NUM})\s*条(之\s*{_NUM})?(?![规的第、和至款项所中或及之])")
# item numbers have at most 4 digits: a longer run opening a line is not an item marker
_ITEMS = (  # (rank, pattern); canonical marker made by _marker()
    (0, re.compile(r"([一二三四五六七八九十百]+)\s*[、．]")),
    (1, re.compile(r"[（(]\s*([一二三四五六七八九十百]+)\s*[）)]")),
    (2, re.compile(r"(\d{1,4})\s*(?:[、．]|\.(?!\d))")),
    (3, re.compile(r"[（(]\s*(\d{1,4})\s*[）)]")),
    (4, re.compile(r"([①-⑳])")),
)
_WORDLESS = re.compile(r"^\W*$")


def _marker(rank: int, number: str) -> str:
    if rank == 0:
        return f"{number}、"
    if rank == 1:
        return f"（{number}）"
    if rank == 2:
        return f"{int(number)}."
    if rank == 3:
        return f"（{int(number)}）"
    return number


def _item(text: str) -> tuple[int, str] | None:
    for rank, pattern in _ITEMS:
        m = pattern.match(text)
        if m:
            return rank, _marker(rank, m.group(1))
    return None


def _numbered(text: str) -> bool:
    return bool(_CHAPTER.match(text) or _SECTION.match(text) or _ARTICLE.match(text) or _item(text))


def _structure(
    blocks: Iterable[tuple[int, str, bool]],
    file: str,
    title_line: int | None,
    title: str | None,
    kind: str | None,
) -> tuple[list[Clause], dict[int, str], list[str]]:
    """Blocks are (line, text, is_heading) in order; text already stripped of markup."""
    clauses: list[Clause] = []
    headings: dict[int, str] = {}
    texts: list[str] = []
    chapter = article = None
    article_no: int | None = None
    items: list[tuple[int, str]] = []

    def add(line: int, text: str, item: str | None) -> None:
        clauses.append(Clause(file, text, line, article, article_no, chapter, item, kind, title))

    for line, raw, is_heading in blocks:
        text = raw.strip()
        if not text or _WORDLESS.match(text):
            continue
        texts.append(text)
        if line == title_line:
            headings[line] = text
        elif _CHAPTER.match(text):
            chapter, article, article_no, items = " ".join(text.split()), None, None, []
            headings[line] = text
        elif _SECTION.match(text):
            article, article_no, items = None, None, []
            headings[line] = text
        elif m := _ARTICLE.match(text):
            article = "".join(m.group(0).split())
            article_no = numeral_value(m.group(1))
            items = []
            add(line, text, None)
        elif found := _item(text):
            rank, marker = found
            while items and items[-1][0] >= rank:
                items.pop()
            items.append((rank, marker))
            add(line, text, "/".join(marker for _, marker in items))
        elif is_heading:
            items = []
            headings[line] = text
        else:
            add(line, text, None if article else ("/".join(marker for _, marker in items) or None))
    return clauses, headings, texts


# -- text and Markdown ----------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def split_lines(text: str) -> list[str]:
    """The lines as an editor numbers them (the numbering `line` refers to)."""
    return _LINE_BREAK.split(text)


def _decode(data: bytes, file: str, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise InputError(f"{file}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as e:
            raise InputError(f"{file}: not valid {encoding} text (byte {e.start})") from None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(f"{file}: not a text file (bad {codec} after its byte order mark)") from None
    if b"\x00" in data:
        raise InputError(f"{file}: not a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise InputError(f"{file}: not a text file")
    return str(best)


def _read_text(path: Path, file: str, encoding: str | None, markdown: bool):
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputError(f"{file}: too large for a policy draft ({size // 2**20} MB)")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{file}: cannot read: {e.strerror or e}") from None
    text = _decode(data, file, encoding).rstrip("\x1a")  # a DOS end-of-file mark is not content
    if _CONTROL.search(text):
        raise InputError(f"{file}: not a text file (control characters)")
    lines = split_lines(text)
    front, body_start = _front_matter(lines, file)
    blocks = list(_markdown_blocks(lines, body_start) if markdown else _plain_blocks(lines, body_start))
    title = front.get("title")
    if title is not None:
        title = " ".join(str(title).split()) or None
    title_line, title = _title_of(blocks, title)
    return blocks, title_line, title, front


def _title_of(blocks, title: str | None) -> tuple[int | None, str | None]:
    """(title line, title): the first line with words, unless it is numbered."""
    title_line = None
    for line, text_, _ in blocks:
        stripped = text_.strip()
        if not stripped or _WORDLESS.match(stripped):
            continue
        if _numbered(stripped):
            break
        if title is None:
            title, title_line = stripped, line
        elif stripped == title or not stripped.endswith(("。", "；", ";", "！", "？", "：", ":")):
            title_line = line
        break
    return title_line, title


def _lines_blocks(lines: list[str]):
    """Blocks, title line and title of plain lines (a PDF's text layer): as a .txt without
    front matter."""
    blocks = list(_plain_blocks(lines, 0))
    return blocks, *_title_of(blocks, None), {}


def _front_matter(lines: list[str], file: str) -> tuple[dict, int]:
    """(front matter, index of the first body line)."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        return {}, 0  # no closing line: a thematic break, not front matter
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(e, "problem", None) or "syntax error"
        raise InputError(f"{file}: front matter is not valid YAML: {problem}{where}") from None
    except (ValueError, TypeError) as e:  # safe_load's constructors: a date like 2025-02-30
        raise InputError(f"{file}: front matter is not valid YAML: {e}") from None
    except RecursionError:
        raise InputError(f"{file}: front matter is not valid YAML: nested too deeply") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{file}: front matter must be a mapping such as `kind: 办事指南`")
    return {str(k): v for k, v in data.items()}, end + 1


def _plain_blocks(lines: list[str], start: int) -> Iterator[tuple[int, str, bool]]:
    for index in range(start, len(lines)):
        yield index + 1, lines[index], False


# The closing #s and blanks are tried only where the text of the heading may end, after a
# non-blank: tried at every character of a long blank run, they rescan the rest of it each
# time. The text found is the same, as its shortest end is never inside a blank run.
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s+|$)(.*?)(?:(?<!\s)(?:\s+#+)?\s*)?$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+")
_MD_HTML = re.compile(r"</?[A-Za-z][^<>]*>")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|\*|`)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def _strip_links(text: str) -> str:
    r"""Links and images replaced by their text: what `re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)`
    gives, found by hand because `re` would try each [ of a long run of them to the end of the
    line (B13). Every [ before the same ] reaches that ], so when the first of them fails the
    rest fail too, and each part of the line is looked at once."""
    out, done = [], 0
    opening = text.find("[")
    while opening >= 0:
        closing = text.find("]", opening + 1)
        if closing < 0:
            break
        if not text.startswith("(", closing + 1):
            opening = text.find("[", closing + 1)
            continue
        end = text.find(")", closing + 2)
        if end < 0:
            break  # no ) after this ( means none after any later one
        start = opening - 1 if opening > done and text[opening - 1] == "!" else opening
        out += [text[done:start], text[opening + 1 : closing]]
        done = end + 1
        opening = text.find("[", done)
    out.append(text[done:])
    return "".join(out)


def _markdown_inline(text: str) -> str:
    text = _strip_links(text)
    text = _MD_HTML.sub("", text)
    # Escaped marks survive the emphasis pass by hiding as private-use characters first.
    text = _MD_ESCAPE.sub(lambda m: chr(0xE000 + ord(m.group(1))), text)
    text = _MD_EMPHASIS.sub("", text)
    return re.sub("[\ue000-\ue07f]", lambda m: chr(ord(m.group(0)) - 0xE000), text)


def _markdown_blocks(lines: list[str], start: int) -> Iterator[tuple[int, str, bool]]:
    fenced = False
    for index in range(start, len(lines)):
        line = lines[index]
        if _MD_FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            yield index + 1, line, False
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            yield index + 1, _markdown_inline(heading.group(1)), True
            continue
        line = _MD_BULLET.sub("", _MD_QUOTE.sub("", line))
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            line = " | ".join(cell.strip() for cell in stripped[1:-1].split("|"))
        yield index + 1, _markdown_inline(line), False


# -- .docx ----------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _TBL, _TR, _TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
_CONTAINERS = {_W + "sdt", _W + "sdtContent", _W + "customXml"}
# Not part of the paragraph's current text: deletions, moved-away text, text boxes
# (their own paragraphs), alternative renderings, and properties.
_SKIP = {_W + "del", _W + "moveFrom", _W + "txbxContent", _MC + "Fallback", _W + "pPr", _W + "rPr"}
_RUN_TEXT = {_W + "t": None, _W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n"}
_RUN_TEXT[_W + "noBreakHyphen"] = "-"


def docx_paragraphs(document) -> list:
    """Every body paragraph of a python-docx Document, in the numbering `line` uses."""
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    out: list = []

    def walk(element, parent) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == _P:
                out.append(Paragraph(child, parent))
            elif tag == _TBL:
                walk(child, Table(child, parent))
            elif tag == _TC:
                walk(child, _Cell(child, parent))
            elif tag == _TR or tag in _CONTAINERS:
                walk(child, parent)

    body = document._body
    walk(body._element, body)
    return out


def docx_paragraph_text(paragraph) -> str:
    """The paragraph's own text as the reader sees it (no list number; see ListNumbering).

    Unlike python-docx's `Paragraph.text`, tracked insertions count and tracked deletions
    do not (a draft under review is read as it now stands), and line breaks inside the
    paragraph are dropped, since Chinese needs no space where a line wraps.
    """
    parts: list[str] = []

    def walk(element) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag in _RUN_TEXT:
                parts.append((child.text or "") if _RUN_TEXT[tag] is None else _RUN_TEXT[tag])
            else:
                walk(child)

    walk(paragraph._p)
    return "".join(parts).replace("\n", "")


class ListNumbering:
    """Word's automatic list numbers, rendered as Word shows them (第%1条 -> 第三条).

    Drafts often number their articles and items with a multi-level list, so the text
    itself has no 第X条; the reader prepends the rendered label to the clause text.
    Call `label()` once per paragraph, in `docx_paragraphs()` order (counters advance).
    Covered: levels from the paragraph or its style chain, start and start overrides,
    deeper levels restarting, legal (decimal) numbering, the usual formats; bullets give "".
    """

    def __init__(self, document) -> None:
        self.levels: dict[tuple[str, int], dict[str, Any]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        self.style_numpr: dict[str, tuple[str | None, int | None]] = {}
        root = _numbering_root(document)
        if root is None:
            return
        for abstract in root.iterchildren(_W + "abstractNum"):
            aid = abstract.get(_W + "abstractNumId")
            for lvl in abstract.iterchildren(_W + "lvl"):
                self.levels[(aid, _int(lvl.get(_W + "ilvl"), 0))] = {
                    "start": _int(_val(lvl, "start"), 1),
                    "fmt": _val(lvl, "numFmt") or "decimal",
                    "text": _val(lvl, "lvlText") or "",
                    "suff": _val(lvl, "suff") or "tab",
                    "legal": lvl.find(_W + "isLgl") is not None,
                }
        for num in root.iterchildren(_W + "num"):
            overrides = {}
            for override in num.iterchildren(_W + "lvlOverride"):
                start = _val(override, "startOverride")
                if start is not None:
                    overrides[_int(override.get(_W + "ilvl"), 0)] = _int(start, 1)
            self.nums[num.get(_W + "numId")] = (_val(num, "abstractNumId"), overrides)
        self._style_numbering(document)

    def _style_numbering(self, document) -> None:
        styles = {}
        for style in document.styles.element.iterchildren(_W + "style"):
            ppr = style.find(_W + "pPr")
            numpr = ppr.find(_W + "numPr") if ppr is not None else None
            own = (_val(numpr, "numId"), _opt_int(_val(numpr, "ilvl"))) if numpr is not None else (None, None)
            styles[style.get(_W + "styleId")] = (_val(style, "basedOn"), own)
        for style_id in styles:
            num_id = ilvl = None
            current, seen = style_id, set()
            while current in styles and current not in seen and (num_id is None or ilvl is None):
                seen.add(current)
                based_on, (own_num, own_lvl) = styles[current]
                num_id = num_id if num_id is not None else own_num
                ilvl = ilvl if ilvl is not None else own_lvl
                current = based_on
            self.style_numpr[style_id] = (num_id, ilvl)

    def label(self, paragraph) -> str:
        ppr = paragraph._p.find(_W + "pPr")
        numpr = ppr.find(_W + "numPr") if ppr is not None else None
        style_id = _val(ppr, "pStyle") if ppr is not None else None
        num_id, ilvl = self.style_numpr.get(style_id, (None, None))
        if numpr is not None:
            num_id = _val(numpr, "numId") or num_id
            ilvl = _opt_int(_val(numpr, "ilvl"), ilvl)
        if num_id is None or num_id not in self.nums:
            return ""  # numId 0 switches numbering off
        ilvl = min(max(ilvl or 0, 0), 8)
        aid, overrides = self.nums[num_id]
        counters = self.counters.setdefault(aid, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for level, start in overrides.items():
                if 0 <= level < 9:
                    counters[level] = start - 1
        level = self.levels.get((aid, ilvl))
        if level is None:
            return ""
        current = counters[ilvl]
        counters[ilvl] = level["start"] if current is None else current + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        if level["fmt"] in ("bullet", "none") and "%" not in level["text"]:
            return ""

        def render(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            spec = self.levels.get((aid, k), level)
            value = counters[k] if counters[k] is not None else spec["start"]
            return _format_number(value, "decimal" if level["legal"] else spec["fmt"])

        text = re.sub(r"%([1-9])", render, level["text"])
        return text + ("" if level["suff"] == "nothing" or not text else " ")


def _numbering_root(document):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:  # not DocumentPart.numbering_part: it adds an empty part when there is none
        return document.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        return None


def _val(element, child: str) -> str | None:
    found = element.find(_W + child) if element is not None else None
    return found.get(_W + "val") if found is not None else None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _opt_int(text: str | None, default: int | None = None) -> int | None:
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


_CN = "零一二三四五六七八九"


def _chinese_counting(n: int) -> str:
    if n < 0 or n >= 10000:
        return str(n)
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit:
            out += ("零" if zero and out else "") + _CN[digit] + name
            zero = False
        elif out:
            zero = True
    return out


MAX_LETTER_REPEAT = 100  # beyond ZZZ… of 100 letters (item 2,600) a letter label is written in digits


def _letters(n: int) -> str:
    # Word repeats the letter: A..Z, AA..ZZ, AAA.. A list that starts at 2,000,000,000 made
    # a label of 77 million letters per paragraph (B20): past the cap the number is shown.
    if not 0 < n <= 26 * MAX_LETTER_REPEAT:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, numeral in zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"),
    ):
        count, n = divmod(n, value)
        out += numeral * count
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "japaneseCounting", "taiwaneseCounting", "ideographDigital")):
        return _chinese_counting(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt.startswith("decimalFullWidth"):
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter"):
        return _letters(n) if fmt == "upperLetter" else _letters(n).lower()
    if fmt in ("upperRoman", "lowerRoman"):
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[n - 1]
    return str(n)


def _refuse_dtd(document, file: str) -> None:
    """Word never writes a DTD. Text held in an entity it declares was invisible to lint
    (python-docx does not expand entities) and broke --annotate (B23): refused, as
    defusedxml refuses them."""
    for part in document.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is not None and element.getroottree().docinfo.doctype:
            raise InputError(f"{file}: {part.partname.lstrip('/')} declares a DTD (Word never writes one); "
                             "save the draft again from Word")  # fmt: skip


def _read_docx(path: Path, file: str):
    import docx

    check_zip(path, file, MAX_DOCX_BYTES, MAX_DOCX_RATIO, "not a .docx file (not a valid zip archive)")
    try:
        document = docx.Document(str(path))
        _refuse_dtd(document, file)
        paragraphs = docx_paragraphs(document)
        style_names = {s.style_id: (s.name or "") for s in document.styles}
        numbering = ListNumbering(document)
        blocks = []
        title_line = None
        for line, paragraph in enumerate(paragraphs, 1):
            ppr = paragraph._p.pPr
            style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
            style = style_names.get(style_id, style_id or "").lower()
            text = numbering.label(paragraph) + docx_paragraph_text(paragraph)
            if title_line is None and style in ("title", "标题") and text.strip():
                title_line = line
            is_heading = style.startswith(("heading", "title", "标题", "subtitle", "副标题"))
            blocks.append((line, text, is_heading))
    except InputError:
        raise
    except Exception as e:  # python-docx, lxml and zipfile each raise their own kinds
        detail = " ".join(str(e).split()) or type(e).__name__
        raise InputError(f"{file}: cannot read .docx: {detail[:200]}") from None
    if title_line is None:
        for line, text, _ in blocks:
            stripped = text.strip()
            if stripped and not _WORDLESS.match(stripped):
                if not _numbered(stripped):
                    title_line = line
                break
    title = " ".join(blocks[title_line - 1][1].split()) if title_line else None
    return blocks, title_line, title, {}
