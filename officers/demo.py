"""The demo technology officer: officer@example.com, appointed to 桐庐县 for a term around today,
with the needs survey they defined, two responses and three visits in the log. Idempotent: a
second run changes nothing (the responses carry fixed client keys, the visits are found by their notes)."""

from __future__ import annotations

import datetime
import uuid
from typing import TextIO

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from counties.models import County, Township

from .models import Appointment, Survey, SurveyQuestion, SurveyResponse, Visit
from .services import VisitDetails, survey_response_submit, visit_create

DEMO_OFFICER = ("officer@example.com", "陈志远", "浙江大学计算机学院")
DEMO_SURVEY = "乡村数字化需求调查"
QUESTIONS = [
    (SurveyQuestion.Kind.SINGLE, "最需要的数字服务", "直播带货\n数字记账\n数据标注\n网店运营"),
    (SurveyQuestion.Kind.MULTIPLE, "希望培训的内容", "短视频拍摄\n网店客服\n表格与记账"),
    (SurveyQuestion.Kind.NUMBER, "可参加培训的人数", ""),
    (SurveyQuestion.Kind.TEXT, "主要困难", ""),
    (SurveyQuestion.Kind.PLACE, "走访地点", ""),
    (SurveyQuestion.Kind.PHOTO, "现场照片", ""),
]
RESPONSES = [
    (
        "分水镇茶叶专业合作社",
        "cooperative",
        "直播带货",
        ["短视频拍摄", "网店客服"],
        12,
        "没有人会做直播",
        "里湖村",
    ),
    ("江南镇环溪村村委会", "village", "数字记账", ["表格与记账"], 5, "账目全靠手写", "环溪村"),
]
# (days ago, village, organisations met, minutes, notes, organisations whose responses it produced)
VISITS = [
    (
        60,
        "里湖村",
        "分水镇茶叶专业合作社\n里湖村村委会",
        150,
        "合作社想做直播卖茶，缺会拍视频的人。",
        ["分水镇茶叶专业合作社"],
    ),
    (45, "环溪村", "江南镇环溪村村委会", 90, "村里账目手写，建议先培训表格记账。", ["江南镇环溪村村委会"]),
    (20, "里湖村", "分水镇茶叶专业合作社", 120, "回访：直播设备已到位，约定下月开培训班。", []),
]
_NAMESPACE = uuid.UUID("6f1d3c2a-8b7e-4d6f-9a1b-2c3d4e5f6a7b")


@transaction.atomic
def seed_demo_officers(*, password: str, stdout: TextIO | None = None) -> User:
    email, name, organisation = DEMO_OFFICER
    user, created = User.objects.get_or_create(email=email, defaults={"name": name})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    county = County.objects.get(code="330122")
    today = timezone.localdate()
    Appointment.objects.update_or_create(
        user=user,
        county=county,
        defaults={
            "home_organisation": organisation,
            "term_start": today - datetime.timedelta(days=90),
            "term_end": today + datetime.timedelta(days=275),
            "ended_on": None,
        },
    )
    survey, _created = Survey.objects.get_or_create(
        title=DEMO_SURVEY, defaults={"county": county, "created_by": user}
    )
    if not survey.questions.exists():
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(survey=survey, order=order, kind=kind, text=text, choices=choices)
            for order, (kind, text, choices) in enumerate(QUESTIONS, start=1)
        )
    questions = {q.text: str(q.pk) for q in survey.questions.all()}
    for organisation_name, kind, need, training, people, difficulty, village in RESPONSES:
        survey_response_submit(
            survey=survey,
            officer=user,
            county=county,
            organisation_name=organisation_name,
            organisation_kind=kind,
            client_key=uuid.uuid5(_NAMESPACE, organisation_name),
            answers={
                questions["最需要的数字服务"]: need,
                questions["希望培训的内容"]: training,
                questions["可参加培训的人数"]: people,
                questions["主要困难"]: difficulty,
                questions["走访地点"]: {"township": "", "township_name": "", "village": village},
            },
        )
    _seed_visits(user, county, today)
    if stdout is not None:
        stdout.write(
            f"Demo officer: {name} ({email}), 桐庐县, survey {survey.title} with {len(RESPONSES)} responses"
            f" and {len(VISITS)} visits"
        )
    return user


def _seed_visits(user: User, county: County, today: datetime.date) -> None:
    townships = list(Township.objects.filter(county=county).order_by("code")[:2])
    responses = {r.organisation_name: r for r in SurveyResponse.objects.filter(officer=user, county=county)}
    for index, (days_ago, village, met, minutes, notes, linked) in enumerate(VISITS):
        visited_on = today - datetime.timedelta(days=days_ago)
        if Visit.objects.filter(officer=user, county=county, village=village, notes=notes).exists():
            continue
        visit_create(
            officer=user,
            county=county,
            details=VisitDetails(
                visited_on=visited_on,
                township=townships[index % len(townships)] if townships else None,
                village=village,
                organisations_met=met,
                minutes_spent=minutes,
                notes=notes,
                responses=[responses[name] for name in linked if name in responses],
            ),
        )
