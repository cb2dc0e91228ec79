"""The employer's pipeline: applied → viewed → interview → offer → hired / not selected, a note
at each step, the learner told by email and SMS; "hired" records the placement."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from counties.models import PlacementOutcome
from jobs.models import ApplicationEvent, JobApplication
from jobs.services import application_event_notify, next_statuses
from jobs.tasks import sweep_application_events
from talentportal import sms
from tests import factories
from tests.jobs.conftest import apply, complete, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def application(learner, employer, course):
    learner.mobile = "13912345678"
    learner.save()
    cohort = factories.CohortFactory(county=learner.learner_profile.county, course=course)
    complete(learner, course, percent=80, cohort=cohort)
    return apply(make_post(employer, courses=[course], title="网店客服"), learner)


def move(client, application, to, note=""):
    return client.post(reverse("jobs:application_move", args=[application.pk]), {"to": to, "note": note})


def test_the_pipeline_with_notes_and_the_learner_told(
    client, application, employer_user, learner, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(employer_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("jobs:application_detail", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == JobApplication.Status.VIEWED
    for status, note in (("interview", "周三上午 10 点面试"), ("offer", "月薪 4000")):
        with django_capture_on_commit_callbacks(execute=True):
            assert move(client, application, status, note).status_code == 302
        application.refresh_from_db()
        assert application.status == status
    events = list(ApplicationEvent.objects.filter(application=application).values_list("status", "note"))
    assert events == [
        ("applied", ""),
        ("viewed", ""),
        ("interview", "周三上午 10 点面试"),
        ("offer", "月薪 4000"),
    ]
    assert len(mailoutbox) == 3 and len(sms.outbox) == 3
    assert "周三上午 10 点面试" in mailoutbox[1].body
    assert all(message.to == "13912345678" for message in sms.outbox)
    assert not ApplicationEvent.objects.filter(notified_at__isnull=True).exists()

    client.force_login(learner)
    mine = client.get(reverse("jobs:my_applications")).content.decode()
    assert 'data-status="offer"' in mine


def test_a_final_step_cannot_move_and_no_step_goes_back(client, application, employer_user):
    client.force_login(employer_user)
    move(client, application, "offer")
    move(client, application, "interview")
    application.refresh_from_db()
    assert application.status == JobApplication.Status.OFFER
    move(client, application, "not_selected", "名额已满")
    move(client, application, "hired")
    application.refresh_from_db()
    assert application.status == JobApplication.Status.NOT_SELECTED
    assert next_statuses(JobApplication.Status.NOT_SELECTED) == []
    assert next_statuses(JobApplication.Status.APPLIED) == ["interview", "offer", "hired", "not_selected"]


def test_hired_records_the_placement_confirmed_by_the_employer(
    client, application, employer, employer_user, learner, course
):
    client.force_login(employer_user)
    move(client, application, "offer")
    move(client, application, "hired", "下周一入职")
    placement = PlacementOutcome.objects.get(learner=learner)
    assert placement.source == PlacementOutcome.Source.EMPLOYER
    assert placement.outcome == PlacementOutcome.Outcome.EMPLOYED
    assert (placement.employer, placement.role, placement.course) == (employer.name, "网店客服", course)
    assert placement.county == learner.learner_profile.county
    assert placement.wage_band == PlacementOutcome.WageBand.FROM_2000  # ¥3,000 a month at least
    assert placement.outcome_date == timezone.localdate()


def test_hired_confirms_a_coordinators_entry(
    client, application, employer_user, learner, course, coordinator
):
    enrollment = learner.enrollments.get(course=course)
    PlacementOutcome.objects.create(
        learner=learner,
        course=course,
        cohort=enrollment.cohort,
        county=enrollment.cohort.county,
        outcome=PlacementOutcome.Outcome.SEEKING,
        outcome_date=timezone.localdate(),
        recorded_by=coordinator,
    )
    client.force_login(employer_user)
    move(client, application, "hired")
    placement = PlacementOutcome.objects.get(learner=learner)
    assert (placement.outcome, placement.source) == (
        PlacementOutcome.Outcome.EMPLOYED,
        PlacementOutcome.Source.EMPLOYER,
    )


def test_hiring_a_self_paced_learner_without_a_course_uses_their_county(
    client, employer, employer_user, county
):
    learner = factories.LearnerProfileFactory(county=county).user
    application = apply(make_post(employer), learner)
    client.force_login(employer_user)
    move(client, application, "hired")
    placement = PlacementOutcome.objects.get(learner=learner)
    assert (placement.course, placement.cohort, placement.county) == (None, None, county)


def test_notification_is_sent_once_and_respects_opt_outs(application, employer_user, learner, mailoutbox):
    learner.remind_by_sms = False
    learner.save()
    event = ApplicationEvent.objects.create(application=application, status="interview", actor=employer_user)
    assert application_event_notify(event_id=event.pk) is True
    assert application_event_notify(event_id=event.pk) is False
    assert len(mailoutbox) == 1 and sms.outbox == []


def test_the_sweep_sends_what_was_lost(application, employer_user, mailoutbox):
    event = ApplicationEvent.objects.create(
        application=application,
        status="offer",
        actor=employer_user,
        at=timezone.now() - datetime.timedelta(minutes=10),
    )
    assert sweep_application_events() == 1
    event.refresh_from_db()
    assert event.notified_at is not None and len(mailoutbox) == 1
    assert sweep_application_events() == 0


class FailingSmsBackend(sms.BaseSmsBackend):
    def send_messages(self, messages):
        raise sms.SmsError("provider down")


def test_a_failed_send_stays_untold_for_the_sweep(application, employer_user, settings):
    settings.SMS_BACKEND = "tests.jobs.test_pipeline.FailingSmsBackend"
    event = ApplicationEvent.objects.create(application=application, status="offer", actor=employer_user)
    with pytest.raises(sms.SmsError):
        application_event_notify(event_id=event.pk)
    event.refresh_from_db()
    assert event.notified_at is None
