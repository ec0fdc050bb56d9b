"""Drafts that come as PDF (with a text layer) or as Word 97-2003 / WPS files.

PDF: the text layer is read with pypdf, page by page; `line` is the 1-based line of that
text, pages joined in order (a form feed never appears in it). A PDF whose pages carry no
text (a scan) is an InputError saying so: OCR is not done here. Encrypted PDFs are refused
(pypdf would need the password). Limits: 200 MB, 2,000 pages, 20 million characters.

.doc / .wps: converted to .docx with LibreOffice (`soffice --headless --convert-to docx`)
when it is installed, in a private temporary folder with its own LibreOffice profile, under
a timeout, then read as a .docx (so `line` is the paragraph number of the converted
document). Without LibreOffice: one line saying what to install or to save as .docx.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import InputError

MAX_PDF_BYTES = 200 * 1024 * 1024
MAX_PDF_PAGES = 2000
MAX_PDF_CHARS = 20_000_000
CONVERT_TIMEOUT = 120  # seconds for LibreOffice to convert one file
MAX_OLE_BYTES = 100 * 1024 * 1024


def pdf_lines(path: Path, file: str) -> list[str]:
    """The lines of the PDF's text layer, in page order."""
    _check_size(path, file, MAX_PDF_BYTES)
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            raise InputError(f"{file}: the PDF is encrypted; save an unprotected copy to review it")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise InputError(f"{file}: {len(reader.pages)} pages; at most {MAX_PDF_PAGES} are read")
        lines: list[str] = []
        chars = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            chars += len(text)
            if chars > MAX_PDF_CHARS:
                raise InputError(f"{file}: more than {MAX_PDF_CHARS:,} characters of text")
            lines.extend(text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"))
    except InputError:
        raise
    except Exception as e:  # pypdf raises many kinds on a damaged file
        detail = " ".join(str(e).split()) or type(e).__name__
        raise InputError(f"{file}: cannot read the PDF: {detail[:200]}") from None
    if not any(any(ch.isalnum() for ch in line) for line in lines):
        raise InputError(f"{file}: the PDF has no text layer (a scan?); run OCR on it or give the Word or text draft")
    return lines


def _check_size(path: Path, file: str, limit: int) -> None:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(f"{file}: cannot read: {e.strerror or e}") from None
    if size > limit:
        raise InputError(f"{file}: too large for a policy draft ({size // 2**20} MB)")


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, file: str, workdir: str) -> Path:
    """A .docx converted from a .doc / .wps into `workdir` (a private temporary folder)."""
    exe = soffice()
    if exe is None:
        raise InputError(f"{file}: {path.suffix} drafts need LibreOffice to be read (install libreoffice-writer, "
                         "e.g. apt-get install libreoffice-writer-nogui), or save the draft as .docx")  # fmt: skip
    _check_size(path, file, MAX_OLE_BYTES)
    # a copy under a plain name: LibreOffice reads options from names that start with `-`
    source = Path(workdir) / ("draft" + path.suffix.lower())
    shutil.copyfile(path, source)
    profile = Path(workdir) / "profile"
    command = [exe, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", "docx", "--outdir", workdir, str(source)]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, cwd=workdir,
                              env={**os.environ, "HOME": workdir}, stdin=subprocess.DEVNULL)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise InputError(f"{file}: LibreOffice did not convert it within {CONVERT_TIMEOUT} s") from None
    except OSError as e:
        raise InputError(f"{file}: cannot run LibreOffice: {e.strerror or e}") from None
    out = Path(workdir) / "draft.docx"
    if done.returncode != 0 or not out.is_file():
        detail = " ".join((done.stderr or b"").decode("utf-8", "replace").split())[:200]
        raise InputError(f"{file}: LibreOffice could not convert it to .docx{': ' + detail if detail else ''}")
    return out


def private_workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="xuke-convert-")
