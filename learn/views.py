"""The learner's pages: dashboard, joining a class, the course player and quizzes.

Every page finds the enrolment through ``Enrollment.objects.for_learner(request.user)``: another
learner's enrolment, or a course the learner is not enrolled in, is a 404.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from courses.models import Course, Lesson, Quiz
from enrollment import selectors, services
from enrollment.models import Enrollment
from enrollment.quizzes import (
    answers_revealed,
    new_attempt_token,
    quiz_feedback,
    quiz_presentation,
    quiz_questions,
    quiz_submit,
)
from practice import selectors as practice_selectors

from . import offline_views
from .forms import JoinCodeForm, QuizForm, WithdrawForm, quiz_inputs
from .selectors import (
    course_suggestions,
    dashboard_attendance,
    dashboard_next_steps,
    learner_announcements,
    learner_certificates,
    learner_cohort_ids,
    learner_enrollments,
    upcoming_class_sessions,
)

Status = Enrollment.Status
DASHBOARD_PAGE_SIZE = 20
JOIN_RATE_GROUP = "learn.join"


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
    return redirect("learn:dashboard")


@functools.cache
def _url_format_for(name: str, arity: int, prefix: str, urlconf: str) -> str:
    markers = [str(10**15 + n) for n in range(arity)]
    url = reverse(name, args=markers, urlconf=urlconf)
    for n, marker in enumerate(markers):
        url = url.replace(marker, f"{{{n}}}")
    return url


def _url_format(name: str, arity: int) -> str:
    """The URL named ``name`` as a str.format() template of its ``arity`` arguments, reversed
    once per process rather than once per link. The arguments must need no quoting (slugs, ids)."""
    return _url_format_for(name, arity, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def _outline(enrollment: Enrollment) -> selectors.Outline:
    """The enrolment's course outline with the link of each step."""
    outline = selectors.course_outline(enrollment=enrollment)
    slug = enrollment.course.slug
    lesson_url, quiz_url = _url_format("learn:lesson", 2), _url_format("learn:quiz", 2)
    for step in outline.steps:
        step.url = (quiz_url if step.is_quiz else lesson_url).format(slug, step.pk)
    return outline


# --- Dashboard --------------------------------------------------------------------------


@login_required
def dashboard(request):
    """My courses with progress and next step, classes, announcements, certificates, suggestions."""
    items = learner_enrollments(learner=request.user)
    page = Paginator(items, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    dashboard_next_steps(items=page.object_list)
    dashboard_attendance(learner=request.user, items=page.object_list)
    player_url, enrol_url = _url_format("learn:player", 1), _url_format("learn:enrol", 1)
    lesson_url, quiz_url = _url_format("learn:lesson", 2), _url_format("learn:quiz", 2)
    for item in page.object_list:
        item.url = player_url.format(item.course_slug)
        item.enrol_url = enrol_url.format(item.course_slug)
        if item.next_lesson_id is not None:
            item.next_url = lesson_url.format(item.course_slug, item.next_lesson_id)
        elif item.final_quiz_id is not None:
            item.next_url = quiz_url.format(item.course_slug, item.final_quiz_id)
    download_url, verify_url = _url_format("certificates:download", 1), _url_format("certificates:verify", 1)
    certificates = [
        (item, download_url.format(item.certificate_code), verify_url.format(item.certificate_code))
        for item in learner_certificates(items=items)
    ]
    suggestions = course_suggestions(
        learner=request.user, enrolled_course_ids=[item.course_id for item in items]
    )
    course_url = _url_format("catalogue:detail", 1)
    for course in suggestions:
        course["url"] = course_url.format(course["slug"])
    studying = learner_cohort_ids(items=items, statuses=(Status.APPLIED, Status.ACTIVE))
    holding_a_place = learner_cohort_ids(items=items, statuses=Enrollment.HOLDING_A_PLACE)
    context = {
        "page": page,
        "class_sessions": upcoming_class_sessions(cohort_ids=studying),
        "announcements": learner_announcements(cohort_ids=holding_a_place),
        "certificates": certificates,
        "suggestions": suggestions,
    }
    return render(request, "learn/dashboard.html", context)


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
        return redirect("learn:dashboard")
    messages.success(request, _("You are enrolled in %(course)s.") % {"course": course.title})
    return redirect("learn:player", slug=course.slug)


def _join_rate(group: str, request) -> str:
    return settings.JOIN_RATE_LIMIT


def _guessing_join_codes(request, *, unknown_code: bool = False) -> bool:
    """Whether this address has tried more unknown join codes than settings.JOIN_RATE_LIMIT
    allows (``unknown_code``: one more was just tried). Only unknown codes count, so a whole
    class behind one school address opening its own code is never held up; once over the
    limit, no code is looked up at all, known or not."""
    return is_ratelimited(request, group=JOIN_RATE_GROUP, key="ip", rate=_join_rate, increment=unknown_code)


@require_http_methods(["GET", "HEAD"])
def join(request):
    """Type a join code; a known code leads to the class's page (public). Guessing codes is
    rate limited per address (the portal's 429 page)."""
    typed = "code" in request.GET
    if typed and _guessing_join_codes(request):
        raise Ratelimited()
    form = JoinCodeForm(request.GET if typed else None)
    if form.is_valid():
        return redirect("learn:join_code", code=form.cleaned_data["code"])
    if form.has_error("code", "unknown") and _guessing_join_codes(request, unknown_code=True):
        raise Ratelimited()
    return render(request, "learn/join.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def join_code(request, code: str):
    """A class's join page (what its QR code opens): the class, then a POST "Join" button.

    Joining never happens on GET. Visitors are sent to sign up or log in and come back here.
    Guessing codes is rate limited per address, like join.
    """
    if _guessing_join_codes(request):
        raise Ratelimited()
    try:
        cohort = services.cohort_find_by_code(code)
    except services.EnrollmentError:
        if _guessing_join_codes(request, unknown_code=True):
            raise Ratelimited() from None
        form = JoinCodeForm({"code": code})
        form.is_valid()
        return render(request, "learn/join.html", {"form": form}, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            enrollment = services.cohort_join(learner=request.user, cohort=cohort)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
            return redirect("learn:join_code", code=cohort.join_code)
        if enrollment.status == Status.APPLIED:
            messages.info(
                request,
                _("Your request to join %(cohort)s is waiting for your coordinator's approval.")
                % {"cohort": cohort.name},
            )
            return redirect("learn:dashboard")
        messages.success(request, _("You joined %(cohort)s.") % {"cohort": cohort.name})
        return redirect("learn:player", slug=cohort.course.slug)

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
    return render(request, "learn/join_code.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, slug: str):
    """Confirm, then withdraw from a course. Progress is kept for coming back."""
    enrollment = get_object_or_404(
        Enrollment.objects.for_learner(request.user).select_related("course", "cohort"), course__slug=slug
    )
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
        return redirect("learn:dashboard")
    return render(request, "learn/withdraw.html", {"enrollment": enrollment, "form": form})


# --- The course player ------------------------------------------------------------------


@login_required
def player(request, slug: str):
    """Resume the course where the learner left off. With nothing left to do, the course's
    page: what the certificate still needs (offline classes attended, most often), the
    learner's attendance, and the contents to read again — never a loop back into a quiz."""
    enrollment = _get_enrollment(request, slug)
    if response := _closed_redirect(request, enrollment):
        return response
    outline = _outline(enrollment)
    if not outline.steps:
        messages.info(request, _("This course has no lessons yet."))
        return redirect("learn:dashboard")
    step = outline.resume(last_lesson_id=enrollment.last_lesson_id)
    if step is not None:
        return redirect(step.url)
    context = {
        "enrollment": enrollment,
        "course": enrollment.course,
        "outline": outline,
        "missing": services.completion_missing(enrollment=enrollment)
        if enrollment.status == Status.ACTIVE
        else [],
        "closed_quizzes": [step for step in outline.steps if step.closed],
        "attendance": selectors.learner_attendance(enrollment=enrollment),
    }
    return render(request, "learn/course.html", context)


@login_required
def lesson(request, slug: str, lesson_id: int):
    """A lesson: body, video, attachments, the course outline, previous/next, mark complete."""
    enrollment = _get_enrollment(request, slug)
    if response := _closed_redirect(request, enrollment):
        return response
    current = selectors.player_lesson(enrollment=enrollment, lesson_id=lesson_id)
    if current is None:
        raise Http404
    outline = _outline(enrollment)
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
        "attendance": selectors.learner_attendance(enrollment=enrollment),
    }
    if current.kind == Lesson.Kind.PRACTICE:
        context["practice"] = practice_selectors.lesson_practice(lesson_id=current.pk, enrollment=enrollment)
    return render(request, "learn/lesson.html", context)


@login_required
@require_POST
def lesson_complete(request, slug: str, lesson_id: int):
    """Mark a lesson done (safe to repeat) and go on to the next step."""
    enrollment = _get_enrollment(request, slug)
    current = selectors.lesson_to_complete(enrollment=enrollment, lesson_id=lesson_id)
    if current is None:
        raise Http404
    if current.kind == Lesson.Kind.PRACTICE and practice_selectors.lesson_has_exercises(lesson_id=current.pk):
        # An exercise's lesson is completed by passing it (practice.services.run_submit).
        messages.info(request, _("Pass the exercises of this lesson to complete it."))
        return redirect("learn:lesson", slug=slug, lesson_id=current.pk)
    if "offline_key" in request.POST:
        # Sent from a phone's offline queue: recorded once per key, answered in JSON.
        return offline_views.lesson_complete_sent(request, enrollment=enrollment, lesson=current)
    try:
        locked = services.lesson_complete(enrollment=enrollment, lesson=current)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
        return redirect("learn:dashboard")
    if locked.status == Status.COMPLETED and enrollment.status != Status.COMPLETED:
        messages.success(request, _("You completed the course. Your certificate is being prepared."))
        return redirect("learn:dashboard")
    outline = _outline(enrollment)
    following = outline.following(outline.find(lesson_id=current.pk))
    if following is None:
        following = outline.resume(last_lesson_id=None)
    if following is None:
        # Nothing left to do: the course's page says what the certificate still needs.
        return redirect("learn:player", slug=slug)
    return redirect(following.url)


# --- Quizzes ----------------------------------------------------------------------------


def _quiz_context(enrollment: Enrollment, quiz: Quiz, attempts: selectors.QuizAttempts) -> dict:
    left = None if quiz.max_attempts is None else max(0, quiz.max_attempts - attempts.made)
    return {
        "enrollment": enrollment,
        "course": enrollment.course,
        "quiz": quiz,
        "attempts_made": attempts.made,
        "attempts_left": left,
        "best": attempts.best,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def quiz(request, slug: str, quiz_id: int):
    """Take a quiz. The page carries a fresh token naming the attempt it may create; submitting
    the same page twice counts once. Graded on the server; nothing tells the page which
    choices are right."""
    enrollment = _get_enrollment(request, slug)
    # Answers sent from a phone's offline queue are answered in JSON, a refusal with its reason.
    sent_offline = request.method == "POST" and "offline_key" in request.POST
    if not sent_offline and (response := _closed_redirect(request, enrollment)):
        return response
    current, attempts = selectors.player_quiz(enrollment=enrollment, quiz_id=quiz_id)
    if current is None:
        raise Http404
    context = _quiz_context(enrollment, current, attempts)
    if context["attempts_left"] == 0 and request.method != "POST":
        # The page only says that no attempt is left: no questions to read.
        return render(request, "learn/quiz.html", context)
    token = request.POST.get("token", "")[:64] if request.method == "POST" else new_attempt_token()
    questions = quiz_presentation(quiz=current, questions=quiz_questions(quiz=current), token=token)
    form = None
    if sent_offline:
        form = QuizForm(request.POST, questions=questions)
        return offline_views.quiz_answers_sent(enrollment=enrollment, quiz=current, form=form)
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
                return redirect("learn:quiz", slug=slug, quiz_id=current.pk)
            return redirect("learn:quiz_result", slug=slug, quiz_id=current.pk, number=attempt.number)
    context |= {
        "token": token,
        "token_errors": form["token"].errors if form is not None else None,
        "questions": quiz_inputs(questions=questions, form=form),
    }
    return render(request, "learn/quiz.html", context)


@login_required
def quiz_result(request, slug: str, quiz_id: int, number: int):
    """One attempt's score, pass or fail, and which questions were right; the right choices and
    the explanations only when the quiz's rule allows (never while a failed learner may try
    again, by default)."""
    enrollment = _get_enrollment(request, slug)
    current, attempts = selectors.player_quiz(enrollment=enrollment, quiz_id=quiz_id, with_answers=True)
    if current is None or number not in attempts.by_number:
        raise Http404
    attempt = attempts.by_number[number]
    context = _quiz_context(enrollment, current, attempts)
    reveal = answers_revealed(quiz=current, passed=attempts.passed, attempts_left=context["attempts_left"])
    feedback = quiz_feedback(
        questions=quiz_questions(quiz=current, with_answers=True), answers=attempt.answers, reveal=reveal
    )
    context |= {
        "attempt": attempt,
        "feedback": feedback,
        "wrong_count": sum(not item.is_right for item in feedback),
        "answers_revealed": reveal,
    }
    return render(request, "learn/quiz_result.html", context)
