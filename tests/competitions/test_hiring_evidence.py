"""Prizes as evidence in hiring: the learner's awards on the apply form (shared only when
ticked), frozen in the consent snapshot, shown to the employer with their verification link,
hidden again when the consent is withdrawn; in the talent pool when the learner shows them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import evidence
from competitions.models import Award
from competitions.selectors import AWARD_EVIDENCE
from competitions.services import entry_register
from jobs.models import JobApplication
from tests.competitions.conftest import learner_in, make_round
from tests.jobs.conftest import make_employer, make_post


def win(competition, county, learner, *, prize=Award.Prize.FIRST, rank=1) -> Award:
    """An issued award of ``learner``'s entry in a county round of ``competition``."""
    round = competition.rounds.filter(county=county).first() or make_round(competition, county=county)
    entry = entry_register(competition=competition, learner=learner)
    return Award.objects.create(
        round=round, entry=entry, prize=prize, rank=rank, status=Award.Status.ISSUED, issued_at=timezone.now()
    )


@pytest.fixture
def winner(province_competition, county):
    learner = learner_in(county, name="陈思远")
    return learner, win(province_competition, county, learner)


@pytest.fixture
def employer(county):
    return make_employer(county)


@pytest.fixture
def post(employer):
    return make_post(employer)


def employer_user(employer):
    return employer.members.get().user


def consent(client, post, **choices):
    """Show the consent page with ``choices`` (or the first visit's defaults) and agree to it."""
    url = reverse("jobs:apply", args=[post.pk])
    page = client.get(url, {"shown": "1", **choices} if choices else {})
    data = {key: list(values) for key, values in page.context["choices"].items() if key != "contact"}
    data["digest"] = page.context["digest"]
    return page, client.post(url, data)


def test_the_registry_holds_the_competitions_provider():
    assert evidence.is_registered(AWARD_EVIDENCE)


def test_an_award_is_offered_ticked_shared_with_its_link_and_seen_by_the_employer(
    client, winner, post, employer
):
    learner, award = winner
    verify_path = reverse("competitions:award_verify", args=[award.verification_code])
    client.force_login(learner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page, response = consent(client, post)
    form = page.context["form"]
    key = f"{AWARD_EVIDENCE}:{award.verification_code}"
    assert [choice for choice, _label in form.fields["evidence"].choices] == [key]
    html = page.content.decode()
    assert f'value="{key}"' in html and 'data-shared="evidence"' in html  # ticked, and in the preview
    assert "First prize · County round · 桐庐县" in html
    assert response.status_code == 302

    application = JobApplication.objects.get(post=post, learner=learner)
    [shared] = application.shared["evidence"]
    assert shared["title"] == "浙江省数据标注技能大赛" and shared["verify_url"].endswith(verify_path)
    assert shared["detail"].startswith("First prize · County round")

    client.force_login(employer_user(employer))
    detail = client.get(reverse("jobs:application_detail", args=[application.pk])).content.decode()
    assert "浙江省数据标注技能大赛" in detail and verify_path in detail
    # The link leads to the public verification page of the award.
    client.logout()
    assert client.get(verify_path).status_code == 200

    # The learner sees on their applications page what this employer sees, the award included.
    client.force_login(learner)
    mine = client.get(reverse("jobs:my_applications")).content.decode()
    assert f'data-shared-with="{application.pk}"' in mine and verify_path in mine


def test_an_award_left_unticked_is_not_shared(client, winner, post, employer):
    learner, award = winner
    client.force_login(learner)
    _page, response = consent(client, post, exam=[])  # shown again with nothing ticked
    assert response.status_code == 302
    application = JobApplication.objects.get(post=post, learner=learner)
    assert application.shared["evidence"] == []
    client.force_login(employer_user(employer))
    detail = client.get(reverse("jobs:application_detail", args=[application.pk])).content.decode()
    assert award.verification_code not in detail and "浙江省数据标注技能大赛" not in detail


def test_withdrawn_consent_hides_the_award_from_the_employer(client, winner, post, employer):
    learner, award = winner
    client.force_login(learner)
    consent(client, post)
    application = JobApplication.objects.get(post=post, learner=learner)
    assert application.shared["evidence"]
    client.post(reverse("jobs:application_revoke", args=[application.pk]))
    application.refresh_from_db()
    assert application.shared == {}
    client.force_login(employer_user(employer))
    assert client.get(reverse("jobs:application_detail", args=[application.pk])).status_code == 404
    applicants = client.get(reverse("jobs:post_applicants", args=[post.pk])).content.decode()
    assert (
        award.verification_code not in applicants and f'data-application="{application.pk}"' not in applicants
    )


def test_a_revoked_award_is_no_longer_offered(client, winner, post):
    learner, award = winner
    Award.objects.filter(pk=award.pk).update(status=Award.Status.REVOKED)
    client.force_login(learner)
    page = client.get(reverse("jobs:apply", args=[post.pk]))
    assert "evidence" not in page.context["form"].fields
    assert page.context["shared"]["evidence"] == []


def opt_in(client, learner, **choices):
    client.force_login(learner)
    data = {"is_visible": "on", "skills": "数据标注"} | choices
    return client.post(reverse("jobs:talent_profile"), data)


def test_the_talent_pool_shows_awards_only_when_the_learner_shows_them(client, winner, employer):
    learner, award = winner
    verify_path = reverse("competitions:award_verify", args=[award.verification_code])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(learner)
    page = client.get(reverse("jobs:talent_profile")).content.decode()
    assert 'id="my-awards"' in page and verify_path in page  # the learner sees their awards
    assert 'name="share_awards"' in page and "checked" in page.split('name="share_awards"')[1][:40]

    opt_in(client, learner, share_awards="on")
    client.force_login(employer_user(employer))
    found = client.get(reverse("jobs:talent_search"), {"skill": "数据标注"}).content.decode()
    assert verify_path in found and "First prize" in found

    opt_in(client, learner)  # share_awards unticked
    client.force_login(employer_user(employer))
    found = client.get(reverse("jobs:talent_search"), {"skill": "数据标注"}).content.decode()
    assert 'data-profile="' in found and verify_path not in found


def test_talent_search_and_applicants_query_counts_do_not_grow_with_awards(
    client, province_competition, county, employer, post, django_assert_num_queries
):
    def add_winner(number):
        learner = learner_in(county, name=f"选手{number}")
        win(province_competition, county, learner, rank=number)
        opt_in(client, learner, share_awards="on")
        client.force_login(learner)
        consent(client, post)

    def counts():
        client.force_login(employer_user(employer))
        pages = {}
        for name, url, params in (
            ("talent", reverse("jobs:talent_search"), {"skill": "数据标注"}),
            ("applicants", reverse("jobs:post_applicants", args=[post.pk]), {}),
        ):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params)
            assert response.status_code == 200
            pages[name] = (
                len(queries.captured_queries),
                response.content.decode().count("/competitions/awards/"),
            )
        return pages

    add_winner(1)
    one = counts()
    assert one["talent"][1] == 1 and one["applicants"][1] == 0  # the list shows names, details open
    for number in range(2, 7):
        add_winner(number)
    many = counts()
    assert many["talent"][1] == 6
    with django_assert_num_queries(one["talent"][0]):
        client.get(reverse("jobs:talent_search"), {"skill": "数据标注"})
    with django_assert_num_queries(one["applicants"][0]):
        client.get(reverse("jobs:post_applicants", args=[post.pk]))
    assert many["talent"][0] == one["talent"][0] and many["applicants"][0] == one["applicants"][0]


def test_shared_awards_are_in_the_data_export_and_erased_with_the_account(
    client, winner, post, django_capture_on_commit_callbacks
):
    import json

    from tests import factories

    learner, award = winner
    learner.set_password(factories.PASSWORD)
    learner.save()
    client.force_login(learner)
    consent(client, post)
    opt_in(client, learner, share_awards="on")
    client.force_login(learner)
    jobs = json.loads(client.get(reverse("privacy:data_export")).content)["jobs"]
    [exported] = jobs["job_applications"]
    [item] = exported["shared_with_consent"]["evidence"]
    assert item["verify_url"].endswith(award.verification_code + "/")
    assert jobs["talent_profile"]["shows_awards"] is True

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:delete"), {"password": factories.PASSWORD})
    assert JobApplication.objects.get(post=post, learner=learner).shared == {}
