"""Question banks in the admin: a bank with its questions inline; a question with its options
inline, checked by the rules of ``exams.services.question_problems`` before it is saved. Exams
with their blueprint rules inline (and their time limit, window, attempts allowed, cool-off,
score policy and results release), the blueprint checked on the page, published by
``exams.papers.exam_publish`` and their results released by ``exams.policy.results_release``.
Cohort windows and learners' exceptions are written through ``exams.policy`` (each with its
audit entry; an exception always with a reason). Attempts with their deadline, drawn papers,
answers, points and event log, exam rooms, attempt events and the audit log: read-only. Staff
with the exams model permissions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    AttemptEvent,
    AttemptQuestion,
    BankChoice,
    BankImport,
    BankQuestion,
    BlueprintRule,
    Exam,
    ExamAttempt,
    ExamAuditEntry,
    ExamException,
    ExamRoom,
    ExamWindow,
    KnowledgePoint,
    QuestionBank,
)
from .papers import PaperError, blueprint_problems, exam_publish
from .policy import (
    MAX_EXTRA_ATTEMPTS,
    MAX_EXTRA_MINUTES,
    exam_window_clear,
    exam_window_set,
    exception_grant,
    exception_revoke,
    results_release,
)
from .services import QUESTION_ERRORS, exam_next_position, question_problems


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log or a record written by the exams services only: staff look, nobody edits."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BankQuestionInline(admin.TabularInline):
    model = BankQuestion
    fields = ["order", "kind", "text", "difficulty"]
    readonly_fields = ["kind", "text", "difficulty"]
    extra = 0
    show_change_link = True
    can_delete = True

    def has_add_permission(self, request, obj=None):
        # A question is added on its own page, where its options are checked with it.
        return False


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "track", "updated_at", "import_link", "analysis_link"]
    list_filter = ["track"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [BankQuestionInline]

    @admin.display(description=_("spreadsheet"))
    def import_link(self, bank):
        return format_html(
            '<a href="{}">{}</a>', reverse("exams:bank_upload", args=[bank.pk]), _("Import or download")
        )

    @admin.display(description=_("item analysis"))
    def analysis_link(self, bank):
        return format_html(
            '<a href="{}">{}</a>', reverse("exams:bank_analysis", args=[bank.pk]), _("How its questions did")
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ChoiceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        question = self.instance
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("text")
        ]
        codes = question_problems(
            kind=question.kind,
            text=question.text,
            difficulty=question.difficulty,
            choices=[(data["text"], data.get("is_correct", False)) for data in kept],
            accepted_answers=question.answer_list(),
        )
        if codes:
            raise ValidationError([str(QUESTION_ERRORS[code]) for code in codes])


class BankChoiceInline(admin.TabularInline):
    model = BankChoice
    formset = ChoiceFormSet
    fields = ["order", "text", "is_correct"]
    extra = 4


@admin.register(BankQuestion)
class BankQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "bank", "kind", "difficulty"]
    list_filter = ["kind", "difficulty", "bank"]
    search_fields = ["text"]
    list_select_related = ["bank"]
    autocomplete_fields = ["bank"]
    filter_horizontal = ["knowledge_points"]
    inlines = [BankChoiceInline]


@admin.register(KnowledgePoint)
class KnowledgePointAdmin(admin.ModelAdmin):
    list_display = ["name", "bank"]
    search_fields = ["name"]
    list_select_related = ["bank"]


@admin.register(BankImport)
class BankImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "bank", "status", "error_count", "imported_count", "created_at"]
    list_select_related = ["bank"]
    readonly_fields = [field.name for field in BankImport._meta.fields]

    def has_add_permission(self, request):
        return False


class BlueprintRuleInline(admin.TabularInline):
    model = BlueprintRule
    fields = [
        "order",
        "bank",
        "kind",
        "difficulty_min",
        "difficulty_max",
        "knowledge_point",
        "count",
        "points",
    ]
    autocomplete_fields = ["bank", "knowledge_point"]
    extra = 1


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "course",
        "status",
        "is_final",
        "pass_mark_percent",
        "time_limit_minutes",
        "max_attempts",
        "release",
        "results_released_at",
        "analysis_link",
    ]
    list_filter = ["status", "release", "is_final"]
    list_select_related = ["course"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    readonly_fields = [
        "status",
        "blueprint_check",
        "results_released_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "course", "is_final", "status", "blueprint_check"]}),
        (
            _("Sitting"),
            {"fields": ["time_limit_minutes", "opens_at", "closes_at", "max_attempts", "cool_off_minutes"]},
        ),
        (
            _("Results"),
            {"fields": ["pass_mark_percent", "score_policy", "release", "results_released_at"]},
        ),
        (_("Record"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
    inlines = [BlueprintRuleInline]
    actions = ["publish", "release_results"]

    @admin.display(description=_("blueprint check"))
    def blueprint_check(self, exam):
        if exam.pk is None:
            return _("Save the exam with its rules to check them.")
        problems = blueprint_problems(exam)
        if not problems:
            return _("The banks have enough questions for every rule.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems)))

    @admin.display(description=_("item analysis"))
    def analysis_link(self, exam):
        return format_html(
            '<a href="{}">{}</a>', reverse("exams:analysis", args=[exam.pk]), _("How its questions did")
        )

    @admin.action(description=_("Publish the selected exams"), permissions=["change"])
    def publish(self, request, queryset):
        published = 0
        for exam in queryset:
            try:
                exam_publish(exam=exam, by=request.user)
            except PaperError as error:
                self.message_user(
                    request,
                    _("%(exam)s was not published: %(problems)s") % {"exam": exam, "problems": error},
                    messages.ERROR,
                )
            else:
                published += 1
        if published:
            self.message_user(
                request,
                ngettext("%(count)d exam published.", "%(count)d exams published.", published)
                % {"count": published},
                messages.SUCCESS,
            )

    @admin.action(description=_("Release the results of the selected exams"), permissions=["change"])
    def release_results(self, request, queryset):
        released = 0
        for exam in queryset:
            if exam.release != Exam.Release.MANUAL:
                self.message_user(
                    request,
                    _("%(exam)s releases its results on its own (%(release)s): nothing to do.")
                    % {"exam": exam, "release": exam.get_release_display()},
                    messages.WARNING,
                )
            elif exam.results_released_at is None:
                results_release(exam=exam, by=request.user)
                released += 1
        if released:
            self.message_user(
                request,
                ngettext(
                    "The results of %(count)d exam were released.",
                    "The results of %(count)d exams were released.",
                    released,
                )
                % {"count": released},
                messages.SUCCESS,
            )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.position = exam_next_position(course_id=obj.course_id)
        super().save_model(request, obj, form, change)


class ExamWindowForm(forms.ModelForm):
    class Meta:
        model = ExamWindow
        fields = ["exam", "cohort", "opens_at", "closes_at"]

    def clean(self):
        data = super().clean()
        exam = data.get("exam") or getattr(self.instance, "exam", None)
        cohort = data.get("cohort") or getattr(self.instance, "cohort", None)
        if exam is not None and cohort is not None and cohort.course_id != exam.course_id:
            raise ValidationError({"cohort": _("Choose a cohort of the exam's course.")})
        return data


@admin.register(ExamWindow)
class ExamWindowAdmin(admin.ModelAdmin):
    """A cohort's window, set through ``exam_window_set`` (moved) and ``exam_window_clear``
    (deleted), each with its audit entry."""

    form = ExamWindowForm
    list_display = ["exam", "cohort", "opens_at", "closes_at", "set_by", "updated_at"]
    list_select_related = ["exam", "cohort", "set_by"]
    search_fields = ["exam__title", "cohort__name"]
    autocomplete_fields = ["exam", "cohort"]
    readonly_fields = ["set_by", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A window belongs to its exam and cohort: another pair is another window.
        return [*self.readonly_fields, "exam", "cohort"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        window = exam_window_set(
            exam=obj.exam, cohort=obj.cohort, opens_at=obj.opens_at, closes_at=obj.closes_at, by=request.user
        )
        obj.pk, obj.set_by, obj.updated_at = window.pk, window.set_by, window.updated_at

    def delete_model(self, request, obj):
        exam_window_clear(exam=obj.exam, cohort=obj.cohort, by=request.user)

    def delete_queryset(self, request, queryset):
        for window in queryset.select_related("exam", "cohort"):
            self.delete_model(request, window)


class ExamExceptionForm(forms.ModelForm):
    """The rules of ``exams.policy.exception_grant``, checked on the form so that the page shows
    what is wrong (the service checks them again)."""

    class Meta:
        model = ExamException
        fields = ["exam", "enrollment", "extra_minutes", "extra_attempts", "opens_at", "closes_at", "reason"]

    def clean(self):
        data = super().clean()
        exam = data.get("exam") or getattr(self.instance, "exam", None)
        enrollment = data.get("enrollment") or getattr(self.instance, "enrollment", None)
        if exam is not None and enrollment is not None and enrollment.course_id != exam.course_id:
            self.add_error("enrollment", _("This learner is not enrolled in the exam's course."))
        minutes, attempts = data.get("extra_minutes") or 0, data.get("extra_attempts") or 0
        if minutes > MAX_EXTRA_MINUTES:
            self.add_error(
                "extra_minutes", _("Extra time is from 0 to %(max)d minutes.") % {"max": MAX_EXTRA_MINUTES}
            )
        if attempts > MAX_EXTRA_ATTEMPTS:
            self.add_error(
                "extra_attempts", _("Extra attempts are from 0 to %(max)d.") % {"max": MAX_EXTRA_ATTEMPTS}
            )
        if not (minutes or attempts or data.get("opens_at") or data.get("closes_at")):
            raise ValidationError(_("Grant extra time, extra attempts or a window of the learner's own."))
        return data


@admin.register(ExamException)
class ExamExceptionAdmin(admin.ModelAdmin):
    """A learner's exception, granted through ``exception_grant`` (with the reason in the audit
    log); deleting one writes an audit entry too."""

    form = ExamExceptionForm
    list_display = [
        "exam",
        "enrollment",
        "extra_minutes",
        "extra_attempts",
        "reason",
        "granted_by",
        "granted_at",
    ]
    list_select_related = ["exam", "enrollment__learner", "enrollment__course", "granted_by"]
    search_fields = ["exam__title", "enrollment__learner__name", "enrollment__learner__email", "reason"]
    autocomplete_fields = ["exam", "enrollment"]
    readonly_fields = ["granted_by", "granted_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "exam", "enrollment"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        exception = exception_grant(
            exam=obj.exam,
            enrollment=obj.enrollment,
            reason=obj.reason,
            by=request.user,
            extra_minutes=obj.extra_minutes,
            extra_attempts=obj.extra_attempts,
            opens_at=obj.opens_at,
            closes_at=obj.closes_at,
        )
        obj.pk, obj.granted_by, obj.granted_at = exception.pk, exception.granted_by, exception.granted_at

    def delete_model(self, request, obj):
        exception_revoke(exception=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for exception in queryset:
            self.delete_model(request, exception)


@admin.register(ExamRoom)
class ExamRoomAdmin(ReadOnlyAdmin):
    """Opened, paused and closed by coordinators (``exams.rooms``). The code's secret is never
    shown."""

    list_display = ["exam", "session", "opened_by", "opened_at", "paused_at", "closed_at"]
    list_select_related = ["exam", "session__cohort", "opened_by"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["exam__title", "session__cohort__name"]
    fields = ["exam", "session", "opened_by", "opened_at", "paused_at", "closed_at"]


@admin.register(AttemptEvent)
class AttemptEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "attempt", "kind", "position", "device"]
    list_select_related = ["attempt__exam"]
    list_filter = ["kind"]
    search_fields = ["attempt__enrollment__learner__email", "attempt__enrollment__learner__name"]
    show_full_result_count = False


@admin.register(ExamAuditEntry)
class ExamAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "exam", "action", "actor", "enrollment", "reason"]
    list_select_related = ["exam", "actor", "enrollment__learner", "enrollment__course"]
    list_filter = ["action"]
    search_fields = ["exam__title", "reason", "actor__email"]
    show_full_result_count = False


class AttemptQuestionInline(admin.TabularInline):
    model = AttemptQuestion
    fields = ["position", "question", "points", "choice_order", "answer", "points_awarded"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttemptEventInline(admin.TabularInline):
    model = AttemptEvent
    fields = ["at", "kind", "position", "device"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExamAttempt)
class ExamAttemptAdmin(admin.ModelAdmin):
    """Read-only: an attempt is drawn by ``paper_draw``, its paper never changes, and its answers
    and grades are written by ``exams.attempts`` only."""

    list_display = [
        "exam",
        "enrollment",
        "number",
        "started_at",
        "deadline",
        "submitted_at",
        "score",
        "max_score",
        "passed",
        "on_paper",
    ]
    list_filter = ["passed", "on_paper", ("submitted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["exam", "enrollment__learner", "enrollment__course"]
    readonly_fields = [
        "exam",
        "enrollment",
        "number",
        "started_at",
        "deadline",
        "submitted_at",
        "score",
        "max_score",
        "passed",
        "room",
        "on_paper",
        "entered_by",
    ]
    fields = readonly_fields
    inlines = [AttemptQuestionInline, AttemptEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
