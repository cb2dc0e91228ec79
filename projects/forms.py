"""The projects' forms. Plain forms: the views call the services with the cleaned data."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from talentportal.images import MAX_UPLOAD_BYTES, ImageRefused, compress
from talentportal.validators import validate_single_line

from . import dates
from .models import Project

# Update photos show a place or a screen: a little more detail than the default 800 px.
PHOTO_SIDE = 1200


class DateInput(forms.DateInput):
    """<input type="date"> sends ISO dates whatever the page's language; render it in ISO too
    (the zh_Hans input format would be dropped by the browser)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class KeyedForm(forms.Form):
    """A form that creates a row: a hidden key, new for each render, makes a second POST of the
    same render (a double click, a resend) create nothing (the services' ``client_key``)."""

    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class ProjectForm(KeyedForm):
    title = forms.CharField(label=_("Title"), max_length=100, validators=[validate_single_line])
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = forms.ModelChoiceField(label=_("Owner officer"), queryset=None, required=False)
    partner_name = forms.CharField(
        label=_("Partner organisation"), max_length=100, validators=[validate_single_line]
    )
    partner_kind = forms.ChoiceField(label=_("Kind of partner"), choices=Project.PartnerKind.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=Project.Status.choices)
    survey_responses = forms.ModelMultipleChoiceField(
        label=_("Needs surveys that motivated it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cohorts = forms.ModelMultipleChoiceField(
        label=_("Cohorts that trained people for it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, linkable: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = linkable["owners"]
        self.fields["owner"].label_from_instance = lambda user: user.name or user.email or user.mobile
        self.fields["survey_responses"].queryset = linkable["responses"]
        self.fields["survey_responses"].label_from_instance = lambda response: (
            f"{response.organisation_name} · {response.survey.title} · {response.submitted_at:%Y-%m-%d}"
        )
        self.fields["cohorts"].queryset = linkable["cohorts"]
        self.fields["cohorts"].label_from_instance = lambda cohort: f"{cohort.name} · {cohort.course.title}"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end:
            try:
                dates.check_project_dates(start=start, end=end)
            except ValidationError as error:
                self.add_error(None, error)
        return data


class MilestoneForm(KeyedForm):
    title = forms.CharField(label=_("Milestone"), max_length=100, validators=[validate_single_line])
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())


class UpdateForm(KeyedForm):
    written_on = forms.DateField(label=_("Date"), widget=DateInput())
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The image is larger than 10 MB."))
        try:
            return compress(upload.read(), max_side=PHOTO_SIDE)
        except ImageRefused as refused:
            raise forms.ValidationError(refused.message) from refused


class IndicatorForm(KeyedForm):
    name = forms.CharField(label=_("Indicator"), max_length=100, validators=[validate_single_line])
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False, validators=[validate_single_line])
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=12, decimal_places=2)
    target = forms.DecimalField(label=_("Target"), max_digits=12, decimal_places=2)


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())
    actual = forms.DecimalField(label=_("Actual value"), max_digits=12, decimal_places=2)
    # The period's dates are checked against the project's and the indicator's other periods by
    # services.period_record (projects.dates): the view shows its refusal on these fields.


class SuccessorForm(forms.Form):
    contact = forms.CharField(
        label=_("Email address or mobile number"),
        max_length=254,
        help_text=_("A learner or a coordinator of this county."),
    )
    role = forms.CharField(label=_("Role in the project"), max_length=60, validators=[validate_single_line])


class ChecklistItemForm(KeyedForm):
    text = forms.CharField(label=_("Checklist item"), max_length=200, validators=[validate_single_line])
