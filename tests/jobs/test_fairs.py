"""Job fairs: a coordinator organises one in their county; learners register; outcomes counted."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import FairRegistration, JobFair
from tests import factories
from tests.jobs.conftest import apply, make_post

pytestmark = pytest.mark.django_db

NEXT_WEEK = timezone.localdate() + datetime.timedelta(days=7)


def fair_data(county, **changes):
    return {
        "county": county.code,
        "title": "桐庐县春季校园招聘会",
        "date": NEXT_WEEK.isoformat(),
        "place": "县体育馆",
    } | changes


def test_coordinator_organises_a_fair_with_employers_and_posts(client, coordinator, county, employer):
    post = make_post(employer)
    client.force_login(coordinator)
    response = client.post(reverse("jobs:fair_create"), fair_data(county, employers=[employer.pk]))
    fair = JobFair.objects.get()
    assert response.status_code == 302
    assert (fair.county, fair.organised_by, list(fair.employers.all())) == (county, coordinator, [employer])
    client.post(
        reverse("jobs:fair_edit", args=[fair.pk]), fair_data(county, employers=[employer.pk], posts=[post.pk])
    )
    assert list(fair.posts.all()) == [post]

    client.force_login(employer.members.get().user)
    assert "桐庐县春季校园招聘会" in client.get(reverse("jobs:employer_home")).content.decode()


def test_a_coordinator_cannot_organise_in_another_county(client, coordinator, other_county):
    client.force_login(coordinator)
    response = client.post(reverse("jobs:fair_create"), fair_data(other_county))
    assert "county" in response.context["form"].errors
    fair = JobFair.objects.create(county=other_county, title="万山招聘会", date=NEXT_WEEK, place="区政府")
    assert client.get(reverse("jobs:fair_edit", args=[fair.pk])).status_code == 404
    assert "万山招聘会" not in client.get(reverse("jobs:fair_manage_list")).content.decode()


def test_learners_and_employers_cannot_organise(client, learner, employer_user):
    for user in (learner, employer_user):
        client.force_login(user)
        assert client.get(reverse("jobs:fair_manage_list")).status_code == 404
        assert client.get(reverse("jobs:fair_create")).status_code == 404


def test_learners_register_and_the_outcomes_are_counted(client, learner, county, employer, coordinator):
    post = make_post(employer)
    fair = JobFair.objects.create(county=county, title="桐庐招聘会", date=NEXT_WEEK, place="县体育馆")
    fair.employers.add(employer)
    fair.posts.add(post)
    client.force_login(learner)
    assert f'data-fair="{fair.pk}"' in client.get(reverse("jobs:fairs")).content.decode()
    client.post(reverse("jobs:fair_detail", args=[fair.pk]))
    client.post(reverse("jobs:fair_detail", args=[fair.pk]))
    assert FairRegistration.objects.filter(fair=fair, learner=learner).count() == 1

    application = apply(post, learner)
    bystander = factories.LearnerProfileFactory(county=county).user
    apply(post, bystander)  # applied, but did not register for the fair
    client.force_login(employer.members.get().user)
    client.post(reverse("jobs:application_move", args=[application.pk]), {"to": "offer"})

    client.force_login(coordinator)
    page = client.get(reverse("jobs:fair_edit", args=[fair.pk]))
    assert page.context["outcomes"] == {"registered": 1, "applications": 1, "offers": 1, "hired": 0}
    listing = client.get(reverse("jobs:fair_manage_list"))
    assert listing.context["page"].object_list[0].outcomes["applications"] == 1


def test_a_past_fair_takes_no_registration(client, learner, county):
    fair = JobFair.objects.create(
        county=county, title="旧招聘会", date=timezone.localdate() - datetime.timedelta(days=1), place="x"
    )
    client.force_login(learner)
    client.post(reverse("jobs:fair_detail", args=[fair.pk]))
    assert not FairRegistration.objects.exists()


def test_fair_list_query_count_does_not_grow(client, coordinator, county, django_assert_max_num_queries):
    JobFair.objects.create(county=county, title="招聘会0", date=NEXT_WEEK, place="x")
    client.force_login(coordinator)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("jobs:fair_manage_list"))
    for number in range(1, 20):
        JobFair.objects.create(county=county, title=f"招聘会{number}", date=NEXT_WEEK, place="x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("jobs:fair_manage_list"))
