"""The programme figures: the refresh of the summary tables, and the reads of the dashboard.

Definitions (also shown on the page):
- learner: a user with a learner profile. Deleted accounts keep their (anonymised) profile and
  enrolments: they were registered and trained, so they stay in those figures, but they are never
  active, and their certificates, revoked at deletion, no longer count as issued.
- enrolment: admitted to a course (studying, completed or withdrawn); requests waiting for
  approval and declined requests are not enrolments. It counts for its own county (the cohort's,
  or the learner's when self-paced); a self-paced enrolment is delivered online.
- completion rate: of the enrolments started in the period, the share now completed.
- placement rate: outcomes recorded as employed, self-employed or in further study over the
  completions (as counties.selectors.county_placement_summary computes it per county).
- digital talents trained (progress towards the target): learners who completed a course.
- counties reached: counties with at least one enrolment by the end of the period.
- the hiring funnel (registered → completed → certified → applied → hired): learners who
  applied for at least one job on the portal, and those an employer marked hired there.

The refresh runs GROUP BY queries inside the database (INSERT … SELECT): no learner or enrolment
row ever reaches Python. The reads are nine aggregate queries over the cubes for a snapshot, a
scope and filters, kept in the cache under exactly those (a refresh writes a new snapshot, so its
figures get new keys: nothing is ever invalidated); the names of areas, tracks and courses are
read afresh on every view.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from certificates.models import Certificate
from competitions.models import Award, Competition, Entry, EntryMember, Round, Tier
from counties.models import Cohort, County, LearnerProfile, PlacementOutcome, Prefecture, Province
from courses.models import Track
from enrollment.models import Enrollment
from jobs.models import JobApplication
from officers.models import Appointment, SurveyResponse, Visit
from officers.selectors import officer_counties
from projects.models import Project
from projects.selectors import indicator_progress, project_talents

from .models import (
    FigureActivity,
    FigureContest,
    FigureCountyReach,
    FigureDemographic,
    FigureFieldwork,
    FigureLearners,
    FigurePerson,
    FigurePlacement,
    FigureProject,
    FiguresSnapshot,
    Level,
)

ADMITTED = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED, Enrollment.Status.WITHDRAWN)
ACTIVE_WINDOW = datetime.timedelta(days=30)
DEFAULT_WEEKS = 26
MAX_CHART_WEEKS = 156
SNAPSHOTS_KEPT = 2
# Any number: two refreshes never run at once (the second one finds the lock taken and skips).
REFRESH_LOCK_KEY = 7_020_261

AGE_BANDS = {
    "u18": _("Under 18"),
    "18-24": _("18–24"),
    "25-34": _("25–34"),
    "35-44": _("35–44"),
    "45+": _("45 and over"),
    "unknown": _("Not given"),
}
GENDERS = {
    User.Gender.FEMALE: User.Gender.FEMALE.label,
    User.Gender.MALE: User.Gender.MALE.label,
    User.Gender.UNDISCLOSED: User.Gender.UNDISCLOSED.label,
    "": _("Not given"),
}
DELIVERIES = dict(Cohort.Delivery.choices)

# Keys and measures of each cube (besides snapshot, level, province, prefecture and county).
CUBES: dict[type[Model], tuple[tuple[str, ...], tuple[str, ...]]] = {
    FigureActivity: (
        ("track_id", "course_id", "week"),
        ("enrolled", "enrolled_completed", "enrolled_withdrawn", "completed", "certified"),
    ),
    FigureDemographic: (
        ("track_id", "week", "gender", "age_band", "delivery"),
        ("enrolled", "enrolled_completed", "enrolled_withdrawn", "completed", "certified"),
    ),
    FigureLearners: (
        ("track_id", "week", "gender", "age_band"),
        ("learners", "enrolled", "trained", "certified", "placed", "active", "applied", "hired"),
    ),
    FigurePlacement: (("track_id", "course_id", "week", "outcome"), ("recorded",)),
    # No key of its own: the track is always empty (rolled up by area only).
    FigureFieldwork: (
        ("track_id",),
        (
            "counties_covered",
            "visits",
            "visit_minutes",
            "surveys",
            "projects",
            "projects_planned",
            "projects_running",
            "projects_handed_over",
            "projects_ended",
            "projects_stalled",
            "indicators",
            "indicators_achieved",
            "indicators_on_track",
        ),
    ),
    FigureContest: (("track_id",), ("entries", "teams", "rounds", "awards")),
}


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week: the key of every weekly row."""
    return day - datetime.timedelta(days=day.weekday())


# --- the refresh -----------------------------------------------------------------------------


def _age_band(birth_year: str, year: int) -> Case:
    """The age band of a birth year in ``year`` (the snapshot's year)."""
    return Case(
        When(**{f"{birth_year}__isnull": True}, then=Value("unknown")),
        When(**{f"{birth_year}__gt": year - 18}, then=Value("u18")),
        When(**{f"{birth_year}__gt": year - 25}, then=Value("18-24")),
        When(**{f"{birth_year}__gt": year - 35}, then=Value("25-34")),
        When(**{f"{birth_year}__gt": year - 45}, then=Value("35-44")),
        default=Value("45+"),
    )


# "every track": a typed NULL (an untyped one would be text to PostgreSQL).
_NO_TRACK = Cast(Value(None), output_field=BigIntegerField())


def _week(field_name: str) -> TruncWeek:
    return TruncWeek(field_name, output_field=DateField())


def _one_if(*conditions, **lookups) -> Case:
    return Case(When(*conditions, **lookups, then=Value(1)), default=Value(0), output_field=IntegerField())


def _enrolment_keys(prefix: str, year: int) -> dict[str, Any]:
    """Cube keys of an enrolment row reached through ``prefix`` ("" on Enrollment)."""
    return {
        "county_id": Coalesce(F(f"{prefix}county_id"), F(f"{prefix}learner__learner_profile__county_id")),
        "course_id": F(f"{prefix}course_id"),
        "track_id": F(f"{prefix}course__track_id"),
        "gender": F(f"{prefix}learner__gender"),
        "age_band": _age_band(f"{prefix}learner__birth_year", year),
        "delivery": Coalesce(F(f"{prefix}cohort__delivery"), Value(Cohort.Delivery.ONLINE)),
    }


def _enrolment_streams(year: int) -> list[tuple[QuerySet, Any, dict[str, Any]]]:
    """(rows, week expression, measures) of each event: an enrolment admitted, a completion, a
    certificate issued. Only learners' enrolments (users with a learner profile) count."""
    enrolments = Enrollment.objects.filter(learner__learner_profile__isnull=False)
    status = Enrollment.Status
    return [
        (
            enrolments.filter(status__in=ADMITTED),
            _week("enrolled_at"),
            {
                "enrolled": Value(1),
                "enrolled_completed": _one_if(status=status.COMPLETED),
                "enrolled_withdrawn": _one_if(status=status.WITHDRAWN),
            },
        ),
        (
            enrolments.filter(status=status.COMPLETED, completed_at__isnull=False),
            _week("completed_at"),
            {"completed": Value(1)},
        ),
        (
            Certificate.objects.filter(
                status=Certificate.Status.ISSUED,
                issued_at__isnull=False,
                enrollment__learner__learner_profile__isnull=False,
            ),
            _week("issued_at"),
            {"certified": Value(1)},
        ),
    ]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _insert_county_rows(model: type[Model], snapshot: FiguresSnapshot, rows: QuerySet, columns: dict) -> None:
    """INSERT … SELECT the county-level rows of ``model`` summed from ``rows`` (one row per
    enrolment, learner…): ``columns`` maps the cube's key and measure columns to expressions on
    ``rows``. Province and prefecture come from the county. Measures left out are 0."""
    keys, measures = CUBES[model]
    aliases = {f"c_{name}": expression for name, expression in columns.items()}
    inner, params = rows.order_by().annotate(**aliases).values(*aliases).query.sql_with_params()
    select_keys = [f"s.{_quote('c_' + key)}" for key in keys]
    select_measures = [
        f"SUM(s.{_quote('c_' + measure)})" if measure in columns else "0" for measure in measures
    ]
    county_table = _quote(County._meta.db_table)
    targets = ", ".join(map(_quote, keys + measures))
    sql = (
        f"INSERT INTO {_quote(model._meta.db_table)} "  # noqa: S608 - names from the models' metadata
        f"(snapshot_id, level, province_id, prefecture_id, county_id, {targets}) "
        f"SELECT %s, %s, c.province_id, c.prefecture_id, c.code, {', '.join(select_keys + select_measures)} "
        f"FROM ({inner}) s JOIN {county_table} c ON c.code = s.{_quote('c_county_id')} "
        f"GROUP BY c.province_id, c.prefecture_id, c.code, {', '.join(select_keys)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [snapshot.pk, Level.COUNTY, *params])


def _roll_up(model: type[Model], snapshot: FiguresSnapshot) -> None:
    """Province rows summed from county rows, then the programme's rows from province rows."""
    keys, measures = CUBES[model]
    table = _quote(model._meta.db_table)
    key_list = ", ".join(map(_quote, keys))
    sums = ", ".join(f"SUM({_quote(m)})" for m in measures)
    for level, source, area in (
        (Level.PROVINCE, Level.COUNTY, True),
        (Level.PROGRAMME, Level.PROVINCE, False),
    ):
        sql = (
            f"INSERT INTO {table} (snapshot_id, level, province_id, prefecture_id, county_id, "  # noqa: S608
            f"{key_list}, {', '.join(map(_quote, measures))}) "
            f"SELECT snapshot_id, %s, {'province_id' if area else 'NULL'}, NULL, NULL, {key_list}, {sums} "
            f"FROM {table} WHERE snapshot_id = %s AND level = %s "
            f"GROUP BY snapshot_id, {'province_id, ' if area else ''}{key_list}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [level, snapshot.pk, source])


def _refresh_activity(snapshot: FiguresSnapshot, year: int) -> None:
    for rows, week, measures in _enrolment_streams(year):
        prefix = "enrollment__" if rows.model is Certificate else ""
        keys = _enrolment_keys(prefix, year)
        for model, dims in (
            (FigureActivity, ("county_id", "course_id", "track_id")),
            (FigureDemographic, ("county_id", "track_id", "gender", "age_band", "delivery")),
        ):
            columns = {dim: keys[dim] for dim in dims} | {"week": week} | measures
            _insert_county_rows(model, snapshot, rows, columns)


def _refresh_learners(snapshot: FiguresSnapshot, year: int, now: datetime.datetime) -> None:
    """Learners per (county, week they registered, gender, age band): once for every track (no
    track) and once per track they enrolled in."""
    recent = now - ACTIVE_WINDOW
    admitted = Enrollment.objects.filter(learner=OuterRef("user_id"), status__in=ADMITTED)
    placed = PlacementOutcome.objects.filter(outcome__in=PlacementOutcome.PLACED)
    applied = JobApplication.objects.all()
    hired = JobApplication.objects.filter(status=JobApplication.Status.HIRED)
    _insert_county_rows(
        FigureLearners,
        snapshot,
        LearnerProfile.objects.all(),
        {
            "county_id": F("county_id"),
            "track_id": _NO_TRACK,
            "week": _week("user__date_joined"),
            "gender": F("user__gender"),
            "age_band": _age_band("user__birth_year", year),
            "learners": Value(1),
            "enrolled": _one_if(Exists(admitted)),
            "trained": _one_if(Exists(admitted.filter(status=Enrollment.Status.COMPLETED))),
            "certified": _one_if(
                Exists(
                    Certificate.objects.filter(
                        enrollment__learner=OuterRef("user_id"), status=Certificate.Status.ISSUED
                    )
                )
            ),
            "placed": _one_if(Exists(placed.filter(learner=OuterRef("user_id")))),
            "applied": _one_if(Exists(applied.filter(learner=OuterRef("user_id")))),
            "hired": _one_if(Exists(hired.filter(learner=OuterRef("user_id")))),
            "active": _one_if(
                Exists(Enrollment.objects.filter(learner=OuterRef("user_id"), last_activity_at__gte=recent)),
                user__is_active=True,
            ),
        },
    )
    learner_keys = {
        "county_id": F("learner__learner_profile__county_id"),
        "week": _week("learner__date_joined"),
        "gender": F("learner__gender"),
        "age_band": _age_band("learner__birth_year", year),
    }
    # One row per learner and track: grouped on the learner and the track's enrolments.
    per_track = (
        Enrollment.objects.filter(status__in=ADMITTED, learner__learner_profile__isnull=False)
        .order_by()
        .values("learner_id", "course__track_id")
        .annotate(
            learners=Value(1),
            trained=Max(_one_if(status=Enrollment.Status.COMPLETED)),
            certified=Max(_one_if(certificate__status=Certificate.Status.ISSUED)),
            active=Max(_one_if(last_activity_at__gte=recent, learner__is_active=True)),
            # A track's learners who applied for a job, or were hired (whatever the job).
            applied=Max(_one_if(Exists(applied.filter(learner=OuterRef("learner_id"))))),
            hired=Max(_one_if(Exists(hired.filter(learner=OuterRef("learner_id"))))),
        )
    )
    _insert_county_rows(
        FigureLearners,
        snapshot,
        per_track,
        learner_keys
        | {
            "track_id": F("course__track_id"),
            "learners": F("learners"),
            "enrolled": F("learners"),
            "trained": F("trained"),
            "certified": F("certified"),
            "active": F("active"),
            "applied": F("applied"),
            "hired": F("hired"),
        },
    )
    # Placed in a track: learners with a placed outcome for one of the track's courses.
    placed_in_track = (
        placed.filter(learner__learner_profile__isnull=False, course__isnull=False)
        .order_by()
        .values("learner_id", "course__track_id")
        .annotate(placed=Max(Value(1, output_field=IntegerField())))
    )
    _insert_county_rows(
        FigureLearners,
        snapshot,
        placed_in_track,
        learner_keys | {"track_id": F("course__track_id"), "placed": F("placed")},
    )


def _refresh_placements(snapshot: FiguresSnapshot) -> None:
    _insert_county_rows(
        FigurePlacement,
        snapshot,
        PlacementOutcome.objects.all(),
        {
            "county_id": F("county_id"),
            "course_id": F("course_id"),
            "track_id": F("course__track_id"),
            "week": _week("outcome_date"),
            "outcome": F("outcome"),
            "recorded": Value(1),
        },
    )


def _refresh_reach(snapshot: FiguresSnapshot) -> None:
    county = Coalesce(F("county_id"), F("learner__learner_profile__county_id"))
    admitted = Enrollment.objects.filter(status__in=ADMITTED, learner__learner_profile__isnull=False)
    table = _quote(FigureCountyReach._meta.db_table)
    county_table = _quote(County._meta.db_table)
    for track in (_NO_TRACK, F("course__track_id")):
        rows = admitted.order_by().annotate(c_county=county, c_track=track, c_week=_week("enrolled_at"))
        inner, params = (
            rows.values("c_county", "c_track").annotate(c_first=Min("c_week")).query.sql_with_params()
        )
        sql = (
            f"INSERT INTO {table} (snapshot_id, county_id, province_id, prefecture_id, is_priority, "  # noqa: S608
            f"track_id, first_week) SELECT %s, c.code, c.province_id, c.prefecture_id, c.is_priority, "
            f"s.c_track, s.c_first FROM ({inner}) s JOIN {county_table} c ON c.code = s.c_county"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [snapshot.pk, *params])


def _refresh_fieldwork(snapshot: FiguresSnapshot, today: datetime.date) -> None:
    """The officers' work per county (FigureFieldwork), the people it counts (FigurePerson:
    officers and local talents, once per county) and one row per project (FigureProject).

    Visits and surveys are counted inside the database per county; projects are few (one per
    village at most), so their indicators' progress and talents are computed with the projects
    app's own rules (``indicator_progress``, ``project_talents``) in a fixed number of queries,
    and everything is written in bulk."""
    measures = CUBES[FigureFieldwork][1]
    counties: dict[str, dict[str, int]] = {}
    people: set[tuple[str, str, int]] = set()  # (county, kind, person)

    def county(code: str) -> dict[str, int]:
        return counties.setdefault(code, dict.fromkeys(measures, 0))

    for code, user_id in Appointment.objects.current(today).order_by().values_list("county_id", "user_id"):
        county(code)["counties_covered"] = 1
        people.add((code, FigurePerson.Kind.OFFICER, user_id))
    visits = Visit.objects.order_by().values("county_id")
    for row in visits.annotate(count=Count("pk"), minutes=Sum("minutes_spent")):
        county(row["county_id"]).update(visits=row["count"], visit_minutes=row["minutes"] or 0)
    for row in SurveyResponse.objects.order_by().values("county_id").annotate(count=Count("pk")):
        county(row["county_id"])["surveys"] = row["count"]

    projects = list(Project.objects.order_by("pk").prefetch_related("indicators__periods"))
    talents = project_talents([project.pk for project in projects])
    project_rows = []
    for project in projects:
        progress = [indicator_progress(indicator, project) for indicator in project.indicators.all()]
        row = {
            "indicators": len(progress),
            "indicators_achieved": sum(item.achieved for item in progress),
            "indicators_on_track": sum(bool(item.on_track) for item in progress),
        }
        sums = county(project.county_id)
        sums["projects"] += 1
        sums[f"projects_{project.status}"] += 1
        for name, value in row.items():
            sums[name] += value
        trained = talents.get(project.pk, set())
        people.update((project.county_id, FigurePerson.Kind.TALENT, user_id) for user_id in trained)
        project_rows.append((project, row | {"talents": len(trained)}))

    places = {
        code: (province, prefecture)
        for code, province, prefecture in County.objects.filter(code__in=counties).values_list(
            "code", "province_id", "prefecture_id"
        )
    }

    def place(code: str) -> dict[str, str]:
        return {"province_id": places[code][0], "prefecture_id": places[code][1], "county_id": code}

    FigureFieldwork.objects.bulk_create(
        FigureFieldwork(snapshot=snapshot, level=Level.COUNTY, **place(code), **sums)
        for code, sums in counties.items()
    )
    FigurePerson.objects.bulk_create(
        (
            FigurePerson(snapshot=snapshot, kind=kind, person_id=person, **place(code))
            for code, kind, person in sorted(people)
        ),
        batch_size=2000,
    )
    FigureProject.objects.bulk_create(
        FigureProject(
            snapshot=snapshot,
            project_id=project.pk,
            title=project.title,
            status=project.status,
            **place(project.county_id),
            **row,
        )
        for project, row in project_rows
    )


def _refresh_contests(snapshot: FiguresSnapshot) -> None:
    """Skills competitions per county and track (FigureContest) and their people (FigurePerson:
    entrants and winners, once per county, track and gender). Grouped inside the database;
    the rows written in bulk."""
    measures = CUBES[FigureContest][1]
    cells: dict[tuple[str, int | None], dict[str, int]] = {}

    def cell(county: str, track: int | None) -> dict[str, int]:
        return cells.setdefault((county, track), dict.fromkeys(measures, 0))

    team = Q(competition__kind=Competition.Kind.TEAM)
    entries = Entry.objects.order_by().values("county_id", "competition__track_id")
    for row in entries.annotate(entries=Count("pk"), teams=Count("pk", filter=team)):
        cell(row["county_id"], row["competition__track_id"]).update(
            entries=row["entries"], teams=row["teams"]
        )
    rounds = Round.objects.filter(tier=Tier.COUNTY, county__isnull=False).order_by()
    for row in rounds.values("county_id", "competition__track_id").annotate(count=Count("pk")):
        cell(row["county_id"], row["competition__track_id"])["rounds"] = row["count"]
    awards = Award.objects.exclude(status=Award.Status.REVOKED).order_by()
    for row in awards.values("entry__county_id", "round__competition__track_id").annotate(count=Count("pk")):
        cell(row["entry__county_id"], row["round__competition__track_id"])["awards"] = row["count"]

    members = EntryMember.objects.filter(accepted_at__isnull=False).order_by()
    fields = ("entry__county_id", "competition__track_id", "learner_id", "learner__gender")
    people = [(FigurePerson.Kind.ENTRANT, *row) for row in members.values_list(*fields).distinct()] + [
        (FigurePerson.Kind.WINNER, *row)
        for row in members.filter(entry__in=awards.values("entry_id")).values_list(*fields).distinct()
    ]
    codes = {county for county, _track in cells} | {row[1] for row in people}
    places = {
        code: (province, prefecture)
        for code, province, prefecture in County.objects.filter(code__in=codes).values_list(
            "code", "province_id", "prefecture_id"
        )
    }
    FigureContest.objects.bulk_create(
        FigureContest(
            snapshot=snapshot,
            level=Level.COUNTY,
            province_id=places[county][0],
            prefecture_id=places[county][1],
            county_id=county,
            track_id=track,
            **sums,
        )
        for (county, track), sums in cells.items()
    )
    FigurePerson.objects.bulk_create(
        (
            FigurePerson(
                snapshot=snapshot,
                province_id=places[county][0],
                prefecture_id=places[county][1],
                county_id=county,
                track_id=track,
                kind=kind,
                person_id=person,
                gender=gender or "",
            )
            for kind, county, track, person, gender in people
        ),
        batch_size=2000,
    )


def _refresh_lock() -> bool:
    """Take the refresh lock for this transaction: False if another refresh holds it.
    (SQLite needs none: its write transactions run one at a time.)"""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFRESH_LOCK_KEY])
        return cursor.fetchone()[0]


def figures_refresh(*, now: datetime.datetime | None = None) -> FiguresSnapshot | None:
    """Rebuild the figures' summary tables as a new snapshot.

    One transaction: readers keep seeing the previous snapshot until it commits, and a failure
    leaves the previous snapshot in place. Snapshots older than the previous one are deleted.
    Concurrent refreshes: the second returns None at once (PostgreSQL advisory lock). Idempotent:
    a second run rebuilds the same figures from the same rows. The dashboard shows the new
    snapshot once this commits (the numbers cached per snapshot need no invalidation).
    """
    now = now or timezone.now()
    year = timezone.localdate(now).year
    started = time.perf_counter()
    with transaction.atomic():
        if not _refresh_lock():
            return None
        snapshot = FiguresSnapshot.objects.create(taken_at=now)
        _refresh_activity(snapshot, year)
        _refresh_learners(snapshot, year, now)
        _refresh_placements(snapshot)
        _refresh_fieldwork(snapshot, timezone.localdate(now))
        _refresh_contests(snapshot)
        for model in CUBES:
            _roll_up(model, snapshot)
        _refresh_reach(snapshot)
        kept = list(
            FiguresSnapshot.objects.order_by("-taken_at", "-pk").values_list("pk", flat=True)[:SNAPSHOTS_KEPT]
        )
        for model in (*CUBES, FigureCountyReach, FigureProject, FigurePerson):
            model.objects.exclude(snapshot__in=kept).delete()
        FiguresSnapshot.objects.exclude(pk__in=kept).delete()
        if connection.vendor == "postgresql":
            # The cubes were just replaced: fresh statistics keep the dashboard on its indexes.
            with connection.cursor() as cursor:
                for model in (*CUBES, FigureCountyReach, FigureProject, FigurePerson):
                    cursor.execute(f"ANALYZE {_quote(model._meta.db_table)}")
        snapshot.duration_ms = int((time.perf_counter() - started) * 1000)
        snapshot.save(update_fields=["duration_ms"])
    return snapshot


# --- the reads ------------------------------------------------------------------------------

# A snapshot's figures never change (a refresh writes a new snapshot, which gets new cache keys):
# the timeout, about one refresh period, only lets the entries of replaced snapshots go.
CACHE_TIMEOUT = 15 * 60


def latest_snapshot() -> FiguresSnapshot | None:
    return FiguresSnapshot.objects.order_by("-taken_at", "-pk").first()


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class FigureScope:
    """Whose figures: the whole programme (``county_codes`` None) or a coordinator's counties."""

    county_codes: tuple[str, ...] | None

    @property
    def is_programme(self) -> bool:
        return self.county_codes is None

    @property
    def key(self) -> str:
        """The scope in cache keys: every coordinator of the same counties sees the same figures."""
        return "programme" if self.is_programme else _digest(",".join(sorted(self.county_codes)))

    def counties(self) -> QuerySet[County]:
        counties = County.objects.all()
        return counties if self.is_programme else counties.filter(code__in=self.county_codes)

    def provinces(self) -> QuerySet[Province]:
        provinces = Province.objects.all()
        if self.is_programme:
            return provinces
        return provinces.filter(counties__code__in=self.county_codes).distinct()

    def prefectures(self) -> QuerySet[Prefecture]:
        prefectures = Prefecture.objects.all()
        if self.is_programme:
            return prefectures
        return prefectures.filter(counties__code__in=self.county_codes).distinct()


def figure_scope_for(user) -> FigureScope | None:
    """Staff see the programme; a coordinator the counties they coordinate and a technology
    officer those of their current appointments (read only, like every figure); anyone else
    nothing (None)."""
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return FigureScope(county_codes=None)
    counties = County.objects.coordinated_by(user) | officer_counties(user)
    codes = tuple(counties.order_by("code").values_list("code", flat=True).distinct())
    return FigureScope(county_codes=codes) if codes else None


@dataclass(frozen=True)
class FigureFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    track: Track | None = None
    province: Province | None = None
    prefecture: Prefecture | None = None
    county: County | None = None


def _ratio(part: int | None, whole: int | None) -> float | None:
    """Percent with one decimal, None when there is nothing to divide by."""
    if not whole:
        return None
    return round((part or 0) * 100 / whole, 1)


@dataclass
class Figures:
    """The dashboard's figures for one snapshot, scope and filters.

    Two parts, read once per instance: ``numbers``, every sum the page shows, from a fixed number
    of aggregate queries over the snapshot's cube rows, kept in the cache under everything they
    depend on (``cache_key``); and ``names``, the areas, tracks and courses they belong to, read
    afresh (2 or 3 small queries), so a rename shows at once.
    """

    snapshot: FiguresSnapshot
    scope: FigureScope
    filters: FigureFilters = field(default_factory=FigureFilters)

    # --- which rows ---

    @property
    def week_from(self) -> datetime.date | None:
        return week_of(self.filters.date_from) if self.filters.date_from else None

    @property
    def week_to(self) -> datetime.date | None:
        return week_of(self.filters.date_to) if self.filters.date_to else None

    def _area_lookups(self, *, grouped: bool = False) -> dict[str, Any]:
        """The rows at the coarsest level the area filters and the scope allow. ``grouped``: for
        a breakdown by the area below the filtered one (provinces, prefectures or counties), so
        the programme's rows never do."""
        filters = self.filters
        if filters.county:
            return {"level": Level.COUNTY, "county_id": filters.county.pk}
        if self.scope.is_programme and not filters.prefecture:
            if filters.province and not grouped:
                return {"level": Level.PROVINCE, "province_id": filters.province.pk}
            if not filters.province:
                return {"level": Level.PROVINCE if grouped else Level.PROGRAMME}
        lookups: dict[str, Any] = {"level": Level.COUNTY}
        if not self.scope.is_programme:
            lookups["county_id__in"] = self.scope.county_codes
        if filters.prefecture:
            lookups["prefecture_id"] = filters.prefecture.pk
        elif filters.province:
            lookups["province_id"] = filters.province.pk
        return lookups

    def _rows(
        self, model: type[Model], *, weeks: bool = True, grouped: bool = False, each_track: bool = False
    ) -> QuerySet:
        """Rows of ``model`` in the scope and filters, in one filter() (a page runs nine such
        queries). Learners are counted once over all tracks (rows without a track) unless a
        track is filtered; ``each_track`` adds the rows of each track."""
        lookups = {"snapshot_id": self.snapshot.pk, **self._area_lookups(grouped=grouped)}
        if self.filters.track:
            lookups["track_id"] = self.filters.track.pk
        elif model is FigureLearners and not each_track:
            lookups["track_id__isnull"] = True
        return model.objects.filter(self._week_q() if weeks else Q(), **lookups)

    def _week_q(self) -> Q:
        condition = Q()
        if self.week_from:
            condition &= Q(week__gte=self.week_from)
        if self.week_to:
            condition &= Q(week__lte=self.week_to)
        return condition

    # --- the numbers ---

    @cached_property
    def cache_key(self) -> str:
        """Everything the numbers depend on: the snapshot (its time as well as its id, which a
        restored database can hand out again), the scope, the filters (the dates as the weeks
        they count) and the deployed code."""
        filters = self.filters
        parts = (
            settings.PORTAL_RELEASE,
            self.snapshot.pk,
            self.snapshot.taken_at.isoformat(),
            self.scope.key,
            self.week_from,
            self.week_to,
            *(
                item.pk if item else ""
                for item in (filters.track, filters.province, filters.prefecture, filters.county)
            ),
        )
        return "figures:" + ":".join(str(part) for part in parts)

    @cached_property
    def numbers(self) -> dict[str, Any]:
        """Every sum of the page: from the cache, else from the cubes (9 queries)."""
        numbers = cache.get(self.cache_key)
        if numbers is None:
            numbers = self._count()
            cache.set(self.cache_key, numbers, CACHE_TIMEOUT)
        return numbers

    def _count(self) -> dict[str, Any]:
        area = f"{self.area_kind()}_id"
        # Learners of every week, the period's sums filtered (the target counts the learners
        # trained whenever they registered); over all tracks (no track) and per track.
        learners = _grouped(
            self._rows(FigureLearners, weeks=False, each_track=True),
            ("track_id", "gender", "age_band"),
            {"trained_to_date": Sum("trained"), **_learner_sums(self._week_q())},
        )
        overall = self.filters.track.pk if self.filters.track else None
        weeks = self.chart_weeks()
        weekly = {}
        if weeks:
            weekly = _grouped(
                self._rows(FigureActivity, weeks=False).filter(week__gte=weeks[0], week__lte=weeks[-1]),
                ("week",),
                {"enrolled": Sum("enrolled"), "completed": Sum("completed")},
            )
        return {
            # Per course (and the course's track): the courses, the tracks and the headline.
            "courses": _grouped(self._rows(FigureActivity), ("track_id", "course_id"), _activity_sums()),
            "placements": _placements(self._rows(FigurePlacement), ("track_id", "course_id")),
            "learners": {
                (gender, age_band): row
                for (track_id, gender, age_band), row in learners.items()
                if track_id == overall
            },
            "track_learners": _summed(
                {key: row for key, row in learners.items() if key[0] is not None}, _LEARNER_MEASURES
            ),
            "demographic": _grouped(
                self._rows(FigureDemographic), ("gender", "age_band", "delivery"), _activity_sums()
            ),
            "reach": self._reach().aggregate(
                counties=Count("county"), priority_counties=Count("county", filter=Q(is_priority=True))
            ),
            "weekly": weekly,
            "area_activity": _grouped(self._rows(FigureActivity, grouped=True), (area,), _activity_sums()),
            "area_learners": _grouped(self._rows(FigureLearners, grouped=True), (area,), _learner_sums()),
            "area_placements": _placements(self._rows(FigurePlacement, grouped=True), (area,)),
            # The officers' work: to date, whatever the dates and the track (5 queries). People
            # are counted once in an area however many of its counties or projects they are in.
            "fieldwork": self._fieldwork_rows().aggregate(**_FIELDWORK_SUMS)
            | self._area_rows(FigurePerson).aggregate(**_PEOPLE_COUNTS),
            "area_fieldwork": _grouped(self._fieldwork_rows(grouped=True), (area,), _FIELDWORK_SUMS),
            "area_people": _grouped(self._area_rows(FigurePerson), (area,), _PEOPLE_COUNTS),
            # Skills competitions: to date, whatever the dates; the track filter is the
            # competition's (6 queries).
            "contest_areas": _grouped(self._contest_rows(grouped=True), (area,), _CONTEST_SUMS),
            "contest_tracks": _grouped(self._contest_rows(), ("track_id",), _CONTEST_SUMS),
            "contest_people": self._contest_people().aggregate(**_CONTEST_PEOPLE),
            "contest_area_people": _grouped(self._contest_people(), (area,), _CONTEST_PEOPLE),
            "contest_gender_people": _grouped(self._contest_people(), ("gender",), _CONTEST_PEOPLE),
            "contest_track_people": _grouped(self._contest_people(), ("track_id",), _CONTEST_PEOPLE),
            "projects": list(
                self._project_rows()
                .order_by("county_id", "title", "project_id")
                .values(
                    "project_id",
                    "title",
                    "status",
                    "county__name",
                    "indicators",
                    "indicators_achieved",
                    "indicators_on_track",
                    "talents",
                )
            ),
        }

    def _fieldwork_rows(self, *, grouped: bool = False) -> QuerySet:
        return FigureFieldwork.objects.filter(
            snapshot_id=self.snapshot.pk, **self._area_lookups(grouped=grouped)
        )

    def _project_rows(self) -> QuerySet:
        return self._area_rows(FigureProject)

    def _contest_rows(self, *, grouped: bool = False) -> QuerySet:
        lookups = {"snapshot_id": self.snapshot.pk, **self._area_lookups(grouped=grouped)}
        if self.filters.track:
            lookups["track_id"] = self.filters.track.pk
        return FigureContest.objects.filter(**lookups)

    def _contest_people(self) -> QuerySet:
        rows = self._area_rows(FigurePerson).filter(
            kind__in=(FigurePerson.Kind.ENTRANT, FigurePerson.Kind.WINNER)
        )
        return rows.filter(track_id=self.filters.track.pk) if self.filters.track else rows

    def _area_rows(self, model: type[Model]) -> QuerySet:
        """Rows of a county-level table (projects, people) in the scope and the area filters."""
        rows = model.objects.filter(snapshot_id=self.snapshot.pk)
        filters = self.filters
        if not self.scope.is_programme:
            rows = rows.filter(county_id__in=self.scope.county_codes)
        if filters.county:
            return rows.filter(county_id=filters.county.pk)
        if filters.prefecture:
            return rows.filter(prefecture_id=filters.prefecture.pk)
        if filters.province:
            return rows.filter(province_id=filters.province.pk)
        return rows

    def _reach(self) -> QuerySet:
        rows = FigureCountyReach.objects.filter(snapshot=self.snapshot, track=self.filters.track)
        filters = self.filters
        if not self.scope.is_programme:
            rows = rows.filter(county__in=self.scope.county_codes)
        if filters.county:
            rows = rows.filter(county=filters.county)
        elif filters.prefecture:
            rows = rows.filter(prefecture=filters.prefecture)
        elif filters.province:
            rows = rows.filter(province=filters.province)
        if self.week_to:
            rows = rows.filter(first_week__lte=self.week_to)
        return rows

    # --- the names ---

    @cached_property
    def names(self) -> dict[str, Any]:
        """The names the page shows, as they are now (2 or 3 small queries): the scope's
        provinces (the filter offers them), the areas of the area breakdown, the tracks with
        their courses."""
        provinces = list(self.scope.provinces().order_by("code").values_list("code", "name"))
        kind = self.area_kind()
        if kind == "province":
            areas = [(code, name, False) for code, name in provinces]
        elif kind == "prefecture":
            prefectures = self.scope.prefectures().filter(province=self.filters.province).order_by("code")
            areas = [(code, name, False) for code, name in prefectures.values_list("code", "name")]
        else:
            counties = self.scope.counties()
            if self.filters.county:
                counties = counties.filter(code=self.filters.county.code)
            if self.filters.prefecture:
                counties = counties.filter(prefecture=self.filters.prefecture)
            areas = list(counties.order_by("code").values_list("code", "name", "is_priority"))
        tracks, courses = {}, {}
        for track_id, track, course_id, title in Track.objects.order_by("order", "name").values_list(
            "pk", "name", "courses__pk", "courses__title"
        ):
            tracks[track_id] = track
            if course_id is not None:
                courses[course_id] = title
        return {"provinces": provinces, "areas": areas, "tracks": tracks, "courses": courses}

    @cached_property
    def names_key(self) -> str:
        """The names in cache keys: a rename changes the key."""
        return _digest(repr(self.names))

    # --- headline figures ---

    def headline(self) -> dict[str, Any]:
        numbers = self.numbers
        activity = _total(numbers["courses"].values(), _ACTIVITY_MEASURES)
        # Learners who registered in the period; trained to date (the target) whenever they did.
        learners = _total(numbers["learners"].values(), ("trained_to_date", *_LEARNER_MEASURES))
        placements = _total(numbers["placements"].values(), _PLACEMENT_MEASURES)
        target = settings.PROGRAMME_TARGET_LEARNERS
        return {
            **activity,
            **learners,
            **placements,
            **numbers["reach"],
            "target": target,
            "target_percent": _ratio(learners["trained_to_date"], target),
            "completion_rate": _ratio(activity["enrolled_completed"], activity["enrolled"]),
            "placement_rate": _ratio(placements["placed_outcomes"], activity["completed"]),
            "women_share": _ratio(learners["women"], learners["learners"]),
        }

    def fieldwork(self) -> dict[str, Any]:
        """The officers' work in the scope and area filters, with the hours of visits and the
        share of indicators on track."""
        return _with_fieldwork_rates(dict(self.numbers["fieldwork"]))

    # --- weekly series ---

    def chart_weeks(self) -> list[datetime.date]:
        """The weeks the line chart shows: the filtered dates, else the last DEFAULT_WEEKS weeks
        up to the snapshot (at most MAX_CHART_WEEKS, the latest ones)."""
        last = self.week_to or week_of(timezone.localdate(self.snapshot.taken_at))
        first = self.week_from or last - datetime.timedelta(weeks=DEFAULT_WEEKS - 1)
        first = max(first, last - datetime.timedelta(weeks=MAX_CHART_WEEKS - 1))
        count = (last - first).days // 7 + 1
        return [first + datetime.timedelta(weeks=n) for n in range(max(count, 0))]

    def weekly(self) -> list[dict[str, Any]]:
        """Enrolments and completions per week of the chart."""
        found = self.numbers["weekly"]
        empty = {"enrolled": 0, "completed": 0}
        return [{"week": week, **found.get(week, empty)} for week in self.chart_weeks()]

    # --- breakdowns ---

    def area_kind(self) -> str:
        """What the area breakdown lists: provinces, prefectures or counties."""
        if self.filters.county or self.filters.prefecture:
            return "county"
        if self.filters.province:
            return "prefecture"
        return "province"

    def areas(self) -> list[dict[str, Any]]:
        """One row per area below the filtered one: the areas of the scope, with zeros where
        nothing happened."""
        numbers = self.numbers
        rows = [
            {"key": code, "name": name, "is_priority": is_priority}
            for code, name, is_priority in self.names["areas"]
        ]
        return _merged(rows, numbers["area_activity"], numbers["area_learners"], numbers["area_placements"])

    def tracks(self) -> list[dict[str, Any]]:
        numbers = self.numbers
        rows = [
            {"key": pk, "name": name}
            for pk, name in self.names["tracks"].items()
            if not self.filters.track or pk == self.filters.track.pk
        ]
        activity = _summed(numbers["courses"], _ACTIVITY_MEASURES)
        placements = _summed(numbers["placements"], _PLACEMENT_MEASURES)
        rows = _merged(rows, activity, numbers["track_learners"], placements)
        return [row for row in rows if row["enrolled"] or row["learners"]]

    def courses(self) -> list[dict[str, Any]]:
        """Courses with enrolments in the filters, with their track, by track then title."""
        numbers = self.numbers
        titles, tracks = self.names["courses"], self.names["tracks"]
        order = {pk: index for index, pk in enumerate(tracks)}
        placements = _summed(numbers["placements"], _PLACEMENT_MEASURES, by=1)
        no_placement = dict.fromkeys(_PLACEMENT_MEASURES, 0)
        courses = sorted(
            (order.get(track_id, len(order)), titles[course_id], track_id, course_id)
            for track_id, course_id in numbers["courses"]
            if course_id in titles
        )
        return [
            _with_rates(
                {
                    "key": course_id,
                    "name": title,
                    "track": tracks.get(track_id, ""),
                    **numbers["courses"][track_id, course_id],
                    **placements.get(course_id, no_placement),
                }
            )
            for _order, title, track_id, course_id in courses
        ]

    def fieldwork_areas(self) -> list[dict[str, Any]]:
        """The officers' work per area below the filtered one, zeros where there was none."""
        found, people = self.numbers["area_fieldwork"], self.numbers["area_people"]
        empty = dict.fromkeys((*_FIELDWORK_SUMS, *_PEOPLE_COUNTS), 0)
        return [
            _with_fieldwork_rates(
                {"key": code, "name": name, "is_priority": is_priority}
                | empty
                | found.get(code, {})
                | people.get(code, {})
            )
            for code, name, is_priority in self.names["areas"]
        ]

    def contests(self) -> dict[str, Any]:
        """Skills competitions in the scope and filters: entries, teams, rounds and awards, and
        the entrants and winners (distinct people)."""
        numbers = self.numbers
        return _total(numbers["contest_tracks"].values(), _CONTEST_SUMS) | {
            name: numbers["contest_people"][name] or 0 for name in _CONTEST_PEOPLE
        }

    def contest_areas(self) -> list[dict[str, Any]]:
        numbers = self.numbers
        return [
            _contest_row({"key": code, "name": name, "is_priority": is_priority}, code, numbers, "area")
            for code, name, is_priority in self.names["areas"]
        ]

    def contest_genders(self) -> list[dict[str, Any]]:
        people = self.numbers["contest_gender_people"]
        empty = dict.fromkeys(_CONTEST_PEOPLE, 0)
        return [
            {"key": value, "name": str(label)} | empty | people.get(value, {})
            for value, label in GENDERS.items()
        ]

    def contest_tracks(self) -> list[dict[str, Any]]:
        numbers = self.numbers
        rows = [
            _contest_row({"key": pk, "name": name}, pk, numbers, "track")
            for pk, name in self.names["tracks"].items()
            if not self.filters.track or pk == self.filters.track.pk
        ]
        return [row for row in rows if row["entries"] or row["rounds"]]

    def projects(self) -> list[dict[str, Any]]:
        """The county digital projects in the scope and area filters, by county then title."""
        statuses = dict(Project.Status.choices)
        return [
            {
                "key": row["project_id"],
                "name": row["title"],
                "county": row["county__name"] or "",
                "status": str(statuses.get(row["status"], row["status"])),
                "indicators": row["indicators"],
                "indicators_achieved": row["indicators_achieved"],
                "indicators_on_track": row["indicators_on_track"],
                "talents": row["talents"],
            }
            for row in self.numbers["projects"]
        ]

    def by_dimension(self, dimension: str) -> list[dict[str, Any]]:
        """Rows by gender, age band or delivery."""
        labels = {"gender": GENDERS, "age_band": AGE_BANDS, "delivery": DELIVERIES}[dimension]
        numbers = self.numbers
        keys = ("gender", "age_band", "delivery")
        activity = _summed(numbers["demographic"], _ACTIVITY_MEASURES, by=keys.index(dimension))
        learners = {}
        if dimension != "delivery":
            learners = _summed(numbers["learners"], _LEARNER_MEASURES, by=keys.index(dimension))
        rows = []
        for value, label in labels.items():
            row = {"key": value, "name": str(label)}
            row |= dict.fromkeys(_ACTIVITY_MEASURES, 0) | activity.get(value, {})
            if dimension != "delivery":
                row |= dict.fromkeys(_LEARNER_MEASURES, 0) | learners.get(value, {})
            rows.append(_with_rates(row))
        return rows


_ACTIVITY_MEASURES = ("enrolled", "enrolled_completed", "enrolled_withdrawn", "completed", "certified")
# The learner cube's measures as the reads name them: "enrolled" and "certified" there count
# people, beside the enrolments and certificates of the activity cube.
_LEARNER_NAMES = {
    "learners": "learners",
    "learners_enrolled": "enrolled",
    "trained": "trained",
    "learners_certified": "certified",
    "learners_placed": "placed",
    "active": "active",
    "applied": "applied",
    "hired": "hired",
}
_LEARNER_MEASURES = ("women", *_LEARNER_NAMES)
_PLACEMENT_MEASURES = ("placed_outcomes", "recorded")


_FIELDWORK_SUMS = {name: Sum(name) for name in CUBES[FigureFieldwork][1]}
_PEOPLE_COUNTS = {
    "officers": Count("person_id", filter=Q(kind=FigurePerson.Kind.OFFICER), distinct=True),
    "talents": Count("person_id", filter=Q(kind=FigurePerson.Kind.TALENT), distinct=True),
}


_CONTEST_SUMS = {name: Sum(name) for name in CUBES[FigureContest][1]}
_CONTEST_PEOPLE = {
    "entrants": Count("person_id", filter=Q(kind=FigurePerson.Kind.ENTRANT), distinct=True),
    "winners": Count("person_id", filter=Q(kind=FigurePerson.Kind.WINNER), distinct=True),
}


def _contest_row(row: dict[str, Any], key: Any, numbers: dict[str, Any], by: str) -> dict[str, Any]:
    """A competitions row (an area or a track) with its sums and people, zeros where none."""
    sums = numbers["contest_areas" if by == "area" else "contest_tracks"].get(key, {})
    people = numbers["contest_area_people" if by == "area" else "contest_track_people"].get(key, {})
    return row | dict.fromkeys((*_CONTEST_SUMS, *_CONTEST_PEOPLE), 0) | sums | people


def _with_fieldwork_rates(row: dict[str, Any]) -> dict[str, Any]:
    for name in (*_FIELDWORK_SUMS, *_PEOPLE_COUNTS):
        row[name] = row.get(name) or 0
    row["hours"] = round(row["visit_minutes"] / 60, 1)
    row["on_track_rate"] = _ratio(row["indicators_on_track"], row["indicators"])
    return row


def _learner_sums(condition: Q | None = None) -> dict[str, Sum]:
    """The learner cube's sums, of the rows that meet ``condition`` if given."""
    women = Q(gender=User.Gender.FEMALE) & (condition or Q())
    # First: an aggregate named like a column hides the column from the aggregates after it.
    return {"women": Sum("learners", filter=women)} | {
        name: Sum(column, filter=condition or None) for name, column in _LEARNER_NAMES.items()
    }


def _activity_sums() -> dict[str, Sum]:
    return {name: Sum(name) for name in _ACTIVITY_MEASURES}


def _grouped(rows: QuerySet, keys: tuple[str, ...], sums: dict[str, Sum]) -> dict[Any, dict[str, int]]:
    """``sums`` of ``rows`` per value of ``keys`` (one query): keyed by the value of the one key,
    or by the tuple of the keys' values. A filtered sum that no row of a group meets is 0."""
    grouped = {}
    for row in rows.values(*keys).annotate(**sums).order_by():
        values = tuple(row.pop(key) for key in keys)
        grouped[values if len(keys) > 1 else values[0]] = {name: value or 0 for name, value in row.items()}
    return grouped


def _placements(rows: QuerySet, keys: tuple[str, ...]) -> dict[Any, dict[str, int]]:
    """Outcomes recorded and those that count as placed (PlacementOutcome.PLACED), per value of
    ``keys`` as _grouped keys them (one query)."""
    placements: dict[Any, dict[str, int]] = {}
    for (*values, outcome), row in _grouped(rows, (*keys, "outcome"), {"recorded": Sum("recorded")}).items():
        sums = placements.setdefault(
            tuple(values) if len(keys) > 1 else values[0], dict.fromkeys(_PLACEMENT_MEASURES, 0)
        )
        sums["recorded"] += row["recorded"]
        if outcome in PlacementOutcome.PLACED:
            sums["placed_outcomes"] += row["recorded"]
    return placements


def _total(rows: Iterable[dict[str, int]], names: Iterable[str]) -> dict[str, int]:
    rows = list(rows)
    return {name: sum(row[name] for row in rows) for name in names}


def _summed(grouped: dict[tuple, dict[str, int]], names: Iterable[str], *, by: int = 0) -> dict:
    """``grouped`` rows (keyed by tuples) summed per the ``by``-th value of their keys."""
    names = tuple(names)
    summed: dict[Any, dict[str, int]] = {}
    for key, row in grouped.items():
        total = summed.setdefault(key[by], dict.fromkeys(names, 0))
        for name in names:
            total[name] += row[name]
    return summed


def _merged(rows: list[dict], activity: dict, learners: dict, placements: dict) -> list[dict[str, Any]]:
    """``rows`` (areas or tracks, by ``key``) with their sums, zeros where there are none."""
    empty = dict.fromkeys((*_ACTIVITY_MEASURES, *_LEARNER_MEASURES, *_PLACEMENT_MEASURES), 0)
    return [
        _with_rates(
            row
            | empty
            | activity.get(row["key"], {})
            | learners.get(row["key"], {})
            | placements.get(row["key"], {})
        )
        for row in rows
    ]


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["completion_rate"] = _ratio(row.get("enrolled_completed", 0), row.get("enrolled", 0))
    row["placement_rate"] = _ratio(row.get("placed_outcomes", 0), row.get("completed", 0))
    if "women" in row:
        row["women_share"] = _ratio(row["women"], row.get("learners", 0))
    return row
