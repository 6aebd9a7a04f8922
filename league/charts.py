"""Line charts as inline SVG, computed here (no JavaScript, no chart library): a running total
over a period, drawn as steps. Pure Python; the template only places the numbers."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Tick:
    value: object  # a number on the y axis, a date on the x axis
    position: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    line: str  # SVG polyline points
    area: str  # the same line closed along the x axis
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    total: int
    empty: bool

    @property
    def bottom(self) -> int:
        return self.top + self.plot_height

    @property
    def right(self) -> int:
        return self.left + self.plot_width


def nice_ceiling(value: int) -> tuple[int, int]:
    """An axis maximum ≥ value and its tick step: the step is 1, 2 or 5 × 10^k, the smallest
    that needs at most five steps, and the maximum the first multiple of it that covers value."""
    if value <= 0:
        return 4, 1
    magnitude = 10 ** max(0, math.floor(math.log10(value / 5)))
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        steps = -(-value // step)
        if steps <= 5:
            return steps * step, step
    return step * 5, step  # pragma: no cover - factor 10 always fits


def month_starts(start: date, end: date) -> list[date]:
    first = date(start.year, start.month, 1)
    if first < start:
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    months = []
    while first <= end:
        months.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return months


def running_total(
    changes: Iterable[tuple[date, int]],
    start: date,
    end: date,
    until: date | None = None,
    *,
    width: int = 640,
    height: int = 220,
) -> LineChart:
    """The running total of `changes` (day, amount) from `start` to `end`, drawn up to `until`
    (today, within the period). Changes before `start` count from the start."""
    left, top, right_pad, bottom_pad = 44, 12, 12, 28
    plot_width, plot_height = width - left - right_pad, height - top - bottom_pad
    until = min(max(until or end, start), end)
    days = max((end - start).days, 1)

    per_day: dict[date, int] = {}
    for day, amount in changes:
        day = max(day, start)
        if day <= until:
            per_day[day] = per_day.get(day, 0) + amount
    steps, total, peak = [], 0, 0
    for day in sorted(per_day):
        total += per_day[day]
        steps.append((day, total))
        peak = max(peak, total)
    y_max, y_step = nice_ceiling(peak)

    def x(day: date) -> float:
        return round(left + (day - start).days / days * plot_width, 1)

    def y(value: int) -> float:
        return round(top + plot_height - max(value, 0) / y_max * plot_height, 1)

    points, current = [(x(start), y(0))], 0
    for day, value in steps:
        points.append((x(day), y(current)))
        points.append((x(day), y(value)))
        current = value
    points.append((x(until), y(current)))
    line = " ".join(f"{px},{py}" for px, py in points)
    area = f"{line} {x(until)},{y(0)} {x(start)},{y(0)}"
    return LineChart(
        width=width,
        height=height,
        left=left,
        top=top,
        plot_width=plot_width,
        plot_height=plot_height,
        line=line,
        area=area,
        x_ticks=tuple(Tick(month, x(month)) for month in month_starts(start, end)),
        y_ticks=tuple(Tick(value, y(value)) for value in range(0, y_max + 1, y_step)),
        total=total,
        empty=not steps,
    )
