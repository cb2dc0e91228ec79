from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Question

from .services import EnrollmentError, cohort_find_by_code

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class JoinCodeForm(forms.Form):
    """The join code a coordinator gives out (spaces, dashes and lower case are forgiven)."""

    code = forms.CharField(
        label=_("Join code"),
        max_length=20,
        help_text=_("The 8-letter code your teacher or coordinator gave you, e.g. K7M2-QX9P."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        try:
            self.cohort = cohort_find_by_code(self.cleaned_data["code"])
        except EnrollmentError as error:
            raise forms.ValidationError(error.message, code=error.code) from error
        return self.cohort.join_code


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"),
        max_length=300,
        required=False,
        help_text=_("It helps your coordinator. Your progress is kept if you come back."),
    )


class QuizForm(forms.Form):
    """One field per question, named ``q<question id>``, whose values are choice ids.

    Built from questions loaded without their correctness (enrollment.quizzes.quiz_questions),
    in the order the page shows them.
    """

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        required = _("Choose an answer.")
        for question in questions:
            choices = [(choice.pk, choice.text) for choice in question.choice_list]
            if question.kind == Question.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    coerce=int,
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    error_messages={"required": required},
                )
                field.help_text = _("Choose every right answer.")
            else:
                field = forms.TypedChoiceField(
                    coerce=int,
                    choices=choices,
                    widget=forms.RadioSelect,
                    error_messages={"required": required},
                )
            field.label = question.text
            self.fields[f"q{question.pk}"] = field

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not TOKEN_RE.match(token):
            raise forms.ValidationError(_("This quiz page is not valid any more. Open the quiz again."))
        return token

    def question_fields(self):
        """(question, bound field) pairs in page order, for the template."""
        return [(question, self[f"q{question.pk}"]) for question in self.questions]

    def answers(self) -> dict[int, set[int]]:
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            answers[question.pk] = set(value) if isinstance(value, list) else {value}
        return answers
