"""Projects hold personal data (PIPL): the owner officer, successors, who ticked a checklist
item, who wrote an update. The export shows them; deleting the account removes the person and
leaves the county's projects."""

from __future__ import annotations

import json

from django.urls import reverse

from projects.models import ChecklistItem, HandoverFlag, HandoverNotice, Project, ProjectUpdate, Successor
from projects.tasks import flag_handover_risks
from tests import factories

from .conftest import appoint, days, make_project

EXPORT = reverse("privacy:data_export")
DELETE = reverse("privacy:delete")


def test_an_officers_projects_are_exported_then_erased_and_the_project_stays(
    client, county, django_capture_on_commit_callbacks, sms_outbox
):
    officer = factories.UserFactory()
    appoint(officer, county, end_days=10)
    project = make_project(county, officer, title="直播基地")
    ChecklistItem.objects.create(project=project, text="交接账号", done_on=days(0), done_by=officer)
    ProjectUpdate.objects.create(project=project, author=officer, text="开播")
    flag_handover_risks()
    assert HandoverFlag.objects.exists()
    client.force_login(officer)

    exported = json.loads(client.get(EXPORT).content)["projects"]
    assert exported["owned_projects"] == [{"title": "直播基地", "county": "桐庐县", "status": "running"}]
    assert exported["checklist_items_done"][0]["item"] == "交接账号"
    assert exported["updates"][0]["text"] == "开播"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": factories.PASSWORD})

    project.refresh_from_db()
    assert project.owner is None
    assert ChecklistItem.objects.get().done_by is None
    assert ProjectUpdate.objects.get().author is None
    # The flag is the county's record of the project and outlives the officer's account.
    flag = HandoverFlag.objects.get()
    assert (flag.project, flag.appointment) == (project, None)
    assert not HandoverNotice.objects.filter(recipient=officer).exists()


def test_a_successor_is_exported_then_removed(client, county, learner, django_capture_on_commit_callbacks):
    project = make_project(county, title="数字记账")
    Successor.objects.create(project=project, user=learner, role="记账员")
    client.force_login(learner)
    exported = json.loads(client.get(EXPORT).content)["projects"]
    assert exported["successions"][0]["project"] == "数字记账"
    assert exported["successions"][0]["role"] == "记账员"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": factories.PASSWORD})
    assert not Successor.objects.exists()
    assert Project.objects.filter(pk=project.pk).exists()
