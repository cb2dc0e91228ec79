from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import MobileField
from accounts.models import User
from accounts.reauth import sms_reauth_code_check
from counties.models import SchoolType
from counties.selectors import county_lookup


class ProfileForm(forms.ModelForm):
    """What a learner may change about themselves. Email and password stay with allauth."""

    county = forms.CharField(
        label=_("Your county"),
        max_length=60,
        help_text=_("Type the county's name (e.g. 桐庐) or its 6-digit code (e.g. 330122)."),
    )
    school = forms.CharField(label=_("School"), max_length=100, required=False)
    school_type = forms.ChoiceField(
        label=_("School type"),
        choices=[("", _("Not stated")), *SchoolType.choices],
        required=False,
        help_text=_("Some skills competitions are open to one kind of school only."),
    )

    class Meta:
        model = User
        fields = ["name", "mobile", "preferred_language", "remind_by_email", "remind_by_sms"]
        field_classes = {"mobile": MobileField}
        widgets = {"mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}
        help_texts = {"mobile": _("Optional. For reminders by SMS and for your coordinator.")}
        error_messages = {"mobile": {"unique": _("This mobile number is already used by another account.")}}

    field_order = [
        "name",
        "mobile",
        "county",
        "school",
        "school_type",
        "preferred_language",
        "remind_by_email",
        "remind_by_sms",
    ]

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.county_matches = []
        self.fields["name"].required = True
        if profile is not None:
            self.initial.setdefault("county", f"{profile.county_id} {profile.county.name}")
            self.initial.setdefault("school", profile.school)
            self.initial.setdefault("school_type", profile.school_type)
        else:
            # Coordinators and staff have no county of study; a learner always has one.
            self.fields["county"].required = False

    def clean_county(self):
        text = self.cleaned_data["county"]
        if not text:
            return None
        lookup = county_lookup(text)
        if lookup.county:
            return lookup.county
        if lookup.matches:
            self.county_matches = lookup.matches
            raise forms.ValidationError(
                _("Several counties match “%(text)s”: type the 6-digit code of yours."),
                code="ambiguous",
                params={"text": text},
            )
        raise forms.ValidationError(
            _("No county matches “%(text)s”. Try the county's name or its 6-digit code."),
            code="not_found",
            params={"text": text},
        )

    def clean(self):
        cleaned = super().clean()
        if "mobile" in cleaned and not cleaned["mobile"] and not self.instance.email:
            self.add_error("mobile", _("Your account has no email address: keep a mobile number."))
        elif (
            cleaned.get("mobile")
            and cleaned["mobile"] != self.initial.get("mobile")
            and not self.instance.email
        ):
            # A number typed here is unconfirmed and signs nobody in: an account signing in only
            # with its number would lock itself out. It changes it with an SMS code instead.
            self.add_error(
                "mobile",
                _(
                    "Your account signs in with its mobile number: change it with an SMS code "
                    "on the “Mobile number” page."
                ),
            )
        return cleaned


class DeleteAccountForm(forms.Form):
    """Deleting the account is confirmed with the password, or, for an account that signs in by
    SMS code only (no password), with a code sent to its number (accounts.reauth)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code sent by SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, user: User, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        self.by_code = not user.has_usable_password()
        del self.fields["password" if self.by_code else "code"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not sms_reauth_code_check(self.request, user=self.user, code=code):
            raise forms.ValidationError(
                _("This code is wrong or has expired. Ask for a new code."), code="wrong_code"
            )
        return code
