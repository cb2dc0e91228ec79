"""The learner's class calendar ("我的课表") and their personal iCal feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import calendar


@login_required
def class_calendar(request):
    """The learner's upcoming classes, their attendance at past ones, and their feed's link
    with how to subscribe on a phone. A fixed number of queries."""
    past = Paginator(calendar.past_sessions(learner=request.user), calendar.PAST_PAGE_SIZE)
    feed = calendar.calendar_feed_of(learner=request.user)
    feed_url = webcal_url = ""
    if feed is not None:
        path = reverse("learn:calendar_feed", args=[calendar.calendar_feed_url_token(feed=feed)])
        feed_url = request.build_absolute_uri(path)
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    context = {
        "upcoming": calendar.upcoming_sessions(learner=request.user),
        "past": past.get_page(request.GET.get("page")),
        "feed": feed,
        "feed_url": feed_url,
        "webcal_url": webcal_url,
    }
    return render(request, "learn/calendar.html", context)


@login_required
@require_POST
def calendar_feed_renew(request):
    """Make the learner's feed link, or revoke it and make a new one."""
    had_one = calendar.calendar_feed_of(learner=request.user) is not None
    calendar.calendar_feed_renew(learner=request.user)
    if had_one:
        messages.success(
            request, _("The old calendar link no longer works. Subscribe again with the new one.")
        )
    else:
        messages.success(request, _("Your calendar link is ready."))
    return redirect(reverse("learn:calendar") + "#feed")


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request, token: str):
    """The iCal feed, for the phone's calendar app (no session: the URL is the key). A made-up
    or revoked link is a 404."""
    learner = calendar.calendar_feed_learner(url_token=token)
    if learner is None:
        raise Http404
    with translation.override(learner.preferred_language or None):
        body = calendar.calendar_feed_ical(learner=learner)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="classes.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
