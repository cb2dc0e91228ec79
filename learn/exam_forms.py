"""Forms of the exam pages: the room code, and a page of the paper read from a plain POST.

The answers a page sends are checked by ``exams.attempts.attempt_answers_save`` (the options of
the question, the length of a text); here they are only read into the shape it takes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from exams.models import BankQuestion


class RoomCodeForm(forms.Form):
    """The six digits shown on the exam room's projector (spaces forgiven)."""

    code = forms.CharField(
        label=_("Room code"),
        max_length=20,
        help_text=_("The six digits shown in your exam room. The code changes every minute."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "autofocus": True, "class": "room-code"}
        ),
    )


def field_name(position: int) -> str:
    """The name of the inputs of the question at ``position`` on the paper form."""
    return f"q{position}"


def page_answers(data: QueryDict, questions: Iterable[tuple[int, str]]) -> dict[int, Any]:
    """The answers a page of the paper sent, ``{position: answer}`` for every question of the
    page (``questions``: its positions and kinds): the option ids of a choice question (a list,
    empty when none is ticked: an unanswered question clears its answer), the text of the
    others."""
    answers: dict[int, Any] = {}
    for position, kind in questions:
        name = field_name(position)
        if kind in BankQuestion.CHOICE_KINDS:
            answers[position] = [value for value in data.getlist(name) if value]
        else:
            answers[position] = data.get(name, "")
    return answers


def saved_answer(values: list[str]) -> Any:
    """The answer an autosave sends (its repeated ``answer`` fields) in the shape
    ``attempt_answers_save`` takes without knowing the question: nothing clears it, one value
    is an option id or a text, several are option ids."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return values
