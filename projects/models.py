"""County digital projects (Akvo RSR style): a project in one county with its owner officer and
local partner, milestones, dated updates with photos, results indicators with an actual value per
period; the local successors and the handover checklist; and the flag raised when the owner's
term nears its end with the handover not ready."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officers.models import SurveyResponse
from talentportal.validators import validate_single_line


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        HANDED_OVER = "handed_over", _("Handed over")
        ENDED = "ended", _("Ended")
        STALLED = "stalled", _("Stalled")

    # The same kinds of local organisation as the needs surveys name.
    PartnerKind = SurveyResponse.OrganisationKind

    county = models.ForeignKey(
        "counties.County", on_delete=models.PROTECT, related_name="projects", verbose_name=_("county")
    )
    title = models.CharField(_("title"), max_length=100, validators=[validate_single_line])
    description = models.TextField(_("description"), blank=True)
    # The county keeps its project when the officer's account goes.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_projects",
        verbose_name=_("owner officer"),
    )
    partner_name = models.CharField(
        _("partner organisation"), max_length=100, validators=[validate_single_line]
    )
    partner_kind = models.CharField(
        _("kind of partner"), max_length=12, choices=SurveyResponse.OrganisationKind.choices
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    survey_responses = models.ManyToManyField(
        SurveyResponse,
        blank=True,
        related_name="projects",
        verbose_name=_("needs surveys that motivated it"),
    )
    cohorts = models.ManyToManyField(
        "counties.Cohort",
        blank=True,
        related_name="projects",
        verbose_name=_("cohorts that trained people for it"),
    )
    # The add form's idempotency key: a second POST of the same form render creates nothing.
    client_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("county digital project")
        verbose_name_plural = _("county digital projects")
        indexes = [
            models.Index(fields=["county", "status", "start_date"], name="project_county_status"),
            models.Index(fields=["owner", "county", "status"], name="project_owner_county"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="project_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=100, validators=[validate_single_line])
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # The add form's idempotency key: a second POST of the same form render creates nothing.
    client_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["project", "due_on"], name="milestone_project_due")]

    def __str__(self) -> str:
        return self.title


class ProjectUpdate(models.Model):
    """A dated note on how the project goes, with an optional photo (compressed on upload,
    served only to those who may read the project, deleted with the row)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    written_on = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("text"))
    image = models.FileField(_("photo"), upload_to="projects/updates/", blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    # The add form's idempotency key: a second POST of the same form render creates nothing.
    client_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-written_on", "-pk"]
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")
        indexes = [models.Index(fields=["project", "written_on"], name="project_update_date")]

    def __str__(self) -> str:
        return f"{self.project} · {self.written_on}"


class Indicator(models.Model):
    """A result the project measures: from ``baseline`` towards ``target`` (which may be lower
    than the baseline, e.g. hours of bookkeeping by hand), with an actual value per period."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    unit = models.CharField(_("unit"), max_length=20, blank=True, validators=[validate_single_line])
    baseline = models.DecimalField(_("baseline"), max_digits=12, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    # The add form's idempotency key: a second POST of the same form render creates nothing.
    client_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class IndicatorPeriod(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="periods", verbose_name=_("indicator")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    actual = models.DecimalField(_("actual value"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["period_start", "pk"]
        verbose_name = _("indicator period")
        verbose_name_plural = _("indicator periods")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start"], name="indicator_period_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="indicator_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.period_start}–{self.period_end}"


class Successor(models.Model):
    """A local person (a learner or a coordinator of the county) who carries the project on."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="successors", verbose_name=_("project")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="project_successions",
        verbose_name=_("successor"),
    )
    role = models.CharField(_("role in the project"), max_length=60, validators=[validate_single_line])
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("successor")
        verbose_name_plural = _("successors")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="successor_unique_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.user}"


class ChecklistItem(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("project")
    )
    text = models.CharField(_("item"), max_length=200, validators=[validate_single_line])
    # The add form's idempotency key: a second POST of the same form render creates nothing.
    client_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("handover checklist item")
        verbose_name_plural = _("handover checklist items")
        indexes = [models.Index(fields=["project", "done_on"], name="checklist_project_done")]

    def __str__(self) -> str:
        return self.text


class HandoverFlag(models.Model):
    """A project (neither handed over nor ended) whose handover was not ready as its owner's term
    neared its end: one row per project and term (appointment), so the daily task flags once.
    ``notified_at`` is set once every notice of the flag was sent (or claimed)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="handover_flags", verbose_name=_("project")
    )
    # The flag outlives the officer's account (their appointments go with it).
    appointment = models.ForeignKey(
        "officers.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("term"),
    )
    term_ends_on = models.DateField(_("term ends on"))
    without_successor = models.BooleanField(_("without a successor"))
    open_items = models.PositiveIntegerField(_("open checklist items"))
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        ordering = ["-flagged_at", "-pk"]
        verbose_name = _("handover flag")
        verbose_name_plural = _("handover flags")
        constraints = [
            models.UniqueConstraint(fields=["project", "appointment"], name="handover_flag_once_per_term"),
        ]
        indexes = [models.Index(fields=["notified_at", "flagged_at"], name="handover_flag_unnotified")]

    def __str__(self) -> str:
        return f"{self.project} · {self.term_ends_on}"


class HandoverNotice(models.Model):
    """One message of a handover flag to one recipient on one channel: a person of the portal
    (the officer, a coordinator of the county) by email or SMS, or a programme address from
    settings.PROJECTS_HANDOVER_STAFF_EMAILS by email. Claimed by a conditional update before it
    is sent and marked sent after, so each message goes out at most once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    flag = models.ForeignKey(
        HandoverFlag, on_delete=models.CASCADE, related_name="notices", verbose_name=_("handover flag")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    # Only for a programme address (no recipient): a mailbox of the programme, not a person's.
    address = models.EmailField(_("programme address"), blank=True)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("handover notice")
        verbose_name_plural = _("handover notices")
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "recipient", "channel"],
                condition=Q(recipient__isnull=False),
                name="handover_notice_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["flag", "address", "channel"],
                condition=Q(recipient__isnull=True),
                name="handover_notice_once_per_address",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(address=""), name="handover_notice_has_recipient"
            ),
        ]
        indexes = [models.Index(fields=["flag", "sent_at"], name="handover_notice_unsent")]

    def __str__(self) -> str:
        return f"{self.flag} · {self.channel}"
