"""The calendar link and the keys of study sent from an offline phone are personal data: the
export shows them, deleting the account removes them (the progress they recorded stays)."""

from __future__ import annotations

import json

from django.urls import reverse

from courses.models import Lesson
from enrollment.models import CalendarFeed, LessonProgress, OfflineAction
from tests import factories

KEY = "k3y-made-on-the-phone_0001"


def study_offline_and_make_a_feed(client, learner):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    factories.EnrollmentFactory(learner=learner, course=course)
    lesson = Lesson.objects.get(module__course=course)
    client.force_login(learner)
    client.post(reverse("learn:calendar_feed_renew"))
    client.post(reverse("learn:lesson_complete", args=[course.slug, lesson.pk]), {"offline_key": KEY})
    return lesson


def test_export_holds_the_calendar_link_and_the_offline_study_records(client, learner):
    lesson = study_offline_and_make_a_feed(client, learner)
    other = factories.LearnerProfileFactory().user
    study_offline_and_make_a_feed(client, other)
    client.force_login(learner)

    data = json.loads(client.get(reverse("privacy:data_export")).content)

    assert len(data["calendar_feed"]) == 1 and data["calendar_feed"][0]["made_at"]
    [record] = data["offline_study_records"]
    assert (record["lesson_id"], record["lesson"], record["key"]) == (lesson.pk, lesson.title, KEY)


def test_deleting_the_account_removes_the_calendar_link_and_the_keys(client, learner):
    study_offline_and_make_a_feed(client, learner)
    feed_page = client.get(reverse("learn:calendar")).content.decode()
    feed_path = feed_page.split('id="feed-url" value="http://testserver', 1)[1].split('"', 1)[0]

    response = client.post(reverse("privacy:delete"), {"password": factories.PASSWORD})

    assert response.status_code == 302
    assert not CalendarFeed.objects.filter(learner=learner).exists()
    assert not OfflineAction.objects.filter(learner=learner).exists()
    assert LessonProgress.objects.filter(enrollment__learner=learner).count() == 1
    assert client.get(feed_path).status_code == 404
