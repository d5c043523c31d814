"""A small bar chart drawn on the server (companion of line_chart.py): one bar per category,
its value written on top of it, so no axis needs reading. Pair it with its data as a table."""

from __future__ import annotations

from dataclasses import dataclass

from app.web.admin.line_chart import COLOURS, Plot, value_axis


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class BarChart(Plot):
    bars: tuple[Bar, ...]


def bar_chart(bars: list[tuple[str, int, int]], *, width: int = 680, height: int = 240) -> BarChart:
    """`bars`: (label, value, colour index into line_chart.COLOURS), left to right."""
    left, top, right, bottom = 44, 24, width - 16, height - 34
    y_at, y_ticks = value_axis(max((value for _, value, _ in bars), default=0), top, bottom)
    slot = (right - left) / max(len(bars), 1)
    return BarChart(
        width,
        height,
        left,
        top,
        right,
        bottom,
        y_ticks,
        bars=tuple(
            Bar(
                label,
                value,
                round(left + n * slot + slot * 0.15, 1),
                y_at(value),
                round(slot * 0.7, 1),
                round(bottom - y_at(value), 1),
                COLOURS[colour % len(COLOURS)],
            )
            for n, (label, value, colour) in enumerate(bars)
        ),
    )
