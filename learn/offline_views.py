"""Studying offline: the web app manifest, the service worker, what a phone saves of a course,
and "mark done" sent back from a phone that studied offline. See learn/offline.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.middleware import OFFLINE_USER_COOKIE
from courses.models import Lesson, Quiz
from enrollment import selectors, services
from enrollment.models import Enrollment
from enrollment.quizzes import quiz_submit

from . import offline

# The portal's own files every saved page needs.
STATIC_FILES = ("css/portal.css", "css/learn.css", "js/offline.js", "icons/icon-192.png")


@require_http_methods(["GET", "HEAD"])
def service_worker(request):
    """The service worker, served under /learn/ so that it controls the learner's pages. Never
    cached by the browser's HTTP cache: a new version reaches phones on their next visit."""
    context = {
        "static_prefix": settings.STATIC_URL,
        "media_prefix": settings.MEDIA_URL,
        "user_cookie": OFFLINE_USER_COOKIE,
    }
    response = render(request, "learn/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_http_methods(["GET", "HEAD"])
def manifest(request):
    """The web app manifest: "add to home screen" opens My learning, full screen."""
    data = {
        "name": _("Talent Portal"),
        "short_name": _("Talent Portal"),
        "description": _("Study your courses, also without a connection."),
        "start_url": reverse("learn:dashboard"),
        "scope": reverse("learn:dashboard"),
        "display": "standalone",
        "background_color": "#f6f8f9",
        "theme_color": "#0b6e4f",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def course_bundle(request, slug: str):
    """The addresses a phone saves to study the course offline (JSON). Only for a course the
    learner may study now: any other is a 404."""
    enrollment = selectors.player_enrollments(request.user).filter(course__slug=slug).first()
    if enrollment is None or not enrollment.is_open:
        raise Http404
    bundle = offline.course_bundle(enrollment=enrollment)
    # Not the class calendar: its page shows the personal feed's secret address.
    urls = [reverse("learn:dashboard")]
    urls += [reverse("learn:lesson", args=[slug, pk]) for pk in bundle.lesson_ids]
    urls += [reverse("learn:quiz", args=[slug, pk]) for pk in bundle.quiz_ids]
    urls += [static(name) for name in STATIC_FILES]
    urls += bundle.files
    # Named by the user: the service worker answers only the signed-in user's copies.
    cache = f"course-{request.user.pk}-{slug}"
    return JsonResponse({"cache": cache, "title": enrollment.course.title, "urls": urls})


def lesson_complete_sent(request, *, enrollment: Enrollment, lesson: Lesson) -> JsonResponse:
    """The answer to "mark done" sent from a phone's offline queue (learn.views.lesson_complete
    with an ``offline_key``): JSON, recorded once per key."""
    key = request.POST.get("offline_key", "")
    if not offline.KEY_RE.match(key):
        return JsonResponse({"error": _("This study record is damaged."), "code": "offline_key"}, status=400)
    try:
        done_now = offline.offline_lesson_complete(enrollment=enrollment, lesson=lesson, key=key)
    except services.EnrollmentError as error:
        return JsonResponse({"error": error.message, "code": error.code}, status=409)
    return JsonResponse({"recorded": done_now, "replayed": not done_now})


def quiz_answers_sent(*, enrollment: Enrollment, quiz: Quiz, form) -> JsonResponse:
    """The answer to a quiz answered offline and sent from a phone's queue (learn.views.quiz with
    an ``offline_key``): 201 with the attempt (the same one for a replay of its token), or a
    refusal the phone shows with its reason: 400 for answers the form refuses (a question left
    out), 409 for what the rules refuse (no attempt left, the course closed)."""
    if not form.is_valid():
        reasons = [str(error) for errors in form.errors.values() for error in errors]
        return JsonResponse({"error": " ".join(reasons), "code": "invalid"}, status=400)
    try:
        attempt = quiz_submit(
            enrollment=enrollment, quiz=quiz, token=form.cleaned_data["token"], answers=form.answers()
        )
    except services.EnrollmentError as error:
        return JsonResponse({"error": error.message, "code": error.code}, status=409)
    result = reverse("learn:quiz_result", args=[enrollment.course.slug, quiz.pk, attempt.number])
    return JsonResponse({"recorded": True, "number": attempt.number, "result": result}, status=201)
