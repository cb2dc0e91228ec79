"""The practice lab's pages.

- Learners: an exercise (start), its pages of items (answered without JavaScript; span and box
  answers are typed lines that practice.js fills in by selecting and drawing), the result with
  the review and the confusion grid; an assignment (brief, rubric, hand in, feedback).
- Coordinators (/practice/cohorts/<id>/…): a cohort's practice results and its marking queue,
  through ``Cohort.objects.visible_to()``: another county's cohort is a 404.
- Editors (/practice/studio/…): staff with the permission to add item sets (anyone else who is
  not staff gets a 404, staff without it a 403): item sets and their uploads.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from counties.models import Cohort
from talentportal.files import private_image_response
from talentportal.images import MAX_UPLOAD_BYTES as MAX_IMAGE_BYTES
from talentportal.images import ImageRefused, compress

from . import gates, selectors, services
from .forms import (
    AssignmentForm,
    ItemSetForm,
    MarkForm,
    SubmissionForm,
    UploadForm,
    answer_as_text,
    answer_from_post,
    field_name,
)
from .imports import MAX_UPLOAD_BYTES, UploadRefused, parse_upload
from .models import Answer, Assignment, Item, ItemSet, Run, Submission

EDITOR_PERMISSION = "practice.add_itemset"
STUDIO_PAGE_SIZE = 50
COHORT_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 30
REVIEW_PAGE_SIZE = 20
# Items on one page of a run: a page of a 2G phone holds few pictures.
PAGE_SIZES = {
    ItemSet.Task.IMAGE_CLASS: 6,
    ItemSet.Task.TEXT_CLASS: 10,
    ItemSet.Task.TEXT_SPAN: 5,
    ItemSet.Task.BBOX: 2,
}


# --- learners ----------------------------------------------------------------------------------


@login_required
def item_set_detail(request, pk: int):
    found = selectors.learner_item_set(user=request.user, pk=pk)
    if found is None:
        raise Http404
    item_set, enrollment = found
    if refused := gates.refusal(user=request.user, task=item_set):
        return gates.refusal_response(request, refused)
    runs = list(
        Run.objects.filter(enrollment=enrollment, item_set=item_set)
        .only("started_at", "submitted_at", "score", "items_per_minute", "passed")
        .order_by("-started_at")[:10]
    )
    context = {
        "item_set": item_set,
        "enrollment": enrollment,
        "course": enrollment.course,
        "runs": runs,
        "open_run": next((run for run in runs if run.submitted_at is None), None),
        "job_done": item_set.is_job and any(run.submitted_at for run in runs),
        "job_done_message": services.job_done_message(),
        "item_count": item_set.items.count(),
    }
    return render(request, "practice/item_set.html", context)


@login_required
@require_POST
def run_start(request, pk: int):
    found = selectors.learner_item_set(user=request.user, pk=pk)
    if found is None:
        raise Http404
    item_set, enrollment = found
    if refused := gates.refusal(user=request.user, task=item_set):
        return gates.refusal_response(request, refused)
    try:
        run = services.run_start(enrollment=enrollment, item_set=item_set)
    except services.PracticeError as error:
        messages.error(request, error.message)
        return redirect("practice:item_set", pk=item_set.pk)
    return redirect("practice:run", pk=run.pk)


def _learner_run(request, pk: int) -> Run:
    run = selectors.learner_run(user=request.user, pk=pk)
    if run is None:
        raise Http404
    return run


@login_required
def run_page(request, pk: int):
    """One page of a run's items. Saving a page goes to the next; the last page's button submits."""
    run = _learner_run(request, pk)
    if refused := gates.refusal(user=request.user, task=run.item_set):
        return gates.refusal_response(request, refused)
    if run.submitted_at is not None:
        return redirect("practice:run_result", pk=run.pk)
    if not run.enrollment.is_open:
        messages.error(request, _("You cannot study this course now."))
        return redirect("learn:dashboard")
    item_set = run.item_set
    items = Item.objects.filter(item_set=item_set).only("order", "image", "width", "height", "text")
    paginator = Paginator(items.order_by("order"), PAGE_SIZES[item_set.task])
    page = paginator.get_page(request.POST.get("page") or request.GET.get("page"))
    errors: dict[int, str] = {}
    if request.method == "POST":
        answers = {}
        for item in page:
            try:
                value = answer_from_post(item_set, item, request.POST)
            except ValueError as error:
                errors[item.pk] = str(error)
                continue
            answers[item.pk] = value  # None: left empty, an earlier answer goes
        try:
            services.run_answers_save(run=run, answers=answers)
        except services.PracticeError:  # handed in meanwhile (another tab)
            return redirect("practice:run_result", pk=run.pk)
        if not errors:
            if "submit" in request.POST:
                run = services.run_submit(run=run)
                return redirect("practice:run_result", pk=run.pk)
            target = page.next_page_number() if "next" in request.POST and page.has_next() else None
            if "previous" in request.POST and page.has_previous():
                target = page.previous_page_number()
            url = reverse("practice:run", args=[run.pk])
            return redirect(f"{url}?page={target or page.number}")
    saved = dict(
        Answer.objects.filter(run=run, item__in=[item.pk for item in page]).values_list("item_id", "value")
    )
    answered = Answer.objects.filter(run=run).count()
    rows = []
    for item in page:
        value = saved.get(item.pk)
        typed = (
            request.POST.get(field_name(item.pk))
            if item.pk in errors
            else answer_as_text(item_set, item, value)
        )
        rows.append(
            {
                "item": item,
                "name": field_name(item.pk),
                "chosen": (value or {}).get("labels", []),
                "typed": typed or "",
                "error": errors.get(item.pk),
            }
        )
    context = {
        "run": run,
        "item_set": item_set,
        "course": item_set.course,
        "page": page,
        "rows": rows,
        "answered": answered,
        "total": paginator.count,
    }
    return render(request, "practice/run.html", context)


def _confusion_grid(item_set: ItemSet, metrics: dict) -> dict | None:
    cells = metrics.get("confusion")
    if not cells:
        return None
    counts = {(gold, given): count for gold, given, count in cells}
    columns = list(item_set.labels)
    if any(given == "" for _gold, given in counts):
        columns.append("")
    return {
        "columns": columns,
        "rows": [
            {
                "label": label,
                "cells": [
                    {"count": counts.get((label, given), 0), "right": label == given} for given in columns
                ],
            }
            for label in item_set.labels
        ],
    }


@login_required
def run_result(request, pk: int):
    run = _learner_run(request, pk)
    if refused := gates.refusal(user=request.user, task=run.item_set, review=run.submitted_at is not None):
        return gates.refusal_response(request, refused)
    if run.submitted_at is None:
        return redirect("practice:run", pk=run.pk)
    item_set = run.item_set
    graded = Item.objects.filter(item_set=item_set, gold__isnull=False).order_by("order")
    page = Paginator(
        graded.only("order", "image", "width", "height", "text", "gold"), REVIEW_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    answers = {
        answer.item_id: answer
        for answer in Answer.objects.filter(run=run, item__in=[item.pk for item in page]).only(
            "item_id", "value", "score"
        )
    }
    review = []
    for item in page:
        answer = answers.get(item.pk)
        review.append(
            {
                "item": item,
                "answer": answer.value if answer else None,
                "score": answer.score if answer and answer.score is not None else 0,
                "spans": _span_review(item, answer.value if answer else None)
                if item_set.task == "text_span"
                else None,
            }
        )
    context = {
        "run": run,
        "item_set": item_set,
        "course": item_set.course,
        "metrics": run.metrics,
        "percent": {
            key: round(run.metrics[key] * 100)
            for key in ("precision", "recall", "overlap_f1", "mean_iou", "hit_rate")
            if key in run.metrics
        },
        "confusion": _confusion_grid(item_set, run.metrics),
        "page": page,
        "review": review,
        "line": selectors.result_line(run),
    }
    return render(request, "practice/result.html", context)


def _span_review(item: Item, answer: dict | None) -> dict:
    def words(spans):
        return [
            {"label": label, "words": item.text[start:end], "key": (start, end, label)}
            for start, end, label in spans
        ]

    gold = words(item.gold.get("spans", []))
    given = words((answer or {}).get("spans", []))
    gold_keys = {span["key"] for span in gold}
    given_keys = {span["key"] for span in given}
    for span in gold:
        span["found"] = span["key"] in given_keys
    for span in given:
        span["right"] = span["key"] in gold_keys
    return {"gold": gold, "given": given}


@login_required
def assignment_detail(request, pk: int):
    found = selectors.learner_assignment(user=request.user, pk=pk)
    if found is None:
        raise Http404
    assignment, enrollment = found
    if refused := gates.refusal(user=request.user, task=assignment):
        return gates.refusal_response(request, refused)
    submission = (
        Submission.objects.filter(assignment=assignment, enrollment=enrollment)
        .prefetch_related("images", "marks")
        .first()
    )
    can_submit = submission is None or submission.status == Submission.Status.NEEDS_WORK
    form = SubmissionForm(request.POST or None, request.FILES or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        uploads = form.cleaned_data["images"]
        try:
            if not can_submit:
                # Said before any photo is decoded: the service refuses anyway.
                services.submission_save(assignment=assignment, enrollment=enrollment, text="", images=[])
            if len(uploads) > assignment.max_images:
                raise services.PracticeError(
                    _("At most %(count)d images.") % {"count": assignment.max_images}, code="too_many_images"
                )
            images = []
            for upload in uploads:
                if upload.size > MAX_IMAGE_BYTES:  # before the file is read into memory
                    raise ImageRefused(_("The image is larger than 10 MB."))
                images.append(compress(upload.read()))
            services.submission_save(
                assignment=assignment, enrollment=enrollment, text=form.cleaned_data["text"], images=images
            )
        except (services.PracticeError, ImageRefused) as error:
            if not can_submit:  # the form is not on the page: say it above
                messages.error(request, error.message)
                return redirect("practice:assignment", pk=assignment.pk)
            form.add_error("images" if isinstance(error, ImageRefused) else None, error.message)
        else:
            messages.success(request, _("Your work is handed in. Your coordinator will mark it."))
            return redirect("practice:assignment", pk=assignment.pk)
    marks = list(submission.marks.all()) if submission else []
    context = {
        "assignment": assignment,
        "course": assignment.course,
        "enrollment": enrollment,
        "submission": submission,
        "mark": marks[0] if marks else None,
        "mark_rows": _mark_rows(assignment, marks[0]) if marks else [],
        "form": form,
        "can_submit": can_submit,
    }
    return render(request, "practice/assignment.html", context)


def _mark_rows(assignment, mark) -> list[dict]:
    return [
        {
            "title": criterion["title"],
            "level": criterion["levels"][level],
            "points": level,
            "max": len(criterion["levels"]) - 1,
        }
        for criterion, level in zip(assignment.criteria, mark.levels, strict=False)
    ]


# --- coordinators --------------------------------------------------------------------------------


def _cohort(request: HttpRequest, pk: int) -> Cohort:
    return get_object_or_404(
        Cohort.objects.visible_to(request.user).select_related("course", "county"), pk=pk
    )


@login_required
def cohort_results(request, pk: int):
    cohort = _cohort(request, pk)
    page = Paginator(selectors.cohort_enrollments(cohort), COHORT_PAGE_SIZE).get_page(request.GET.get("page"))
    item_sets, rows = selectors.cohort_results(cohort=cohort, enrollments=list(page))
    table = [
        {
            "enrollment": row.enrollment,
            "cells": [row.run_for(item_set.pk) for item_set in item_sets],
            "below": any(
                (row.run_for(item_set.pk) is None or not row.run_for(item_set.pk).passed)
                for item_set in item_sets
            ),
        }
        for row in rows
    ]
    context = {"cohort": cohort, "item_sets": item_sets, "table": table, "page": page}
    return render(request, "practice/cohort_results.html", context)


@login_required
def submission_image(request, pk: int):
    """A photo of handed-in work; the files are not public (MEDIA_URL would serve anyone)."""
    row = selectors.submission_image(user=request.user, pk=pk)
    if row is None:
        raise Http404
    return private_image_response(row.image)


@login_required
def marking_queue(request, pk: int):
    cohort = _cohort(request, pk)
    page = Paginator(selectors.marking_queue(cohort), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practice/marking_queue.html", {"cohort": cohort, "page": page})


@login_required
def submission_mark(request, pk: int, submission_pk: int):
    cohort = _cohort(request, pk)
    submission = selectors.cohort_submission(cohort=cohort, pk=submission_pk)
    if submission is None:
        raise Http404
    assignment = submission.assignment
    form = MarkForm(request.POST or None, assignment=assignment)
    waiting = submission.status == Submission.Status.SUBMITTED
    if request.method == "POST" and waiting and form.is_valid():
        try:
            services.submission_mark(
                submission=submission,
                marker=request.user,
                levels=form.levels(),
                feedback=form.cleaned_data["feedback"],
                accepted=form.cleaned_data["decision"] == "accept",
            )
        except services.PracticeError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The marking is saved; the learner sees it now."))
            return redirect("practice:marking_queue", pk=cohort.pk)
    marks = list(submission.marks.select_related("marker").all())
    context = {
        "cohort": cohort,
        "submission": submission,
        "assignment": assignment,
        "images": list(submission.images.all()),
        "form": form,
        "waiting": waiting,
        "marks": [{"mark": mark, "rows": _mark_rows(assignment, mark)} for mark in marks],
    }
    return render(request, "practice/mark.html", context)


# --- editors -----------------------------------------------------------------------------------


def _editor(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404
    if not request.user.has_perm(EDITOR_PERMISSION):
        raise PermissionDenied


@login_required
def studio(request):
    _editor(request)
    sets = ItemSet.objects.select_related("course").only(
        "title", "task", "mode", "published", "course__title"
    )
    page = Paginator(sets.order_by("course__title", "position", "title", "pk"), STUDIO_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "practice/studio.html", {"page": page})


@login_required
def studio_create(request):
    _editor(request)
    form = ItemSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item_set = form.save(commit=False)
        item_set.labels = form.cleaned_data["labels_text"]
        try:
            services.item_set_save(item_set=item_set)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("practice:studio_set", pk=item_set.pk)
    return render(request, "practice/studio_form.html", {"form": form})


@login_required
def studio_set(request, pk: int):
    """An item set's settings, its upload (dry run: the per-row report; all or nothing) and its
    items."""
    _editor(request)
    item_set = get_object_or_404(ItemSet.objects.select_related("course"), pk=pk)
    form = ItemSetForm(instance=item_set)
    upload = UploadForm()
    report = None
    if request.method == "POST" and "save" in request.POST:
        form = ItemSetForm(request.POST, instance=item_set)
        if form.is_valid():
            item_set = form.save(commit=False)
            item_set.labels = form.cleaned_data["labels_text"]
            try:
                services.item_set_save(item_set=item_set)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The item set is saved."))
                return redirect("practice:studio_set", pk=item_set.pk)
    elif request.method == "POST":
        upload = UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            try:
                if file.size > MAX_UPLOAD_BYTES:  # before the file is read into memory
                    raise UploadRefused(_("The file is larger than 50 MB: split it into several files."))
                result = parse_upload(item_set, name=file.name, data=file.read())
            except UploadRefused as error:
                upload.add_error("file", error.message)
            else:
                if result.ok:
                    created = services.items_add(item_set=item_set, items=result.items)
                    messages.success(request, _("%(count)d items were added.") % {"count": len(created)})
                    return redirect("practice:studio_set", pk=item_set.pk)
                report = result.errors
    items = Paginator(
        item_set.items.only("order", "image", "text", "gold", "is_honeypot", "source_name").order_by("order"),
        50,
    ).get_page(request.GET.get("page"))
    honeypots = item_set.items.filter(is_honeypot=True).count() if item_set.is_job else None
    context = {
        "item_set": item_set,
        "form": form,
        "upload": upload,
        "report": report,
        "items": items,
        "honeypots": honeypots,
    }
    return render(request, "practice/studio_set.html", context)


@login_required
def studio_assignments(request):
    _editor(request)
    assignments = Assignment.objects.select_related("course").only("title", "published", "course__title")
    page = Paginator(
        assignments.order_by("course__title", "position", "title", "pk"), STUDIO_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "practice/studio_assignments.html", {"page": page})


@login_required
def studio_assignment(request, pk: int | None = None):
    """Create (no ``pk``) or edit an assignment: its brief, rubric and lesson."""
    _editor(request)
    assignment = get_object_or_404(Assignment, pk=pk) if pk is not None else None
    form = AssignmentForm(request.POST or None, instance=assignment)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.criteria = form.cleaned_data["rubric"]
        try:
            services.assignment_save(assignment=saved)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The assignment is saved."))
            return redirect("practice:studio_assignment", pk=saved.pk)
    return render(request, "practice/studio_assignment.html", {"form": form, "assignment": assignment})
