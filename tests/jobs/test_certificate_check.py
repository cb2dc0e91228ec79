"""The employer's bulk certificate check: each code's status."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from tests import factories
from tests.jobs.conftest import complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificates(course):
    holder = factories.UserFactory(name="张小花")
    valid = complete(holder, course).certificate
    revoked = complete(factories.UserFactory(), factories.CourseFactory()).certificate
    Certificate.objects.filter(pk=revoked.pk).update(
        status=Certificate.Status.REVOKED, revoked_at=timezone.now()
    )
    pending = Certificate.objects.create(
        enrollment=factories.EnrollmentFactory(
            learner=factories.UserFactory(), status="completed", completed_at=timezone.now()
        )
    )
    return valid, revoked, pending


def results(response) -> dict[str, str]:
    return {result.code: result.status for result in response.context["results"]}


def test_pasted_codes_get_each_status(client, employer_user, certificates, django_assert_max_num_queries):
    valid, revoked, pending = certificates
    client.force_login(employer_user)
    text = (
        f"{valid.verification_code.lower()}, {revoked.verification_code}\n"
        f"{pending.verification_code}\nNOSUCHCODE1"
    )
    response = client.post(reverse("jobs:certificate_check"), {"codes": text})
    assert results(response) == {
        valid.verification_code: "valid",
        revoked.verification_code: "revoked",
        pending.verification_code: "unknown",  # never issued: nothing to verify
        "NOSUCHCODE1": "unknown",
    }
    page = response.content.decode()
    assert "张小花" not in page  # masked as on the public page
    assert f'data-code="{valid.verification_code}" data-result="valid"' in page


def test_uploaded_file_of_codes(client, employer_user, certificates):
    valid, _revoked, _pending = certificates
    client.force_login(employer_user)
    upload = SimpleUploadedFile(
        "codes.csv", f"code\n{valid.verification_code}\n".encode(), content_type="text/csv"
    )
    response = client.post(reverse("jobs:certificate_check"), {"codes": "", "file": upload})
    assert results(response)[valid.verification_code] == "valid"


def test_the_check_is_one_query_however_many_codes(
    client, employer_user, certificates, django_assert_max_num_queries
):
    client.force_login(employer_user)
    with django_assert_max_num_queries(10) as few:
        client.post(reverse("jobs:certificate_check"), {"codes": "A1"})
    codes = " ".join(f"CODE{number}" for number in range(150))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.post(reverse("jobs:certificate_check"), {"codes": codes})


def test_too_many_codes_are_refused(english, employer_user):
    english.force_login(employer_user)
    response = english.post(
        reverse("jobs:certificate_check"), {"codes": " ".join(f"C{n}" for n in range(201))}
    )
    assert response.context["results"] is None
    assert "At most 200 codes" in response.content.decode()
