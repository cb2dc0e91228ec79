from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Choice,
    Course,
    CourseStatusChange,
    Lesson,
    LessonAttachment,
    Module,
    Question,
    Quiz,
    StudioAuditEntry,
    Track,
    TrackRole,
)

# --- Ordered children -------------------------------------------------------------------


class OrderedChildForm(forms.ModelForm):
    """An inline row whose ``order`` is checked across the whole formset, not row by row
    against the database: editors may swap two numbers in one save."""

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.add("order")
        return exclude


class OrderedInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or self._should_delete_form(form):
                continue
            order = form.cleaned_data.get("order")
            if order is None:
                continue
            if order in seen:
                form.add_error("order", _("Another row has this number: each needs its own."))
            seen.add(order)


class OrderedInline(admin.TabularInline):
    form = OrderedChildForm
    formset = OrderedInlineFormSet
    extra = 1

    @admin.display(description=_("details"))
    def edit_link(self, obj) -> str:
        if obj.pk is None:
            return ""
        meta = obj._meta
        return format_html(
            '<a href="{}">{}</a>',
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]),
            _("Edit"),
        )


class OrderedChildrenAdminMixin:
    """Saves ordered inlines through services.ordered_children_save (swaps, stable keys)."""

    def save_ordered_child(self, obj) -> None:
        obj.save()

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, OrderedInlineFormSet):
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        services.ordered_children_save(
            objects=instances, deleted=formset.deleted_objects, save=self.save_ordered_child
        )
        formset.save_m2m()
        return None


# --- Live courses are changed by publishers ---------------------------------------------

LIVE_CONTENT_MESSAGE = _(
    "Learners are reading this course (it is published or archived), so its content can only be "
    "changed by a publisher. Ask a publisher to make the change."
)


def _course_of(obj) -> Course | None:
    """The course an admin object (or an inline's parent) belongs to."""
    if isinstance(obj, Course):
        return obj
    if isinstance(obj, (Module, Quiz)):
        return obj.course
    if isinstance(obj, Lesson):
        return obj.module.course
    if isinstance(obj, LessonAttachment):
        return obj.lesson.module.course
    if isinstance(obj, Question):
        return obj.quiz.course
    if isinstance(obj, Choice):
        return obj.question.quiz.course
    return None


def _locked(request, obj) -> bool:
    course = _course_of(obj) if obj is not None else None
    return course is not None and not services.course_content_editable(course=course, user=request.user)


# Where each kind of parent finds its course's status: what an editor may attach new content to.
_STATUS_OF = {
    Course: "status",
    Module: "course__status",
    Lesson: "module__course__status",
    Quiz: "course__status",
    Question: "quiz__course__status",
}


class LiveContentAdminMixin:
    """The content of a published or archived course is read-only for users without the
    publish permission (services.course_content_editable): its change page shows it read-only
    with the reason, a POST changes nothing and says why, it cannot be deleted, and new content
    cannot be attached to it. Publishers edit as before."""

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not _locked(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not _locked(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if any(_locked(request, obj) for obj in objs):
            perms_needed.add(_("content of a published course"))
        return deleted, counts, perms_needed, protected

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and _locked(request, obj):
            if request.method == "POST":
                messages.error(request, LIVE_CONTENT_MESSAGE)
                return HttpResponseRedirect(request.get_full_path())
            messages.warning(request, LIVE_CONTENT_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        parent = db_field.related_model
        if parent in _STATUS_OF and not request.user.has_perm(services.PUBLISH_PERMISSION):
            queryset = kwargs.get("queryset", parent._default_manager.all())
            kwargs["queryset"] = queryset.exclude(**{f"{_STATUS_OF[parent]}__in": services.LIVE_STATUSES})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LiveContentInlineMixin:
    """An inline of a live course's content: read-only, like its parent (LiveContentAdminMixin)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not _locked(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not _locked(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not _locked(request, obj)


# --- Tracks and courses -----------------------------------------------------------------


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


class ModuleInline(LiveContentInlineMixin, OrderedInline):
    model = Module
    fields = ["order", "title", "edit_link"]
    readonly_fields = ["edit_link"]


class QuizInline(LiveContentInlineMixin, admin.TabularInline):
    model = Quiz
    fields = ["title", "module", "pass_mark", "max_attempts", "shuffle", "show_answers", "edit_link"]
    readonly_fields = ["edit_link"]
    extra = 0

    edit_link = OrderedInline.edit_link

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module":
            course_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Module.objects.filter(course_id=course_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StatusChangeInline(admin.TabularInline):
    model = CourseStatusChange
    fields = ["changed_at", "from_status", "to_status", "changed_by", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("status history")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StatusChangeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Kept in the course's status history. Required when sending a course back to its author."
        ),
    )


def _workflow_action(service, *, name: str, description: str, permission: str):
    """An admin action that moves the selected courses through ``service``, after a page
    that asks for a review comment."""

    def action(modeladmin, request, queryset):
        form = StatusChangeForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "opts": modeladmin.model._meta,
                "courses": queryset,
                "form": form,
                "action": name,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "courses/admin/status_change.html", context)
        done = 0
        for course in queryset:
            try:
                service(course=course, by=request.user, comment=form.cleaned_data["comment"])
            except (PermissionDenied, ValidationError) as error:
                problems = error.messages if isinstance(error, ValidationError) else [str(error)]
                modeladmin.message_user(request, f"{course}: {' '.join(problems)}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request, _("%(action)s: %(count)d course(s).") % {"action": description, "count": done}
            )
        return None

    action.__name__ = name
    return admin.action(description=description, permissions=[permission])(action)


submit_for_review = _workflow_action(
    services.course_submit_for_review,
    name="submit_for_review",
    description=_("Submit for review"),
    permission="change",
)
publish = _workflow_action(
    services.course_publish, name="publish", description=_("Publish"), permission="publish"
)
return_to_draft = _workflow_action(
    services.course_return_to_draft,
    name="return_to_draft",
    description=_("Send back to draft"),
    permission="publish",
)
archive = _workflow_action(
    services.course_archive, name="archive", description=_("Archive"), permission="publish"
)


@admin.register(Course)
class CourseAdmin(LiveContentAdminMixin, OrderedChildrenAdminMixin, admin.ModelAdmin):
    list_display = ["title", "slug", "track", "status", "level", "language", "updated_at"]
    list_select_related = ["track"]
    list_filter = ["status", "track", "level", "language"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status", "published_at", "preview_link"]
    fieldsets = [
        (None, {"fields": ["track", "title", "slug", "summary", "description", "preview_link"]}),
        (
            _("For learners"),
            {
                "fields": [
                    "level",
                    "language",
                    "estimated_hours",
                    ("offered_online", "offered_offline", "offered_blended"),
                    "prerequisites",
                ]
            },
        ),
        (_("Completion"), {"fields": ["requires_final_exam", "certificate_shows_exam_band"]}),
        (_("Publishing"), {"fields": ["status", "published_at"]}),
    ]
    inlines = [ModuleInline, QuizInline, StatusChangeInline]
    actions = [submit_for_review, publish, return_to_draft, archive]

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    def view_on_site(self, obj) -> str:
        return reverse("catalogue:preview", args=[obj.slug])

    @admin.display(description=_("preview"))
    def preview_link(self, obj) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', self.view_on_site(obj), _("Preview as learner"))


# --- Modules and lessons ----------------------------------------------------------------


class CurriculumDeleteMixin:
    """Deleting lessons or modules in the admin announces the change (learners' progress)."""

    def delete_model(self, request, obj):
        course_ids = services.curriculum_course_ids([obj])
        super().delete_model(request, obj)
        services.course_lessons_changed(course_ids=course_ids)

    def delete_queryset(self, request, queryset):
        if queryset.model is Lesson:
            queryset = queryset.select_related("module")
        course_ids = services.curriculum_course_ids(queryset)
        super().delete_queryset(request, queryset)
        services.course_lessons_changed(course_ids=course_ids)


class LessonInline(LiveContentInlineMixin, OrderedInline):
    model = Lesson
    fields = ["order", "title", "kind", "duration_minutes", "is_required", "edit_link"]
    readonly_fields = ["edit_link"]


@admin.register(Module)
class ModuleAdmin(LiveContentAdminMixin, CurriculumDeleteMixin, OrderedChildrenAdminMixin, admin.ModelAdmin):
    list_display = ["title", "course", "order"]
    list_select_related = ["course"]
    list_filter = ["course__track", "course__status"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    inlines = [LessonInline]

    def save_ordered_child(self, obj) -> None:
        services.lesson_save(lesson=obj)


class AttachmentInline(LiveContentInlineMixin, admin.TabularInline):
    model = LessonAttachment
    extra = 1


@admin.register(Lesson)
class LessonAdmin(LiveContentAdminMixin, CurriculumDeleteMixin, admin.ModelAdmin):
    list_display = ["title", "module", "order", "kind", "duration_minutes", "is_required"]
    list_select_related = ["module__course"]
    list_filter = ["kind", "module__course__track"]
    search_fields = ["title", "module__title", "module__course__title"]
    autocomplete_fields = ["module"]
    fields = [
        "module",
        "order",
        "title",
        "kind",
        "body",
        "video_file",
        "video_url",
        "duration_minutes",
        "is_required",
    ]
    inlines = [AttachmentInline]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "video_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The studio shows a video's and an attachment's size: files uploaded here carry theirs.
        if "video_file" in form.changed_data:
            obj.video_size = obj.video_file.size if obj.video_file else 0
        services.lesson_save(lesson=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is LessonAttachment:
            for attachment_form in formset.forms:
                attachment = attachment_form.instance
                if "file" in attachment_form.changed_data and attachment.file:
                    attachment.size = attachment.file.size
        return super().save_formset(request, form, formset, change)


# --- Quizzes ----------------------------------------------------------------------------


class QuestionInline(LiveContentInlineMixin, OrderedInline):
    model = Question
    fields = ["order", "text", "kind", "explanation", "edit_link"]
    readonly_fields = ["edit_link"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in {"text", "explanation"}:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Quiz)
class QuizAdmin(LiveContentAdminMixin, OrderedChildrenAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "course",
        "module",
        "pass_mark",
        "max_attempts",
        "show_answers",
        "question_count",
    ]
    list_select_related = ["course", "module"]
    list_filter = ["course__track"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course", "module"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description=_("questions"), ordering="question_count")
    def question_count(self, obj) -> int:
        return obj.question_count


class ChoiceFormSet(OrderedInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]
        correct = sum(1 for data in kept if data.get("is_correct"))
        if len(kept) < 2:
            raise ValidationError(_("A question needs at least two choices."))
        if correct == 0:
            raise ValidationError(_("Mark at least one choice as correct."))
        if self.instance.kind == Question.Kind.SINGLE and correct > 1:
            raise ValidationError(_("A single-choice question has exactly one correct choice."))


class ChoiceInline(LiveContentInlineMixin, OrderedInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ["order", "text", "is_correct"]
    extra = 2


@admin.register(Question)
class QuestionAdmin(LiveContentAdminMixin, OrderedChildrenAdminMixin, admin.ModelAdmin):
    list_display = ["text", "quiz", "order", "kind"]
    list_select_related = ["quiz"]
    search_fields = ["text", "quiz__title"]
    autocomplete_fields = ["quiz"]
    inlines = [ChoiceInline]


@admin.register(CourseStatusChange)
class CourseStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["course", "from_status", "to_status", "changed_by", "changed_at"]
    list_select_related = ["course", "changed_by"]
    list_filter = ["to_status"]
    search_fields = ["course__title", "comment"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- The authoring studio's roles and audit log ------------------------------------------


@admin.register(TrackRole)
class TrackRoleAdmin(admin.ModelAdmin):
    """Who edits and who publishes each track in the studio (/studio/)."""

    list_display = ["user", "track", "role", "created_at"]
    list_select_related = ["user", "track"]
    list_filter = ["role", "track"]
    search_fields = ["user__email", "user__name", "track__name"]
    autocomplete_fields = ["user"]


@admin.register(StudioAuditEntry)
class StudioAuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "course", "user", "action", "detail"]
    list_select_related = ["course", "user"]
    list_filter = ["action"]
    search_fields = ["course__title", "detail"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
