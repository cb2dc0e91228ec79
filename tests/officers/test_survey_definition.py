"""Officers (and staff) define needs surveys in the workspace: every kind of question, edited
while unanswered, deactivated once answered; an officer only for their own counties."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officers.models import Survey, SurveyQuestion, SurveyResponse

from .test_surveys import filled, respond_url

Kind = SurveyQuestion.Kind
ALL_KINDS = [
    ("主要困难", Kind.TEXT, ""),
    ("最需要的服务", Kind.SINGLE, "直播带货\n数字记账"),
    ("希望培训的内容", Kind.MULTIPLE, "短视频\n网店运营\n表格"),
    ("员工人数", Kind.NUMBER, ""),
    ("希望开始的日期", Kind.DATE, ""),
    ("现场照片", Kind.PHOTO, ""),
    ("地点", Kind.PLACE, ""),
]


def definition(title, questions, *, county=None, extra=0, initial=0, ids=()):
    data = {
        "title": title,
        "questions-TOTAL_FORMS": str(len(questions) + extra),
        "questions-INITIAL_FORMS": str(initial),
        "questions-MIN_NUM_FORMS": "1",
        "questions-MAX_NUM_FORMS": "60",
    }
    if county is not None:
        data["county"] = county
    for index, (text, kind, choices) in enumerate(questions):
        data |= {
            f"questions-{index}-text": text,
            f"questions-{index}-kind": kind,
            f"questions-{index}-choices": choices,
        }
        if index < len(ids):
            data[f"questions-{index}-id"] = ids[index]
    return data


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_an_officer_defines_a_survey_with_every_kind_of_question_and_fills_it_in(client, officer, county):
    client.force_login(officer)
    page = client.get(reverse("officers:survey_create")).content.decode()
    assert 'name="questions-TOTAL_FORMS"' in page and f'value="{county.code}"' in page
    response = client.post(
        reverse("officers:survey_create"), definition("合作社需求", ALL_KINDS, county=county.code)
    )
    survey = Survey.objects.get(title="合作社需求")
    assert response.status_code == 302 and response.url == reverse("officers:survey_edit", args=[survey.pk])
    assert (survey.county, survey.created_by, survey.is_active) == (county, officer, True)
    assert [(q.text, q.kind, q.choices) for q in survey.questions.all()] == ALL_KINDS
    assert list(survey.questions.values_list("order", flat=True)) == list(range(1, 8))
    listed = client.get(reverse("officers:survey_list")).content.decode()
    assert f'data-survey="{survey.pk}"' in listed
    assert f'data-survey="{survey.pk}"' in client.get(reverse("officers:workspace")).content.decode()
    assert client.post(respond_url(survey), filled(survey, county)).status_code == 302
    assert SurveyResponse.objects.get().survey == survey


def test_the_empty_extra_questions_a_browser_sends_are_left_out(client, officer, county):
    client.force_login(officer)
    data = definition("需求", ALL_KINDS[:1], county=county.code, extra=2)
    data |= {"questions-1-kind": "text", "questions-2-kind": "text"}  # the selected option is sent
    assert client.post(reverse("officers:survey_create"), data).status_code == 302
    assert Survey.objects.get().questions.count() == 1


def test_a_choice_question_needs_two_choices(client, officer, county):
    client.force_login(officer)
    response = client.post(
        reverse("officers:survey_create"),
        definition("需求", [("选一个", Kind.SINGLE, "只有一个")], county=county.code),
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[0].has_error("choices")
    assert not Survey.objects.exists()


def test_a_survey_needs_a_question(client, officer, county):
    client.force_login(officer)
    response = client.post(
        reverse("officers:survey_create"), definition("需求", [], county=county.code, extra=2)
    )
    assert response.status_code == 200 and not Survey.objects.exists()


def test_an_officer_cannot_define_a_survey_for_another_county_or_every_county(client, officer, other_county):
    client.force_login(officer)
    for county in (other_county.code, ""):
        response = client.post(
            reverse("officers:survey_create"), definition("需求", ALL_KINDS[:1], county=county)
        )
        assert response.status_code == 200 and response.context["form"].has_error("county")
    assert not Survey.objects.exists()


def test_staff_define_a_survey_for_every_county(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("officers:survey_create"), definition("全省需求", ALL_KINDS[:2], county="")
    )
    assert response.status_code == 302
    assert Survey.objects.get().county is None


def test_an_unanswered_survey_is_edited_and_its_question_ids_stay(client, officer, county):
    client.force_login(officer)
    client.post(reverse("officers:survey_create"), definition("需求", ALL_KINDS[:2], county=county.code))
    survey = Survey.objects.get()
    first, second = survey.questions.all()
    edit = reverse("officers:survey_edit", args=[survey.pk])
    questions = [("最大的困难", Kind.TEXT, ""), ALL_KINDS[1], ("员工人数", Kind.NUMBER, "")]
    data = definition("需求（修订）", questions, initial=2, ids=[first.pk, second.pk])
    data["questions-1-DELETE"] = "on"
    assert client.post(edit, data).status_code == 302
    survey.refresh_from_db()
    assert survey.title == "需求（修订）" and survey.county == county
    assert [(q.pk == first.pk, q.text, q.kind) for q in survey.questions.all()] == [
        (True, "最大的困难", Kind.TEXT),
        (False, "员工人数", Kind.NUMBER),
    ]


def test_an_answered_survey_keeps_its_questions_and_can_be_deactivated(english, officer, county):
    english.force_login(officer)
    english.post(reverse("officers:survey_create"), definition("需求", ALL_KINDS[:2], county=county.code))
    survey = Survey.objects.get()
    english.post(respond_url(survey), filled_for(survey, county))
    edit = reverse("officers:survey_edit", args=[survey.pk])
    page = english.get(edit).content.decode()
    assert 'id="survey-locked"' in page and 'id="survey-definition"' not in page
    ids = list(survey.questions.values_list("pk", flat=True))
    refused = english.post(
        edit, definition("改", [("改", Kind.TEXT, "")] * 2, initial=2, ids=ids), follow=True
    )
    assert "questions can no longer change" in refused.content.decode()
    assert list(survey.questions.values_list("text", flat=True)) == [ALL_KINDS[0][0], ALL_KINDS[1][0]]
    assert english.post(edit, {"action": "deactivate"}).status_code == 302
    survey.refresh_from_db()
    assert survey.is_active is False
    assert english.get(respond_url(survey)).status_code == 404
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    english.post(edit, {"action": "activate"})
    survey.refresh_from_db()
    assert survey.is_active is True


def filled_for(survey, county):
    return {
        "client_key": "1b8f9a52-3c4e-4f7a-9d21-6a5b4c3d2e1f",
        "organisation_name": "里湖村委会",
        "organisation_kind": "village",
        "county": county.pk,
        f"q{survey.questions.get(kind=Kind.SINGLE).pk}": "直播带货",
    }


def test_an_officer_cannot_open_a_survey_of_another_county_or_of_every_county(
    client, officer, other_officer, other_county
):
    theirs = Survey.objects.create(title="万山需求", county=other_county)
    everyone = Survey.objects.create(title="全省需求")
    client.force_login(officer)
    for survey in (theirs, everyone):
        assert client.get(reverse("officers:survey_edit", args=[survey.pk])).status_code == 404
        assert (
            client.post(
                reverse("officers:survey_edit", args=[survey.pk]), {"action": "deactivate"}
            ).status_code
            == 404
        )
    assert Survey.objects.filter(is_active=True).count() == 2
    listed = client.get(reverse("officers:survey_list")).content.decode()
    assert "万山需求" not in listed and "全省需求" not in listed


def test_the_survey_list_query_count_does_not_grow(client, officer, county, django_assert_num_queries):
    client.force_login(officer)
    client.post(reverse("officers:survey_create"), definition("需求 1", ALL_KINDS, county=county.code))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("officers:survey_list"))
    queries = len(one)  # now: the log it reads is cleared by the next request
    for number in range(2, 6):
        client.post(
            reverse("officers:survey_create"), definition(f"需求 {number}", ALL_KINDS, county=county.code)
        )
    with django_assert_num_queries(queries):
        assert client.get(reverse("officers:survey_list")).content.decode().count("data-survey=") == 5


def test_the_definition_page_works_without_javascript_for_staff(staff):
    browser = Client()
    browser.force_login(staff)
    page = browser.get(reverse("officers:survey_create")).content.decode()
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert page.count('class="survey-question"') == 3  # one required, two extra
