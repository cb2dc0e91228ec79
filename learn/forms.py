from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.forms.utils import ErrorList
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from courses.models import Question
from enrollment.quizzes import QuizQuestion
from enrollment.services import EnrollmentError, cohort_find_by_code

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
    in the order the page shows them. It validates a submitted page; the page itself is drawn
    from quiz_inputs(), without rendering a widget per choice.
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

    def answers(self) -> dict[int, set[int]]:
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            answers[question.pk] = set(value) if isinstance(value, list) else {value}
        return answers


@dataclass(frozen=True, slots=True)
class QuizOption:
    tag: str  # the <input>, as the form's widget renders it
    label: str


@dataclass(frozen=True, slots=True)
class QuizInput:
    """A question of a quiz page with the inputs of its choices."""

    question: QuizQuestion
    help_text: str
    options: list[QuizOption]
    errors: ErrorList | None


def quiz_inputs(*, questions: list[QuizQuestion], form: QuizForm | None = None) -> list[QuizInput]:
    """The inputs of a quiz page in page order, blank or as ``form`` (a submitted page with
    errors) received them: the HTML QuizForm's widgets would render, written directly rather
    than through a template per choice."""
    choose_every = _("Choose every right answer.")
    inputs = []
    for question in questions:
        name = f"q{question.pk}"
        multiple = question.kind == Question.Kind.MULTIPLE
        chosen: list[str] = []
        errors = None
        if form is not None:
            chosen = form.data.getlist(name) if multiple else [form.data.get(name)]
            errors = form[name].errors or None
        attributes = ("" if multiple else " required") + (' aria-invalid="true"' if errors else "")
        options = []
        for index, choice in enumerate(question.choice_list):
            value = str(choice.pk)
            tag = format_html(
                '<input type="{}" name="{}" value="{}" id="id_{}_{}"{}{}>',
                "checkbox" if multiple else "radio",
                name,
                value,
                name,
                index,
                mark_safe(attributes),
                mark_safe(" checked" if value in chosen else ""),
            )
            options.append(QuizOption(tag=tag, label=choice.text))
        inputs.append(
            QuizInput(
                question=question, help_text=choose_every if multiple else "", options=options, errors=errors
            )
        )
    return inputs
