"""A copy of a .docx draft with one Word review comment per finding.

Legal officers review in Word, so the findings go where they work: each comment is
anchored on the paragraph the finding points at (finding.line, numbered the way the
document reader numbers paragraphs: the caller passes that numbering in as
`paragraphs_fn`). A finding about the document as a whole (no line), or with a line the
numbering does not have, is anchored on the first paragraph rather than dropped.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence

import docx
from docx.document import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from ..errors import InputError
from ..findings import Finding
from .aggregate import join_cites, sort_findings
from .atomic import atomic_write

AUTHOR = "xuke"
INITIALS = "xk"

# python-docx refuses strings XML cannot hold; input text may carry such control characters
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def comment_text(f: Finding) -> str:
    """The comment: [RULE] title — message（依据：citations）."""
    text = f"[{f.rule}] {f.title}"
    if f.message and f.message != f.title:
        text += f" — {f.message}"
    cites = join_cites(f.cites)
    if cites:
        text += f"（依据：{cites}）"
    return _NOT_XML.sub("", text)


def _open(src_path: str | os.PathLike) -> Document:
    try:
        return docx.Document(os.fspath(src_path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"cannot read {os.fspath(src_path)}: not a Word .docx document ({exc})") from None
    except OSError as exc:
        raise InputError(f"cannot read {os.fspath(src_path)}: {exc.strerror or exc}") from None


_WORD_ID = re.compile(r"[0-9]{1,10}")


def _renumber_odd_comment_ids(doc: Document) -> None:
    """python-docx numbers a new comment after the largest existing id, read with int(): a
    draft whose comments carry an id that is not a number, or 5000 digits, raised (B23).
    Word's ids are 32-bit numbers; any other is given the first unused one, and the body's
    anchors of that comment follow it."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        comments = doc.part.part_related_by(RT.COMMENTS).element
    except KeyError:
        return
    key = qn("w:id")
    used, odd = set(), []
    for c in comments.iterchildren(qn("w:comment")):
        value = c.get(key) or ""
        if _WORD_ID.fullmatch(value) and int(value) < 2**31:
            used.add(int(value))
        else:
            odd.append(c)
    if not odd:
        return
    free = (i for i in range(2**31) if i not in used)
    renamed: dict[str, str] = {}
    for c in odd:
        new = str(next(free))
        renamed.setdefault(c.get(key) or "", new)
        c.set(key, new)
    for anchor in doc.element.body.iter(qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:commentReference")):
        if anchor.get(key) in renamed:
            anchor.set(key, renamed[anchor.get(key)])


def annotate_document(
    doc: Document,
    findings: Iterable[Finding],
    paragraphs_fn: Callable[[Document], Sequence[Paragraph]],
    *,
    author: str = AUTHOR,
    initials: str = INITIALS,
    date: dt.datetime | None = None,
) -> int:
    """Add the comments to an open document; returns how many were added."""
    _renumber_odd_comment_ids(doc)
    paragraphs = list(paragraphs_fn(doc))
    # the runs are taken once per paragraph: each comment adds a reference run after the
    # last one, and the next comment on that paragraph must not take that run in
    anchors: dict[int, tuple[Run, Run]] = {}
    added = 0
    for f in sort_findings(findings):
        if f.line is not None and 1 <= f.line <= len(paragraphs):
            index, prefix = f.line - 1, ""
        else:
            index = 0 if paragraphs else -1
            prefix = f"（第{f.line}段）" if f.line is not None else ""
        if index not in anchors:
            anchors[index] = _anchor_runs(doc, paragraphs[index] if index >= 0 else None)
        comment = doc.add_comment(list(anchors[index]), prefix + comment_text(f), author, initials)
        if date is not None:
            comment._comment_elm.date = date  # no public setter; lets tests and re-runs be reproducible
        added += 1
    return added


def _anchor_runs(doc: Document, paragraph: Paragraph | None) -> tuple[Run, Run]:
    """The first and last run of the paragraph's content, so the comment covers all of it.

    python-docx anchors comments on runs only; text inside a hyperlink or a tracked
    insertion is not in a run of the paragraph itself. Where the content does not start
    (or end) with a plain run, an empty run is put there to anchor on: it shows nothing.
    """
    if paragraph is None:
        paragraph = doc.add_paragraph()  # an empty document still gets its comments
    p = paragraph._p
    content = [child for child in p.iterchildren() if child.tag != qn("w:pPr")]
    if content and content[0].tag == qn("w:r"):
        first = Run(content[0], paragraph)
    else:
        r = OxmlElement("w:r")
        p.insert(1 if p.pPr is not None else 0, r)
        first = Run(r, paragraph)
    if content and content[-1].tag == qn("w:r"):
        last = Run(content[-1], paragraph)
    elif not content:
        last = first
    else:
        last = paragraph.add_run("")
    return first, last


def annotate_docx(
    src_path: str | os.PathLike,
    out_path: str | os.PathLike,
    findings: Iterable[Finding],
    paragraphs_fn: Callable[[Document], Sequence[Paragraph]],
    *,
    author: str = AUTHOR,
    initials: str = INITIALS,
    date: dt.datetime | None = None,
) -> int:
    """Write a copy of `src_path` with the comments to `out_path` (may be the same path:
    the source is read whole before the atomic write). Returns the number of comments."""
    doc = _open(src_path)
    added = annotate_document(doc, findings, paragraphs_fn, author=author, initials=initials, date=date)
    atomic_write(out_path, doc.save, binary=True)
    return added
