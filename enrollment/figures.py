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

The refresh runs GROUP BY queries inside the database (INSERT … SELECT): no learner or enrolment
row ever reaches Python. The reads are a fixed number of small aggregate queries over the cubes.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
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
from counties.models import Cohort, County, LearnerProfile, PlacementOutcome, Prefecture, Province
from courses.models import Track
from talentportal import pagecache

from .figures_models import (
    FigureActivity,
    FigureCountyReach,
    FigureDemographic,
    FigureLearners,
    FigurePlacement,
    FiguresSnapshot,
    Level,
)
from .models import Certificate, Enrollment

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
        ("learners", "enrolled", "trained", "certified", "placed", "active"),
    ),
    FigurePlacement: (("track_id", "course_id", "week", "outcome"), ("recorded",)),
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
    a second run rebuilds the same figures from the same rows. The cached dashboard pages
    (``figures`` stamp) are dropped once the new snapshot is committed.
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
        for model in CUBES:
            _roll_up(model, snapshot)
        _refresh_reach(snapshot)
        kept = list(
            FiguresSnapshot.objects.order_by("-taken_at", "-pk").values_list("pk", flat=True)[:SNAPSHOTS_KEPT]
        )
        for model in (*CUBES, FigureCountyReach):
            model.objects.exclude(snapshot__in=kept).delete()
        FiguresSnapshot.objects.exclude(pk__in=kept).delete()
        if connection.vendor == "postgresql":
            # The cubes were just replaced: fresh statistics keep the dashboard on its indexes.
            with connection.cursor() as cursor:
                for model in (*CUBES, FigureCountyReach):
                    cursor.execute(f"ANALYZE {_quote(model._meta.db_table)}")
        snapshot.duration_ms = int((time.perf_counter() - started) * 1000)
        snapshot.save(update_fields=["duration_ms"])
    pagecache.bump("figures")
    return snapshot


# --- the reads ------------------------------------------------------------------------------


def latest_snapshot() -> FiguresSnapshot | None:
    return FiguresSnapshot.objects.order_by("-taken_at", "-pk").first()


@dataclass(frozen=True)
class FigureScope:
    """Whose figures: the whole programme (``county_codes`` None) or a coordinator's counties."""

    county_codes: tuple[str, ...] | None

    @property
    def is_programme(self) -> bool:
        return self.county_codes is None

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
    """Staff see the programme; a coordinator their counties; anyone else nothing (None)."""
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return FigureScope(county_codes=None)
    codes = tuple(County.objects.coordinated_by(user).order_by("code").values_list("code", flat=True))
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
    """The dashboard's figures for one snapshot, scope and filters. Every method runs a fixed
    number of aggregate queries over the snapshot's cube rows."""

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

    def _area_rows(self, model: type[Model], *, grouped: bool = False) -> QuerySet:
        """Rows of ``model`` at the coarsest level the area filters and the scope allow.
        ``grouped``: for a breakdown by the area below the filtered one (provinces, prefectures
        or counties), so the programme's rows never do."""
        rows = model.objects.filter(snapshot=self.snapshot)
        filters = self.filters
        if filters.county:
            return rows.filter(level=Level.COUNTY, county=filters.county)
        if self.scope.is_programme and not filters.prefecture:
            if filters.province and not grouped:
                return rows.filter(level=Level.PROVINCE, province=filters.province)
            if not filters.province:
                return rows.filter(level=Level.PROVINCE if grouped else Level.PROGRAMME)
        rows = rows.filter(level=Level.COUNTY)
        if not self.scope.is_programme:
            rows = rows.filter(county__in=self.scope.county_codes)
        if filters.prefecture:
            return rows.filter(prefecture=filters.prefecture)
        if filters.province:
            return rows.filter(province=filters.province)
        return rows

    def _rows(
        self, model: type[Model], *, weeks: bool = True, grouped: bool = False, by_track: bool = False
    ) -> QuerySet:
        """Rows of ``model`` in the scope and filters. Learners are counted once over all tracks
        (rows without a track) unless a track is filtered or ``by_track`` asks for each track."""
        rows = self._area_rows(model, grouped=grouped)
        if self.filters.track:
            rows = rows.filter(track=self.filters.track)
        elif model is FigureLearners:
            rows = rows.filter(track__isnull=not by_track)
        if weeks:
            rows = rows.filter(self._week_q())
        return rows

    def _week_q(self) -> Q:
        condition = Q()
        if self.week_from:
            condition &= Q(week__gte=self.week_from)
        if self.week_to:
            condition &= Q(week__lte=self.week_to)
        return condition

    # --- headline figures ---

    def headline(self) -> dict[str, Any]:
        """The headline figures (5 queries)."""
        activity = self._rows(FigureActivity).aggregate(**_activity_sums())
        # Learners who registered in the period; trained to date (the target) whenever they did.
        learners = self._rows(FigureLearners, weeks=False).aggregate(
            trained_to_date=Coalesce(Sum("trained"), 0), **_learner_sums(self._week_q())
        )
        placements = self._rows(FigurePlacement).aggregate(**_placement_sums())
        reach = self._reach().aggregate(
            counties=Count("county"), priority_counties=Count("county", filter=Q(is_priority=True))
        )
        target = settings.PROGRAMME_TARGET_LEARNERS
        return {
            **activity,
            **learners,
            **placements,
            **reach,
            "target": target,
            "target_percent": _ratio(learners["trained_to_date"], target),
            "completion_rate": _ratio(activity["enrolled_completed"], activity["enrolled"]),
            "placement_rate": _ratio(placements["placed_outcomes"], activity["completed"]),
            "women_share": _ratio(learners["women"], learners["learners"]),
        }

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
        """Enrolments and completions per week of the chart (1 query)."""
        weeks = self.chart_weeks()
        if not weeks:
            return []
        found = {
            row["week"]: row
            for row in self._rows(FigureActivity, weeks=False)
            .filter(week__gte=weeks[0], week__lte=weeks[-1])
            .values("week")
            .annotate(enrolled=Sum("enrolled"), completed=Sum("completed"))
            .order_by()
        }
        return [
            {
                "week": week,
                "enrolled": found.get(week, {}).get("enrolled", 0),
                "completed": found.get(week, {}).get("completed", 0),
            }
            for week in weeks
        ]

    # --- breakdowns ---

    def area_kind(self) -> str:
        """What the area breakdown lists: provinces, prefectures or counties."""
        if self.filters.county or self.filters.prefecture:
            return "county"
        if self.filters.province:
            return "prefecture"
        return "province"

    def areas(self) -> list[dict[str, Any]]:
        """One row per area below the filtered one (4 queries): the areas of the scope, with
        zeros where nothing happened."""
        kind = self.area_kind()
        if kind == "province":
            places = self.scope.provinces()
        elif kind == "prefecture":
            places = self.scope.prefectures().filter(province=self.filters.province)
        else:
            places = self.scope.counties().filter(
                **({"code": self.filters.county.code} if self.filters.county else {})
            )
            if self.filters.prefecture:
                places = places.filter(prefecture=self.filters.prefecture)
        key = f"{kind}_id"
        rows = [
            {"key": place.code, "name": place.name, "is_priority": getattr(place, "is_priority", False)}
            for place in places.order_by("code")
        ]
        return self._merge(rows, key, grouped=True)

    def tracks(self) -> list[dict[str, Any]]:
        rows = [{"key": track.pk, "name": track.name} for track in Track.objects.order_by("order", "name")]
        if self.filters.track:
            rows = [row for row in rows if row["key"] == self.filters.track.pk]
        return [row for row in self._merge(rows, "track_id") if row["enrolled"] or row["learners"]]

    def courses(self) -> list[dict[str, Any]]:
        """Courses with enrolments in the filters, with their track (3 queries)."""
        activity = (
            self._rows(FigureActivity)
            .values("course_id", "course__title", "track__name")
            .annotate(**_activity_sums())
            .order_by()
        )
        placements = {
            row["course_id"]: row
            for row in self._rows(FigurePlacement)
            .values("course_id")
            .annotate(**_placement_sums())
            .order_by()
        }
        rows = []
        for row in activity:
            if row["course_id"] is None or row["course__title"] is None:
                continue
            placement = placements.get(row["course_id"], dict.fromkeys(_placement_sums(), 0))
            rows.append(
                _with_rates(
                    {
                        "key": row["course_id"],
                        "name": row["course__title"],
                        "track": row["track__name"] or "",
                        **row,
                        **placement,
                    }
                )
            )
        return rows

    def by_dimension(self, dimension: str) -> list[dict[str, Any]]:
        """Rows by gender, age band or delivery (1 or 2 queries)."""
        labels = {"gender": GENDERS, "age_band": AGE_BANDS, "delivery": DELIVERIES}[dimension]
        activity = {
            row[dimension]: row
            for row in self._rows(FigureDemographic).values(dimension).annotate(**_activity_sums()).order_by()
        }
        learners = {}
        if dimension != "delivery":
            learners = {
                row[dimension]: row
                for row in self._rows(FigureLearners).values(dimension).annotate(**_learner_sums()).order_by()
            }
        rows = []
        for value, label in labels.items():
            row = {"key": value, "name": str(label)}
            row |= dict.fromkeys(_ACTIVITY_MEASURES, 0) | activity.get(value, {})
            if dimension != "delivery":
                row |= dict.fromkeys(_learner_sums(), 0) | learners.get(value, {})
            rows.append(_with_rates(row))
        return rows

    def _merge(self, rows: list[dict], key: str, *, grouped: bool = False) -> list[dict[str, Any]]:
        """``rows`` (one per area or track) with the cubes' sums grouped on ``key`` (3 queries)."""
        activity = {
            row[key]: row
            for row in self._rows(FigureActivity, grouped=grouped)
            .values(key)
            .annotate(**_activity_sums())
            .order_by()
        }
        learners = {
            row[key]: row
            for row in self._rows(FigureLearners, grouped=grouped, by_track=key == "track_id")
            .values(key)
            .annotate(**_learner_sums())
            .order_by()
        }
        placements = {
            row[key]: row
            for row in self._rows(FigurePlacement, grouped=grouped)
            .values(key)
            .annotate(**_placement_sums())
            .order_by()
        }
        empty = dict.fromkeys((*_ACTIVITY_MEASURES, *_learner_sums(), *_placement_sums()), 0)
        merged = []
        for row in rows:
            values = (
                empty
                | activity.get(row["key"], {})
                | learners.get(row["key"], {})
                | placements.get(row["key"], {})
            )
            values.pop(key, None)
            merged.append(_with_rates(row | values))
        return merged


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
}


def _learner_sums(condition: Q | None = None) -> dict[str, Coalesce]:
    condition = condition or Q()
    # First: an aggregate named like a column hides the column from the aggregates after it.
    sums = {"women": Coalesce(Sum("learners", filter=condition & Q(gender=User.Gender.FEMALE)), 0)}
    return sums | {
        name: Coalesce(Sum(column, filter=condition), 0) for name, column in _LEARNER_NAMES.items()
    }


def _activity_sums() -> dict[str, Coalesce]:
    return {name: Coalesce(Sum(name), 0) for name in _ACTIVITY_MEASURES}


def _placement_sums() -> dict[str, Coalesce]:
    return {
        "placed_outcomes": Coalesce(Sum("recorded", filter=Q(outcome__in=PlacementOutcome.PLACED)), 0),
        "recorded": Coalesce(Sum("recorded"), 0),
    }


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["completion_rate"] = _ratio(row.get("enrolled_completed", 0), row.get("enrolled", 0))
    row["placement_rate"] = _ratio(row.get("placed_outcomes", 0), row.get("completed", 0))
    if "women" in row:
        row["women_share"] = _ratio(row["women"], row.get("learners", 0))
    return row


def sort_rows(rows: Sequence[dict], key: str, *, descending: bool) -> list[dict]:
    """``rows`` sorted on ``key``, empty values (no rate) last either way."""
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]
    return sorted(present, key=lambda row: row[key], reverse=descending) + missing


def rows_for_export(rows: Iterable[dict], columns: Sequence[str]) -> Iterable[list]:
    for row in rows:
        yield [row.get(column, "") if row.get(column) is not None else "" for column in columns]
