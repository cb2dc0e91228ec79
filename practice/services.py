"""Writes of the practice lab: item sets and their items, runs (start, answer, submit and grade),
assignments (submit, mark, resubmit).

Lock order everywhere: the enrolment row (through enrollment.services), then the run or
submission row.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Enrollment
from enrollment.selectors import lesson_to_complete
from enrollment.services import EnrollmentError, lesson_complete
from talentportal.images import CompressedImage

from . import scoring
from .imports import ParsedItem
from .models import Answer, Assignment, Item, ItemSet, Mark, Run, Submission, SubmissionImage


class PracticeError(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


# --- item sets -------------------------------------------------------------------------------


def practice_next_position(*, course_id: int) -> int:
    """The outline place after the course's last practice item (item sets and assignments share
    one sequence): a new item comes last, whatever order an editor gave the others."""
    last = max(
        ItemSet.objects.filter(course_id=course_id).aggregate(last=Max("position"))["last"] or 0,
        Assignment.objects.filter(course_id=course_id).aggregate(last=Max("position"))["last"] or 0,
    )
    return last + 1


def item_set_save(*, item_set: ItemSet) -> ItemSet:
    """Validate and save an item set (its labels stripped, empty ones and repeats dropped). A
    label the items' gold uses cannot be removed (ValidationError on ``labels_text``); a set
    without gold-labelled items is not published (ValidationError on ``published``)."""
    seen: list[str] = []
    for label in item_set.labels:
        label = str(label).strip()
        if label and label not in seen:
            seen.append(label)
    item_set.labels = seen
    if item_set.lesson_id and item_set.lesson.module.course_id != item_set.course_id:
        raise ValidationError({"lesson": _("Choose a lesson of this item set's course.")})
    if item_set.pk:
        used: set[str] = set()
        for gold in Item.objects.filter(item_set_id=item_set.pk, gold__isnull=False).values_list(
            "gold", flat=True
        ):
            used.update(_gold_labels(gold))
        missing = sorted(used - set(seen))
        if missing:
            raise ValidationError(
                {
                    "labels_text": _("These labels are used by gold labels of the items: %(labels)s.")
                    % {"labels": "、".join(missing)}
                }
            )
    if item_set.published and not (
        item_set.pk and Item.objects.filter(item_set_id=item_set.pk, gold__isnull=False).exists()
    ):
        # Nothing to grade: every run would score nothing (a job needs its hidden gold items).
        raise ValidationError(
            {
                "published": _(
                    "A set is published once it has items with gold labels to grade against "
                    "(in a job: hidden gold items). Upload them first."
                )
            }
        )
    item_set.full_clean()
    if item_set.pk is None and not item_set.position:
        item_set.position = practice_next_position(course_id=item_set.course_id)
    item_set.save()
    return item_set


def _gold_labels(gold: dict) -> list[str]:
    if not isinstance(gold, dict):
        return []
    labels = [str(label) for label in gold.get("labels") or []]
    labels += [str(span[2]) for span in gold.get("spans") or [] if len(span) > 2]
    labels += [str(box[4]) for box in gold.get("boxes") or [] if len(box) > 4]
    return labels


@transaction.atomic
def items_add(*, item_set: ItemSet, items: list[ParsedItem]) -> list[Item]:
    """Append ``items`` to the set, numbered after its last item, in one INSERT; images are
    written to storage first. All or nothing: the caller passes only a file without errors; a
    failure here rolls every row back. The set is locked so that two uploads number apart."""
    locked = ItemSet.objects.select_for_update().get(pk=item_set.pk)
    start = (locked.items.aggregate(last=Max("order"))["last"] or 0) + 1
    rows = []
    for offset, parsed in enumerate(items):
        item = Item(
            item_set=locked,
            order=start + offset,
            text=parsed.text,
            source_name=parsed.source[:200],
            gold=parsed.gold,
            is_honeypot=locked.is_job and parsed.gold is not None,
        )
        image: CompressedImage | None = parsed.image
        if image is not None:
            item.image.save(image.content.name, image.content, save=False)
            item.width, item.height = image.width, image.height
        rows.append(item)
    created = Item.objects.bulk_create(rows)
    ItemSet.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return created


# --- runs ------------------------------------------------------------------------------------


def job_done_message() -> str:
    return _("You have handed in this job batch: a job is done once.")


def run_start(*, enrollment: Enrollment, item_set: ItemSet, not_before: datetime | None = None) -> Run:
    """A new run of ``item_set`` for an open enrolment in its course; a run left unsubmitted is
    resumed instead of starting another. A job set is handed in once per enrolment
    (PracticeError ``job_done`` after that); a practice set may be tried again and again.

    With ``not_before`` (a competition round's opening), runs started earlier are left as they
    are and count for nothing here: an unsubmitted one is not resumed and a submitted job does
    not refuse a new run, so the learner starts afresh inside the round. Locks the enrolment
    row, so two starts at once make one run."""
    if not enrollment.is_open:
        raise PracticeError(_("You cannot study this course now."), code="not_open")
    if item_set.course_id != enrollment.course_id or not item_set.published:
        raise PracticeError(_("This exercise is not part of your course."), code="wrong_course")
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        runs = Run.objects.filter(enrollment=enrollment, item_set=item_set)
        if not_before is not None:
            runs = runs.filter(started_at__gte=not_before)
        open_run = runs.filter(submitted_at=None).order_by("-started_at", "-pk").first()
        if open_run is not None:
            return open_run
        if item_set.is_job and runs.filter(submitted_at__isnull=False).exists():
            # A job is handed in once: a second try would show the hidden gold items' answers
            # in the review of the first and make the quality figure worthless.
            raise PracticeError(job_done_message(), code="job_done")
        return Run.objects.create(enrollment=enrollment, item_set=item_set)


@transaction.atomic
def run_answers_save(*, run: Run, answers: dict[int, dict | None]) -> int:
    """Save the answers to some items of an unsubmitted run (item id → answer), replacing earlier
    answers to them, in one INSERT … ON CONFLICT; an item given None (emptied on the page) loses
    its saved answer, in the same transaction. Items of another set are ignored. The run row is
    locked and checked again, so an answer never lands on a run being submitted. Returns how
    many were saved."""
    locked = Run.objects.select_for_update().filter(pk=run.pk).only("submitted_at", "item_set_id").first()
    if locked is None or locked.submitted_at is not None:
        raise PracticeError(_("This run is submitted already."), code="submitted")
    valid = set(
        Item.objects.filter(item_set_id=locked.item_set_id, pk__in=answers).values_list("pk", flat=True)
    )
    cleared = [pk for pk, value in answers.items() if value is None and pk in valid]
    if cleared:
        Answer.objects.filter(run=locked, item_id__in=cleared).delete()
    rows = [
        Answer(run=locked, item_id=pk, value=value)
        for pk, value in answers.items()
        if pk in valid and value is not None
    ]
    Answer.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["run", "item"], update_fields=["value"]
    )
    return len(rows)


@transaction.atomic
def run_submit(*, run: Run) -> Run:
    """Grade an unsubmitted run and close it; then, if its score reaches the set's minimum and
    every other published set of the same lesson has a passing run too, complete the lesson for
    the enrolment (enrollment.services.lesson_complete, which locks the enrolment). Idempotent:
    submitting a submitted run returns it unchanged (the run row is locked)."""
    locked = Run.objects.select_for_update().select_related("item_set").get(pk=run.pk)
    if locked.submitted_at is not None:
        return locked
    item_set = locked.item_set
    items = list(Item.objects.filter(item_set=item_set).only("pk", "gold"))
    answers = {answer.item_id: answer for answer in Answer.objects.filter(run=locked)}
    graded = [item for item in items if item.gold is not None]
    pairs = [(answers[item.pk].value if item.pk in answers else None, item.gold) for item in graded]
    result = scoring.run_score(item_set.task, pairs, threshold=item_set.iou_threshold)
    to_update = []
    for item in graded:
        if item.pk in answers:
            answer = answers[item.pk]
            answer.score = scoring.item_score(
                item_set.task, answer.value, item.gold, threshold=item_set.iou_threshold
            )
            to_update.append(answer)
    Answer.objects.bulk_update(to_update, ["score"])
    now = timezone.now()
    locked.submitted_at = now
    # Nothing graded (a job batch without hidden gold items): no score, not a 0 %.
    locked.score = round(result.score * 100) if graded else None
    locked.metrics = {**result.metrics, "answered": len(answers), "items": len(items)}
    locked.items_per_minute = round(
        scoring.items_per_minute(len(answers), (now - locked.started_at).total_seconds()), 1
    )
    locked.passed = locked.score is not None and locked.score >= item_set.min_score
    locked.save(update_fields=["submitted_at", "score", "metrics", "items_per_minute", "passed"])
    if locked.passed and item_set.lesson_id:
        _complete_lesson_if_passed(enrollment_id=locked.enrollment_id, lesson_id=item_set.lesson_id)
    return locked


def _complete_lesson_if_passed(*, enrollment_id: int, lesson_id: int) -> None:
    # Exists() keeps both conditions on the same run (an exclude() across the relation would not).
    passed = Run.objects.filter(item_set=OuterRef("pk"), enrollment_id=enrollment_id, passed=True)
    outstanding = ItemSet.objects.published().filter(lesson_id=lesson_id).filter(~Exists(passed)).exists()
    if outstanding:
        return
    enrollment = Enrollment.objects.get(pk=enrollment_id)
    lesson = lesson_to_complete(enrollment=enrollment, lesson_id=lesson_id)
    if lesson is None or not enrollment.is_open:
        return
    try:
        lesson_complete(enrollment=enrollment, lesson=lesson)
    except EnrollmentError:
        return


# --- assignments -----------------------------------------------------------------------------


def assignment_save(*, assignment: Assignment) -> Assignment:
    """Validate and save an assignment. Once a submission is marked, its rubric keeps its shape
    (the same criteria count and levels per criterion): the marks are levels by position."""
    if assignment.lesson_id and assignment.lesson.module.course_id != assignment.course_id:
        raise ValidationError({"lesson": _("Choose a lesson of this assignment's course.")})
    if assignment.pk and Mark.objects.filter(submission__assignment_id=assignment.pk).exists():
        before = Assignment.objects.get(pk=assignment.pk).criteria
        if [len(c["levels"]) for c in before] != [len(c["levels"]) for c in assignment.criteria]:
            raise ValidationError(
                _(
                    "Work was marked with this rubric: you may rename its criteria and levels, "
                    "not add or remove them."
                )
            )
    assignment.full_clean()
    if assignment.pk is None and not assignment.position:
        assignment.position = practice_next_position(course_id=assignment.course_id)
    assignment.save()
    return assignment


@transaction.atomic
def submission_save(
    *, assignment: Assignment, enrollment: Enrollment, text: str, images: list[CompressedImage]
) -> Submission:
    """Hand in (or hand in again) a learner's work: the text and the images replace what was
    there, the attempt number goes up on a resubmission, the status goes back to waiting for
    marking. An accepted submission is not replaced. Images are compressed by the caller."""
    if not enrollment.is_open:
        raise PracticeError(_("You cannot study this course now."), code="not_open")
    if assignment.course_id != enrollment.course_id or not assignment.published:
        raise PracticeError(_("This assignment is not part of your course."), code="wrong_course")
    if len(images) > assignment.max_images:
        raise PracticeError(
            _("At most %(count)d images.") % {"count": assignment.max_images}, code="too_many_images"
        )
    now = timezone.now()
    submission, created = Submission.objects.select_for_update().get_or_create(
        assignment=assignment,
        enrollment=enrollment,
        defaults={"text": text, "submitted_at": now},
    )
    if not created:
        if submission.status == Submission.Status.ACCEPTED:
            raise PracticeError(_("This work is accepted already."), code="accepted")
        if submission.status == Submission.Status.SUBMITTED:
            raise PracticeError(_("Your work is waiting for marking."), code="waiting")
        submission.text = text
        submission.attempt += 1
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_at = now
        submission.save(update_fields=["text", "attempt", "status", "submitted_at"])
        old = list(submission.images.all())
        storage = SubmissionImage._meta.get_field("image").storage
        names = [row.image.name for row in old]
        SubmissionImage.objects.filter(pk__in=[row.pk for row in old]).delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    rows = []
    for order, image in enumerate(images):
        row = SubmissionImage(submission=submission, order=order)
        row.image.save(image.content.name, image.content, save=False)
        rows.append(row)
    SubmissionImage.objects.bulk_create(rows)
    return submission


@transaction.atomic
def submission_mark(
    *, submission: Submission, marker, levels: list[int], feedback: str, accepted: bool
) -> Mark:
    """Mark the current attempt of a submission waiting for marking: a level per criterion, the
    feedback, and accepted or resubmission asked. The submission row is locked; marking an
    attempt twice raises PracticeError."""
    locked = Submission.objects.select_for_update().select_related("assignment").get(pk=submission.pk)
    if locked.status != Submission.Status.SUBMITTED:
        raise PracticeError(_("This work was marked already."), code="marked")
    criteria = locked.assignment.criteria
    if len(levels) != len(criteria) or any(
        not 0 <= level < len(criterion["levels"]) for level, criterion in zip(levels, criteria, strict=False)
    ):
        raise PracticeError(_("Choose a level for every criterion."), code="levels")
    mark = Mark.objects.create(
        submission=locked,
        attempt=locked.attempt,
        marker=marker,
        levels=levels,
        points=sum(levels),
        feedback=feedback,
        accepted=accepted,
    )
    locked.status = Submission.Status.ACCEPTED if accepted else Submission.Status.NEEDS_WORK
    locked.save(update_fields=["status"])
    return mark


ACCOUNT_DELETED_TEXT = "account deleted"


def learner_data_delete(*, user) -> None:
    """The practice lab's part of deleting an account (call inside the deletion's transaction):
    what the learner wrote and photographed and the feedback about them go, the photos are
    deleted from storage after commit; the runs' scores and the marks' points stay for the
    figures. Idempotent."""
    submissions = Submission.objects.filter(enrollment__learner=user)
    submissions.exclude(text=ACCOUNT_DELETED_TEXT).update(text=ACCOUNT_DELETED_TEXT)
    Mark.objects.filter(submission__enrollment__learner=user).exclude(feedback="").update(feedback="")
    images = SubmissionImage.objects.filter(submission__enrollment__learner=user)
    names = list(images.values_list("image", flat=True))
    images.delete()
    storage = SubmissionImage._meta.get_field("image").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
