"""The survey form, built from the survey's questions: one field per question (``q<id>``), the
organisation answered for, the county, and the client key that makes a send idempotent."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal.images import MAX_UPLOAD_BYTES, ImageRefused, compress
from talentportal.validators import validate_single_line

from .models import SurveyQuestion, SurveyResponse

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
