"""The demo officer's projects in 桐庐县: two running projects with indicators and their periods,
and a handed-over one with a local successor (a learner of 桐庐县) and a closed checklist.
Idempotent: a second run changes nothing (projects are found by county and title)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from accounts.models import User
from counties.models import Cohort, County, LearnerProfile
from officers.demo import DEMO_OFFICER
from officers.models import SurveyResponse

from . import services
from .models import ChecklistItem, Project

# (title, partner, kind, partner's response, days from today: start, end, status, indicators)
# indicators: (name, unit, baseline, target, [(days from today: start, end, actual)])
PROJECTS = [
    (
        "分水镇茶叶直播带货基地",
        "分水镇茶叶专业合作社",
        "cooperative",
        "分水镇茶叶专业合作社",
        -80,
        200,
        Project.Status.RUNNING,
        [
            ("网店月销售额", "万元", "0", "20", [(-60, -31, "3.5"), (-30, -1, "8")]),
            ("会直播的社员", "人", "0", "8", [(-60, -31, "2"), (-30, -1, "5")]),
        ],
    ),
    (
        "环溪村数字记账",
        "江南镇环溪村村委会",
        "village",
        "江南镇环溪村村委会",
        -60,
        120,
        Project.Status.RUNNING,
        [("手工记账时间", "小时/月", "40", "8", [(-30, -1, "30")])],
    ),
]
HANDED_OVER = ("桐庐县职校数据标注工坊", "桐庐县职业技术学校", "school", -300, -10)
CHECKLIST = ["交接标注平台账号", "整理标注规范文档", "带教两期学员"]


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _local_learner(county: County) -> User | None:
    """The demo learner if they study in the county, else its first learner."""
    profile = (
        LearnerProfile.objects.filter(county=county)
        .select_related("user")
        .annotate(
            demo=Case(
                When(user__email="learner@example.com", then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("demo", "user_id")
        .first()
    )
    return profile.user if profile else None


@transaction.atomic
def seed_demo_projects(*, stdout: TextIO | None = None) -> list[Project]:
    county = County.objects.get(code="330122")
    officer = User.objects.get(email=DEMO_OFFICER[0])
    cohorts = list(Cohort.objects.filter(county=county).order_by("pk")[:1])
    projects = []
    for title, partner, kind, responder, start, end, status, indicators in PROJECTS:
        project = Project.objects.filter(county=county, title=title).first()
        if project is None:
            project = services.project_create(
                county=county,
                title=title,
                owner=officer,
                partner_name=partner,
                partner_kind=kind,
                start_date=_day(start),
                end_date=_day(end),
                status=status,
                description=f"{partner}提出的需求，由技术官带领实施。",
                survey_responses=SurveyResponse.objects.filter(county=county, organisation_name=responder),
                cohorts=cohorts,
            )
            for name, unit, baseline, target, periods in indicators:
                indicator = services.indicator_add(
                    project=project, name=name, unit=unit, baseline=Decimal(baseline), target=Decimal(target)
                )
                for period_start, period_end, actual in periods:
                    services.period_record(
                        indicator=indicator,
                        period_start=_day(period_start),
                        period_end=_day(period_end),
                        actual=Decimal(actual),
                    )
            services.milestone_add(project=project, title="完成需求调研", due_on=_day(start + 14))
            services.update_add(
                project=project, author=officer, text="与合作方确定了实施方案。", written_on=_day(start + 7)
            )
        projects.append(project)

    title, partner, kind, start, end = HANDED_OVER
    learner = _local_learner(county)
    project = Project.objects.filter(county=county, title=title).first()
    if project is None and learner is not None:
        project = services.project_create(
            county=county,
            title=title,
            owner=officer,
            partner_name=partner,
            partner_kind=kind,
            start_date=_day(start),
            end_date=_day(end),
            status=Project.Status.RUNNING,
            cohorts=cohorts,
        )
        indicator = services.indicator_add(
            project=project, name="结业学员", unit="人", baseline=Decimal(0), target=Decimal(30)
        )
        services.period_record(
            indicator=indicator, period_start=_day(start), period_end=_day(end), actual=Decimal(32)
        )
        services.successor_add(project=project, user=learner, role="工坊负责人")
        for text in CHECKLIST:
            services.checklist_item_mark(
                item=services.checklist_item_add(project=project, text=text), by=officer, done=True
            )
        ChecklistItem.objects.filter(project=project).update(done_on=_day(end - 5))
        services.project_edit(project=project, status=Project.Status.HANDED_OVER)
    if project is not None:
        projects.append(project)
    if stdout is not None:
        stdout.write(f"Demo projects in 桐庐县: {', '.join(p.title for p in projects)}")
    return projects
