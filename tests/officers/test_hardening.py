"""The reviewer's defects of the needs surveys, each through the user's path: a replayed client
key with other answers, photo files left behind, questions changed under their answers, responses
lost with the officer's account, photos without an access check, numbers exported as text."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from officers.models import ResponsePhoto, SurveyQuestion, SurveyResponse
from tests import factories

from .conftest import picture, question
from .test_surveys import filled, respond_url

Kind = SurveyQuestion.Kind


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _with_photo(survey, county, **overrides):
    data = filled(survey, county, **overrides)
    data[f"q{question(survey, Kind.PHOTO).pk}"] = SimpleUploadedFile("p.jpg", picture(), "image/jpeg")
    return data


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- 4. the same key with other answers --------------------------------------------------------


def test_the_same_key_and_content_answers_the_first_response(english, officer, survey, county):
    english.force_login(officer)
    data = filled(survey, county)
    first = english.post(respond_url(survey), data, HTTP_ACCEPT="application/json")
    again = english.post(respond_url(survey), data, HTTP_ACCEPT="application/json")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"response": first.json()["response"], "created": False}


def test_the_same_key_with_other_answers_is_a_409_and_changes_nothing(english, officer, survey, county):
    english.force_login(officer)
    data = filled(survey, county)
    english.post(respond_url(survey), data, HTTP_ACCEPT="application/json")
    changed = data | {f"q{question(survey, Kind.SINGLE).pk}": "数字记账"}
    replay = english.post(respond_url(survey), changed, HTTP_ACCEPT="application/json")
    assert replay.status_code == 409
    assert "already sent with other answers" in replay.json()["error"]
    saved = SurveyResponse.objects.get()
    assert saved.answers[str(question(survey, Kind.SINGLE).pk)] == "直播带货"


def test_the_plain_form_shows_the_conflict(english, officer, survey, county):
    english.force_login(officer)
    data = filled(survey, county)
    english.post(respond_url(survey), data)
    page = english.post(respond_url(survey), data | {"organisation_name": "另一个合作社"})
    assert page.status_code == 409
    assert "already sent with other answers" in page.content.decode()
    assert SurveyResponse.objects.get().organisation_name == "分水镇茶叶合作社"


def test_a_replay_without_its_photo_is_the_same_response(client, officer, survey, county):
    # A phone with no room left keeps the draft without the photo the first send carried.
    client.force_login(officer)
    data = filled(survey, county)
    first = client.post(respond_url(survey), _with_photo(survey, county, client_key=data["client_key"]))
    assert first.status_code == 302
    again = client.post(respond_url(survey), data, HTTP_ACCEPT="application/json")
    assert again.status_code == 200 and again.json()["created"] is False


def test_a_replay_adding_a_photo_is_a_conflict(client, officer, survey, county):
    client.force_login(officer)
    data = filled(survey, county)
    client.post(respond_url(survey), data)
    replay = client.post(
        respond_url(survey),
        _with_photo(survey, county, client_key=data["client_key"]),
        HTTP_ACCEPT="application/json",
    )
    assert replay.status_code == 409
    assert not ResponsePhoto.objects.exists()


# --- 5. photo files follow their rows ---------------------------------------------------------------


def test_a_failed_save_leaves_no_photo_file_behind(client, officer, survey, county, settings, monkeypatch):
    client.raise_request_exception = False

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ResponsePhoto.objects, "bulk_create", broken)
    client.force_login(officer)
    assert client.post(respond_url(survey), _with_photo(survey, county)).status_code == 500
    assert not SurveyResponse.objects.exists()
    assert _media_files(settings) == []


def test_a_deleted_response_takes_its_photo_files(
    client, officer, survey, county, settings, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    client.post(respond_url(survey), _with_photo(survey, county))
    (path,) = _media_files(settings)
    with django_capture_on_commit_callbacks(execute=True):
        SurveyResponse.objects.get().delete()  # the photo row goes by cascade
    assert not path.exists()


# --- 6. questions stay once answered ----------------------------------------------------------------


def _admin_change_data(survey):
    questions = list(survey.questions.all())
    data = {
        "title": survey.title,
        "is_active": "on",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(len(questions)),
    }
    for index, q in enumerate(questions):
        data |= {
            f"questions-{index}-id": q.pk,
            f"questions-{index}-survey": survey.pk,
            f"questions-{index}-order": q.order,
            f"questions-{index}-text": f"改过的 {q.text}",
            f"questions-{index}-kind": q.kind,
            f"questions-{index}-choices": q.choices,
        }
    data["questions-0-DELETE"] = "on"
    return data


def test_the_admin_refuses_to_change_questions_of_an_answered_survey(client, staff, officer, survey, county):
    answering = Client()
    answering.force_login(officer)
    answering.post(respond_url(survey), filled(survey, county))
    before = list(survey.questions.values_list("pk", "text"))
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:officers_survey_change", args=[survey.pk]))
    assert "questions can no longer change" in page.content.decode()
    response = client.post(
        reverse("admin:officers_survey_change", args=[survey.pk]),
        _admin_change_data(survey) | {"is_active": ""},
    )
    assert response.status_code == 302
    assert list(survey.questions.values_list("pk", "text")) == before
    survey.refresh_from_db()
    assert survey.is_active is False  # deactivating stays possible


def test_the_admin_still_changes_questions_before_any_response(client, staff, survey):
    client.force_login(staff)
    response = client.post(
        reverse("admin:officers_survey_change", args=[survey.pk]), _admin_change_data(survey)
    )
    assert response.status_code == 302
    assert survey.questions.count() == 6
    assert survey.questions.filter(text__startswith="改过的").count() == 6


def test_the_service_refuses_to_change_questions_of_an_answered_survey(client, officer, survey, county):
    from officers import services

    client.force_login(officer)
    client.post(respond_url(survey), filled(survey, county))
    with pytest.raises(services.SurveyLocked):
        services.survey_update(
            survey=survey, title="新标题", questions=[services.QuestionSpec("新问题", "text")]
        )
    survey.refresh_from_db()
    assert survey.title == "数字化需求调查" and survey.questions.count() == 7


# --- 7. responses are the county's ------------------------------------------------------------------


def test_deleting_the_officers_account_keeps_the_responses_without_the_link(
    client, officer, survey, county, settings, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    client.post(respond_url(survey), _with_photo(survey, county, organisation_name="里湖村委会"))
    (path,) = _media_files(settings)
    exported = json.loads(client.get(reverse("privacy:data_export")).content)["officers"]
    assert [r["organisation"] for r in exported["survey_responses"]] == ["里湖村委会"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:delete"), {"password": factories.PASSWORD})
    response = SurveyResponse.objects.get()
    assert response.officer is None and response.organisation_name == "里湖村委会"
    assert path.exists() and ResponsePhoto.objects.filter(response=response).exists()


def test_a_deleted_user_row_keeps_the_responses(client, officer, survey, county):
    client.force_login(officer)
    client.post(respond_url(survey), filled(survey, county))
    officer.delete()
    assert SurveyResponse.objects.get().officer is None


def test_the_responses_page_and_export_show_a_response_without_its_officer(
    client, staff, officer, survey, county
):
    answering = Client()
    answering.force_login(officer)
    answering.post(respond_url(survey), filled(survey, county))
    SurveyResponse.objects.update(officer=None)
    client.force_login(staff)
    assert client.get(reverse("officers:county_responses", args=[county.code])).status_code == 200
    export = client.get(reverse("officers:county_responses_export", args=[county.code]))
    assert export.status_code == 200


# --- 8. photos behind an access check ---------------------------------------------------------------


def test_a_photo_is_served_only_to_those_who_see_the_countys_responses(
    client, officer, other_officer, coordinator, staff, survey, county
):
    client.force_login(officer)
    client.post(respond_url(survey), _with_photo(survey, county))
    photo = ResponsePhoto.objects.get()
    url = reverse("officers:response_photo", args=[photo.pk])
    page = client.get(reverse("officers:county_responses", args=[county.code])).content.decode()
    assert f'href="{url}"' in page and settings.MEDIA_URL not in page
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    for user, status in ((other_officer, 404), (coordinator, 404), (staff, 200)):
        other = Client()
        other.force_login(user)
        assert other.get(url).status_code == status
    assert Client().get(url).status_code == 302


def test_the_admin_links_photos_through_the_checked_view(client, staff, officer, survey, county):
    answering = Client()
    answering.force_login(officer)
    answering.post(respond_url(survey), _with_photo(survey, county))
    client.force_login(staff)
    page = client.get(
        reverse("admin:officers_surveyresponse_change", args=[SurveyResponse.objects.get().pk])
    ).content.decode()
    assert reverse("officers:response_photo", args=[ResponsePhoto.objects.get().pk]) in page
    assert settings.MEDIA_URL + "officers/" not in page


# --- 9. numbers stay numbers -----------------------------------------------------------------------


def test_number_answers_are_exported_as_numbers(client, officer, survey, county):
    client.force_login(officer)
    number = f"q{question(survey, Kind.NUMBER).pk}"
    client.post(respond_url(survey), filled(survey, county, **{number: "-5"}))
    client.post(
        respond_url(survey), filled(survey, county, **{number: "2.5", "client_key": str(uuid.uuid4())})
    )
    url = reverse("officers:county_responses_export", args=[county.code])
    rows = list(csv.reader(io.StringIO(b"".join(client.get(url).streaming_content).decode("utf-8-sig"))))
    column = next(i for i, header in enumerate(rows[0]) if header.endswith("员工人数"))
    assert sorted(row[column] for row in rows[1:]) == ["-5", "2.5"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content)).active
    values = sorted(cell.value for cell in next(sheet.iter_cols(min_col=column + 1, max_col=column + 1))[1:])
    assert values == [-5, 2.5]
