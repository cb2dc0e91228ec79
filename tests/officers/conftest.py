"""Officers appointed to counties, and a needs survey with every kind of question."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from counties.models import Township
from officers.models import Appointment, Survey, SurveyQuestion
from tests import factories


def appoint(user, county, *, start_days=-30, end_days=150, **fields):
    today = timezone.localdate()
    return Appointment.objects.create(
        user=user,
        county=county,
        home_organisation=fields.pop("home_organisation", "浙江大学"),
        term_start=today + datetime.timedelta(days=start_days),
        term_end=today + datetime.timedelta(days=end_days),
        **fields,
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer(county):
    user = factories.UserFactory(name="李技术官")
    appoint(user, county)
    return user


@pytest.fixture
def other_officer(other_county):
    user = factories.UserFactory(name="赵技术官")
    appoint(user, other_county)
    return user


@pytest.fixture
def township(county):
    return Township.objects.create(code="330122100", name="分水镇", county=county)


@pytest.fixture
def survey(county):
    survey = Survey.objects.create(title="数字化需求调查")
    kinds = SurveyQuestion.Kind
    for order, (kind, text, choices) in enumerate(
        [
            (kinds.TEXT, "主要困难", ""),
            (kinds.SINGLE, "最需要的服务", "直播带货\n数字记账\n数据标注"),
            (kinds.MULTIPLE, "希望培训的内容", "短视频\n网店运营\n表格"),
            (kinds.NUMBER, "员工人数", ""),
            (kinds.DATE, "希望开始的日期", ""),
            (kinds.PHOTO, "现场照片", ""),
            (kinds.PLACE, "地点", ""),
        ]
    ):
        survey.questions.create(order=order, kind=kind, text=text, choices=choices)
    return survey


def question(survey, kind):
    return survey.questions.get(kind=kind)


def picture(fmt="JPEG", size=(2400, 1600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()
