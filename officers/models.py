"""Technology officers (乡村振兴技术官): their appointments to counties for a term, and the needs
surveys they fill in during visits, with the answers and the photos taken."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentportal.validators import validate_single_line


class AppointmentQuerySet(models.QuerySet):
    def current(self, today: datetime.date | None = None) -> AppointmentQuerySet:
        """Appointments in their term on ``today`` (inclusive) and not ended by staff."""
        today = today or timezone.localdate()
        return self.filter(term_start__lte=today, term_end__gte=today).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=today)
        )


class Appointment(models.Model):
    """A person appointed by staff as technology officer for one county, for a term. An officer of
    several counties has one row per county."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="officer_appointments",
        verbose_name=_("officer"),
    )
    county = models.ForeignKey(
        "counties.County",
        on_delete=models.PROTECT,
        related_name="officer_appointments",
        verbose_name=_("county"),
    )
    home_organisation = models.CharField(
        _("home organisation"), max_length=100, validators=[validate_single_line]
    )
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, help_text=_("Set when staff end the appointment early.")
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["term_start", "pk"]
        verbose_name = _("officer appointment")
        verbose_name_plural = _("officer appointments")
        indexes = [
            models.Index(fields=["user", "term_start", "term_end"], name="officer_appt_user_term"),
            models.Index(fields=["county", "term_start", "term_end"], name="officer_appt_county_term"),
            # The daily handover check: terms ending, or ended early, around today.
            models.Index(fields=["term_end"], name="officer_appt_term_end"),
            models.Index(fields=["ended_on"], name="officer_appt_ended_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="officer_appt_term_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.county}"


class Survey(models.Model):
    """A needs survey defined by staff, for one county or (county empty) for every county."""

    title = models.CharField(_("title"), max_length=100, validators=[validate_single_line])
    county = models.ForeignKey(
        "counties.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officer_surveys",
        verbose_name=_("county"),
        help_text=_("Leave empty for a survey of every county."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("needs survey")
        verbose_name_plural = _("needs surveys")
        indexes = [models.Index(fields=["is_active", "county"], name="officer_survey_active_county")]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        PHOTO = "photo", _("Photo")
        PLACE = "place", _("Township and village")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One choice per line."))
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class SurveyResponse(models.Model):
    """One survey filled in by an officer for a named local organisation. ``client_key`` is
    chosen by the form (the device, when sent later): the same key is the same response. The
    response is the county's data: it stays when the officer's account is deleted (officer set
    to NULL)."""

    class OrganisationKind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        COOPERATIVE = "cooperative", _("Cooperative")
        VILLAGE_COMMITTEE = "village", _("Village committee")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="officer_survey_responses",
        verbose_name=_("officer"),
    )
    county = models.ForeignKey(
        "counties.County",
        on_delete=models.PROTECT,
        related_name="officer_survey_responses",
        verbose_name=_("county"),
    )
    organisation_name = models.CharField(_("organisation"), max_length=100, validators=[validate_single_line])
    organisation_kind = models.CharField(
        _("kind of organisation"), max_length=12, choices=OrganisationKind.choices
    )
    # {question id (str): text | [choices] | number | "YYYY-MM-DD" | {"township", "village"}}
    answers = models.JSONField(_("answers"), default=dict)
    client_key = models.UUIDField(_("client key"), unique=True, default=uuid.uuid4)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [
            models.Index(fields=["county", "submitted_at"], name="officer_resp_county_time"),
            models.Index(fields=["survey", "county"], name="officer_resp_survey_county"),
            models.Index(fields=["officer", "county"], name="officer_resp_officer_county"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.organisation_name}"


class ResponsePhoto(models.Model):
    """A photo answer, compressed on upload (officers.images) and stored under a random name."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="photos", verbose_name=_("response")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="+", verbose_name=_("question")
    )
    image = models.FileField(_("photo"), upload_to="officers/photos/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))

    class Meta:
        verbose_name = _("response photo")
        verbose_name_plural = _("response photos")

    def __str__(self) -> str:
        return self.image.name


class Visit(models.Model):
    """One visit an officer logged: when, where (township, village), whom they met, how long, and
    the needs surveys filled in on it. The visit is the county's record: it stays when the officer's
    account is deleted (officer set to NULL)."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="officer_visits",
        verbose_name=_("officer"),
    )
    county = models.ForeignKey(
        "counties.County", on_delete=models.PROTECT, related_name="officer_visits", verbose_name=_("county")
    )
    visited_on = models.DateField(_("date of visit"))
    township = models.ForeignKey(
        "counties.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officer_visits",
        verbose_name=_("township"),
    )
    village = models.CharField(_("village"), max_length=60, blank=True, validators=[validate_single_line])
    organisations_met = models.TextField(
        _("organisations met"), blank=True, help_text=_("One organisation per line.")
    )
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"))
    notes = models.TextField(_("notes"), blank=True)
    responses = models.ManyToManyField(
        SurveyResponse, blank=True, related_name="visits", verbose_name=_("surveys filled in")
    )
    # The form's key, made for each new visit form (on the phone for one logged offline): a visit
    # sent twice (a lost answer, a double press) is logged once.
    client_key = models.UUIDField(_("client key"), null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["county", "visited_on"], name="officer_visit_county_date"),
            models.Index(fields=["officer", "visited_on"], name="officer_visit_officer_date"),
        ]

    def __str__(self) -> str:
        return f"{self.county} · {self.visited_on}"

    @property
    def organisation_list(self) -> list[str]:
        return [line.strip() for line in self.organisations_met.splitlines() if line.strip()]
