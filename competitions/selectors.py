"""Reads of the competitions app: who manages what, the competitions open to a learner, the
learner's entries and invitations, the scoreboard (public, cached by round and results version)
and the privacy export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.evidence import Evidence
from accounts.models import User
from counties.selectors import workspace_counties
from practice.models import Run

from .models import (
    AdvancementAdjustment,
    Appeal,
    Award,
    Competition,
    Entry,
    EntryMember,
    JudgeMark,
    Round,
    RoundEntry,
    RoundJudge,
    RoundResult,
    Tier,
)

SCOREBOARD_PAGE_SIZE = 100
SCOREBOARD_CACHE_SECONDS = 300
LIST_PAGE_SIZE = 25
# The name under which the app's prizes are registered as evidence (accounts.evidence).
AWARD_EVIDENCE = "competition_award"

# --- scope ---------------------------------------------------------------------------------------------


def managed_competitions(user: User) -> QuerySet[Competition]:
    """Competitions ``user`` manages: every one for staff; for a coordinator, the county
    competitions of their counties and those with a round in one of them."""
    if not user.is_authenticated:
        return Competition.objects.none()
    if user.is_staff:
        return Competition.objects.all()
    counties = workspace_counties(user)
    return Competition.objects.filter(
        Q(county__in=counties) | Q(rounds__tier=Tier.COUNTY, rounds__county__in=counties)
    ).distinct()


def editable_competitions(user: User) -> QuerySet[Competition]:
    """Competitions whose settings and rounds ``user`` may change: staff every one, a
    coordinator the county competitions of their counties."""
    if not user.is_authenticated:
        return Competition.objects.none()
    if user.is_staff:
        return Competition.objects.all()
    return Competition.objects.filter(county__in=workspace_counties(user))


def managed_rounds(user: User) -> QuerySet[Round]:
    """Rounds ``user`` manages: every one for staff, a coordinator's counties' county rounds."""
    if not user.is_authenticated:
        return Round.objects.none()
    if user.is_staff:
        return Round.objects.all()
    return Round.objects.filter(tier=Tier.COUNTY, county__in=workspace_counties(user))


def is_manager(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_staff or workspace_counties(user).exists()))


# --- learners -------------------------------------------------------------------------------------------


def open_competitions(now=None) -> QuerySet[Competition]:
    """Competitions whose registration has not closed, soonest closing first."""
    now = now or timezone.now()
    return (
        Competition.objects.filter(registration_closes_at__gt=now)
        .select_related("track", "county", "province")
        .order_by("registration_closes_at", "pk")
    )


@dataclass
class MyEntry:
    entry: Entry
    members: list[EntryMember]
    rounds: list[RoundEntry]  # each with ``result``: the live RoundResult or None


def my_entries(user: User) -> list[MyEntry]:
    """The learner's entries with their members, rounds, live results, appeals and awards: six
    queries."""
    if not user.is_authenticated:
        return []
    entries = list(
        Entry.objects.filter(members__learner=user, members__accepted_at__isnull=False)
        .select_related("competition", "county")
        .prefetch_related(
            Prefetch("members", queryset=EntryMember.objects.select_related("learner").order_by("pk")),
            Prefetch(
                "round_entries",
                queryset=RoundEntry.objects.select_related("round__county", "round__province").order_by(
                    "round__opens_at"
                ),
            ),
        )
        .order_by("-created_at")
    )
    results = {
        (result.entry_id, result.round_id): result
        for result in RoundResult.objects.filter(entry__in=entries, view=RoundResult.View.LIVE)
    }
    appeals: dict[tuple[int, int], list[Appeal]] = {}
    for appeal in Appeal.objects.filter(entry__in=entries).order_by("-created_at", "-pk"):
        appeals.setdefault((appeal.entry_id, appeal.round_id), []).append(appeal)
    awards = {
        (award.entry_id, award.round_id): award
        for award in Award.objects.filter(entry__in=entries, status=Award.Status.ISSUED)
    }
    now = timezone.now()
    mine = []
    for entry in entries:
        rounds = list(entry.round_entries.all())
        for round_entry in rounds:
            round_entry.result = results.get((entry.pk, round_entry.round_id))
            round_entry.appeals = appeals.get((entry.pk, round_entry.round_id), [])
            round_entry.can_appeal = round_entry.round.appeals_open(now)
            round_entry.award = awards.get((entry.pk, round_entry.round_id))
        mine.append(MyEntry(entry=entry, members=list(entry.members.all()), rounds=rounds))
    return mine


def my_invitations(user: User) -> QuerySet[EntryMember]:
    if not user.is_authenticated:
        return EntryMember.objects.none()
    return (
        EntryMember.objects.filter(learner=user, accepted_at__isnull=True)
        .select_related("entry__competition", "entry__captain")
        .order_by("-invited_at")
    )


def entry_of(*, competition: Competition, user: User) -> Entry | None:
    if not user.is_authenticated:
        return None
    return (
        Entry.objects.filter(
            competition=competition, members__learner=user, members__accepted_at__isnull=False
        )
        .select_related("county")
        .first()
    )


def entered_round(*, user: User, pk: int) -> Round | None:
    """A round ``user`` takes part in (an accepted member of an entry in it), or None."""
    if not user.is_authenticated:
        return None
    return (
        Round.objects.filter(
            pk=pk, entries__entry__members__learner=user, entries__entry__members__accepted_at__isnull=False
        )
        .select_related("item_set")
        .first()
    )


def rounds_with_early_runs(*, rounds: list[Round], user: User) -> dict[int, bool]:
    """The rounds whose labelling task ``user`` started before the round opened and has not
    handed in inside it (that early run never counts), each with whether a run started inside
    the round is waiting to be carried on (one query)."""
    tasks = {round.item_set_id for round in rounds if round.item_set_id}
    if not user.is_authenticated or not tasks:
        return {}
    runs: dict[int, list] = {}
    for item_set_id, started_at, submitted_at in Run.objects.filter(
        enrollment__learner=user, item_set_id__in=tasks
    ).values_list("item_set_id", "started_at", "submitted_at"):
        runs.setdefault(item_set_id, []).append((started_at, submitted_at))
    early: dict[int, bool] = {}
    for round in rounds:
        times = runs.get(round.item_set_id, [])
        inside = [submitted for started, submitted in times if round.opens_at <= started < round.closes_at]
        if any(started < round.opens_at for started, _submitted in times) and all(s is None for s in inside):
            early[round.pk] = bool(inside)
    return early


# --- scoreboard ------------------------------------------------------------------------------------------

BOARD_FIELDS = (
    "entry_id",
    "rank",
    "display_name",
    "county_name",
    "practical_percent",
    "practical_seconds",
    "theory_percent",
)


def board_view(round: Round, now=None) -> str:
    """Which results the public sees now: frozen in the last minutes of the round."""
    return RoundResult.View.FROZEN if round.is_frozen(now) else RoundResult.View.LIVE


def scoreboard_rows(round: Round, *, view: str, page: int) -> dict:
    """A page of the scoreboard as plain data, the same for every visitor: cached by the
    round, the view, the view's own version (``Round.board_version``: new scores during a
    freeze leave the frozen board's cache warm) and the page (two queries on a miss, none on a
    hit). The ranked entries in rank order, then those with nothing submitted."""
    prefix = f"competitions:board:{round.pk}:{view}:{round.board_version(view)}"
    results = RoundResult.objects.filter(round=round, view=view)
    total = cache.get(f"{prefix}:total")
    if total is None:
        total = results.count()
        cache.set(f"{prefix}:total", total, SCOREBOARD_CACHE_SECONDS)
    pages = max(1, -(-total // SCOREBOARD_PAGE_SIZE))
    # Keyed by the page actually shown: any page number typed in the address is one of ``pages``.
    page = min(max(page, 1), pages)
    key = f"{prefix}:{page}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    start = (page - 1) * SCOREBOARD_PAGE_SIZE
    rows = list(
        results.order_by(F("rank").asc(nulls_last=True), "pk").values(*BOARD_FIELDS)[
            start : start + SCOREBOARD_PAGE_SIZE
        ]
    )
    for row in rows:
        seconds = row["practical_seconds"]
        row["time"] = "" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"
    data = {"rows": rows, "page": page, "pages": pages, "total": total}
    cache.set(key, data, SCOREBOARD_CACHE_SECONDS)
    return data


def public_round(pk: int) -> Round:
    return Round.objects.select_related("competition", "county", "province", "exam", "item_set").get(pk=pk)


def own_result(*, round: Round, user: User) -> RoundResult | None:
    """The signed-in entrant's live result in the round (they see it even while frozen)."""
    if not user.is_authenticated:
        return None
    return RoundResult.objects.filter(
        round=round,
        view=RoundResult.View.LIVE,
        entry__members__learner=user,
        entry__members__accepted_at__isnull=False,
    ).first()


# --- managing ------------------------------------------------------------------------------------------


def round_entrants(round: Round) -> QuerySet[RoundEntry]:
    return (
        RoundEntry.objects.filter(round=round)
        .select_related("entry__captain", "entry__county")
        .order_by("entry__county_id", "pk")
    )


def round_judges(round: Round) -> list[RoundJudge]:
    """The round's judges with their marks assigned and done (two queries)."""
    judges = list(RoundJudge.objects.filter(round=round).select_related("judge", "county").order_by("pk"))
    counts = {
        row["judge_id"]: row
        for row in JudgeMark.objects.filter(round=round)
        .values("judge_id")
        .annotate(assigned=Count("pk"), done=Count("pk", filter=Q(marked_at__isnull=False)))
    }
    for judge in judges:
        row = counts.get(judge.judge_id, {})
        judge.assigned, judge.done = row.get("assigned", 0), row.get("done", 0)
    return judges


def round_adjustments(round: Round) -> QuerySet[AdvancementAdjustment]:
    return AdvancementAdjustment.objects.filter(round=round).select_related("entry__captain", "by")


# --- advancement and judging ---------------------------------------------------------------------------


def advancing_entry_ids(round: Round) -> list[int]:
    """The entries of ``round`` its rule sends to the next tier, by their live rank: the top N
    or top X % of the ranked entries, with everyone tied at the cut."""
    ranks = list(
        RoundResult.objects.filter(round=round, view=RoundResult.View.LIVE, rank__isnull=False)
        .order_by("rank", "pk")
        .values_list("entry_id", "rank")
    )
    count = round.advance_count(len(ranks))
    if not count:
        return []
    cut = ranks[count - 1][1]
    return [entry_id for entry_id, rank in ranks if rank <= cut]


def needed_positions(marks: dict[int, float | None], gap: int) -> list[int]:
    """The judge numbers a submission still needs: 1 and 2, and 3 when the first two marks are
    in and differ by more than ``gap``."""
    needed = [position for position in (1, 2) if position not in marks]
    first, second = marks.get(1), marks.get(2)
    if 3 not in marks and first is not None and second is not None and abs(first - second) > gap:
        needed.append(3)
    return needed


def judging_pending(round: Round) -> list[int]:
    """The submissions of the round waiting for a judge: a position not assigned, including a
    third judge that a large gap calls for and no judge was free to take (one query)."""
    if not round.assignment_id:
        return []
    positions: dict[int, dict[int, float | None]] = {}
    for submission_id, position, percent in JudgeMark.objects.filter(round=round).values_list(
        "submission_id", "position", "percent"
    ):
        positions.setdefault(submission_id, {})[position] = percent
    return sorted(
        submission_id
        for submission_id, marks in positions.items()
        if needed_positions(marks, round.judge_gap)
    )


def judged_submission_ids(user: User) -> QuerySet:
    """The submissions ``user`` has a mark of to make or made, as judge (a subquery of ids, for
    ``practice.viewers``): the photos of the work a judge marks. The same scope as the marking
    page; it reads only ids, so nothing about the entrant reaches the judge."""
    return JudgeMark.objects.filter(judge=user).values("submission_id")


# --- privacy ---------------------------------------------------------------------------------------------


def user_competition_data(user: User) -> list[dict]:
    """What the competitions app holds about ``user``: their entries and invitations, the rounds
    and their live results, the appeals they filed."""
    memberships = (
        EntryMember.objects.filter(learner=user)
        .select_related("entry__competition", "entry__county")
        .order_by("pk")
    )
    entry_ids = [membership.entry_id for membership in memberships]
    results: dict[int, list[dict]] = {}
    for row in (
        RoundResult.objects.filter(entry_id__in=entry_ids, view=RoundResult.View.LIVE)
        .select_related("round__competition")
        .order_by("round__opens_at")
    ):
        results.setdefault(row.entry_id, []).append(
            {
                "round": str(row.round.place_name),
                "tier": row.round.tier,
                "rank": row.rank,
                "practical_percent": row.practical_percent,
                "practical_seconds": row.practical_seconds,
                "theory_percent": row.theory_percent,
            }
        )
    appeals: dict[int, list[dict]] = {}
    for appeal in Appeal.objects.filter(filed_by=user).order_by("created_at", "pk"):
        appeals.setdefault(appeal.entry_id, []).append(
            {
                "score": appeal.score,
                "reason": appeal.reason,
                "status": appeal.status,
                "corrected_percent": appeal.corrected_percent,
                "filed_at": appeal.created_at.isoformat(),
            }
        )
    awards: dict[int, list[dict]] = {}
    for award in Award.objects.filter(entry_id__in=entry_ids).select_related("round").order_by("pk"):
        awards.setdefault(award.entry_id, []).append(
            {
                "round": str(award.round.place_name),
                "tier": award.round.tier,
                "prize": award.prize,
                "rank": award.rank,
                "status": award.status,
                "verification_code": award.verification_code,
                "issued_at": award.issued_at.isoformat() if award.issued_at else None,
            }
        )
    adjustments: dict[int, list[dict]] = {}
    for adjustment in (
        AdvancementAdjustment.objects.filter(entry_id__in=entry_ids)
        .select_related("round")
        .order_by("at", "pk")
    ):
        adjustments.setdefault(adjustment.entry_id, []).append(
            {
                "round": str(adjustment.round.place_name),
                "action": adjustment.action,
                "reason": adjustment.reason,
                "at": adjustment.at.isoformat(),
            }
        )
    return [
        {
            "competition": membership.entry.competition.title,
            "team": membership.entry.name,
            "captain": membership.entry.captain_id == user.pk,
            "county": membership.entry.county.name,
            "invited_at": membership.invited_at.isoformat(),
            "accepted_at": membership.accepted_at.isoformat() if membership.accepted_at else None,
            "results": results.get(membership.entry_id, []),
            "appeals": appeals.get(membership.entry_id, []),
            "awards": awards.get(membership.entry_id, []),
            "adjustments": adjustments.get(membership.entry_id, []),
        }
        for membership in memberships
    ]


def user_competition_judging(user: User) -> dict:
    """What the competitions app holds about ``user`` as a judge: the rounds they judge (with
    the county they declared) and every mark assigned to them (three queries)."""
    rounds = [
        {
            "competition": judge.round.competition.title,
            "round": str(judge.round.place_name),
            "tier": judge.round.tier,
            "county": judge.county.name if judge.county else None,
            "added_at": judge.added_at.isoformat(),
        }
        for judge in RoundJudge.objects.filter(judge=user)
        .select_related("round__competition", "round__county", "round__province", "county")
        .order_by("pk")
    ]
    marks = [
        {
            "competition": mark.round.competition.title,
            "submission": mark.submission_id,
            "position": mark.position,
            "levels": mark.levels,
            "percent": mark.percent,
            "assigned_at": mark.assigned_at.isoformat(),
            "marked_at": mark.marked_at.isoformat() if mark.marked_at else None,
        }
        for mark in JudgeMark.objects.filter(judge=user).select_related("round__competition").order_by("pk")
    ]
    return {"rounds": rounds, "marks": marks}


# --- for the layers above: the programme figures and the learner's record ---------------------------


def learners_awards(user_ids: list[int]) -> dict[int, list[dict]]:
    """The prizes of several learners as evidence for their profiles and their applications:
    competition, tier, place, prize, rank and the verification code, newest first, per learner
    (two queries whatever the number of learners). Only issued awards of entries the learner
    belongs to (accepted)."""
    entries: dict[int, list[int]] = {}
    for entry_id, learner_id in EntryMember.objects.filter(
        learner_id__in=user_ids, accepted_at__isnull=False
    ).values_list("entry_id", "learner_id"):
        entries.setdefault(entry_id, []).append(learner_id)
    if not entries:
        return {}
    awards = (
        Award.objects.filter(status=Award.Status.ISSUED, entry_id__in=list(entries))
        .select_related("round__competition__track", "round__county", "round__province")
        .order_by("-issued_at", "-pk")
    )
    found: dict[int, list[dict]] = {}
    for award in awards:
        row = {
            "competition": award.round.competition.title,
            "track": award.round.competition.track.name,
            "tier": award.round.tier,
            "place": str(award.round.place_name),
            "prize": award.prize,
            "rank": award.rank,
            "verification_code": award.verification_code,
            "issued_at": award.issued_at.isoformat() if award.issued_at else None,
        }
        for learner_id in entries[award.entry_id]:
            found.setdefault(learner_id, []).append(row)
    return found


def learner_awards(user: User) -> list[dict]:
    """One learner's prizes (``learners_awards`` for one)."""
    return learners_awards([user.pk]).get(user.pk, [])


def award_evidence(user_ids: list[int]) -> dict[int, list[Evidence]]:
    """The learners' prizes as evidence items (accounts.evidence, registered by the app): the
    competition, "一等奖 · 省级赛 · 桐庐县 · 2026" and the award's public verification page."""
    prizes, tiers = dict(Award.Prize.choices), dict(Tier.choices)
    found: dict[int, list[Evidence]] = {}
    for learner_id, rows in learners_awards(user_ids).items():
        for row in rows:
            issued = datetime.fromisoformat(row["issued_at"]) if row["issued_at"] else None
            day = timezone.localdate(issued) if issued else None
            parts = [str(prizes[row["prize"]]), str(tiers[row["tier"]])]
            if row["tier"] != Tier.NATIONAL:
                parts.append(row["place"])
            if day:
                parts.append(str(day.year))
            found.setdefault(learner_id, []).append(
                Evidence(
                    kind=AWARD_EVIDENCE,
                    key=row["verification_code"],
                    title=row["competition"],
                    detail=" · ".join(parts),
                    date=day,
                    verify_path=reverse("competitions:award_verify", args=[row["verification_code"]]),
                )
            )
    return found
