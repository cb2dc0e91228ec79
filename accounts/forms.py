from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User
from .phones import parse_mobile, to_e164
from .smslimits import sms_code_allowed
from .validators import normalize_mobile

SMS_LIMITED = _(
    "Too many SMS codes went to this number or from this network today. Try again tomorrow, "
    "or sign in with your password."
)


class MobileField(forms.CharField):
    """A mainland mobile number, forgiving spaces, dashes and a +86 prefix; empty is None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        return normalize_mobile(value) or None


class PhoneNumberField(forms.CharField):
    """allauth's phone field for the portal: a mainland mobile number typed as people write it
    (``138 0013 8000``, ``+86…``), checked with phonenumbers and handed to allauth as E.164."""

    default_error_messages = {
        "invalid_phone": _("Enter an 11-digit mainland mobile number, e.g. 13800138000."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        mobile = parse_mobile(value)
        if mobile is None:
            raise forms.ValidationError(self.error_messages["invalid_phone"], code="invalid_phone")
        return get_adapter().clean_phone(to_e164(mobile))


def _sms_allowed(phone: str) -> bool:
    request = allauth_context.request
    mobile = parse_mobile(phone)
    if request is None or mobile is None:
        return True
    return sms_code_allowed(mobile=mobile, address=get_adapter().get_client_ip(request))


class LoginForm(AllauthLoginForm):
    """allauth's sign-in, its one field named for what learners type: an address or a number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email or phone")
        self.fields["login"].widget.attrs.update({"autocomplete": "username", "placeholder": ""})


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """allauth's "send me a sign-in code", refusing in words when the day's SMS caps are reached
    rather than after the code page was promised."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["phone", "email"])  # phone first: most learners have no mailbox

    def clean_phone(self) -> str:
        phone = super().clean_phone()
        if phone and not _sms_allowed(phone):
            raise forms.ValidationError(SMS_LIMITED, code="sms_limited")
        return phone


class PortalSignupForm(SignupForm):
    """Sign-up with a mobile number or an email address (or both).

    With a mobile number the email is optional and so is the password: the learner signs in by
    SMS code, and the number is confirmed by a code before the account is used. With an email
    address only, a password is required, as before. allauth's settings keep ``email*`` (its
    mandatory email verification requires it); this form relaxes it per sign-up.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("email_required", False)
        super().__init__(*args, **kwargs)  # labels the email "Email (optional)"
        for name in ("password1", "password2"):
            if name in self.fields:
                self.fields[name].required = False
        if "phone" in self.fields:
            self.fields["phone"].label = _("Mobile")
            self.fields["phone"].help_text = _(
                "We send a code to this number. With it you can sign in without a password."
            )

    def _clean_phone(self) -> None:
        super()._clean_phone()
        mobile = parse_mobile(self.cleaned_data.get("phone"))
        if mobile and not self.account_already_exists:
            # An account that signed in with this number before numbers had to be confirmed
            # keeps it (accounts.services.phone_unconfirmed_release): answered as "taken".
            self.account_already_exists = User.objects.filter(
                mobile=mobile, email__isnull=True, mobile_verified_at__isnull=True, last_login__isnull=False
            ).exists()

    def clean(self):
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        email = cleaned_data.get("email")
        if not phone and not email and not self.has_error("phone") and not self.has_error("email"):
            raise forms.ValidationError(
                _("Give your mobile number or your email address."), code="no_contact"
            )
        if not phone and not cleaned_data.get("password1") and not self.has_error("password1"):
            self.add_error(
                "password1", _("Choose a password, or give a mobile number to sign in by SMS code.")
            )
        if phone and not self.has_error("phone") and not _sms_allowed(phone):
            self.add_error("phone", forms.ValidationError(SMS_LIMITED, code="sms_limited"))
        return cleaned_data


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's password reset, never through an address that someone typed into a phone
    account without confirming it.

    A phone sign-up may give any email address; until its link is followed, a reset link to it
    would hand the account's owner (who signs in by SMS code) a stranger's password, or the
    stranger an account its owner still controls. Accounts without a mobile number keep the
    reset of unconfirmed addresses (their sign-up confirmed it, or staff created it). The answer
    is the same either way (``ACCOUNT_PREVENT_ENUMERATION``).
    """

    def clean_email(self) -> str:
        email = super().clean_email()
        self.users = [user for user in self.users if _reset_allowed(user, email)]
        return email


def _reset_allowed(user, email: str) -> bool:
    if not user.mobile:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
