"""A copy of a .docx draft with one Word review comment per finding.

Legal officers review in Word, so the findings go where they work: each comment is
anchored on the offending words (the finding's span: what its rule matched, or captured
with `m: text matches …`) inside the paragraph the finding points at (finding.line,
numbered the way the document reader numbers paragraphs: the caller passes that
numbering in as `paragraphs_fn`). Runs are split at the words' edges, keeping their
formatting. Where the words cannot be found in the paragraph's own runs (a span inside a
hyperlink, a field or a tracked insertion, or an automatic list number), the comment
covers the whole paragraph. A finding about the document as a whole (no line), or with a
line the numbering does not have, is anchored on the first paragraph rather than dropped.
With `summary=`, one more comment on the first paragraph says what the review found.
"""

from __future__ import annotations

import copy
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


_SEVERITY_ZH = {"critical": "严重", "error": "错误", "warning": "警告", "info": "提示"}


def review_summary(findings: Iterable[Finding], document: dict | None = None) -> str:
    """The one comment at the top: how many findings of each severity and rule, and what kind
    of document the review took it for (and why), so a reader sees the scope at a glance."""
    findings = list(findings)
    by_severity: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for f in findings:
        by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    counts = "，".join(f"{_SEVERITY_ZH.get(k, k)} {v}" for k, v in sorted(by_severity.items()))
    text = f"[xuke] 审查意见汇总：共 {len(findings)} 条" + (f"（{counts}）" if counts else "，未发现问题")
    if by_rule:
        text += "；按规则：" + "、".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))
    if document is not None:
        kind = document.get("kind")
        evidence = document.get("kind_evidence")
        text += f"。文件类型：{kind}（{evidence}）" if kind else "。文件类型无法判断，条款未审核（请用 --kind 指定）"
    return _NOT_XML.sub("", text + "。")


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
    summary: str | None = None,
) -> int:
    """Add the comments to an open document; returns how many findings were commented
    (the summary comment, when asked for, is one more)."""
    _renumber_odd_comment_ids(doc)
    paragraphs = list(paragraphs_fn(doc))
    # whole-paragraph anchors are taken once per paragraph: each comment adds a reference
    # run after the last one, and the next comment on that paragraph must not take it in
    anchors: dict[int, tuple[Run, Run]] = {}
    added = 0

    def comment_on(runs, text):
        comment = doc.add_comment(list(runs), _NOT_XML.sub("", text), author, initials)
        if date is not None:
            comment._comment_elm.date = date  # no public setter; lets tests and re-runs be reproducible

    for f in sort_findings(findings):
        if f.line is not None and 1 <= f.line <= len(paragraphs):
            index, prefix = f.line - 1, ""
        else:
            index = 0 if paragraphs else -1
            prefix = f"（第{f.line}段）" if f.line is not None else ""
        phrase = _phrase_runs(paragraphs[index], f) if index >= 0 and not prefix else None
        if phrase is None:
            if index not in anchors:
                anchors[index] = _anchor_runs(doc, paragraphs[index] if index >= 0 else None)
            phrase = anchors[index]
        comment_on(phrase, prefix + comment_text(f))
        added += 1
    if summary:
        first = paragraphs[0] if paragraphs else None
        comment_on(anchors.get(0) or _anchor_runs(doc, first), summary)
    return added


def _run_text(run: Run) -> str | None:
    """The text of a run made only of text (w:t) and formatting, or None for any other run
    (tabs, breaks, fields, drawings): only such runs can be split at a character."""
    text = []
    for child in run._r.iterchildren():
        if child.tag == qn("w:t"):
            text.append(child.text or "")
        elif child.tag not in (qn("w:rPr"), qn("w:commentReference"), qn("w:lastRenderedPageBreak")):
            return None
    return "".join(text)


def _split(run: Run, at: int) -> Run:
    """Split a text-only run before character `at`; returns the new run holding the rest."""
    text = _run_text(run) or ""
    tail = copy.deepcopy(run._r)
    run._r.addnext(tail)
    for r, part in ((run._r, text[:at]), (tail, text[at:])):
        for t in list(r.iterchildren(qn("w:t"))):
            r.remove(t)
        t = OxmlElement("w:t")
        t.text = part
        t.set(qn("xml:space"), "preserve")
        r.append(t)
    return Run(tail, run._parent)


def _phrase_runs(paragraph: Paragraph, f: Finding) -> tuple[Run, Run] | None:
    """The first and last run covering the finding's words in the paragraph, splitting runs
    at their edges; None when the words are not in the paragraph's own text runs."""
    if f.span is None or not f.text:
        return None
    start, end = f.span
    words = f.text[start:end]
    if not words.strip():
        return None
    runs = [Run(r, paragraph) for r in paragraph._p.iterchildren(qn("w:r"))]
    texts = [_run_text(r) for r in runs]
    if any(t is None for t in texts):
        return None  # a run with a tab, a break or a field: positions would not hold
    whole = "".join(texts)
    at = -1
    for _ in range(f.text[:start].count(words) + 1):  # the same occurrence as in the clause
        at = whole.find(words, at + 1)
        if at < 0:
            return None
    first = last = None
    offset = 0
    for run, text in zip(runs, texts, strict=True):
        lo, hi = offset, offset + len(text)
        offset = hi
        if hi <= at or lo >= at + len(words) or not text:
            continue
        if lo < at:  # the words start inside this run
            run = _split(run, at - lo)
            lo = at
        if hi > at + len(words):  # and end inside it
            _split(run, at + len(words) - lo)
        first = first or run
        last = run
    return (first, last) if first is not None else None


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
    summary: str | None = None,
) -> int:
    """Write a copy of `src_path` with the comments to `out_path` (may be the same path:
    the source is read whole before the atomic write). Returns the number of finding comments."""
    doc = _open(src_path)
    added = annotate_document(doc, findings, paragraphs_fn, author=author, initials=initials, date=date,
                              summary=summary)  # fmt: skip
    atomic_write(out_path, doc.save, binary=True)
    return added
