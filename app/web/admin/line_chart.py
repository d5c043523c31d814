"""A small line chart drawn on the server: the geometry an SVG template needs, no script.

Each series gets a colour that reads on white (≥ 4.5:1), its own dash pattern and its name
written at its last point, so neither colour nor a legend is needed to tell the lines apart.
A week without a value leaves a gap in its line. Pair every chart with its data as a table.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

COLOURS = ("#005bd3", "#a64b00", "#0c7a43", "#8e1f9e", "#303030")
DASHES = ("", "7 4", "2 4", "10 4 2 4", "4 2")
LABEL_GAP = 14  # px between the names written at the lines' ends


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    dash: str
    paths: tuple[str, ...]  # one SVG path per unbroken run of values
    points: tuple[tuple[float, float, str], ...]  # (x, y, "week: value") of every value
    label_y: float | None  # where its name is written, beside its last point


@dataclass(frozen=True)
class Plot:
    """What every chart here has: the SVG's size, the plotting area's edges and the value
    axis's ticks (y, label), drawn by `_charts.html`'s `plot_open`."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    y_ticks: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class Chart(Plot):
    x_ticks: tuple[tuple[float, str], ...]
    lines: tuple[Line, ...]
    label_x: float


def _number(value: float) -> str:
    return f"{value:g}"


def value_axis(highest: float, top: int,
               bottom: int) -> tuple[Callable[[float], float], tuple[tuple[float, str], ...]]:
    """The value axis from 0 to above the highest value, drawn from `bottom` up to `top`: where
    a value stands (y), and the ticks (y, label), at most nine."""
    y_max = max(math.ceil(highest) + 1, 2)
    step = 1 if y_max <= 8 else math.ceil(y_max / 8)

    def y_at(value: float) -> float:
        return round(bottom - (bottom - top) * value / y_max, 1)

    return y_at, tuple((y_at(v), str(v)) for v in range(0, y_max + 1, step))


def line_chart(x_labels: list[str], series: Sequence[tuple[str, Sequence[float | None]]], *, width: int = 680,
               height: int = 260, every_nth_label: int = 2) -> Chart:
    left, top, right, bottom = 44, 24, width - 150, height - 34
    highest = max((v for _, values in series for v in values if v is not None), default=0)
    y_at, y_ticks = value_axis(highest, top, bottom)
    x_step = (right - left) / max(len(x_labels) - 1, 1)

    def x_at(n: int) -> float:
        return round(left + n * x_step, 1)

    lines = []
    for index, (name, values) in enumerate(series):
        runs: list[list[tuple[float, float]]] = []
        run: list[tuple[float, float]] = []
        points: list[tuple[float, float, str]] = []
        for n, value in enumerate(values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append((x_at(n), y_at(value)))
            points.append((x_at(n), y_at(value), f"{x_labels[n]}: {_number(value)}"))
        if run:
            runs.append(run)
        paths = tuple("M" + " L".join(f"{x},{y}" for x, y in one) for one in runs)
        lines.append(Line(name, COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)], paths,
                          tuple(points),
                          points[-1][1] if points else None))
    return Chart(width, height, left, top, right, bottom, y_ticks,
                 x_ticks=tuple((x_at(n), label) for n, label in enumerate(x_labels)
                               if n % every_nth_label == 0 or n == len(x_labels) - 1),
                 lines=_spread_labels(lines, top, bottom), label_x=right + 10)


def _spread_labels(lines: list[Line], top: float, bottom: float) -> tuple[Line, ...]:
    """Move the names at the lines' ends apart where they would overlap."""
    placed = sorted(((line.label_y, line.name) for line in lines if line.label_y is not None),
                    key=lambda pair: pair[0])
    ys: dict[str, float] = {}
    floor = top
    for label_y, name in placed:
        y = max(label_y, floor)
        ys[name] = y
        floor = y + LABEL_GAP
    overflow = floor - LABEL_GAP - bottom
    if overflow > 0:  # pushed below the plot: shift all up
        ys = {name: y - overflow for name, y in ys.items()}
    return tuple(Line(line.name, line.colour, line.dash, line.paths, line.points, ys.get(line.name))
                 for line in lines)
