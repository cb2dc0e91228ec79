"""Fixes of the hiring review: final decisions survive a new consent, hires stay within the
openings, races answer a message (not a 500), accepted contact requests can be withdrawn, a
deleted account leaves no contact data on the employers it signed up, bad post input is refused,
fairs show verified employers and take learners of their province, the bulk check is limited."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import flag
from jobs import services
from jobs.models import (
    ContactRequest,
    Employer,
    EmployerMember,
    FairRegistration,
    JobApplication,
    JobFair,
    JobPost,
    TalentProfile,
)
from jobs.selectors import user_jobs_data
from tests import factories
from tests.jobs.conftest import apply, credit_code, make_employer, make_post
from tests.jobs.test_posts import post_data

pytestmark = pytest.mark.django_db


def move(client, application, to, note=""):
    return client.post(reverse("jobs:application_move", args=[application.pk]), {"to": to, "note": note})


def reapply(client, post):
    page = client.get(reverse("jobs:apply", args=[post.pk]))
    return client.post(reverse("jobs:apply", args=[post.pk]), {"digest": page.context["digest"]}, follow=True)


# --- 2. a final decision survives revoking and applying again ----------------------------------


def test_reapplying_after_a_final_decision_is_refused_and_the_status_kept(
    client, learner, employer, employer_user, english
):
    post = make_post(employer)
    application = apply(post, learner)
    client.force_login(employer_user)
    move(client, application, "not_selected", "岗位已满")
    client.force_login(learner)
    client.post(reverse("jobs:application_revoke", args=[application.pk]))
    response = reapply(client, post)
    application.refresh_from_db()
    assert application.status == JobApplication.Status.NOT_SELECTED
    assert application.revoked_at is not None
    assert "already decided" in " ".join(str(m) for m in response.context["messages"])


def test_the_employer_does_not_see_steps_of_a_revoked_round(client, learner, employer, employer_user):
    post = make_post(employer)
    application = apply(post, learner)
    client.force_login(employer_user)
    move(client, application, "interview", "第一轮的私人备注")
    client.force_login(learner)
    client.post(reverse("jobs:application_revoke", args=[application.pk]))
    reapply(client, post)
    application.refresh_from_db()
    assert application.revoked_at is None
    client.force_login(employer_user)
    page = client.get(reverse("jobs:application_detail", args=[application.pk])).content.decode()
    assert "第一轮的私人备注" not in page


# --- 3. hires within the openings ------------------------------------------------------------------


def test_no_more_hires_than_openings(client, employer, employer_user, english):
    post = make_post(employer, openings=1)
    first = apply(post, factories.LearnerProfileFactory(county=employer.county).user)
    second = apply(post, factories.LearnerProfileFactory(county=employer.county).user)
    client.force_login(employer_user)
    move(client, first, "hired")
    response = client.post(reverse("jobs:application_move", args=[second.pk]), {"to": "hired"}, follow=True)
    second.refresh_from_db()
    assert second.status != JobApplication.Status.HIRED
    assert "already filled" in " ".join(str(m) for m in response.context["messages"])
    assert JobApplication.objects.filter(post=post, status="hired").count() == 1


# --- 5. races answer a message ---------------------------------------------------------------------


def test_a_sign_up_losing_a_race_is_a_form_error(client, county, monkeypatch, english):
    user = factories.UserFactory()
    client.force_login(user)

    def raced(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Employer.objects, "create", raced)
    data = {
        "name": "桐庐县快递服务有限公司",
        "credit_code": credit_code(),
        "county": county.code,
        "address": "桐庐县迎春南路 8 号",
        "contact_name": "李娜",
        "contact_phone": "13800138000",
    }
    response = client.post(reverse("jobs:employer_signup"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_contact_request_to_a_profile_hidden_meanwhile_is_a_message(
    client, learner, employer_user, monkeypatch
):
    profile = TalentProfile.objects.create(learner=learner, is_visible=True, skills="客服")
    client.force_login(employer_user)

    def hidden(**kwargs):
        raise services.HiringError("hidden")

    monkeypatch.setattr(services, "contact_request_send", hidden)
    response = client.post(reverse("jobs:contact_request", args=[profile.pk]))
    assert response.status_code == 302
    assert not ContactRequest.objects.exists()


def test_saving_a_post_sent_for_review_meanwhile_is_refused(employer, employer_user, county):
    post = make_post(employer, status=JobPost.Status.DRAFT)
    stale = JobPost.objects.get(pk=post.pk)
    services.job_post_submit(post=post)
    fields = {name: getattr(stale, name) for name in services.POST_FIELDS} | {"title": "改了"}
    with pytest.raises(services.HiringError):
        services.job_post_save(
            employer=employer, by=employer_user, fields=fields, required_courses=[], post=stale
        )
    post.refresh_from_db()
    assert post.status == JobPost.Status.PENDING and post.title != "改了"


# --- 6. withdrawing an accepted contact request --------------------------------------------------


def test_an_accepted_contact_request_can_be_withdrawn(client, learner, employer, employer_user):
    learner.mobile = "13912345678"
    learner.save()
    TalentProfile.objects.create(learner=learner, is_visible=True, skills="客服")
    contact = ContactRequest.objects.create(employer=employer, learner=learner)
    client.force_login(learner)
    client.post(reverse("jobs:contact_answer", args=[contact.pk]), {"answer": "accept"})
    client.force_login(employer_user)
    assert "13912345678" in client.get(reverse("jobs:contact_requests")).content.decode()
    client.force_login(learner)
    page = client.get(reverse("jobs:talent_profile")).content.decode()
    assert 'value="withdraw"' in page
    client.post(reverse("jobs:contact_answer", args=[contact.pk]), {"answer": "withdraw"})
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.WITHDRAWN
    client.force_login(employer_user)
    assert "13912345678" not in client.get(reverse("jobs:contact_requests")).content.decode()


def test_hiding_the_profile_withdraws_accepted_requests(client, learner, employer):
    TalentProfile.objects.create(learner=learner, is_visible=True, skills="客服")
    contact = ContactRequest.objects.create(
        employer=employer, learner=learner, status=ContactRequest.Status.ACCEPTED
    )
    client.force_login(learner)
    client.post(reverse("jobs:talent_profile"), {"skills": "客服"})
    contact.refresh_from_db()
    assert contact.status == ContactRequest.Status.WITHDRAWN


# --- 7. account deletion and the employers the user signed up -----------------------------------


def test_deleting_the_last_owner_blanks_the_contact_and_suspends_the_employer(county):
    owner = factories.UserFactory()
    employer = make_employer(county, user=owner)
    Employer.objects.filter(pk=employer.pk).update(created_by=owner)
    exported = user_jobs_data(owner)["employers_signed_up"]
    assert exported[0]["contact_name"] == "王经理" and exported[0]["contact_phone"] == "0571-12345678"
    services.user_jobs_data_erase(user=owner)
    employer.refresh_from_db()
    assert employer.contact_name == "" and employer.contact_phone == ""
    assert employer.status == Employer.Status.SUSPENDED and employer.status_reason


def test_deleting_one_of_two_owners_keeps_the_employer_verified(county):
    owner = factories.UserFactory()
    employer = make_employer(county, user=owner)
    other = factories.UserFactory()
    EmployerMember.objects.create(employer=employer, user=other, role=EmployerMember.Role.OWNER)
    services.user_jobs_data_erase(user=owner)
    employer.refresh_from_db()
    assert employer.status == Employer.Status.VERIFIED
    assert flag(other, "is_employer")


# --- 8. bad post input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pay_min": "-5", "pay_max": "3000"}, "pay_min"),
        ({"openings": "0"}, "openings"),
        ({"description": "长" * 5001}, "description"),
    ],
)
def test_post_form_refuses_bad_numbers_and_long_text(client, employer_user, county, changes, field):
    client.force_login(employer_user)
    response = client.post(reverse("jobs:post_create"), post_data(county, **changes))
    assert field in response.context["form"].errors
    assert not JobPost.objects.exists()


@pytest.mark.parametrize("changes", [{"pay_min": -1}, {"openings": 0}, {"min_exam_percent": 101}], ids=str)
def test_the_database_refuses_bad_posts(employer, changes):
    with pytest.raises(IntegrityError):
        make_post(employer, **changes)


# --- 9. a credit code typed with spaces ----------------------------------------------------------


def test_a_credit_code_typed_with_spaces_is_accepted(client, county):
    client.force_login(factories.UserFactory())
    code = credit_code()
    spaced = " ".join(code[i : i + 3] for i in range(0, 18, 3)) + "  "
    assert len(spaced) > 18
    client.post(
        reverse("jobs:employer_signup"),
        {
            "name": "桐庐县快递服务有限公司",
            "credit_code": spaced,
            "county": county.code,
            "address": "桐庐县迎春南路 8 号",
            "contact_name": "李娜",
            "contact_phone": "13800138000",
        },
    )
    assert Employer.objects.get().credit_code == code


# --- 10. fairs -----------------------------------------------------------------------------------


NEXT_WEEK = timezone.localdate() + datetime.timedelta(days=7)


def test_a_fair_lists_only_verified_employers(client, learner, county, employer):
    suspended = make_employer(county, name="已停用公司", status=Employer.Status.SUSPENDED)
    fair = JobFair.objects.create(county=county, title="桐庐招聘会", date=NEXT_WEEK, place="县体育馆")
    fair.employers.add(employer, suspended)
    client.force_login(learner)
    page = client.get(reverse("jobs:fair_detail", args=[fair.pk])).content.decode()
    assert employer.name in page and "已停用公司" not in page


def test_only_learners_of_the_province_register(client, county, other_county, english):
    assert county.province_id != other_county.province_id
    fair = JobFair.objects.create(county=county, title="桐庐招聘会", date=NEXT_WEEK, place="县体育馆")
    outsider = factories.LearnerProfileFactory(county=other_county).user
    client.force_login(outsider)
    page = client.get(reverse("jobs:fair_detail", args=[fair.pk])).content.decode()
    assert 'id="register"' not in page and 'id="cannot-register"' in page  # told, not offered
    insider = factories.LearnerProfileFactory(county=county).user
    client.force_login(insider)
    assert 'id="register"' in client.get(reverse("jobs:fair_detail", args=[fair.pk])).content.decode()
    client.force_login(outsider)
    response = client.post(reverse("jobs:fair_detail", args=[fair.pk]), follow=True)
    assert not FairRegistration.objects.exists()
    assert "of its province" in " ".join(str(m) for m in response.context["messages"])


# --- 11. the bulk certificate check --------------------------------------------------------------


def test_the_bulk_check_is_rate_limited_per_user(client, employer_user, settings):
    settings.JOBS_CERTIFICATE_CHECK_RATE = "2/m"
    client.force_login(employer_user)
    url = reverse("jobs:certificate_check")
    statuses = [client.post(url, {"codes": f"RATE{employer_user.pk}X{i}"}).status_code for i in range(3)]
    assert statuses == [200, 200, 429]


def test_an_upload_over_64_kb_is_refused(client, employer_user, english):
    client.force_login(employer_user)
    upload = SimpleUploadedFile("codes.csv", b"A" * (64 * 1024 + 1), content_type="text/csv")
    response = client.post(reverse("jobs:certificate_check"), {"codes": "", "file": upload})
    assert response.context["results"] is None
    assert "too large" in " ".join(str(m) for m in response.context["messages"])


# --- 12. what a verification link shows ----------------------------------------------------------


def test_consent_page_and_talent_form_say_what_a_verification_link_shows(
    client, learner, employer, course, english
):
    from tests.jobs.conftest import complete

    complete(learner, course, percent=80)
    client.force_login(learner)
    sentence = "verification link shows what the public verification page shows"
    assert sentence in client.get(reverse("jobs:apply", args=[make_post(employer).pk])).content.decode()
    assert sentence in client.get(reverse("jobs:talent_profile")).content.decode()


# --- 13. the applications' index -----------------------------------------------------------------


def test_my_applications_filters_use_a_learner_status_index():
    indexes = {tuple(index.fields) for index in JobApplication._meta.indexes}
    assert ("learner", "status") in indexes
    assert ("status",) not in indexes
