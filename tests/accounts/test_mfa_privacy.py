"""Personal data (PIPL) of signing in: the export says whether two-factor authentication is on
without any secret; deleting the account removes the second factors and the SMS counts."""

from __future__ import annotations

import json

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone

from accounts.models import SmsSend
from accounts.services import sms_send_record
from privacy.services import user_delete_account
from tests import factories
from tests.privacy.test_profile import profile_data


def test_export_says_two_factor_is_on_without_secrets(client, learner):
    secret = generate_totp_secret()
    TOTP.activate(learner, secret)
    codes = RecoveryCodes.activate(learner).get_unused_codes()
    learner.mobile = "13800138000"
    learner.save()
    client.force_login(learner)

    response = client.get(reverse("privacy:data_export"))

    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    sign_in = data["sign_in"]
    assert sign_in["two_factor_authentication"] is True
    assert sign_in["authenticator_app_since"] and sign_in["recovery_codes_since"]
    assert sign_in["mobile_verified_at"] is None
    text = json.dumps(data)
    assert secret not in text
    assert not any(code in text for code in codes)


def test_deletion_removes_second_factors_and_sms_counts(learner):
    learner.mobile = "13800138000"
    learner.save()
    TOTP.activate(learner, generate_totp_secret())
    RecoveryCodes.activate(learner)
    sms_send_record(mobile="13800138000", address="10.0.0.1")
    sms_send_record(mobile="13900139000", address="10.0.0.1")

    user_delete_account(user=learner)

    assert not Authenticator.objects.filter(user=learner).exists()
    assert SmsSend.objects.count() == 1  # another number's count stays


def test_changing_the_number_in_the_profile_makes_it_unconfirmed(client, county):
    learner = factories.LearnerProfileFactory(county=county).user
    learner.mobile = "13800138000"
    learner.mobile_verified_at = timezone.now()
    learner.save()
    client.force_login(learner)

    client.post(reverse("privacy:profile"), profile_data(mobile="13900139000", county=county.code))

    learner.refresh_from_db()
    assert learner.mobile == "13900139000"
    assert learner.mobile_verified_at is None


def test_saving_the_profile_with_the_same_number_keeps_it_confirmed(client, county):
    learner = factories.LearnerProfileFactory(county=county).user
    learner.mobile = "13800138000"
    learner.mobile_verified_at = timezone.now()
    learner.save()
    client.force_login(learner)

    client.post(reverse("privacy:profile"), profile_data(mobile="138 0013 8000", county=county.code))

    learner.refresh_from_db()
    assert learner.mobile_verified_at is not None
