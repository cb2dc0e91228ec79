"""Server-side SVG charts for the programme figures: line, bars, gauge and funnel.

Small inline SVG, no script, no fonts from elsewhere. Each chart is 360 units wide (a phone's
width: text keeps its size there) and scales with the page. Every chart is an image with a title
and a description for screen readers (``role="img"`` + ``aria-labelledby``); the page puts the
numbers in a table beside it as well. Built with f-strings, escaping only the text (labels,
titles): a page draws four charts, on each miss of its cached fragment.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
BRAND = "#0b6e4f"
ACCENT = "#c2620a"
MUTED = "#5b6b76"
LINE = "#d8e0e5"
FONT = 'font-family="system-ui,sans-serif" font-size="12"'
_ids = itertools.count(1)


def _number(value: float) -> str:
    return escape(
        number_format(value, decimal_pos=0 if float(value).is_integer() else 1, force_grouping=True)
    )


def _frame(*, title: str, desc: str, height: int, body: str) -> SafeString:
    """The chart's SVG around ``body`` (safe: escaped where it holds text)."""
    ident = f"chart{next(_ids)}"
    return mark_safe(  # the title and the description escaped, the rest is ours
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>{body}</svg>'
    )


def _nice_max(value: float) -> float:
    """A round number at least ``value`` for the top of an axis (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(
    *, title: str, desc: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> SafeString:
    """Lines over ``labels`` (weeks): up to two series, with a legend and a y axis from 0."""
    left, right, top, bottom = 40, 8, 24, 22
    height = 200
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    top_value = _nice_max(max((max(values, default=0) for _, values in series), default=0))
    count = max(len(labels), 1)

    def x(index: int) -> float:
        return round(left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2), 1)

    def y(value: float) -> float:
        return round(top + plot_h - plot_h * value / top_value, 1)

    parts = []
    for fraction in (0, 0.5, 1):
        value = top_value * fraction
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(value)}" y2="{y(value)}" stroke="{LINE}"/>'
            f'<text x="{left - 4}" y="{y(value) + 4}" text-anchor="end" fill="{MUTED}">'
            f"{_number(value)}</text>"
        )
    if labels:
        for index in sorted({0, count - 1}):
            anchor = "start" if index == 0 else "end"
            parts.append(
                f'<text x="{x(index)}" y="{height - 6}" text-anchor="{anchor}" fill="{MUTED}">'
                f"{escape(labels[index])}</text>"
            )
    for (name, values), colour, legend_x in zip(series, (BRAND, ACCENT), (left, left + 150), strict=False):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f'<rect x="{legend_x}" y="6" width="12" height="4" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="12">{escape(name)}</text>'
        )
    return _frame(title=title, desc=desc, height=height, body="".join(parts))


def bar_chart(*, title: str, desc: str, items: Sequence[tuple[str, float]]) -> SafeString:
    """Horizontal bars, one per item: the label above its bar, the value at the bar's end."""
    row = 34
    height = max(len(items), 1) * row + 4
    top_value = max((value for _, value in items), default=0) or 1
    bar_room = WIDTH - 60
    parts = []
    for index, (label, value) in enumerate(items):
        width = max(bar_room * value / top_value, 1)
        parts.append(
            f'<text x="0" y="{index * row + 12}">{escape(label)}</text>'
            f'<rect x="0" y="{index * row + 16}" width="{round(width, 1)}" height="12" '
            f'fill="{BRAND}" rx="2"/>'
            f'<text x="{round(width + 4, 1)}" y="{index * row + 27}" fill="{MUTED}">{_number(value)}</text>'
        )
    return _frame(title=title, desc=desc, height=height, body="".join(parts))


def gauge(*, title: str, desc: str, value: float, target: float, label: str) -> SafeString:
    """Progress towards a target: a filled bar with the percent reached and the target's end."""
    share = min(value / target, 1) if target else 0
    body = (
        f'<rect x="0" y="8" width="{WIDTH}" height="22" fill="{LINE}" rx="4"/>'
        f'<rect x="0" y="8" width="{round(WIDTH * share, 1)}" height="22" fill="{BRAND}" rx="4"/>'
        f'<text x="0" y="50" font-size="14" font-weight="700">{escape(label)}</text>'
        f'<text x="{WIDTH}" y="50" text-anchor="end" fill="{MUTED}">{_number(target)}</text>'
    )
    return _frame(title=title, desc=desc, height=58, body=body)


def funnel(*, title: str, desc: str, steps: Sequence[tuple[str, float]]) -> SafeString:
    """Steps as centred bars narrowing with the numbers; each with its share of the first."""
    row = 40
    height = max(len(steps), 1) * row
    first = steps[0][1] if steps else 0
    parts = []
    for index, (label, value) in enumerate(steps):
        width = max(WIDTH * value / first, 2) if first else 2
        share = f" · {value * 100 / first:.0f}%" if first and index else ""
        parts.append(
            f'<rect x="{round((WIDTH - width) / 2, 1)}" y="{index * row + 18}" width="{round(width, 1)}" '
            f'height="16" fill="{BRAND if index % 2 == 0 else ACCENT}" rx="2"/>'
            f'<text x="{WIDTH / 2}" y="{index * row + 13}" text-anchor="middle">'
            f"{escape(label)}: {_number(value)}{share}</text>"
        )
    return _frame(title=title, desc=desc, height=height, body="".join(parts))
