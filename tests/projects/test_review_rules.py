"""The rules the review found broken: "handed over" stays true (the checklist cannot be reopened,
the only successor's erasure moves the project back to running); the "Handover at risk" badge
shows only while a gap remains; a stale indicator value is not on track; a project's owner is a
current officer of the county."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from privacy.services import user_delete_account
from projects import services
from projects.models import ChecklistItem, HandoverFlag, Project, ProjectUpdate, Successor
from projects.selectors import indicator_progress
from projects.tasks import flag_handover_risks
from tests import factories

from .conftest import add_indicator, appoint, days, make_project


@pytest.fixture(autouse=True)
def _english(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _handed_over(county, officer, learner) -> tuple[Project, ChecklistItem]:
    project = make_project(county, officer)
    services.successor_add(project=project, user=learner, role="店长")
    item = services.checklist_item_add(project=project, text="交接账号")
    services.checklist_item_mark(item=item, by=officer, done=True)
    services.project_edit(project=project, status=Project.Status.HANDED_OVER)
    return project, item


def test_a_handed_over_projects_checklist_cannot_be_reopened_or_extended(client, county, officer, learner):
    project, item = _handed_over(county, officer, learner)
    client.force_login(officer)

    reopened = client.post(reverse("projects:checklist_mark", args=[item.pk]), {"done": "0"}, follow=True)
    assert "set its status back to Running" in reopened.content.decode()
    added = client.post(
        reverse("projects:handover", args=[project.pk]), {"action": "item", "item-text": "新的"}
    )
    assert "set its status back to Running" in added.content.decode()

    project.refresh_from_db()
    assert project.status == Project.Status.HANDED_OVER
    assert list(ChecklistItem.objects.filter(project=project).values_list("text", "done_on")) == [
        ("交接账号", days(0))
    ]


def test_back_to_running_the_checklist_can_be_reopened_again(client, county, officer, learner):
    project, item = _handed_over(county, officer, learner)
    services.project_edit(project=project, status=Project.Status.RUNNING)
    client.force_login(officer)
    client.post(reverse("projects:checklist_mark", args=[item.pk]), {"done": "0"})
    item.refresh_from_db()
    assert item.done_on is None


def test_erasing_the_only_successor_moves_the_project_back_to_running(county, officer, learner):
    project, _item = _handed_over(county, officer, learner)
    learner_name = learner.name
    with transaction.atomic():
        user_delete_account(user=learner)
    project.refresh_from_db()
    assert project.status == Project.Status.RUNNING
    assert not Successor.objects.filter(project=project).exists()
    note = ProjectUpdate.objects.get(project=project)
    # Written in the programme's language (the page's reader may be anyone), naming no one.
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext(
            "The only local successor's account was deleted: the project is running again "
            "until a new successor is named."
        )
    assert (note.author, note.text) == (None, expected)
    assert learner_name and learner_name not in note.text


def test_erasing_one_of_two_successors_keeps_the_project_handed_over(county, officer, learner):
    project, _item = _handed_over(county, officer, learner)
    services.successor_add(
        project=project, user=factories.LearnerProfileFactory(county=county).user, role="会计"
    )
    with transaction.atomic():
        user_delete_account(user=learner)
    project.refresh_from_db()
    assert project.status == Project.Status.HANDED_OVER
    assert not ProjectUpdate.objects.filter(project=project).exists()


def test_a_handover_flag_survives_the_officers_account_deletion(county, sms_outbox):
    officer = factories.UserFactory()
    appoint(officer, county, end_days=10)
    project = make_project(county, officer)
    flag_handover_risks()
    with transaction.atomic():
        user_delete_account(user=officer)
    flag = HandoverFlag.objects.get()
    assert (flag.project, flag.appointment, flag.term_ends_on) == (project, None, days(10))


def test_the_badge_goes_once_the_gaps_are_closed(client, county, learner, sms_outbox):
    officer = factories.UserFactory()
    appoint(officer, county, end_days=10)
    project = make_project(county, officer)
    flag_handover_risks()
    client.force_login(officer)
    url = reverse("projects:county_projects", args=[county.code])
    assert 'data-flagged="1"' in client.get(url).content.decode()

    services.successor_add(project=project, user=learner, role="店长")
    item = services.checklist_item_add(project=project, text="交接账号")
    assert 'data-flagged="1"' in client.get(url).content.decode()  # the checklist is open
    services.checklist_item_mark(item=item, by=officer, done=True)

    assert HandoverFlag.objects.filter(project=project).exists()
    assert 'data-flagged="1"' not in client.get(url).content.decode()
    detail = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert "data-flag=" not in detail


def test_a_stale_value_is_not_on_track(county):
    project = make_project(county, start_date=days(-360), end_date=days(5))
    indicator = add_indicator(project, baseline=0, target=100, actuals=[(days(-360), days(-330), 10)])
    progress = indicator_progress(indicator, project)
    assert (progress.percent, progress.on_track) == (10, False)
    # At the time of the period it was: the rule reads the day it is asked about.
    assert indicator_progress(indicator, project, today=days(-330)).on_track is True


def test_progress_after_the_project_ended_is_judged_at_its_end(county):
    project = make_project(county, start_date=days(-200), end_date=days(-100))
    indicator = add_indicator(project, baseline=0, target=100, actuals=[(days(-150), days(-100), 100)])
    assert indicator_progress(indicator, project).on_track is True
    short = add_indicator(project, name="培训人数", target=100, actuals=[(days(-150), days(-100), 99)])
    assert indicator_progress(short, project).on_track is False


def _project_data(owner) -> dict:
    return {
        "title": "直播基地",
        "partner_name": "合作社",
        "partner_kind": "cooperative",
        "start_date": days(-1).isoformat(),
        "end_date": days(100).isoformat(),
        "status": "running",
        "owner": owner.pk,
    }


def test_a_former_officer_cannot_be_made_the_owner(client, county, officer):
    former = factories.UserFactory(name="前任技术官")
    appoint(former, county, start_days=-400, end_days=-200)
    client.force_login(officer)
    page = client.post(reverse("projects:project_create", args=[county.code]), _project_data(former))
    assert page.status_code == 200 and 'id="id_owner_errors"' in page.content.decode()
    assert not Project.objects.exists()
    form = client.get(reverse("projects:project_create", args=[county.code])).content.decode()
    assert f'value="{officer.pk}"' in form and f'value="{former.pk}"' not in form


def test_editing_keeps_a_former_owner_in_the_choices(client, county, officer):
    former = factories.UserFactory(name="前任技术官")
    appoint(former, county, start_days=-400, end_days=-200)
    project = make_project(county, former)
    client.force_login(officer)
    data = _project_data(former) | {"title": "直播基地二期"}
    response = client.post(reverse("projects:project_edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.owner) == ("直播基地二期", former)


def test_the_export_lists_the_handover_notices_sent_to_a_person(client, county, sms_outbox):
    officer = factories.UserFactory(email="off@example.com", remind_by_sms=False)
    appoint(officer, county, end_days=10)
    make_project(county, officer, title="直播基地")
    flag_handover_risks()
    client.force_login(officer)
    exported = json.loads(client.get(reverse("privacy:data_export")).content)["projects"]
    assert [(n["project"], n["channel"]) for n in exported["handover_notices"]] == [("直播基地", "email")]
