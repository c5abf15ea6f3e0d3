"""Bar charts drawn on the server as SVG: no script, no inline style (N-REPORT)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
BAR_AREA = 220
TOP = 20


def bar_chart(bars: Sequence[tuple[str, int]], title: str) -> Markup:
    """A labelled bar chart with a text alternative (role="img" and a <title>)."""
    count = max(len(bars), 1)
    slot = WIDTH / count
    highest = max((value for _, value in bars), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {TOP + BAR_AREA + 40}" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(bars):
        height = round(BAR_AREA * value / highest)
        x = round(index * slot + slot * 0.15)
        width = max(round(slot * 0.7), 1)
        y = TOP + BAR_AREA - height
        centre = round(index * slot + slot / 2)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="#1d70b8"></rect>'
            f'<text x="{centre}" y="{y - 4}" text-anchor="middle" font-size="14"'
            f' fill="#0b0c0c">{value}</text>'
            f'<text x="{centre}" y="{TOP + BAR_AREA + 20}" text-anchor="middle"'
            f' font-size="14" fill="#0b0c0c">{escape(label)}</text>'
        )
    parts.append("</svg>")
    # Every text put in the SVG above went through escape(); the rest are numbers.
    return Markup("".join(parts))  # noqa: S704
