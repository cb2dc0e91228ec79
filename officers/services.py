"""Writes of the officers app: ending appointments, defining surveys, recording survey responses
exactly once, the visits log, and the officers' part of deleting an account."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from counties.models import County, Township
from talentportal.images import CompressedImage

from .models import Appointment, ResponsePhoto, Survey, SurveyQuestion, SurveyResponse, Visit


class ResponseConflict(Exception):
    """A client key already recorded with other answers (a form sent again after going Back and
    changing it): the first response stands, the second is refused."""

    def __init__(self, response: SurveyResponse):
        super().__init__(
            _(
                "This form was already sent with other answers; the first answers are kept. "
                "Open the survey again to record another response."
            )
        )
        self.response = response
        self.message = str(self.args[0])


class SurveyLocked(Exception):
    """A survey with responses keeps its questions: the answers refer to them."""

    def __init__(self):
        super().__init__(
            _("This survey already has responses: its questions can no longer change. Deactivate it instead.")
        )
        self.message = str(self.args[0])


def appointments_end(*, appointments: list[Appointment], on: datetime.date | None = None) -> int:
    """End ``appointments`` on ``on`` (today by default): from that day the officer no longer
    sees the county. An appointment already ended earlier keeps its date. One bulk update;
    returns how many were ended."""
    on = on or timezone.localdate()
    to_end = [a for a in appointments if a.ended_on is None or a.ended_on > on]
    for appointment in to_end:
        appointment.ended_on = on
    Appointment.objects.bulk_update(to_end, ["ended_on"])
    return len(to_end)


# --- surveys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    """One question as the survey form gives it; ``pk`` names an existing question to keep."""

    text: str
    kind: str
    choices: str = ""
    required: bool = False
    pk: int | None = None


def survey_create(
    *, title: str, county: County | None, created_by, questions: Sequence[QuestionSpec]
) -> Survey:
    """A new active survey for ``county`` (None: every county) with ``questions`` in their order.
    One transaction, one bulk insert for the questions. The caller has checked that
    ``created_by`` may define surveys for ``county``."""
    with transaction.atomic():
        survey = Survey.objects.create(title=title, county=county, created_by=created_by)
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(
                survey=survey,
                order=order,
                text=spec.text,
                kind=spec.kind,
                choices=spec.choices,
                required=spec.required,
            )
            for order, spec in enumerate(questions, start=1)
        )
    return survey


def survey_update(*, survey: Survey, title: str, questions: Sequence[QuestionSpec]) -> Survey:
    """Change the title and the questions of ``survey``: questions named by ``pk`` are updated
    (their ids stay, so a draft kept on a phone still fits), new ones added, the others deleted.
    Refused with SurveyLocked once the survey has a response: the survey row is locked first and
    ``survey_response_submit`` takes the same lock, so no response slips in between the check and
    the change. The county stays as it was."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.responses.exists():
            raise SurveyLocked
        existing = {question.pk: question for question in locked.questions.all()}
        kept, added = [], []
        for order, spec in enumerate(questions, start=1):
            fields = {
                "order": order,
                "text": spec.text,
                "kind": spec.kind,
                "choices": spec.choices,
                "required": spec.required,
            }
            question = existing.get(spec.pk) if spec.pk is not None else None
            if question is None:
                added.append(SurveyQuestion(survey=locked, **fields))
                continue
            for name, value in fields.items():
                setattr(question, name, value)
            kept.append(question)
        SurveyQuestion.objects.filter(survey=locked).exclude(pk__in=[q.pk for q in kept]).delete()
        SurveyQuestion.objects.bulk_update(kept, ["order", "text", "kind", "choices", "required"])
        SurveyQuestion.objects.bulk_create(added)
        locked.title = title
        locked.save(update_fields=["title"])
    return locked


def survey_set_active(*, survey: Survey, active: bool) -> bool:
    """Open or close ``survey`` for new responses (its responses stay). One conditional update;
    returns whether anything changed."""
    changed = Survey.objects.filter(pk=survey.pk).exclude(is_active=active).update(is_active=active)
    survey.is_active = active
    return bool(changed)


# --- responses ----------------------------------------------------------------------------------


def _same_content(response: SurveyResponse, *, survey, county, name, kind, answers, photo_questions) -> bool:
    # A replay may lack a photo recorded first (a phone with no room left keeps the answers
    # without it) but may not bring a photo for a question answered without one.
    recorded_photos = {photo.question_id for photo in response.photos.all()}
    return (
        response.survey_id == survey.pk
        and response.county_id == county.pk
        and response.organisation_name == name
        and response.organisation_kind == kind
        and response.answers == answers
        and photo_questions <= recorded_photos
    )


def _replayed(client_key, officer, **content) -> SurveyResponse:
    response = SurveyResponse.objects.get(client_key=client_key)
    if response.officer_id is None or response.officer_id != officer.pk:
        raise SurveyResponse.DoesNotExist  # not theirs to see
    if not _same_content(response, **content):
        raise ResponseConflict(response)
    return response


def survey_response_submit(
    *,
    survey: Survey,
    officer,
    county: County,
    organisation_name: str,
    organisation_kind: str,
    client_key: uuid.UUID,
    answers: dict[str, Any],
    photos: dict[SurveyQuestion, CompressedImage] | None = None,
) -> tuple[SurveyResponse, bool]:
    """Record a response, exactly once per ``client_key``: a replay with the same content (a
    device sending its draft again, a double tap) returns the response recorded first and
    ``False``, and changes nothing; the same key with other content (the form sent again after
    going Back and changing it) raises ResponseConflict and changes nothing. The response and
    its photos are written in one transaction under a lock of the survey row (so its questions
    cannot change meanwhile, see ``survey_update``); two concurrent sends of the same key meet on
    the unique constraint and the loser is answered as a replay. Photo files written by a send
    that fails are deleted again (the service opens its own transaction: callers do not wrap it
    in one of theirs, whose later rollback would leave the files behind). The caller has checked
    that ``officer`` may answer ``survey`` for ``county``. A key of another officer's response
    raises SurveyResponse.DoesNotExist (it is not theirs to see)."""
    photos = photos or {}
    content = {
        "survey": survey,
        "county": county,
        "name": organisation_name,
        "kind": organisation_kind,
        "answers": answers,
        "photo_questions": {question.pk for question in photos},
    }
    if SurveyResponse.objects.filter(client_key=client_key).exists():
        return _replayed(client_key, officer, **content), False
    saved: list[str] = []
    try:
        with transaction.atomic():
            Survey.objects.select_for_update().filter(pk=survey.pk).first()
            response = SurveyResponse.objects.create(
                survey=survey,
                officer=officer,
                county=county,
                organisation_name=organisation_name,
                organisation_kind=organisation_kind,
                client_key=client_key,
                answers=answers,
            )
            rows = []
            for question, photo in photos.items():
                row = ResponsePhoto(
                    response=response, question=question, width=photo.width, height=photo.height
                )
                row.image.save(photo.content.name, photo.content, save=False)
                saved.append(row.image.name)
                rows.append(row)
            ResponsePhoto.objects.bulk_create(rows)
    except IntegrityError:
        _delete_files(saved)
        return _replayed(client_key, officer, **content), False
    except BaseException:
        _delete_files(saved)
        raise
    return response, True


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


# --- visits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitDetails:
    visited_on: datetime.date
    township: Township | None
    village: str
    organisations_met: str
    minutes_spent: int
    notes: str
    responses: Sequence[SurveyResponse] = ()


def _linkable(responses: Sequence[SurveyResponse], *, officer, county: County) -> list[SurveyResponse]:
    # Only the officer's own responses of the visit's county are linked, whatever was sent.
    return [r for r in responses if r.officer_id == officer.pk and r.county_id == county.pk]


def visit_create(
    *, officer, county: County, details: VisitDetails, client_key: uuid.UUID | None = None
) -> Visit:
    """Log a visit of ``officer`` to ``county`` with the responses it produced (only the
    officer's own responses of that county are linked). One transaction. The caller has checked
    that ``officer`` serves ``county`` and that the township lies in it. Once per ``client_key``
    (the form's key; a visit logged offline is sent with the key the phone made): the same key
    again logs nothing and returns the officer's visit logged first; two sends at the same moment
    are settled by the key's unique constraint."""
    if client_key is not None:
        existing = Visit.objects.filter(client_key=client_key, officer=officer).first()
        if existing is not None:
            return existing
    try:
        return _visit_insert(officer=officer, county=county, details=details, client_key=client_key)
    except IntegrityError:
        if client_key is None:
            raise
        existing = Visit.objects.filter(client_key=client_key, officer=officer).first()
        if existing is None:
            # The key is another account's visit (a form sent from someone else's session).
            raise ValidationError(
                _("This form was already used to log a visit. Reload the page and fill it in again.")
            ) from None
        return existing


def _visit_insert(*, officer, county: County, details: VisitDetails, client_key: uuid.UUID | None) -> Visit:
    with transaction.atomic():
        visit = Visit.objects.create(
            client_key=client_key,
            officer=officer,
            county=county,
            visited_on=details.visited_on,
            township=details.township,
            village=details.village,
            organisations_met=details.organisations_met,
            minutes_spent=details.minutes_spent,
            notes=details.notes,
        )
        visit.responses.set(_linkable(details.responses, officer=officer, county=county))
    return visit


def visit_update(*, visit: Visit, details: VisitDetails) -> Visit:
    """Change a logged visit (its officer and county stay). One transaction; the linked
    responses are replaced by those given (the visit officer's own, of its county). A visit whose
    officer's account was deleted keeps its links."""
    with transaction.atomic():
        for name in ("visited_on", "township", "village", "organisations_met", "minutes_spent", "notes"):
            setattr(visit, name, getattr(details, name))
        visit.save(
            update_fields=["visited_on", "township", "village", "organisations_met", "minutes_spent", "notes"]
        )
        if visit.officer_id is not None:
            visit.responses.set(_linkable(details.responses, officer=visit.officer, county=visit.county))
    return visit


def visit_delete(*, visit: Visit) -> None:
    """Delete a logged visit; the responses linked to it stay."""
    visit.delete()


# --- personal data ------------------------------------------------------------------------------


def user_officer_data_erase(*, user) -> None:
    """The officers' part of deleting an account: the person's appointments go; the survey
    responses, visits and surveys they recorded are the county's data and stay, without the link
    to the person (officer and author set to NULL). Bulk updates; runs in the caller's
    transaction."""
    SurveyResponse.objects.filter(officer=user).update(officer=None)
    Visit.objects.filter(officer=user).update(officer=None)
    Survey.objects.filter(created_by=user).update(created_by=None)
    Appointment.objects.filter(user=user).delete()
    Appointment.objects.filter(appointed_by=user).update(appointed_by=None)
