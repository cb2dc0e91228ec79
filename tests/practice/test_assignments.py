"""Practical assignments: a learner hands in text and photos (made small), the cohort's
coordinator marks them against the rubric (another county's coordinator gets a 404), the learner
reads the feedback and hands in again."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from practice.models import Assignment, Mark, Submission
from tests import factories

from .conftest import english_client, picture

CRITERIA = [
    {"title": "标题", "levels": ["缺失", "基本完整", "突出卖点"]},
    {"title": "照片", "levels": ["不足五张", "五张清晰", "五张且有细节图"]},
]


@pytest.fixture
def cohort(course):
    return factories.CohortFactory(course=course)


@pytest.fixture
def member(cohort):
    return factories.EnrollmentFactory(course=cohort.course, cohort=cohort, county=cohort.county)


@pytest.fixture
def assignment(course, practice_lesson):
    return Assignment.objects.create(
        course=course,
        lesson=practice_lesson,
        title="为本县的茶写商品详情",
        brief="写标题和卖点，配五张照片。",
        criteria=CRITERIA,
        published=True,
    )


@pytest.fixture
def coordinator(cohort):
    return factories.CoordinatorAssignmentFactory(county=cohort.county).coordinator


def _hand_in(client, assignment, text="桐庐高山云雾茶，明前采摘。", photos=2):
    files = [
        SimpleUploadedFile(f"p{i}.png", picture(size=(1600, 1200)), content_type="image/png")
        for i in range(photos)
    ]
    return client.post(reverse("practice:assignment", args=[assignment.pk]), {"text": text, "images": files})


def test_marking_is_scoped_and_the_learner_sees_the_feedback_then_resubmits(
    assignment, member, cohort, coordinator
):
    learner = english_client(member.learner)
    response = _hand_in(learner, assignment)
    assert response.status_code == 302
    submission = Submission.objects.get(assignment=assignment, enrollment=member)
    images = list(submission.images.all())
    assert len(images) == 2
    assert max(Image.open(images[0].image.path).size) == 800

    other_county = factories.CoordinatorAssignmentFactory().coordinator
    stranger = english_client(other_county)
    assert stranger.get(reverse("practice:marking_queue", args=[cohort.pk])).status_code == 404
    mark_url = reverse("practice:submission_mark", args=[cohort.pk, submission.pk])
    assert stranger.get(mark_url).status_code == 404
    assert (
        stranger.post(mark_url, {"c0": 1, "c1": 0, "feedback": "x", "decision": "accept"}).status_code == 404
    )
    assert not Mark.objects.exists()

    workspace = english_client(coordinator)
    queue = workspace.get(reverse("practice:marking_queue", args=[cohort.pk])).content.decode()
    assert mark_url in queue
    response = workspace.post(
        mark_url, {"c0": 2, "c1": 0, "feedback": "标题很好；请补齐五张照片。", "decision": "resubmit"}
    )
    assert response.url == reverse("practice:marking_queue", args=[cohort.pk])
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEEDS_WORK
    mark = Mark.objects.get()
    assert (mark.levels, mark.points, mark.marker, mark.attempt) == ([2, 0], 2, coordinator, 1)

    page = learner.get(reverse("practice:assignment", args=[assignment.pk])).content.decode()
    assert "标题很好；请补齐五张照片。" in page and "2 of 4 points" in page and "突出卖点" in page
    assert "Hand in again" in page

    _hand_in(learner, assignment, text="第二稿", photos=5)
    submission.refresh_from_db()
    assert (submission.attempt, submission.status, submission.text) == (
        2,
        Submission.Status.SUBMITTED,
        "第二稿",
    )
    assert submission.images.count() == 5
    workspace.post(mark_url, {"c0": 2, "c1": 2, "feedback": "很好", "decision": "accept"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED
    assert (
        "Hand in again"
        not in learner.get(reverse("practice:assignment", args=[assignment.pk])).content.decode()
    )


def test_a_rubric_level_missing_is_an_error(assignment, member, cohort, coordinator):
    _hand_in(english_client(member.learner), assignment)
    submission = Submission.objects.get()
    response = english_client(coordinator).post(
        reverse("practice:submission_mark", args=[cohort.pk, submission.pk]),
        {"c0": 1, "feedback": "x", "decision": "accept"},
    )
    assert response.status_code == 200 and not Mark.objects.exists()


def test_too_many_photos_or_a_non_picture_are_refused(assignment, member):
    learner = english_client(member.learner)
    response = _hand_in(learner, assignment, photos=6)
    assert "At most 5 images." in response.content.decode()
    bad = SimpleUploadedFile("virus.jpg", b"MZ not a picture", content_type="image/jpeg")
    response = learner.post(
        reverse("practice:assignment", args=[assignment.pk]), {"text": "x", "images": [bad]}
    )
    assert "This file is not a picture" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_learner_of_another_course_cannot_open_the_assignment(assignment):
    outsider = english_client(factories.EnrollmentFactory().learner)
    assert outsider.get(reverse("practice:assignment", args=[assignment.pk])).status_code == 404


def test_the_marking_queue_has_constant_queries(assignment, cohort, coordinator, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def hand_in_one():
        enrollment = factories.EnrollmentFactory(course=cohort.course, cohort=cohort, county=cohort.county)
        Submission.objects.create(
            assignment=assignment, enrollment=enrollment, text="x", submitted_at="2026-01-01T00:00Z"
        )

    hand_in_one()
    client = english_client(coordinator)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("practice:marking_queue", args=[cohort.pk]))
    for _ in range(20):
        hand_in_one()
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("practice:marking_queue", args=[cohort.pk]))


def test_a_marked_rubric_keeps_its_shape(assignment, member, cohort, coordinator, editor_client, course):
    _hand_in(english_client(member.learner), assignment)
    submission = Submission.objects.get()
    english_client(coordinator).post(
        reverse("practice:submission_mark", args=[cohort.pk, submission.pk]),
        {"c0": 1, "c1": 1, "feedback": "好", "decision": "accept"},
    )
    url = reverse("practice:studio_assignment", args=[assignment.pk])
    data = {"course": course.pk, "title": assignment.title, "brief": "b", "max_images": "5"}
    refused = editor_client.post(url, {**data, "rubric": "标题: 差 | 好\n照片: 差 | 中 | 好"})
    assert "not add or remove them" in refused.content.decode()
    renamed = editor_client.post(url, {**data, "rubric": "商品标题: 缺失 | 完整 | 出色\n照片: 差 | 中 | 好"})
    assert renamed.status_code == 302
    assignment.refresh_from_db()
    assert assignment.criteria[0]["title"] == "商品标题"
