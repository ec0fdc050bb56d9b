"""Charts as inline SVG for the HTML report: plain shapes and text, no script, no font or
image fetched, so the page draws the same offline in any browser and prints. Labels are
escaped (they come from input data)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#c0504d", "#4f81bd", "#9bbb59", "#8064a2", "#f79646")
_ROW = 22  # px per bar row
_LABEL = 190  # px for the category labels


def _num(value: float, percent: bool) -> str:
    return f"{value * 100:.1f}%" if percent else f"{value:,.0f}"


def hbar(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
         percent: bool = False, width: int = 640, chart_id: str = "",
         colours: Sequence[str] = PALETTE) -> Markup:  # fmt: skip
    """Horizontal bars: one row per label, one bar per series in it (grouped)."""
    n = len(series)
    bar = _ROW - 6 if n == 1 else 12
    row = _ROW if n == 1 else (bar + 2) * n + 8
    top, plot = 34 + (18 if n > 1 else 0), width - _LABEL - 70
    height = top + row * len(labels) + 10
    peak = 1.0 if percent else max((v for _, vals in series for v in vals if v is not None), default=0) or 1
    out = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
           f'<text class="title" x="{width / 2}" y="18" text-anchor="middle">{escape(title)}</text>']  # fmt: skip
    if n > 1:
        for i, (name, _vals) in enumerate(series):
            x = _LABEL + i * 130
            out.append(f'<rect x="{x}" y="28" width="12" height="12" fill="{colours[i % len(colours)]}"/>'
                       f'<text class="legend" x="{x + 16}" y="38">{escape(name)}</text>')  # fmt: skip
    for j, label in enumerate(labels):
        y = top + j * row
        out.append(f'<text class="label" x="{_LABEL - 6}" y="{y + row / 2 + 4}" text-anchor="end">'
                   f"{escape(_short(label))}<title>{escape(label)}</title></text>")  # fmt: skip
        for i, (name, vals) in enumerate(series):
            v = vals[j]
            if v is None:
                continue
            w = max(0.0, plot * v / peak)
            by = y + (i * (bar + 2) + 4 if n > 1 else 3)
            out.append(f'<rect class="bar" x="{_LABEL}" y="{by}" width="{w:.1f}" height="{bar}" '
                       f'fill="{colours[i % len(colours)]}" data-value="{v}"><title>{escape(label)} · '
                       f'{escape(name)}: {_num(v, percent)}</title></rect>'
                       f'<text class="value" x="{_LABEL + w + 4:.1f}" y="{by + bar - 2}">{_num(v, percent)}</text>')  # fmt: skip
    out.append(f'<line x1="{_LABEL}" y1="{top - 2}" x2="{_LABEL}" y2="{height - 8}" class="axis"/></svg>')
    return Markup("".join(out))


def columns(title: str, labels: Sequence[str], values: Sequence[float], width: int = 640,
            chart_id: str = "") -> Markup:  # fmt: skip
    """Vertical columns (a count per month), with a line through their tops."""
    height, top, bottom, left = 260, 30, 40, 46
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max(values, default=0) or 1
    step = plot_w / max(1, len(labels))
    out = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
           f'<text class="title" x="{width / 2}" y="18" text-anchor="middle">{escape(title)}</text>']  # fmt: skip
    for k in range(5):  # gridlines at quarters of the peak
        v = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" class="grid"/>'
                   f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{v:,.0f}</text>')  # fmt: skip
    points = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * v / peak
        x = left + i * step
        points.append(f"{x + step / 2:.1f},{top + plot_h - h:.1f}")
        out.append(f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
                   f'height="{h:.1f}" fill="{PALETTE[1]}" data-value="{v}"><title>{escape(label)}: {v:,.0f}</title></rect>')  # fmt: skip
        if len(labels) <= 24 or i % 2 == 0:
            out.append(f'<text class="tick" x="{x + step / 2:.1f}" y="{height - bottom + 16}" '
                       f'text-anchor="middle">{escape(label)}</text>')  # fmt: skip
    if len(points) > 1:
        out.append(f'<polyline class="trend" points="{" ".join(points)}" fill="none" stroke="{PALETTE[0]}"/>')
    out.append("</svg>")
    return Markup("".join(out))


def _short(label: str, n: int = 14) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"
