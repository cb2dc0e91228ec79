"""Whatever is typed into the verification form gets a clear answer, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from certificates.models import Certificate
from tests import factories

VERIFY_FORM = reverse("certificates:verify_form")
NOT_FOUND = "No certificate was found with this code. Check the code printed on the certificate."


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.mark.parametrize("code", ["a/b", "../admin", "a?b", "a\\b", "证书", "x" * 300, "A B/C-D"])
def test_a_code_no_certificate_can_have_says_not_found(client, db, code):
    response = client.get(VERIFY_FORM, {"code": code})
    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def test_a_well_formed_code_still_leads_to_its_page(client, db):
    certificate = Certificate.objects.create(
        enrollment=factories.EnrollmentFactory(), status=Certificate.Status.ISSUED
    )
    typed = f" {certificate.verification_code.lower()[:4]}-{certificate.verification_code[4:]} "
    response = client.get(VERIFY_FORM, {"code": typed})
    assert response.url == reverse("certificates:verify", args=[certificate.verification_code])
    assert client.get(response.url).status_code == 200
