"""Reads of the officers app. Authorization lives here: an officer reads only the counties of
their current appointments (staff: every county); anything else is not found."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from counties.models import Cohort, County, Township

from .models import Appointment, ResponsePhoto, Survey, SurveyQuestion, SurveyResponse, Visit


def officer_counties(user) -> QuerySet[County]:
    """The counties ``user`` serves as officer today (every county for staff)."""
    if not user.is_authenticated:
        return County.objects.none()
    if user.is_staff:
        return County.objects.all()
    return County.objects.filter(pk__in=Appointment.objects.current().filter(user=user).values("county_id"))


def workspace_counties(user) -> QuerySet[County]:
    """The counties on the workspace: the officer's own; for staff, those with an officer today."""
    counties = officer_counties(user)
    if user.is_staff:
        counties = counties.filter(pk__in=Appointment.objects.current().values("county_id"))
    return counties.with_parents().order_by("code")


def current_appointments(user) -> QuerySet[Appointment]:
    return Appointment.objects.current().filter(user=user).select_related("county").order_by("county_id")


def county_cohorts(counties) -> QuerySet[Cohort]:
    """The cohorts of ``counties``, read only, with their number of learners enrolled."""
    return (
        Cohort.objects.filter(county__in=counties)
        .select_related("course", "county")
        .annotate(enrolled=Count("enrollments", distinct=True))
        .order_by("county_id", "-start_date", "name")
    )


def surveys_for(user) -> QuerySet[Survey]:
    """The active surveys ``user`` may answer: those of every county or of one of theirs."""
    return (
        Survey.objects.filter(is_active=True)
        .filter(Q(county__isnull=True) | Q(county__in=officer_counties(user)))
        .select_related("county")
    )


def survey_counties(survey: Survey, user) -> QuerySet[County]:
    """The counties ``user`` may answer ``survey`` for (staff: the survey's county, or those with
    an officer today)."""
    counties = workspace_counties(user)
    if survey.county_id is not None:
        counties = (
            counties.filter(pk=survey.county_id)
            if not user.is_staff
            else County.objects.filter(pk=survey.county_id)
        )
    return counties.order_by("code")


def place_townships(counties) -> QuerySet[Township]:
    return Township.objects.filter(county__in=counties).select_related("county").order_by("code")


def county_responses(county: County) -> QuerySet[SurveyResponse]:
    return (
        SurveyResponse.objects.filter(county=county)
        .select_related("survey", "officer")
        .annotate(photo_count=Count("photos"))
        .order_by("-submitted_at", "-pk")
    )


def response_photo(user, pk: int) -> ResponsePhoto | None:
    """A response photo ``user`` may see: one of a response of a county they serve (staff: any).
    None otherwise."""
    return (
        ResponsePhoto.objects.filter(pk=pk, response__county__in=officer_counties(user)).only("image").first()
    )


# --- surveys defined by officers ------------------------------------------------------------------


def manageable_surveys(user) -> QuerySet[Survey]:
    """The surveys ``user`` may define and change: staff every survey; an officer those of the
    counties they serve (not the surveys of every county, which are staff's)."""
    if not user.is_authenticated:
        return Survey.objects.none()
    surveys = Survey.objects.select_related("county").annotate(
        question_count=Count("questions", distinct=True), response_count=Count("responses", distinct=True)
    )
    if user.is_staff:
        return surveys.order_by("-created_at", "-pk")
    return surveys.filter(county__in=officer_counties(user)).order_by("-created_at", "-pk")


def survey_define_counties(user) -> QuerySet[County]:
    """The counties ``user`` may define a survey for (staff: every county)."""
    return officer_counties(user).order_by("code")


# --- visits ---------------------------------------------------------------------------------------


def visible_visits(user) -> QuerySet[Visit]:
    """The visits ``user`` may open: an officer their own, in the counties they serve today;
    staff every visit."""
    visits = Visit.objects.filter(county__in=officer_counties(user))
    if not user.is_staff:
        visits = visits.filter(officer=user)
    return visits


def county_visits(county: County, user) -> QuerySet[Visit]:
    """``county``'s visits that ``user`` sees, newest first, with their township, officer and
    the number of responses linked (one query)."""
    return (
        visible_visits(user)
        .filter(county=county)
        .select_related("township", "officer")
        .annotate(response_count=Count("responses"))
        .order_by("-visited_on", "-pk")
    )


def visit_totals(county: County, user) -> dict[str, Any]:
    """How many visits ``user`` sees in ``county`` and the hours spent on them (one query)."""
    totals = (
        visible_visits(user).filter(county=county).aggregate(visits=Count("pk"), minutes=Sum("minutes_spent"))
    )
    minutes = totals["minutes"] or 0
    return {"visits": totals["visits"], "minutes": minutes, "hours": round(minutes / 60, 1)}


def visit_responses(county: County, officer) -> QuerySet[SurveyResponse]:
    """The responses an officer may link to a visit in ``county``: their own there, newest first."""
    return (
        SurveyResponse.objects.filter(county=county, officer=officer)
        .select_related("survey")
        .order_by("-submitted_at", "-pk")
    )


def needs_rollup(county: County) -> list[dict[str, Any]]:
    """The most requested needs of ``county``: per choice question of the surveys answered there,
    how many responses chose each choice, most chosen first. Two queries whatever the size."""
    answers = list(SurveyResponse.objects.filter(county=county).values_list("survey_id", "answers"))
    questions = SurveyQuestion.objects.filter(
        survey_id__in={survey_id for survey_id, _answers in answers}, kind__in=SurveyQuestion.CHOICE_KINDS
    ).select_related("survey")
    rollup = []
    for question in questions:
        counts: Counter[str] = Counter()
        for survey_id, given in answers:
            if survey_id != question.survey_id:
                continue
            value = given.get(str(question.pk))
            for choice in value if isinstance(value, list) else [value] if value else []:
                counts[choice] += 1
        if counts:
            rollup.append({"question": question, "counts": counts.most_common()})
    return rollup


def _answer_cell(value: Any) -> Any:
    """An answer for a spreadsheet cell: numbers stay numbers (whole ones without “.0”), the
    rest is text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else value
    if isinstance(value, list):
        return "；".join(str(item) for item in value)
    if isinstance(value, dict):
        return " ".join(str(part) for part in (value.get("township_name"), value.get("village")) if part)
    return "" if value is None else str(value)


def response_export(county: County) -> tuple[list[Promise | str], list[list[Any]]]:
    """The county's responses as spreadsheet headers and rows: the fixed columns, then one column
    per question of the surveys answered (the survey's title and the question)."""
    responses = list(county_responses(county))
    questions = list(
        SurveyQuestion.objects.filter(survey_id__in={r.survey_id for r in responses})
        .exclude(kind=SurveyQuestion.Kind.PHOTO)
        .select_related("survey")
        .order_by("survey_id", "order", "pk")
    )
    kinds = dict(SurveyResponse.OrganisationKind.choices)
    headers: list[Promise | str] = [
        gettext_lazy("Survey"),
        gettext_lazy("Organisation"),
        gettext_lazy("Kind of organisation"),
        gettext_lazy("Officer"),
        gettext_lazy("Submitted at"),
        gettext_lazy("Photos"),
    ] + [f"{question.survey.title}: {question.text}" for question in questions]
    rows = [
        [
            response.survey.title,
            response.organisation_name,
            kinds.get(response.organisation_kind, ""),
            response.officer.name if response.officer else "",
            timezone.localtime(response.submitted_at),
            response.photo_count,
        ]
        + [
            _answer_cell(response.answers.get(str(q.pk))) if q.survey_id == response.survey_id else ""
            for q in questions
        ]
        for response in responses
    ]
    return headers, rows


def user_officer_data(user) -> dict[str, Any]:
    """The officers' part of a person's data export (PIPL): their appointments, the survey
    responses they recorded (the organisations named and the answers given), the visits they
    logged and the surveys they defined."""
    return {
        "appointments": [
            {
                "county": appointment.county.name,
                "home_organisation": appointment.home_organisation,
                "term_start": appointment.term_start.isoformat(),
                "term_end": appointment.term_end.isoformat(),
                "ended_on": appointment.ended_on.isoformat() if appointment.ended_on else None,
            }
            for appointment in Appointment.objects.filter(user=user).select_related("county")
        ],
        "survey_responses": [
            {
                "survey": response.survey.title,
                "county": response.county.name,
                "organisation": response.organisation_name,
                "organisation_kind": response.organisation_kind,
                "answers": response.answers,
                "photos": [photo.image.name for photo in response.photos.all()],
                "submitted_at": response.submitted_at.isoformat(),
            }
            for response in SurveyResponse.objects.filter(officer=user)
            .select_related("survey", "county")
            .prefetch_related("photos")
        ],
        "visits": [
            {
                "county": visit.county.name,
                "visited_on": visit.visited_on.isoformat(),
                "township": visit.township.name if visit.township else "",
                "village": visit.village,
                "organisations_met": visit.organisation_list,
                "minutes_spent": visit.minutes_spent,
                "notes": visit.notes,
            }
            for visit in Visit.objects.filter(officer=user).select_related("county", "township")
        ],
        "surveys_defined": [
            {"title": survey.title, "county": survey.county.name if survey.county else None}
            for survey in Survey.objects.filter(created_by=user).select_related("county")
        ],
    }
