"""The hiring end of the funnel: registered → completed → certified → applied → hired, by
county, gender and track, against the hand-built programme of conftest.py (L1 and L2 apply;
an employer hires L1 through the portal)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from figures.services import FigureFilters, Figures, FigureScope, figures_refresh, latest_snapshot
from tests.figures.conftest import NOW
from tests.jobs.conftest import apply, make_employer, make_post


def figures(**filters) -> Figures:
    return Figures(
        snapshot=latest_snapshot(), scope=FigureScope(county_codes=None), filters=FigureFilters(**filters)
    )


@pytest.fixture
def hiring(client, programme):
    tonglu = programme.tonglu
    employer = make_employer(tonglu)
    post = make_post(employer, courses=[programme.course_a])
    l1, l2 = programme.learners[:2]
    hired = apply(post, l1)
    apply(post, l2)
    client.force_login(employer.members.get().user)
    client.post(reverse("jobs:application_move", args=[hired.pk]), {"to": "hired"})
    figures_refresh(now=NOW)
    return programme


def test_funnel_counts_applied_and_hired_people(hiring):
    headline = figures().headline()
    steps = ("learners", "trained", "learners_certified", "applied", "hired")
    assert [headline[name] for name in steps] == [5, 2, 1, 2, 1]


def test_funnel_by_county_gender_and_track(hiring):
    provinces = {row["key"]: row for row in figures().areas()}
    assert (provinces["33"]["applied"], provinces["33"]["hired"]) == (2, 1)
    assert (provinces["52"]["applied"], provinces["52"]["hired"]) == (0, 0)
    counties = {row["key"]: row for row in figures(province=hiring.tonglu.province).areas()}
    assert counties  # drilled down to prefectures, then counties
    tonglu = {
        row["key"]: row
        for row in figures(province=hiring.tonglu.province, prefecture=hiring.tonglu.prefecture).areas()
    }[hiring.tonglu.code]
    assert (tonglu["applied"], tonglu["hired"]) == (2, 1)

    genders = {row["key"]: row for row in figures().by_dimension("gender")}
    assert (genders["female"]["applied"], genders["female"]["hired"]) == (1, 1)
    assert (genders["male"]["applied"], genders["male"]["hired"]) == (1, 0)

    tracks = {row["name"]: row for row in figures().tracks()}
    assert (tracks["电商"]["applied"], tracks["电商"]["hired"]) == (2, 1)  # L1 and L2 enrolled in course A
    assert (tracks["数据标注"]["applied"], tracks["数据标注"]["hired"]) == (
        1,
        0,
    )  # L2 (withdrawn), L3 never applied


def test_dashboard_shows_the_hiring_funnel(english, staff, hiring):
    english.force_login(staff)
    page = english.get(reverse("figures:dashboard"))
    funnel = dict(page.context["page"].charts["funnel_numbers"])
    assert (funnel["Applied for a job"], funnel["Hired"]) == ("2", "1")
    html = page.content.decode()
    assert "Applied for a job" in html
