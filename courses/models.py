from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Track(models.Model):
    """A line of training the programme offers (e-commerce operations, AI data labelling…)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def __str__(self) -> str:
        return self.name


class CourseQuerySet(models.QuerySet):
    def published(self) -> CourseQuerySet:
        return self.filter(status=Course.Status.PUBLISHED)

    def enrollable(self) -> CourseQuerySet:
        """Courses a learner may newly enrol in: published ones (archived courses are closed)."""
        return self.published()

    def visible_to(self, user) -> CourseQuerySet:
        """Courses whose page ``user`` may open: published ones, and archived ones for staff.

        Enrolled learners keep reading an archived course through the enrollment app (their
        enrolment grants access); drafts are only seen through the staff preview.
        """
        if user.is_authenticated and user.is_staff:
            return self.filter(status__in=[Course.Status.PUBLISHED, Course.Status.ARCHIVED])
        return self.published()

    def search(self, query: str) -> CourseQuerySet:
        """Courses whose title or summary contains ``query`` (any script: 电商 finds 农村电商运营)."""
        query = query.strip()
        if not query:
            return self
        return self.filter(Q(title__icontains=query) | Q(summary__icontains=query))


class DeliveryMode(models.TextChoices):
    # The same values as counties.Cohort.Delivery: a course offers the modes its cohorts may use.
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")
    BLENDED = "blended", _("Blended")


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    class Language(models.TextChoices):
        CHINESE = "zh-hans", _("Chinese")
        ENGLISH = "en", _("English")

    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, related_name="courses", verbose_name=_("track")
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences for the catalogue.")
    )
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.BEGINNER)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.CHINESE
    )
    estimated_hours = models.PositiveSmallIntegerField(
        _("estimated hours"), default=1, help_text=_("Study time including practice and offline classes.")
    )
    offered_online = models.BooleanField(_("offered online"), default=True)
    offered_offline = models.BooleanField(_("offered in offline classes"), default=False)
    offered_blended = models.BooleanField(_("offered blended"), default=False)
    prerequisites = models.TextField(
        _("prerequisites"),
        blank=True,
        help_text=_("What a learner should know or have before starting, one per line."),
    )
    requires_final_exam = models.BooleanField(
        _("requires passing the final exam"),
        default=False,
        help_text=_("Completion needs the course's final exam passed; it then replaces the final quiz."),
    )
    certificate_shows_exam_band = models.BooleanField(
        _("certificate shows the exam band"),
        default=False,
        help_text=_("The certificate says how well the final exam went: pass, good or excellent."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The checked file a studio import made the course from: a second "Import" of the same file
    # (a double click, a resent form) finds this course instead of making another.
    import_key = models.CharField(
        _("import key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        permissions = [("publish_course", _("Can review, publish and archive courses"))]
        indexes = [
            models.Index(fields=["status", "track"], name="course_status_track"),
            models.Index(fields=["status", "level"], name="course_status_level"),
            models.Index(fields=["status", "language"], name="course_status_language"),
            models.Index(fields=["status", "-published_at"], name="course_status_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "published", "archived"]),
                name="course_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", args=[self.slug])

    @property
    def is_open_for_enrolment(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def delivery_modes(self) -> list[DeliveryMode]:
        flags = {
            DeliveryMode.ONLINE: self.offered_online,
            DeliveryMode.OFFLINE: self.offered_offline,
            DeliveryMode.BLENDED: self.offered_blended,
        }
        return [mode for mode, offered in flags.items() if offered]

    @property
    def prerequisite_list(self) -> list[str]:
        return [line.strip() for line in self.prerequisites.splitlines() if line.strip()]


class CourseStatusChange(models.Model):
    """Who moved a course from one status to another, when, and why."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("course")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=Course.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=Course.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("course status change")
        verbose_name_plural = _("course status changes")
        indexes = [models.Index(fields=["course", "-changed_at"], name="course_status_change_course")]

    def __str__(self) -> str:
        return f"{self.course}: {self.from_status} → {self.to_status}"


# Children are ordered by an ``order`` number unique within their parent. Django skips
# deferrable unique constraints on SQLite (the embedded default) entirely, so the constraints
# are immediate everywhere and the services reorder in two steps (see courses.services).


class Module(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course")
    )
    order = models.PositiveIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["course", "order"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        constraints = [models.UniqueConstraint(fields=["course", "order"], name="module_unique_order")]

    def __str__(self) -> str:
        return self.title


def validate_http_url(value: str) -> None:
    URLValidator(schemes=["http", "https"])(value)


class Lesson(models.Model):
    """A lesson keeps its primary key for life: learners' progress rows point at it."""

    class Kind(models.TextChoices):
        READING = "reading", _("Reading")
        VIDEO = "video", _("Video")
        PRACTICE = "practice", _("Practice")

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module")
    )
    order = models.PositiveIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.READING)
    body = models.TextField(_("body (Markdown)"), blank=True)
    # The sanitised HTML of ``body``, rendered by courses.services.lesson_save on every save.
    body_html = models.TextField(_("body (HTML)"), blank=True, editable=False)
    video_file = models.FileField(_("video file"), upload_to="lessons/videos/%Y/%m/", blank=True)
    # Stored with the file so that pages show it without asking the storage (0: not known).
    video_size = models.PositiveBigIntegerField(_("video size (bytes)"), default=0, editable=False)
    video_url = models.URLField(
        _("video URL"),
        max_length=500,
        blank=True,
        validators=[validate_http_url],
        help_text=_("A video on the programme's own media server (http or https)."),
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=10)
    is_required = models.BooleanField(_("required"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["module", "order"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [
            models.UniqueConstraint(fields=["module", "order"], name="lesson_unique_order"),
            models.CheckConstraint(
                condition=Q(video_url="")
                | Q(video_url__startswith="http://")
                | Q(video_url__startswith="https://"),
                name="lesson_video_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LessonAttachment(models.Model):
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("lesson")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="lessons/attachments/%Y/%m/")
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0, editable=False)

    class Meta:
        ordering = ["lesson", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class Quiz(models.Model):
    """A module's quiz, or the course's final quiz (one per course)."""

    class ShowAnswers(models.TextChoices):
        # When a learner's result page shows the right choices and the explanations. Which
        # questions they got wrong is always shown.
        AFTER_PASSING = "after_passing", _("After passing")
        AFTER_LAST_ATTEMPT = "after_last_attempt", _("After passing or the last attempt")
        NEVER = "never", _("Never")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="quizzes", verbose_name=_("course")
    )
    module = models.OneToOneField(
        Module,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quiz",
        verbose_name=_("module"),
        help_text=_("Leave empty for the course's final quiz."),
    )
    title = models.CharField(_("title"), max_length=200)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), null=True, blank=True, help_text=_("Leave empty for unlimited attempts.")
    )
    shuffle = models.BooleanField(_("shuffle questions and choices"), default=False)
    show_answers = models.CharField(
        _("show the right answers"),
        max_length=20,
        choices=ShowAnswers.choices,
        default=ShowAnswers.AFTER_LAST_ATTEMPT,
        help_text=_(
            "When a learner's result page shows the right choices and the explanations. A learner "
            "who fails always sees which questions were wrong; the right choices stay hidden while "
            "they may try again (with unlimited attempts: until they pass)."
        ),
    )

    class Meta:
        ordering = ["course", "module__order"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.UniqueConstraint(
                fields=["course"], condition=Q(module__isnull=True), name="quiz_one_final_per_course"
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="quiz_pass_mark_percent"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1),
                name="quiz_max_attempts_positive",
            ),
            models.CheckConstraint(
                condition=Q(show_answers__in=["after_passing", "after_last_attempt", "never"]),
                name="quiz_show_answers_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_final(self) -> bool:
        return self.module_id is None

    def clean(self) -> None:
        super().clean()
        if self.module_id and self.course_id and self.module.course_id != self.course_id:
            raise ValidationError({"module": _("Choose a module of this quiz's course.")})


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz"))
    order = models.PositiveIntegerField(_("order"))
    text = models.TextField(_("question"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Shown to the learner after they submit.")
    )

    class Meta:
        ordering = ["quiz", "order"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["quiz", "order"], name="question_unique_order")]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    order = models.PositiveIntegerField(_("order"))
    text = models.CharField(_("text"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["question", "order"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [models.UniqueConstraint(fields=["question", "order"], name="choice_unique_order")]

    def __str__(self) -> str:
        return self.text


# --- The authoring studio: roles per track, revisions, review comments, the audit log -----
# (services in courses.revisions; pages in the studio app)


class TrackRole(models.Model):
    """A user's studio role for one track: editors write revisions, publishers review them."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Editor")
        PUBLISHER = "publisher", _("Publisher")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="track_roles", verbose_name=_("user")
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="roles", verbose_name=_("track"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("track role")
        verbose_name_plural = _("track roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "track", "role"], name="trackrole_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["editor", "publisher"]), name="trackrole_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.track} · {self.role}"


class CourseRevision(models.Model):
    """A course as a document (courses.portability's format, each node carrying the pk of its
    live row or none when new). Learners read the live rows; publishing applies the document."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Sent back")
        PUBLISHED = "published", _("Published")

    OPEN_STATUSES = ("draft", "submitted", "returned")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("course")
    )
    number = models.PositiveIntegerField(_("number"))
    document = models.JSONField(_("document"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    changelog = models.TextField(_("what changed (for learners)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["course", "-number"]
        verbose_name = _("course revision")
        verbose_name_plural = _("course revisions")
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="courserevision_queue"),
            models.Index(fields=["course", "status", "-published_at"], name="courserevision_published"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="courserevision_unique_number"),
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="courserevision_one_open",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "published"]),
                name="courserevision_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} #{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class RevisionComment(models.Model):
    """A reviewer's comment on a revision, on one lesson (its key in the document) or on the whole."""

    revision = models.ForeignKey(
        CourseRevision, on_delete=models.CASCADE, related_name="comments", verbose_name=_("revision")
    )
    lesson_key = models.CharField(_("lesson"), max_length=40, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["revision", "created_at", "pk"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return self.text[:80]


class StudioAuditEntry(models.Model):
    """Who did what to which course in the studio, and when (the authoring audit log)."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="audit_entries", verbose_name=_("course")
    )
    revision = models.ForeignKey(
        CourseRevision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("revision"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=40)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("studio audit entry")
        verbose_name_plural = _("studio audit entries")
        indexes = [
            models.Index(fields=["course", "-at"], name="studioaudit_course"),
            models.Index(fields=["user", "-at"], name="studioaudit_user"),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.action}"


# --- Files leave storage with their rows -----------------------------------------------------
# A lesson's uploaded video and its attachments are deleted from storage once the deletion of
# their row is committed (a cascade, the admin, publishing a revision that drops them), and only
# when no other row still names the file; a rollback keeps them.


def delete_unused_files_on_commit(names) -> None:
    """After commit, delete each stored file of ``names`` that no lesson or attachment names."""
    names = {name for name in names if name}
    if not names:
        return
    storage = Lesson._meta.get_field("video_file").storage

    def delete() -> None:
        used = set(Lesson.objects.filter(video_file__in=names).values_list("video_file", flat=True))
        used |= set(LessonAttachment.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names - used:
            storage.delete(name)

    transaction.on_commit(delete)


def lesson_files_deleted(sender, instance, **kwargs) -> None:
    delete_unused_files_on_commit([instance.video_file.name])


def attachment_file_deleted(sender, instance, **kwargs) -> None:
    delete_unused_files_on_commit([instance.file.name])
