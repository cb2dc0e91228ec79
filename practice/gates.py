"""Gates on practice tasks, kept by the apps above practice.

An item set or an assignment may serve another app for a while: a competition round's
practical task, for one, must not be open to its entrants before the round (a head start:
the task, and for a job its review) nor to anyone else while the round is on. Practice sits
below those apps, so, as with role flags (``accounts.roles``) and evidence
(``accounts.evidence``), an app registers a gate here when it starts (``AppConfig.ready``) and
the learner's practice pages (the exercise, starting a run, a run's pages and result, an
assignment) ask ``refusal`` before they show or start anything. ``practice`` never imports them.

A gate takes the user, the task (an ``ItemSet`` or an ``Assignment``), the time and whether
the page is a run's review (its answers against the expected ones: a round's entrant may hand
in but not see them while others still work on the task), and returns a ``Refusal`` or None,
in one query at most: every learner's practice page pays it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User

from .models import Assignment, ItemSet


@dataclass(frozen=True)
class Refusal:
    """Why a gate keeps the task closed: ``message`` (translated), the page that says it
    (``template``, the gate's app's own, rendered with ``refusal`` and ``context``, answered
    with ``status``: 403, or 200 for work handed in whose review waits) and a way on
    (``link_url`` with its ``link_label``)."""

    message: str
    template: str
    link_url: str = ""
    link_label: str = ""
    context: dict = field(default_factory=dict)
    status: int = 403


Task = ItemSet | Assignment
Gate = Callable[[User, Task, datetime, bool], Refusal | None]

_GATES: dict[str, Gate] = {}


def register(name: str, gate: Gate) -> None:
    """Consult ``gate`` (user, task, now, review → Refusal or None) before a learner opens a
    task or, with ``review`` true, a run's review."""
    _GATES[name] = gate


def is_registered(name: str) -> bool:
    return name in _GATES


def refusal(*, user: User, task: Task, now: datetime | None = None, review: bool = False) -> Refusal | None:
    """The first refusal of the registered gates, or None when every gate lets ``user`` in
    (to the task, or with ``review`` to a run's review)."""
    now = now or timezone.now()
    for gate in _GATES.values():
        refused = gate(user, task, now, review)
        if refused is not None:
            return refused
    return None


def refusal_response(request: HttpRequest, refused: Refusal) -> HttpResponse:
    """The refusal as a page (403, or 200 for work handed in), with the reason and the way on."""
    return render(request, refused.template, {"refusal": refused, **refused.context}, status=refused.status)
