"""The self-contained HTML report: nothing fetched, data escaped, and — in a real headless
Chromium (Debian's, driven by Playwright) — the charts drawn, the filters and sorting
working, a finding's explanation opening; a screenshot is saved."""

from __future__ import annotations

import json
import re
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT))
import browser  # noqa: E402

import cli  # noqa: E402

HOSTILE_CASE = "<script>window.__pwned=1</script>"
HOSTILE_DEPT = '<img src=x onerror="window.__pwned=2">'


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The bundled small export audited twice against a history (so statuses show), with
    two hostile rows added: their case id and department are markup."""
    tmp = tmp_path_factory.mktemp("html")
    export = tmp / "export.jsonl"
    lines = (ROOT / "fixtures/approvals/small.jsonl").read_text(encoding="utf-8").splitlines()
    extra = [{"申办编号": HOSTILE_CASE, "实施机关": HOSTILE_DEPT, "收件时间": "2025-11-04"},
             {"申办编号": "X-2", "实施机关": HOSTILE_DEPT, "收件时间": "2025-11-05"}]  # fmt: skip
    export.write_text("\n".join(lines + [json.dumps(e, ensure_ascii=False) for e in extra]) + "\n", encoding="utf-8")
    out = tmp / "report.html"
    for as_of in ("2025-12-31", "2026-01-31"):
        code = cli.main(["audit", str(export), "--as-of", as_of, "--history", str(tmp / "h.db"), "--html", str(out),
                         "--format", "json", "-o", str(tmp / "r.json"), "--no-config", "--lang", "zh",
                         "--unit", "江州市政务服务管理办公室"])  # fmt: skip
        assert code in (0, 1)
    data = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    return out, data


def test_self_contained(report):
    path, _ = report
    html = path.read_text(encoding="utf-8")
    # no address but the SVG namespace; no external script, style sheet, font or image
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html  # and the page itself forbids fetching


def test_input_data_is_escaped(report):
    html = report[0].read_text(encoding="utf-8")
    assert HOSTILE_CASE not in html and HOSTILE_DEPT not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_title_block_summary_and_grades(report):
    path, data = report
    html = path.read_text(encoding="utf-8")
    assert "江州市政务服务管理办公室" in html and "2026-01-31" in html and "licensing_law 2019-04-23" in html
    assert f"{data['summary']['findings']:,}" in html
    assert 'id="grades"' in html and "与第 1 批（2025-12-31）相比" in html


needs_browser = pytest.mark.skipif(browser.why_not() is not None, reason=browser.why_not() or "")


@pytest.fixture(scope="module")
def page(report):
    path, _ = report
    with browser.chromium() as context:
        requests, errors, dialogs = [], [], []
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        yield page, requests, errors, dialogs


def _visible_rows(page):
    return page.locator("#findings tbody tr.f:not([hidden])")


@pytest.mark.slow
@needs_browser
def test_in_chromium(page, report, tmp_path_factory):
    page, requests, errors, dialogs = page
    _, data = report
    findings = data["findings"]
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == [] and dialogs == []
    assert page.evaluate("window.__pwned") is None  # the hostile rows ran nothing

    # the charts are drawn: SVG with bars of non-zero size
    for chart in ("chart-departments", "chart-rules", "chart-months"):
        box = page.locator(f"#{chart}").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, chart
        bars = page.locator(f"#{chart} rect.bar")
        assert bars.count() > 0
        assert max(bars.nth(i).bounding_box()["width"] for i in range(bars.count())) > 10
    rule_bars = page.locator("#chart-rules rect.bar")
    assert rule_bars.count() == min(30, len({f["rule"] for f in findings}))

    total = len(findings)
    assert _visible_rows(page).count() == total
    # filter by rule
    page.select_option("#f-rule", "SIX-WINDOW")
    n = sum(f["rule"] == "SIX-WINDOW" for f in findings)
    assert _visible_rows(page).count() == n
    assert set(_visible_rows(page).evaluate_all("rows => rows.map(r => r.dataset.rule)")) == {"SIX-WINDOW"}
    assert page.locator("#shown-count").inner_text().startswith(f"显示 {n}")
    page.select_option("#f-rule", "")
    # filter by status (new / 督办 / 红牌)
    statuses = {f["history"]["status"] for f in findings}
    for status in statuses:
        page.select_option("#f-status", status)
        assert _visible_rows(page).count() == sum(f["history"]["status"] == status for f in findings)
    page.select_option("#f-status", "")
    # free text: one case
    case = findings[0]["case_id"]
    page.fill("#q", case)
    assert _visible_rows(page).count() == sum(f.get("case_id") == case for f in findings)
    page.fill("#q", "")
    assert _visible_rows(page).count() == total

    # sort by severity: the most severe first, then the other way
    page.click("#findings th[data-key=sev]")
    ranks = _visible_rows(page).evaluate_all("rows => rows.map(r => Number(r.dataset.sev))")
    assert ranks == sorted(ranks)
    page.click("#findings th[data-key=sev]")
    ranks = _visible_rows(page).evaluate_all("rows => rows.map(r => Number(r.dataset.sev))")
    assert ranks == sorted(ranks, reverse=True)

    # a finding's explanation and citation open under its message
    first = _visible_rows(page).first
    first.locator("summary").click()
    detail = first.locator("details")
    assert detail.evaluate("d => d.open")
    text = detail.inner_text()
    assert "推导过程" in text and "依据" in text

    shot = tmp_path_factory.mktemp("shots") / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
