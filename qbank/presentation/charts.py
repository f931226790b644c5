"""The statistics page's pictures, drawn as inline SVG from plain values.

Each chart scales with its ``viewBox``; its colours come from classes (``heat-3``,
``ink-muted``, ``track``, ``fill``...) styled in static/css/qbank.css with the site's own
colour variables, which a strict ``style-src 'self'`` policy allows; each sums
up its data in an ``aria-label``, since a screen reader reads an ``role="img"`` as one
thing; every piece of text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# From "no reviews" to "busiest day": the app's blue, lightest to darkest.
HEAT_LEVELS = 5  # the heatmap's shades, from none to the busiest days: heat-0 to heat-4

HEAT_CELL = 10
HEAT_PITCH = 12  # cell plus gap
HEAT_LEFT = 28  # room for weekday names
HEAT_TOP = 16  # room for month names


def long_date(day: date) -> str:
    """Say a date the way the page does: "3 March 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _day_and_month(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _num(value: float) -> str:
    """A coordinate, short: 12, 12.5, never 12.500000001."""
    return f"{value:.1f}".removesuffix(".0")


def _svg(
    css_class: str,
    width: float,
    height: float,
    label: str,
    parts: list[str],
    title: str | None = None,
) -> Markup:
    """An ``role="img"`` chart; ``title`` gives it a ``<title>`` (a tooltip) and the label
    (its figures, for a screen reader) also goes in a ``<desc>``."""
    named = f"<title>{escape(title)}</title><desc>{escape(label)}</desc>" if title else ""
    return Markup(
        f'<svg xmlns="{SVG_NS}" class="chart {css_class}" viewBox="0 0 {_num(width)} '
        f'{_num(height)}" role="img" aria-label="{escape(label)}">{named}{"".join(parts)}</svg>'
    )


def _text(
    x: float, y: float, content: str, size: int = 10, anchor: str = "start", **attrs: str
) -> str:
    extra = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(v)}"' for name, v in attrs.items()
    )
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}"'
        f"{extra}>{escape(content)}</text>"
    )


def heat_thresholds(counts: Iterable[int]) -> tuple[int, int, int]:
    """Split the days with reviews into four shades with about as many days in each.

    Quartiles, as GitHub shades contributions: one cramming day before an exam does not
    wash every other day out to the palest colour, as scaling to the busiest day would.
    """
    busy = sorted(n for n in counts if n > 0)
    if not busy:
        return (0, 0, 0)
    q1, q2, q3 = (busy[max(0, math.ceil(len(busy) * k / 4) - 1)] for k in (1, 2, 3))
    return (q1, q2, q3)


def heat_level(count: int, thresholds: tuple[int, int, int]) -> int:
    """Return the shade, 0 (no reviews) to 4, of a day with ``count`` reviews."""
    if count <= 0:
        return 0
    return 1 + sum(count > t for t in thresholds)


def year_heatmap(counts: Mapping[date, int], last_day: date, days: int = 365) -> Markup:
    """Draw reviews per day as a grid: a column per week, Monday on top, ``last_day`` last."""
    first = last_day - timedelta(days=days - 1)
    first_monday = first - timedelta(days=first.weekday())
    columns = (last_day - first_monday).days // 7 + 1
    shown = [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)
    ]
    busiest_day, busiest = max(shown, key=lambda item: (item[1], item[0]))
    thresholds = heat_thresholds(n for _, n in shown)
    total = sum(n for _, n in shown)
    active = sum(1 for _, n in shown if n > 0)

    width = HEAT_LEFT + columns * HEAT_PITCH
    grid_bottom = HEAT_TOP + 7 * HEAT_PITCH
    height = grid_bottom + 18
    parts = [
        _text(0, HEAT_TOP + row * HEAT_PITCH + 8.5, name, size=10, class_="ink-muted")
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    ]
    parts += [
        _text(
            HEAT_LEFT + col * HEAT_PITCH,
            10,
            MONTHS[month - 1][:3],
            9,
            class_="month ink-muted",
        )
        for col, month in _month_labels(first, first_monday, columns)
    ]
    for day, n in shown:
        col, row = (day - first_monday).days // 7, day.weekday()
        level = heat_level(n, thresholds)
        tip = (
            f"No reviews on {long_date(day)}"
            if n == 0
            else f"{_plural(n, 'review')} on {long_date(day)}"
        )
        today = " today" if day == last_day else ""
        parts.append(
            f'<rect class="day heat-{level}{today}" data-date="{day.isoformat()}" '
            f'x="{HEAT_LEFT + col * HEAT_PITCH}" y="{HEAT_TOP + row * HEAT_PITCH}" '
            f'width="{HEAT_CELL}" height="{HEAT_CELL}" rx="2">'
            f"<title>{escape(tip)}</title></rect>"
        )
    parts += _heat_legend(width, grid_bottom + 6)

    if total == 0:
        label = f"Reviews per day over the last {days} days: no reviews yet."
    else:
        label = (
            f"Reviews per day over the last {days} days: {_plural(total, 'review')} on "
            f"{_plural(active, 'day')}; the busiest was {long_date(busiest_day)} with {busiest:,}."
        )
    return _svg("chart-heatmap", width, height, label, parts)


def _month_labels(first: date, first_monday: date, columns: int) -> list[tuple[int, int]]:
    """Columns where a month begins, as (column, month); none crowded against the next."""
    labels: list[tuple[int, int]] = []
    for col in range(columns):
        monday = first_monday + timedelta(weeks=col)
        if col == 0:
            labels.append((0, max(monday, first).month))
        elif monday.month != (monday - timedelta(weeks=1)).month:
            labels.append((col, monday.month))
    if len(labels) > 1 and labels[1][0] - labels[0][0] < 3:
        labels.pop(0)  # the partial first month would overlap the next name
    if labels and labels[-1][0] > columns - 3:
        labels.pop()  # a month just begun has no room for its name before the edge
    return labels


def _heat_legend(width: float, top: float) -> list[str]:
    right = width - 28
    left = right - HEAT_LEVELS * HEAT_PITCH
    parts = [_text(left - 4, top + 8.5, "Less", size=10, anchor="end", class_="ink-muted")]
    parts += [
        f'<rect x="{_num(left + i * HEAT_PITCH)}" y="{_num(top)}" width="{HEAT_CELL}" '
        f'height="{HEAT_CELL}" rx="2" class="heat-{i}"/>'
        for i in range(HEAT_LEVELS)
    ]
    parts.append(_text(right + 2, top + 8.5, "More", size=10, class_="ink-muted"))
    return parts


def nice_ceiling(value: int) -> int:
    """Round ``value`` up to a round number for the top of an axis: 1 to 10, 20, 30, 40 ..."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover  (the loop always returns)


def due_forecast_chart(due: Sequence[int], first_day: date) -> Markup:
    """Draw reviews due per day as bars; ``due[0]`` is ``first_day``, overdue included."""
    width, height = 320, 160
    left, right, top, bottom = 30, 6, 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(due), 1)
    scale_top = nice_ceiling(max(due, default=0))
    base = top + plot_h

    parts = []
    ticks = [0, scale_top // 2, scale_top] if scale_top % 2 == 0 else [0, scale_top]
    for tick in ticks:
        y = base - plot_h * tick / scale_top
        parts.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" class="grid"/>'
        )
        parts.append(_text(left - 4, y + 3.5, f"{tick:,}", anchor="end", class_="ink-muted"))
    for i, n in enumerate(due):
        day = first_day + timedelta(days=i)
        centre = left + slot * (i + 0.5)
        if i % 7 == 0:
            name = "Today" if i == 0 else f"{day.day} {MONTHS[day.month - 1][:3]}"
            parts.append(_text(centre, height - 6, name, anchor="middle", class_="ink-muted"))
        if n <= 0:
            continue
        when = "Today" if i == 0 else _day_and_month(day)
        tip = f"{when}: {_plural(n, 'review')} due" + (", overdue included" if i == 0 else "")
        bar_h = max(1.0, plot_h * n / scale_top)
        parts.append(
            f'<rect class="bar" data-count="{n}" x="{_num(centre - slot * 0.35)}" '
            f'y="{_num(base - bar_h)}" width="{_num(slot * 0.7)}" height="{_num(bar_h)}" '
            f'rx="1.5"><title>{escape(tip)}</title></rect>'
        )

    total = sum(due)
    if total == 0:
        label = f"Reviews due over the next {len(due)} days: none."
    else:
        peak = max(range(len(due)), key=lambda i: (due[i], -i))
        label = (
            f"Reviews due over the next {len(due)} days: {total:,} in all, {due[0]:,} today "
            f"counting overdue; the busiest day is "
            f"{'today' if peak == 0 else _day_and_month(first_day + timedelta(days=peak))} "
            f"with {due[peak]:,}."
        )
    return _svg("chart-forecast", width, height, label, parts)


def share_bars(
    rows: Sequence[tuple[str, int, int]],
    title: str,
    noun: str = "answer",
    target: float | None = None,
    decimals: int = 0,
) -> Markup:
    """Draw one bar per (label, part, whole) row, filled to part/whole.

    ``target``, a share between 0 and 1, marks each bar with a tick where it should reach.
    """
    width, row_h, font = 320, 34, 12
    parts = []
    summaries = []
    for i, (label, part, whole) in enumerate(rows):
        share = part / whole if whole else 0.0
        figure = f"{share * 100:.{decimals}f}% of {whole:,}"
        summaries.append(f"{label} {share * 100:.{decimals}f}% of {_plural(whole, noun)}")
        y = i * row_h
        # Leave the figure its room: about 0.6 em a character at this size.
        room = int((width - (len(figure) + 2) * font * 0.6) / (font * 0.6))
        name = label if len(label) <= room else label[: max(room - 1, 1)] + "…"
        parts.append(
            f'<g class="share"><title>{escape(f"{label}: {part:,} of {_plural(whole, noun)}")}'
            "</title>"
            + _text(0, y + 13, name, size=font, class_="ink")
            + _text(width, y + 13, figure, size=font, anchor="end", class_="ink-muted")
            + f'<rect class="track" x="0" y="{y + 18}" width="{width}" height="10" rx="3"/>'
            + f'<rect class="fill" x="0" y="{y + 18}" width="{_num(width * share)}" height="10" '
            'rx="3"/>'
            + (
                f'<line class="target" x1="{_num(width * target)}" y1="{y + 15}" '
                f'x2="{_num(width * target)}" y2="{y + 31}"/>'
                if target is not None
                else ""
            )
            + "</g>"
        )
    label = f"{title}: " + ("; ".join(summaries) if summaries else "no data yet")
    if target is not None:
        label += f"; target {target * 100:.0f}%"
    return _svg("chart-bars", width, max(len(rows) * row_h, 1), label + ".", parts)


def describe_duration(milliseconds: int) -> str:
    """Say time spent briefly: "0 min", "45 s", "12 min", "3 h 05 min", "34 h"."""
    seconds = max(0, milliseconds) // 1000
    if seconds == 0:
        return "0 min"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 10 * 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 3600:,} h"  # minutes are noise beside ten hours and more


def workload_chart(points: Sequence[tuple[float, float, float]]) -> Markup:
    """Bars of daily reviews for each desired retention: (retention, reviews/day, remembered)."""
    width, row_h, font = 320, 34, 12
    top = max((reviews for _, reviews, _ in points), default=0) or 1
    parts = []
    for i, (retention, reviews, remembered) in enumerate(points):
        y = i * row_h
        figure = f"{reviews:.0f} a day · {remembered:,.0f} known"
        parts.append(
            f'<g class="share"><title>{escape(f"Retention {retention:.2f}: {figure}")}</title>'
            + _text(0, y + 13, f"{retention:.2f}", size=font, class_="ink")
            + _text(width, y + 13, figure, size=font, anchor="end", class_="ink-muted")
            + f'<rect class="track" x="0" y="{y + 18}" width="{width}" height="10" rx="3"/>'
            + f'<rect class="fill" x="0" y="{y + 18}" width="{_num(width * reviews / top)}" '
            'height="10" rx="3"/></g>'
        )
    label = "Daily reviews by desired retention: " + "; ".join(
        f"{r:.2f}: {rev:.0f} reviews a day, {mem:,.0f} cards remembered" for r, rev, mem in points
    )
    return _svg("chart-bars", width, max(len(points) * row_h, 1), label + ".", parts)


class CurveMark(NamedTuple):
    """A moment marked on a forgetting curve: "Today", "Due", "Exam"."""

    name: str
    days: float  # after the last review
    chance: float  # of recall then, 0 to 1
    day: date


def _axis_step(raw: float) -> float:
    """The round step (1, 2 or 5 times a power of ten) at least ``raw``."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if raw <= m * power)


def _percent(chance: float) -> str:
    return f"{chance * 100:.0f}%"


def forgetting_curve(
    curve: Sequence[tuple[float, float]],
    last_review: date,
    target: float,
    marks: Sequence[CurveMark],
) -> Markup:
    """Draw the chance of recall against days since the last review, ``curve`` being
    (days, chance) points, with a dashed line at the ``target`` retention and a line at
    each mark (today, the due day), named above the plot."""
    width, height = 320, 180
    left, right, bottom = 34, 8, 20
    top = 8 + 12 * len(marks)  # a row of names per mark, so close marks never overlap
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h
    span = max((days for days, _ in curve), default=1.0) or 1.0
    lowest = min([chance for _, chance in curve] + [target] + [m.chance for m in marks])
    step = 0.1 if lowest >= 0.55 else 0.2
    floor = max(0.0, 1 - step * math.ceil((1 - max(lowest - 0.05, 0.0)) / step - 1e-9))

    def x(days: float) -> float:
        return left + plot_w * min(days, span) / span

    def y(chance: float) -> float:
        return base - plot_h * (chance - floor) / (1 - floor)

    parts = []
    tick = 1.0
    while tick >= floor - 1e-9:
        parts.append(
            f'<line x1="{left}" y1="{_num(y(tick))}" x2="{width - right}" y2="{_num(y(tick))}" '
            'class="grid"/>'
        )
        parts.append(
            _text(left - 4, y(tick) + 3.5, _percent(tick), anchor="end", class_="ink-muted")
        )
        tick -= step
    if span < 2:  # a learning card: hours
        hours = _axis_step(span * 24 / 4)
        ticks = [(h / 24, f"{h:g} h") for h in _steps(span * 24, hours)]
    else:
        days_step = _axis_step(span / 4)
        ticks = [(d, f"{d:g} d") for d in _steps(span, days_step)]
    for days, name in ticks:
        parts.append(_text(x(days), height - 6, name, anchor="middle", class_="ink-muted"))

    end_chance = curve[-1][1] if curve else target
    parts.append(
        f'<line class="grid target-line" x1="{left}" y1="{_num(y(target))}" '
        f'x2="{width - right}" y2="{_num(y(target))}" stroke-dasharray="4 3"/>'
    )
    label_y = y(target) - 3 if end_chance < target else y(target) + 10
    parts.append(
        _text(width - right, label_y, f"Target {_percent(target)}", 9, "end", class_="ink-muted")
    )
    if curve:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{_num(x(days))},{_num(y(chance))}"
            for i, (days, chance) in enumerate(curve)
        )
        parts.append(f'<path class="curve" d="{path}"/>')

    for row, mark in enumerate(marks):
        mx, my = x(mark.days), y(mark.chance)
        name_y = 9 + 12 * row
        anchor = "end" if mx > left + plot_w * 0.75 else "start"
        shift = -3 if anchor == "end" else 3
        dash = "" if row == 0 else ' stroke-dasharray="2 2"'
        tip = f"{mark.name}, {long_date(mark.day)}: {_percent(mark.chance)} chance of recall"
        parts.append(
            f'<g class="mark" data-mark="{escape(mark.name)}"><title>{escape(tip)}</title>'
            f'<line class="today" x1="{_num(mx)}" y1="{_num(name_y + 3)}" x2="{_num(mx)}" '
            f'y2="{_num(base)}"{dash}/>'
            f'<circle class="bar" cx="{_num(mx)}" cy="{_num(my)}" r="3.5"/>'
            + _text(
                mx + shift, name_y, f"{mark.name} {_percent(mark.chance)}", 10, anchor, class_="ink"
            )
            + "</g>"
        )

    figures = "; ".join(
        f"{mark.name.lower()} ({long_date(mark.day)}) {_percent(mark.chance)}" for mark in marks
    )
    label = (
        f"Chance of recall since your last review on {long_date(last_review)}, against your "
        f"target of {_percent(target)}: {figures or 'no figures'}"
    )
    if curve:
        label += f"; {_percent(end_chance)} after {_days(curve[-1][0])}"
    return _svg("chart-curve", width, height, label + ".", parts, title="Forgetting curve")


def _steps(end: float, step: float) -> list[float]:
    count = int(end / step + 1e-9)
    return [round(step * i, 6) for i in range(count + 1)]


def _days(days: float) -> str:
    if days < 2:
        return _plural(round(days * 24), "hour")
    return _plural(round(days), "day")
