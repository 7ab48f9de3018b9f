"""Clicks per day as a server-rendered SVG bar chart: no script, no inline style (CSP).

Colours are presentation attributes and classes from console.css; every bar has a
``<title>`` (its day and count) and the chart has a text alternative, for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markupsafe import Markup, escape

from hop_console.models import DailyClicks

__all__ = ["clicks_chart"]

WIDTH: Final = 720
HEIGHT: Final = 220
_LEFT: Final = 40
_BOTTOM: Final = 24
_TOP: Final = 10


def clicks_chart(daily: Sequence[DailyClicks]) -> Markup:
    """Return an SVG of human clicks per day (bots stacked on top, in another colour)."""
    total = sum(day.clicks for day in daily)
    label = f"Clicks per day: {total} human clicks over {len(daily)} days."
    highest = max((day.clicks + day.bot_clicks for day in daily), default=0) or 1
    plot_height = HEIGHT - _BOTTOM - _TOP
    slot = (WIDTH - _LEFT) / max(len(daily), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{_LEFT}" y1="{HEIGHT - _BOTTOM}" x2="{WIDTH}" '
        f'y2="{HEIGHT - _BOTTOM}"/>',
        f'<text class="tick" x="{_LEFT - 6}" y="{_TOP + 10}" text-anchor="end">{highest}</text>',
        f'<text class="tick" x="{_LEFT - 6}" y="{HEIGHT - _BOTTOM}" text-anchor="end">0</text>',
    ]
    for index, day in enumerate(daily):
        x = _LEFT + index * slot + slot * 0.1
        width = max(slot * 0.8, 1.0)
        human = plot_height * day.clicks / highest
        bots = plot_height * day.bot_clicks / highest
        base = HEIGHT - _BOTTOM
        title = f"{day.date}: {day.clicks} clicks, {day.bot_clicks} by bots"
        parts.append(f"<g><title>{escape(title)}</title>")
        parts.append(_bar("bar", x, base - human, width, human))
        parts.append(_bar("bar-bots", x, base - human - bots, width, bots))
        parts.append("</g>")
    parts.extend(_day_labels(daily, slot))
    parts.append("</svg>")
    # Every text part above is a number or went through escape().
    return Markup("".join(parts))  # noqa: S704


def _bar(kind: str, x: float, y: float, width: float, height: float) -> str:
    if height <= 0:
        return ""
    return (
        f'<rect class="{kind}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}"/>'
    )


def _day_labels(daily: Sequence[DailyClicks], slot: float) -> list[str]:
    if not daily:
        return []
    step = max(len(daily) // 6, 1)
    labels = []
    for index in range(0, len(daily), step):
        x = _LEFT + index * slot + slot / 2
        text = daily[index].date.strftime("%b %d")
        labels.append(
            f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{text}</text>'
        )
    return labels
