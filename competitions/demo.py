"""Demo competitions for ``manage.py seed_demo``: the provincial AI data labelling contest of
浙江省, whose 桐庐县 round ended yesterday with six entrants' labelling runs, results computed,
its top three advanced to the province round next week and given their prizes; and a 桐庐县 e-commerce team
contest open for registration. Idempotent: a second run finds what the first one made."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from counties.models import County, LearnerProfile
from courses.models import Course
from enrollment.models import Enrollment
from practice.imports import ParsedItem
from practice.models import ItemSet, Run
from practice.services import item_set_save, items_add

from .models import Competition, Entry, EntryMember, Round, RoundEntry, Tier
from .services import awards_grant, round_advance, round_results_rebuild

LABELLING = "ai-data-labelling-basics"
ECOMMERCE = "rural-ecommerce-operations"
CONTEST = "浙江省 AI 数据标注技能大赛"
TEAM_CONTEST = "桐庐县农村电商团队技能赛"

# name, accuracy (%), minutes taken
ENTRANTS = [
    ("陈思远", 96, 14),
    ("林晓雨", 96, 11),
    ("周建华", 92, 9),
    ("吴婷婷", 88, 12),
    ("郑浩然", 84, 16),
    ("孙佳怡", 79, 10),
]


@transaction.atomic
def seed_demo_competitions(*, password: str, stdout: TextIO | None = None) -> Competition | None:
    """Create the demo competitions if missing; None when the demo courses or 桐庐县 are absent."""
    tonglu = County.objects.filter(code="330122").first()
    labelling = Course.objects.filter(slug=LABELLING).first()
    if tonglu is None or labelling is None:
        return None
    item_set = _competition_task(labelling)
    now = timezone.now()
    _team_contest(tonglu, now)
    existing = Competition.objects.filter(title=CONTEST).first()
    if existing is not None:
        return existing
    contest = Competition.objects.create(
        title=CONTEST,
        description="县赛选拔，省赛决赛：实操准确率优先，其次用时，理论成绩作为并列时的依据。",
        track=labelling.track,
        province=tonglu.province,
        registration_opens_at=now - timedelta(days=20),
        registration_closes_at=now - timedelta(days=3),
    )
    province_round = Round.objects.create(
        competition=contest,
        tier=Tier.PROVINCE,
        province=tonglu.province,
        opens_at=now + timedelta(days=7),
        closes_at=now + timedelta(days=7, hours=3),
        freeze_minutes=30,
        item_set=item_set,
    )
    county_round = Round.objects.create(
        competition=contest,
        tier=Tier.COUNTY,
        county=tonglu,
        opens_at=now - timedelta(days=1, hours=3),
        closes_at=now - timedelta(days=1),
        freeze_minutes=30,
        item_set=item_set,
        advance_to=province_round,
        advance_top_n=3,
        prize_first_to=1,
        prize_second_to=2,
        prize_third_to=3,
    )
    for number, (name, accuracy, minutes) in enumerate(ENTRANTS, start=1):
        email = f"contestant{number}@example.com"
        learner = User.objects.filter(email=email).first()
        if learner is None:
            learner = User.objects.create_user(email=email, password=password, name=name)
        LearnerProfile.objects.get_or_create(user=learner, defaults={"county": tonglu})
        entry = Entry.objects.create(competition=contest, captain=learner, county=tonglu)
        EntryMember.objects.create(
            entry=entry, competition=contest, learner=learner, accepted_at=contest.created_at
        )
        RoundEntry.objects.create(round=county_round, entry=entry)
        enrollment, _created = Enrollment.objects.get_or_create(
            learner=learner, course=labelling, defaults={"county": tonglu}
        )
        started = county_round.opens_at + timedelta(minutes=20 + number)
        run = Run.objects.create(enrollment=enrollment, item_set=item_set, score=accuracy, passed=True)
        Run.objects.filter(pk=run.pk).update(
            started_at=started, submitted_at=started + timedelta(minutes=minutes)
        )
    round_results_rebuild(round=county_round)
    advanced = round_advance(round=county_round)
    awards_grant(round=county_round)
    if stdout is not None:
        stdout.write(f"Competition: {CONTEST} ({len(ENTRANTS)} entrants in 桐庐县, {advanced} advanced)")
    return contest


COMPETITION_TASK = "赛题：评论情感"
TASK_REVIEWS = [
    ("物流很快，包装完好", "正面"),
    ("质量一般，和图片有差距", "负面"),
    ("还可以，没有惊喜", "中性"),
    ("客服态度很好，推荐购买", "正面"),
    ("收到就坏了，很失望", "负面"),
    ("价格实惠，下次还来", "正面"),
]


def _competition_task(labelling: Course) -> ItemSet:
    """The rounds' own labelling task, in no lesson: a round's task is closed outside its
    round (``competitions.gates``), so it is never one of the course's lesson exercises."""
    found = ItemSet.objects.filter(course=labelling, title=COMPETITION_TASK).first()
    if found is not None:
        return found
    item_set = item_set_save(
        item_set=ItemSet(
            course=labelling,
            title=COMPETITION_TASK,
            instructions="把每条评论标为正面、负面或中性：准确率优先，其次用时。",
            task=ItemSet.Task.TEXT_CLASS,
            labels=["正面", "负面", "中性"],
            min_score=60,
            published=False,
        )
    )
    items_add(
        item_set=item_set,
        items=[ParsedItem(source=text, text=text, gold={"labels": [label]}) for text, label in TASK_REVIEWS],
    )
    item_set.published = True  # once it has its gold items
    return item_set_save(item_set=item_set)


def _team_contest(tonglu: County, now) -> None:
    ecommerce = Course.objects.filter(slug=ECOMMERCE).first()
    if ecommerce is None or Competition.objects.filter(title=TEAM_CONTEST).exists():
        return
    contest = Competition.objects.create(
        title=TEAM_CONTEST,
        description="三人一队：直播带货与网店运营实操。",
        track=ecommerce.track,
        kind=Competition.Kind.TEAM,
        team_min=2,
        team_max=3,
        county=tonglu,
        registration_opens_at=now - timedelta(days=2),
        registration_closes_at=now + timedelta(days=14),
    )
    Round.objects.create(
        competition=contest,
        tier=Tier.COUNTY,
        county=tonglu,
        opens_at=now + timedelta(days=21),
        closes_at=now + timedelta(days=21, hours=2),
        rule=Round.Rule.THEORY_FIRST,
    )
