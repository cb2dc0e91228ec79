"""Writes of the competitions app: eligibility and registration, teams, rounds, results,
advancement and its adjustments, revealing a scoreboard, and the privacy erasure.

Lock order everywhere: the competition row, then the entry row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.validators import normalize_mobile
from certificates.models import Certificate
from certificates.services import mask_name
from counties.models import CoordinatorAssignment, LearnerProfile
from courses.models import Course
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError, enrollment_create
from exams.models import AttemptQuestion, Exam, ExamAttempt, ExamAuditEntry
from practice.models import Assignment, ItemSet, Run, Submission
from practice.selectors import learner_item_set
from practice.services import PracticeError, run_start
from talentportal.queue import enqueue_on_commit

from .errors import CompetitionError
from .models import (
    TIER_ORDER,
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
    RoundRebuild,
    RoundResult,
    Tier,
)
from .selectors import advancing_entry_ids, needed_positions

# --- eligibility and registration ----------------------------------------------------------------


def eligibility_refusals(
    *, competition: Competition, learner: User, now: datetime | None = None
) -> list[str]:
    """Every condition of the competition that ``learner`` does not meet, as sentences (empty:
    eligible). Reads only; three small queries at most."""
    refusals: list[str] = []
    profile = LearnerProfile.objects.select_related("county").filter(user=learner).first()
    if profile is None:
        return [_("Only learners with a county in their profile can enter.")]
    if competition.county_id and profile.county_id != competition.county_id:
        refusals.append(
            _("Only learners of %(county)s can enter; your profile says %(yours)s.")
            % {"county": competition.county.name, "yours": profile.county.name}
        )
    if competition.province_id and profile.county.province_id != competition.province_id:
        refusals.append(
            _("Only learners of %(province)s can enter.") % {"province": competition.province.name}
        )
    if (
        competition.required_course_id
        and not Enrollment.objects.filter(
            learner=learner,
            course_id=competition.required_course_id,
            status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED],
        ).exists()
    ):
        refusals.append(
            _("You need to be enrolled in “%(course)s”.") % {"course": competition.required_course.title}
        )
    if (
        competition.certificate_course_id
        and not Certificate.objects.filter(
            enrollment__learner=learner,
            enrollment__course_id=competition.certificate_course_id,
            status=Certificate.Status.ISSUED,
        ).exists()
    ):
        refusals.append(
            _("You need the certificate of “%(course)s”.") % {"course": competition.certificate_course.title}
        )
    if competition.school_types and profile.school_type not in competition.school_types:
        if not profile.school_type:
            refusals.append(
                _(
                    "The competition is open to some kinds of school only: add your school type to "
                    "your profile."
                )
            )
        else:
            refusals.append(
                _("Only learners of these kinds of school can enter: %(types)s; your profile says %(yours)s.")
                % {"types": competition.school_types_display, "yours": profile.get_school_type_display()}
            )
    if competition.min_age or competition.max_age:
        year = (now or timezone.now()).year
        if not learner.birth_year:
            refusals.append(_("The competition has an age limit: add your birth year to your profile."))
        else:
            age = year - learner.birth_year
            if competition.min_age and age < competition.min_age:
                refusals.append(
                    _("You need to be at least %(age)s years old.") % {"age": competition.min_age}
                )
            if competition.max_age and age > competition.max_age:
                refusals.append(_("You need to be at most %(age)s years old.") % {"age": competition.max_age})
    return refusals


def first_round_for(*, competition: Competition, county_id: str, province_id: str) -> Round | None:
    """The round an entry from ``county_id`` starts in: the lowest tier the competition has,
    and in it the round of the entry's county (or province); None if there is none for them."""
    rounds = list(competition.rounds.all())
    if not rounds:
        return None
    lowest = min(TIER_ORDER[Tier(r.tier)] for r in rounds)
    for candidate in rounds:
        if TIER_ORDER[Tier(candidate.tier)] != lowest:
            continue
        if candidate.tier == Tier.COUNTY and candidate.county_id == county_id:
            return candidate
        if candidate.tier == Tier.PROVINCE and candidate.province_id == province_id:
            return candidate
        if candidate.tier == Tier.NATIONAL:
            return candidate
    return None


def _check_window(competition: Competition, now: datetime) -> None:
    if now < competition.registration_opens_at:
        raise CompetitionError(_("Registration has not opened yet."))
    if now >= competition.registration_closes_at:
        raise CompetitionError(_("Registration has closed."))


def _check_eligible(competition: Competition, learner: User, now: datetime) -> None:
    refusals = eligibility_refusals(competition=competition, learner=learner, now=now)
    if refusals:
        raise CompetitionError(" ".join(refusals))


def _enrol_in_round_courses(competition: Competition, learner: User) -> None:
    """Enrol the entrant in the courses of the competition's rounds (their theory papers,
    labelling tasks and judged tasks): an exam attempt and a practice run belong to an
    enrolment in their course. Idempotent (an existing enrolment is kept, a withdrawn one
    reopened); a course closed to new enrolment refuses the registration."""
    course_ids: set[int] = set()
    for row in competition.rounds.values("exam__course_id", "item_set__course_id", "assignment__course_id"):
        course_ids.update(course_id for course_id in row.values() if course_id)
    for course in Course.objects.filter(pk__in=course_ids).order_by("pk"):
        try:
            enrollment_create(learner=learner, course=course)
        except EnrollmentError as error:
            raise CompetitionError(
                _("The course “%(course)s” of this competition is closed to new enrolment.")
                % {"course": course.title}
            ) from error


def _already_entered(competition: Competition, learner: User) -> bool:
    return EntryMember.objects.filter(
        competition=competition, learner=learner, accepted_at__isnull=False
    ).exists()


@transaction.atomic
def entry_register(
    *, competition: Competition, learner: User, team_name: str = "", now: datetime | None = None
) -> Entry:
    """Register ``learner`` alone, or as the captain of a new team named ``team_name``, into the
    round of their county (or province) of the competition's lowest tier, and enrol them in the
    courses of the competition's rounds (where its papers and tasks are sat).

    Locks the competition row, so two registrations of one learner cannot both pass the check;
    the constraint on accepted members is the last guard. Refuses (CompetitionError, translated)
    outside the registration window, when a condition of eligibility fails (each one named),
    when the learner is already entered or when there is no round for their county.
    """
    now = now or timezone.now()
    competition = Competition.objects.select_for_update().get(pk=competition.pk)
    _check_window(competition, now)
    _check_eligible(competition, learner, now)
    if _already_entered(competition, learner):
        raise CompetitionError(_("You are already entered in this competition."))
    team_name = " ".join(team_name.split())
    if competition.is_team and not team_name:
        raise CompetitionError(_("Give your team a name."))
    profile = LearnerProfile.objects.select_related("county").get(user=learner)
    first = first_round_for(
        competition=competition, county_id=profile.county_id, province_id=profile.county.province_id
    )
    if first is None:
        raise CompetitionError(_("The competition has no round for your county yet."))
    entry = Entry.objects.create(
        competition=competition,
        name=team_name if competition.is_team else "",
        captain=learner,
        county_id=profile.county_id,
    )
    EntryMember.objects.create(entry=entry, competition=competition, learner=learner, accepted_at=now)
    RoundEntry.objects.create(round=first, entry=entry, source=RoundEntry.Source.REGISTERED)
    _enrol_in_round_courses(competition, learner)
    return entry


def _find_learner(who: str) -> User | None:
    who = who.strip()
    if "@" in who:
        return User.objects.filter(email__iexact=who, is_active=True).first()
    mobile = normalize_mobile(who)
    return User.objects.filter(mobile=mobile, is_active=True).first() if mobile else None


def _team_size(entry: Entry) -> int:
    """Members accepted and invitations pending: a team's places taken."""
    return entry.members.count()


def invite_refused_message() -> str:
    """The one answer to every refusal about the person invited: it says nothing about them
    (whether they have an account, their county, their team, their eligibility)."""
    return _("This learner cannot be invited to your team.")


@transaction.atomic
def member_invite(*, entry: Entry, by: User, who: str, now: datetime | None = None) -> EntryMember:
    """The captain of ``entry`` invites a learner named by mobile number or email.

    Locks the competition, then the entry. Refuses outside the registration window and when the
    team is full (accepted members and pending invitations count). Every refusal about the
    person invited — unknown, of another county (checked first), already in a team or invited,
    not eligible — is the same neutral message, so that an invitation reveals nothing about
    anyone (the rate of invitations per captain is limited by the view).
    """
    now = now or timezone.now()
    competition = Competition.objects.select_for_update().get(pk=entry.competition_id)
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.captain_id != by.pk or not competition.is_team:
        raise CompetitionError(_("Only the team's captain can invite."))
    _check_window(competition, now)
    if _team_size(entry) >= competition.team_max:
        raise CompetitionError(
            _("The team is full: at most %(count)s members.") % {"count": competition.team_max}
        )
    learner = _find_learner(who)
    if (
        learner is None
        or not LearnerProfile.objects.filter(user=learner, county_id=entry.county_id).exists()
        or _already_entered(competition, learner)
        or entry.members.filter(learner=learner).exists()
        or eligibility_refusals(competition=competition, learner=learner, now=now)
    ):
        raise CompetitionError(invite_refused_message())
    return EntryMember.objects.create(entry=entry, competition=competition, learner=learner, invited_at=now)


@transaction.atomic
def entry_captain_take_over(*, entry: Entry, learner: User) -> Entry:
    """An accepted member of a team whose captain's account was deleted (``captain`` is NULL)
    becomes its captain, so the team can still invite and withdraw invitations. The first to
    ask wins: a conditional UPDATE, exactly one row changes; refused while the team has a
    captain or for anyone not in the team."""
    if not EntryMember.objects.filter(entry=entry, learner=learner, accepted_at__isnull=False).exists():
        raise CompetitionError(_("Only a member of the team can become its captain."))
    if Entry.objects.filter(pk=entry.pk, captain__isnull=True).update(captain=learner) != 1:
        raise CompetitionError(_("The team already has a captain."))
    entry.captain = learner
    return entry


@transaction.atomic
def invitation_withdraw(*, member: EntryMember, by: User) -> None:
    """The captain withdraws a pending invitation of their team (an accepted member stays).
    Locks the competition, then the entry; withdrawing twice is harmless."""
    Competition.objects.select_for_update().get(pk=member.competition_id)
    entry = Entry.objects.select_for_update().get(pk=member.entry_id)
    if entry.captain_id != by.pk:
        raise CompetitionError(_("Only the team's captain can withdraw an invitation."))
    EntryMember.objects.filter(pk=member.pk, accepted_at__isnull=True).delete()


@transaction.atomic
def invitation_answer(
    *, member: EntryMember, learner: User, accept: bool, now: datetime | None = None
) -> None:
    """The invited learner accepts (joins the team) or declines (the invitation goes).

    Locks the competition, then the entry. Accepting is refused outside the registration
    window, when the learner is meanwhile in another team (the constraint on accepted members
    is the last guard) or is no longer eligible. Accepting twice is harmless.
    """
    now = now or timezone.now()
    if member.learner_id != learner.pk:
        raise CompetitionError(_("This invitation is not yours."))
    competition = Competition.objects.select_for_update().get(pk=member.competition_id)
    Entry.objects.select_for_update().get(pk=member.entry_id)
    member = EntryMember.objects.get(pk=member.pk)
    if member.accepted_at:
        return
    if not accept:
        member.delete()
        return
    _check_window(competition, now)
    if _already_entered(competition, learner):
        raise CompetitionError(_("You are already in a team of this competition."))
    _check_eligible(competition, learner, now)
    member.accepted_at = now
    try:
        with transaction.atomic():
            member.save(update_fields=["accepted_at"])
    except IntegrityError:
        raise CompetitionError(_("You are already in a team of this competition.")) from None
    # A learner in a team has no other invitation of the competition left open.
    EntryMember.objects.filter(competition=competition, learner=learner, accepted_at__isnull=True).delete()
    _enrol_in_round_courses(competition, learner)


# --- competitions and rounds ----------------------------------------------------------------------


def competition_save(*, competition: Competition, by: User) -> Competition:
    """Create or change a competition (the form checked the scope of its county)."""
    if competition.pk is None:
        competition.created_by = by
    if not competition.is_team:
        competition.team_min = competition.team_max = 1
    competition.full_clean()
    competition.save()
    return competition


@transaction.atomic
def round_save(*, round: Round) -> Round:
    """Create or change a round. The theory paper's own window becomes the round's: an exam
    chosen for a round is the round's sitting (the exams app closes attempts at its closing).

    Refuses (CompetitionError) an exam that another round uses, a course's final exam and an
    exam outside the competition's track: their windows belong to someone else. Locks the exam
    row, so two rounds saved at once cannot both take it. Refuses a practical task that is a
    lesson's exercise or assignment: a round closes its task to everyone but its entrants until
    it ends (competitions.gates), and the course's learners could not finish that lesson.
    """
    round.full_clean()
    if (
        round.item_set_id and ItemSet.objects.filter(pk=round.item_set_id, lesson__isnull=False).exists()
    ) or (
        round.assignment_id
        and Assignment.objects.filter(pk=round.assignment_id, lesson__isnull=False).exists()
    ):
        raise CompetitionError(
            _(
                "A lesson's exercise or assignment cannot be a round's practical task: the round "
                "closes it to everyone else until it ends. Choose a task on no lesson."
            )
        )
    if round.exam_id:
        exam = Exam.objects.select_for_update(of=("self",)).select_related("course").get(pk=round.exam_id)
        competition = Competition.objects.only("track_id").get(pk=round.competition_id)
        if (
            exam.is_final
            or exam.course.track_id != competition.track_id
            or Round.objects.filter(exam_id=exam.pk).exclude(pk=round.pk).exists()
        ):
            raise CompetitionError(_("This exam cannot be a round's theory paper: choose another."))
    round.save()
    if round.exam_id:
        Exam.objects.filter(pk=round.exam_id).update(
            opens_at=round.opens_at, closes_at=round.closes_at, updated_at=timezone.now()
        )
    return round


@transaction.atomic
def round_reveal(*, round: Round, by: User) -> Round:
    """Staff reveal the scoreboard before the round ends (idempotent: the first time stays)."""
    Round.objects.filter(pk=round.pk, revealed_at__isnull=True).update(revealed_at=timezone.now())
    round.refresh_from_db()
    return round


# --- results ------------------------------------------------------------------------------------------


@dataclass
class _Score:
    practical: float | None = None
    seconds: int | None = None
    theory: float | None = None


def _first_exam_scores(
    round: Round, learner_ids: list[int], cutoff: datetime, *, frozen: bool = False
) -> dict[int, float]:
    """Each learner's first submitted attempt at the round's paper started in the round's window
    before ``cutoff``, as a percentage of its points (an attempt awaiting marking counts its
    points marked so far). The end is the attempt's start: the exam's own deadline bounds its
    end, and a paper handed in (or closed by the exams app) just after the round ends counts.
    The frozen view (``frozen``, ``cutoff`` its freeze) counts only papers handed in before it,
    with their marks as they stood then: a paper handed in, or a short answer marked or a mark
    changed, during the freeze shows when the board is revealed."""
    if not round.exam_id or not learner_ids:
        return {}
    handed_in = {"submitted_at__lt": cutoff} if frozen else {"submitted_at__isnull": False}
    rows = (
        ExamAttempt.objects.filter(
            exam_id=round.exam_id,
            enrollment__learner_id__in=learner_ids,
            started_at__gte=round.opens_at,
            started_at__lt=cutoff,
            **handed_in,
        )
        .order_by("submitted_at", "pk")
        .values_list("enrollment__learner_id", "pk", "score", "max_score")
    )
    first: dict[int, tuple[int, int, int]] = {}
    for learner_id, attempt_id, score, max_score in rows:
        first.setdefault(learner_id, (attempt_id, score or 0, max_score))
    late = _marks_since(round.exam_id, cutoff) if frozen and first else {}
    return {
        learner_id: round_half(100 * (score + late.get(attempt_id, 0)) / max_score) if max_score else 0.0
        for learner_id, (attempt_id, score, max_score) in first.items()
    }


def _marks_since(exam_id: int, cutoff: datetime) -> dict[int, int]:
    """For each attempt at ``exam_id`` marked by hand at or after ``cutoff``, the points to add to
    its score to have it as it stood at ``cutoff``: a first mark of a short answer undone (it was
    awaiting marking), a changed mark back to its points before the first change (the exam's
    audit log keeps them and when they were given). Two queries; the second only when something
    was marked."""
    marked = list(
        AttemptQuestion.objects.filter(attempt__exam_id=exam_id, marked_at__gte=cutoff).values_list(
            "attempt_id", "position", "points_awarded"
        )
    )
    if not marked:
        return {}
    before: dict[tuple[int, int], int | None] = {}
    changes = (
        ExamAuditEntry.objects.filter(exam_id=exam_id, action="mark_changed", at__gte=cutoff)
        .order_by("at", "pk")
        .values_list("attempt_id", "detail")
    )
    for attempt_id, detail in changes:
        given = parse_datetime(detail.get("old_marked_at") or "")
        # The old points were given during the freeze too: at the freeze the answer awaited marking.
        before.setdefault(
            (attempt_id, detail.get("position")), None if given and given >= cutoff else detail.get("old")
        )
    adjust: dict[int, int] = {}
    for attempt_id, position, points in marked:
        then = before.get((attempt_id, position))
        adjust[attempt_id] = adjust.get(attempt_id, 0) + (then or 0) - (points or 0)
    return adjust


def _first_runs(round: Round, learner_ids: list[int], cutoff: datetime) -> dict[int, tuple[float, int]]:
    """Each learner's first run of the round's practical task submitted in the window: its
    score (accuracy against gold, %) and the seconds it took."""
    if not round.item_set_id or not learner_ids:
        return {}
    rows = (
        Run.objects.filter(
            item_set_id=round.item_set_id,
            enrollment__learner_id__in=learner_ids,
            started_at__gte=round.opens_at,
            started_at__lt=round.closes_at,
            submitted_at__isnull=False,
            submitted_at__lt=cutoff,
        )
        .order_by("submitted_at", "pk")
        .values_list("enrollment__learner_id", "score", "started_at", "submitted_at")
    )
    runs: dict[int, tuple[float, int]] = {}
    for learner_id, score, started_at, submitted_at in rows:
        if learner_id not in runs:
            runs[learner_id] = (float(score or 0), max(0, int((submitted_at - started_at).total_seconds())))
    return runs


def round_half(value: float) -> float:
    return float(f"{value:.1f}")


def _mean(values: list[float]) -> float:
    return round_half(sum(values) / len(values)) if values else 0.0


def _entry_score(
    member_ids: list[int], exams: dict[int, float], runs: dict[int, tuple[float, int]]
) -> _Score:
    """An entry's score: its members' means (a member who submitted nothing counts 0 for
    accuracy and theory and is left out of the time); nothing at all when no member submitted."""
    submitted_runs = [runs[m] for m in member_ids if m in runs]
    sat = [m for m in member_ids if m in exams]
    score = _Score()
    if submitted_runs:
        score.practical = _mean([runs[m][0] if m in runs else 0.0 for m in member_ids])
        score.seconds = round(sum(seconds for _p, seconds in submitted_runs) / len(submitted_runs))
    if sat:
        score.theory = _mean([exams.get(m, 0.0) for m in member_ids])
    return score


def sort_key(rule: str, score: _Score) -> tuple:
    """The order of the rule: higher accuracy and theory first, less time first; what is
    missing comes after every value."""
    practical = -(score.practical if score.practical is not None else -1)
    seconds = score.seconds if score.seconds is not None else float("inf")
    theory = -(score.theory if score.theory is not None else -1)
    if rule == Round.Rule.THEORY_FIRST:
        return (theory, practical, seconds)
    return (practical, seconds, theory)


def _ranked(rule: str, scores: dict[int, _Score]) -> dict[int, int | None]:
    """Standard competition ranking (1, 2, 2, 4); entries with nothing submitted have no rank."""
    scored = [
        (sort_key(rule, score), entry_id)
        for entry_id, score in scores.items()
        if score.practical is not None or score.theory is not None
    ]
    scored.sort()
    ranks: dict[int, int | None] = dict.fromkeys(scores)
    previous_key, previous_rank = None, 0
    for position, (key, entry_id) in enumerate(scored, start=1):
        rank = previous_rank if key == previous_key else position
        ranks[entry_id] = rank
        previous_key, previous_rank = key, rank
    return ranks


def _add_judged(scores: dict[int, _Score], judged: dict[int, float]) -> None:
    """With a judged task, practical accuracy is the mean of the labelling accuracy (when the
    round has a labelling task) and the judges' mark."""
    for entry_id, percent in judged.items():
        score = scores.get(entry_id)
        if score is None:
            continue
        score.practical = percent if score.practical is None else round_half((score.practical + percent) / 2)


def _upheld_corrections(round: Round) -> dict[tuple[int, str], float]:
    """The scores corrected by upheld appeals: the latest decision per entry and score."""
    corrections: dict[tuple[int, str], float] = {}
    for entry_id, score, percent in (
        Appeal.objects.filter(round=round, status=Appeal.Status.UPHELD, corrected_percent__isnull=False)
        .order_by("resolved_at", "pk")
        .values_list("entry_id", "score", "corrected_percent")
    ):
        corrections[(entry_id, score)] = percent
    return corrections


def _apply_corrections(scores: dict[int, _Score], corrections: dict[tuple[int, str], float]) -> None:
    for (entry_id, score), percent in corrections.items():
        if entry_id not in scores:
            continue
        if score == Appeal.Score.PRACTICAL:
            scores[entry_id].practical = percent
        else:
            scores[entry_id].theory = percent


@dataclass(frozen=True)
class _Entrant:
    """What a result row shows of an entry: its name (the team's, else the captain's masked)
    and its county."""

    pk: int
    display_name: str
    county_name: str


@dataclass
class _Inputs:
    """What a round's results are computed from besides the scores themselves: the round's
    rule, window, freeze and tasks, its entries (with what their rows show) and their accepted
    members, the upheld appeals. ``key`` is what a rebuild compares before it writes."""

    round_key: tuple
    entries: list[_Entrant]
    members: dict[int, list[int]]
    corrections: dict[tuple[int, str], float]

    @property
    def key(self) -> tuple:
        return (
            self.round_key,
            tuple(self.entries),
            tuple((entry_id, tuple(sorted(ids))) for entry_id, ids in sorted(self.members.items())),
            tuple(sorted(self.corrections.items())),
        )


def _results_inputs(round: Round) -> _Inputs:
    """The inputs of ``round``'s results (three queries; ``round`` with its competition)."""
    entries = [
        _Entrant(pk, name or (mask_name(captain_name) if captain_id else ""), county_name)
        for pk, name, captain_id, captain_name, county_name in Entry.objects.filter(
            round_entries__round=round
        )
        .order_by("pk")
        .values_list("pk", "name", "captain_id", "captain__name", "county__name")
    ]
    members: dict[int, list[int]] = {entry.pk: [] for entry in entries}
    for entry_id, learner_id in EntryMember.objects.filter(
        entry__round_entries__round=round, accepted_at__isnull=False
    ).values_list("entry_id", "learner_id"):
        members[entry_id].append(learner_id)
    competition = round.competition
    round_key = (
        round.opens_at,
        round.closes_at,
        round.freeze_minutes,
        round.rule,
        round.exam_id,
        round.item_set_id,
        round.assignment_id,
        round.judge_gap,
        competition.kind,
        competition.team_min,
    )
    return _Inputs(round_key, entries, members, _upheld_corrections(round))


def _results_rows(round: Round, inputs: _Inputs) -> list[RoundResult]:
    """The result rows of both views from ``inputs`` and the scores (a constant number of
    queries whatever the number of entrants)."""
    entries, members = inputs.entries, inputs.members
    learner_ids = [learner_id for ids in members.values() for learner_id in ids]
    cutoffs = {RoundResult.View.LIVE: round.closes_at}
    if round.freeze_at:
        cutoffs[RoundResult.View.FROZEN] = round.freeze_at
    team_min = round.competition.team_min if round.competition.is_team else 1
    rows: list[RoundResult] = []
    for view, cutoff in cutoffs.items():
        frozen = view == RoundResult.View.FROZEN
        exams = _first_exam_scores(round, learner_ids, cutoff, frozen=frozen)
        runs = _first_runs(round, learner_ids, cutoff)
        judged = judged_entry_percents(round, cutoff=cutoff, marked_before=cutoff if frozen else None)
        scores = {entry.pk: _entry_score(members[entry.pk], exams, runs) for entry in entries}
        _add_judged(scores, judged)
        _apply_corrections(scores, inputs.corrections)
        for entry in entries:
            # A team smaller than the competition allows is not ranked.
            if len(members[entry.pk]) < team_min:
                scores[entry.pk] = _Score()
        ranks = _ranked(round.rule, scores)
        for entry in entries:
            score = scores[entry.pk]
            rows.append(
                RoundResult(
                    round_id=round.pk,
                    entry_id=entry.pk,
                    view=view,
                    rank=ranks[entry.pk],
                    practical_percent=score.practical,
                    practical_seconds=score.seconds,
                    theory_percent=score.theory,
                    display_name=entry.display_name,
                    county_name=entry.county_name,
                )
            )
    return rows


RESULT_FIELDS = ("rank", "practical_percent", "practical_seconds", "theory_percent", "display_name")
RESULT_FIELDS += ("county_name",)


@dataclass
class _Computed:
    """A rebuild computed outside the round's lock: the inputs it read (``key``), its rows and
    how they differ from the rows it found: the rows to write (``fresh``), the ids of the rows
    they replace or that go (``stale``) and the views that change."""

    key: tuple
    rows: list[RoundResult]
    fresh: list[RoundResult]
    stale: list[int]
    changed: set[str]


def _results_diff(round_id: int, key: tuple, rows: list[RoundResult]) -> _Computed:
    """Compare ``rows`` with the round's result rows (one query)."""
    existing = {
        (view, entry_id): (pk, tuple(values))
        for pk, view, entry_id, *values in RoundResult.objects.filter(round_id=round_id).values_list(
            "pk", "view", "entry_id", *RESULT_FIELDS
        )
    }
    wanted = {(row.view, row.entry_id): row for row in rows}
    fresh = [
        row
        for place, row in wanted.items()
        if existing.get(place, (None, None))[1] != tuple(getattr(row, name) for name in RESULT_FIELDS)
    ]
    gone = [place for place in existing if place not in wanted]
    stale = [existing[place][0] for place in gone]
    stale += [existing[(row.view, row.entry_id)][0] for row in fresh if (row.view, row.entry_id) in existing]
    changed = {row.view for row in fresh} | {view for view, _entry_id in gone}
    return _Computed(key, rows, fresh, stale, changed)


def _results_compute(round: Round) -> _Computed:
    """Compute ``round``'s result rows and how they differ from the stored ones, without
    locking anything: the slow part of a rebuild."""
    round = Round.objects.select_related("competition").get(pk=round.pk)
    inputs = _results_inputs(round)
    return _results_diff(round.pk, inputs.key, _results_rows(round, inputs))


def _results_write(*, round_id: int, computed: _Computed) -> int:
    """Compare and write: lock the round's row, check that the inputs ``computed`` was computed
    from are still the round's (else compute again, now under the lock: an appeal upheld, an
    entrant removed or a name erased meanwhile is never overwritten by older rows), then write
    only the rows that changed and bump the version of each view whose rows changed. The
    stored rows ``computed`` compared with change only with those inputs or by a rebuild, and
    rebuilds take turns (``round_results_rebuild``). Runs inside the rebuild's transaction.
    Returns the rows of the results."""
    # FOR NO KEY UPDATE: it excludes the other writers of the round's row as FOR UPDATE does,
    # but not the key-share lock that inserting an appeal or an entrant's row takes on it.
    round = (
        Round.objects.select_for_update(of=("self",), no_key=True)
        .select_related("competition")
        .get(pk=round_id)
    )
    inputs = _results_inputs(round)
    if inputs.key != computed.key:
        computed = _results_diff(round_id, inputs.key, _results_rows(round, inputs))
    now = timezone.now()
    if not computed.changed:
        # The minute's sweep rebuilds every open round: unchanged results keep their versions,
        # so the scoreboard's cache stays warm.
        Round.objects.filter(pk=round_id).update(results_at=now)
        return len(computed.rows)
    for start in range(0, len(computed.stale), 1000):
        RoundResult.objects.filter(pk__in=computed.stale[start : start + 1000]).delete()
    RoundResult.objects.bulk_create(computed.fresh, batch_size=1000)
    _bump_versions(round_id, computed.changed, results_at=now)
    return len(computed.rows)


def _bump_versions(round_id: int, views: set[str], **fields) -> None:
    """Move on ``results_version`` and the version of each of ``views`` whose rows changed."""
    versions = {"results_version": F("results_version") + 1}
    if RoundResult.View.LIVE in views:
        versions["live_version"] = F("live_version") + 1
    if RoundResult.View.FROZEN in views:
        versions["frozen_version"] = F("frozen_version") + 1
    Round.objects.filter(pk=round_id).update(**versions, **fields)


@transaction.atomic
def round_results_rebuild(*, round: Round) -> int:
    """Rebuild the round's results from the entrants' exam attempts and practice runs.

    Two views, live and frozen (only what was submitted before the freeze). Rebuilds of one
    round take turns on its ``RoundRebuild`` row, held for the whole run, so that a later
    rebuild reads inputs at least as new as an earlier one's and writes after it. The rows are
    computed without the round's row lock; the round's row is locked only for the
    compare-and-write at the end, which computes again under the lock if what the rows depend
    on (entries, members, upheld appeals, the round's rule and window) changed meanwhile. Only
    changed rows are written; each view's version (``live_version``, ``frozen_version``, and
    ``results_version`` for any change) is bumped only when its rows changed, an unchanged
    rebuild only stamps ``results_at``. Idempotent, safe to run twice or concurrently; a
    constant number of queries whatever the number of entrants. Lock order: the rebuild turn,
    then the round. Returns the rows of the results.
    """
    RoundRebuild.objects.bulk_create([RoundRebuild(round_id=round.pk)], ignore_conflicts=True)
    RoundRebuild.objects.select_for_update().get(round_id=round.pk)
    return _results_write(round_id=round.pk, computed=_results_compute(round))


def _latest_adjustments(round: Round) -> dict[int, str]:
    """The last staff action per entry on ``round``: add or remove."""
    latest: dict[int, str] = {}
    for entry_id, action in (
        AdvancementAdjustment.objects.filter(round=round)
        .order_by("at", "pk")
        .values_list("entry_id", "action")
    ):
        latest[entry_id] = action
    return latest


@transaction.atomic
def round_advance(*, round: Round, now: datetime | None = None) -> int:
    """Send the round's top entries into its next round, by its rule and current results.

    Locks the next round. Idempotent and safe to re-run after results change (an appeal, a
    rebuild): entries advanced from this round that no longer qualify leave the next round,
    new qualifiers join it; what staff adjusted by hand (added or removed, with a reason) is
    kept. Refused before the round ends or without a next round. Returns how many advance.
    """
    now = now or timezone.now()
    round = Round.objects.get(pk=round.pk)
    if round.advance_to_id is None or not (round.advance_top_n or round.advance_top_percent):
        raise CompetitionError(_("This round has no advancement rule."))
    if now < round.closes_at:
        raise CompetitionError(_("Advancement is computed once the round has ended."))
    target = Round.objects.select_for_update().get(pk=round.advance_to_id)
    removed = {entry_id for entry_id, action in _latest_adjustments(target).items() if action == "remove"}
    wanted = set(advancing_entry_ids(round)) - removed
    RoundEntry.objects.filter(round=target, from_round=round, source=RoundEntry.Source.ADVANCED).exclude(
        entry_id__in=wanted
    ).delete()
    RoundEntry.objects.bulk_create(
        [
            RoundEntry(round=target, entry_id=entry_id, source=RoundEntry.Source.ADVANCED, from_round=round)
            for entry_id in sorted(wanted)
        ],
        ignore_conflicts=True,
    )
    Round.objects.filter(pk=round.pk).update(advanced_at=now)
    return len(wanted)


def round_adjust(*, round: Round, entry: Entry, action: str, reason: str, by: User) -> AdvancementAdjustment:
    """Staff add an entry of the competition to ``round`` or remove it, with a reason: an audit
    row is written, and a later recomputed advancement keeps the change. Locks the round. An
    entry removed from a round that has results leaves its ranking at once (the results are
    rebuilt), and from its prizes when they were granted (they are granted again)."""
    adjustment = _round_adjust(round=round, entry=entry, action=action, reason=reason, by=by)
    if action == AdvancementAdjustment.Action.REMOVE and adjustment.round.results_at is not None:
        # After the adjustment's own transaction: a rebuild takes its turn before the round.
        round_results_rebuild(round=adjustment.round)
        if Award.objects.filter(round=adjustment.round).exists():
            awards_grant(round=adjustment.round)
    return adjustment


@transaction.atomic
def _round_adjust(*, round: Round, entry: Entry, action: str, reason: str, by: User) -> AdvancementAdjustment:
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise CompetitionError(_("Give the reason for the change."))
    round = Round.objects.select_for_update().get(pk=round.pk)
    if entry.competition_id != round.competition_id:
        raise CompetitionError(_("This entry is not in the competition."))
    if action == AdvancementAdjustment.Action.ADD:
        # Staff's now, even when the rule had advanced it: a recomputed advancement keeps it.
        RoundEntry.objects.update_or_create(
            round=round, entry=entry, defaults={"source": RoundEntry.Source.STAFF, "from_round": None}
        )
    elif action == AdvancementAdjustment.Action.REMOVE:
        RoundEntry.objects.filter(round=round, entry=entry).delete()
        views = set(RoundResult.objects.filter(round=round, entry=entry).values_list("view", flat=True))
        if views:
            RoundResult.objects.filter(round=round, entry=entry).delete()
            _bump_versions(round.pk, views)
    else:
        raise CompetitionError(_("Choose to add or to remove."))
    return AdvancementAdjustment.objects.create(round=round, entry=entry, action=action, reason=reason, by=by)


# --- judges ---------------------------------------------------------------------------------------------


def judged_percent(marks: list[float]) -> float | None:
    """A submission's mark from its judges' marks (in judge order): the mean of the first two;
    with a third judge, the mean of the third and the nearer of the first two; None until the
    marks needed are in."""
    if len(marks) < 2:
        return None
    first, second = marks[0], marks[1]
    if len(marks) == 2:
        return round_half((first + second) / 2)
    third = marks[2]
    nearer = first if abs(first - third) <= abs(second - third) else second
    return round_half((third + nearer) / 2)


def _judging_pending(marks: list[float], gap: int) -> bool:
    """Whether two marks differ by more than the round's gap and the third judge is missing."""
    return len(marks) == 2 and abs(marks[0] - marks[1]) > gap


def judged_entry_percents(
    round: Round, *, cutoff: datetime | None = None, marked_before: datetime | None = None
) -> dict[int, float]:
    """Each entry's judged mark: its members' submissions' marks, averaged over the members
    who submitted (one query); only submissions sent before ``cutoff`` count, and with
    ``marked_before`` (the frozen view's freeze) only marks given before it: a mark given during
    the freeze counts as missing there. Entries whose marking is not finished — a mark missing,
    or two marks too far apart without the third judge's — are left out."""
    if not round.assignment_id:
        return {}
    marks_query = JudgeMark.objects.filter(round=round)
    if cutoff is not None:
        marks_query = marks_query.filter(submission__submitted_at__lt=cutoff)
    by_submission: dict[int, tuple[int, list[float], bool]] = {}
    for entry_id, submission_id, percent, marked_at in marks_query.order_by(
        "submission_id", "position"
    ).values_list("entry_id", "submission_id", "percent", "marked_at"):
        _entry, marks, pending = by_submission.get(submission_id, (entry_id, [], False))
        if marked_before is not None and (marked_at is None or marked_at >= marked_before):
            percent = None
        if percent is None:
            pending = True
        else:
            marks.append(percent)
        by_submission[submission_id] = (entry_id, marks, pending)
    per_entry: dict[int, list[float]] = {}
    for entry_id, marks, pending in by_submission.values():
        pending = pending or _judging_pending(marks, round.judge_gap)
        mark = None if pending else judged_percent(marks)
        if mark is not None:
            per_entry.setdefault(entry_id, []).append(mark)
    return {entry_id: _mean(marks) for entry_id, marks in per_entry.items()}


def _known_counties(user_ids: list[int]) -> dict[int, set[str]]:
    """The counties each user belongs to by the portal's own records: their learner profile's
    county and the counties they coordinate (two queries)."""
    known: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    for user_id, county_id in LearnerProfile.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "county_id"
    ):
        known[user_id].add(county_id)
    for user_id, county_id in CoordinatorAssignment.objects.filter(coordinator_id__in=user_ids).values_list(
        "coordinator_id", "county_id"
    ):
        known[user_id].add(county_id)
    return known


def _round_entrant_ids(round_id: int) -> set[int]:
    """The learners in the round's entries (accepted members): never judges of it."""
    return set(
        EntryMember.objects.filter(
            entry__round_entries__round_id=round_id, accepted_at__isnull=False
        ).values_list("learner_id", flat=True)
    )


@dataclass
class _Panel:
    """A round's judges as assignment needs them: each one's counties of conflict (declared,
    profile, coordinated) and those who may not judge at all (entrants of the round)."""

    judge_ids: list[int]
    conflicts: dict[int, set[str]]

    @classmethod
    def of(cls, round_id: int) -> _Panel:
        judges = list(RoundJudge.objects.filter(round_id=round_id).values_list("judge_id", "county_id"))
        ids = [judge_id for judge_id, _county in judges]
        conflicts = _known_counties(ids)
        for judge_id, county_id in judges:
            if county_id:
                conflicts[judge_id].add(county_id)
        entrants = _round_entrant_ids(round_id)
        return cls(judge_ids=[judge_id for judge_id in ids if judge_id not in entrants], conflicts=conflicts)

    def free(self, *, county_id: str, taken: set[int], load: dict[int, int]) -> list[int]:
        """The judges who may mark an entry of ``county_id`` and do not mark it yet, least busy first."""
        free = [
            judge_id
            for judge_id in self.judge_ids
            if county_id not in self.conflicts[judge_id] and judge_id not in taken
        ]
        return sorted(free, key=lambda judge_id: (load.get(judge_id, 0), judge_id))


@transaction.atomic
def round_judge_add(*, round: Round, who: str, county_id: str | None) -> RoundJudge:
    """Add a judge (named by mobile number or email) to the round, with the county they come
    from. The county is required unless the portal knows it (their learner profile or the
    counties they coordinate, which count as conflicts anyway). An entrant of the round is
    refused. Adding the same person again changes their county, and their marks not made yet
    that are now a conflict go to other judges. Locks the round."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    judge = _find_learner(who)
    if judge is None:
        raise CompetitionError(_("No account has this mobile number or email."))
    if judge.pk in _round_entrant_ids(round.pk):
        raise CompetitionError(_("An entrant of the round cannot judge it."))
    if county_id is None:
        profile = LearnerProfile.objects.filter(user=judge).values_list("county_id", flat=True).first()
        county_id = profile or (
            CoordinatorAssignment.objects.filter(coordinator=judge)
            .order_by("pk")
            .values_list("county_id", flat=True)
            .first()
        )
    if county_id is None:
        raise CompetitionError(_("Give the judge's county: they will not mark entries of it."))
    row, _created = RoundJudge.objects.update_or_create(
        round=round, judge=judge, defaults={"county_id": county_id}
    )
    _judging_reassign(round, judge_id=judge.pk)
    return row


@transaction.atomic
def round_judge_remove(*, round: Round, judge_id: int) -> int:
    """Remove a judge from the round: their marks not made yet go to other judges (the marks
    they made stay). Locks the round; removing twice is harmless. Returns the marks reassigned."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    JudgeMark.objects.filter(round=round, judge_id=judge_id, marked_at__isnull=True).delete()
    RoundJudge.objects.filter(round=round, judge_id=judge_id).delete()
    return judging_assign(round=round)


def _judging_reassign(round: Round, *, judge_id: int) -> int:
    """The judge's unmarked marks of entries they now conflict with go; others take them."""
    panel = _Panel.of(round.pk)
    conflicts = panel.conflicts.get(judge_id, set())
    unmarked = JudgeMark.objects.filter(round=round, judge_id=judge_id, marked_at__isnull=True)
    if judge_id not in panel.judge_ids:
        unmarked.delete()
    else:
        unmarked.filter(entry__county_id__in=list(conflicts)).delete()
    return judging_assign(round=round)


@transaction.atomic
def judging_assign(*, round: Round) -> int:
    """Give every submission of the round's judged task two judges (and the third a large gap
    calls for), none from the entrant's county nor an entrant of the round, the least busy first.

    Locks the round. The submissions counted are those of the entrants' accepted members sent
    in the round's window. Idempotent: a submission with its judges is left alone; one that
    cannot get them (too few judges without a conflict) gets what it can, stays pending, and is
    completed by a later call. A constant number of queries. Returns the marks assigned.
    """
    round = Round.objects.select_for_update().get(pk=round.pk)
    if not round.assignment_id:
        return 0
    panel = _Panel.of(round.pk)
    entries = dict(Entry.objects.filter(round_entries__round=round).values_list("pk", "county_id"))
    learners = dict(
        EntryMember.objects.filter(entry_id__in=list(entries), accepted_at__isnull=False).values_list(
            "learner_id", "entry_id"
        )
    )
    submissions = Submission.objects.filter(
        assignment_id=round.assignment_id,
        enrollment__learner_id__in=list(learners),
        submitted_at__gte=round.opens_at,
        submitted_at__lt=round.closes_at,
    ).values_list("pk", "enrollment__learner_id")
    existing: dict[int, set[int]] = {}
    positions: dict[int, dict[int, float | None]] = {}
    load: dict[int, int] = {}
    for submission_id, judge_id, position, percent in JudgeMark.objects.filter(round=round).values_list(
        "submission_id", "judge_id", "position", "percent"
    ):
        existing.setdefault(submission_id, set()).add(judge_id)
        positions.setdefault(submission_id, {})[position] = percent
        load[judge_id] = load.get(judge_id, 0) + 1
    new: list[JudgeMark] = []
    for submission_id, learner_id in submissions:
        entry_id = learners[learner_id]
        taken = existing.setdefault(submission_id, set())
        needed = needed_positions(positions.get(submission_id, {}), round.judge_gap)
        free = panel.free(county_id=entries[entry_id], taken=taken, load=load)
        for position, judge_id in zip(needed, free, strict=False):
            taken.add(judge_id)
            load[judge_id] = load.get(judge_id, 0) + 1
            new.append(
                JudgeMark(
                    round=round,
                    entry_id=entry_id,
                    submission_id=submission_id,
                    judge_id=judge_id,
                    position=position,
                )
            )
    # A third judge called by a mark saved meanwhile (under the marks' lock, not the round's)
    # takes the same place: the constraint keeps one, the other is dropped.
    JudgeMark.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def judge_mark_save(*, mark: JudgeMark, judge: User, levels: list[int]) -> JudgeMark:
    """A judge marks a submission: a level per rubric criterion, as a percentage of the points.

    Locks every mark of the submission (in pk order, so two judges saving at once queue up)
    before looking at the others. The judge may change their mark until the third judge is
    called. When the first two marks are in and differ by more than the round's ``judge_gap``,
    a third judge (not from the entrant's county, not an entrant, not already marking it, the
    least busy) is assigned; with none free, the submission stays pending (shown on the round's
    page) until a judge is added.
    """
    submission_id = JudgeMark.objects.filter(pk=mark.pk).values_list("submission_id", flat=True).first()
    marks = list(
        JudgeMark.objects.select_for_update(of=("self",))
        .select_related("round__assignment", "entry")
        .filter(submission_id=submission_id)
        .order_by("pk")
    )
    mark = next((m for m in marks if m.pk == mark.pk), None)
    # Gone meanwhile: the judge was removed or their county changed, and others mark it.
    if mark is None or mark.judge_id != judge.pk:
        raise CompetitionError(_("This submission is not yours to mark."))
    criteria = mark.round.assignment.criteria
    if len(levels) != len(criteria) or any(
        not 0 <= level < len(criterion["levels"]) for level, criterion in zip(levels, criteria, strict=False)
    ):
        raise CompetitionError(_("Choose a level for every criterion."))
    if mark.position <= 2 and any(m.position == 3 for m in marks if m.round_id == mark.round_id):
        raise CompetitionError(_("A third judge is marking this submission: your mark is final."))
    maximum = mark.round.assignment.max_points or 1
    mark.levels = list(levels)
    mark.percent = round_half(100 * sum(levels) / maximum)
    mark.marked_at = timezone.now()
    mark.save(update_fields=["levels", "percent", "marked_at"])
    _third_judge_if_needed(mark, [m for m in marks if m.round_id == mark.round_id])
    return mark


def _third_judge_if_needed(mark: JudgeMark, marks: list[JudgeMark]) -> None:
    """Under the lock of the submission's marks (``marks``, ``mark`` among them, saved)."""
    by_position = {m.position: m.percent for m in marks}
    if needed_positions(by_position, mark.round.judge_gap) != [3]:
        return
    panel = _Panel.of(mark.round_id)
    load = dict(
        JudgeMark.objects.filter(round_id=mark.round_id, marked_at__isnull=True)
        .values("judge_id")
        .annotate(n=models.Count("pk"))
        .values_list("judge_id", "n")
    )
    free = panel.free(county_id=mark.entry.county_id, taken={m.judge_id for m in marks}, load=load)
    if free:
        JudgeMark.objects.bulk_create(
            [
                JudgeMark(
                    round_id=mark.round_id,
                    entry_id=mark.entry_id,
                    submission_id=mark.submission_id,
                    judge_id=free[0],
                    position=3,
                )
            ],
            ignore_conflicts=True,
        )


# --- awards -----------------------------------------------------------------------------------------------

AWARD_TASK = "competitions.tasks.issue_award"


@transaction.atomic
def awards_grant(*, round: Round, now: datetime | None = None) -> int:
    """Grant the round's prizes by its rank bands and its live results, once it has ended.

    Locks the round. Idempotent and safe after results change: a new winner's award is created
    pending (its PDF queued after commit), a changed prize or rank is re-rendered, and an award
    whose entry no longer wins is revoked (its code then verifies as revoked). Returns the
    awards standing.
    """
    now = now or timezone.now()
    round = Round.objects.select_for_update().get(pk=round.pk)
    if now < round.closes_at:
        raise CompetitionError(_("Prizes are granted once the round has ended."))
    if not (round.prize_first_to or round.prize_second_to or round.prize_third_to):
        raise CompetitionError(_("This round has no prize bands."))
    wins = {
        entry_id: (round.prize_for(rank), rank)
        for entry_id, rank in RoundResult.objects.filter(
            round=round, view=RoundResult.View.LIVE, rank__isnull=False
        ).values_list("entry_id", "rank")
        if round.prize_for(rank)
    }
    existing = {award.entry_id: award for award in Award.objects.filter(round=round)}
    to_render: list[Award] = []
    for entry_id, (prize, rank) in wins.items():
        award = existing.get(entry_id)
        if award is None:
            to_render.append(Award.objects.create(round=round, entry_id=entry_id, prize=prize, rank=rank))
        elif (award.prize, award.rank, award.status) != (prize, rank, Award.Status.ISSUED):
            award.prize, award.rank, award.status = prize, rank, Award.Status.PENDING
            award.save(update_fields=["prize", "rank", "status"])
            to_render.append(award)
    Award.objects.filter(round=round).exclude(entry_id__in=list(wins)).update(status=Award.Status.REVOKED)
    for award in to_render:
        enqueue_on_commit(AWARD_TASK, award.pk)
    return len(wins)


# --- appeals ------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_file(
    *, round: Round, learner: User, score: str, reason: str, now: datetime | None = None
) -> Appeal:
    """An entrant appeals one of their entry's scores in ``round``, with a reason.

    Locks the entry row. Refused outside the round's appeal window (from its end for
    ``appeal_hours``), for someone not in an entry of the round, without a reason, or when the
    same score is already under appeal (a database constraint on open appeals is the last
    guard: its IntegrityError becomes the same translated refusal, never a server error).
    """
    now = now or timezone.now()
    reason = " ".join(reason.split())[:500]
    if not round.appeals_open(now):
        raise CompetitionError(
            _("Appeals are accepted only in the %(hours)s hours after the round ends.")
            % {"hours": round.appeal_hours}
        )
    entry_id = (
        Entry.objects.filter(
            round_entries__round=round, members__learner=learner, members__accepted_at__isnull=False
        )
        .values_list("pk", flat=True)
        .first()
    )
    if entry_id is None:
        raise CompetitionError(_("You are not an entrant of this round."))
    # Two clicks of one team queue up on the entry's row; the constraint is the last guard.
    entry = Entry.objects.select_for_update().get(pk=entry_id)
    if score not in Appeal.Score.values:
        raise CompetitionError(_("Choose the score you appeal."))
    if not reason:
        raise CompetitionError(_("Give the reason for your appeal."))
    if Appeal.objects.filter(round=round, entry=entry, score=score, status=Appeal.Status.OPEN).exists():
        raise CompetitionError(_("This score is already under appeal."))
    result = RoundResult.objects.filter(round=round, entry=entry, view=RoundResult.View.LIVE).first()
    previous = None
    if result is not None:
        previous = result.practical_percent if score == Appeal.Score.PRACTICAL else result.theory_percent
    try:
        with transaction.atomic():
            return Appeal.objects.create(
                round=round,
                entry=entry,
                filed_by=learner,
                score=score,
                reason=reason,
                previous_percent=previous,
                created_at=now,
            )
    except IntegrityError:
        raise CompetitionError(_("This score is already under appeal.")) from None


@transaction.atomic
def appeal_resolve(
    *, appeal: Appeal, by: User, uphold: bool, resolution: str, corrected_percent: float | None = None
) -> Appeal:
    """Decide an open appeal: rejected, or upheld with the corrected score.

    Locks the appeal row; a decided appeal is refused. Upholding rebuilds the round's results
    with the correction (the scoreboard's version changes, so its cache too) and, if the round
    already advanced its entrants, recomputes the advancement: the appeal row is the log of the
    change (score before, after, who, when, why).
    """
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("round").get(pk=appeal.pk)
    if appeal.status != Appeal.Status.OPEN:
        raise CompetitionError(_("This appeal is already decided."))
    resolution = " ".join(resolution.split())[:300]
    if not resolution:
        raise CompetitionError(_("Give the reason for the decision."))
    if uphold and corrected_percent is None:
        raise CompetitionError(_("Give the corrected score."))
    appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.REJECTED
    appeal.corrected_percent = corrected_percent if uphold else None
    appeal.resolution = resolution
    appeal.resolved_by = by
    appeal.resolved_at = timezone.now()
    appeal.save(update_fields=["status", "corrected_percent", "resolution", "resolved_by", "resolved_at"])
    if uphold:
        round = appeal.round
        round_results_rebuild(round=round)
        if round.advanced_at is not None and round.advance_to_id:
            round_advance(round=round)
        if Award.objects.filter(round=round).exists():
            awards_grant(round=round)
    return appeal


def round_task_start(*, round: Round, learner: User, now: datetime | None = None) -> Run:
    """Start ``learner``'s run of the round's practical task afresh inside the round: a run
    started before the round opened (an entrant who opened the task early) is neither resumed
    nor, for a job, a reason to refuse; it never counts in the round, whose results read only
    runs started inside it. A run already started inside the round is resumed (so a double
    click makes one run). ``round`` is one the learner entered (the view's access helper);
    refused outside the round's window. Locks the enrolment (practice.services.run_start)."""
    now = now or timezone.now()
    if round.item_set_id is None:
        raise CompetitionError(_("This round has no practical task."))
    if not round.opens_at <= now < round.closes_at:
        raise CompetitionError(_("The round is not open."))
    found = learner_item_set(user=learner, pk=round.item_set_id)
    if found is None:
        raise CompetitionError(_("You are not enrolled in the course of this task."))
    item_set, enrollment = found
    try:
        return run_start(enrollment=enrollment, item_set=item_set, not_before=round.opens_at)
    except PracticeError as error:
        raise CompetitionError(error.message) from None


LATE_MARKING = timedelta(days=60)


def rounds_to_refresh(now: datetime | None = None) -> list[int]:
    """The rounds whose results change now: open, or closed in the last hour (late submits), or
    closed in the last 60 days with a judge's mark or a marked exam answer given since their
    results were computed (marking goes on after a round; one query)."""
    now = now or timezone.now()
    marked_since = Exists(
        JudgeMark.objects.filter(round=OuterRef("pk"), marked_at__gt=OuterRef("results_at"))
    ) | Exists(
        AttemptQuestion.objects.filter(
            attempt__exam_id=OuterRef("exam_id"),
            attempt__started_at__gte=OuterRef("opens_at"),
            attempt__started_at__lt=OuterRef("closes_at"),
            marked_at__gt=OuterRef("results_at"),
        )
    )
    recent = now - timedelta(hours=1)
    return list(
        Round.objects.filter(
            Q(opens_at__lte=now, closes_at__gte=recent)
            | (
                Q(closes_at__lt=recent, closes_at__gte=now - LATE_MARKING, results_at__isnull=False)
                & marked_since
            )
        ).values_list("pk", flat=True)
    )


# --- privacy --------------------------------------------------------------------------------------


ACCOUNT_DELETED = "account deleted"


@transaction.atomic
def user_competition_data_erase(*, user: User) -> None:
    """The competitions part of deleting an account (called after the user's name is blanked,
    in the same transaction): pending invitations go; the masked name shown on scoreboards goes,
    and so does the name of a team the user captained; so do the reasons written in appeals (the
    rank, the scores and the decisions stay for the figures, as exams keep theirs). The award
    PDFs of the user's entries, which print their name, are deleted from storage after commit
    and rendered again without it (the award and its verification code stay; a revoked award's
    PDF is deleted and not rendered again). The user judges
    no more: their marks not made yet go to other judges, the marks they made stay."""
    EntryMember.objects.filter(learner=user, accepted_at__isnull=True).delete()
    Entry.objects.filter(captain=user).exclude(name="").update(name="")
    RoundResult.objects.filter(entry__captain=user).exclude(display_name="").update(display_name="")
    views_shown: dict[int, set[str]] = {}
    for round_id, view in RoundResult.objects.filter(entry__captain=user).values_list("round_id", "view"):
        views_shown.setdefault(round_id, set()).add(view)

    def bump_versions() -> None:
        # The scoreboards' caches showed the name: their versions move on, after commit and one
        # round per statement, so the erasure never holds round rows (a rebuild or an appeal's
        # advancement locks them in its own order).
        for round_id, views in views_shown.items():
            _bump_versions(round_id, views)

    transaction.on_commit(bump_versions)
    # What they wrote in an appeal goes; the decision and the corrected score stay.
    Appeal.objects.filter(filed_by=user).update(reason=ACCOUNT_DELETED)
    theirs = Award.objects.filter(entry__members__learner=user, entry__members__accepted_at__isnull=False)
    award_ids = list(
        theirs.filter(status__in=[Award.Status.ISSUED, Award.Status.PENDING]).values_list("pk", flat=True)
    )
    # A revoked award is never issued again: its PDF (which prints the name) just goes.
    revoked_ids = list(theirs.filter(status=Award.Status.REVOKED).values_list("pk", flat=True))
    storage = Award._meta.get_field("file").storage
    files = list(
        Award.objects.filter(pk__in=[*award_ids, *revoked_ids])
        .exclude(file="")
        .values_list("file", flat=True)
    )
    Award.objects.filter(pk__in=award_ids).update(file="", status=Award.Status.PENDING)
    Award.objects.filter(pk__in=revoked_ids).exclude(file="").update(file="")

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    for award_id in award_ids:
        enqueue_on_commit(AWARD_TASK, award_id)
    for round in Round.objects.filter(judges__judge=user):
        round_judge_remove(round=round, judge_id=user.pk)
