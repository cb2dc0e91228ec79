"""The authoring studio: editors write revisions of their tracks' courses, publishers review
and publish them. Every page reads through the access helpers below, so that a course of
another track is a 404; the writes are courses.revisions' services."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import revisions
from courses.models import Course, CourseRevision, RevisionComment, StudioAuditEntry, TrackRole
from courses.portability import CourseFileError, course_export
from courses.rendering import render_markdown
from talentportal.images import ImageRefused

from . import markdown_zip, selectors, services
from .forms import (
    AttachmentForm,
    CourseCreateForm,
    CourseDetailsForm,
    ImportForm,
    LessonForm,
    PublishForm,
    QuestionEditForm,
    QuestionForm,
    SendBackForm,
    VideoForm,
)

Role = TrackRole.Role
# A node's key in a revision document (courses.revisions): safe in a URL's fragment.
KEY = re.compile(r"[A-Za-z0-9-]{1,40}")
OUTLINE_ACTIONS = {"add_module", "add_lesson", "add_quiz", "rename", "delete", "up", "down", "reorder"}
# Exams and practice items: moved among their group (the course's exams, a lesson's practice).
ACTIVITY_ACTIONS = {"activity_up", "activity_down", "reorder_activities"}


# --- Access helpers ---------------------------------------------------------------------


def _require_studio(request) -> None:
    if not revisions.studio_tracks(user=request.user).exists():
        raise Http404


def _course_for(request, pk: int, role: str | None = None) -> Course:
    """A course of the user's tracks (for ``role`` if given); any other is a 404."""
    courses = revisions.studio_courses(user=request.user, role=role).select_related("track")
    return get_object_or_404(courses, pk=pk)


def _editable_revision(request, course: Course) -> CourseRevision:
    revision = revisions.open_revision(course=course)
    if revision is None or not revision.is_editable:
        raise Http404
    return revision


def _review_revision_for(request, pk: int) -> CourseRevision:
    courses = revisions.studio_courses(user=request.user, role=Role.PUBLISHER)
    return get_object_or_404(
        CourseRevision.objects.filter(course__in=courses).select_related("course__track", "submitted_by"),
        pk=pk,
    )


def _problems(error: ValidationError | PermissionDenied) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def _report(request, error) -> None:
    for problem in _problems(error):
        messages.error(request, problem)


# --- Courses ----------------------------------------------------------------------------


@login_required
def home(request):
    """The user's tracks' courses with their open revision, and a form for a new course."""
    _require_studio(request)
    open_status = CourseRevision.objects.filter(
        course=OuterRef("pk"), status__in=CourseRevision.OPEN_STATUSES
    ).values("status")[:1]
    courses = (
        revisions.studio_courses(user=request.user)
        .select_related("track")
        .annotate(revision_status=Subquery(open_status))
        .order_by("track__order", "title", "pk")
    )
    page = Paginator(courses, 25).get_page(request.GET.get("page"))
    editor_tracks = revisions.studio_tracks(user=request.user, role=Role.EDITOR)
    context = {
        "page": page,
        "revision_statuses": dict(CourseRevision.Status.choices),
        "form": CourseCreateForm(tracks=editor_tracks) if editor_tracks.exists() else None,
        "queue_count": revisions.review_queue(user=request.user).count(),
    }
    return render(request, "studio/home.html", context)


@login_required
def course_create(request):
    _require_studio(request)
    tracks = revisions.studio_tracks(user=request.user, role=Role.EDITOR)
    if not tracks.exists():
        raise Http404
    form = CourseCreateForm(request.POST or None, tracks=tracks)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        revision = revisions.course_create(
            track=data["track"], title=data["title"], summary=data["summary"], by=request.user
        )
        if data["module"] or form.lesson_titles():
            module_key = revisions.outline_add(
                revision=revision, by=request.user, kind="module", title=data["module"] or data["title"]
            )
            for title in form.lesson_titles():
                revisions.outline_add(
                    revision=revision, by=request.user, kind="lesson", title=title, parent_key=module_key
                )
        messages.success(request, _("The course is created as a draft: learners cannot see it."))
        return redirect("studio:outline", pk=revision.course_id)
    return render(request, "studio/course_create.html", {"form": form})


@login_required
def outline(request, pk: int):
    """The course outline as one page: the open revision (editable while a draft), else the live course."""
    course = _course_for(request, pk)
    revision = revisions.open_revision(course=course)
    document = revision.document if revision else revisions.live_document(course=course)
    can_edit = revisions.has_track_role(user=request.user, course=course, role=Role.EDITOR)
    comments: dict[str, list] = {}
    if revision is not None:
        for comment in RevisionComment.objects.filter(revision=revision).select_related("author"):
            comments.setdefault(comment.lesson_key, []).append(comment)
    context = {
        "course": course,
        "revision": revision,
        "document": document["course"],
        "editable": bool(revision and revision.is_editable and can_edit),
        "can_edit": can_edit,
        "comments": comments,
        "general_comments": comments.get("", []),
        "problems": revisions.revision_problems(revision=revision)
        if revision and revision.is_editable
        else [],
        "audit": StudioAuditEntry.objects.filter(course=course).select_related("user")[:10],
        "question_form": QuestionForm(),
        "activities": selectors.course_activities(
            course=course,
            document=revision.document if revision else None,
            lesson_ids={node["id"] for node in revisions.document_lessons(document) if node.get("id")},
        ),
        "details_form": CourseDetailsForm(
            initial={
                name: document["course"].get(name)
                for name in ("title", "summary", "level", "estimated_hours", "description")
            },
            auto_id="details-%s",
        ),
    }
    return render(request, "studio/outline.html", context)


@login_required
@require_POST
def revision_open(request, pk: int):
    course = _course_for(request, pk, Role.EDITOR)
    revisions.revision_open(course=course, by=request.user)
    return redirect("studio:outline", pk=course.pk)


@login_required
@require_POST
def outline_change(request, pk: int):
    """Every change of the outline, by the ``action`` the button sends (no JavaScript needed);
    the drag-and-drop script sends ``reorder`` with the keys in their new order."""
    course = _course_for(request, pk, Role.EDITOR)
    revision = _editable_revision(request, course)
    action, key = request.POST.get("action", ""), request.POST.get("key", "")
    title = request.POST.get("title", "")
    if action not in OUTLINE_ACTIONS | ACTIVITY_ACTIONS:
        raise Http404
    anchor = key
    try:
        if action in ("activity_up", "activity_down"):
            services.outline_activity_move(
                revision=revision, by=request.user, key=key, offset=-1 if action == "activity_up" else 1
            )
        elif action == "reorder_activities":
            keys = [k for k in request.POST.get("order", "").split(",") if k]
            services.outline_activity_reorder(revision=revision, by=request.user, keys=keys)
            anchor = keys[0] if keys else ""
        elif action.startswith("add_"):
            anchor = revisions.outline_add(
                revision=revision, by=request.user, kind=action[4:], title=title, parent_key=key
            )
        elif action == "rename":
            revisions.outline_rename(revision=revision, by=request.user, key=key, title=title)
        elif action == "delete":
            revisions.outline_delete(revision=revision, by=request.user, key=key)
            anchor = ""
        elif action in ("up", "down"):
            revisions.outline_move(
                revision=revision, by=request.user, key=key, offset=-1 if action == "up" else 1
            )
        else:
            keys = [k for k in request.POST.get("order", "").split(",") if k]
            revisions.outline_reorder(revision=revision, by=request.user, keys=keys)
            anchor = keys[0] if keys else ""
    except ValidationError as error:
        _report(request, error)
    url = reverse("studio:outline", args=[course.pk])
    return redirect(f"{url}#{anchor}" if KEY.fullmatch(anchor) else url)


@login_required
@require_POST
def question_add(request, pk: int, key: str):
    """A question for a quiz; ``final`` adds it to the course's final quiz (made if missing)."""
    course = _course_for(request, pk, Role.EDITOR)
    revision = _editable_revision(request, course)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("studio:outline", pk=course.pk)
    try:
        if key == "final":
            final = revision.document["course"].get("final_quiz")
            key = (
                final["key"]
                if final
                else revisions.outline_add(
                    revision=revision, by=request.user, kind="final_quiz", title=_("Final quiz")
                )
            )
        revisions.question_add(
            revision=revision,
            by=request.user,
            quiz_key=key,
            text=form.cleaned_data["text"],
            choices=form.choice_list(),
            correct=form.cleaned_data["correct"],
        )
    except ValidationError as error:
        _report(request, error)
    url = reverse("studio:outline", args=[course.pk])
    return redirect(f"{url}#{key}" if KEY.fullmatch(key) else url)


@login_required
@require_POST
def course_details(request, pk: int):
    """The course's title, summary, level, hours and description, changed in the draft."""
    course = _course_for(request, pk, Role.EDITOR)
    revision = _editable_revision(request, course)
    form = CourseDetailsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(f"{reverse('studio:outline', args=[course.pk])}#course-details")
    try:
        revisions.course_details_edit(revision=revision, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Course details saved in the draft."))
    return redirect("studio:outline", pk=course.pk)


@login_required
def question_edit(request, pk: int, key: str):
    """A question's text, explanation and choices (add, remove, change, mark the correct ones)."""
    course = _course_for(request, pk, Role.EDITOR)
    revision = _editable_revision(request, course)
    try:
        found = revisions.find_node(revision.document, key)
    except ValidationError:
        raise Http404 from None
    if found.kind != "question":
        raise Http404
    form = QuestionEditForm(request.POST or None, node=found.node)
    if request.method == "POST" and form.is_valid():
        try:
            revisions.question_edit(
                revision=revision,
                by=request.user,
                key=key,
                text=form.cleaned_data["text"],
                explanation=form.cleaned_data["explanation"],
                choices=form.choice_edits(),
                shown_choices=form.cleaned_data["shown"],
            )
        except ValidationError as error:
            for problem in error.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("Question saved in the draft."))
            return redirect(f"{reverse('studio:outline', args=[course.pk])}#{key}")
    context = {"course": course, "revision": revision, "node": found.node, "quiz": found.parent, "form": form}
    return render(request, "studio/question.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def submit(request, pk: int):
    course = _course_for(request, pk, Role.EDITOR)
    revision = _editable_revision(request, course)
    try:
        revisions.revision_submit(revision=revision, by=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Submitted for review: a publisher of the track will look at it."))
    return redirect("studio:outline", pk=course.pk)


# --- The lesson editor ------------------------------------------------------------------


@login_required
def lesson(request, pk: int, key: str):
    """Title and Markdown with a server-rendered preview ("Preview" works without JavaScript),
    an image upload compressed for slow links, the page weight and images without alt text."""
    course = _course_for(request, pk, Role.EDITOR)
    revision = _editable_revision(request, course)
    try:
        found = revisions.find_node(revision.document, key)
    except ValidationError:
        raise Http404 from None
    if found.kind != "lesson":
        raise Http404
    node = found.node
    initial = {k: node.get(k) for k in ("title", "body", "video_url", "duration_minutes", "is_required")}
    initial["base"] = revisions.lesson_fingerprint(node)
    form = LessonForm(request.POST or None, request.FILES or None, initial=initial)
    body = node["body"]
    edited_meanwhile = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        body = data["body"]
        if data["image"]:
            try:
                image = services.lesson_image_store(course=course, data=data["image"].read())
            except ImageRefused as error:
                form.add_error("image", error.message)
            else:
                alt = data["image_alt"].replace("[", "").replace("]", "").strip()
                body = f"{body.rstrip()}\n\n![{alt}]({image.url})\n"
                messages.info(
                    request,
                    _("Image added: %(width)d×%(height)d px, %(size)d KB.")
                    % {
                        "width": image.width,
                        "height": image.height,
                        "size": max(1, round(image.size / 1024)),
                    },
                )
        if not form.errors and "preview" not in request.POST:
            try:
                revisions.lesson_edit(
                    revision=revision,
                    by=request.user,
                    key=key,
                    title=data["title"],
                    body=body,
                    video_url=data["video_url"],
                    duration_minutes=data["duration_minutes"],
                    is_required=data["is_required"],
                    base=data["base"],
                )
            except ValidationError as error:
                # In the form, where the browser lands after a save (#write), not in a banner
                # scrolled out of view.
                for problem in _problems(error):
                    form.add_error(None, problem)
                edited_meanwhile = getattr(error, "code", None) == revisions.LESSON_EDITED_MEANWHILE
            else:
                if "save_next" in request.POST:
                    lessons = revisions.document_lessons(revision.document)
                    keys = [item["key"] for item in lessons]
                    index = keys.index(key)
                    if index + 1 < len(keys):
                        return redirect("studio:lesson", pk=course.pk, key=keys[index + 1])
                messages.success(request, _("Lesson saved in the draft."))
                return redirect(f"{reverse('studio:outline', args=[course.pk])}#{key}")
        # A preview (or a refused image): the form shows the text as it now stands, unsaved.
        form.data = form.data.copy()
        form.data["body"] = body
        if edited_meanwhile:  # saving again means "mine over theirs", knowingly
            form.data["base"] = revisions.lesson_fingerprint(node)
    elif request.method == "POST":
        body = request.POST.get("body", body)
    body_html = render_markdown(body)
    lessons = revisions.document_lessons(revision.document)
    context = {
        "course": course,
        "revision": revision,
        "node": node,
        "form": form,
        "preview": body_html,
        "weight": selectors.lesson_weight(
            body_html=body_html,
            video_size=node.get("video_size") or 0,
            attachment_sizes=[attachment["size"] for attachment in node.get("attachments", [])],
        ),
        "video_form": VideoForm(),
        "attachment_form": AttachmentForm(),
        "video_max_mb": services.VIDEO_MAX_BYTES // (1024 * 1024),
        "attachment_max_mb": services.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "heavy_kb": selectors.HEAVY_BYTES // 1024,
        "has_next": lessons and lessons[-1]["key"] != key,
        "comments": RevisionComment.objects.filter(revision=revision, lesson_key=key).select_related(
            "author"
        ),
        # The preview tab shows after "Preview"; a save that failed keeps the form, with its
        # errors, in view (on a phone the two are tabs).
        "previewing": request.method == "POST" and "preview" in request.POST and not form.errors,
        "not_saved": request.method == "POST" and "preview" not in request.POST and bool(form.errors),
    }
    return render(request, "studio/lesson.html", context, status=400 if form.errors else 200)


MEDIA_ACTIONS = {"video", "remove_video", "attachment", "remove_attachment"}


@login_required
@require_POST
def lesson_media(request, pk: int, key: str):
    """Upload or remove the lesson's video and attachments in the draft. A refused file (kind,
    content or size) is a message on the lesson page and nothing is stored."""
    course = _course_for(request, pk, Role.EDITOR)
    revision = _editable_revision(request, course)
    action = request.POST.get("action", "")
    if action not in MEDIA_ACTIONS:
        raise Http404
    try:
        if action == "video":
            form = VideoForm(request.POST, request.FILES)
            if form.is_valid():
                size = services.lesson_video_upload(
                    revision=revision, by=request.user, key=key, upload=form.cleaned_data["file"]
                )
                messages.success(
                    request, _("Video added (%(size)s) to the draft.") % {"size": filesizeformat(size)}
                )
        elif action == "attachment":
            form = AttachmentForm(request.POST, request.FILES)
            if form.is_valid():
                size = services.lesson_attachment_upload(
                    revision=revision,
                    by=request.user,
                    key=key,
                    upload=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                )
                messages.success(
                    request, _("Attachment added (%(size)s) to the draft.") % {"size": filesizeformat(size)}
                )
        elif action == "remove_video":
            revisions.lesson_video_remove(revision=revision, by=request.user, key=key)
        else:
            revisions.lesson_attachment_remove(
                revision=revision, by=request.user, key=key, attachment_key=request.POST.get("attachment", "")
            )
    except services.MediaRefused as error:
        messages.error(request, error.message)
    except ValidationError as error:
        _report(request, error)
    else:
        if action in ("video", "attachment") and form.errors:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    return redirect(f"{reverse('studio:lesson', args=[course.pk, key])}#media")


# --- Review -----------------------------------------------------------------------------


@login_required
def review_queue(request):
    _require_studio(request)
    page = Paginator(revisions.review_queue(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "studio/review_queue.html", {"page": page})


@login_required
def review(request, pk: int):
    """The diff lesson by lesson, a comment box per lesson, send back or publish."""
    revision = _review_revision_for(request, pk)
    context = {
        "revision": revision,
        "course": revision.course,
        "diff": revisions.revision_diff(revision=revision),
        "problems": revisions.revision_problems(revision=revision),
        "send_back_form": SendBackForm(),
        "publish_form": PublishForm(),
        "comments": RevisionComment.objects.filter(revision=revision).select_related("author"),
    }
    return render(request, "studio/review.html", context)


@login_required
@require_POST
def send_back(request, pk: int):
    revision = _review_revision_for(request, pk)
    form = SendBackForm(request.POST)
    form.is_valid()
    comments = {
        name[len("comment-") :]: value
        for name, value in request.POST.items()
        if name.startswith("comment-") and value.strip()
    }
    try:
        revisions.revision_send_back(
            revision=revision,
            by=request.user,
            comments=comments,
            general=form.cleaned_data.get("general", ""),
        )
    except ValidationError as error:
        _report(request, error)
        return redirect("studio:review", pk=revision.pk)
    messages.success(request, _("Sent back to the editors with your comments."))
    return redirect("studio:review_queue")


@login_required
@require_POST
def publish(request, pk: int):
    revision = _review_revision_for(request, pk)
    form = PublishForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Tell learners what changed."))
        published = revisions.revision_publish(
            revision=revision, by=request.user, changelog=form.cleaned_data["changelog"]
        )
    except ValidationError as error:
        _report(request, error)
        return redirect("studio:review", pk=revision.pk)
    if published.course.status == Course.Status.ARCHIVED:
        messages.success(
            request, _("Published. The course stays archived: it is not in the catalogue for new learners.")
        )
    else:
        messages.success(request, _("Published: learners now see this revision."))
    return redirect("studio:review_queue")


# --- Export -----------------------------------------------------------------------------


@login_required
def export(request, pk: int):
    """The course's live JSON document, as ``export_course`` writes it."""
    course = _course_for(request, pk)
    response = HttpResponse(
        json.dumps(course_export(course=course), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.json"'
    return response


@login_required
def course_import(request):
    """Upload a course file: "Check" is a dry run that lists what would be created (or every
    problem of a malformed file); "Import" creates a draft course with its first revision."""
    _require_studio(request)
    tracks = revisions.studio_tracks(user=request.user, role=Role.EDITOR)
    if not tracks.exists():
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None, tracks=tracks)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        checked_name, key = "", None
        try:
            if "zip" in form.cleaned_data:
                document = markdown_zip.document_from_zip(form.cleaned_data["zip"])
            elif "parsed" in form.cleaned_data:
                document = form.cleaned_data["parsed"]
            else:
                checked = {"token": form.cleaned_data["checked"], "user": request.user}
                checked["track"] = form.cleaned_data["track"]
                key = services.import_checked_key(**checked)
                if "import" in request.POST and (done := revisions.imported_with(key=key)):
                    # A second click on "Import", or the form sent again: the course is there.
                    messages.info(request, _("This file is imported already: here is its course."))
                    return redirect("studio:outline", pk=done.course_id)
                document, checked_name = services.import_checked_load(**checked)
            if "import" in request.POST:
                revision = revisions.course_import_draft(
                    document=document,
                    track=form.cleaned_data["track"],
                    by=request.user,
                    key=key,
                )
                if checked_name:
                    services.import_checked_delete(checked_name)
                messages.success(request, _("The course is imported as a draft: learners cannot see it."))
                return redirect("studio:outline", pk=revision.course_id)
            context["summary"] = revisions.import_summary(document=document)
            # "Import" sends back only a token: the checked document stays on the server.
            context["checked"] = services.import_checked_store(
                document=document, user=request.user, track=form.cleaned_data["track"]
            )
        except CourseFileError as error:
            context["problems"] = error.problems
    return render(request, "studio/import.html", context, status=400 if context.get("problems") else 200)


@login_required
def export_zip(request, pk: int):
    """The live course as a zip of Markdown lessons with its outline.txt."""
    course = _course_for(request, pk)
    response = HttpResponse(
        markdown_zip.course_zip(document=course_export(course=course)), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
    return response
