"""The programme dashboard: staff see the programme, a coordinator their counties.

Every figure comes from the summary tables of enrollment.figures (a fixed number of small
aggregate queries, whatever the number of learners); the page says how fresh they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from counties.exports import EXPORT_FORMATS, spreadsheet_response
from talentportal import pagecache
from talentportal.queue import enqueue

from . import figures_charts as charts
from . import tasks
from .figures import Figures, FigureScope, figure_scope_for, latest_snapshot, sort_rows
from .figures_forms import FigureFilterForm

PAGE_SIZE = 50
TOP_AREAS_CHARTED = 15
# The figures change only when a refresh (every 15 minutes) bumps the "figures" stamp; the
# timeout is a safety net for what no stamp covers (e.g. renamed counties).
PAGE_CACHE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "number"  # "text", "number" or "percent"


def _columns(*keys: str) -> list[Column]:
    known = {
        "name": Column("name", gettext_lazy("Name"), "text"),
        "track": Column("track", gettext_lazy("Track"), "text"),
        "learners": Column("learners", gettext_lazy("Learners")),
        "women_share": Column("women_share", gettext_lazy("Women (%)"), "percent"),
        "active": Column("active", gettext_lazy("Active in 30 days")),
        "trained": Column("trained", gettext_lazy("Trained")),
        "enrolled": Column("enrolled", gettext_lazy("Enrolments")),
        "completed": Column("completed", gettext_lazy("Completions")),
        "completion_rate": Column("completion_rate", gettext_lazy("Completion rate (%)"), "percent"),
        "certified": Column("certified", gettext_lazy("Certificates")),
        "placement_rate": Column("placement_rate", gettext_lazy("Placement rate (%)"), "percent"),
    }
    return [known[key] for key in keys]


PEOPLE = ("learners", "women_share", "active", "trained")
STUDY = ("enrolled", "completed", "completion_rate", "certified")
# name → (title, columns, rows from a Figures, paginated)
TABLES: dict[str, tuple[Any, list[Column], Any, bool]] = {
    "areas": (
        gettext_lazy("By area"),
        _columns("name", *PEOPLE, *STUDY, "placement_rate"),
        Figures.areas,
        True,
    ),
    "tracks": (
        gettext_lazy("By track"),
        _columns("name", "learners", "trained", *STUDY, "placement_rate"),
        Figures.tracks,
        False,
    ),
    "courses": (
        gettext_lazy("By course"),
        _columns("name", "track", *STUDY, "placement_rate"),
        Figures.courses,
        True,
    ),
    "gender": (
        gettext_lazy("By gender"),
        _columns("name", "learners", "trained", *STUDY),
        lambda figures: figures.by_dimension("gender"),
        False,
    ),
    "age": (
        gettext_lazy("By age band"),
        _columns("name", "learners", "trained", *STUDY),
        lambda figures: figures.by_dimension("age_band"),
        False,
    ),
    "delivery": (
        gettext_lazy("By delivery mode"),
        _columns("name", *STUDY),
        lambda figures: figures.by_dimension("delivery"),
        False,
    ),
}


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


def _url(request: HttpRequest, **changes) -> str:
    """This page's URL with ``changes`` to its query (None removes a parameter)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return f"?{query.urlencode()}" if query else "?"


def _sorted(request: HttpRequest, name: str, rows: list[dict]) -> tuple[list[dict], str]:
    columns = TABLES[name][1]
    sort = request.GET.get(f"sort_{name}", "")
    key = sort.removeprefix("-")
    if key not in {column.key for column in columns}:
        return rows, ""
    return sort_rows(rows, key, descending=sort.startswith("-")), sort


def _table(request: HttpRequest, name: str, figures: Figures, rows: list[dict] | None = None) -> dict:
    title, columns, source, paginated = TABLES[name]
    rows, sort = _sorted(request, name, source(figures) if rows is None else rows)
    page = None
    if paginated:
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(f"page_{name}"))
        rows = page.object_list
    headers = []
    for column in columns:
        descending_first = column.kind != "text"
        if sort == column.key:
            next_sort = f"-{column.key}"
        elif sort == f"-{column.key}":
            next_sort = column.key
        else:
            next_sort = f"-{column.key}" if descending_first else column.key
        state = "ascending" if sort == column.key else "descending" if sort == f"-{column.key}" else ""
        headers.append(
            {
                "column": column,
                "state": state,
                "href": _url(request, **{f"sort_{name}": next_sort, f"page_{name}": None}),
            }
        )
    for row in rows:
        row["cells"] = [(column, row.get(column.key)) for column in columns]
    pager = None
    if page and page.has_other_pages():
        pager = {
            "page": page,
            "previous": _url(request, **{f"page_{name}": page.previous_page_number()})
            if page.has_previous()
            else "",
            "next": _url(request, **{f"page_{name}": page.next_page_number()}) if page.has_next() else "",
        }
    return {
        "name": name,
        "title": title,
        "headers": headers,
        "rows": rows,
        "pager": pager,
        "count": len(rows),
    }


def _area_links(request: HttpRequest, figures: Figures, rows: list[dict]) -> None:
    kind = figures.area_kind()
    reset = {"page_areas": None, "sort_areas": request.GET.get("sort_areas")}
    for row in rows:
        if kind == "province":
            row["href"] = _url(request, province=row["key"], prefecture=None, county=None, **reset)
        elif kind == "prefecture":
            row["href"] = _url(request, prefecture=row["key"], county=None, **reset)
        elif not figures.filters.county:
            row["href"] = _url(request, county=row["key"], **reset)


def _breadcrumbs(request: HttpRequest, figures: Figures) -> list[tuple[str, str]]:
    filters = figures.filters
    crumbs = [
        (
            _("Programme") if figures.scope.is_programme else _("Your counties"),
            _url(request, province=None, prefecture=None, county=None, page_areas=None),
        )
    ]
    if filters.province:
        crumbs.append((filters.province.name, _url(request, prefecture=None, county=None, page_areas=None)))
    if filters.prefecture:
        crumbs.append((filters.prefecture.name, _url(request, county=None, page_areas=None)))
    if filters.county:
        crumbs.append((filters.county.name, ""))
    return crumbs


def _charts(figures: Figures, headline: dict, weekly: list[dict], areas: list[dict]) -> dict:
    labels = [date_format(row["week"], "m-d") for row in weekly]
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
        "funnel_steps": funnel_steps,
        "top_areas": top,
    }


def _dashboard_stamps(request: HttpRequest) -> list[str]:
    """The snapshot, and the course and track names; the page is cached per user, whose own
    stamp covers their role and counties (the scope)."""
    return ["figures", "catalogue"]


@login_required
@require_GET
@pagecache.cached_page(_dashboard_stamps, who="user", timeout=PAGE_CACHE_SECONDS)
def dashboard(request):
    """Headline figures, charts and breakdowns for the scope and the filters in the URL."""
    scope = _scope(request)
    form, figures = _figures(request, scope)
    context: dict[str, Any] = {"form": form, "scope": scope, "figures": figures}
    if figures is not None:
        headline = figures.headline()
        weekly = figures.weekly()
        areas = figures.areas()
        _area_links(request, figures, areas)
        tables = [_table(request, "areas", figures, areas)] + [
            _table(request, name, figures) for name in TABLES if name != "areas"
        ]
        context |= {
            "snapshot": figures.snapshot,
            "headline": headline,
            "weekly": weekly,
            "tables": tables,
            "charts": _charts(figures, headline, weekly, areas),
            "crumbs": _breadcrumbs(request, figures),
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
    if enqueue(tasks.refresh_figures):
        messages.success(request, _("The figures are being refreshed: reload the page in a minute."))
    else:
        messages.error(request, _("The refresh could not be queued; the periodic refresh will run anyway."))
    return redirect("figures:dashboard")
