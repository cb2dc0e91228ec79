"""The competitions' gate on practice tasks (registered in ``practice.gates``): a round's
practical task — its labelling item set or its judged assignment — is closed to everyone but
the round's accepted entrants, and to them until the round opens, for as long as a round
that uses it has not ended. Staff, the track's editors and publishers, and the round's judges
keep access. An entrant who hands in during the round does not see the run's review (the
answers against the expected ones) until the round ends: others are still working on the task.
Once every round that uses the task has ended it is an ordinary practice task
again: the results read only runs started inside the round, so practising it afterwards
changes nothing, and the entrants can see their work and its review."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from courses.models import TrackRole
from practice.gates import Refusal
from practice.models import ItemSet

from .models import EntryMember, Round, RoundJudge

GATE_NAME = "competitions"
TEMPLATE = "competitions/task_refused.html"


def _when(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i")


def round_task_refusal(user: User, task, now: datetime, review: bool = False) -> Refusal | None:
    """Whether ``user`` may open ``task`` (an item set or an assignment), or with ``review`` a
    run's review of it, now: None, or why not with a link to the competition. One query (none
    for staff)."""
    if user.is_staff:
        return None
    field = "item_set" if isinstance(task, ItemSet) else "assignment"
    rounds = list(
        Round.objects.filter(**{field: task.pk}, closes_at__gt=now)
        .annotate(
            entered=Exists(
                EntryMember.objects.filter(
                    entry__round_entries__round=OuterRef("pk"), learner=user, accepted_at__isnull=False
                )
            ),
            keeps_access=Exists(RoundJudge.objects.filter(round=OuterRef("pk"), judge=user))
            | Exists(TrackRole.objects.filter(user=user, track_id=OuterRef("competition__track_id"))),
        )
        .values("competition_id", "competition__title", "opens_at", "closes_at", "entered", "keeps_access")
        .order_by("opens_at", "pk")
    )
    if not rounds or any(round["keeps_access"] for round in rounds):
        return None
    running = [round for round in rounds if round["entered"] and round["opens_at"] <= now]
    if running and not review:
        return None
    if running:
        round = running[0]
        return Refusal(
            message=_(
                "Your work is handed in and counts for the round: your score shows on its "
                "scoreboard. Its review, with the expected answers, opens when the round ends at "
                "%(closes)s: until then other entrants are still working on the task."
            )
            % {"closes": _when(round["closes_at"])},
            template=TEMPLATE,
            link_url=reverse("competitions:detail", args=[round["competition_id"]]),
            link_label=round["competition__title"],
            context={"handed_in": True},
            status=200,
        )
    # Say it about the round the learner entered, else about the first one.
    round = next((round for round in rounds if round["entered"]), rounds[0])
    if round["entered"]:
        message = _(
            "This is the practical task of a competition round you entered: it opens with the "
            "round at %(opens)s."
        ) % {"opens": _when(round["opens_at"])}
    else:
        message = _(
            "This is the practical task of a competition round: only the round's entrants open "
            "it, during the round, until it ends at %(closes)s."
        ) % {"closes": _when(round["closes_at"])}
    return Refusal(
        message=message,
        template=TEMPLATE,
        link_url=reverse("competitions:detail", args=[round["competition_id"]]),
        link_label=round["competition__title"],
    )
