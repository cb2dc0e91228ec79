"""Writes of hiring: employers signing up and staff verifying them, job posts and their review,
applications with the learner's consent, and the pipeline up to "hired" (which records the
learner's placement, confirmed by the employer, through counties)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import County, LearnerProfile, PlacementOutcome
from counties.services import placement_record
from courses.models import Course
from enrollment.models import Enrollment
from talentportal.queue import enqueue_on_commit
from talentportal.sms import SmsMessage, get_sms_backend

from .models import (
    ApplicationEvent,
    ContactRequest,
    Employer,
    EmployerMember,
    FairRegistration,
    JobApplication,
    JobFair,
    JobPost,
    TalentProfile,
)
from .validators import normalize_credit_code

NOTIFY_TASK = "jobs.tasks.notify_application_event"


class HiringError(ValidationError):
    """A change of state that is not allowed now (shown to the user as a form error)."""


# --- employers -----------------------------------------------------------------------------------


@transaction.atomic
def employer_sign_up(
    *,
    user: User,
    name: str,
    credit_code: str,
    county: County,
    address: str,
    contact_name: str,
    contact_phone: str,
) -> Employer:
    """Create an employer awaiting verification, with ``user`` as its owner. A person acts for
    one employer at most (the membership is unique per user; a second sign-up is refused, also
    when two arrive at once). Invitations the user has not accepted are dropped."""
    if EmployerMember.objects.filter(user=user, is_pending=False).exists():
        raise HiringError(_("You already act for an employer."))
    EmployerMember.objects.filter(user=user, is_pending=True).delete()
    try:
        with transaction.atomic():
            employer = Employer.objects.create(
                name=name.strip(),
                credit_code=normalize_credit_code(credit_code),
                county=county,
                address=address.strip(),
                contact_name=contact_name.strip(),
                contact_phone=contact_phone.strip(),
                created_by=user,
            )
            EmployerMember.objects.create(employer=employer, user=user, role=EmployerMember.Role.OWNER)
    except IntegrityError:
        raise HiringError(
            _("This organisation has already signed up, or you already act for an employer.")
        ) from None
    return employer


REVIEW_DECISIONS = {
    "verify": Employer.Status.VERIFIED,
    "reject": Employer.Status.REJECTED,
    "suspend": Employer.Status.SUSPENDED,
}
_REVIEWABLE_FROM = {
    "verify": {Employer.Status.PENDING, Employer.Status.REJECTED, Employer.Status.SUSPENDED},
    "reject": {Employer.Status.PENDING},
    "suspend": {Employer.Status.VERIFIED},
}


@transaction.atomic
def employer_review(*, employer: Employer, by: User, decision: str, reason: str = "") -> Employer:
    """Staff verify, reject (pending only) or suspend (verified only) an employer; rejecting and
    suspending need a reason. Verifying again lifts a suspension. Locks the employer row."""
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    if locked.status not in _REVIEWABLE_FROM[decision]:
        raise HiringError(_("This employer cannot be changed that way now."))
    if decision != "verify" and not reason.strip():
        raise HiringError(_("Give the reason: the employer will read it."))
    locked.status = REVIEW_DECISIONS[decision]
    locked.status_reason = reason.strip() if decision != "verify" else ""
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "reviewed_by", "reviewed_at"])
    return locked


def employer_member_invite(*, employer: Employer, by: User, user: User | None) -> EmployerMember | None:
    """An owner of ``employer`` invites ``user`` to act for it as a recruiter. The invitation is
    pending until the user accepts it (only then does it count). Nothing happens, silently, if
    ``user`` is None or already acts for (or is invited by) an employer, so that the answer
    does not reveal whether a login exists. Refused to anyone but an accepted owner."""
    if not EmployerMember.objects.filter(
        employer=employer, user=by, role=EmployerMember.Role.OWNER, is_pending=False
    ).exists():
        raise HiringError(_("Only an owner can invite people."))
    if user is None:
        return None
    try:
        with transaction.atomic():
            member, created = EmployerMember.objects.get_or_create(
                user=user,
                defaults={"employer": employer, "role": EmployerMember.Role.RECRUITER, "is_pending": True},
            )
    except IntegrityError:
        return None
    return member if created else None


def employer_invitation_answer(*, user: User, invitation_id: int, accept: bool) -> EmployerMember | None:
    """The invited user accepts (they then act for the employer) or declines (the invitation
    goes). Only the user's own pending invitation changes."""
    invitations = EmployerMember.objects.filter(pk=invitation_id, user=user, is_pending=True)
    if accept:
        if invitations.update(is_pending=False) != 1:
            raise HiringError(_("This invitation is no longer open."))
        return EmployerMember.objects.select_related("employer").get(pk=invitation_id)
    invitations.delete()
    return None


@transaction.atomic
def employer_member_remove(*, employer: Employer, by: User, member_id: int) -> None:
    """An owner removes a member (or withdraws an invitation). The last accepted owner cannot
    remove themselves. Locks the employer's memberships."""
    members = list(EmployerMember.objects.select_for_update().filter(employer=employer))
    if not any(
        m.user_id == by.pk and m.role == EmployerMember.Role.OWNER and not m.is_pending for m in members
    ):
        raise HiringError(_("Only an owner can remove people."))
    target = next((m for m in members if m.pk == member_id), None)
    if target is None:
        raise HiringError(_("This person does not act for your organisation."))
    owners = [m for m in members if m.role == EmployerMember.Role.OWNER and not m.is_pending]
    if target in owners and len(owners) == 1:
        raise HiringError(_("You are the last owner: you cannot be removed."))
    target.delete()


# --- posts ---------------------------------------------------------------------------------------

POST_FIELDS = (
    "title",
    "description",
    "county",
    "is_remote",
    "hours",
    "pay_min",
    "pay_max",
    "pay_period",
    "openings",
    "deadline",
    "min_exam_percent",
)
EDITABLE = (JobPost.Status.DRAFT, JobPost.Status.REJECTED)


@transaction.atomic
def job_post_save(
    *,
    employer: Employer,
    by: User,
    fields: dict[str, Any],
    required_courses: list[Course],
    post: JobPost | None = None,
) -> JobPost:
    """Create a draft post, or change a draft or rejected one (it becomes a draft again: a
    changed post is reviewed again before learners see it). A change re-reads the post under a
    row lock and is refused if it is no longer a draft or rejected."""
    if post is None:
        post = JobPost(employer=employer, created_by=by)
    else:
        # Re-read under a lock: the post may have been sent for review since the form was shown.
        post = JobPost.objects.select_for_update().get(pk=post.pk, employer=employer)
        if post.status not in EDITABLE:
            raise HiringError(_("Only a draft or a rejected post can be changed."))
    for name in POST_FIELDS:
        setattr(post, name, fields[name])
    if post.is_remote:
        post.county = None
    post.status = JobPost.Status.DRAFT
    post.status_reason = ""
    if post.pk is None:
        post.save()
    else:
        post.save(update_fields=[*POST_FIELDS, "status", "status_reason", "updated_at"])
    post.required_courses.set(required_courses)
    return post


def _post_transition(post: JobPost, *, allowed: tuple[str, ...], to: str, **changes) -> JobPost:
    # One conditional UPDATE: exactly one row changes, or the post was not in an allowed state.
    changed = JobPost.objects.filter(pk=post.pk, status__in=allowed).update(
        status=to, updated_at=timezone.now(), **changes
    )
    if changed != 1:
        raise HiringError(_("This post cannot be changed that way now."))
    post.refresh_from_db()
    return post


def job_post_submit(*, post: JobPost) -> JobPost:
    """Send a draft (or a rejected post) to staff for review."""
    return _post_transition(post, allowed=EDITABLE, to=JobPost.Status.PENDING, status_reason="")


def job_post_moderate(*, post: JobPost, by: User, approve: bool, reason: str = "") -> JobPost:
    """Staff publish a post awaiting review, or reject it with a reason the employer reads."""
    if approve:
        return _post_transition(
            post,
            allowed=(JobPost.Status.PENDING,),
            to=JobPost.Status.PUBLISHED,
            status_reason="",
            published_at=timezone.now(),
        )
    if not reason.strip():
        raise HiringError(_("Give the reason: the employer will read it."))
    return _post_transition(
        post, allowed=(JobPost.Status.PENDING,), to=JobPost.Status.REJECTED, status_reason=reason.strip()
    )


def job_post_close(*, post: JobPost) -> JobPost:
    """The employer takes a published post off the board (its applications stay)."""
    return _post_transition(post, allowed=(JobPost.Status.PUBLISHED,), to=JobPost.Status.CLOSED)


# --- applications --------------------------------------------------------------------------------


def _event(
    application: JobApplication, *, status: str, actor: User | None, note: str = ""
) -> ApplicationEvent:
    # Applying tells the learner nothing new: only the employer's moves are sent.
    told = status == JobApplication.Status.APPLIED
    event = ApplicationEvent.objects.create(
        application=application,
        status=status,
        actor=actor,
        note=note,
        notified_at=timezone.now() if told else None,
    )
    if not told:
        enqueue_on_commit(NOTIFY_TASK, event.pk)
    return event


@transaction.atomic
def application_submit(*, post: JobPost, learner: User, shared: dict[str, Any]) -> JobApplication:
    """Apply to an open post, sharing exactly ``shared`` (the consent snapshot the learner saw),
    consented now, for this application only. Idempotent while the consent stands (the first
    snapshot is kept); after a revocation, applying again records a new consent and starts the
    pipeline over, unless the employer had already decided (hired or not selected): that decision
    is final and re-applying is refused. Locks the application row."""
    if not JobPost.objects.open().filter(pk=post.pk).exists():
        raise HiringError(_("This job is no longer open."))
    now = timezone.now()
    application, created = JobApplication.objects.select_for_update().get_or_create(
        post=post, learner=learner, defaults={"shared": shared, "consented_at": now}
    )
    if not created and application.revoked_at is None:
        return application
    if not created and application.status in FINAL:
        raise HiringError(_("The employer has already decided on this application: you cannot apply again."))
    if not created:
        application.shared = shared
        application.consented_at = now
        application.revoked_at = None
        application.status = JobApplication.Status.APPLIED
        application.save(update_fields=["shared", "consented_at", "revoked_at", "status", "updated_at"])
    _event(application, status=JobApplication.Status.APPLIED, actor=learner)
    return application


def application_revoke(*, application: JobApplication) -> JobApplication:
    """The learner withdraws their consent: from now on the employer cannot open the
    application (404) nor see it listed. What was shared is erased from the row. Idempotent."""
    JobApplication.objects.filter(pk=application.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), shared={}, updated_at=timezone.now()
    )
    application.refresh_from_db()
    return application


# The pipeline: each step may move forward (skipping is allowed: an offer without interview);
# "not selected" ends it from any open step; hired and not selected are final.
PIPELINE = (
    JobApplication.Status.APPLIED,
    JobApplication.Status.VIEWED,
    JobApplication.Status.INTERVIEW,
    JobApplication.Status.OFFER,
    JobApplication.Status.HIRED,
)
FINAL = (JobApplication.Status.HIRED, JobApplication.Status.NOT_SELECTED)


def next_statuses(status: str) -> list[str]:
    """Where an application at ``status`` may go next."""
    if status in FINAL:
        return []
    later = list(PIPELINE[PIPELINE.index(status) + 1 :])
    return [s for s in later if s != JobApplication.Status.VIEWED] + [JobApplication.Status.NOT_SELECTED]


def application_mark_viewed(*, application: JobApplication, by: User) -> bool:
    """The employer opened an application just applied: it becomes "viewed" (once; the learner
    is told). Returns whether this call changed it."""
    with transaction.atomic():
        changed = JobApplication.objects.filter(
            pk=application.pk, status=JobApplication.Status.APPLIED, revoked_at__isnull=True
        ).update(status=JobApplication.Status.VIEWED, updated_at=timezone.now())
        if changed:
            application.status = JobApplication.Status.VIEWED
            _event(application, status=JobApplication.Status.VIEWED, actor=by)
    return bool(changed)


@transaction.atomic
def application_move(*, application: JobApplication, to: str, by: User, note: str = "") -> JobApplication:
    """Move an application along the pipeline with a note; the learner is told after commit.
    "Hired" records the learner's placement as confirmed by the employer, and is refused once
    the post's openings are filled (the post row is locked to count). Locks the row; a
    revoked application cannot move."""
    locked = (
        JobApplication.objects.select_for_update().select_related("post__employer").get(pk=application.pk)
    )
    if locked.revoked_at is not None or to not in next_statuses(locked.status):
        raise HiringError(_("This application cannot move there now."))
    if to == JobApplication.Status.HIRED:
        post = JobPost.objects.select_for_update().get(pk=locked.post_id)
        hired = JobApplication.objects.filter(post=post, status=JobApplication.Status.HIRED).count()
        if hired >= post.openings:
            raise HiringError(_("Every opening of this post is already filled."))
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, status=to, actor=by, note=note.strip())
    if to == JobApplication.Status.HIRED:
        _record_placement(locked, by=by)
    return locked


_WAGE_BANDS = (
    (Decimal(2000), PlacementOutcome.WageBand.UNDER_2000),
    (Decimal(4000), PlacementOutcome.WageBand.FROM_2000),
    (Decimal(6000), PlacementOutcome.WageBand.FROM_4000),
    (Decimal(8000), PlacementOutcome.WageBand.FROM_6000),
)


def _wage_band(post: JobPost) -> str:
    if post.pay_period != JobPost.PayPeriod.MONTH:
        return ""
    for limit, band in _WAGE_BANDS:
        if post.pay_min < limit:
            return band
    return PlacementOutcome.WageBand.FROM_8000


def _record_placement(application: JobApplication, *, by: User) -> None:
    """The placement of the hired learner, confirmed by the employer: for the post's required
    course they completed (else their latest completed course, else none), in that enrolment's
    cohort and county (else the learner's county). Replaces a coordinator's entry for the course."""
    post = application.post
    completed = Enrollment.objects.filter(
        learner_id=application.learner_id, status=Enrollment.Status.COMPLETED
    ).select_related("course", "cohort", "county")
    enrollment = (
        completed.filter(course__in=post.required_courses.all()).order_by("-completed_at").first()
        or completed.order_by("-completed_at").first()
    )
    county = enrollment.county if enrollment and enrollment.county_id else None
    if county is None:
        profile = (
            LearnerProfile.objects.select_related("county").filter(user_id=application.learner_id).first()
        )
        county = profile.county if profile else post.employer.county
    placement_record(
        learner=application.learner,
        cohort=enrollment.cohort if enrollment else None,
        course=enrollment.course if enrollment else None,
        county=county,
        recorded_by=by,
        outcome=PlacementOutcome.Outcome.EMPLOYED,
        outcome_date=timezone.localdate(),
        employer=post.employer.name,
        role=post.title,
        wage_band=_wage_band(post),
        source=PlacementOutcome.Source.EMPLOYER,
    )


# --- telling the learner -------------------------------------------------------------------------


@transaction.atomic
def application_event_notify(*, event_id: int) -> bool:
    """Tell the learner by email and SMS (as their reminder settings allow) that their
    application moved. The event is claimed under a row lock (a run that finds it locked or
    already told does nothing) and marked told in the same transaction as the sending: if the
    sending fails, it stays untold for the sweep. Nothing is sent once the learner withdrew
    their consent. Returns whether this call sent it."""
    event = (
        ApplicationEvent.objects.select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
        )
        .select_related("application__learner", "application__post__employer")
        .filter(pk=event_id, notified_at__isnull=True)
        .first()
    )
    if event is None:
        return False
    event.notified_at = timezone.now()
    event.save(update_fields=["notified_at"])
    application = event.application
    learner = application.learner
    if application.revoked_at is not None:
        return False
    with translation.override(learner.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "learner": learner,
            "post": application.post,
            "employer": application.post.employer,
            "status": JobApplication.Status(event.status).label,
            "note": event.note,
            "url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("jobs:my_applications"),
            "programme": settings.PROGRAMME_NAME,
        }
        if learner.remind_by_email and learner.email:
            subject = " ".join(render_to_string("jobs/emails/status_subject.txt", context).split())
            body = render_to_string("jobs/emails/status_message.txt", context)
            EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [learner.email]).send()
        if learner.remind_by_sms and learner.mobile:
            body = " ".join(render_to_string("jobs/emails/status_sms.txt", context).split())
            get_sms_backend().send_messages(
                [SmsMessage(to=learner.mobile, body=settings.SMS_SIGNATURE + body)]
            )
    return True


def application_events_unnotified(*, older_than: datetime.timedelta) -> list[int]:
    """Events whose message was lost: not yet told, and older than ``older_than``."""
    cutoff = timezone.now() - older_than
    return list(
        ApplicationEvent.objects.filter(notified_at__isnull=True, at__lt=cutoff).values_list("pk", flat=True)[
            :500
        ]
    )


# --- personal data (privacy's deletion) ----------------------------------------------------------


def user_jobs_data_erase(*, user: User) -> None:
    """Part of deleting ``user``'s account (privacy.services.user_delete_account, in its
    transaction): their consents are all withdrawn (what they shared is erased and employers
    no longer see the applications; the status stays for the funnel figures), the employers'
    notes on them, their talent profile, the contact requests to them and their fair
    registrations go, and they no longer act for an employer; the contact person and phone of
    employers they signed up are blanked, and an employer whose last owner they were is
    suspended (with the reason). A placement an employer
    confirmed stays, like the coordinator's (anonymous figures). Idempotent."""
    now = timezone.now()
    applications = JobApplication.objects.filter(learner=user)
    applications.filter(revoked_at__isnull=True).update(revoked_at=now, updated_at=now)
    applications.exclude(shared={}).update(shared={})
    ApplicationEvent.objects.filter(application__learner=user).exclude(note="").update(note="")
    TalentProfile.objects.filter(learner=user).delete()
    ContactRequest.objects.filter(learner=user).delete()
    FairRegistration.objects.filter(learner=user).delete()
    Employer.objects.filter(created_by=user).exclude(contact_name="", contact_phone="").update(
        contact_name="", contact_phone=""
    )
    membership = EmployerMember.objects.filter(user=user, is_pending=False).first()
    if membership is not None and membership.role == EmployerMember.Role.OWNER:
        other_owners = EmployerMember.objects.filter(
            employer_id=membership.employer_id, role=EmployerMember.Role.OWNER, is_pending=False
        ).exclude(user=user)
        if not other_owners.exists():
            Employer.objects.filter(pk=membership.employer_id).exclude(
                status=Employer.Status.SUSPENDED
            ).update(
                status=Employer.Status.SUSPENDED,
                status_reason=_("Its last owner deleted their account."),
                reviewed_at=timezone.now(),
            )
    EmployerMember.objects.filter(user=user).delete()


# --- the talent pool -----------------------------------------------------------------------------

TALENT_FIELDS = (
    "is_visible",
    "skills",
    "share_name",
    "share_county",
    "share_certificates",
    "share_exam_results",
    "share_awards",
    "share_attendance",
)


@transaction.atomic
def talent_profile_save(*, learner: User, fields: dict[str, Any]) -> TalentProfile:
    """Opt in to (or out of) the talent pool with the fields the learner chooses to show.
    Hiding the profile stops new searches finding it at once and withdraws the requests the
    learner accepted (employers no longer see their contact details)."""
    profile, _created = TalentProfile.objects.update_or_create(
        learner=learner, defaults={name: fields[name] for name in TALENT_FIELDS}
    )
    if not profile.is_visible:
        ContactRequest.objects.filter(learner=learner, status=ContactRequest.Status.ACCEPTED).update(
            status=ContactRequest.Status.WITHDRAWN, answered_at=timezone.now()
        )
    return profile


def contact_request_withdraw(*, request: ContactRequest) -> ContactRequest:
    """The learner takes back the contact details they gave: the employer sees them no more.
    Only an accepted request changes (one conditional UPDATE)."""
    changed = ContactRequest.objects.filter(pk=request.pk, status=ContactRequest.Status.ACCEPTED).update(
        status=ContactRequest.Status.WITHDRAWN, answered_at=timezone.now()
    )
    if changed != 1:
        raise HiringError(_("Only an accepted request can be withdrawn."))
    request.refresh_from_db()
    return request


@transaction.atomic
def contact_request_send(*, employer: Employer, learner: User, by: User, message: str = "") -> ContactRequest:
    """A verified employer asks a learner of the talent pool for their contact details. Only a
    visible profile can be asked; asking again returns the first request unchanged (a declined
    learner is not asked twice)."""
    if not TalentProfile.objects.filter(learner=learner, is_visible=True).exists():
        raise HiringError(_("This learner is not in the talent pool."))
    request, _created = ContactRequest.objects.get_or_create(
        employer=employer, learner=learner, defaults={"requested_by": by, "message": message.strip()}
    )
    return request


def contact_request_answer(*, request: ContactRequest, accept: bool) -> ContactRequest:
    """The learner accepts (the employer then sees their name, mobile and email) or declines.
    Only a request waiting for an answer changes (one conditional UPDATE)."""
    status = ContactRequest.Status.ACCEPTED if accept else ContactRequest.Status.DECLINED
    changed = ContactRequest.objects.filter(pk=request.pk, status=ContactRequest.Status.PENDING).update(
        status=status, answered_at=timezone.now()
    )
    if changed != 1:
        raise HiringError(_("This request was already answered."))
    request.refresh_from_db()
    return request


# --- job fairs -----------------------------------------------------------------------------------


@transaction.atomic
def job_fair_save(
    *,
    organiser: User,
    fields: dict[str, Any],
    employers: list[Employer],
    posts: list[JobPost],
    fair: JobFair | None = None,
) -> JobFair:
    """Create or change a job fair: its county, title, date and place, the employers taking
    part and their posts shown there (posts of other employers are dropped)."""
    fair = fair or JobFair(organised_by=organiser)
    for name in ("county", "title", "date", "place"):
        setattr(fair, name, fields[name])
    fair.save()
    fair.employers.set(employers)
    employer_ids = {employer.pk for employer in employers}
    fair.posts.set([post for post in posts if post.employer_id in employer_ids])
    return fair


def fair_registration_refusal(*, fair: JobFair, learner: User) -> str:
    """Why ``learner`` cannot register for ``fair`` (it is over, or for another province), for
    the learner; "" when they can."""
    if fair.date < timezone.localdate():
        return _("This job fair is over.")
    if not LearnerProfile.objects.filter(user=learner, county__province_id=fair.county.province_id).exists():
        return _("This job fair is for learners of its province.")
    return ""


def job_fair_register(*, fair: JobFair, learner: User) -> FairRegistration:
    """Register a learner for an upcoming fair, if their county is in the fair's province
    (``fair_registration_refusal``). Idempotent."""
    refusal = fair_registration_refusal(fair=fair, learner=learner)
    if refusal:
        raise HiringError(refusal)
    registration, _created = FairRegistration.objects.get_or_create(fair=fair, learner=learner)
    return registration
