"""An archived course's revision is published without putting the course back in the
catalogue; a lesson is a video lesson while it has a video and a reading one again without."""

from __future__ import annotations

from django.urls import reverse

from courses.models import Course, CourseStatusChange, Lesson
from tests.studio.conftest import lessons_of
from tests.studio.test_revisions import _lesson_form, open_revision, publish, submit


def test_publishing_a_revision_of_an_archived_course_keeps_it_archived(client, live, editor, publisher):
    Course.objects.filter(pk=live.pk).update(status=Course.Status.ARCHIVED)
    client.force_login(editor)
    revision = open_revision(client, live)
    node = revision.document["course"]["modules"][0]["lessons"][0]
    lesson_url = reverse("studio:lesson", args=[live.pk, node["key"]])
    client.post(lesson_url, _lesson_form(node, body="改正了一个错字"))
    submit(client, live)
    client.force_login(publisher)
    response = publish(client, revision, changelog="改正错字")

    live.refresh_from_db()
    assert live.status == Course.Status.ARCHIVED
    assert Lesson.objects.get(pk=node["id"]).body == "改正了一个错字"
    change = CourseStatusChange.objects.filter(course=live).latest("pk")
    assert (change.from_status, change.to_status) == (Course.Status.ARCHIVED, Course.Status.ARCHIVED)
    page = client.get(response["Location"]).content.decode()
    assert "The course stays archived" in page
    assert client.get(reverse("catalogue:catalogue")).content.decode().count(live.title) == 0


def test_a_lesson_is_a_video_lesson_only_while_it_has_a_video(client, live, editor, publisher):
    client.force_login(editor)
    revision = open_revision(client, live)
    node = revision.document["course"]["modules"][0]["lessons"][0]
    assert node["kind"] == Lesson.Kind.READING
    lesson_url = reverse("studio:lesson", args=[live.pk, node["key"]])

    client.post(lesson_url, _lesson_form(node, video_url="https://video.example.com/1.mp4"))
    revision.refresh_from_db()
    assert revision.document["course"]["modules"][0]["lessons"][0]["kind"] == Lesson.Kind.VIDEO

    client.post(lesson_url, _lesson_form(node, video_url=""))
    revision.refresh_from_db()
    assert revision.document["course"]["modules"][0]["lessons"][0]["kind"] == Lesson.Kind.READING
    submit(client, live)
    client.force_login(publisher)
    publish(client, revision, changelog="去掉视频")
    assert lessons_of(live)[0].kind == Lesson.Kind.READING
