"""Officers appointed to counties, and projects with indicators, periods, milestones."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from officers.models import Appointment
from projects import services
from projects.models import Project
from talentportal import sms
from tests import factories


def appoint(user, county, *, start_days=-60, end_days=150, **fields):
    today = timezone.localdate()
    return Appointment.objects.create(
        user=user,
        county=county,
        home_organisation=fields.pop("home_organisation", "浙江大学"),
        term_start=today + datetime.timedelta(days=start_days),
        term_end=today + datetime.timedelta(days=end_days),
        **fields,
    )


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def make_project(county, owner=None, **fields) -> Project:
    fields = {
        "title": "直播带货基地",
        "partner_name": "分水镇茶叶专业合作社",
        "partner_kind": "cooperative",
        "start_date": days(-100),
        "end_date": days(100),
        "status": Project.Status.RUNNING,
        **fields,
    }
    return services.project_create(county=county, owner=owner, **fields)


def add_indicator(project, *, baseline=0, target=100, actuals=(), name="网店月销售额", unit="万元"):
    indicator = services.indicator_add(
        project=project, name=name, unit=unit, baseline=Decimal(baseline), target=Decimal(target)
    )
    for start, end, actual in actuals:
        services.period_record(
            indicator=indicator, period_start=start, period_end=end, actual=Decimal(actual)
        )
    return indicator


def picture(fmt="JPEG", size=(2400, 1600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, fmt)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


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
def other_coordinator(other_county):
    return factories.CoordinatorAssignmentFactory(county=other_county).coordinator


@pytest.fixture
def project(county, officer):
    return make_project(county, officer)
