"""A coordinator's round takes over only a paper or task no one else uses yet; staff choose any."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, Round, Tier
from exams.models import Exam, ExamAttempt
from practice.models import Assignment, ItemSet, Run, Submission
from tests import factories

from .conftest import enrol, learner_in, make_round

CRITERIA = [{"title": "卖点", "levels": ["无", "部分", "完整"]}]


def moment(hours: int) -> str:
    return timezone.localtime(timezone.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def round_data(**fields):
    return {
        "tier": "county",
        "county": "330122",
        "opens_at": moment(72),
        "closes_at": moment(74),
        "freeze_minutes": 0,
        "rule": "practical_first",
        **fields,
    }


@pytest.fixture
def county_competition(course, county):
    now = timezone.now()
    return Competition.objects.create(
        title="桐庐县数据标注技能赛",
        track=course.track,
        county=county,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=5),
    )


@pytest.fixture
def other_course(course):
    """Another course of the competition's track, taught to other counties' classes."""
    return factories.CourseFactory(title="国家课程", track=course.track)


@pytest.fixture
def sat_exam(other_course, other_county):
    """A midterm of the other course that a learner elsewhere has already sat."""
    opens, closes = timezone.now() - timedelta(days=3), timezone.now() + timedelta(days=30)
    exam = Exam.objects.create(
        title="期中测验", course=other_course, status=Exam.Status.PUBLISHED, opens_at=opens, closes_at=closes
    )
    learner = learner_in(other_county, name="王小二")
    ExamAttempt.objects.create(
        exam=exam,
        enrollment=enrol(learner, other_course),
        number=1,
        started_at=timezone.now() - timedelta(hours=2),
        submitted_at=timezone.now() - timedelta(hours=1),
        score=80,
        max_score=100,
    )
    return exam


@pytest.fixture
def fresh_exam(other_course):
    return Exam.objects.create(title="新赛卷", course=other_course, status=Exam.Status.PUBLISHED)


@pytest.fixture
def started_task(other_course, other_county):
    """A labelling task on no lesson that a learner elsewhere has practised."""
    item_set = ItemSet.objects.create(course=other_course, title="练习题", task="image_class", published=True)
    Run.objects.create(enrollment=enrol(learner_in(other_county), other_course), item_set=item_set)
    return item_set


@pytest.fixture
def handed_in_assignment(other_course, other_county):
    assignment = Assignment.objects.create(
        course=other_course, title="商品详情", brief="写", criteria=CRITERIA, published=True
    )
    Submission.objects.create(
        assignment=assignment,
        enrollment=enrol(learner_in(other_county), other_course),
        text="作业",
        submitted_at=timezone.now(),
    )
    return assignment


@pytest.fixture
def province_round(course, county):
    """A province round of another competition, with its own paper and task."""
    now = timezone.now()
    competition = Competition.objects.create(
        title="浙江省技能大赛",
        track=course.track,
        province=county.province,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=5),
    )
    return make_round(
        competition,
        tier=Tier.PROVINCE,
        province=county.province,
        exam=Exam.objects.create(title="省赛卷", course=course, status=Exam.Status.PUBLISHED),
        item_set=ItemSet.objects.create(course=course, title="省赛题", task="image_class", published=True),
    )


def choices(response, name: str) -> set:
    return set(response.context["form"].fields[name].queryset)


def test_a_coordinator_is_offered_only_unused_papers_and_tasks(
    client,
    coordinator,
    county_competition,
    sat_exam,
    fresh_exam,
    started_task,
    handed_in_assignment,
    province_round,
):
    client.force_login(coordinator)
    page = client.get(reverse("competitions:round_create", args=[county_competition.pk]))
    assert choices(page, "exam") == {fresh_exam}
    assert sat_exam not in choices(page, "exam") and province_round.exam not in choices(page, "exam")
    assert started_task not in choices(page, "item_set")
    assert province_round.item_set not in choices(page, "item_set")
    assert handed_in_assignment not in choices(page, "assignment")
    assert "您只能选择没有其他轮次使用、也还没有人考过或排定时间的试卷" in page.content.decode()  # the rule


def test_a_forged_choice_is_refused_and_leaves_the_paper_alone(
    client, coordinator, county_competition, sat_exam, started_task, handed_in_assignment
):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    window = (sat_exam.opens_at, sat_exam.closes_at)
    url = reverse("competitions:round_create", args=[county_competition.pk])
    response = client.post(
        url,
        round_data(exam=sat_exam.pk, item_set=started_task.pk, assignment=handed_in_assignment.pk),
    )
    assert response.status_code == 200 and not Round.objects.exists()
    errors = response.context["form"].errors
    assert {"exam", "item_set", "assignment"} <= set(errors)
    assert "Select a valid choice." in response.content.decode()
    sat_exam.refresh_from_db()
    assert (sat_exam.opens_at, sat_exam.closes_at) == window


def test_a_coordinator_cannot_take_another_rounds_paper(
    client, coordinator, county_competition, province_round
):
    client.force_login(coordinator)
    exam = province_round.exam
    response = client.post(
        reverse("competitions:round_create", args=[county_competition.pk]), round_data(exam=exam.pk)
    )
    assert response.status_code == 200 and "exam" in response.context["form"].errors
    assert Round.objects.filter(exam=exam).count() == 1


def test_a_coordinator_chooses_a_fresh_paper(client, coordinator, county_competition, fresh_exam):
    client.force_login(coordinator)
    response = client.post(
        reverse("competitions:round_create", args=[county_competition.pk]), round_data(exam=fresh_exam.pk)
    )
    round = Round.objects.get()
    assert response.url == reverse("competitions:manage_round", args=[round.pk])
    fresh_exam.refresh_from_db()
    assert (fresh_exam.opens_at, fresh_exam.closes_at) == (round.opens_at, round.closes_at)


def test_staff_still_choose_any_paper_and_task(
    client,
    staff,
    county_competition,
    sat_exam,
    fresh_exam,
    started_task,
    handed_in_assignment,
    province_round,
):
    client.force_login(staff)
    page = client.get(reverse("competitions:round_create", args=[county_competition.pk]))
    assert {sat_exam, fresh_exam} <= choices(page, "exam")
    assert province_round.exam not in choices(page, "exam")  # a paper sits for one round only
    assert {started_task, province_round.item_set} <= choices(page, "item_set")
    assert handed_in_assignment in choices(page, "assignment")


def test_editing_a_round_keeps_its_own_paper_and_task(
    client, coordinator, county, county_competition, course, fresh_exam
):
    item_set = ItemSet.objects.create(course=course, title="县赛题", task="image_class", published=True)
    round = make_round(
        county_competition, county=county, opens=24, closes=26, exam=fresh_exam, item_set=item_set
    )
    # Since it was created, the round's paper and task have been tried (by its own entrants).
    entrant = learner_in(county)
    ExamAttempt.objects.create(
        exam=fresh_exam, enrollment=enrol(entrant, fresh_exam.course), number=1, started_at=timezone.now()
    )
    Run.objects.create(enrollment=enrol(entrant, course), item_set=item_set)
    client.force_login(coordinator)
    url = reverse("competitions:round_edit", args=[round.pk])
    page = client.get(url)
    assert fresh_exam in choices(page, "exam") and item_set in choices(page, "item_set")
    response = client.post(
        url, round_data(opens_at=moment(48), closes_at=moment(50), exam=fresh_exam.pk, item_set=item_set.pk)
    )
    assert response.url == reverse("competitions:manage_round", args=[round.pk])
    round.refresh_from_db()
    fresh_exam.refresh_from_db()
    assert (round.exam, round.item_set) == (fresh_exam, item_set)
    assert fresh_exam.closes_at == round.closes_at


def test_a_coordinator_is_not_offered_a_paper_already_scheduled(
    client, coordinator, county_competition, other_course, other_county, fresh_exam
):
    """A paper with a window of its own, or one a class has been given, is in someone's plans:
    a county round cannot move it."""
    from exams.models import ExamWindow

    now = timezone.now()
    own_window = Exam.objects.create(
        title="期末考试",
        course=other_course,
        status=Exam.Status.PUBLISHED,
        opens_at=now + timedelta(days=10),
        closes_at=now + timedelta(days=11),
    )
    class_window = Exam.objects.create(title="单元测验", course=other_course, status=Exam.Status.PUBLISHED)
    cohort = factories.CohortFactory(course=other_course, county=other_county)
    ExamWindow.objects.create(
        exam=class_window, cohort=cohort, opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=4)
    )
    client.force_login(coordinator)
    page = client.get(reverse("competitions:round_create", args=[county_competition.pk]))
    assert choices(page, "exam") == {fresh_exam}
    response = client.post(
        reverse("competitions:round_create", args=[county_competition.pk]), round_data(exam=own_window.pk)
    )
    assert "exam" in response.context["form"].errors and not Round.objects.exists()
