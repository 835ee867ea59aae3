"""Fairness charts as small hand-built SVG: per-group rates as dots with confidence-interval whiskers, one
panel per rate on a shared 0-1 scale, the privileged group's value as a dashed reference line.

Text is what costs in a PDF: WeasyPrint shapes and draws SVG text one character at a time (about 20 times the
cost of the same text in HTML), so the scale is labelled once, under the panels, and the legend is an HTML
caption (`rates_legend`) rather than SVG text.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from governance.reports.model import ChartLine, GroupRate, GroupRow

WIDTH = 660.0
LABEL_W = 120.0
ROW_H = 15.0
HEAD_H = 16.0
FOOT_H = 12.0
PANEL_GAP = 14.0
FONT = "DejaVu Sans, sans-serif"
PANELS = (("selection", "Selection rate"), ("tpr", "True positive rate"), ("fpr", "False positive rate"))
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
LINE_H = 9.0  # one row of threshold labels under the scale
THRESHOLD = "#b3261e"


def _rate(row: GroupRow, key: str) -> GroupRate:
    rate: GroupRate = getattr(row, key)
    return rate


def _label(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def alt_text(groups: Sequence[GroupRow], confidence: float, thresholds: Sequence[ChartLine] = ()) -> str:
    """The chart in words: every group's rates with their intervals, then every threshold drawn."""

    def rate(r: GroupRate) -> str:
        if r.value is None:
            return "undefined"
        ci = f" [{r.low:.3f}, {r.high:.3f}]" if r.low is not None and r.high is not None else ""
        return f"{r.value:.3f}{ci}"

    parts = [f"Per-group rates with {confidence:.0%} intervals"]
    for g in groups:
        rates = "; ".join(f"{title.lower()} {rate(_rate(g, key))}" for key, title in PANELS)
        parts.append(f"{g.label}{' (privileged)' if g.privileged else ''}: {rates}")
    parts += [f"threshold {line.text}" for line in thresholds]
    return ". ".join(parts) + "."


def rates_svg(groups: Sequence[GroupRow], confidence: float, thresholds: Sequence[ChartLine] = ()) -> str:
    """SVG markup of the per-group chart; empty string without groups."""
    if not groups:
        return ""
    panel_w = (WIDTH - LABEL_W - PANEL_GAP * (len(PANELS) - 1)) / len(PANELS)
    label_rows = max((sum(1 for t in thresholds if t.panel == key) for key, _ in PANELS), default=0)
    height = HEAD_H + ROW_H * len(groups) + FOOT_H + LINE_H * label_rows
    alt = escape(alt_text(groups, confidence, thresholds), {'"': "&quot;"})
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH:.0f} {height:.0f}" '
        f'width="{WIDTH:.0f}" height="{height:.0f}" font-family="{FONT}" role="img" aria-label="{alt}">'
        f"<title>{alt}</title>"
    ]
    for i, g in enumerate(groups):
        y = HEAD_H + ROW_H * i + ROW_H / 2
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{y - ROW_H / 2:.1f}" width="{WIDTH:.0f}" height="{ROW_H:.1f}" fill="#f5f6f8"/>')
        mark = (" †" if g.privileged else "") + (" *" if g.small else "")
        out.append(
            f'<text x="2" y="{y + 3:.1f}" font-size="7.5">{escape(_label(g.label))}'
            f'<tspan fill="#666666" font-size="6.5">{escape(mark)}</tspan></text>'
        )
    reference = next((g for g in groups if g.privileged), None)
    for p, (key, title) in enumerate(PANELS):
        x0 = LABEL_W + p * (panel_w + PANEL_GAP)
        out.append(_panel_frame(x0, panel_w, title, len(groups)))
        if reference is not None and _rate(reference, key).value is not None:
            rx = x0 + panel_w * float(_rate(reference, key).value or 0.0)
            bottom = HEAD_H + ROW_H * len(groups)
            out.append(
                f'<line x1="{rx:.1f}" y1="{HEAD_H:.1f}" x2="{rx:.1f}" y2="{bottom:.1f}" stroke="#1f3b5c" '
                f'stroke-width="0.8" stroke-dasharray="3,2"/>'
            )
        for i, g in enumerate(groups):
            out.append(_point(_rate(g, key), x0, panel_w, HEAD_H + ROW_H * i + ROW_H / 2, g.small))
        lines = [t for t in thresholds if t.panel == key]
        for n, line in enumerate(lines):
            out.append(_threshold(line, x0, panel_w, len(groups), n))
    out.append("</svg>")
    return "".join(out)


def rates_legend(groups: Sequence[GroupRow], confidence: float, thresholds: Sequence[ChartLine] = ()) -> str:
    """The chart's legend (plain text, for an HTML caption); empty string without groups."""
    if not groups:
        return ""
    return (
        f"Dots: observed rate; whiskers: {confidence:.0%} Wilson score interval from the group's counts"
        + ("; † and dashed line: privileged group" if any(g.privileged for g in groups) else "")
        + ("; * hollow dot: small group" if any(g.small for g in groups) else "")
        + (
            "; red line: policy threshold, a group left of it fails ("
            + "; ".join(line.text for line in thresholds)
            + ")"
            if thresholds
            else ""
        )
        + "."
    )


def _threshold(line: ChartLine, x0: float, width: float, rows: int, n: int) -> str:
    bottom = HEAD_H + ROW_H * rows
    x = x0 + width * line.value
    anchor = "start" if line.value < 0.3 else ("end" if line.value > 0.7 else "middle")
    return (
        f'<line x1="{x:.1f}" y1="{HEAD_H - 3:.1f}" x2="{x:.1f}" y2="{bottom + 2:.1f}" stroke="{THRESHOLD}" '
        f'stroke-width="1.2"/>'
        f'<text x="{x:.1f}" y="{bottom + FOOT_H + LINE_H * n + 6:.1f}" font-size="6.5" fill="{THRESHOLD}" '
        f'text-anchor="{anchor}">{escape(_label(line.label, 30))}</text>'
    )


def _panel_frame(x0: float, width: float, title: str, rows: int) -> str:
    bottom = HEAD_H + ROW_H * rows
    out = [f'<text x="{x0:.1f}" y="10" font-size="8" font-weight="bold">{escape(title)}</text>']
    for t in TICKS:
        x = x0 + width * t
        out.append(
            f'<line x1="{x:.1f}" y1="{HEAD_H - 3:.1f}" x2="{x:.1f}" y2="{bottom + 2:.1f}" stroke="#d0d3d8" '
            f'stroke-width="0.5"/>'
        )
        anchor = "start" if t == 0.0 else ("end" if t == 1.0 else "middle")
        out.append(
            f'<text x="{x:.1f}" y="{bottom + 9:.1f}" font-size="6.5" fill="#555555" text-anchor="{anchor}">{t:g}</text>'
        )
    return "".join(out)


def _point(rate: GroupRate, x0: float, width: float, y: float, small: bool) -> str:
    if rate.value is None:
        return f'<text x="{x0 + 2:.1f}" y="{y + 3:.1f}" font-size="6.5" fill="#888888">undefined (no cases)</text>'
    out = []
    if rate.low is not None and rate.high is not None:
        a, b = x0 + width * rate.low, x0 + width * rate.high
        out.append(f'<line x1="{a:.1f}" y1="{y:.1f}" x2="{b:.1f}" y2="{y:.1f}" stroke="#333333" stroke-width="1"/>')
        for x in (a, b):
            out.append(
                f'<line x1="{x:.1f}" y1="{y - 3:.1f}" x2="{x:.1f}" y2="{y + 3:.1f}" stroke="#333333" stroke-width="1"/>'
            )
    cx = x0 + width * rate.value
    fill = "#ffffff" if small else "#1f3b5c"
    out.append(f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="2.6" fill="{fill}" stroke="#1f3b5c" stroke-width="1"/>')
    return "".join(out)
