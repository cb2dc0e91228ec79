"""Competitions on a 360 px phone: a team registers and its captain invites a teammate who
accepts, the captain sits the round's theory paper and labelling task from the competition's
page, and the public scoreboard is frozen, then revealed; the scoreboard refreshes itself with
competitions-scoreboard.js (the entrant sees their live rank meanwhile) and is complete
without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, Entry, Round, RoundResult
from competitions.services import entry_register, round_results_rebuild, round_reveal
from exams.models import ExamAttempt
from practice.models import Item, ItemSet
from tests import factories
from tests.browser import conftest as browser
from tests.browser.conftest import PageGuard, signed_in_phone, snap
from tests.browser.test_exam_sitting import answer_page
from tests.competitions.conftest import enrol, label, learner_in, make_round
from tests.learn.test_exam_sitting import make_exam

pytestmark = pytest.mark.browser

# The browser fixtures live in tests/browser/conftest.py (Chromium itself in tests/conftest.py).
artifact_dir = browser.artifact_dir

WIDTH = 360


def visitor_phone(chromium, base: str, *, javascript: bool = True):
    context = chromium.new_context(
        viewport={"width": WIDTH, "height": 740}, locale="en-US", java_script_enabled=javascript
    )
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.guard = PageGuard(page, chinese=False)
    return context, page


def first_entry(page) -> int:
    return int(page.get_attribute("#board-rows tr", "data-entry"))


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.fixture
def contest(transactional_db):
    county = factories.CountyFactory(code="330122", name="桐庐县")
    course = factories.CourseFactory(title="AI 数据标注")
    now = timezone.now()
    competition = Competition.objects.create(
        title="浙江省数据标注技能大赛",
        track=course.track,
        province=county.province,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    task = ItemSet.objects.create(course=course, title="图像分类赛题", task="image_class", published=True)
    round = make_round(competition, county=county, item_set=task, closes=1, freeze_minutes=90)
    people = {}
    for name, percent, minutes_ago in (("陈思远", 80, 60), ("林晓雨", 95, 10)):
        learner = learner_in(county, name=name)
        entry = entry_register(competition=competition, learner=learner)
        label(round, learner, percent=percent, seconds=300, minutes_ago=minutes_ago)
        people[name] = (learner, entry)
    round_results_rebuild(round=round)
    return round, people, county


def test_the_scoreboard_freezes_reveals_and_refreshes_on_a_phone(
    _chromium,
    live_server,
    artifact_dir,
    contest,
):
    round, people, county = contest
    url = live_server.url + reverse("competitions:scoreboard", args=[round.pk])
    early, late = people["陈思远"][1], people["林晓雨"][1]

    context, page = visitor_phone(_chromium, live_server.url)
    page.clock.install()
    page.goto(url)
    assert page.get_attribute("#board-state", "data-frozen") == "1"
    assert first_entry(page) == early.pk  # the public sees the ranking as of the freeze
    assert "陈*远" in page.inner_text("#board") and "陈思远" not in page.inner_text("body")
    assert fits(page)
    snap(page, artifact_dir / "competitions-scoreboard-frozen-360.png")

    entrant, own = signed_in_phone(_chromium, live_server.url, people["林晓雨"][0])
    own.goto(url)
    assert own.get_attribute("#own-result", "data-own-rank") == "1"  # their live rank
    assert first_entry(own) == early.pk
    entrant.close()

    round_reveal(round=round, by=factories.StaffFactory())
    page.clock.run_for(21_000)  # the refresh finds the board revealed and reloads
    page.wait_for_selector('#board-state[data-frozen="0"]')
    assert first_entry(page) == late.pk

    newcomer = learner_in(county, name="周建华")
    newcomer_entry = entry_register(competition=round.competition, learner=newcomer)
    label(round, newcomer, percent=99, seconds=200, minutes_ago=5)
    round_results_rebuild(round=Round.objects.get(pk=round.pk))
    page.clock.install()
    page.clock.run_for(21_000)  # new results: the rows are redrawn in place
    page.wait_for_function(
        "pk => document.querySelector('#board-rows tr').dataset.entry === String(pk)", arg=newcomer_entry.pk
    )
    assert page.get_attribute("#board-rows tr td", "data-label") == "Rank"
    assert fits(page)
    snap(page, artifact_dir / "competitions-scoreboard-revealed-360.png")
    context.close()

    context, page = visitor_phone(_chromium, live_server.url, javascript=False)
    page.goto(url)
    assert first_entry(page) == newcomer_entry.pk and fits(page)
    context.close()


def test_a_team_registers_sits_the_round_and_sees_the_frozen_then_revealed_board(
    _chromium,
    live_server,
    artifact_dir,
    transactional_db,
):
    county = factories.CountyFactory(code="330122", name="桐庐县")
    exam = make_exam(time_limit_minutes=30)  # four questions, one page
    task = ItemSet.objects.create(
        course=exam.course, title="评论分类", task="text_class", labels=["好评", "差评"], published=True
    )
    for order, (text, gold) in enumerate((("物流很快，茶很香", "好评"), ("包装破损", "差评")), start=1):
        Item.objects.create(item_set=task, order=order, text=text, gold={"labels": [gold]})
    now = timezone.now()
    competition = Competition.objects.create(
        title="浙江省数据标注团体赛",
        track=exam.course.track,
        kind=Competition.Kind.TEAM,
        team_min=2,
        team_max=3,
        province=county.province,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    # In its last half hour, frozen for the last hour: the public board is frozen all along.
    round = make_round(
        competition, county=county, exam=exam, item_set=task, opens=-1, closes=0.5, freeze_minutes=60
    )
    captain = learner_in(county, name="张小明", user__mobile="13800138001")
    mate = learner_in(county, name="李小红", user__mobile="13800138002")
    for learner in (captain, mate):
        enrol(learner, exam.course)
    base = live_server.url
    detail = base + reverse("competitions:detail", args=[competition.pk])
    board = base + reverse("competitions:scoreboard", args=[round.pk])

    context, page = signed_in_phone(_chromium, base, captain)
    page.goto(detail)
    page.fill("#id_team_name", "桐庐一队")
    page.get_by_role("button", name="Register a team").click()
    page.wait_for_selector("#entered")
    page.fill("#id_who", "13800138002")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_selector("#members .badge")
    assert fits(page)
    snap(page, artifact_dir / "competitions-team-360.png")
    context.close()

    context, page = signed_in_phone(_chromium, base, mate)
    page.goto(base + reverse("competitions:mine"))
    page.get_by_role("button", name="Accept").click()
    page.wait_for_selector("[data-entry]")
    context.close()
    entry = Entry.objects.get()
    assert entry.members.filter(accepted_at__isnull=False).count() == 2

    # The captain sits the theory paper and does the labelling task from the competition's page.
    context, page = signed_in_phone(_chromium, base, captain, javascript=False)
    page.goto(detail)
    page.click(f"#rounds a[href$='/learn/exams/{exam.pk}/']")
    page.locator("#exam-start").click()
    attempt = ExamAttempt.objects.get(exam=exam)
    page.wait_for_url(f"**/learn/attempts/{attempt.pk}/")
    answer_page(page, attempt)
    page.locator("#go-review").click()
    page.locator("#submit-attempt").click()
    page.wait_for_url(f"**/learn/attempts/{attempt.pk}/result/")
    page.goto(detail)
    page.click(f"#rounds a[href$='/practice/sets/{task.pk}/']")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/practice/runs/*/")
    for item in task.items.order_by("order"):
        page.check(f"input[name=i{item.pk}][value={item.gold['labels'][0]}]")
    page.get_by_role("button", name="Hand in and see my score").click()
    page.wait_for_url("**/result/")
    context.close()
    round_results_rebuild(round=round)  # the sweep's work, done at once here

    context, page = visitor_phone(_chromium, base)
    page.goto(board)
    assert page.get_attribute("#board-state", "data-frozen") == "1"
    assert page.inner_text("#board-rows tr td:first-child") == "–"  # nothing before the freeze
    snap(page, artifact_dir / "competitions-journey-frozen-360.png")
    round_reveal(round=round, by=factories.StaffFactory())
    page.goto(board)
    assert page.get_attribute("#board-state", "data-frozen") == "0"
    assert page.inner_text("#board-rows tr td:first-child") == "1"
    assert "桐庐一队" in page.inner_text("#board-rows") and fits(page)
    snap(page, artifact_dir / "competitions-journey-revealed-360.png")
    context.close()
    result = RoundResult.objects.get(round=round, view="live", entry=entry)
    # Two members, one of whom sat and labelled: the team's mean.
    assert (result.practical_percent, result.rank) == (50.0, 1)
