"""Who else may see a learner's handed-in work, kept by the apps above practice.

The photos of a submission are private: the learner who took them, a coordinator of the
submission's cohort and staff see them (``selectors.submission_image``). An app above practice
may give others a reason to see a submission too: a competition round's judge marks the
submissions assigned to them. Practice sits below those apps, so, as with its gates
(``practice.gates``), an app registers here when it starts (``AppConfig.ready``) and practice
never imports it.

A viewer takes the signed-in user and returns the ids of the submissions that user may see, as a
``values("…")`` queryset of one column: the photo's check reads it as a subquery, so every
registered viewer and the built-in rules together cost one query.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from accounts.models import User

Viewer = Callable[[User], QuerySet]

_VIEWERS: dict[str, Viewer] = {}


def register(name: str, viewer: Viewer) -> None:
    """Let ``user`` see the submissions whose ids ``viewer(user)`` selects (one column)."""
    _VIEWERS[name] = viewer


def submission_ids(user: User) -> list[QuerySet]:
    """The registered viewers' subqueries of the submission ids ``user`` may see; none run here."""
    return [viewer(user) for viewer in _VIEWERS.values()]
