"""allauth's sign-in stages, as the portal needs them (see AccountAdapter.get_login_stages)."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account import stages
from allauth.account.internal.flows.email_verification import send_verification_email_at_login
from allauth.account.utils import get_next_redirect_url
from allauth.core.exceptions import RateLimited
from django.contrib.auth import get_user_model
from django.shortcuts import render


class EmailVerificationStage(stages.EmailVerificationStage):
    """A new account's address is confirmed before sign-up signs it in; a sign-in with the
    password does not wait for it.

    Sign-up answers the same whether or not the address already has an account, so it does not
    tell a stranger who studies here (``ACCOUNT_PREVENT_ENUMERATION`` with mandatory
    verification): both answers are "check your mailbox"; a new address gets a confirmation
    link, one with an account a mail saying so, with a link to reset the password. Signing in
    with a password stays open to accounts whose address is not confirmed (most learners read no
    email; coordinators import others): requiring it would lock them out of their courses.
    """

    def handle(self):
        if not self.login.signup:
            return None, True
        user = self.login.user
        if user is not None and not user.email:
            return None, True  # signed up with a mobile number only: nothing to confirm
        if user is None and not self.login.email:
            return None, True  # a mobile number that has an account: the phone stage answered
        if user is not None and user.mobile_verified_at is not None:
            # The mobile number is proven by its code: the address is confirmed by its link
            # later, the new learner is signed in now.
            send_verification_email_at_login(self.request, self.login)
            return None, True
        if user is None:
            # The address has an account and none is created: take the time that hashing the new
            # account's password would, so that the answer does not come sooner for it.
            get_user_model()().set_password(self.request.POST.get("password1", ""))
        response, cont = super().handle()
        next_url = get_next_redirect_url(self.request)
        if response is not None and response.has_header("Location") and next_url:
            # The mailbox page's "sign in" link leads back to where sign-up was going (a class's
            # join page): taken from the request, the same for both answers.
            response["Location"] += "?" + urlencode({"next": next_url})
        return response, cont


class PhoneVerificationStage(stages.PhoneVerificationStage):
    """A new account's mobile number is confirmed by an SMS code before sign-up signs it in;
    signing in later does not ask for it again (a code sign-in confirms it anyway).

    As for email addresses: a number typed into a profile or imported by a coordinator may be
    wrong, and must not lock its learner out of signing in with their password.
    """

    def handle(self):
        if not self.login.signup:
            return None, True
        try:
            return super().handle()
        except RateLimited:
            # allauth's limit of codes to one number ("verify_phone"): a second sign-up with the
            # same number within the minute. The "too many codes" page, not a server error.
            return render(self.request, "account/sms_limited.html", status=429), False
