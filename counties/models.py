from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentportal.validators import validate_single_line

# Prefecture-level rows that only group counties (municipal districts, counties governed
# directly by the province): their names say nothing to a learner, so labels skip them.
GROUPING_PREFECTURE_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class Province(models.Model):
    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Prefecture(models.Model):
    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="prefectures", verbose_name=_("province")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self) -> str:
        return self.name

    @property
    def is_grouping(self) -> bool:
        return self.name in GROUPING_PREFECTURE_NAMES


class CountyQuerySet(models.QuerySet):
    def with_parents(self) -> CountyQuerySet:
        return self.select_related("prefecture", "province")

    def search(self, query: str) -> CountyQuerySet:
        """Counties whose code starts with, or whose name (or prefecture's) contains, ``query``."""
        query = query.strip()
        if not query:
            return self.none()
        if query.isdigit():
            return self.filter(code__startswith=query)
        return self.filter(
            Q(name__contains=query) | Q(prefecture__name__contains=query) | Q(province__name=query)
        )

    def coordinated_by(self, user) -> CountyQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(coordinator_assignments__coordinator=user)


class County(models.Model):
    """A county-level division (县, 区, 县级市, 旗…), keyed by its 6-digit GB/T 2260 code."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=50, db_index=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="counties", verbose_name=_("prefecture")
    )
    # Denormalised from the prefecture: figures and filters by province skip a join.
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="counties", verbose_name=_("province")
    )
    is_priority = models.BooleanField(
        _("priority county"),
        default=False,
        db_index=True,
        help_text=_(
            "A county the programme gives priority to (e.g. a national key county for rural revitalisation)."
        ),
    )

    objects = CountyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """Province, prefecture and county, e.g. 浙江省 杭州市 桐庐县 (needs ``with_parents``)."""
        parts = [self.province.name]
        if not self.prefecture.is_grouping and self.prefecture.name != self.province.name:
            parts.append(self.prefecture.name)
        parts.append(self.name)
        return " ".join(parts)


class Township(models.Model):
    """A township-level division (乡, 镇, 街道), keyed by its 9-digit code."""

    code = models.CharField(_("code"), max_length=9, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="townships", verbose_name=_("county")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")

    def __str__(self) -> str:
        return self.name


class SchoolType(models.TextChoices):
    """The kind of school a learner is in, or none: some skills competitions are open to one kind
    only (a secondary vocational schools' contest, one for rural workers)."""

    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school (中职, 技校)")
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college (高职, 大专)")
    HIGH_SCHOOL = "high_school", _("General high school")
    UNIVERSITY = "university", _("University")
    NOT_IN_SCHOOL = "not_in_school", _("Not in school (farming, working, other)")


class LearnerProfile(models.Model):
    """Where a learner studies: their county (chosen at sign-up), school and kind of school."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="learner_profile",
        verbose_name=_("user"),
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="learner_profiles", verbose_name=_("county")
    )
    school = models.CharField(_("school"), max_length=100, blank=True)
    school_type = models.CharField(_("school type"), max_length=24, choices=SchoolType.choices, blank=True)

    class Meta:
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")

    def __str__(self) -> str:
        return f"{self.user} · {self.county}"


class CoordinatorAssignment(models.Model):
    """A user who coordinates the programme in one county (a user may have several)."""

    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coordinator_assignments",
        verbose_name=_("coordinator"),
    )
    county = models.ForeignKey(
        County, on_delete=models.CASCADE, related_name="coordinator_assignments", verbose_name=_("county")
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coordinator assignment")
        verbose_name_plural = _("coordinator assignments")
        constraints = [
            models.UniqueConstraint(fields=["coordinator", "county"], name="unique_coordinator_county"),
        ]

    def __str__(self) -> str:
        return f"{self.coordinator} → {self.county}"


JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in class
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    """A short code that is hard to guess: 32**8 ≈ 10**12 possibilities."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class CohortQuerySet(models.QuerySet):
    def visible_to(self, user) -> CohortQuerySet:
        """Cohorts a coordinator may manage: those of their counties (all for staff)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        # A subquery rather than a join: PostgreSQL then looks a cohort up by its key and checks
        # its county, instead of listing every cohort of the coordinator's counties.
        counties = CoordinatorAssignment.objects.filter(coordinator=user).values("county_id")
        return self.filter(county_id__in=counties)

    def open_for_joining(self) -> CohortQuerySet:
        return self.filter(status__in=[Cohort.Status.OPEN, Cohort.Status.RUNNING])

    def upcoming(self, today=None) -> CohortQuerySet:
        """Cohorts a learner can still join: open or running and not yet ended."""
        today = today or timezone.localdate()
        return self.open_for_joining().filter(end_date__gte=today)


class Cohort(models.Model):
    """A course run in one county: dates, capacity, delivery, and a join code."""

    class Delivery(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("Offline")
        BLENDED = "blended", _("Blended")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for joining")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("course")
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("county")
    )
    # The class name goes into email subjects, file names and sheet titles: one line of text.
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveIntegerField(_("capacity"))
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.BLENDED
    )
    requires_approval = models.BooleanField(_("joining needs approval"), default=False)
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance for the certificate (%)"), default=0
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    join_code = models.CharField(_("join code"), max_length=16, unique=True, default=new_join_code)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        indexes = [
            models.Index(fields=["county", "status", "end_date"], name="cohort_county_status_end"),
            models.Index(fields=["course", "status", "end_date"], name="cohort_course_status_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="cohort_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="cohort_capacity_positive"),
            models.CheckConstraint(
                condition=Q(min_attendance_percent__lte=100), name="cohort_min_attendance_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClassSessionQuerySet(models.QuerySet):
    def held(self, today: datetime.date | None = None) -> ClassSessionQuerySet:
        """The sessions that count for attendance: those of the days before ``today``, and
        today's once their roll call is taken (a class later today is not missed yet). The one
        rule for the learner's completion, their attendance page and the roster."""
        today = today or timezone.localdate()
        roll_call_taken = models.Exists(Attendance.objects.filter(session=models.OuterRef("pk")))
        return self.filter(models.Q(date__lt=today) | models.Q(roll_call_taken, date=today))


class ClassSession(models.Model):
    """An offline class of a cohort: when, where and what."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="class_sessions", verbose_name=_("cohort")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ClassSessionQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        indexes = [models.Index(fields=["cohort", "date"], name="classsession_cohort_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.topic or self.place}"


class Attendance(models.Model):
    """One learner's presence at one class session (a row per learner once roll is taken)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(
        ClassSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("class session")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("learner"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "learner"], name="attendance_unique_session_learner"),
        ]
        indexes = [models.Index(fields=["learner", "session"], name="attendance_learner_session")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.session} · {self.get_status_display()}"


class Announcement(models.Model):
    """A coordinator's message to a cohort: emailed and shown on learners' dashboards."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("cohort")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    # The title is the email's subject: a line break would split the header.
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set once every batch was sent; until then the sweep queues the email again.
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # The highest learner pk whose batch was sent: a later run resumes after it.
    emailed_up_to_learner_id = models.PositiveBigIntegerField(_("emailed up to learner"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [
            models.Index(fields=["cohort", "-created_at"], name="announcement_cohort_created"),
            models.Index(
                fields=["created_at"], condition=Q(emailed_at__isnull=True), name="announcement_not_emailed"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlacementOutcome(models.Model):
    """Where a learner went after completing a course: the programme's promise ends in a job.

    One outcome per learner and course; recording it again replaces it (the latest word counts).
    """

    class Outcome(models.TextChoices):
        EMPLOYED = "employed", _("Employed")
        SELF_EMPLOYED = "self_employed", _("Self-employed or running an online shop")
        FURTHER_STUDY = "further_study", _("Further study")
        SEEKING = "seeking", _("Still seeking work")

    class WageBand(models.TextChoices):
        UNDER_2000 = "lt2000", _("Under ¥2,000 a month")
        FROM_2000 = "2000_3999", _("¥2,000–3,999 a month")
        FROM_4000 = "4000_5999", _("¥4,000–5,999 a month")
        FROM_6000 = "6000_7999", _("¥6,000–7,999 a month")
        FROM_8000 = "ge8000", _("¥8,000 a month or more")

    class Source(models.TextChoices):
        COORDINATOR = "coordinator", _("Entered by a coordinator")
        EMPLOYER = "employer", _("Confirmed by the employer")

    # Outcomes counted as placed in the placement rate (升学 counts, as in vocational statistics).
    PLACED = (Outcome.EMPLOYED, Outcome.SELF_EMPLOYED, Outcome.FURTHER_STUDY)

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="placement_outcomes",
        verbose_name=_("learner"),
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="placement_outcomes", verbose_name=_("county")
    )
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placement_outcomes",
        verbose_name=_("cohort"),
    )
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placement_outcomes",
        verbose_name=_("course"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    wage_band = models.CharField(_("monthly wage"), max_length=10, choices=WageBand.choices, blank=True)
    outcome_date = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.COORDINATOR)

    class Meta:
        ordering = ["-outcome_date"]
        verbose_name = _("placement outcome")
        verbose_name_plural = _("placement outcomes")
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="placement_unique_learner_course"),
            # NULLs are distinct in the constraint above: one outcome without a course per learner.
            models.UniqueConstraint(
                fields=["learner"],
                condition=Q(course__isnull=True),
                name="placement_unique_learner_no_course",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "outcome"], name="placement_county_outcome"),
            models.Index(fields=["cohort"], name="placement_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.get_outcome_display()}"


class ImportJob(models.Model):
    """A spreadsheet of students imported into a cohort: a dry run first, then the commit.

    ``results`` keeps one entry per row (outcome and reason) for the preview page and the report.
    Large files are processed by a Celery task that updates ``processed_rows`` (and ``updated_at``)
    as it goes; a job CHECKING or IMPORTING whose ``updated_at`` stopped moving is queued again by
    the sweep, ``requeue_count`` times at most before it is failed.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        CHECKED = "checked", _("Checked, ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("cohort")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("new accounts"), default=0)
    matched_count = models.PositiveIntegerField(_("existing accounts"), default=0)
    enrolled_count = models.PositiveIntegerField(_("enrolled"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    results = models.JSONField(_("row results"), default=list, blank=True)
    report = models.FileField(_("result report"), upload_to="imports/reports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    site_url = models.CharField(_("site address"), max_length=200, blank=True)
    requeue_count = models.PositiveSmallIntegerField(_("times queued again"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("student import")
        verbose_name_plural = _("student imports")
        indexes = [
            models.Index(fields=["cohort", "-created_at"], name="importjob_cohort_created"),
            models.Index(
                fields=["updated_at"],
                condition=Q(status__in=["checking", "importing"]),
                name="importjob_running_updated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.original_name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def can_retry(self) -> bool:
        """Failed after its dry run found rows to import (the import failed, or stopped): the
        coordinator may import it again (see coordinator.imports.import_job_claim)."""
        return self.status == self.Status.FAILED and bool(self.created_count or self.matched_count)


class InvitationLogQuerySet(models.QuerySet):
    def sms(self) -> InvitationLogQuerySet:
        return self.filter(channel=InvitationLog.Channel.SMS)

    def since(self, moment) -> InvitationLogQuerySet:
        return self.filter(sent_at__gte=moment)


class InvitationLog(models.Model):
    """One invitation to set a password sent to an imported learner, by email or SMS.

    The rate limit of invitations counts these rows (the database, not the cache: an outage of the
    cache neither blocks invitations nor lets them through unlimited). Each mobile number and
    email address belongs to one account, so counting per learner is counting per number.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitation_logs",
        verbose_name=_("learner"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = InvitationLogQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["user", "sent_at"], name="invitationlog_user_sent")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.channel} · {self.sent_at:%Y-%m-%d %H:%M}"
