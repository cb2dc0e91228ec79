"""The dashboard's breakdowns: their columns (label, and how a value is shown), which columns
each table has and where its rows come from, and how a table is sorted on a column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from .services import Figures


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "number"  # "text", "number" or "percent"


def columns(rows_label: Any, *keys: str) -> list[Column]:
    """A table's columns: first what its rows are (an area, a track, a course, a gender…) under
    ``rows_label``, then the figures named by ``keys``."""
    known = {
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
        "applied": Column("applied", gettext_lazy("Applied for a job")),
        "hired": Column("hired", gettext_lazy("Hired")),
        # The technology officers' work.
        "county": Column("county", gettext_lazy("County"), "text"),
        "status": Column("status", gettext_lazy("Status"), "text"),
        "officers": Column("officers", gettext_lazy("Officers")),
        "counties_covered": Column("counties_covered", gettext_lazy("Counties covered")),
        "visits": Column("visits", gettext_lazy("Visits")),
        "hours": Column("hours", gettext_lazy("Hours of visits")),
        "surveys": Column("surveys", gettext_lazy("Needs surveys")),
        "projects": Column("projects", gettext_lazy("Projects")),
        "projects_running": Column("projects_running", gettext_lazy("Running")),
        "projects_handed_over": Column("projects_handed_over", gettext_lazy("Handed over")),
        "projects_stalled": Column("projects_stalled", gettext_lazy("Stalled")),
        "indicators": Column("indicators", gettext_lazy("Indicators")),
        "indicators_achieved": Column("indicators_achieved", gettext_lazy("Targets reached")),
        "indicators_on_track": Column("indicators_on_track", gettext_lazy("On track")),
        "on_track_rate": Column("on_track_rate", gettext_lazy("Indicators on track (%)"), "percent"),
        "talents": Column("talents", gettext_lazy("Local talents trained")),
        # Skills competitions.
        "entrants": Column("entrants", gettext_lazy("Entrants")),
        "winners": Column("winners", gettext_lazy("Prize winners")),
        "entries": Column("entries", gettext_lazy("Entries")),
        "teams": Column("teams", gettext_lazy("Teams")),
        "rounds": Column("rounds", gettext_lazy("County rounds")),
        "awards": Column("awards", gettext_lazy("Prizes")),
    }
    return [Column("name", rows_label, "text"), *(known[key] for key in keys)]


PEOPLE = ("learners", "women_share", "active", "trained")
STUDY = ("enrolled", "completed", "completion_rate", "certified")
# The funnel's hiring end, by area, track and gender (learners, like "trained").
HIRING = ("applied", "hired")
# name → (title, columns, rows from a Figures, paginated)
TABLES: dict[str, tuple[Any, list[Column], Any, bool]] = {
    "areas": (
        gettext_lazy("By area"),
        columns(gettext_lazy("Area"), *PEOPLE, *STUDY, "placement_rate", *HIRING),
        Figures.areas,
        True,
    ),
    "tracks": (
        gettext_lazy("By track"),
        columns(gettext_lazy("Track"), "learners", "trained", *STUDY, "placement_rate", *HIRING),
        Figures.tracks,
        False,
    ),
    "courses": (
        gettext_lazy("By course"),
        columns(gettext_lazy("Course"), "track", *STUDY, "placement_rate"),
        Figures.courses,
        True,
    ),
    "gender": (
        gettext_lazy("By gender"),
        columns(gettext_lazy("Gender"), "learners", "trained", *STUDY, *HIRING),
        lambda figures: figures.by_dimension("gender"),
        False,
    ),
    "age": (
        gettext_lazy("By age band"),
        columns(gettext_lazy("Age band"), "learners", "trained", *STUDY),
        lambda figures: figures.by_dimension("age_band"),
        False,
    ),
    "delivery": (
        gettext_lazy("By delivery mode"),
        columns(gettext_lazy("Delivery mode"), *STUDY),
        lambda figures: figures.by_dimension("delivery"),
        False,
    ),
    "fieldwork": (
        gettext_lazy("Technology officers' work by area"),
        columns(
            gettext_lazy("Area"),
            "officers",
            "counties_covered",
            "visits",
            "hours",
            "surveys",
            "projects",
            "projects_running",
            "projects_handed_over",
            "projects_stalled",
            "on_track_rate",
            "talents",
        ),
        Figures.fieldwork_areas,
        True,
    ),
    "contest_areas": (
        gettext_lazy("Skills competitions by area"),
        columns(gettext_lazy("Area"), "entrants", "winners", "entries", "teams", "rounds", "awards"),
        Figures.contest_areas,
        True,
    ),
    "contest_gender": (
        gettext_lazy("Skills competitions by gender"),
        columns(gettext_lazy("Gender"), "entrants", "winners"),
        Figures.contest_genders,
        False,
    ),
    "contest_tracks": (
        gettext_lazy("Skills competitions by track"),
        columns(gettext_lazy("Track"), "entrants", "winners", "entries", "teams", "rounds", "awards"),
        Figures.contest_tracks,
        False,
    ),
    "projects": (
        gettext_lazy("County digital projects"),
        columns(
            gettext_lazy("Project"),
            "county",
            "status",
            "indicators",
            "indicators_achieved",
            "indicators_on_track",
            "talents",
        ),
        Figures.projects,
        True,
    ),
}


def sort_rows(rows: Sequence[dict], key: str, *, descending: bool) -> list[dict]:
    """``rows`` sorted on ``key``, empty values (no rate) last either way."""
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]
    return sorted(present, key=lambda row: row[key], reverse=descending) + missing


def table_sorted(name: str, sort: str, rows: list[dict]) -> tuple[list[dict], str]:
    """The rows of table ``name`` sorted as ``sort`` asks (a column's key, "-" first for
    descending), and the sort applied: "" (rows as they came) when it names no column of the
    table."""
    key = sort.removeprefix("-")
    if key not in {column.key for column in TABLES[name][1]}:
        return rows, ""
    return sort_rows(rows, key, descending=sort.startswith("-")), sort


def sort_state(column: Column, sort: str) -> tuple[str, str]:
    """(the column's state under ``sort``: "ascending", "descending" or "", the sort its header
    links to): a click reverses the column's sort; an unsorted column sorts numbers from the
    largest and text from A."""
    descending_first = column.kind != "text"
    if sort == column.key:
        next_sort = f"-{column.key}"
    elif sort == f"-{column.key}":
        next_sort = column.key
    else:
        next_sort = f"-{column.key}" if descending_first else column.key
    state = "ascending" if sort == column.key else "descending" if sort == f"-{column.key}" else ""
    return state, next_sort
