"""Server-side SVG charts for the programme figures: line, bars, gauge and funnel.

Small inline SVG, no script, no fonts from elsewhere. Each chart is 360 units wide (a phone's
width: text keeps its size there) and scales with the page. Every chart is an image with a title
and a description for screen readers (``role="img"`` + ``aria-labelledby``); the page puts the
numbers in a table beside it as well.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
BRAND = "#0b6e4f"
ACCENT = "#c2620a"
MUTED = "#5b6b76"
LINE = "#d8e0e5"
FONT = 'font-family="system-ui,sans-serif" font-size="12"'
_ids = itertools.count(1)


def _number(value: float) -> str:
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1, force_grouping=True)


def _frame(*, title: str, desc: str, height: int, body: SafeString) -> SafeString:
    ident = f"chart{next(_ids)}"
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{i}-t {i}-d" '
        'xmlns="http://www.w3.org/2000/svg" ' + FONT + '><title id="{i}-t">{title}</title>'
        '<desc id="{i}-d">{desc}</desc>{body}</svg>',
        w=WIDTH,
        h=height,
        i=ident,
        title=title,
        desc=desc,
        body=body,
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
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                left,
                WIDTH - right,
                y(value),
                y(value),
                LINE,
                left - 4,
                y(value) + 4,
                MUTED,
                _number(value),
            )
        )
    if labels:
        for index in sorted({0, count - 1}):
            anchor = "start" if index == 0 else "end"
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="{}" fill="{}">{}</text>',
                    x(index),
                    height - 6,
                    anchor,
                    MUTED,
                    labels[index],
                )
            )
    for (name, values), colour, legend_x in zip(series, (BRAND, ACCENT), (left, left + 150), strict=False):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>'
                '<rect x="{}" y="6" width="12" height="4" fill="{}"/><text x="{}" y="12">{}</text>',
                points,
                colour,
                legend_x,
                colour,
                legend_x + 16,
                name,
            )
        )
    return _frame(title=title, desc=desc, height=height, body=mark_safe("".join(parts)))


def bar_chart(*, title: str, desc: str, items: Sequence[tuple[str, float]]) -> SafeString:
    """Horizontal bars, one per item: the label above its bar, the value at the bar's end."""
    row = 34
    height = max(len(items), 1) * row + 4
    top_value = max((value for _, value in items), default=0) or 1
    bar_room = WIDTH - 60
    rows = format_html_join(
        "",
        '<text x="0" y="{}">{}</text><rect x="0" y="{}" width="{}" height="12" fill="{}" rx="2"/>'
        '<text x="{}" y="{}" fill="{}">{}</text>',
        (
            (
                index * row + 12,
                label,
                index * row + 16,
                round(max(bar_room * value / top_value, 1), 1),
                BRAND,
                round(max(bar_room * value / top_value, 1) + 4, 1),
                index * row + 27,
                MUTED,
                _number(value),
            )
            for index, (label, value) in enumerate(items)
        ),
    )
    return _frame(title=title, desc=desc, height=height, body=rows)


def gauge(*, title: str, desc: str, value: float, target: float, label: str) -> SafeString:
    """Progress towards a target: a filled bar with the percent reached and the target's end."""
    share = min(value / target, 1) if target else 0
    body = format_html(
        '<rect x="0" y="8" width="{w}" height="22" fill="{line}" rx="4"/>'
        '<rect x="0" y="8" width="{fill}" height="22" fill="{brand}" rx="4"/>'
        '<text x="0" y="50" font-size="14" font-weight="700">{label}</text>'
        '<text x="{w}" y="50" text-anchor="end" fill="{muted}">{target}</text>',
        w=WIDTH,
        line=LINE,
        fill=round(WIDTH * share, 1),
        brand=BRAND,
        label=label,
        muted=MUTED,
        target=_number(target),
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
            format_html(
                '<rect x="{}" y="{}" width="{}" height="16" fill="{}" rx="2"/>'
                '<text x="{}" y="{}" text-anchor="middle">{}: {}{}</text>',
                round((WIDTH - width) / 2, 1),
                index * row + 18,
                round(width, 1),
                BRAND if index % 2 == 0 else ACCENT,
                WIDTH / 2,
                index * row + 13,
                label,
                _number(value),
                share,
            )
        )
    return _frame(title=title, desc=desc, height=height, body=mark_safe("".join(parts)))
