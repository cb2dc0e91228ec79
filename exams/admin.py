"""Question banks in the admin: a bank with its questions inline; a question with its options
inline, checked by the rules of ``exams.services.question_problems`` before it is saved. Exams
with their blueprint rules inline (and their time limit, window and attempts allowed), the
blueprint checked on the page and published by ``exams.papers.exam_publish``; attempts with
their deadline, drawn papers, answers and points, read-only. Staff with the exams
model permissions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    AttemptQuestion,
    BankChoice,
    BankImport,
    BankQuestion,
    BlueprintRule,
    Exam,
    ExamAttempt,
    KnowledgePoint,
    QuestionBank,
)
from .papers import PaperError, blueprint_problems, exam_publish
from .services import QUESTION_ERRORS, question_problems


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
    list_display = ["title", "course", "track", "updated_at", "import_link"]
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
        "pass_mark_percent",
        "time_limit_minutes",
        "opens_at",
        "closes_at",
        "max_attempts",
        "updated_at",
    ]
    list_filter = ["status"]
    list_select_related = ["course"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    readonly_fields = ["status", "blueprint_check", "created_by", "created_at", "updated_at"]
    inlines = [BlueprintRuleInline]
    actions = ["publish"]

    @admin.display(description=_("blueprint check"))
    def blueprint_check(self, exam):
        if exam.pk is None:
            return _("Save the exam with its rules to check them.")
        problems = blueprint_problems(exam)
        if not problems:
            return _("The banks have enough questions for every rule.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems)))

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

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class AttemptQuestionInline(admin.TabularInline):
    model = AttemptQuestion
    fields = ["position", "question", "points", "choice_order", "answer", "points_awarded"]
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
        "passed",
    ]
    list_filter = ["passed", ("submitted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["exam", "enrollment__learner"]
    readonly_fields = [
        "exam",
        "enrollment",
        "number",
        "started_at",
        "deadline",
        "submitted_at",
        "score",
        "passed",
    ]
    inlines = [AttemptQuestionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
