"""Geometry of the dashboard's charts, drawn by the templates as inline SVG (no script, no library).

Bars grow from the reading edge of the page: from the left in English, from the right in Arabic. Each chart
is shown with a table of the same figures, so the SVG only repeats what the table says.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

WIDTH = 640
LABEL = 220  # room for the labels
VALUE = 70  # room for the figure after the bar
ROW = 34
BAR = 22


@dataclass(frozen=True)
class BarRow:
    label: str
    value: int
    share: Decimal
    y: float
    text_y: float
    bar_x: float
    bar_width: float
    label_x: float
    label_anchor: str
    value_x: float
    value_anchor: str


def bar_chart(bars: list[Any], *, rtl: bool) -> dict[str, Any]:
    """Horizontal bars scaled to the largest value."""
    track = WIDTH - LABEL - VALUE
    largest = max((bar.value for bar in bars), default=0) or 1
    rows = []
    for index, bar in enumerate(bars):
        width = round(track * bar.value / largest, 1)
        y = index * ROW + (ROW - BAR) / 2
        if rtl:
            bar_x, label_x, value_x = WIDTH - LABEL - width, WIDTH - 4, WIDTH - LABEL - width - 6
        else:
            bar_x, label_x, value_x = LABEL, LABEL - 8, LABEL + width + 6
        rows.append(BarRow(label=bar.label, value=bar.value, share=bar.share, y=y, text_y=y + BAR / 2 + 5,
                           bar_x=bar_x, bar_width=width, label_x=label_x, label_anchor="end",
                           value_x=value_x, value_anchor="end" if rtl else "start"))
    return {"width": WIDTH, "height": max(len(rows), 1) * ROW, "rows": rows}


def gauge(ratio: Decimal, target: Decimal | None, *, rtl: bool) -> dict[str, Any]:
    """A 0–100 % track, the ratio filled in, the target marked with a line."""
    left, right, height = 10, WIDTH - 10, 56
    span = right - left

    def at(percent: Decimal) -> float:
        fraction = float(min(max(percent, Decimal(0)), Decimal(100))) / 100
        return round(right - span * fraction if rtl else left + span * fraction, 1)

    fill_end = at(ratio)
    return {
        "width": WIDTH, "height": height, "track_x": left, "track_width": span,
        "fill_x": min(fill_end, right) if rtl else left, "fill_width": round(abs(fill_end - (right if rtl else left)), 1),
        "target_x": at(target) if target is not None else None,
        "zero_x": right if rtl else left, "hundred_x": left if rtl else right,
    }
