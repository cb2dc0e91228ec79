"""The talent pool: opt-in, only the chosen fields shown; contact details only after acceptance."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jobs.models import ContactRequest, TalentProfile
from tests import factories
from tests.jobs.conftest import complete

pytestmark = pytest.mark.django_db


def opt_in(client, learner, **choices):
    client.force_login(learner)
    data = {"is_visible": "on", "skills": "直播带货, 客服"} | choices
    return client.post(reverse("jobs:talent_profile"), data)


@pytest.fixture
def talent(learner, course):
    learner.name = "张小花"
    learner.mobile = "13912345678"
    learner.save()
    complete(learner, course, percent=91)
    return learner


def test_a_learner_opts_in_with_the_fields_they_choose(client, talent, employer_user, course):
    opt_in(client, talent, share_county="on", share_certificates="on")
    profile = TalentProfile.objects.get(learner=talent)
    assert profile.is_visible and not profile.share_name and not profile.share_exam_results

    client.force_login(employer_user)
    response = client.get(
        reverse("jobs:talent_search"), {"skill": "直播", "course": course.pk, "county": "330122"}
    )
    [card] = response.context["cards"]
    assert card["profile"] == profile
    assert (card["name"], card["county"], card["exam_results"]) == ("", "桐庐县", [])
    assert [c["course"] for c in card["certificates"]] == [course.title]
    page = response.content.decode()
    assert "张小花" not in page and "13912345678" not in page and "91%" not in page


def test_search_filters_by_skill_certificate_and_county(client, talent, employer_user, course, other_county):
    opt_in(client, talent, share_county="on", share_certificates="on")
    hidden = factories.LearnerProfileFactory(county=talent.learner_profile.county).user
    TalentProfile.objects.create(learner=hidden, is_visible=False, skills="直播带货")
    client.force_login(employer_user)

    def found(**query):
        return [
            card["profile"].learner
            for card in client.get(reverse("jobs:talent_search"), query).context["cards"]
        ]

    assert found() == [talent]
    assert found(skill="标注") == []
    assert found(course=factories.CourseFactory().pk) == []
    assert found(county=other_county.code) == []


def test_a_county_or_certificate_not_shown_is_not_searchable(client, talent, employer_user, course):
    opt_in(client, talent)  # neither county nor certificates ticked
    client.force_login(employer_user)
    assert client.get(reverse("jobs:talent_search"), {"county": "330122"}).context["cards"] == []
    assert client.get(reverse("jobs:talent_search"), {"course": course.pk}).context["cards"] == []


def test_contact_details_reach_the_employer_only_after_acceptance(client, talent, employer, employer_user):
    opt_in(client, talent, share_name="on")
    profile = TalentProfile.objects.get(learner=talent)
    client.force_login(employer_user)
    client.post(reverse("jobs:contact_request", args=[profile.pk]), {"message": "欢迎来面试客服岗位"})
    contact = ContactRequest.objects.get()
    assert (contact.employer, contact.status) == (employer, ContactRequest.Status.PENDING)
    assert "13912345678" not in client.get(reverse("jobs:contact_requests")).content.decode()

    client.force_login(talent)
    page = client.get(reverse("jobs:talent_profile")).content.decode()
    assert "欢迎来面试客服岗位" in page and employer.name in page
    client.post(reverse("jobs:contact_answer", args=[contact.pk]), {"answer": "accept"})

    client.force_login(employer_user)
    assert "13912345678" in client.get(reverse("jobs:contact_requests")).content.decode()


def test_declined_request_keeps_the_details_hidden_and_cannot_be_sent_again(client, talent, employer_user):
    opt_in(client, talent)
    profile = TalentProfile.objects.get(learner=talent)
    client.force_login(employer_user)
    client.post(reverse("jobs:contact_request", args=[profile.pk]))
    client.force_login(talent)
    client.post(reverse("jobs:contact_answer", args=[ContactRequest.objects.get().pk]), {"answer": "decline"})
    client.force_login(employer_user)
    client.post(reverse("jobs:contact_request", args=[profile.pk]))
    assert list(ContactRequest.objects.values_list("status", flat=True)) == ["declined"]
    assert "13912345678" not in client.get(reverse("jobs:contact_requests")).content.decode()


def test_a_hidden_profile_cannot_be_asked_and_others_cannot_answer(client, talent, employer_user, learner):
    TalentProfile.objects.create(learner=talent, is_visible=False)
    client.force_login(employer_user)
    profile = TalentProfile.objects.get()
    assert client.post(reverse("jobs:contact_request", args=[profile.pk])).status_code == 404
    TalentProfile.objects.update(is_visible=True)
    client.post(reverse("jobs:contact_request", args=[profile.pk]))
    client.force_login(factories.LearnerProfileFactory().user)
    contact = ContactRequest.objects.get()
    assert (
        client.post(reverse("jobs:contact_answer", args=[contact.pk]), {"answer": "accept"}).status_code
        == 404
    )


def test_search_query_count_does_not_grow(
    client, employer_user, county, course, django_assert_max_num_queries
):
    def add(number):
        learner = factories.LearnerProfileFactory(county=county).user
        cohort = factories.CohortFactory(county=county, course=factories.CourseFactory())
        complete(learner, course, percent=80)
        complete(learner, cohort.course, cohort=cohort)
        TalentProfile.objects.create(
            learner=learner,
            is_visible=True,
            skills=f"客服{number}",
            share_exam_results=True,
            share_attendance=True,
        )

    add(0)
    client.force_login(employer_user)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("jobs:talent_search"))
    for number in range(1, 15):
        add(number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("jobs:talent_search"))
