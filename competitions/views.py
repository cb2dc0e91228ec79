"""The competitions pages: the public list, a competition's page (eligibility, registration, the
team), the learner's entries and invitations, the public scoreboard and its JSON, and the
managers' pages (competitions, rounds, results, advancement).

Access lives in the helpers below, over the scoped querysets of ``selectors``: a competition or
a round the user does not manage is a 404, as is another learner's entry or invitation.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from certificates.services import mask_name
from certificates.views import VERIFY_RATE
from counties.selectors import workspace_counties

from . import selectors, services
from .forms import (
    AdjustForm,
    AppealDecisionForm,
    AppealForm,
    CompetitionForm,
    InviteForm,
    JudgeAddForm,
    JudgeMarkForm,
    RegisterForm,
    RoundForm,
)
from .models import Appeal, Award, Competition, Entry, EntryMember, JudgeMark, Round, RoundJudge, RoundResult
from .services import CompetitionError

# --- access ----------------------------------------------------------------------------------------------


def _require_manager(request) -> None:
    if not selectors.is_manager(request.user):
        raise Http404


def _managed_competition(request, pk: int) -> Competition:
    return get_object_or_404(selectors.managed_competitions(request.user), pk=pk)


def _editable_competition(request, pk: int) -> Competition:
    return get_object_or_404(selectors.editable_competitions(request.user), pk=pk)


def _managed_round(request, pk: int) -> Round:
    return get_object_or_404(
        selectors.managed_rounds(request.user).select_related(
            "competition", "county", "province", "advance_to"
        ),
        pk=pk,
    )


def _require_staff(request) -> None:
    if not request.user.is_staff:
        raise Http404


# --- public and learners ---------------------------------------------------------------------------------


@require_GET
def competition_list(request):
    page = Paginator(selectors.open_competitions(), selectors.LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "competitions/list.html", {"page": page})


@require_GET
def competition_detail(request, pk: int):
    """A competition: its rules and rounds; for a signed-in learner, whether they may enter and
    why not, their entry and team."""
    competition = get_object_or_404(
        Competition.objects.select_related(
            "track", "county", "province", "required_course", "certificate_course"
        ),
        pk=pk,
    )
    rounds = list(
        competition.rounds.select_related("county", "province", "exam", "item_set", "advance_to").order_by(
            "opens_at", "pk"
        )
    )
    entry = selectors.entry_of(competition=competition, user=request.user)
    early_runs = selectors.rounds_with_early_runs(rounds=rounds, user=request.user) if entry else {}
    members = (
        list(entry.members.select_related("learner").order_by("pk")) if entry and competition.is_team else []
    )
    context = {
        "competition": competition,
        "rounds": rounds,
        "entry": entry,
        "members": members,
        "accepted": sum(1 for member in members if member.accepted_at),
        "refusals": (
            services.eligibility_refusals(competition=competition, learner=request.user)
            if request.user.is_authenticated and entry is None
            else []
        ),
        "registration_open": competition.registration_open(),
        "now": timezone.now(),
        "early_runs": early_runs,
        # ... and those where a run started inside the round waits to be carried on.
        "resumable_runs": {pk for pk, waiting in early_runs.items() if waiting},
        # The rounds the entry is in: where its task opens to them (practice.gates), and where
        # a run started early may start afresh.
        "entered_rounds": set(entry.round_entries.values_list("round_id", flat=True)) if entry else set(),
        "register_form": RegisterForm(),
        "invite_form": InviteForm(),
    }
    return render(request, "competitions/detail.html", context)


@login_required
@require_POST
def register(request, pk: int):
    competition = get_object_or_404(Competition, pk=pk)
    form = RegisterForm(request.POST)
    team_name = form.cleaned_data["team_name"] if form.is_valid() else ""
    try:
        services.entry_register(competition=competition, learner=request.user, team_name=team_name)
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are registered."))
    return redirect("competitions:detail", pk=competition.pk)


@login_required
@require_POST
def round_task_start(request, pk: int):
    """An entrant starts the round's practical task afresh (a run started before the round
    does not count); another learner's round is a 404."""
    round = selectors.entered_round(user=request.user, pk=pk)
    if round is None:
        raise Http404
    try:
        run = services.round_task_start(round=round, learner=request.user)
    except CompetitionError as error:
        messages.error(request, error.message)
        return redirect("competitions:detail", pk=round.competition_id)
    return redirect("practice:run", pk=run.pk)


# Invitations per captain and hour: enough for a team, too few to probe who has an account.
INVITE_RATE = "20/h"


@login_required
@require_POST
@ratelimit(key="user", rate=INVITE_RATE, method="POST", block=True)
def invite(request, pk: int):
    entry = get_object_or_404(Entry, captain=request.user, pk=pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the teammate's mobile number or email."))
        return redirect("competitions:detail", pk=entry.competition_id)
    try:
        services.member_invite(entry=entry, by=request.user, who=form.cleaned_data["who"])
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Invitation sent. They accept it on their competitions page."))
    return redirect("competitions:detail", pk=entry.competition_id)


@login_required
@require_POST
def captain_take_over(request, pk: int):
    """A member of a team whose captain's account was deleted becomes its captain; another
    team's entry is a 404."""
    entry = get_object_or_404(
        Entry.objects.distinct(), members__learner=request.user, members__accepted_at__isnull=False, pk=pk
    )
    try:
        services.entry_captain_take_over(entry=entry, learner=request.user)
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are now the team's captain."))
    return redirect("competitions:detail", pk=entry.competition_id)


@login_required
@require_POST
def invitation_withdraw(request, pk: int):
    """The captain withdraws a pending invitation of their team; another's is a 404."""
    member = get_object_or_404(EntryMember, entry__captain=request.user, accepted_at__isnull=True, pk=pk)
    services.invitation_withdraw(member=member, by=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("competitions:detail", pk=member.competition_id)


@login_required
@require_POST
def invitation_answer(request, pk: int):
    member = get_object_or_404(EntryMember, learner=request.user, accepted_at__isnull=True, pk=pk)
    accept = request.POST.get("answer") == "accept"
    try:
        services.invitation_answer(member=member, learner=request.user, accept=accept)
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You joined the team.") if accept else _("Invitation declined."))
    return redirect("competitions:mine")


@login_required
@require_GET
def mine(request):
    context = {
        "entries": selectors.my_entries(request.user),
        "invitations": selectors.my_invitations(request.user),
        "appeal_form": AppealForm(),
    }
    return render(request, "competitions/mine.html", context)


def _board_context(request, round: Round) -> dict:
    now = timezone.now()
    view = selectors.board_view(round, now)
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    return {
        "round": round,
        "version": round.board_version(view),
        "frozen": view == RoundResult.View.FROZEN,
        "ended": now >= round.closes_at,
        "board": selectors.scoreboard_rows(round, view=view, page=page),
    }


@require_GET
def scoreboard(request, pk: int):
    """The public ranking of a round, names masked; frozen in its last minutes (the entrant
    sees their own live result). The same for every visitor: cached by the version of the
    view shown (live or frozen)."""
    round = get_object_or_404(Round.objects.select_related("competition", "county", "province"), pk=pk)
    context = _board_context(request, round)
    context["own"] = selectors.own_result(round=round, user=request.user)
    return render(request, "competitions/scoreboard.html", context)


@require_GET
def scoreboard_json(request, pk: int):
    """The scoreboard's page as JSON, for the page's refresh script."""
    round = get_object_or_404(Round, pk=pk)
    context = _board_context(request, round)
    return JsonResponse(
        {"version": context["version"], "frozen": context["frozen"], **context["board"]},
        headers={"Cache-Control": "no-cache"},
    )


# --- managers ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def manage_list(request):
    _require_manager(request)
    competitions = selectors.managed_competitions(request.user).select_related("track", "county", "province")
    page = Paginator(
        competitions.order_by("-registration_opens_at", "-pk"), selectors.LIST_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "competitions/manage_list.html", {"page": page})


@login_required
def manage_create(request):
    _require_manager(request)
    return _competition_form(request, None)


@login_required
def manage_competition(request, pk: int):
    competition = _managed_competition(request, pk)
    editable = selectors.editable_competitions(request.user).filter(pk=pk).exists()
    if request.method == "POST" and not editable:
        raise Http404
    return _competition_form(request, competition, editable=editable)


def _competition_form(request, competition: Competition | None, *, editable: bool = True):
    form = CompetitionForm(
        request.POST or None,
        instance=competition,
        counties=workspace_counties(request.user),
        is_staff=request.user.is_staff,
    )
    if request.method == "POST" and form.is_valid():
        competition = services.competition_save(competition=form.save(commit=False), by=request.user)
        messages.success(request, _("Saved."))
        return redirect("competitions:manage_competition", pk=competition.pk)
    rounds = (
        competition.rounds.select_related("county", "province", "advance_to").order_by("opens_at", "pk")
        if competition
        else []
    )
    managed = (
        set(selectors.managed_rounds(request.user).values_list("pk", flat=True)) if competition else set()
    )
    context = {
        "form": form,
        "competition": competition,
        "rounds": rounds,
        "editable": editable,
        "managed": managed,
    }
    return render(request, "competitions/competition_form.html", context)


@login_required
def round_create(request, pk: int):
    competition = _editable_competition(request, pk)
    return _round_form(request, competition, Round(competition=competition))


@login_required
def round_edit(request, pk: int):
    round = _managed_round(request, pk)
    competition = _editable_competition(request, round.competition_id)
    return _round_form(request, competition, round)


def _round_form(request, competition: Competition, round: Round):
    form = RoundForm(
        request.POST or None,
        instance=round,
        competition=competition,
        counties=workspace_counties(request.user),
        is_staff=request.user.is_staff,
    )
    if request.method == "POST" and form.is_valid():
        try:
            round = services.round_save(round=form.save(commit=False))
        except CompetitionError as error:
            form.add_error("exam", error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("competitions:manage_round", pk=round.pk)
    return render(
        request, "competitions/round_form.html", {"form": form, "competition": competition, "round": round}
    )


@login_required
@require_GET
def manage_round(request, pk: int):
    """A round for its managers: its settings, entrants, live results, advancement and the
    adjustments staff made."""
    round = _managed_round(request, pk)
    results = {
        result.entry_id: result
        for result in RoundResult.objects.filter(round=round, view=RoundResult.View.LIVE)
    }
    entrants = Paginator(selectors.round_entrants(round), 100).get_page(request.GET.get("page"))
    for round_entry in entrants.object_list:
        round_entry.result = results.get(round_entry.entry_id)
    context = {
        "round": round,
        "entrants": entrants,
        "page": entrants,
        "advancing": set(selectors.advancing_entry_ids(round)) if round.advance_to_id else set(),
        "adjustments": selectors.round_adjustments(round)[:50],
        "adjust_form": AdjustForm(round=round) if request.user.is_staff else None,
        "appeals": round.appeals.select_related("entry__captain", "resolved_by").order_by(
            "status", "-created_at"
        )[:50],
        "decision_form": AppealDecisionForm(),
        "judges": selectors.round_judges(round),
        "judging_pending": selectors.judging_pending(round),
        "awards": Award.objects.filter(round=round)
        .select_related("entry__captain")
        .order_by("rank", "pk")[:100],
        "judge_form": JudgeAddForm(),
        "editable": selectors.editable_competitions(request.user).filter(pk=round.competition_id).exists(),
    }
    return render(request, "competitions/manage_round.html", context)


@login_required
@require_POST
def round_compute(request, pk: int):
    round = _managed_round(request, pk)
    services.round_results_rebuild(round=round)
    messages.success(request, _("Results computed."))
    return redirect("competitions:manage_round", pk=round.pk)


@login_required
@require_POST
def round_advance(request, pk: int):
    round = _managed_round(request, pk)
    try:
        count = services.round_advance(round=round)
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)s entries advance to the next round.") % {"count": count})
    return redirect("competitions:manage_round", pk=round.pk)


@login_required
@require_POST
def round_reveal(request, pk: int):
    _require_staff(request)
    round = _managed_round(request, pk)
    services.round_reveal(round=round, by=request.user)
    messages.success(request, _("The scoreboard is revealed."))
    return redirect("competitions:manage_round", pk=round.pk)


@login_required
@require_POST
def round_adjust(request, pk: int):
    _require_staff(request)
    round = _managed_round(request, pk)
    form = AdjustForm(request.POST, round=round)
    if not form.is_valid():
        messages.error(request, _("Choose the entry and the change, and give the reason."))
        return redirect("competitions:manage_round", pk=round.pk)
    try:
        services.round_adjust(
            round=round,
            entry=form.cleaned_data["entry"],
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Change recorded."))
    return redirect("competitions:manage_round", pk=round.pk)


# --- appeals ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def appeal(request, pk: int):
    """An entrant appeals a score of their entry in the round (refusals as messages)."""
    round = get_object_or_404(Round, pk=pk)
    form = AppealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the score you appeal and give the reason."))
        return redirect("competitions:mine")
    try:
        services.appeal_file(
            round=round,
            learner=request.user,
            score=form.cleaned_data["score"],
            reason=form.cleaned_data["reason"],
        )
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your appeal is filed. You will see the decision here."))
    return redirect("competitions:mine")


@login_required
@require_POST
def appeal_resolve(request, pk: int):
    """The round's managers decide an appeal; upholding it corrects the score and re-ranks."""
    appeal = get_object_or_404(Appeal.objects.filter(round__in=selectors.managed_rounds(request.user)), pk=pk)
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the decision and give its reason."))
        return redirect("competitions:manage_round", pk=appeal.round_id)
    try:
        services.appeal_resolve(
            appeal=appeal,
            by=request.user,
            uphold=form.cleaned_data["decision"] == "uphold",
            corrected_percent=form.cleaned_data["corrected_percent"],
            resolution=form.cleaned_data["resolution"],
        )
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("competitions:manage_round", pk=appeal.round_id)


# --- judges ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def round_judge_add(request, pk: int):
    round = _managed_round(request, pk)
    form = JudgeAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("competitions:manage_round", pk=round.pk)
    county = form.cleaned_data["county"]
    try:
        services.round_judge_add(
            round=round, who=form.cleaned_data["who"], county_id=county.pk if county else None
        )
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Judge added."))
    return redirect("competitions:manage_round", pk=round.pk)


@login_required
@require_POST
def round_judge_remove(request, pk: int, judge_id: int):
    """Remove a judge of a managed round; their marks not made yet go to other judges."""
    round = _managed_round(request, pk)
    judge = get_object_or_404(RoundJudge, round=round, judge_id=judge_id)
    services.round_judge_remove(round=round, judge_id=judge.judge_id)
    messages.success(request, _("Judge removed; their marks not made yet go to other judges."))
    return redirect("competitions:manage_round", pk=round.pk)


@login_required
@require_POST
def round_judging_assign(request, pk: int):
    round = _managed_round(request, pk)
    count = services.judging_assign(round=round)
    messages.success(request, _("%(count)s marks assigned to judges.") % {"count": count})
    return redirect("competitions:manage_round", pk=round.pk)


@login_required
@require_GET
def judge_queue(request):
    """The submissions a judge has to mark, without the entrants' names or counties."""
    if not RoundJudge.objects.filter(judge=request.user).exists():
        raise Http404
    marks = (
        JudgeMark.objects.filter(judge=request.user)
        .select_related("round__competition", "round__assignment")
        .order_by(F("marked_at").asc(nulls_first=True), "assigned_at", "pk")
    )
    page = Paginator(marks, selectors.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "competitions/judge_queue.html", {"page": page})


@login_required
def judge_mark(request, pk: int):
    """One submission to mark, blind: its text, its photos and the rubric, never the entrant's
    name or county (the photos by number, through ``practice:submission_image``, which lets the
    judge in through ``practice.viewers``)."""
    mark = get_object_or_404(
        JudgeMark.objects.select_related("round__competition", "round__assignment", "submission"),
        judge=request.user,
        pk=pk,
    )
    criteria = mark.round.assignment.criteria
    form = JudgeMarkForm(request.POST or None, criteria=criteria, levels=mark.levels)
    if request.method == "POST" and form.is_valid():
        try:
            services.judge_mark_save(mark=mark, judge=request.user, levels=form.levels())
        except CompetitionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Mark saved."))
            return redirect("competitions:judge_queue")
    images = mark.submission.images.only("pk")
    return render(request, "competitions/judge_mark.html", {"mark": mark, "form": form, "images": images})


# --- awards ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def round_awards(request, pk: int):
    round = _managed_round(request, pk)
    try:
        count = services.awards_grant(round=round)
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(count)s prizes granted; their certificates are being prepared.") % {"count": count}
        )
    return redirect("competitions:manage_round", pk=round.pk)


@require_GET
@ratelimit(key="ip", rate=VERIFY_RATE, block=True)
def award_verify(request, code: str):
    """The public check of an award certificate: the prize, the round, the county and the
    names masked; revoked if the results changed. An unknown code is a 404 saying nothing."""
    award = (
        Award.objects.select_related(
            "round__competition", "round__county", "round__province", "entry__county"
        )
        .filter(verification_code=code.strip().upper())
        .exclude(status=Award.Status.PENDING)
        .first()
    )
    if award is None:
        return render(request, "competitions/award_verify.html", {"award": None, "code": code}, status=404)
    names = (
        [award.entry.name]
        if award.entry.name
        else [
            mask_name(name)
            for name in award.entry.members.filter(accepted_at__isnull=False)
            .exclude(learner__name="")
            .values_list("learner__name", flat=True)
        ]
    )
    return render(request, "competitions/award_verify.html", {"award": award, "names": names, "code": code})


@login_required
@require_GET
def award_download(request, code: str):
    """The award PDF, for the entry's members and the round's managers."""
    award = get_object_or_404(
        Award.objects.filter(status=Award.Status.ISSUED)
        .filter(
            Q(entry__members__learner=request.user, entry__members__accepted_at__isnull=False)
            | Q(round__in=selectors.managed_rounds(request.user))
        )
        .distinct(),
        verification_code=code,
    )
    if not award.file:
        raise Http404
    return FileResponse(
        award.file.open("rb"),
        as_attachment=True,
        filename=f"award-{award.verification_code}.pdf",
        content_type="application/pdf",
    )
