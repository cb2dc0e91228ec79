"""Results from the entrants' exam attempts and labelling runs: the tie-break order of each
rule, teams, idempotent rebuilds, advancement with staff adjustments, freeze and reveal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from competitions.models import (
    AdvancementAdjustment,
    Appeal,
    Competition,
    Entry,
    Round,
    RoundEntry,
    RoundResult,
    Tier,
)
from competitions.services import entry_register, invitation_answer, member_invite, round_results_rebuild
from tests import factories
from tests.competitions.conftest import label, learner_in, make_round, sit


def board_order(response) -> list[int]:
    body = response.content.decode().split('id="board-rows"', 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(r'data-entry="(\d+)"', body)]


def compute(client, round):
    return client.post(reverse("competitions:round_compute", args=[round.pk]))


@pytest.fixture
def county_round(province_competition, county, paper, task):
    return make_round(province_competition, county=county, exam=paper, item_set=task)


def enter(competition, county, name, **fields):
    learner = learner_in(county, name=name, **fields)
    return learner, entry_register(competition=competition, learner=learner)


@pytest.fixture
def four(province_competition, county_round, county):
    """Four entrants: accuracy decides, then time, then theory."""
    people = {}
    for name, practical, seconds, theory in [
        ("甲一", 90, 300, 50),
        ("乙二", 90, 300, 80),
        ("丙小三", 90, 200, 10),
        ("丁四", 95, 600, 0),
    ]:
        learner, entry = enter(province_competition, county, name)
        label(county_round, learner, percent=practical, seconds=seconds)
        sit(county_round, learner, percent=theory)
        people[name] = entry
    return people


def test_practical_accuracy_then_time_then_theory(client, county_round, four, coordinator):
    client.force_login(coordinator)
    assert compute(client, county_round).status_code == 302
    page = client.get(reverse("competitions:scoreboard", args=[county_round.pk]))
    names = ["丁四", "丙小三", "乙二", "甲一"]
    assert board_order(page) == [four[name].pk for name in names]
    html = page.content.decode()
    assert "丙*三" in html and "丙小三" not in html  # names masked
    assert 'data-rule="practical_first"' in html
    ranks = dict(RoundResult.objects.filter(round=county_round, view="live").values_list("entry_id", "rank"))
    assert [ranks[four[name].pk] for name in names] == [1, 2, 3, 4]


def test_theory_first_orders_by_theory_then_accuracy(client, county_round, four, coordinator):
    county_round.rule = Round.Rule.THEORY_FIRST
    county_round.save()
    client.force_login(coordinator)
    compute(client, county_round)
    page = client.get(reverse("competitions:scoreboard", args=[county_round.pk]))
    assert board_order(page) == [four[name].pk for name in ["乙二", "甲一", "丙小三", "丁四"]]


def test_equal_results_share_a_rank_and_nothing_submitted_is_unranked(
    county_round, four, province_competition, county
):
    twin, twin_entry = enter(province_competition, county, "甲双")
    label(county_round, twin, percent=90, seconds=300)
    sit(county_round, twin, percent=50)
    _idle, idle_entry = enter(province_competition, county, "闲人")
    round_results_rebuild(round=county_round)
    ranks = dict(RoundResult.objects.filter(round=county_round, view="live").values_list("entry_id", "rank"))
    assert ranks[twin_entry.pk] == ranks[four["甲一"].pk] == 4
    assert ranks[idle_entry.pk] is None


def test_only_the_first_submission_in_the_round_window_counts(county_round, province_competition, county):
    learner, entry = enter(province_competition, county, "早到")
    label(county_round, learner, percent=100, seconds=60, minutes_ago=60 * 5)  # before the round opened
    label(county_round, learner, percent=70, seconds=100, minutes_ago=60)
    label(county_round, learner, percent=99, seconds=100, minutes_ago=10)  # a second go: ignored
    round_results_rebuild(round=county_round)
    result = RoundResult.objects.get(round=county_round, view="live", entry=entry)
    assert (result.practical_percent, result.practical_seconds, result.theory_percent) == (70.0, 100, None)


def test_rebuilding_twice_gives_the_same_rows(county_round, four):
    assert round_results_rebuild(round=county_round) == 4
    first = list(RoundResult.objects.filter(round=county_round).values_list("entry_id", "view", "rank"))
    assert round_results_rebuild(round=county_round) == 4
    again = list(RoundResult.objects.filter(round=county_round).values_list("entry_id", "view", "rank"))
    assert sorted(first) == sorted(again)
    county_round.refresh_from_db()
    assert county_round.results_version == 1  # nothing changed: the scoreboard's cache stays


def test_a_team_scores_its_members_means(province_competition, county_round, county):
    province_competition.kind = Competition.Kind.TEAM
    province_competition.team_min, province_competition.team_max = 2, 3
    province_competition.save()
    captain = learner_in(county, name="队长")
    mate = learner_in(county, name="队员", user__mobile="13800138000")
    entry = entry_register(competition=province_competition, learner=captain, team_name="桐庐一队")
    invitation_answer(
        member=member_invite(entry=entry, by=captain, who="13800138000"), learner=mate, accept=True
    )
    label(county_round, captain, percent=90, seconds=100)
    label(county_round, mate, percent=80, seconds=300)
    sit(county_round, captain, percent=60)  # the mate sat no paper: counts 0
    alone = learner_in(county, name="独行")
    lonely = entry_register(competition=province_competition, learner=alone, team_name="一人队")
    label(county_round, alone, percent=100, seconds=10)
    round_results_rebuild(round=county_round)
    result = RoundResult.objects.get(round=county_round, view="live", entry=entry)
    assert (result.practical_percent, result.practical_seconds, result.theory_percent) == (85.0, 200, 30.0)
    assert (result.display_name, result.rank) == ("桐庐一队", 1)
    # A team below the smallest size is not ranked, however well its one member did.
    assert RoundResult.objects.get(round=county_round, view="live", entry=lonely).rank is None


# --- freeze and reveal --------------------------------------------------------------------------------


def test_the_public_sees_the_frozen_ranking_and_the_entrant_their_live_result(
    client, province_competition, county, paper, task, staff
):
    round = make_round(
        province_competition, county=county, exam=paper, item_set=task, closes=1, freeze_minutes=90
    )
    early, early_entry = enter(province_competition, county, "早交卷")
    late, late_entry = enter(province_competition, county, "晚交卷")
    label(round, early, percent=80, seconds=100, minutes_ago=60)  # before the freeze (30 minutes ago)
    label(round, late, percent=95, seconds=100, minutes_ago=10)  # after it
    round_results_rebuild(round=round)
    url = reverse("competitions:scoreboard", args=[round.pk])

    public = client.get(url)
    assert 'data-frozen="1"' in public.content.decode()
    assert board_order(public)[0] == early_entry.pk
    frozen = client.get(reverse("competitions:scoreboard_json", args=[round.pk])).json()
    assert frozen["frozen"] is True and frozen["rows"][0]["entry_id"] == early_entry.pk
    assert frozen["rows"][1]["rank"] is None  # nothing submitted before the freeze

    client.force_login(late)
    own = client.get(url).content.decode()
    assert 'data-own-rank="1"' in own  # the entrant sees their live rank
    assert board_order(client.get(url))[0] == early_entry.pk  # the board stays frozen for them too

    client.force_login(staff)
    client.post(reverse("competitions:round_reveal", args=[round.pk]))
    client.logout()
    revealed = client.get(url)
    assert 'data-frozen="0"' in revealed.content.decode()
    assert board_order(revealed)[0] == late_entry.pk


def test_the_scoreboard_unfreezes_when_the_round_ends(client, province_competition, county, paper, task):
    round = make_round(
        province_competition, county=county, exam=paper, item_set=task, closes=1, freeze_minutes=90
    )
    early, early_entry = enter(province_competition, county, "早交卷")
    late, late_entry = enter(province_competition, county, "晚交卷")
    label(round, early, percent=80, seconds=100, minutes_ago=60)
    label(round, late, percent=95, seconds=100, minutes_ago=10)
    round_results_rebuild(round=round)
    url = reverse("competitions:scoreboard", args=[round.pk])
    assert board_order(client.get(url))[0] == early_entry.pk
    Round.objects.filter(pk=round.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ended = client.get(url)
    assert board_order(ended)[0] == late_entry.pk
    assert "Final ranking." in ended.content.decode()


@pytest.mark.parametrize("entrants", [1, 50])
def test_the_scoreboard_costs_the_same_whatever_the_entrants(
    client, django_assert_num_queries, province_competition, county_round, county, entrants
):
    for n in range(entrants):
        learner, _entry = enter(province_competition, county, f"选手{n}")
        label(county_round, learner, percent=50 + n % 50, seconds=100 + n)
    round_results_rebuild(round=county_round)
    cache.clear()
    url = reverse("competitions:scoreboard", args=[county_round.pk])
    with django_assert_num_queries(3):  # the round, the count and the page of results
        assert len(board_order(client.get(url))) == entrants
    with django_assert_num_queries(1):  # the same page again: from the cache
        client.get(url)
    with django_assert_num_queries(1):
        assert (
            len(client.get(reverse("competitions:scoreboard_json", args=[county_round.pk])).json()["rows"])
            == entrants
        )


# --- advancement -------------------------------------------------------------------------------------


@pytest.fixture
def tiers(province_competition, county, paper, task):
    """A county round that has ended, whose top 2 advance to the province round."""
    province_round = make_round(
        province_competition, tier=Tier.PROVINCE, province=county.province, opens=24, closes=26
    )
    county_round = make_round(
        province_competition,
        county=county,
        exam=paper,
        item_set=task,
        opens=-4,
        closes=2,
        advance_to=province_round,
        advance_top_n=2,
    )
    entries = {}
    for name, practical in [("甲", 70), ("乙", 90), ("丙", 80), ("丁", 60)]:
        learner, entry = enter(province_competition, county, name)
        label(county_round, learner, percent=practical, seconds=100, minutes_ago=60)
        entries[name] = entry
    Round.objects.filter(pk=county_round.pk).update(closes_at=timezone.now() - timedelta(minutes=5))
    county_round.refresh_from_db()
    return county_round, province_round, entries


def province_entries(province_round) -> set[int]:
    return set(RoundEntry.objects.filter(round=province_round).values_list("entry_id", flat=True))


def test_a_county_round_advances_its_top_entries_to_the_province_round(client, tiers, coordinator):
    county_round, province_round, entries = tiers
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    compute(client, county_round)
    page = client.get(reverse("competitions:manage_round", args=[county_round.pk])).content.decode()
    assert "The top 2 advance to the next round" in page
    assert page.count("data-advancing") == 2
    response = client.post(reverse("competitions:round_advance", args=[county_round.pk]), follow=True)
    assert "2 entries advance to the next round." in [str(m) for m in response.context["messages"]]
    assert province_entries(province_round) == {entries["乙"].pk, entries["丙"].pk}
    client.post(reverse("competitions:round_advance", args=[county_round.pk]))  # again: the same
    assert RoundEntry.objects.filter(round=province_round).count() == 2


def test_advancement_waits_for_the_round_to_end(client, province_competition, county, coordinator):
    province_round = make_round(
        province_competition, tier=Tier.PROVINCE, province=county.province, opens=24, closes=26
    )
    county_round = make_round(
        province_competition, county=county, advance_to=province_round, advance_top_percent=50
    )
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("competitions:round_advance", args=[county_round.pk]), follow=True)
    assert "Advancement is computed once the round has ended." in [
        str(m) for m in response.context["messages"]
    ]


def test_staff_adjust_advancement_with_a_reason_and_recomputing_keeps_it(client, tiers, staff, coordinator):
    county_round, province_round, entries = tiers
    round_results_rebuild(round=county_round)
    client.force_login(staff)
    client.post(reverse("competitions:round_advance", args=[county_round.pk]))
    adjust = reverse("competitions:round_adjust", args=[province_round.pk])
    client.post(adjust, {"entry": entries["丙"].pk, "action": "remove", "reason": ""})
    assert province_entries(province_round) == {entries["乙"].pk, entries["丙"].pk}  # no reason: refused
    client.post(adjust, {"entry": entries["丙"].pk, "action": "remove", "reason": "违规使用手机"})
    client.post(adjust, {"entry": entries["甲"].pk, "action": "add", "reason": "补录：成绩单有误"})
    assert province_entries(province_round) == {entries["乙"].pk, entries["甲"].pk}
    client.post(reverse("competitions:round_advance", args=[county_round.pk]))
    assert province_entries(province_round) == {entries["乙"].pk, entries["甲"].pk}
    log = AdvancementAdjustment.objects.filter(round=province_round).order_by("at", "pk")
    assert [(row.action, row.reason, row.by) for row in log] == [
        ("remove", "违规使用手机", staff),
        ("add", "补录：成绩单有误", staff),
    ]
    page = client.get(reverse("competitions:manage_round", args=[province_round.pk])).content.decode()
    assert "违规使用手机" in page
    # A coordinator cannot adjust, nor open the province round.
    client.force_login(coordinator)
    assert client.post(adjust, {"entry": entries["丁"].pk, "action": "add", "reason": "x"}).status_code == 404
    assert not Entry.objects.filter(pk=entries["丁"].pk, round_entries__round=province_round).exists()


def test_the_sweep_rebuilds_the_open_rounds_only(province_competition, county, task):
    from competitions.tasks import refresh_open_rounds

    open_round = make_round(province_competition, county=county, item_set=task)
    old = make_round(
        province_competition, county=factories.CountyFactory(code="330127"), opens=-50, closes=-48
    )
    learner, entry = enter(province_competition, county, "选手")
    label(open_round, learner, percent=77, seconds=90)
    assert refresh_open_rounds() == 1  # tasks run in-process in the tests
    assert RoundResult.objects.get(round=open_round, view="live", entry=entry).practical_percent == 77
    old.refresh_from_db()
    assert old.results_version == 0


# --- appeals -------------------------------------------------------------------------------------------


def test_an_upheld_appeal_changes_the_rank_and_the_advancement(client, tiers, coordinator):
    county_round, province_round, entries = tiers
    round_results_rebuild(round=county_round)
    client.force_login(coordinator)
    client.post(reverse("competitions:round_advance", args=[county_round.pk]))
    assert province_entries(province_round) == {entries["乙"].pk, entries["丙"].pk}

    appellant = entries["丁"].captain
    client.force_login(appellant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    mine = client.get(reverse("competitions:mine")).content.decode()
    assert f'action="{reverse("competitions:appeal", args=[county_round.pk])}"' in mine
    response = client.post(
        reverse("competitions:appeal", args=[county_round.pk]),
        {"score": "practical", "reason": "第 7 题的金标准标错了"},
        follow=True,
    )
    assert "Your appeal is filed." in str(next(iter(response.context["messages"])))
    appeal = Appeal.objects.get()
    assert (appeal.entry, appeal.previous_percent, appeal.status) == (entries["丁"], 60.0, "open")
    again = client.post(
        reverse("competitions:appeal", args=[county_round.pk]),
        {"score": "practical", "reason": "再次"},
        follow=True,
    )
    assert "This score is already under appeal." in [str(m) for m in again.context["messages"]]

    client.force_login(coordinator)
    resolve = reverse("competitions:appeal_resolve", args=[appeal.pk])
    client.post(resolve, {"decision": "uphold", "resolution": "金标准有误，已重新评分"})  # no score: refused
    assert Appeal.objects.get().status == "open"
    client.post(
        resolve, {"decision": "uphold", "corrected_percent": "95", "resolution": "金标准有误，已重新评分"}
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.corrected_percent, appeal.resolved_by) == ("upheld", 95.0, coordinator)
    live = dict(RoundResult.objects.filter(round=county_round, view="live").values_list("entry_id", "rank"))
    assert live[entries["丁"].pk] == 1 and live[entries["丙"].pk] == 3
    assert province_entries(province_round) == {entries["乙"].pk, entries["丁"].pk}
    assert (
        board_order(client.get(reverse("competitions:scoreboard", args=[county_round.pk])))[0]
        == entries["丁"].pk
    )
    # A rebuild keeps the correction.
    round_results_rebuild(round=county_round)
    assert (
        RoundResult.objects.get(round=county_round, view="live", entry=entries["丁"]).practical_percent
        == 95.0
    )
    assert client.post(resolve, {"decision": "reject", "resolution": "x"}).status_code == 302
    assert Appeal.objects.get().status == "upheld"  # decided once


def test_appeals_are_refused_outside_their_window_and_from_outsiders(client, tiers, county):
    county_round, _province_round, entries = tiers
    url = reverse("competitions:appeal", args=[county_round.pk])
    outsider = learner_in(county, name="旁观者")
    client.force_login(outsider)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(url, {"score": "theory", "reason": "不服"}, follow=True)
    assert "You are not an entrant of this round." in [str(m) for m in response.context["messages"]]
    Round.objects.filter(pk=county_round.pk).update(
        opens_at=timezone.now() - timedelta(hours=52), closes_at=timezone.now() - timedelta(hours=49)
    )
    client.force_login(entries["甲"].captain)
    response = client.post(url, {"score": "theory", "reason": "不服"}, follow=True)
    assert "Appeals are accepted only in the 48 hours after the round ends." in [
        str(m) for m in response.context["messages"]
    ]
    assert not Appeal.objects.exists()


def test_a_rejected_appeal_changes_nothing(client, tiers, staff):
    county_round, _province_round, entries = tiers
    round_results_rebuild(round=county_round)
    before = list(RoundResult.objects.filter(round=county_round).values_list("entry_id", "view", "rank"))
    client.force_login(entries["甲"].captain)
    client.post(
        reverse("competitions:appeal", args=[county_round.pk]), {"score": "practical", "reason": "不服"}
    )
    client.force_login(staff)
    appeal = Appeal.objects.get()
    client.post(
        reverse("competitions:appeal_resolve", args=[appeal.pk]),
        {"decision": "reject", "resolution": "复核无误"},
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.resolution) == ("rejected", "复核无误")
    after = list(RoundResult.objects.filter(round=county_round).values_list("entry_id", "view", "rank"))
    assert sorted(before) == sorted(after)
