"""Every figure of the dashboard against the hand-built programme of conftest.py."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from counties.models import County, Province
from figures.services import FigureFilters, Figures, FigureScope, figures_refresh, latest_snapshot
from tests import factories
from tests.figures.conftest import DAY, NOW

PROGRAMME = FigureScope(county_codes=None)


def figures(**filters) -> Figures:
    return Figures(snapshot=latest_snapshot(), scope=PROGRAMME, filters=FigureFilters(**filters))


def by_key(rows):
    return {row["key"]: row for row in rows}


def test_headline_figures(refreshed):
    headline = figures().headline()
    assert {
        name: headline[name]
        for name in (
            "learners", "active", "enrolled", "completed", "certified", "completion_rate", "placement_rate",
            "women_share", "counties", "priority_counties", "trained_to_date", "target", "target_percent",
        )
    } == {
        "learners": 5,  # L3 deleted her account: she registered, she stays
        "active": 2,  # L1 and L4; L2 last studied 60 days ago; L3 is deleted
        "enrolled": 5,  # L4's request waiting for approval and the staff member's enrolment left out
        "completed": 2,
        "certified": 1,  # L3's certificate was revoked with her account
        "completion_rate": 40.0,
        "placement_rate": 50.0,  # L1 employed, L3 seeking, over 2 completions
        "women_share": 60.0,
        "counties": 3,
        "priority_counties": 1,
        "trained_to_date": 2,
        "target": 100,
        "target_percent": 2.0,
    }  # fmt: skip


def test_funnel_counts_people(refreshed):
    headline = figures().headline()
    funnel = [headline[name] for name in ("learners", "learners_enrolled", "trained", "learners_certified")]
    assert [*funnel, headline["learners_placed"]] == [5, 4, 2, 1, 1]


def test_areas_drill_down_from_province_to_county(refreshed):
    provinces = by_key(figures().areas())
    assert set(provinces) == {"33", "52"}
    zhejiang, guizhou = provinces["33"], provinces["52"]
    assert (zhejiang["learners"], zhejiang["enrolled"], zhejiang["completed"], zhejiang["certified"]) == (
        3,
        4,
        2,
        1,
    )
    assert (zhejiang["completion_rate"], zhejiang["placement_rate"], zhejiang["women_share"]) == (
        50.0,
        50.0,
        66.7,
    )
    # A county with no completions: zero completions, a 0 % rate, no placement rate at all.
    assert (guizhou["learners"], guizhou["enrolled"], guizhou["completed"], guizhou["active"]) == (2, 1, 0, 1)
    assert (guizhou["completion_rate"], guizhou["placement_rate"]) == (0.0, None)

    province = Province.objects.get(code="33")
    prefectures = figures(province=province).areas()
    assert [(row["key"], row["enrolled"], row["completed"]) for row in prefectures] == [("3301", 4, 2)]

    prefecture = refreshed.tonglu.prefecture
    counties = by_key(figures(province=province, prefecture=prefecture).areas())
    assert {
        code: (row["enrolled"], row["completed"], row["is_priority"]) for code, row in counties.items()
    } == {
        "330122": (3, 1, False),
        "330127": (1, 1, True),
    }


def test_province_filter_reads_the_province_rows(refreshed):
    headline = figures(province=Province.objects.get(code="52")).headline()
    assert (headline["learners"], headline["enrolled"], headline["completed"], headline["counties"]) == (
        2,
        1,
        0,
        1,
    )
    assert headline["completion_rate"] == 0.0
    assert headline["placement_rate"] is None


def test_county_filter(refreshed):
    headline = figures(county=refreshed.chun_an).headline()
    assert (headline["learners"], headline["enrolled"], headline["completed"], headline["certified"]) == (
        1,
        1,
        1,
        0,
    )
    assert (headline["active"], headline["priority_counties"]) == (0, 1)


def test_tracks_and_courses(refreshed):
    tracks = {row["name"]: row for row in figures().tracks()}
    assert {
        name: (row["learners"], row["trained"], row["enrolled"], row["completed"])
        for name, row in tracks.items()
    } == {
        "电商": (3, 1, 3, 1),
        "数据标注": (2, 1, 2, 1),
    }
    courses = {row["name"]: row for row in figures().courses()}
    assert (courses["农村电商运营"]["enrolled"], courses["农村电商运营"]["completion_rate"]) == (3, 33.3)
    assert courses["农村电商运营"]["placement_rate"] == 100.0
    assert (courses["AI数据标注"]["enrolled"], courses["AI数据标注"]["placement_rate"]) == (2, 0.0)


def test_track_filter(refreshed):
    track = refreshed.course_b.track
    headline = figures(track=track).headline()
    # With a track: the learners enrolled in it (L2, withdrawn, and L3).
    assert (headline["learners"], headline["enrolled"], headline["completed"], headline["counties"]) == (
        2,
        2,
        1,
        2,
    )
    assert headline["trained_to_date"] == 1


def test_breakdowns_by_gender_age_and_delivery(refreshed):
    gender = by_key(figures().by_dimension("gender"))
    assert {key: (row["learners"], row["enrolled"]) for key, row in gender.items()} == {
        "female": (3, 2),
        "male": (1, 2),
        "undisclosed": (0, 0),
        "": (1, 1),
    }
    age = by_key(figures().by_dimension("age_band"))
    assert {key: (row["learners"], row["enrolled"]) for key, row in age.items()} == {
        "u18": (1, 1),
        "18-24": (1, 1),
        "25-34": (0, 0),
        "35-44": (1, 2),
        "45+": (1, 0),
        "unknown": (1, 1),
    }
    delivery = by_key(figures().by_dimension("delivery"))
    assert {key: (row["enrolled"], row["completed"]) for key, row in delivery.items()} == {
        "online": (3, 1),
        "offline": (1, 1),
        "blended": (1, 0),
    }


def test_date_range_counts_events_and_registrations_within_it(refreshed):
    since = timezone.localdate(NOW - 60 * DAY)
    headline = figures(date_from=since).headline()
    # L2's withdrawn enrolment started 100 days ago; only L4 registered in the period.
    assert (headline["enrolled"], headline["completed"], headline["learners"]) == (4, 2, 1)
    assert headline["trained_to_date"] == 2  # progress towards the target ignores the dates

    until = timezone.localdate(NOW - 50 * DAY)
    early = figures(date_to=until).headline()
    assert (early["enrolled"], early["completed"], early["counties"]) == (1, 0, 1)


def test_weekly_series_puts_events_in_their_weeks(refreshed):
    weekly = figures().weekly()
    assert len(weekly) == 26
    assert weekly[-1]["week"] == timezone.localdate(NOW) - datetime.timedelta(
        days=timezone.localdate(NOW).weekday()
    )
    assert sum(row["enrolled"] for row in weekly) == 5
    assert sum(row["completed"] for row in weekly) == 2
    hundred_days_ago = timezone.localdate(NOW - 100 * DAY)
    week = next(row for row in weekly if row["week"] <= hundred_days_ago < row["week"] + 7 * DAY)
    assert (week["enrolled"], week["completed"]) == (1, 0)

    recent = figures(date_from=timezone.localdate(NOW - 60 * DAY)).weekly()
    assert sum(row["enrolled"] for row in recent) == 4
    assert recent[0]["week"] <= timezone.localdate(NOW - 60 * DAY) < recent[0]["week"] + 7 * DAY


def test_no_learners_gives_zeros_and_no_rates(db, settings):
    settings.PROGRAMME_TARGET_LEARNERS = 100
    figures_refresh()
    headline = figures().headline()
    assert (
        headline["learners"],
        headline["enrolled"],
        headline["counties"],
        headline["trained_to_date"],
    ) == (0, 0, 0, 0)
    assert (headline["completion_rate"], headline["placement_rate"], headline["women_share"]) == (
        None,
        None,
        None,
    )
    assert figures().courses() == []


def test_refresh_is_idempotent_and_keeps_the_previous_snapshot(refreshed):
    first = figures().headline()
    second_snapshot = figures_refresh(now=NOW)
    assert figures().snapshot == second_snapshot
    assert figures().headline() == first
    figures_refresh(now=NOW)
    from figures.models import FigureActivity, FiguresSnapshot

    assert FiguresSnapshot.objects.count() == 2
    assert set(FigureActivity.objects.values_list("snapshot", flat=True).distinct()) == set(
        FiguresSnapshot.objects.values_list("pk", flat=True)
    )


def test_a_failed_refresh_leaves_the_last_snapshot(refreshed, monkeypatch):
    from figures import services as module

    before = latest_snapshot()
    factories.LearnerProfileFactory(county=refreshed.tonglu)

    def broken(snapshot):
        raise RuntimeError("database went away")

    monkeypatch.setattr(module, "_refresh_placements", broken)
    with pytest.raises(RuntimeError):
        figures_refresh()
    assert latest_snapshot() == before
    assert figures().headline()["learners"] == 5


def test_a_new_learner_counts_after_the_next_refresh(refreshed):
    factories.LearnerProfileFactory(county=County.objects.get(code="520603"), user__gender="female")
    assert figures().headline()["learners"] == 5
    figures_refresh()
    assert figures().headline()["learners"] == 6
