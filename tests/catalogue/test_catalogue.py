from __future__ import annotations

import re

import pytest
from django.urls import reverse

from counties.models import Cohort
from courses.models import Course
from tests import factories

CATALOGUE = reverse("catalogue:catalogue")


def titles(response) -> list[str]:
    return re.findall(r'<h2><a href="/courses/[^"]+/">([^<]+)</a></h2>', response.content.decode())


@pytest.fixture
def catalogue(db):
    ecommerce = factories.TrackFactory(slug="ecommerce", name="电商运营")
    labelling = factories.TrackFactory(slug="data-labelling", name="AI数据标注")
    return {
        "rural": factories.CourseFactory(
            track=ecommerce, title="农村电商运营", summary="从零开一家网店", offered_blended=True
        ),
        "live": factories.CourseFactory(
            track=ecommerce,
            title="直播带货实战",
            summary="讲好家乡产品的故事",
            level=Course.Level.INTERMEDIATE,
            offered_online=False,
            offered_offline=True,
        ),
        "labelling": factories.CourseFactory(
            track=labelling, title="AI数据标注基础", summary="Data labelling for AI models", language="en"
        ),
        "draft": factories.CourseFactory(track=ecommerce, title="电商草稿", status=Course.Status.DRAFT),
    }


def test_catalogue_is_public_and_lists_only_published_courses(client, catalogue):
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(["农村电商运营", "直播带货实战", "AI数据标注基础"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("电商", ["农村电商运营"]),  # a Chinese substring of the title
        ("家乡", ["直播带货实战"]),  # …of the summary
        ("labelling", ["AI数据标注基础"]),
        ("DATA LABELLING", ["AI数据标注基础"]),  # English is case-insensitive
        ("拖拉机", []),
    ],
)
def test_search_finds_chinese_and_english_substrings(client, catalogue, query, expected):
    assert titles(client.get(CATALOGUE, {"q": query})) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"track": "ecommerce"}, ["农村电商运营", "直播带货实战"]),
        ({"track": "data-labelling"}, ["AI数据标注基础"]),
        ({"level": "intermediate"}, ["直播带货实战"]),
        ({"delivery": "offline"}, ["直播带货实战"]),
        ({"delivery": "blended"}, ["农村电商运营"]),
        ({"language": "en"}, ["AI数据标注基础"]),
        ({"track": "ecommerce", "delivery": "online"}, ["农村电商运营"]),
        ({"track": "no-such-track", "level": "expert"}, ["农村电商运营", "直播带货实战", "AI数据标注基础"]),
    ],
)
def test_filters_narrow_the_catalogue(client, catalogue, params, expected):
    assert sorted(titles(client.get(CATALOGUE, params))) == sorted(expected)


def test_learner_can_filter_courses_with_a_class_in_their_county(
    client, learner, county, other_county, catalogue
):
    factories.make_cohort(course=catalogue["rural"], county=county)
    factories.make_cohort(course=catalogue["live"], county=other_county)  # elsewhere
    factories.make_cohort(course=catalogue["labelling"], county=county, status=Cohort.Status.CLOSED)
    factories.make_cohort(course=catalogue["labelling"], county=county, days_to_end=-1, name="已结束")
    client.force_login(learner)

    everything = client.get(CATALOGUE)
    assert 'name="in_my_county"' in everything.content.decode()
    assert everything.content.decode().count('class="badge"') == 1
    assert titles(client.get(CATALOGUE, {"in_my_county": "on"})) == ["农村电商运营"]


def test_visitors_do_not_get_the_county_filter(client, catalogue):
    response = client.get(CATALOGUE, {"in_my_county": "on"})
    assert 'name="in_my_county"' not in response.content.decode()
    assert len(titles(response)) == 3


def test_catalogue_paginates_and_keeps_filters_in_page_links(client, db):
    track = factories.TrackFactory(slug="cloud-it")
    factories.CourseFactory.create_batch(13, track=track)
    factories.CourseFactory()  # another track

    first = client.get(CATALOGUE, {"track": "cloud-it"})
    second = client.get(CATALOGUE, {"track": "cloud-it", "page": 2})

    assert len(titles(first)) == 12
    assert len(titles(second)) == 1
    assert "?track=cloud-it&amp;page=2" in first.content.decode()
    assert client.get(CATALOGUE, {"page": 99}).status_code == 200


def test_empty_catalogue_says_so(client, db):
    response = client.get(CATALOGUE, HTTP_ACCEPT_LANGUAGE="en")
    assert "No course is open yet" in response.content.decode()


def test_search_without_results_offers_the_whole_catalogue(client, catalogue):
    response = client.get(CATALOGUE, {"q": "拖拉机"}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "No course matches your search or filters." in page
    assert f'href="{CATALOGUE}">See all courses' in page


@pytest.mark.parametrize(
    ("language", "lang_attribute", "catalogue_heading", "syllabus_heading"),
    [("zh-hans", "zh-Hans", "课程目录", "课程大纲"), ("en", "en", "Course catalogue", "Syllabus")],
)
def test_catalogue_and_course_page_render_in_both_languages(
    client, db, language, lang_attribute, catalogue_heading, syllabus_heading
):
    course = factories.make_ready_course()
    client.cookies["django_language"] = language
    for url, heading in ((CATALOGUE, catalogue_heading), (course.get_absolute_url(), syllabus_heading)):
        response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert f'<html lang="{lang_attribute}">' in content
        assert f">{heading}</h" in content


def test_pages_need_no_script(client, db):
    course = factories.make_ready_course()
    for url in (CATALOGUE, course.get_absolute_url()):
        assert "<script" not in client.get(url).content.decode()


def test_course_page_shows_syllabus_hours_prerequisites_and_classes_in_the_learners_county(
    client, learner, county, other_county
):
    course = factories.make_ready_course(
        title="农村电商运营", estimated_hours=24, prerequisites="会用智能手机\n会拼音输入"
    )
    module = course.modules.get()
    module.title = "认识农村电商"
    module.save()
    factories.LessonFactory(module=module, order=2, title="主流平台怎么选", duration_minutes=50)
    factories.make_cohort(course=course, county=county, name="桐庐县2026春季班")
    factories.make_cohort(course=course, county=other_county, name="万山区春季班")
    client.force_login(learner)
    client.cookies["django_language"] = "en"

    page = client.get(course.get_absolute_url()).content.decode()

    assert "认识农村电商" in page
    assert "主流平台怎么选" in page
    assert "50 min" in page
    assert "1 h 5 min" in page  # 15 + 50 minutes of lessons
    assert "24 hours" in page
    assert "<li>会用智能手机</li>" in page
    assert "桐庐县2026春季班" in page
    assert "万山区春季班" not in page
    assert "Final assessment" in page


def test_visitor_is_asked_to_sign_up_to_enrol(client, db):
    course = factories.make_ready_course()
    page = client.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("account_signup")}?next={course.get_absolute_url()}"' in page
    assert f'href="{reverse("account_login")}?next={course.get_absolute_url()}"' in page


def test_learner_is_offered_to_enrol(client, learner):
    course = factories.make_ready_course()
    client.force_login(learner)
    client.cookies["django_language"] = "en"
    page = client.get(course.get_absolute_url()).content.decode()
    assert f'action="{reverse("learn:enrol", args=[course.slug])}"' in page
    assert "Sign up to enrol" not in page


def test_navigation_links_to_the_catalogue(client, db):
    assert f'href="{CATALOGUE}"' in client.get(reverse("home")).content.decode()
