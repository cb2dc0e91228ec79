"""The hiring pages: the learner's job board and applications, the employer's sign-up, posts,
applicants and certificate check, and staff's verification and moderation queues.

Access lives in the helpers below: an employer's objects are read through querysets filtered on
their (verified) employer, an application only while its learner's consent stands; staff pages
answer 404 to anyone else. A foreign object is a 404.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.validators import normalize_mobile
from counties.selectors import workspace_counties

from . import selectors, services
from .forms import (
    BoardFilterForm,
    ContactRequestForm,
    EmployerSignupForm,
    JobFairForm,
    JobPostForm,
    MemberAddForm,
    ModerationForm,
    MoveForm,
    ReviewForm,
    ShareForm,
    TalentProfileForm,
    TalentSearchForm,
)
from .models import (
    ContactRequest,
    Employer,
    EmployerMember,
    FairRegistration,
    JobApplication,
    JobFair,
    JobPost,
    TalentProfile,
)
from .services import HiringError

# --- access --------------------------------------------------------------------------------------


def _employer_for(request) -> Employer:
    """The verified employer the signed-in user acts for; 404 for anyone else."""
    membership = selectors.membership_of(request.user)
    if membership is None or membership.employer.status != Employer.Status.VERIFIED:
        raise Http404
    return membership.employer


def _post_for(request, pk: int) -> JobPost:
    return get_object_or_404(JobPost.objects.select_related("county"), employer=_employer_for(request), pk=pk)


def _application_for(request, pk: int) -> JobApplication:
    """An application to one of the employer's posts whose learner still consents."""
    return get_object_or_404(
        JobApplication.objects.consented().select_related("post"),
        post__employer=_employer_for(request),
        pk=pk,
    )


def _require_staff(request) -> None:
    if not request.user.is_staff:
        raise Http404


def _page(request, queryset, size: int = selectors.LIST_PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


# --- learners ------------------------------------------------------------------------------------


@login_required
@require_GET
def board(request):
    """Open jobs near the learner, those they qualify for first; for the others, what is missing."""
    record = selectors.learner_record(request.user)
    form = BoardFilterForm(request.GET or None)
    where = (form.cleaned_data["where"] if form.is_valid() else "") or selectors.Where.COUNTY
    page = _page(request, selectors.board_posts(record, where), selectors.BOARD_PAGE_SIZE)
    for post in page.object_list:
        post.missing = None if post.qualified else selectors.what_would_qualify(post, record)
    context = {"page": page, "form": form, "record": record, "where": where}
    context["invitation"] = selectors.pending_invitation(request.user)
    return render(request, "jobs/board.html", context)


@login_required
@require_GET
def post_detail(request, pk: int):
    try:
        post = selectors.open_post(pk)
    except JobPost.DoesNotExist:
        raise Http404 from None
    record = selectors.learner_record(request.user)
    missing = selectors.what_would_qualify(post, record)
    application = JobApplication.objects.filter(
        post=post, learner=request.user, revoked_at__isnull=True
    ).first()
    context = {
        "post": post,
        "missing": missing,
        "qualified": not (missing["courses"] or missing["exam_percent"]),
    }
    context["application"] = application
    return render(request, "jobs/post_detail.html", context)


@login_required
def apply(request, pk: int):
    """The consent page: exactly what the employer will receive, the results to share chosen
    by the learner; applying records that snapshot (re-checked against the one shown)."""
    try:
        post = selectors.open_post(pk)
    except JobPost.DoesNotExist:
        raise Http404 from None
    record = selectors.learner_record(request.user)
    if request.method == "POST" or "shown" in request.GET:
        form = ShareForm(request.POST if request.method == "POST" else request.GET, record=record)
        chosen = form.cleaned_data if form.is_valid() else {}
        choices = {
            "exam": set(chosen.get("exam", [])),
            "practice": set(chosen.get("practice", [])),
            "evidence": set(chosen.get("evidence", [])),
            "contact": chosen.get("contact", False),
        }
    else:
        # First visit: every exam result and award ticked (as certificates are shared), the
        # contact details not.
        exams = [result["key"] for result in record.exam_results]
        awards = [row["key"] for row in record.evidence]
        form = ShareForm(record=record, initial={"exam": exams, "evidence": awards})
        choices = {"exam": set(exams), "practice": set(), "evidence": set(awards), "contact": False}
    snapshot = selectors.consent_snapshot(
        record,
        exam_keys=choices["exam"],
        practice_keys=choices["practice"],
        evidence_keys=choices["evidence"],
        share_contact=choices["contact"],
    )
    digest = selectors.snapshot_digest(snapshot)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("digest") != digest:
            messages.warning(request, _("What you would share has changed: check it again before applying."))
        else:
            try:
                services.application_submit(post=post, learner=request.user, shared=snapshot)
            except HiringError as error:
                messages.error(request, error.message)
                return redirect("jobs:board")
            messages.success(request, _("You applied. The employer sees only what you agreed to share."))
            return redirect("jobs:my_applications")
    context = {"post": post, "form": form, "shared": snapshot, "digest": digest, "choices": choices}
    return render(request, "jobs/apply.html", context)


@login_required
@require_GET
def my_applications(request):
    page = _page(request, selectors.learner_applications(request.user))
    context = {"page": page, "invitation": selectors.pending_invitation(request.user)}
    return render(request, "jobs/my_applications.html", context)


@login_required
def application_revoke(request, pk: int):
    """Withdraw the consent given with an application (a confirmation page, then POST)."""
    application = get_object_or_404(
        JobApplication.objects.select_related("post__employer"),
        learner=request.user,
        pk=pk,
        revoked_at__isnull=True,
    )
    if request.method == "POST":
        services.application_revoke(application=application)
        messages.success(request, _("Consent withdrawn: the employer can no longer see this application."))
        return redirect("jobs:my_applications")
    return render(request, "jobs/revoke.html", {"application": application})


# --- employers -----------------------------------------------------------------------------------


@login_required
def employer_signup(request):
    if selectors.membership_of(request.user) is not None:
        return redirect("jobs:employer_home")
    form = EmployerSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_sign_up(user=request.user, **form.cleaned_data)
        except HiringError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you. Programme staff will verify your organisation soon."))
            return redirect("jobs:employer_home")
    return render(request, "jobs/employer_signup.html", {"form": form})


@login_required
@require_GET
def employer_home(request):
    """The employer's posts (once verified), or where their sign-up stands."""
    membership = selectors.membership_of(request.user)
    if membership is None:
        return redirect("jobs:employer_signup")
    employer = membership.employer
    context = {"employer": employer, "membership": membership, "today": timezone.localdate()}
    if employer.status == Employer.Status.VERIFIED:
        context["page"] = _page(request, selectors.employer_posts(employer))
        context["fairs"] = (
            employer.job_fairs.filter(date__gte=context["today"]).select_related("county").order_by("date")
        )
    return render(request, "jobs/employer_home.html", context)


def _is_owner(request, employer: Employer) -> bool:
    return EmployerMember.objects.filter(
        employer=employer, user=request.user, role=EmployerMember.Role.OWNER, is_pending=False
    ).exists()


@login_required
def employer_members(request):
    """The people acting for the employer; an owner invites (the invited person accepts on their
    own page) and removes people. The answer to an invitation never tells whether the email or
    mobile number has an account."""
    employer = _employer_for(request)
    is_owner = _is_owner(request, employer)
    form = MemberAddForm(request.POST or None) if is_owner else None
    if request.method == "POST":
        if not is_owner:
            raise Http404
        if form.is_valid():
            login = form.cleaned_data["login"].strip()
            user = (
                get_user_model()
                .objects.filter(Q(email__iexact=login) | Q(mobile=normalize_mobile(login)), is_active=True)
                .exclude(pk=request.user.pk)
                .first()
            )
            try:
                services.employer_member_invite(employer=employer, by=request.user, user=user)
            except HiringError as error:
                form.add_error("login", error)
            else:
                messages.success(
                    request,
                    _(
                        "If they have an account, they have been invited. They act for your "
                        "organisation once they accept."
                    ),
                )
                return redirect("jobs:employer_members")
    members = EmployerMember.objects.filter(employer=employer).select_related("user").order_by("added_at")
    context = {"employer": employer, "members": members, "form": form, "is_owner": is_owner}
    return render(request, "jobs/employer_members.html", context)


@login_required
@require_POST
def employer_member_remove(request, pk: int):
    employer = _employer_for(request)
    if not _is_owner(request, employer):
        raise Http404
    get_object_or_404(EmployerMember, employer=employer, pk=pk)
    try:
        services.employer_member_remove(employer=employer, by=request.user, member_id=pk)
    except HiringError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Removed."))
    return redirect("jobs:employer_members")


@login_required
@require_POST
def invitation_answer(request, pk: int):
    """The invited person accepts or declines an invitation to act for an employer."""
    get_object_or_404(EmployerMember, pk=pk, user=request.user, is_pending=True)
    accept = request.POST.get("answer") == "accept"
    try:
        member = services.employer_invitation_answer(user=request.user, invitation_id=pk, accept=accept)
    except HiringError as error:
        messages.error(request, error.message)
        return redirect("jobs:my_applications")
    if member is not None:
        messages.success(request, _("You now act for %(employer)s.") % {"employer": member.employer.name})
        return redirect("jobs:employer_home")
    messages.success(request, _("Invitation declined."))
    return redirect("jobs:my_applications")


@login_required
def post_create(request):
    return _post_form(request, _employer_for(request), None)


@login_required
def post_edit(request, pk: int):
    post = _post_for(request, pk)
    if post.status not in services.EDITABLE:
        raise Http404
    return _post_form(request, post.employer, post)


def _post_form(request, employer: Employer, post: JobPost | None):
    form = JobPostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.POST_FIELDS}
        post = services.job_post_save(
            employer=employer,
            by=request.user,
            post=post,
            fields=fields,
            required_courses=list(form.cleaned_data["required_courses"]),
        )
        messages.success(request, _("Saved as a draft. Send it for review when it is ready."))
        return redirect("jobs:employer_home")
    return render(request, "jobs/post_form.html", {"form": form, "post": post})


@login_required
@require_POST
def post_submit(request, pk: int):
    try:
        services.job_post_submit(post=_post_for(request, pk))
    except HiringError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sent for review. Learners see the post once staff publish it."))
    return redirect("jobs:employer_home")


@login_required
@require_POST
def post_close(request, pk: int):
    try:
        services.job_post_close(post=_post_for(request, pk))
    except HiringError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The post is closed."))
    return redirect("jobs:employer_home")


@login_required
@require_GET
def post_applicants(request, pk: int):
    post = _post_for(request, pk)
    page = _page(request, selectors.post_applicants(post))
    return render(request, "jobs/applicants.html", {"post": post, "page": page})


@login_required
@require_GET
def application_detail(request, pk: int):
    """What the learner agreed to share, the pipeline so far, and where it can go next. Opening
    an application just received marks it viewed (the learner is told)."""
    application = _application_for(request, pk)
    services.application_mark_viewed(application=application, by=request.user)
    statuses = services.next_statuses(application.status)
    context = {
        "application": application,
        "post": application.post,
        "shared": application.shared,
        # Only this consent's round: steps before a revocation stay hidden from the employer.
        "events": application.events.filter(at__gte=application.consented_at).order_by("at", "pk"),
        "form": MoveForm(statuses=statuses) if statuses else None,
    }
    return render(request, "jobs/application_detail.html", context)


@login_required
@require_POST
def application_move(request, pk: int):
    application = _application_for(request, pk)
    form = MoveForm(request.POST, statuses=services.next_statuses(application.status))
    if form.is_valid():
        try:
            services.application_move(
                application=application,
                to=form.cleaned_data["to"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except HiringError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Moved. The learner is told."))
    else:
        messages.error(request, _("Choose where the application goes next."))
    return redirect("jobs:application_detail", pk=application.pk)


_CODE_SPLIT = re.compile(r"[\s,;，；]+")


MAX_UPLOAD_BYTES = 64 * 1024


def certificate_check_rate(group, request) -> str:
    """The bulk check's rate per user (settings.JOBS_CERTIFICATE_CHECK_RATE)."""
    return settings.JOBS_CERTIFICATE_CHECK_RATE


@login_required
@ratelimit(key="user", rate=certificate_check_rate, method="POST", block=True)
def certificate_check(request):
    """Paste (or upload as a text or CSV file, 64 KB at most) verification codes; each one's
    status. Checks are rate limited per user (a 429 page beyond)."""
    _employer_for(request)
    results = None
    text = ""
    if request.method == "POST":
        text = request.POST.get("codes", "")
        upload = request.FILES.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            messages.error(request, _("The file is too large: 64 KB at most."))
            return render(request, "jobs/certificate_check.html", {"results": None, "codes": text})
        if upload is not None:
            text += "\n" + upload.read(MAX_UPLOAD_BYTES).decode("utf-8", errors="ignore")
        codes = list(dict.fromkeys(code.upper() for code in _CODE_SPLIT.split(text) if code))
        if not codes:
            messages.error(request, _("Paste at least one verification code."))
        elif len(codes) > selectors.MAX_CODES:
            messages.error(request, _("At most %(count)d codes at a time.") % {"count": selectors.MAX_CODES})
        else:
            results = selectors.certificate_statuses(codes)
    return render(request, "jobs/certificate_check.html", {"results": results, "codes": text})


# --- staff ---------------------------------------------------------------------------------------


@login_required
@require_GET
def staff_employers(request):
    _require_staff(request)
    status = request.GET.get("status", Employer.Status.PENDING)
    if status not in Employer.Status.values:
        status = Employer.Status.PENDING
    page = _page(request, selectors.staff_employer_queue(status))
    context = {"page": page, "status": status, "statuses": Employer.Status.choices}
    return render(request, "jobs/staff_employers.html", context)


@login_required
def staff_employer(request, pk: int):
    _require_staff(request)
    employer = get_object_or_404(Employer.objects.select_related("county"), pk=pk)
    form = ReviewForm(request.POST or None)
    decision = request.POST.get("decision")
    if request.method == "POST" and form.is_valid() and decision in services.REVIEW_DECISIONS:
        try:
            services.employer_review(
                employer=employer, by=request.user, decision=decision, reason=form.cleaned_data["reason"]
            )
        except HiringError as error:
            form.add_error("reason", error)
        else:
            messages.success(request, _("Saved."))
            return redirect("jobs:staff_employers")
    members = EmployerMember.objects.filter(employer=employer).select_related("user")
    return render(
        request, "jobs/staff_employer.html", {"employer": employer, "form": form, "members": members}
    )


@login_required
@require_GET
def staff_posts(request):
    _require_staff(request)
    return render(request, "jobs/staff_posts.html", {"page": _page(request, selectors.staff_post_queue())})


@login_required
def staff_post(request, pk: int):
    _require_staff(request)
    post = get_object_or_404(
        JobPost.objects.select_related("employer", "county").prefetch_related("required_courses"), pk=pk
    )
    form = ModerationForm(request.POST or None)
    decision = request.POST.get("decision")
    if request.method == "POST" and form.is_valid() and decision in ("publish", "reject"):
        try:
            services.job_post_moderate(
                post=post, by=request.user, approve=decision == "publish", reason=form.cleaned_data["reason"]
            )
        except HiringError as error:
            form.add_error("reason", error)
        else:
            messages.success(request, _("Saved."))
            return redirect("jobs:staff_posts")
    return render(request, "jobs/staff_post.html", {"post": post, "form": form})


# --- the talent pool -----------------------------------------------------------------------------


@login_required
def talent_profile(request):
    """The learner's place in the talent pool (opt-in, fields chosen) and the contact requests
    employers sent them."""
    profile = TalentProfile.objects.filter(learner=request.user).first()
    form = TalentProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.talent_profile_save(learner=request.user, fields=form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("jobs:talent_profile")
    requests = (
        ContactRequest.objects.filter(learner=request.user).select_related("employer").order_by("-created_at")
    )
    context = {"form": form, "requests": requests, "awards": selectors.learner_evidence(request.user)}
    return render(request, "jobs/talent_profile.html", context)


@login_required
@require_POST
def contact_answer(request, pk: int):
    contact = get_object_or_404(ContactRequest, learner=request.user, pk=pk)
    try:
        if request.POST.get("answer") == "withdraw":
            services.contact_request_withdraw(request=contact)
        else:
            services.contact_request_answer(request=contact, accept=request.POST.get("answer") == "accept")
    except HiringError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Answer sent."))
    return redirect("jobs:talent_profile")


@login_required
@require_GET
def talent_search(request):
    employer = _employer_for(request)
    form = TalentSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(
        request,
        selectors.talent_search(
            skill=filters.get("skill", ""), course=filters.get("course"), county=filters.get("county")
        ),
        selectors.BOARD_PAGE_SIZE,
    )
    cards = selectors.talent_cards(list(page.object_list), employer=employer)
    context = {"form": form, "page": page, "cards": cards, "contact_form": ContactRequestForm()}
    return render(request, "jobs/talent_search.html", context)


@login_required
@require_POST
def contact_request(request, pk: int):
    employer = _employer_for(request)
    profile = get_object_or_404(TalentProfile, pk=pk, is_visible=True)
    form = ContactRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        services.contact_request_send(
            employer=employer, learner=profile.learner, by=request.user, message=message
        )
    except HiringError as error:
        messages.error(request, error.message)
        return redirect("jobs:talent_search")
    messages.success(request, _("Request sent. You will see their contact details once they accept."))
    return redirect("jobs:contact_requests")


@login_required
@require_GET
def contact_requests(request):
    """The employer's contact requests; a learner's name, mobile and email once they accepted."""
    employer = _employer_for(request)
    page = _page(request, selectors.employer_contact_requests(employer))
    return render(request, "jobs/contact_requests.html", {"page": page})


# --- job fairs -----------------------------------------------------------------------------------


@login_required
@require_GET
def fairs(request):
    """Upcoming job fairs in the learner's province, to register for."""
    record = selectors.learner_record(request.user)
    page = _page(request, selectors.fairs_for_learner(record))
    return render(request, "jobs/fairs.html", {"page": page})


@login_required
def fair_detail(request, pk: int):
    """A fair: where and when, its employers and posts; registering (POST)."""
    fair = get_object_or_404(JobFair.objects.select_related("county"), pk=pk)
    if request.method == "POST":
        try:
            services.job_fair_register(fair=fair, learner=request.user)
        except HiringError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("You are registered. See you at the fair."))
        return redirect("jobs:fair_detail", pk=fair.pk)
    context = {
        "fair": fair,
        "employers": fair.employers.verified().order_by("name"),
        "posts": fair.posts.open().select_related("employer").order_by("employer__name", "title"),
        "registered": FairRegistration.objects.filter(fair=fair, learner=request.user).exists(),
        # Who cannot register is told why instead of being offered a button that refuses.
        "refusal": services.fair_registration_refusal(fair=fair, learner=request.user),
    }
    return render(request, "jobs/fair_detail.html", context)


def _fair_counties(request):
    """The counties whose fairs the user organises (a coordinator's; every county for staff)."""
    counties = workspace_counties(request.user)
    if not counties.exists():
        raise Http404
    return counties


@login_required
@require_GET
def fair_manage_list(request):
    counties = _fair_counties(request)
    page = _page(
        request, JobFair.objects.filter(county__in=counties).select_related("county").order_by("-date", "-pk")
    )
    outcomes = selectors.fair_outcomes([fair.pk for fair in page.object_list])
    for fair in page.object_list:
        fair.outcomes = outcomes[fair.pk]
    return render(request, "jobs/fair_manage_list.html", {"page": page})


@login_required
def fair_create(request):
    return _fair_form(request, None)


@login_required
def fair_edit(request, pk: int):
    fair = get_object_or_404(JobFair, county__in=_fair_counties(request), pk=pk)
    return _fair_form(request, fair)


def _fair_form(request, fair: JobFair | None):
    counties = _fair_counties(request).order_by("code")
    form = JobFairForm(request.POST or None, instance=fair, counties=counties)
    if request.method == "POST" and form.is_valid():
        fair = services.job_fair_save(
            organiser=request.user,
            fair=fair,
            fields=form.cleaned_data,
            employers=list(form.cleaned_data["employers"]),
            posts=list(form.cleaned_data["posts"]),
        )
        messages.success(request, _("Saved."))
        return redirect("jobs:fair_edit", pk=fair.pk)
    outcomes = selectors.fair_outcomes([fair.pk])[fair.pk] if fair else None
    return render(request, "jobs/fair_form.html", {"form": form, "fair": fair, "outcomes": outcomes})
