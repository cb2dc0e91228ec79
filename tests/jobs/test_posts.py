"""Employers write posts, staff review them, posts expire."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import JobPost
from tests.jobs.conftest import make_post

pytestmark = pytest.mark.django_db


def post_data(place, **changes):
    return {
        "title": "数据标注员",
        "description": "在家完成图片标注，按件计酬。",
        "county": place.code,
        "hours": JobPost.Hours.PIECE_RATE,
        "pay_min": "0.2",
        "pay_max": "0.5",
        "pay_period": JobPost.PayPeriod.PIECE,
        "openings": "10",
        "deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "min_exam_percent": "",
    } | changes


def test_employer_writes_a_draft_sends_it_and_staff_publish_it(
    client, employer, employer_user, county, course, staff
):
    client.force_login(employer_user)
    response = client.post(reverse("jobs:post_create"), post_data(county, required_courses=[course.pk]))
    assert response.status_code == 302
    post = JobPost.objects.get()
    assert (post.status, post.employer, post.county) == (JobPost.Status.DRAFT, employer, county)
    assert list(post.required_courses.all()) == [course]
    client.post(reverse("jobs:post_submit", args=[post.pk]))
    post.refresh_from_db()
    assert post.status == JobPost.Status.PENDING

    client.force_login(staff)
    queue = client.get(reverse("jobs:staff_posts")).content.decode()
    assert f'data-post="{post.pk}"' in queue
    client.post(reverse("jobs:staff_post", args=[post.pk]), {"decision": "publish"})
    post.refresh_from_db()
    assert post.status == JobPost.Status.PUBLISHED and post.published_at is not None


def test_staff_reject_with_a_reason_and_the_employer_fixes_the_post(
    client, employer, employer_user, county, staff
):
    post = make_post(employer, status=JobPost.Status.PENDING)
    client.force_login(staff)
    response = client.post(reverse("jobs:staff_post", args=[post.pk]), {"decision": "reject"})
    assert response.status_code == 200  # no reason: refused
    post.refresh_from_db()
    assert post.status == JobPost.Status.PENDING
    client.post(
        reverse("jobs:staff_post", args=[post.pk]), {"decision": "reject", "reason": "工资写法不清楚"}
    )
    post.refresh_from_db()
    assert (post.status, post.status_reason) == (JobPost.Status.REJECTED, "工资写法不清楚")

    client.force_login(employer_user)
    assert "工资写法不清楚" in client.get(reverse("jobs:employer_home")).content.decode()
    client.post(reverse("jobs:post_edit", args=[post.pk]), post_data(county, title="数据标注员（计件）"))
    post.refresh_from_db()
    assert (post.status, post.title, post.status_reason) == (JobPost.Status.DRAFT, "数据标注员（计件）", "")


def test_a_published_post_cannot_be_edited_nor_published_twice(client, employer, employer_user, staff):
    post = make_post(employer)
    client.force_login(employer_user)
    assert client.get(reverse("jobs:post_edit", args=[post.pk])).status_code == 404
    client.force_login(staff)
    client.post(reverse("jobs:staff_post", args=[post.pk]), {"decision": "reject", "reason": "x"})
    post.refresh_from_db()
    assert post.status == JobPost.Status.PUBLISHED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"county": "", "is_remote": ""}, "county"),
        ({"pay_min": "5000", "pay_max": "3000"}, "pay_max"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"min_exam_percent": "120"}, "min_exam_percent"),
    ],
)
def test_post_form_refuses_what_cannot_be(client, employer_user, county, changes, field):
    client.force_login(employer_user)
    response = client.post(reverse("jobs:post_create"), post_data(county, **changes))
    assert field in response.context["form"].errors
    assert not JobPost.objects.exists()


def test_remote_post_needs_no_county(client, employer_user, county):
    client.force_login(employer_user)
    client.post(reverse("jobs:post_create"), post_data(county, county="", is_remote="on"))
    post = JobPost.objects.get()
    assert post.is_remote and post.county is None


def test_expired_and_closed_posts_leave_the_board(client, employer, employer_user, learner):
    open_post = make_post(employer, title="开着的")
    expired = make_post(employer, title="过期的")
    JobPost.objects.filter(pk=expired.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    closed = make_post(employer, title="关了的")
    client.force_login(employer_user)
    client.post(reverse("jobs:post_close", args=[closed.pk]))
    closed.refresh_from_db()
    assert closed.status == JobPost.Status.CLOSED
    client.force_login(learner)
    board = client.get(reverse("jobs:board")).content.decode()
    assert f'data-post="{open_post.pk}"' in board
    assert f'data-post="{expired.pk}"' not in board
    assert f'data-post="{closed.pk}"' not in board
    assert client.get(reverse("jobs:post_detail", args=[expired.pk])).status_code == 404
    assert client.get(reverse("jobs:apply", args=[closed.pk])).status_code == 404


def test_posts_of_a_suspended_employer_leave_the_board(client, employer, learner):
    post = make_post(employer)
    employer.status = employer.Status.SUSPENDED
    employer.save()
    client.force_login(learner)
    assert f'data-post="{post.pk}"' not in client.get(reverse("jobs:board")).content.decode()


def test_employer_post_list_query_count_does_not_grow(
    client, employer, employer_user, django_assert_max_num_queries
):
    make_post(employer)
    client.force_login(employer_user)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("jobs:employer_home"))
    for number in range(25):
        make_post(employer, title=f"岗位{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("jobs:employer_home"))
