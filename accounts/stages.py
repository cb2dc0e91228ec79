"""allauth's sign-in stages, as the portal needs them (see AccountAdapter.get_login_stages)."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account import stages
from allauth.account.utils import get_next_redirect_url
from django.contrib.auth import get_user_model


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
        if self.login.user is None:
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
