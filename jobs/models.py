"""Hiring: verified employers, their job posts, learners' applications with the consent they gave,
and each application's way through the pipeline."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from counties.models import County
from courses.models import Course
from talentportal.validators import validate_single_line

from .validators import validate_credit_code


class EmployerQuerySet(models.QuerySet):
    def verified(self) -> EmployerQuerySet:
        return self.filter(status=Employer.Status.VERIFIED)


class Employer(models.Model):
    """An organisation that hires learners. Staff verify it before it may post or see anyone;
    staff may suspend it later (its posts leave the board, its people lose the employer pages)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("organisation name"), max_length=200, validators=[validate_single_line])
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="employers", verbose_name=_("county")
    )
    address = models.CharField(_("address"), max_length=200, validators=[validate_single_line])
    contact_name = models.CharField(_("contact person"), max_length=100, validators=[validate_single_line])
    contact_phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_single_line])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed up by"),
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = EmployerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        indexes = [models.Index(fields=["status", "created_at"], name="employer_status_created")]

    def __str__(self) -> str:
        return self.name


class EmployerMember(models.Model):
    """A person who acts for an employer. A person acts for one employer at most."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        RECRUITER = "recruiter", _("Recruiter")

    employer = models.ForeignKey(
        Employer, on_delete=models.CASCADE, related_name="members", verbose_name=_("employer")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="employer_membership",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.RECRUITER)
    is_pending = models.BooleanField(
        _("invitation not yet accepted"),
        default=False,
        help_text=_("An invited person acts for the employer only once they accept."),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["added_at"]
        verbose_name = _("employer member")
        verbose_name_plural = _("employer members")

    def __str__(self) -> str:
        return f"{self.user} → {self.employer}"


class JobPostQuerySet(models.QuerySet):
    def open(self, today=None) -> JobPostQuerySet:
        """Published, not past its deadline, by an employer still verified: what learners see."""
        today = today or timezone.localdate()
        return self.filter(
            status=JobPost.Status.PUBLISHED,
            deadline__gte=today,
            employer__status=Employer.Status.VERIFIED,
        )


class JobPost(models.Model):
    """A job an employer offers. Drafts go to staff for review; a published post is on the board
    until its deadline (then it has expired) or until the employer closes it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        CLOSED = "closed", _("Closed")

    class Hours(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time")
        PART_TIME = "part_time", _("Part-time")
        PIECE_RATE = "piece_rate", _("Piece-rate")

    class PayPeriod(models.TextChoices):
        MONTH = "month", _("a month")
        DAY = "day", _("a day")
        PIECE = "piece", _("a piece")

    employer = models.ForeignKey(
        Employer, on_delete=models.CASCADE, related_name="posts", verbose_name=_("employer")
    )
    title = models.CharField(_("job title"), max_length=100, validators=[validate_single_line])
    description = models.TextField(_("description"))
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job_posts",
        verbose_name=_("county"),
    )
    is_remote = models.BooleanField(_("remote or home-based"), default=False)
    hours = models.CharField(_("hours"), max_length=12, choices=Hours.choices, default=Hours.FULL_TIME)
    pay_min = models.DecimalField(
        _("pay from (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    pay_max = models.DecimalField(
        _("pay up to (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    pay_period = models.CharField(
        _("pay per"), max_length=6, choices=PayPeriod.choices, default=PayPeriod.MONTH
    )
    openings = models.PositiveSmallIntegerField(_("openings"), default=1, validators=[MinValueValidator(1)])
    deadline = models.DateField(_("apply by"))
    required_courses = models.ManyToManyField(
        Course,
        blank=True,
        related_name="job_posts",
        verbose_name=_("required courses"),
        help_text=_("Learners qualify once they have completed each of these courses."),
    )
    min_exam_percent = models.PositiveSmallIntegerField(
        _("minimum final exam score (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Leave empty if any score will do."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = JobPostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job post")
        verbose_name_plural = _("job posts")
        indexes = [
            models.Index(fields=["status", "county", "deadline"], name="jobpost_status_county_deadline"),
            models.Index(fields=["status", "is_remote", "deadline"], name="jobpost_status_remote_deadline"),
            models.Index(fields=["status", "created_at"], name="jobpost_status_created"),
            models.Index(fields=["employer", "status"], name="jobpost_employer_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_remote=True) | Q(county__isnull=False), name="jobpost_has_a_place"
            ),
            models.CheckConstraint(condition=Q(pay_max__gte=models.F("pay_min")), name="jobpost_pay_range"),
            models.CheckConstraint(condition=Q(pay_min__gte=0), name="jobpost_pay_not_negative"),
            models.CheckConstraint(condition=Q(openings__gte=1), name="jobpost_at_least_one_opening"),
            models.CheckConstraint(
                condition=Q(min_exam_percent__isnull=True) | Q(min_exam_percent__lte=100),
                name="jobpost_exam_percent_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_expired(self, today=None) -> bool:
        return self.deadline < (today or timezone.localdate())


class JobApplicationQuerySet(models.QuerySet):
    def consented(self) -> JobApplicationQuerySet:
        """Applications whose learner has not revoked their consent: the only ones an employer sees."""
        return self.filter(revoked_at__isnull=True)


class JobApplication(models.Model):
    """A learner's application to a post, with exactly what they agreed to share.

    ``shared`` is the consent snapshot: the fields and values the employer receives, frozen when
    the learner consented (``consented_at``). The employer sees nothing else about the learner.
    Revoking the consent (``revoked_at``) hides the application from the employer for good.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        VIEWED = "viewed", _("Viewed by the employer")
        INTERVIEW = "interview", _("Interview")
        OFFER = "offer", _("Offer")
        HIRED = "hired", _("Hired")
        NOT_SELECTED = "not_selected", _("Not selected")

    post = models.ForeignKey(
        JobPost, on_delete=models.CASCADE, related_name="applications", verbose_name=_("job post")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="job_applications",
        verbose_name=_("learner"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    shared = models.JSONField(_("what the learner agreed to share"), default=dict)
    consented_at = models.DateTimeField(_("consent given at"))
    revoked_at = models.DateTimeField(_("consent revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = JobApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job application")
        verbose_name_plural = _("job applications")
        constraints = [
            models.UniqueConstraint(fields=["post", "learner"], name="jobapplication_one_per_post"),
        ]
        indexes = [
            models.Index(fields=["post", "status"], name="jobapp_post_status"),
            models.Index(fields=["learner", "created_at"], name="jobapp_learner_created"),
            models.Index(fields=["learner", "status"], name="jobapp_learner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} → {self.post}"


class ApplicationEvent(models.Model):
    """A step of an application: the status it reached, when, who moved it and their note. The
    learner is told of each step by email or SMS (``notified_at`` once done)."""

    application = models.ForeignKey(
        JobApplication, on_delete=models.CASCADE, related_name="events", verbose_name=_("application")
    )
    status = models.CharField(_("status"), max_length=12, choices=JobApplication.Status.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    notified_at = models.DateTimeField(_("learner told at"), null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        indexes = [
            models.Index(fields=["application", "at"], name="jobappevent_application_at"),
            models.Index(fields=["at"], condition=Q(notified_at__isnull=True), name="jobappevent_unnotified"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.status}"


# --- the talent pool -----------------------------------------------------------------------------


class TalentProfile(models.Model):
    """A learner's opt-in to be found by verified employers, with the fields they choose to show.
    Their contact details are never shown: an employer asks, and gets them once the learner
    accepts (ContactRequest)."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="talent_profile",
        verbose_name=_("learner"),
    )
    is_visible = models.BooleanField(_("let verified employers find me"), default=False)
    skills = models.CharField(
        _("skills"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("A few words employers search for, e.g. 直播带货, 数据标注, 客服."),
    )
    share_name = models.BooleanField(_("show my name"), default=False)
    share_county = models.BooleanField(_("show my county"), default=True)
    share_certificates = models.BooleanField(_("show my certificates"), default=True)
    share_exam_results = models.BooleanField(_("show my final exam results"), default=False)
    share_awards = models.BooleanField(_("show my awards"), default=True)
    share_attendance = models.BooleanField(_("show my attendance rate"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("talent profile")
        verbose_name_plural = _("talent profiles")
        indexes = [models.Index(fields=["is_visible", "-updated_at"], name="talent_visible_updated")]

    def __str__(self) -> str:
        return str(self.learner)


class ContactRequest(models.Model):
    """An employer asking a learner in the talent pool for their contact details."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn by the learner")

    employer = models.ForeignKey(
        Employer, on_delete=models.CASCADE, related_name="contact_requests", verbose_name=_("employer")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact_requests",
        verbose_name=_("learner"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        constraints = [
            models.UniqueConstraint(fields=["employer", "learner"], name="contactrequest_one_per_employer"),
        ]
        indexes = [
            models.Index(fields=["learner", "-created_at"], name="contactreq_learner_created"),
            models.Index(fields=["employer", "-created_at"], name="contactreq_employer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.employer} → {self.learner}"


# --- job fairs -----------------------------------------------------------------------------------


class JobFair(models.Model):
    """A two-way job fair (招聘会) a coordinator organises in their county: employers and their
    posts take part, learners register."""

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="job_fairs", verbose_name=_("county")
    )
    title = models.CharField(_("title"), max_length=100, validators=[validate_single_line])
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, validators=[validate_single_line])
    employers = models.ManyToManyField(
        Employer, blank=True, related_name="job_fairs", verbose_name=_("participating employers")
    )
    posts = models.ManyToManyField(JobPost, blank=True, related_name="job_fairs", verbose_name=_("posts"))
    organised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organised by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("job fair")
        verbose_name_plural = _("job fairs")
        indexes = [models.Index(fields=["county", "date"], name="jobfair_county_date")]

    def __str__(self) -> str:
        return self.title


class FairRegistration(models.Model):
    fair = models.ForeignKey(
        JobFair, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("job fair")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="fair_registrations",
        verbose_name=_("learner"),
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job fair registration")
        verbose_name_plural = _("job fair registrations")
        constraints = [
            models.UniqueConstraint(fields=["fair", "learner"], name="fairregistration_once"),
        ]
        indexes = [models.Index(fields=["learner", "registered_at"], name="fairreg_learner_registered")]

    def __str__(self) -> str:
        return f"{self.learner} → {self.fair}"
