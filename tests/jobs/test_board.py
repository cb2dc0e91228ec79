"""The learner's job board: near them first, those they qualify for first, and what is missing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.jobs.conftest import complete, make_employer, make_post

pytestmark = pytest.mark.django_db


def listed(response) -> list[int]:
    return [post.pk for post in response.context["page"].object_list]


def test_board_shows_county_and_remote_jobs_and_more_by_province(
    client, learner, county, other_county, employer
):
    here = make_post(employer, title="本县")
    remote = make_post(employer, title="居家", is_remote=True)
    same_province = factories.CountyFactory(code="330127", name="淳安县")
    province = make_post(employer, title="同省", county=same_province)
    elsewhere = make_post(make_employer(other_county, name="外省公司"), title="外省")
    client.force_login(learner)
    assert set(listed(client.get(reverse("jobs:board")))) == {here.pk, remote.pk}
    assert set(listed(client.get(reverse("jobs:board"), {"where": "province"}))) == {
        here.pk,
        remote.pk,
        province.pk,
    }
    assert listed(client.get(reverse("jobs:board"), {"where": "remote"})) == [remote.pk]
    assert elsewhere.pk not in listed(client.get(reverse("jobs:board"), {"where": "province"}))


def test_jobs_the_learner_qualifies_for_come_first(client, learner, employer, course):
    other_course = factories.CourseFactory(title="直播带货")
    complete(learner, course, percent=85)
    needs_other = make_post(employer, title="主播", courses=[other_course])
    needs_mine = make_post(employer, title="客服", courses=[course])
    needs_score = make_post(employer, title="高分", courses=[course], min_exam_percent=90)
    open_to_all = make_post(employer, title="不限")
    client.force_login(learner)
    response = client.get(reverse("jobs:board"))
    order = listed(response)
    qualified = {post.pk for post in response.context["page"].object_list if post.qualified}
    assert qualified == {needs_mine.pk, open_to_all.pk}
    assert set(order[:2]) == qualified
    page = response.content.decode()
    # For the others: which course (or score) would qualify them.
    assert f'data-course="{other_course.pk}"' in page
    assert "90%" in page
    post = next(p for p in response.context["page"].object_list if p.pk == needs_score.pk)
    assert post.missing == {"courses": [], "exam_percent": 90}
    post = next(p for p in response.context["page"].object_list if p.pk == needs_other.pk)
    assert post.missing["courses"] == [other_course]


def test_an_active_enrolment_does_not_qualify(client, learner, employer, course):
    factories.EnrollmentFactory(learner=learner, course=course)
    post = make_post(employer, courses=[course])
    client.force_login(learner)
    response = client.get(reverse("jobs:board"))
    assert [p.qualified for p in response.context["page"].object_list if p.pk == post.pk] == [False]
    detail = client.get(reverse("jobs:post_detail", args=[post.pk])).content.decode()
    assert 'id="not-qualified"' in detail


def test_board_query_count_does_not_grow(client, learner, employer, course, django_assert_max_num_queries):
    complete(learner, course, percent=70)
    make_post(employer, courses=[course])
    client.force_login(learner)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("jobs:board"))
    for number in range(30):
        make_post(employer, title=f"岗位{number}", courses=[course, factories.CourseFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("jobs:board"))
