"""Visitors' catalogue and course pages are rendered once and served from the cache until they
expire (catalogue.cache.CACHE_SECONDS); signed-in learners always get the page as it is."""

from __future__ import annotations

from django.core.cache import cache
from django.test import Client

from courses import services
from courses.models import Course
from tests import factories

CATALOGUE = "/courses/"


def test_second_visit_is_served_from_the_cache_without_queries(client, db, django_assert_num_queries):
    course = factories.make_ready_course(title="农村电商运营")
    first = client.get(CATALOGUE)
    with django_assert_num_queries(0):
        second = client.get(CATALOGUE)
    assert second.content == first.content
    assert "农村电商运营" in second.content.decode()
    client.get(course.get_absolute_url())
    with django_assert_num_queries(0):
        assert client.get(course.get_absolute_url()).status_code == 200


def test_a_published_course_shows_to_learners_at_once_and_to_visitors_once_their_page_expires(
    client, db, learner, publisher, django_capture_on_commit_callbacks
):
    factories.make_ready_course(title="农村电商运营")
    signed_in = Client()
    signed_in.force_login(learner)
    draft = factories.make_ready_course(title="直播带货实战", status=Course.Status.DRAFT)
    assert "直播带货实战" not in client.get(CATALOGUE).content.decode()  # the visitors' page, stored
    assert "直播带货实战" not in signed_in.get(CATALOGUE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.course_submit_for_review(course=draft, by=publisher)
        services.course_publish(course=draft, by=publisher)
    assert "直播带货实战" in signed_in.get(CATALOGUE).content.decode()
    cache.clear()  # the visitors' page expires after catalogue.cache.CACHE_SECONDS: nothing invalidates it
    assert "直播带货实战" in client.get(CATALOGUE).content.decode()


def test_each_language_has_its_own_page(client, db):
    factories.make_ready_course()
    english = client.get(CATALOGUE).content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(CATALOGUE).content.decode()
    assert "Course catalogue" in english
    assert "课程目录" in chinese


def test_signed_in_learners_get_their_own_page(client, learner, db):
    factories.make_ready_course()
    client.get(CATALOGUE)
    client.force_login(learner)
    page = client.get(CATALOGUE).content.decode()
    assert "/me/" in page  # their navigation, not the visitor's cached page


def test_a_missing_course_is_not_cached(client, db):
    assert client.get("/courses/nope/").status_code == 404
    course = factories.CourseFactory(slug="nope")
    assert client.get(course.get_absolute_url()).status_code == 200
