"""Handover: local successors (learners or coordinators of the county) and the checklist; a
project is handed over only with both; the daily task flags, as an officer's term nears its end,
each project (but handed-over and ended ones) whose handover is not ready, and notifies the
officer, the county's coordinators and the programme's addresses, each message at most once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from officers.services import appointments_end
from projects.models import ChecklistItem, HandoverFlag, Project, Successor
from projects.tasks import flag_handover_risks
from tests import factories

from .conftest import appoint, days, make_project


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _edit(client, project, status):
    return client.post(
        reverse("projects:project_edit", args=[project.pk]),
        {
            "title": project.title,
            "partner_name": project.partner_name,
            "partner_kind": project.partner_kind,
            "start_date": project.start_date.isoformat(),
            "end_date": project.end_date.isoformat(),
            "status": status,
            "owner": project.owner_id or "",
        },
    )


def _add_successor(client, project, contact, role="店长"):
    return client.post(
        reverse("projects:handover", args=[project.pk]),
        {"action": "successor", "successor-contact": contact, "successor-role": role},
    )


def test_a_learner_or_coordinator_of_the_county_becomes_a_successor(
    client, project, officer, learner, coordinator
):
    client.force_login(officer)
    assert _add_successor(client, project, learner.email).status_code == 302
    assert _add_successor(client, project, coordinator.email.upper(), role="督导").status_code == 302
    successors = dict(Successor.objects.filter(project=project).values_list("user_id", "role"))
    assert successors == {learner.pk: "店长", coordinator.pk: "督导"}
    page = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert f'data-successor="{learner.pk}"' in page


def test_someone_from_another_county_cannot_be_a_successor(client, project, officer, other_county):
    stranger = factories.LearnerProfileFactory(county=other_county).user
    client.force_login(officer)
    page = _add_successor(client, project, stranger.email)
    assert page.status_code == 200
    assert (
        "No learner or coordinator of this county has this email address or mobile number."
        in page.content.decode()
    )
    assert not Successor.objects.exists()


def test_the_checklist_is_added_and_ticked_by_whom_and_when(client, project, officer):
    client.force_login(officer)
    client.post(
        reverse("projects:handover", args=[project.pk]), {"action": "item", "item-text": "交接网店账号"}
    )
    item = ChecklistItem.objects.get(project=project)
    client.post(reverse("projects:checklist_mark", args=[item.pk]), {"done": "1"})
    item.refresh_from_db()
    assert (item.done_on, item.done_by) == (days(0), officer)
    client.post(reverse("projects:checklist_mark", args=[item.pk]), {"done": "0"})
    item.refresh_from_db()
    assert (item.done_on, item.done_by) == (None, None)


def test_handing_over_needs_a_successor_and_a_closed_checklist(client, project, officer, learner):
    client.force_login(officer)
    page = _edit(client, project, "handed_over").content.decode()
    assert "Name at least one local successor before handing the project over." in page
    assert "Add the handover checklist before handing the project over." in page
    project.refresh_from_db()
    assert project.status == Project.Status.RUNNING

    _add_successor(client, project, learner.email)
    client.post(
        reverse("projects:handover", args=[project.pk]), {"action": "item", "item-text": "交接网店账号"}
    )
    page = _edit(client, project, "handed_over").content.decode()
    assert "Close every item of the handover checklist before handing the project over." in page
    assert "Name at least one local successor" not in page

    item = ChecklistItem.objects.get(project=project)
    client.post(reverse("projects:checklist_mark", args=[item.pk]), {"done": "1"})
    assert _edit(client, project, "handed_over").status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.HANDED_OVER

    # The last successor of a handed-over project stays.
    successor = Successor.objects.get(project=project)
    client.post(reverse("projects:successor_remove", args=[successor.pk]))
    assert Successor.objects.filter(pk=successor.pk).exists()


def test_a_project_cannot_be_created_handed_over(client, county, officer):
    client.force_login(officer)
    page = client.post(
        reverse("projects:project_create", args=[county.code]),
        {
            "title": "数字记账",
            "partner_name": "环溪村",
            "partner_kind": "village",
            "start_date": "2026-03-01",
            "end_date": "2026-12-31",
            "status": "handed_over",
        },
    )
    assert "Name at least one local successor" in page.content.decode()
    assert not Project.objects.exists()


# --- the beat task -------------------------------------------------------------------------------


@pytest.fixture
def ending(county, coordinator, staff, sms_outbox):
    """An officer whose term ends in 20 days, with one project at risk, one ready, one ended."""
    officer = factories.UserFactory(name="王技术官", mobile="13900139000")
    coordinator.mobile = "13800138000"
    coordinator.save(update_fields=["mobile"])
    appointment = appoint(officer, county, end_days=20)
    at_risk = make_project(county, officer, title="无人接手的项目")
    ready = make_project(county, officer, title="准备好的项目")
    Successor.objects.create(
        project=ready, user=factories.LearnerProfileFactory(county=county).user, role="店长"
    )
    ChecklistItem.objects.create(project=ready, text="交接账号", done_on=days(0))
    make_project(county, officer, title="已结束", status=Project.Status.ENDED)
    return {"officer": officer, "appointment": appointment, "at_risk": at_risk, "ready": ready}


def test_the_task_flags_and_notifies_once_however_often_it_runs(
    ending, county, coordinator, staff, sms_outbox
):
    first = flag_handover_risks.delay().get()
    assert first == {"flagged": 1, "notified": 1, "sent": 4, "failed": 0}
    flag = HandoverFlag.objects.get()
    assert (flag.project, flag.appointment, flag.without_successor, flag.open_items) == (
        ending["at_risk"],
        ending["appointment"],
        True,
        0,
    )
    assert flag.notified_at is not None
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([ending["officer"].email, coordinator.email])  # staff: see below
    assert "无人接手的项目" in mail.outbox[0].subject
    assert sorted(message.to for message in sms_outbox) == ["13800138000", "13900139000"]

    second = flag_handover_risks.delay().get()
    assert second == {"flagged": 0, "notified": 0, "sent": 0, "failed": 0}
    assert HandoverFlag.objects.count() == 1
    assert len(mail.outbox) == 2 and len(sms_outbox) == 2


def test_the_notice_is_in_each_persons_language_and_honours_opt_outs(ending, coordinator, staff, sms_outbox):
    coordinator.preferred_language = "en"
    coordinator.remind_by_sms = False
    coordinator.save(update_fields=["preferred_language", "remind_by_sms"])
    with translation.override("zh-hans"):
        flag_handover_risks()
    english = next(message for message in mail.outbox if message.to == [coordinator.email])
    assert english.subject.startswith("Handover at risk")
    assert "no local successor is named yet" in english.body
    assert [message.to for message in sms_outbox] == ["13900139000"]


def test_no_flag_while_the_term_is_far_from_its_end_or_the_project_is_ready(
    county, officer, learner, sms_outbox
):
    make_project(county, officer)  # the officer's term ends in 150 days
    assert flag_handover_risks() == {"flagged": 0, "notified": 0, "sent": 0, "failed": 0}
    assert not HandoverFlag.objects.exists() and not mail.outbox


def test_a_term_ended_early_by_staff_counts_from_that_day(county, sms_outbox):
    officer = factories.UserFactory()
    appointment = appoint(officer, county, end_days=300)
    appointments_end(appointments=[appointment], on=days(10))
    make_project(county, officer)
    assert flag_handover_risks()["flagged"] == 1
    assert HandoverFlag.objects.get().term_ends_on == days(9)


def test_an_open_checklist_is_flagged_with_its_open_items(county, learner, sms_outbox):
    officer = factories.UserFactory()
    appoint(officer, county, end_days=5)
    project = make_project(county, officer)
    Successor.objects.create(project=project, user=learner, role="店长")
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(project=project, text="账号"), ChecklistItem(project=project, text="培训")]
    )
    flag_handover_risks()
    flag = HandoverFlag.objects.get()
    assert (flag.without_successor, flag.open_items) == (False, 2)


def test_the_flag_shows_on_the_project_page_and_the_list(client, ending, county):
    flag_handover_risks()
    client.force_login(ending["officer"])
    detail = client.get(reverse("projects:project_detail", args=[ending["at_risk"].pk])).content.decode()
    flag = HandoverFlag.objects.get()
    assert f'data-flag="{flag.pk}"' in detail and "Handover at risk" in detail
    listing = client.get(reverse("projects:county_projects", args=[county.code])).content.decode()
    at_risk = listing.split(f'data-project="{ending["at_risk"].pk}"')[1].split("</section>")[0]
    ready = listing.split(f'data-project="{ending["ready"].pk}"')[1].split("</section>")[0]
    assert 'data-flagged="1"' in at_risk and 'data-flagged="1"' not in ready
