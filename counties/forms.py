from __future__ import annotations

from allauth.core import context as allauth_context
from django import forms
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.forms import PortalSignupForm
from accounts.models import User

from .selectors import county_lookup
from .services import learner_profile_save


def _birth_year_choices():
    this_year = timezone.now().year
    years = [(str(year), str(year)) for year in range(this_year - 12, this_year - 81, -1)]
    return [("", _("Prefer not to say")), *years]


class CountyField(forms.CharField):
    """Text that names a county: its 6-digit code or (part of) its name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)


class LearnerSignupForm(PortalSignupForm):
    """allauth's sign-up (by mobile number or email, accounts.forms) plus what the programme
    needs to know about a learner."""

    field_order = [
        "county",
        "name",
        "phone",
        "email",
        "password1",
        "password2",
        "school",
        "gender",
        "birth_year",
        "privacy_consent",
    ]

    county = CountyField(
        label=_("Your county"),
        help_text=_("Type the county's name (e.g. 桐庐) or its 6-digit code (e.g. 330122)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-county-search": ""}),
    )
    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    school = forms.CharField(label=_("School"), max_length=100, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", "—"), *User.Gender.choices],
    )
    birth_year = forms.TypedChoiceField(
        label=_("Birth year"), required=False, coerce=int, empty_value=None, choices=_birth_year_choices
    )
    privacy_consent = forms.BooleanField(
        label=_("I have read and accept the privacy notice."),
        error_messages={"required": _("You need to accept the privacy notice to sign up.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.county_matches = []
        self.selected_county = None
        self.fields["county"].widget.attrs["data-county-search"] = reverse("counties:search")
        self.fields["privacy_consent"].help_text = format_html(
            '<a href="{}">{}</a>', reverse("privacy"), _("Read the privacy notice")
        )
        if not self.is_bound:
            request = allauth_context.request
            code = request.GET.get("county", "") if request is not None else ""
            if code:
                self.selected_county = county_lookup(code).county
                if self.selected_county:
                    self.initial["county"] = self.selected_county.code

    def clean_county(self):
        text = self.cleaned_data["county"]
        lookup = county_lookup(text)
        if lookup.county:
            self.selected_county = lookup.county
            return lookup.county
        if lookup.matches:
            self.county_matches = lookup.matches
            raise forms.ValidationError(
                _("Several counties match “%(text)s”: choose yours from the list."),
                code="ambiguous",
                params={"text": text},
            )
        raise forms.ValidationError(
            _(
                "No county matches “%(text)s”. Try the county's name or its 6-digit code, "
                "or browse by province."
            ),
            code="not_found",
            params={"text": text},
        )

    def save(self, request):
        # The account and the learner profile are created together or not at all.
        with transaction.atomic():
            return super().save(request)

    def signup(self, request, user):
        learner_profile_save(
            user=user, county=self.cleaned_data["county"], school=self.cleaned_data.get("school", "")
        )


# --- the coordinator's workspace ---------------------------------------------------------------
