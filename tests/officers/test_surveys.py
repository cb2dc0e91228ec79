"""Needs surveys: staff define them in the admin, officers answer them (every kind of question,
photos compressed), the same client key records one response, and the county's responses
export and roll up."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from officers.models import ResponsePhoto, Survey, SurveyQuestion, SurveyResponse

from .conftest import picture, question

Kind = SurveyQuestion.Kind


def filled(survey, county, township=None, **overrides):
    data = {
        "client_key": str(uuid.uuid4()),
        "organisation_name": "分水镇茶叶合作社",
        "organisation_kind": "cooperative",
        "county": county.pk,
        f"q{question(survey, Kind.TEXT).pk}": "不会做网店",
        f"q{question(survey, Kind.SINGLE).pk}": "直播带货",
        f"q{question(survey, Kind.MULTIPLE).pk}": ["短视频", "表格"],
        f"q{question(survey, Kind.NUMBER).pk}": "12",
        f"q{question(survey, Kind.DATE).pk}": "2027-03-01",
        f"q{question(survey, Kind.PLACE).pk}_township": township.code if township else "",
        f"q{question(survey, Kind.PLACE).pk}_village": "里湖村",
    }
    return data | overrides


def respond_url(survey):
    return reverse("officers:survey_respond", args=[survey.pk])


def test_staff_define_a_survey_with_questions_in_the_admin(client, staff):
    client.force_login(staff)
    prefix = "questions"
    response = client.post(
        reverse("admin:officers_survey_add"),
        {
            "title": "合作社需求",
            "is_active": "on",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-order": "1",
            f"{prefix}-0-text": "最需要什么",
            f"{prefix}-0-kind": "single",
            f"{prefix}-0-choices": "直播\n记账",
        },
    )
    assert response.status_code == 302
    survey = Survey.objects.get(title="合作社需求")
    assert survey.county is None
    assert survey.questions.get().choice_list == ["直播", "记账"]


def test_the_form_shows_every_kind_of_question(client, officer, survey, township):
    client.force_login(officer)
    page = client.get(respond_url(survey)).content.decode()
    for q in survey.questions.exclude(kind=Kind.PLACE):
        assert f'name="q{q.pk}"' in page
    assert 'type="file"' in page and 'type="date"' in page and 'type="checkbox"' in page
    assert f'value="{township.code}"' in page
    assert 'name="client_key"' in page and 'enctype="multipart/form-data"' in page


def test_an_officer_records_a_response_with_every_kind_of_answer(client, officer, survey, county, township):
    client.force_login(officer)
    data = filled(survey, county, township)
    data[f"q{question(survey, Kind.PHOTO).pk}"] = SimpleUploadedFile("村口.png", picture("PNG"), "image/png")
    response = client.post(respond_url(survey), data)
    assert response.status_code == 302
    assert response.url == reverse("officers:county_responses", args=[county.code])
    saved = SurveyResponse.objects.get()
    assert (saved.officer, saved.county, saved.organisation_kind) == (officer, county, "cooperative")
    assert str(saved.client_key) == data["client_key"]
    answers = saved.answers
    assert answers[str(question(survey, Kind.TEXT).pk)] == "不会做网店"
    assert answers[str(question(survey, Kind.SINGLE).pk)] == "直播带货"
    assert answers[str(question(survey, Kind.MULTIPLE).pk)] == ["短视频", "表格"]
    assert answers[str(question(survey, Kind.NUMBER).pk)] == 12
    assert answers[str(question(survey, Kind.DATE).pk)] == "2027-03-01"
    assert answers[str(question(survey, Kind.PLACE).pk)] == {
        "township": township.code,
        "township_name": "分水镇",
        "village": "里湖村",
    }
    photo = ResponsePhoto.objects.get(response=saved)
    assert photo.image.name.startswith("officers/photos/") and "村口" not in photo.image.name
    with Image.open(photo.image.open()) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 1200 == max(photo.width, photo.height)


def test_a_photo_of_another_format_is_refused(client, officer, survey, county):
    client.force_login(officer)
    bmp = io.BytesIO()  # a picture, but not of the formats decoded (JPEG, PNG, WebP, GIF)
    Image.new("RGB", (10, 10)).save(bmp, "BMP")
    data = filled(survey, county)
    data[f"q{question(survey, Kind.PHOTO).pk}"] = SimpleUploadedFile("a.jpg", bmp.getvalue(), "image/jpeg")
    response = client.post(respond_url(survey), data)
    assert response.status_code == 200
    assert response.context["form"].has_error(f"q{question(survey, Kind.PHOTO).pk}")
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value"),
    [(Kind.NUMBER, "很多"), (Kind.DATE, "明天"), (Kind.SINGLE, "别的"), (Kind.MULTIPLE, ["别的"])],
)
def test_invalid_answers_are_refused(client, officer, survey, county, kind, value):
    client.force_login(officer)
    response = client.post(
        respond_url(survey), filled(survey, county, **{f"q{question(survey, kind).pk}": value})
    )
    assert response.status_code == 200
    assert response.context["form"].has_error(f"q{question(survey, kind).pk}")
    assert not SurveyResponse.objects.exists()


def test_a_township_of_another_county_is_refused(client, officer, survey, county, other_county):
    from counties.models import Township

    elsewhere = Township.objects.create(code="520603100", name="万山镇", county=other_county)
    client.force_login(officer)
    response = client.post(respond_url(survey), filled(survey, county, elsewhere))
    assert response.status_code == 200  # not offered: not among the choices
    assert not SurveyResponse.objects.exists()


def test_an_officer_answers_only_for_their_counties(client, officer, survey, other_county):
    client.force_login(officer)
    response = client.post(respond_url(survey), filled(survey, other_county))
    assert response.status_code == 200
    assert response.context["form"].has_error("county")
    assert not SurveyResponse.objects.exists()


def test_an_inactive_survey_is_404(client, officer, survey):
    survey.is_active = False
    survey.save()
    client.force_login(officer)
    assert client.get(respond_url(survey)).status_code == 404


def test_the_same_post_twice_records_one_response(client, officer, survey, county):
    client.force_login(officer)
    data = filled(survey, county)
    first = client.post(respond_url(survey), data, HTTP_ACCEPT="application/json")
    second = client.post(respond_url(survey), data, HTTP_ACCEPT="application/json")
    assert first.json()["created"] is True and second.json()["created"] is False
    assert first.json()["response"] == second.json()["response"]
    assert SurveyResponse.objects.count() == 1
    plain = client.post(respond_url(survey), data, follow=True)
    assert plain.status_code == 200 and SurveyResponse.objects.count() == 1


def test_a_client_key_of_another_officer_is_404(client, officer, other_officer, survey, county, other_county):
    client.force_login(officer)
    data = filled(survey, county)
    client.post(respond_url(survey), data)
    client.force_login(other_officer)
    replay = client.post(respond_url(survey), data | {"county": other_county.pk})
    assert replay.status_code == 404
    assert SurveyResponse.objects.get().officer == officer


def _answer(client, survey, county, **answers):
    client.post(respond_url(survey), filled(survey, county, **answers))


def test_the_county_lists_responses_rolls_up_needs_and_exports(client, officer, survey, county):
    client.force_login(officer)
    single = f"q{question(survey, Kind.SINGLE).pk}"
    _answer(client, survey, county)
    _answer(client, survey, county, organisation_name="里湖村委会", organisation_kind="village")
    _answer(client, survey, county, **{single: "数字记账"})
    page = client.get(reverse("officers:county_responses", args=[county.code])).content.decode()
    assert page.count("data-response=") == 3
    needs = page.split(f'data-question="{question(survey, Kind.SINGLE).pk}"')[1]
    assert needs.index('data-choice="直播带货" data-count="2"') < needs.index(
        'data-choice="数字记账" data-count="1"'
    )
    export = client.get(reverse("officers:county_responses_export", args=[county.code]))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 4
    assert "里湖村委会" in {row[1] for row in rows}
    assert any(cell.endswith("最需要的服务") for cell in rows[0])
    xlsx = client.get(reverse("officers:county_responses_export", args=[county.code]), {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_the_responses_page_query_count_does_not_grow(
    client, officer, survey, county, django_assert_num_queries
):
    client.force_login(officer)
    url = reverse("officers:county_responses", args=[county.code])
    _answer(client, survey, county)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    queries = len(one)  # now: the log it reads is cleared by the next request
    for _ in range(3):
        photo = SimpleUploadedFile("p.png", picture("PNG", (40, 30)), "image/png")
        _answer(client, survey, county, **{f"q{question(survey, Kind.PHOTO).pk}": photo})
    with django_assert_num_queries(queries):
        page = client.get(url).content.decode()
    assert page.count("data-response=") == 4 and page.count("data-photo=") == 3


def test_another_countys_responses_are_not_listed(
    client, officer, other_officer, survey, county, other_county
):
    elsewhere = Client()
    elsewhere.force_login(other_officer)
    _answer(elsewhere, survey, other_county, organisation_name="万山合作社")
    assert SurveyResponse.objects.get().county == other_county
    client.force_login(officer)
    page = client.get(reverse("officers:county_responses", args=[county.code])).content.decode()
    assert "万山合作社" not in page


def test_a_township_must_lie_in_the_county_answered_for(client, officer, survey, county, other_county):
    from counties.models import Township

    from .conftest import appoint

    appoint(officer, other_county)
    elsewhere = Township.objects.create(code="520603100", name="万山镇", county=other_county)
    client.force_login(officer)
    response = client.post(respond_url(survey), filled(survey, county, elsewhere))
    assert response.status_code == 200
    assert response.context["form"].has_error(f"q{question(survey, Kind.PLACE).pk}_township")
    assert not SurveyResponse.objects.exists()
    assert client.post(respond_url(survey), filled(survey, other_county, elsewhere)).status_code == 302


def test_a_webp_photo_is_kept_as_a_small_jpeg(client, officer, survey, county):
    client.force_login(officer)
    data = filled(survey, county)
    data[f"q{question(survey, Kind.PHOTO).pk}"] = SimpleUploadedFile(
        "small.webp", picture("WEBP", (300, 200)), "image/webp"
    )
    assert client.post(respond_url(survey), data).status_code == 302
    photo = ResponsePhoto.objects.get()
    assert (photo.width, photo.height) == (300, 200)  # never enlarged
    assert photo.image.name.endswith(".jpg")


def test_a_survey_of_another_county_is_not_offered(client, officer, other_county):
    Survey.objects.create(title="万山需求", county=other_county)
    client.force_login(officer)
    assert "万山需求" not in client.get(reverse("officers:workspace")).content.decode()
