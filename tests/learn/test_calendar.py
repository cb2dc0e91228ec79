"""The learner's class schedule ("我的课表") and their personal iCal feed: content, revocation,
and that a feed shows nothing beyond its learner's own classes."""

from __future__ import annotations

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from counties.models import Attendance
from enrollment.models import CalendarFeed, Enrollment
from learn import calendar
from tests import factories

CALENDAR = reverse("learn:calendar")
RENEW = reverse("learn:calendar_feed_renew")
Present, Absent, Excused = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED

# User (role flags for the navigation), upcoming sessions, the count and the page of the
# sessions held (with the learner's attendance), the learner's feed. The session is cached.
CALENDAR_QUERIES = 5


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def in_cohort(learner, *, county, course_title="农村电商运营", cohort_name="桐庐电商一班", status="active"):
    course = factories.CourseFactory(title=course_title)
    cohort = factories.CohortFactory(course=course, county=county, name=cohort_name)
    factories.EnrollmentFactory(learner=learner, course=course, cohort=cohort, status=status)
    return cohort


def feed_path(client) -> str:
    """Make the signed-in learner's feed link (the page's button) and read it off the page."""
    client.post(RENEW)
    page = client.get(CALENDAR).content.decode()
    url = page.split('id="feed-url" value="', 1)[1].split('"', 1)[0]
    assert url.startswith("http://testserver/learn/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_schedule_lists_upcoming_classes_and_past_attendance(client, learner, county):
    cohort = in_cohort(learner, county=county)
    soon = factories.ClassSessionFactory(
        cohort=cohort, date=day(2), start_time=datetime.time(9, 30), place="县职校302", topic="直播带货"
    )
    held = {
        status: factories.ClassSessionFactory(cohort=cohort, date=day(-n), topic=f"第{n}课")
        for n, status in enumerate([Present, Absent, Excused, None], start=1)
    }
    for status, session in held.items():
        if status:
            Attendance.objects.create(session=session, learner=learner, status=status)
    client.force_login(learner)

    page = client.get(CALENDAR).content.decode()

    assert f'<li id="session-{soon.pk}"><strong>{day(2):%Y-%m-%d} 09:30</strong> 直播带货' in page
    assert "县职校302 · 农村电商运营 · 桐庐电商一班" in page
    for status, session in held.items():
        fragment = f'id="session-{session.pk}"'
        assert fragment in page
        badge = page.split(fragment, 1)[1].split("</li>", 1)[0]
        assert f'data-status="{status or "not_recorded"}"' in badge
    assert ">Present<" in page and ">Absent<" in page and ">Excused<" in page and ">Not recorded<" in page


def test_schedule_shows_only_the_learners_own_cohorts(client, learner, county):
    mine = in_cohort(learner, county=county)
    other = factories.CohortFactory(county=county, name="别人的班")
    withdrawn = in_cohort(
        learner, county=county, course_title="已退出课程", status=Enrollment.Status.WITHDRAWN
    )
    factories.ClassSessionFactory(cohort=mine, date=day(1), place="我的教室")
    factories.ClassSessionFactory(cohort=other, date=day(1), place="别的教室")
    factories.ClassSessionFactory(cohort=withdrawn, date=day(1), place="退出的教室")
    client.force_login(learner)

    page = client.get(CALENDAR).content.decode()

    assert "我的教室" in page
    assert "别的教室" not in page and "退出的教室" not in page


def test_dashboard_links_to_the_schedule(client, learner, county):
    in_cohort(learner, county=county)
    client.force_login(learner)
    assert f'href="{CALENDAR}"' in client.get(reverse("learn:dashboard")).content.decode()


def test_schedule_needs_a_login(client, db):
    assert client.get(CALENDAR).url.startswith(reverse("account_login"))


@pytest.mark.parametrize("classes", [1, 40])
def test_schedule_query_count_does_not_grow_with_the_classes(
    client, learner, county, classes, django_assert_num_queries
):
    for n in range(3):
        cohort = in_cohort(learner, county=county, course_title=f"课程{n}", cohort_name=f"班{n}")
        for offset in range(classes):
            session = factories.ClassSessionFactory(cohort=cohort, date=day(offset - classes // 2 - 1))
            if offset % 2:
                Attendance.objects.create(session=session, learner=learner, status=Present)
    calendar.calendar_feed_renew(learner=learner)
    client.force_login(learner)
    client.get(CALENDAR)  # the session into the cache

    with django_assert_num_queries(CALENDAR_QUERIES):
        assert client.get(CALENDAR).status_code == 200


def test_feed_carries_the_learners_classes_with_place_course_and_a_stable_uid(client, learner, county):
    cohort = in_cohort(learner, county=county)
    session = factories.ClassSessionFactory(
        cohort=cohort,
        date=day(3),
        start_time=datetime.time(14, 0),
        end_time=datetime.time(16, 30),
        place="县职校302",
        topic="直播带货",
    )
    no_end = factories.ClassSessionFactory(cohort=cohort, date=day(5), start_time=datetime.time(9, 0))
    client.force_login(learner)
    path = feed_path(client)
    client.logout()  # the phone's calendar has no session: the URL is the key

    first = events(client.get(path))
    again = events(client.get(path))

    assert [str(event["UID"]) for event in first] == [str(event["UID"]) for event in again]
    by_uid = {str(event["UID"]): event for event in first}
    assert set(by_uid) == {f"class-session-{session.pk}@127.0.0.1", f"class-session-{no_end.pk}@127.0.0.1"}
    event = by_uid[f"class-session-{session.pk}@127.0.0.1"]
    assert str(event["LOCATION"]) == "县职校302"
    assert str(event["SUMMARY"]) == "农村电商运营 · 直播带货"
    assert "桐庐电商一班" in str(event["DESCRIPTION"])
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.date(), start.hour, start.minute, str(start.tzinfo)) == (day(3), 14, 0, "Asia/Shanghai")
    assert (end.hour, end.minute) == (16, 30)
    later = by_uid[f"class-session-{no_end.pk}@127.0.0.1"]
    assert later.decoded("DTEND") - later.decoded("DTSTART") == datetime.timedelta(
        minutes=calendar.DEFAULT_CLASS_MINUTES
    )


def test_feed_leaks_nothing_beyond_the_learners_own_classes(client, learner, county):
    cohort = in_cohort(learner, county=county)
    factories.ClassSessionFactory(cohort=cohort, date=day(1), place="我的教室")
    classmate = factories.UserFactory(name="王同学", email="wang@example.com")
    factories.EnrollmentFactory(learner=classmate, course=cohort.course, cohort=cohort)
    elsewhere = factories.CohortFactory(county=county)
    factories.ClassSessionFactory(cohort=elsewhere, date=day(1), place="别的教室")
    client.force_login(learner)
    path = feed_path(client)

    response = client.get(path)
    text = response.content.decode()

    assert [str(event["LOCATION"]) for event in events(response)] == ["我的教室"]
    for private in ("王同学", "wang@example.com", learner.name, learner.email, "别的教室"):
        assert private not in text


def test_revoking_the_link_makes_the_old_url_answer_404(client, learner, county):
    factories.ClassSessionFactory(cohort=in_cohort(learner, county=county), date=day(1))
    client.force_login(learner)
    old = feed_path(client)
    assert client.get(old).status_code == 200

    new = feed_path(client)  # "Revoke this link and make a new one"

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarFeed.objects.filter(learner=learner).count() == 1


def test_a_made_up_or_tampered_feed_url_is_nothing(client, learner, county):
    factories.ClassSessionFactory(cohort=in_cohort(learner, county=county), date=day(1))
    client.force_login(learner)
    path = feed_path(client)
    token = path.removeprefix("/learn/calendar/").removesuffix(".ics")
    raw, signature = token.rsplit(".", 1)
    client.logout()

    assert client.get(reverse("learn:calendar_feed", args=[f"{raw}x.{signature}"])).status_code == 404
    assert client.get(reverse("learn:calendar_feed", args=[raw])).status_code == 404
    assert client.get(reverse("learn:calendar_feed", args=["nothing"])).status_code == 404


def test_another_learners_feed_token_is_nothing_to_me(client, learner, county):
    """Each feed shows its own learner's classes, whoever opens it; and one learner's signed
    token cannot be turned into another's."""
    other = factories.LearnerProfileFactory(county=county).user
    factories.ClassSessionFactory(cohort=in_cohort(other, county=county), date=day(1), place="别人的教室")
    factories.ClassSessionFactory(
        cohort=in_cohort(learner, county=county, course_title="我的课"), date=day(1)
    )
    client.force_login(other)
    other_path = feed_path(client)
    client.force_login(learner)
    my_path = feed_path(client)

    mine = client.get(my_path).content.decode()
    assert "别人的教室" not in mine
    other_token = other_path.removeprefix("/learn/calendar/").removesuffix(".ics")
    my_signature = my_path.removesuffix(".ics").rsplit(".", 1)[1]
    forged = f"{other_token.rsplit('.', 1)[0]}.{my_signature}"
    assert client.get(reverse("learn:calendar_feed", args=[forged])).status_code == 404


def test_renewing_needs_a_post_and_a_login(client, learner):
    assert client.post(RENEW).url.startswith(reverse("account_login"))
    client.force_login(learner)
    assert client.get(RENEW).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_a_deactivated_learners_feed_answers_404(client, learner, county):
    factories.ClassSessionFactory(cohort=in_cohort(learner, county=county), date=day(1))
    client.force_login(learner)
    path = feed_path(client)
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    assert client.get(path).status_code == 404
