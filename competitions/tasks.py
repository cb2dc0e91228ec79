"""Celery tasks of the competitions app: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from talentportal.queue import enqueue

from . import awards, services
from .models import Round


@shared_task
def rebuild_round_results(round_id: int) -> int:
    """Rebuild one round's results (idempotent: the rebuild replaces them whole)."""
    round = Round.objects.filter(pk=round_id).first()
    return 0 if round is None else services.round_results_rebuild(round=round)


@shared_task
def refresh_open_rounds() -> int:
    """Queue a rebuild of every round whose results are still changing: open, or just closed.
    Scores arrive as attempts and runs are submitted in the exams and practice apps, which do
    not know about competitions; this sweep is what makes the scoreboard live."""
    round_ids = services.rounds_to_refresh()
    for round_id in round_ids:
        enqueue(rebuild_round_results, round_id)
    return len(round_ids)


@shared_task
def issue_award(award_id: int) -> bool:
    """Render an award certificate (idempotent: see competitions.awards.award_issue)."""
    return awards.award_issue(award_id=award_id)


@shared_task
def sweep_pending_awards() -> int:
    """Queue again the award certificates whose message was lost."""
    award_ids = awards.awards_left_pending()
    for award_id in award_ids:
        enqueue(issue_award, award_id)
    return len(award_ids)
