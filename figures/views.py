"""The programme dashboard: staff see the programme, a coordinator their counties.

Every figure comes from the summary tables of figures.services (a fixed number of aggregate
queries, whatever the number of learners, cached per snapshot); the page says how fresh they are.
Below the "as of" line the page is a fragment cached under everything it shows (dashboard.html):
a view that finds it reads the names of the areas, tracks and courses (so a rename shows at once)
and renders nothing else of it.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from talentportal.queue import enqueue
from talentportal.spreadsheets import EXPORT_FORMATS, spreadsheet_response

from . import charts
from .columns import TABLES, Column, sort_rows, sort_state, table_sorted
from .forms import FigureFilterForm
from .services import CACHE_TIMEOUT, Figures, FigureScope, figure_scope_for, latest_snapshot

PAGE_SIZE = 50
# The skills competitions' and the technology officers' tables, in their own sections.
CONTEST_TABLES = ("contest_areas", "contest_gender", "contest_tracks")
FIELDWORK_TABLES = ("fieldwork", "projects")
TOP_AREAS_CHARTED = 15


def _scope(request: HttpRequest) -> FigureScope:
    scope = figure_scope_for(request.user)
    if scope is None:
        raise Http404
    return scope


def _figures(request: HttpRequest, scope: FigureScope):
    """(form, Figures or None when no snapshot exists yet). An area outside the scope is a 404."""
    form = FigureFilterForm(request.GET, scope=scope)
    form.is_valid()
    if form.area_refused():
        raise Http404
    snapshot = latest_snapshot()
    return form, Figures(snapshot=snapshot, scope=scope, filters=form.filters()) if snapshot else None


class _Links:
    """This page's URL with changes to its query (None removes a parameter), as QueryDict.copy()
    and urlencode() would write it (the changed parameters last). The query is encoded once for
    the ~60 links of a page."""

    def __init__(self, query: QueryDict):
        self.encoded = [
            (name, urlencode({name: value})) for name, values in query.lists() for value in values
        ]

    def __call__(self, **changes) -> str:
        parts = [part for name, part in self.encoded if name not in changes]
        parts += [urlencode({name: value}) for name, value in changes.items() if value is not None]
        return f"?{'&'.join(parts)}" if parts else "?"


class _Numbers:
    """Numbers as the templates show them (|intcomma, {{ percent }}%) in this request's language,
    the formats looked up once for the hundreds of numbers of a page."""

    def __init__(self):
        self.decimal, self.grouping, self.thousands = (
            get_format(name) for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
        )

    def number(self, value: int) -> str:
        if self.grouping == 3 or not self.thousands:  # English, and Chinese (no separator)
            return f"{value:,}".replace(",", self.thousands)
        return numberformat.format(
            value, self.decimal, grouping=self.grouping, thousand_sep=self.thousands, force_grouping=True
        )

    def percent(self, value: float) -> str:
        shown = numberformat.format(value, self.decimal, grouping=self.grouping, thousand_sep=self.thousands)
        return f"{shown}%"


def _body(rows: list[dict], columns: list[Column], numbers: _Numbers) -> SafeString:
    """The rows of a breakdown as the page shows them: the name (a link to drill down, a badge
    for a priority county), then the numbers ("—" where a rate has nothing to divide by).

    Built here rather than by loops in the template: with up to ~900 cells on a page, the
    template's loops cost more than everything else on it."""
    label = _("Priority")  # outside the f-string, where makemessages finds it
    priority = f' <span class="badge">{escape(label)}</span>'
    shown = {"text": escape, "number": numbers.number, "percent": numbers.percent}
    html = []
    for row in rows:
        name = escape(row["name"])
        if row.get("href"):
            name = f'<a href="{escape(row["href"])}">{name}</a>'
        html.append(f'<tr><th scope="row">{name}{priority if row.get("is_priority") else ""}</th>')
        for column in columns[1:]:
            value = row.get(column.key)
            html.append(f"<td>{'—' if value is None else shown[column.kind](value)}</td>")
        html.append("</tr>")
    return mark_safe("".join(html))  # the names and links are escaped, the numbers are digits


def _sorted(request: HttpRequest, name: str, rows: list[dict]) -> tuple[list[dict], str]:
    return table_sorted(name, request.GET.get(f"sort_{name}", ""), rows)


def _table(
    request: HttpRequest,
    links: _Links,
    numbers: _Numbers,
    name: str,
    figures: Figures,
    rows: list[dict] | None = None,
) -> dict:
    title, columns, source, paginated = TABLES[name]
    rows, sort = _sorted(request, name, source(figures) if rows is None else rows)
    page = None
    if paginated:
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(f"page_{name}"))
        rows = page.object_list
    headers = []
    for column in columns:
        state, next_sort = sort_state(column, sort)
        headers.append(
            {
                "column": column,
                "state": state,
                "href": links(**{f"sort_{name}": next_sort, f"page_{name}": None}),
            }
        )
    pager = None
    if page and page.has_other_pages():
        pager = {
            "page": page,
            "previous": links(**{f"page_{name}": page.previous_page_number()}) if page.has_previous() else "",
            "next": links(**{f"page_{name}": page.next_page_number()}) if page.has_next() else "",
        }
    return {
        "name": name,
        "title": title,
        "headers": headers,
        "rows": rows,
        "body": _body(rows, columns, numbers),
        "pager": pager,
    }


def _area_links(request: HttpRequest, links: _Links, figures: Figures, rows: list[dict]) -> None:
    kind = figures.area_kind()
    reset = {"page_areas": None, "sort_areas": request.GET.get("sort_areas")}
    for row in rows:
        if kind == "province":
            row["href"] = links(province=row["key"], prefecture=None, county=None, **reset)
        elif kind == "prefecture":
            row["href"] = links(prefecture=row["key"], county=None, **reset)
        elif not figures.filters.county:
            row["href"] = links(county=row["key"], **reset)


def _breadcrumbs(links: _Links, figures: Figures) -> list[tuple[str, str]]:
    filters = figures.filters
    crumbs = [
        (
            _("Programme") if figures.scope.is_programme else _("Your counties"),
            links(province=None, prefecture=None, county=None, page_areas=None),
        )
    ]
    if filters.province:
        crumbs.append((filters.province.name, links(prefecture=None, county=None, page_areas=None)))
    if filters.prefecture:
        crumbs.append((filters.prefecture.name, links(county=None, page_areas=None)))
    if filters.county:
        crumbs.append((filters.county.name, ""))
    return crumbs


def _charts(
    figures: Figures, headline: dict, weekly: list[dict], areas: list[dict], numbers: _Numbers
) -> dict:
    labels = [f"{row['week']:%m-%d}" for row in weekly]  # as |date:"m-d"
    first, last = (labels[0], labels[-1]) if labels else ("", "")
    top = sort_rows(areas, "completed", descending=True)[:TOP_AREAS_CHARTED]
    area_label = {"province": _("province"), "prefecture": _("prefecture"), "county": _("county")}[
        figures.area_kind()
    ]
    funnel_steps = [
        (_("Registered"), headline["learners"]),
        (_("Enrolled"), headline["learners_enrolled"]),
        (_("Completed"), headline["trained"]),
        (_("Certified"), headline["learners_certified"]),
        (_("Applied for a job"), headline["applied"]),
        (_("Hired"), headline["hired"]),
        (_("Placed"), headline["learners_placed"]),
    ]
    trained, target = headline["trained_to_date"], headline["target"]
    return {
        "weekly": charts.line_chart(
            title=_("Enrolments and completions per week"),
            desc=_(
                "Weekly enrolments and completions from the week of %(first)s to the week of %(last)s; "
                "the numbers are in the table below the chart."
            )
            % {"first": first, "last": last},
            labels=labels,
            series=[
                (_("Enrolments"), [row["enrolled"] for row in weekly]),
                (_("Completions"), [row["completed"] for row in weekly]),
            ],
        ),
        "target": charts.gauge(
            title=_("Progress towards the target"),
            desc=_("%(trained)s digital talents trained of a target of %(target)s (%(percent)s%%).")
            % {"trained": trained, "target": target, "percent": headline["target_percent"] or 0},
            value=trained,
            target=target,
            label=f"{headline['target_percent'] or 0}%",
        ),
        "areas": charts.bar_chart(
            title=_("Completions by %(area)s") % {"area": area_label},
            desc=_("Completions in the %(count)s %(area)s with the most; the numbers are in the table below.")
            % {"count": len(top), "area": area_label},
            items=[(row["name"], row["completed"]) for row in top],
        ),
        "funnel": charts.funnel(
            title=_("From registration to placement"),
            desc=", ".join(f"{label}: {value}" for label, value in funnel_steps),
            steps=funnel_steps,
        ),
        # The charts' numbers, for the tables beside them.
        "funnel_numbers": [(label, numbers.number(value)) for label, value in funnel_steps],
        "weekly_numbers": [
            (row["week"].isoformat(), numbers.number(row["enrolled"]), numbers.number(row["completed"]))
            for row in weekly
        ],
        "top_numbers": [(row["name"], numbers.number(row["completed"])) for row in top],
    }


class _Page:
    """What the page shows below the filters, built on first use: only when the fragment is not
    in the cache (the {% cache %} of dashboard.html, keyed by everything it shows)."""

    def __init__(self, request: HttpRequest, figures: Figures, links: _Links):
        self.request, self.figures, self.links = request, figures, links
        self.numbers = _Numbers()

    @cached_property
    def headline(self) -> dict[str, Any]:
        return self.figures.headline()

    @cached_property
    def weekly(self) -> list[dict]:
        return self.figures.weekly()

    @cached_property
    def areas(self) -> list[dict]:
        areas = self.figures.areas()
        _area_links(self.request, self.links, self.figures, areas)
        return areas

    @cached_property
    def tables(self) -> list[dict]:
        table = partial(_table, self.request, self.links, self.numbers)
        return [table("areas", self.figures, self.areas)] + [
            table(name, self.figures)
            for name in TABLES
            if name not in ("areas", *CONTEST_TABLES, *FIELDWORK_TABLES)
        ]

    @cached_property
    def contests(self) -> dict[str, Any]:
        return self.figures.contests()

    @cached_property
    def contest_tables(self) -> list[dict]:
        areas = self.figures.contest_areas()
        _area_links(self.request, self.links, self.figures, areas)
        table = partial(_table, self.request, self.links, self.numbers)
        return [table("contest_areas", self.figures, areas)] + [
            table(name, self.figures) for name in CONTEST_TABLES[1:]
        ]

    @cached_property
    def fieldwork(self) -> dict[str, Any]:
        return self.figures.fieldwork()

    @cached_property
    def fieldwork_tables(self) -> list[dict]:
        areas = self.figures.fieldwork_areas()
        _area_links(self.request, self.links, self.figures, areas)
        table = partial(_table, self.request, self.links, self.numbers)
        return [table("fieldwork", self.figures, areas), table("projects", self.figures)]

    @cached_property
    def fieldwork_chart(self) -> SafeString:
        statuses = [
            (_("Planned"), self.fieldwork["projects_planned"]),
            (_("Running"), self.fieldwork["projects_running"]),
            (_("Handed over"), self.fieldwork["projects_handed_over"]),
            (_("Ended"), self.fieldwork["projects_ended"]),
            (_("Stalled"), self.fieldwork["projects_stalled"]),
        ]
        return charts.bar_chart(
            title=_("County digital projects by status"),
            desc=", ".join(f"{label}: {value}" for label, value in statuses),
            items=statuses,
        )

    @cached_property
    def charts(self) -> dict:
        return _charts(self.figures, self.headline, self.weekly, self.areas, self.numbers)


@login_required
@require_GET
def dashboard(request):
    """Headline figures, charts and breakdowns for the scope and the filters in the URL."""
    scope = _scope(request)
    form, figures = _figures(request, scope)
    context: dict[str, Any] = {"form": form, "scope": scope, "figures": figures}
    if figures is not None:
        links = _Links(request.GET)
        context |= {
            "snapshot": figures.snapshot,
            "page": _Page(request, figures, links),
            "cache_timeout": CACHE_TIMEOUT,
            "target": settings.PROGRAMME_TARGET_LEARNERS,
            "crumbs": _breadcrumbs(links, figures),
            "query": request.GET.urlencode(),
        }
    return render(request, "figures/dashboard.html", context)


@login_required
@require_GET
def export(request, table: str, fmt: str):
    """One breakdown, whole (not paginated), as CSV or XLSX, with the page's filters and sort."""
    if table not in TABLES or fmt not in EXPORT_FORMATS:
        raise Http404
    scope = _scope(request)
    _form, figures = _figures(request, scope)
    if figures is None:
        raise Http404
    title, columns, source, _paginated = TABLES[table]
    rows, _sort = _sorted(request, table, source(figures))
    as_of = timezone.localtime(figures.snapshot.taken_at)
    headers = [_("Code") if table == "areas" else _("Key"), *(str(column.label) for column in columns)]

    def values():
        for row in rows:
            yield [row["key"], *(row.get(column.key) for column in columns)]

    return spreadsheet_response(
        fmt=fmt, filename=f"{title}-{as_of:%Y%m%d-%H%M}", headers=headers, rows=values()
    )


@login_required
@require_POST
def refresh(request):
    """Staff: queue a refresh of the figures now (the task also runs every 15 minutes)."""
    if not request.user.is_staff:
        raise Http404
    if enqueue("figures.tasks.refresh_figures"):
        messages.success(request, _("The figures are being refreshed: reload the page in a minute."))
    else:
        messages.error(request, _("The refresh could not be queued; the periodic refresh will run anyway."))
    return redirect("figures:dashboard")
