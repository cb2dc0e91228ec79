"""The learner's pages: dashboard, joining a class, the course player and quizzes.

Every page finds the enrolment through ``Enrollment.objects.for_learner(request.user)``: another
learner's enrolment, or a course the learner is not enrolled in, is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.cache import catalogue_stamps
from courses.models import Course, Quiz
from talentportal.pagecache import cached_page

from . import selectors, services
from .forms import JoinCodeForm, QuizForm, WithdrawForm
from .models import Enrollment, QuizAttempt
from .quizzes import new_attempt_token, quiz_feedback, quiz_presentation, quiz_questions, quiz_submit

Status = Enrollment.Status
DASHBOARD_PAGE_SIZE = 20


def _get_enrollment(request, slug: str) -> Enrollment:
    """The signed-in learner's enrolment in the course ``slug``, or 404."""
    return get_object_or_404(selectors.player_enrollments(request.user), course__slug=slug)


def _closed_redirect(request, enrollment: Enrollment) -> HttpResponseRedirect | None:
    """Where a learner who may not study this course now is sent, with the reason."""
    if enrollment.is_open:
        return None
    if enrollment.status == Status.APPLIED:
        messages.info(
            request, _("Your request to join this class is waiting for your coordinator's approval.")
        )
    else:
        messages.info(request, _("You are no longer enrolled in this course."))
    return redirect("enrollment:dashboard")


def _step_url(course: Course, step: selectors.Step) -> str:
    if step.is_quiz:
        return reverse("enrollment:quiz", args=[course.slug, step.quiz.pk])
    return reverse("enrollment:lesson", args=[course.slug, step.lesson.pk])


# --- Dashboard --------------------------------------------------------------------------


@login_required
@cached_page(catalogue_stamps, daily=True)
def dashboard(request):
    """My courses with progress and next step, classes, announcements, certificates, suggestions.

    Cached per learner until their ``user:<id>`` stamp is bumped (their enrolments, progress,
    certificates, account, or a change to one of their cohorts) or the catalogue changes, and
    at the end of the day (upcoming classes)."""
    page = Paginator(selectors.dashboard_enrollments(learner=request.user), DASHBOARD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "class_sessions": selectors.upcoming_class_sessions(learner=request.user),
        "announcements": selectors.learner_announcements(learner=request.user),
        "certificates": selectors.learner_certificates(learner=request.user),
        "suggestions": selectors.course_suggestions(learner=request.user),
    }
    return render(request, "enrollment/dashboard.html", context)


# --- Enrolling and joining --------------------------------------------------------------


@login_required
@require_POST
def enrol(request, slug: str):
    """Enrol in a published course on one's own (self-paced). Safe to repeat."""
    course = get_object_or_404(Course.objects.visible_to(request.user), slug=slug)
    try:
        enrollment = services.enrollment_create(learner=request.user, course=course)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
        return redirect(course)
    if enrollment.status == Status.APPLIED:
        messages.info(
            request, _("Your request to join this class is waiting for your coordinator's approval.")
        )
        return redirect("enrollment:dashboard")
    messages.success(request, _("You are enrolled in %(course)s.") % {"course": course.title})
    return redirect("enrollment:player", slug=course.slug)


@require_http_methods(["GET", "HEAD"])
def join(request):
    """Type a join code; a known code leads to the class's page (public)."""
    form = JoinCodeForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return redirect("enrollment:join_code", code=form.cleaned_data["code"])
    return render(request, "enrollment/join.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def join_code(request, code: str):
    """A class's join page (what its QR code opens): the class, then a POST "Join" button.

    Joining never happens on GET. Visitors are sent to sign up or log in and come back here.
    """
    try:
        cohort = services.cohort_find_by_code(code)
    except services.EnrollmentError:
        form = JoinCodeForm({"code": code})
        form.is_valid()
        return render(request, "enrollment/join.html", {"form": form}, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            enrollment = services.cohort_join(learner=request.user, cohort=cohort)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
            return redirect("enrollment:join_code", code=cohort.join_code)
        if enrollment.status == Status.APPLIED:
            messages.info(
                request,
                _("Your request to join %(cohort)s is waiting for your coordinator's approval.")
                % {"cohort": cohort.name},
            )
            return redirect("enrollment:dashboard")
        messages.success(request, _("You joined %(cohort)s.") % {"cohort": cohort.name})
        return redirect("enrollment:player", slug=cohort.course.slug)

    enrollment = None
    if request.user.is_authenticated:
        enrollment = Enrollment.objects.for_learner(request.user).filter(course=cohort.course).first()
    context = {
        "cohort": cohort,
        "joinable": selectors.cohort_is_joinable(cohort=cohort),
        "seats_left": selectors.cohort_seats_left(cohort=cohort),
        "enrollment": enrollment,
        "in_this_cohort": enrollment is not None
        and enrollment.cohort_id == cohort.pk
        and enrollment.status in Enrollment.HOLDING_A_PLACE,
    }
    return render(request, "enrollment/join_code.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, slug: str):
    """Confirm, then withdraw from a course. Progress is kept for coming back."""
    enrollment = _get_enrollment(request, slug)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.enrollment_withdraw(enrollment=enrollment, reason=form.cleaned_data["reason"])
        except services.EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("You withdrew from %(course)s.") % {"course": enrollment.course.title}
            )
        return redirect("enrollment:dashboard")
    return render(request, "enrollment/withdraw.html", {"enrollment": enrollment, "form": form})


# --- The course player ------------------------------------------------------------------


@login_required
def player(request, slug: str):
    """Resume the course where the learner left off."""
    enrollment = _get_enrollment(request, slug)
    if response := _closed_redirect(request, enrollment):
        return response
    step = selectors.course_outline(enrollment=enrollment).resume(last_lesson_id=enrollment.last_lesson_id)
    if step is None:
        messages.info(request, _("This course has no lessons yet."))
        return redirect("enrollment:dashboard")
    return redirect(_step_url(enrollment.course, step))


@login_required
@cached_page(catalogue_stamps)
def lesson(request, slug: str, lesson_id: int):
    """A lesson: body, video, attachments, the course outline, previous/next, mark complete.

    Cached per learner until their ``user:<id>`` stamp (progress, enrolment) or the catalogue
    changes; a closed enrolment's redirect is never cached."""
    enrollment = _get_enrollment(request, slug)
    if response := _closed_redirect(request, enrollment):
        return response
    current = selectors.player_lesson(enrollment=enrollment, lesson_id=lesson_id)
    if current is None:
        raise Http404
    outline = selectors.course_outline(enrollment=enrollment)
    index = outline.find(lesson_id=current.pk)
    previous, following = outline.neighbours(index)
    context = {
        "enrollment": enrollment,
        "course": enrollment.course,
        "lesson": current,
        "step": outline.steps[index],
        "outline": outline,
        "position": index + 1,
        "previous": previous,
        "next": following,
    }
    return render(request, "enrollment/lesson.html", context)


@login_required
@require_POST
def lesson_complete(request, slug: str, lesson_id: int):
    """Mark a lesson done (safe to repeat) and go on to the next step."""
    enrollment = _get_enrollment(request, slug)
    current = selectors.player_lesson(enrollment=enrollment, lesson_id=lesson_id)
    if current is None:
        raise Http404
    was_completed = enrollment.status == Status.COMPLETED
    try:
        enrollment = services.lesson_complete(enrollment=enrollment, lesson=current)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
        return redirect("enrollment:dashboard")
    if enrollment.status == Status.COMPLETED and not was_completed:
        messages.success(request, _("You completed the course. Your certificate is being prepared."))
        return redirect("enrollment:dashboard")
    outline = selectors.course_outline(enrollment=enrollment)
    _previous, following = outline.neighbours(outline.find(lesson_id=current.pk))
    if following is None:
        following = outline.resume(last_lesson_id=None)
        if following is None or following.done:
            if enrollment.status != Status.COMPLETED:
                for missing in services.completion_missing(enrollment=enrollment):
                    messages.info(request, missing)
            return redirect("enrollment:dashboard")
    return redirect(_step_url(enrollment.course, following))


# --- Quizzes ----------------------------------------------------------------------------


def _quiz_context(enrollment: Enrollment, quiz: Quiz) -> dict:
    made, best = selectors.quiz_attempt_summary(enrollment=enrollment, quiz=quiz)
    left = None if quiz.max_attempts is None else max(0, quiz.max_attempts - made)
    return {
        "enrollment": enrollment,
        "course": enrollment.course,
        "quiz": quiz,
        "attempts_made": made,
        "attempts_left": left,
        "best": best,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def quiz(request, slug: str, quiz_id: int):
    """Take a quiz. The page carries a fresh token naming the attempt it may create; submitting
    the same page twice counts once. Graded on the server; nothing tells the page which
    choices are right."""
    enrollment = _get_enrollment(request, slug)
    if response := _closed_redirect(request, enrollment):
        return response
    current = get_object_or_404(Quiz, pk=quiz_id, course_id=enrollment.course_id)
    token = request.POST.get("token", "")[:64] if request.method == "POST" else new_attempt_token()
    questions = quiz_presentation(quiz=current, questions=quiz_questions(quiz=current), token=token)
    if request.method == "POST":
        form = QuizForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                attempt = quiz_submit(
                    enrollment=enrollment,
                    quiz=current,
                    token=form.cleaned_data["token"],
                    answers=form.answers(),
                )
            except services.EnrollmentError as error:
                messages.error(request, error.message)
                return redirect("enrollment:quiz", slug=slug, quiz_id=current.pk)
            return redirect("enrollment:quiz_result", slug=slug, quiz_id=current.pk, number=attempt.number)
    else:
        form = QuizForm(initial={"token": token}, questions=questions)
    context = {**_quiz_context(enrollment, current), "form": form}
    return render(request, "enrollment/quiz.html", context)


@login_required
def quiz_result(request, slug: str, quiz_id: int, number: int):
    """One attempt's score, pass or fail, and per-question feedback with explanations."""
    enrollment = _get_enrollment(request, slug)
    current = get_object_or_404(Quiz, pk=quiz_id, course_id=enrollment.course_id)
    attempt = get_object_or_404(QuizAttempt, enrollment=enrollment, quiz=current, number=number)
    feedback = quiz_feedback(
        questions=quiz_questions(quiz=current, with_answers=True), answers=attempt.answers
    )
    context = {**_quiz_context(enrollment, current), "attempt": attempt, "feedback": feedback}
    return render(request, "enrollment/quiz_result.html", context)
