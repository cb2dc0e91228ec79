"""Writes of the officers app: ending appointments, recording survey responses exactly once,
and the officers' part of deleting an account."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from counties.models import County
from talentportal.images import CompressedImage

from .models import Appointment, ResponsePhoto, Survey, SurveyQuestion, SurveyResponse


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
    """Record a response, exactly once per ``client_key``: a replay (a device sending its draft
    again, a double tap) returns the response recorded first and ``False``, and changes nothing.
    The response and its photos are written in one transaction; two concurrent sends of the same
    key meet on the unique constraint and the loser returns the winner's row. The caller has
    checked that ``officer`` may answer ``survey`` for ``county``. A key of another officer's
    response raises SurveyResponse.DoesNotExist (it is not theirs to see)."""
    existing = SurveyResponse.objects.filter(client_key=client_key).first()
    if existing is not None:
        return _own(existing, officer), False
    saved: list[str] = []
    try:
        with transaction.atomic():
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
            for question, photo in (photos or {}).items():
                row = ResponsePhoto(
                    response=response, question=question, width=photo.width, height=photo.height
                )
                row.image.save(photo.content.name, photo.content, save=False)
                saved.append(row.image.name)
                rows.append(row)
            ResponsePhoto.objects.bulk_create(rows)
    except IntegrityError:
        for name in saved:
            default_storage.delete(name)
        return _own(SurveyResponse.objects.get(client_key=client_key), officer), False
    return response, True


def _own(response: SurveyResponse, officer) -> SurveyResponse:
    if response.officer_id != officer.pk:
        raise SurveyResponse.DoesNotExist
    return response


def user_officer_data_erase(*, user) -> None:
    """The officers' part of deleting an account: the person's appointments, the survey
    responses they recorded and their photo files (deleted once the transaction commits)."""
    names = list(ResponsePhoto.objects.filter(response__officer=user).values_list("image", flat=True))
    SurveyResponse.objects.filter(officer=user).delete()
    Appointment.objects.filter(user=user).delete()
    Appointment.objects.filter(appointed_by=user).update(appointed_by=None)

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
