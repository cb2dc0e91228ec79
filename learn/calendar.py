"""The learner's class calendar: their cohorts' class sessions with their attendance, and the
personal iCal feed that puts those sessions in the phone's calendar.

The feed is read without a session, by a secret in its URL: a random token stored per learner
(enrollment.models.CalendarFeed) and signed, so a made-up URL is refused before any query.
Revoking replaces the token: the old URL answers 404 from then on. The feed shows only the
sessions of the cohorts its learner holds a place in — nothing about other learners, not even
the learner's name.
"""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import ClassSession
from enrollment.models import CalendarFeed, Enrollment

FEED_SALT = "learn.calendar-feed"
# Sessions of the past this many days stay in the feed (the phone keeps what it saw before).
FEED_PAST_DAYS = 90
MAX_FEED_EVENTS = 500
MAX_UPCOMING = 100
PAST_PAGE_SIZE = 30
# A session without an end time shows in the phone's calendar this long.
DEFAULT_CLASS_MINUTES = 90

_SESSION_COLUMNS = (
    "pk",
    "date",
    "start_time",
    "end_time",
    "place",
    "topic",
    "created_at",
    "cohort__name",
    "cohort__course__title",
    "cohort__course__slug",
)


def _signer() -> signing.Signer:
    return signing.Signer(salt=FEED_SALT, sep=".")


def _learner_sessions(learner_id: int) -> QuerySet[ClassSession]:
    """The sessions of the cohorts the learner holds a place in (waiting, studying or done).

    A learner has one enrolment per course and a cohort one course: the join adds no duplicate."""
    return ClassSession.objects.filter(
        cohort__enrollments__learner_id=learner_id,
        cohort__enrollments__status__in=Enrollment.HOLDING_A_PLACE,
    )


# --- Reads --------------------------------------------------------------------------------


def upcoming_sessions(*, learner: User, today: datetime.date | None = None) -> list[dict]:
    """The learner's classes from today on, soonest first (1 query)."""
    today = today or timezone.localdate()
    return list(
        _learner_sessions(learner.pk)
        .filter(date__gte=today)
        .order_by("date", "start_time", "pk")
        .values(*_SESSION_COLUMNS)[:MAX_UPCOMING]
    )


def past_sessions(*, learner: User, today: datetime.date | None = None) -> QuerySet:
    """The learner's classes already held (counties' ``held()`` rule), latest first, with their
    attendance status (None: no roll call for them). Lazy: the view pages it (2 queries)."""
    return (
        _learner_sessions(learner.pk)
        .held(today)
        .alias(mine=FilteredRelation("attendances", condition=Q(attendances__learner_id=learner.pk)))
        .order_by("-date", "-start_time", "-pk")
        .values(*_SESSION_COLUMNS, "mine__status")
    )


def calendar_feed_of(*, learner: User) -> CalendarFeed | None:
    """The learner's feed, if they made one (1 query)."""
    return CalendarFeed.objects.filter(learner=learner).first()


def calendar_feed_url_token(*, feed: CalendarFeed) -> str:
    """What the feed's URL carries: its token, signed."""
    return _signer().sign(feed.token)


def calendar_feed_learner(*, url_token: str) -> User | None:
    """The learner whose current feed ``url_token`` names; None for a made-up, tampered or
    revoked one (1 query; none when the signature is wrong)."""
    try:
        token = _signer().unsign(url_token)
    except signing.BadSignature:
        return None
    feed = (
        CalendarFeed.objects.filter(token=token, learner__is_active=True)
        .select_related("learner")
        .only("token", "learner__id", "learner__preferred_language")
        .first()
    )
    return feed.learner if feed else None


# --- Writes -------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_renew(*, learner: User) -> CalendarFeed:
    """Make the learner's feed, or replace its secret (revoke the old URL and make a new one).

    One row per learner (unique): two clicks at once leave one feed, the last secret winning;
    every URL made before this call answers 404 once it commits."""
    feed, _created = CalendarFeed.objects.update_or_create(
        learner=learner, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


# --- The feed -----------------------------------------------------------------------------


def _uid_domain() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "talentportal"


def calendar_feed_ical(*, learner: User, today: datetime.date | None = None) -> bytes:
    """The learner's classes as an iCalendar document (1 query): each session an event with a
    UID stable per session, its course, topic and place, in the portal's time zone."""
    today = today or timezone.localdate()
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    sessions = (
        _learner_sessions(learner.pk)
        .filter(date__gte=today - datetime.timedelta(days=FEED_PAST_DAYS))
        .order_by("date", "start_time", "pk")
        .values(*_SESSION_COLUMNS)[:MAX_FEED_EVENTS]
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Talent Portal//Classes//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("My classes"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", datetime.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", datetime.timedelta(hours=6))
    domain = _uid_domain()
    for session in sessions:
        start = datetime.datetime.combine(session["date"], session["start_time"], tzinfo=zone)
        if session["end_time"] and session["end_time"] > session["start_time"]:
            end = datetime.datetime.combine(session["date"], session["end_time"], tzinfo=zone)
        else:
            end = start + datetime.timedelta(minutes=DEFAULT_CLASS_MINUTES)
        course = session["cohort__course__title"]
        event = icalendar.Event()
        event.add("uid", f"class-session-{session['pk']}@{domain}")
        event.add("dtstamp", session["created_at"])
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", f"{course} · {session['topic']}" if session["topic"] else course)
        event.add("location", session["place"])
        event.add(
            "description",
            _("Offline class of %(cohort)s, course %(course)s.")
            % {"cohort": session["cohort__name"], "course": course},
        )
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
