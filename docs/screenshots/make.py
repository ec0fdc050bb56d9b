"""Make the screenshots in docs/ and the README from the bundled sample: the HTML report in
headless Chromium and the workbook's overview (chart) sheet as LibreOffice prints it.

    python docs/screenshots/make.py          # writes docs/screenshots/*.png

Needs Debian's chromium, libreoffice-calc-nogui, poppler-utils and fonts-noto-cjk (apt-get
install ...), and the test extras (playwright). Two audits of the sample are recorded in a
scratch history (audit dates 2025-11-30 and 2025-12-31), so the pages show what changed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
UNIT = "江州市政务服务管理办公室"


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        sys.exit(f"make.py: {tool} not found (apt-get install {package})")
    return path


def audit(work: Path) -> tuple[Path, Path]:
    html, xlsx = work / "report.html", work / "report.xlsx"
    for as_of, extra in (("2025-11-30", []), ("2025-12-31", ["--html", str(html), "--xlsx", str(xlsx)])):
        # run from the checkout with a relative input, so no path of this machine shows
        subprocess.run([sys.executable, "cli.py", "audit", "fixtures/approvals/sample.csv", "--as-of", as_of,
                        "--history", str(work / "h.db"), "--unit", UNIT, "--lang", "zh", "--no-config",
                        "-o", str(work / f"{as_of}.txt"), *extra], check=False, cwd=ROOT)  # fmt: skip
    return html, xlsx


def html_shot(html: Path, out: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import browser

    reason = browser.why_not()
    if reason:
        sys.exit(f"make.py: {reason}")
    with browser.chromium(width=1280, height=1500) as context:
        page = context.new_page()
        page.goto(html.as_uri())
        page.screenshot(path=str(out))
        page.select_option("#f-status", "open")
        page.locator("#findings-section").scroll_into_view_if_needed()
        page.locator("#findings tbody tr.f:not([hidden]) summary").first.click()
        page.screenshot(path=str(out.with_name("html-report-findings.png")))


def workbook_shot(xlsx: Path, out: Path, work: Path) -> None:
    soffice = _need("soffice", "libreoffice-calc-nogui")
    _need("pdftoppm", "poppler-utils")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(xlsx)], check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    pdf = work / (xlsx.stem + ".pdf")
    for page, name in ((1, out), (2, out.with_name("workbook-rules.png"))):
        subprocess.run(["pdftoppm", "-r", "90", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf),
                        str(name.with_suffix(""))], check=True, timeout=120)  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="xuke-shots-") as tmp:
        work = Path(tmp)
        html, xlsx = audit(work)
        html_shot(html, HERE / "html-report.png")
        workbook_shot(xlsx, HERE / "workbook-overview.png", work)
    for png in sorted(HERE.glob("*.png")):
        print(f"{png.relative_to(ROOT)}: {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
