"""The officers' forms: the response form, built from the survey's questions (one field per
question, ``q<id>``, the organisation answered for, the county, and the client key that makes a
send idempotent); a survey's definition (title, county, a formset of questions); a visit."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal.images import MAX_UPLOAD_BYTES, ImageRefused, compress
from talentportal.validators import validate_single_line

from .models import SurveyQuestion, SurveyResponse
from .services import QuestionSpec, VisitDetails

# Survey photos keep more detail than the practice lab's pictures: a shop front, a field, a ledger.
PHOTO_SIDE = 1200


class ResponseForm(forms.Form):
    client_key = forms.UUIDField(widget=forms.HiddenInput)
    organisation_name = forms.CharField(
        label=_("Organisation"), max_length=100, validators=[validate_single_line]
    )
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=SurveyResponse.OrganisationKind.choices
    )
    county = forms.ModelChoiceField(label=_("County"), queryset=None, empty_label=None)

    def __init__(self, *args, questions: list[SurveyQuestion], counties, townships, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("client_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["county"].queryset = counties
        self.townships = {township.code: township for township in townships}
        for question in questions:
            self.fields.update(self._fields_for(question))

    def _fields_for(self, question: SurveyQuestion) -> dict[str, forms.Field]:
        name, label, required = f"q{question.pk}", question.text, question.required
        kind = SurveyQuestion.Kind
        choices = [(choice, choice) for choice in question.choice_list]
        if question.kind == kind.SINGLE:
            return {
                name: forms.ChoiceField(
                    label=label, required=required, choices=choices, widget=forms.RadioSelect
                )
            }
        if question.kind == kind.MULTIPLE:
            return {
                name: forms.MultipleChoiceField(
                    label=label, required=required, choices=choices, widget=forms.CheckboxSelectMultiple
                )
            }
        if question.kind == kind.NUMBER:
            return {name: forms.DecimalField(label=label, required=required, max_digits=12, decimal_places=2)}
        if question.kind == kind.DATE:
            return {
                name: forms.DateField(
                    label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
                )
            }
        if question.kind == kind.PHOTO:
            return {
                name: forms.FileField(
                    label=label,
                    required=required,
                    widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                )
            }
        if question.kind == kind.PLACE:
            townships = [("", "—")] + [
                (code, f"{township.county.name} {township.name}") for code, township in self.townships.items()
            ]
            return {
                f"{name}_township": forms.ChoiceField(
                    label=label, required=required and bool(self.townships), choices=townships
                ),
                f"{name}_village": forms.CharField(
                    label=_("Village"), required=False, max_length=50, validators=[validate_single_line]
                ),
            }
        return {
            name: forms.CharField(
                label=label, required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
            )
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        county = cleaned.get("county")
        self.photos = {}
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == SurveyQuestion.Kind.PLACE:
                township = self.townships.get(cleaned.get(f"{name}_township") or "")
                if township is not None and county is not None and township.county_id != county.pk:
                    self.add_error(f"{name}_township", _("This township is not in the county chosen."))
            if question.kind == SurveyQuestion.Kind.PHOTO and cleaned.get(name):
                upload = cleaned[name]
                try:
                    if upload.size > MAX_UPLOAD_BYTES:  # weighed before it is read into memory
                        raise ImageRefused(gettext("The image is larger than 10 MB."))
                    self.photos[question] = compress(upload.read(), max_side=PHOTO_SIDE)
                except ImageRefused as refused:
                    self.add_error(name, refused.message)
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The answers as stored: JSON values keyed by the question's id."""
        answers: dict[str, Any] = {}
        for question in self.questions:
            name = f"q{question.pk}"
            kind = question.kind
            if kind == SurveyQuestion.Kind.PHOTO:
                continue
            if kind == SurveyQuestion.Kind.PLACE:
                township = self.townships.get(self.cleaned_data.get(f"{name}_township") or "")
                village = self.cleaned_data.get(f"{name}_village") or ""
                if township or village:
                    answers[str(question.pk)] = {
                        "township": township.code if township else "",
                        "township_name": township.name if township else "",
                        "village": village,
                    }
                continue
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            if kind == SurveyQuestion.Kind.NUMBER:
                value = float(value)
            elif kind == SurveyQuestion.Kind.DATE:
                value = value.isoformat()
            answers[str(question.pk)] = value
        return answers


class SurveyForm(forms.Form):
    """A survey's title and, when it is created, its county (staff may leave it empty: every
    county)."""

    title = forms.CharField(label=_("Title"), max_length=100, validators=[validate_single_line])
    county = forms.ModelChoiceField(label=_("County"), queryset=None, required=True)

    def __init__(self, *args, counties=None, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if counties is None:
            del self.fields["county"]
            return
        field = self.fields["county"]
        field.queryset = counties
        field.required = not staff
        field.empty_label = _("Every county") if staff else None


class QuestionForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=_("Question"), max_length=200, validators=[validate_single_line])
    # The initial kind is the one a browser shows selected: an empty extra question, sent as it
    # was shown, is then unchanged and left out.
    kind = forms.ChoiceField(
        label=_("Kind"), choices=SurveyQuestion.Kind.choices, initial=SurveyQuestion.Kind.TEXT
    )
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=2000,
        help_text=_("One choice per line, for single and multiple choice."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(label=_("Required"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        lines = [line.strip() for line in (cleaned.get("choices") or "").splitlines() if line.strip()]
        if cleaned.get("kind") in SurveyQuestion.CHOICE_KINDS:
            if len(lines) < 2:
                self.add_error("choices", _("Give at least two choices, one per line."))
            cleaned["choices"] = "\n".join(lines)
        else:
            cleaned["choices"] = ""
        return cleaned


QuestionFormSet = forms.formset_factory(
    QuestionForm, extra=2, can_delete=True, min_num=1, validate_min=True, max_num=60, validate_max=True
)


def question_specs(formset) -> list[QuestionSpec]:
    """The questions of a valid formset, in their order, deleted and empty ones left out."""
    return [
        QuestionSpec(
            text=form.cleaned_data["text"],
            kind=form.cleaned_data["kind"],
            choices=form.cleaned_data["choices"],
            required=form.cleaned_data["required"],
            pk=form.cleaned_data.get("id"),
        )
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class VisitForm(forms.Form):
    # Only on a new visit's form (the view sets it): a visit sent twice is logged once.
    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    visited_on = forms.DateField(label=_("Date of visit"), widget=forms.DateInput(attrs={"type": "date"}))
    township = forms.ChoiceField(label=_("Township"), required=False)
    village = forms.CharField(
        label=_("Village"), required=False, max_length=60, validators=[validate_single_line]
    )
    organisations_met = forms.CharField(
        label=_("Organisations met"),
        required=False,
        max_length=2000,
        help_text=_("One organisation per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    minutes_spent = forms.IntegerField(label=_("Time spent (minutes)"), min_value=1, max_value=24 * 60)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    responses = forms.ModelMultipleChoiceField(
        label=_("Surveys filled in on this visit"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, townships, responses, **kwargs):
        super().__init__(*args, **kwargs)
        self.township_rows = {township.code: township for township in townships}
        self.fields["township"].choices = [("", "—")] + [
            (code, township.name) for code, township in self.township_rows.items()
        ]
        self.fields["responses"].queryset = responses
        self.fields["responses"].label_from_instance = lambda response: (
            f"{response.organisation_name} · {response.survey.title} · "
            f"{timezone.localtime(response.submitted_at):%Y-%m-%d}"
        )

    def clean_visited_on(self):
        visited_on = self.cleaned_data["visited_on"]
        if visited_on > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be logged before it happens."))
        return visited_on

    def details(self) -> VisitDetails:
        data = self.cleaned_data
        return VisitDetails(
            visited_on=data["visited_on"],
            township=self.township_rows.get(data.get("township") or ""),
            village=data.get("village") or "",
            organisations_met="\n".join(
                line.strip() for line in (data.get("organisations_met") or "").splitlines() if line.strip()
            ),
            minutes_spent=data["minutes_spent"],
            notes=data.get("notes") or "",
            responses=list(data.get("responses") or []),
        )
