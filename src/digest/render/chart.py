"""A small bar chart as inline SVG: no script, no external resource, the same bytes each time.

The chart is an image for the eye (``role="img"`` with a ``<title>`` and a ``<desc>``
that says what it shows); the page gives the same figures as a table for everyone
else. Coordinates are whole tenths written with a fixed format, so a chart of the
same figures is always the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Size of the drawing (the viewBox): it scales to the page's width.
WIDTH = 640
HEIGHT = 160
#: Room for the axis labels.
_LEFT, _RIGHT, _TOP, _BOTTOM = 28, 8, 10, 24


@dataclass(frozen=True)
class Bar:
    """One period of the chart."""

    #: The short label under the bar (only some are written: first, last, every few).
    label: str
    value: int


def _n(value: float) -> str:
    """A coordinate with at most one decimal, never ``-0``: ``12``, ``12.5``."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """An SVG bar chart of ``bars`` (oldest first), labelled for assistive technology.

    Args:
        chart_id: unique on the page; prefixes the ids of ``<title>`` and ``<desc>``.
        title: what the chart is (its accessible name).
        description: what it shows, in words (its accessible description).
    """
    top = max((bar.value for bar in bars), default=0) or 1
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    step = plot_w / max(len(bars), 1)
    gap = min(2.0, step / 4)
    base = _TOP + plot_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line class="axis" x1="{_LEFT}" y1="{base}" x2="{WIDTH - _RIGHT}" y2="{base}"/>',
        f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{top}</text>',
        f'<text x="{_LEFT - 4}" y="{base}" text-anchor="end">0</text>',
    ]
    every = max(1, len(bars) // 6)
    for index, bar in enumerate(bars):
        x = _LEFT + index * step
        height = plot_h * bar.value / top
        if bar.value:
            parts.append(
                f'<rect class="bar" x="{_n(x + gap / 2)}" y="{_n(base - height)}" '
                f'width="{_n(step - gap)}" height="{_n(height)}"/>'
            )
        if index % every == 0 or index == len(bars) - 1:
            if index != len(bars) - 1 and len(bars) - 1 - index < every:
                continue  # too close to the last label
            parts.append(
                f'<text x="{_n(x + step / 2)}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
