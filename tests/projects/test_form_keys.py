"""A double click creates one row: every form that adds something carries a hidden key, new for
each render; a second POST with the same key creates nothing and lands where the first did."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import ChecklistItem, Indicator, IndicatorPeriod, Milestone, Project, ProjectUpdate

from .conftest import add_indicator, days, picture


def _key(page: str, prefix: str = "") -> str:
    match = re.search(rf'name="{prefix}client_key" value="([0-9a-f-]{{36}})"', page)
    assert match, "the form carries its key"
    return match.group(1)


def _twice(client, url, data, *, files=None):
    """POST the same render twice (a double click) and return both responses."""
    responses = []
    for _ in range(2):
        payload = dict(data)
        if files:
            payload.update({name: SimpleUploadedFile(*args) for name, args in files.items()})
        responses.append(client.post(url, payload))
    return responses


def test_a_double_click_on_new_project_creates_one(client, county, officer):
    client.force_login(officer)
    url = reverse("projects:project_create", args=[county.code])
    first_key = _key(client.get(url).content.decode())
    assert _key(client.get(url).content.decode()) != first_key  # a new key for each render
    data = {
        "client_key": first_key,
        "title": "直播基地",
        "partner_name": "合作社",
        "partner_kind": "cooperative",
        "start_date": days(-1).isoformat(),
        "end_date": days(100).isoformat(),
        "status": "running",
        "owner": officer.pk,
    }
    first, second = _twice(client, url, data)
    project = Project.objects.get()
    target = reverse("projects:project_detail", args=[project.pk])
    assert (first.status_code, first.url, second.status_code, second.url) == (302, target, 302, target)


@pytest.mark.parametrize(
    ("url_name", "model", "data"),
    [
        ("projects:milestone_add", Milestone, {"title": "开通网店", "due_on": days(10).isoformat()}),
        (
            "projects:indicator_add",
            Indicator,
            {"name": "月销售额", "unit": "万元", "baseline": "0", "target": "10"},
        ),
        ("projects:update_add", ProjectUpdate, {"written_on": days(0).isoformat(), "text": "开播了"}),
    ],
)
def test_a_double_click_on_an_add_form_creates_one(client, project, officer, url_name, model, data):
    client.force_login(officer)
    url = reverse(url_name, args=[project.pk])
    data = {**data, "client_key": _key(client.get(url).content.decode())}
    first, second = _twice(client, url, data)
    assert model.objects.filter(project=project).count() == 1
    assert first.url == second.url == reverse("projects:project_detail", args=[project.pk])


def test_a_double_click_on_an_update_with_a_photo_stores_one_photo(client, project, officer, settings):
    client.force_login(officer)
    url = reverse("projects:update_add", args=[project.pk])
    data = {
        "written_on": days(0).isoformat(),
        "text": "开播了",
        "client_key": _key(client.get(url).content.decode()),
    }
    _twice(client, url, data, files={"photo": ("a.jpg", picture(), "image/jpeg")})
    update = ProjectUpdate.objects.get()
    assert update.image
    stored = list((settings.MEDIA_ROOT / "projects" / "updates").iterdir())
    assert [path.name for path in stored] == [update.image.name.rsplit("/", 1)[1]]


def test_a_double_click_on_a_checklist_item_creates_one(client, project, officer):
    client.force_login(officer)
    url = reverse("projects:handover", args=[project.pk])
    key = _key(client.get(url).content.decode(), prefix="item-")
    first, second = _twice(client, url, {"action": "item", "item-text": "交接账号", "item-client_key": key})
    assert ChecklistItem.objects.filter(project=project).count() == 1
    assert first.url == second.url == url


def test_a_double_click_on_a_period_records_one(client, project, officer):
    """A period is one row per indicator and start: the second POST corrects the same row."""
    indicator = add_indicator(project)
    client.force_login(officer)
    url = reverse("projects:period_add", args=[indicator.pk])
    data = {"period_start": days(-30).isoformat(), "period_end": days(0).isoformat(), "actual": "5"}
    first, second = _twice(client, url, data)
    assert IndicatorPeriod.objects.filter(indicator=indicator).count() == 1
    assert first.url == second.url == reverse("projects:project_detail", args=[project.pk])


def test_two_renders_of_the_add_form_create_two(client, project, officer):
    client.force_login(officer)
    url = reverse("projects:milestone_add", args=[project.pk])
    for title in ("开通网店", "第一场直播"):
        key = _key(client.get(url).content.decode())
        client.post(url, {"title": title, "due_on": days(10).isoformat(), "client_key": key})
    assert Milestone.objects.filter(project=project).count() == 2
