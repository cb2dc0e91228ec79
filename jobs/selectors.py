"""Reads of the hiring pages: who acts for which employer, what a learner has to show, the job
board with each post's qualification, and the posts and applicants an employer may see."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils import timezone

from accounts import evidence
from accounts.models import User
from certificates.models import Certificate
from certificates.services import mask_name
from counties.models import Attendance, ClassSession, County, LearnerProfile
from counties.selectors import attendance_percent
from courses.models import Course
from enrollment.models import Enrollment
from practice.selectors import learner_results

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

BOARD_PAGE_SIZE = 20
LIST_PAGE_SIZE = 30


# --- employers -----------------------------------------------------------------------------------


def membership_of(user: User) -> EmployerMember | None:
    """The user's accepted membership of an employer (whatever the employer's status), or None
    (an invitation not yet accepted does not count)."""
    if not user.is_authenticated:
        return None
    return (
        EmployerMember.objects.select_related("employer__county").filter(user=user, is_pending=False).first()
    )


def pending_invitation(user: User) -> EmployerMember | None:
    """The invitation to act for an employer that ``user`` has not answered yet, or None."""
    if not user.is_authenticated:
        return None
    return EmployerMember.objects.select_related("employer").filter(user=user, is_pending=True).first()


def staff_employer_queue(status: str) -> QuerySet[Employer]:
    """Employers with ``status`` for the staff queue, oldest sign-up first."""
    return Employer.objects.filter(status=status).select_related("county").order_by("created_at", "pk")


def employer_posts(employer: Employer) -> QuerySet[JobPost]:
    """An employer's posts with how many applicants (still consenting) each has."""
    return (
        JobPost.objects.filter(employer=employer)
        .select_related("county")
        .annotate(applicants=Count("applications", filter=Q(applications__revoked_at__isnull=True)))
        .order_by("-created_at", "-pk")
    )


def staff_post_queue() -> QuerySet[JobPost]:
    """Posts awaiting review, oldest first."""
    return (
        JobPost.objects.filter(status=JobPost.Status.PENDING)
        .select_related("employer", "county")
        .order_by("created_at", "pk")
    )


def post_applicants(post: JobPost) -> QuerySet[JobApplication]:
    """The post's applications the employer may see: only those whose consent stands."""
    return JobApplication.objects.consented().filter(post=post).order_by("-created_at", "-pk")


# --- what a learner has to show -----------------------------------------------------------------


def practice_results(learner: User) -> list[dict[str, str]]:
    """The learner's best result per practice exercise (``practice.selectors.learner_results``,
    2 queries) as they may choose to share them: ``{"key", "title", "result"}`` each, the result
    being the evidence line, e.g. "图像分类 准确率 96 %，每分钟 14 条"."""
    return [
        {
            "key": str(run.item_set_id),
            "title": f"{run.item_set.title} · {enrollment.course.title}",
            "result": run.line,
        }
        for enrollment, run in learner_results(user=learner)
    ]


@dataclass
class LearnerRecord:
    """What a learner could share with an employer, read in a handful of queries."""

    learner: User
    county: County | None
    completed_course_ids: set[int] = field(default_factory=set)
    certificates: list[dict[str, str]] = field(default_factory=list)
    exam_results: list[dict[str, Any]] = field(default_factory=list)
    practice: list[dict[str, str]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    attendance_percent: int | None = None

    @property
    def best_exam_percent(self) -> int | None:
        return max((result["percent"] for result in self.exam_results), default=None)


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _verify_url(code: str) -> str:
    return _absolute(reverse("certificates:verify", args=[code]))


def _evidence_rows(items: list[evidence.Evidence]) -> list[dict[str, Any]]:
    """Evidence items (accounts.evidence: prizes won in competitions…) as the hiring pages show
    and share them, each with the absolute link to the public page that verifies it."""
    return [
        {
            "key": item.choice_key,
            "kind": item.kind,
            "title": item.title,
            "detail": item.detail,
            "date": item.date.isoformat() if item.date else None,
            "verify_url": _absolute(item.verify_path),
        }
        for item in items
    ]


def learner_evidence(learner: User) -> list[dict[str, Any]]:
    """The learner's evidence from other apps (prizes…), with verification links."""
    return _evidence_rows(evidence.for_user(learner))


def learner_record(learner: User) -> LearnerRecord:
    """The learner's county, completed courses, issued certificates (with verification links),
    final exam results, practice results, evidence from other apps (prizes, with their
    verification links) and attendance rate."""
    profile = LearnerProfile.objects.select_related("county__province", "county__prefecture").filter(
        user=learner
    )
    profile = profile.first()
    enrollments = list(
        Enrollment.objects.filter(learner=learner, status__in=Enrollment.HOLDING_A_PLACE)
        .select_related("course")
        .order_by("pk")
    )
    certificates = (
        Certificate.objects.filter(enrollment__learner=learner, status=Certificate.Status.ISSUED)
        .select_related("enrollment__course")
        .order_by("issued_at", "pk")
    )
    return LearnerRecord(
        learner=learner,
        county=profile.county if profile else None,
        completed_course_ids={e.course_id for e in enrollments if e.status == Enrollment.Status.COMPLETED},
        certificates=[
            {
                "course": certificate.enrollment.course.title,
                "code": certificate.verification_code,
                "verify_url": _verify_url(certificate.verification_code),
            }
            for certificate in certificates
        ],
        exam_results=[
            {"key": str(e.pk), "course": e.course.title, "percent": e.final_exam_percent}
            for e in enrollments
            if e.final_exam_percent is not None
        ],
        practice=practice_results(learner),
        evidence=learner_evidence(learner),
        attendance_percent=attendance_percent(
            learner_id=learner.pk, cohort_ids=[e.cohort_id for e in enrollments if e.cohort_id]
        ),
    )


def consent_snapshot(
    record: LearnerRecord,
    *,
    exam_keys: set[str],
    practice_keys: set[str],
    share_contact: bool,
    evidence_keys: set[str] = frozenset(),
) -> dict[str, Any]:
    """Exactly what the employer will receive for one application: the learner's name and
    county, their issued certificates with verification links, the exam and practice results
    and the evidence (prizes, with verification links) they chose, their attendance rate, and
    their mobile and email only if they chose to."""
    learner = record.learner
    snapshot: dict[str, Any] = {
        "name": learner.name or "",
        "county": record.county.full_name if record.county else "",
        "certificates": record.certificates,
        "exam_results": [
            {"course": r["course"], "percent": r["percent"]}
            for r in record.exam_results
            if r["key"] in exam_keys
        ],
        "practice_results": [
            {"title": r["title"], "result": r["result"]} for r in record.practice if r["key"] in practice_keys
        ],
        "evidence": [
            {name: row[name] for name in ("kind", "title", "detail", "date", "verify_url")}
            for row in record.evidence
            if row["key"] in evidence_keys
        ],
        "attendance_percent": record.attendance_percent,
    }
    if share_contact:
        snapshot["contact"] = {"mobile": learner.mobile or "", "email": learner.email or ""}
    return snapshot


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    """A fingerprint of a snapshot: the apply form carries the one the learner saw, so what is
    recorded is exactly what was shown (anything changed in between is shown again)."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- the job board -------------------------------------------------------------------------------


class Where:
    COUNTY = "county"
    PROVINCE = "province"
    REMOTE = "remote"


def board_posts(record: LearnerRecord, where: str, today=None) -> QuerySet[JobPost]:
    """Open posts in the learner's county, province or remote work (remote posts are in every
    view), annotated ``qualified``: every required course completed and the minimum exam score
    met by the learner's best final exam score. Qualified posts first, then by deadline."""
    posts = JobPost.objects.open(today)
    remote = Q(is_remote=True)
    if where == Where.REMOTE or record.county is None:
        posts = posts.filter(remote)
    elif where == Where.PROVINCE:
        posts = posts.filter(remote | Q(county__province_id=record.county.province_id))
    else:
        posts = posts.filter(remote | Q(county_id=record.county.pk))
    missing_course = JobPost.required_courses.through.objects.filter(jobpost_id=OuterRef("pk")).exclude(
        course_id__in=record.completed_course_ids
    )
    best = record.best_exam_percent
    exam_met = Q(min_exam_percent__isnull=True)
    if best is not None:
        exam_met |= Q(min_exam_percent__lte=best)
    return (
        posts.annotate(
            qualified=ExpressionWrapper(~Exists(missing_course) & exam_met, output_field=BooleanField())
        )
        .select_related("employer", "county")
        .prefetch_related(Prefetch("required_courses", queryset=Course.objects.only("pk", "title", "slug")))
        .order_by("-qualified", "deadline", "pk")
    )


def what_would_qualify(post: JobPost, record: LearnerRecord) -> dict[str, Any]:
    """For a post the learner does not qualify for: the required courses still to complete and
    the exam score still missing (None when the score is met). Reads the prefetched courses."""
    courses = [
        course for course in post.required_courses.all() if course.pk not in record.completed_course_ids
    ]
    best = record.best_exam_percent
    score = (
        post.min_exam_percent
        if post.min_exam_percent and (best is None or best < post.min_exam_percent)
        else None
    )
    return {"courses": courses, "exam_percent": score}


def open_post(pk: int, today=None) -> JobPost:
    """An open post for a learner (raises DoesNotExist otherwise)."""
    return (
        JobPost.objects.open(today)
        .select_related("employer", "county__province", "county__prefecture")
        .prefetch_related("required_courses")
        .get(pk=pk)
    )


def learner_applications(learner: User) -> QuerySet[JobApplication]:
    return (
        JobApplication.objects.filter(learner=learner)
        .select_related("post__employer")
        .order_by("-created_at", "-pk")
    )


# --- the bulk certificate check ------------------------------------------------------------------

MAX_CODES = 200


@dataclass
class CheckedCode:
    code: str
    status: str  # valid, revoked, withdrawn or unknown
    course: str = ""
    issued_on: Any = None
    masked_name: str = ""


def certificate_statuses(codes: list[str]) -> list[CheckedCode]:
    """Each code's status in one query, in the order given: valid (issued), revoked, withdrawn
    by its holder, or unknown (no such code, or one never issued), with the course, the date of
    issue and the holder's name masked as on the public verification page."""
    Status = Certificate.Status
    found = {
        certificate.verification_code: certificate
        for certificate in Certificate.objects.filter(verification_code__in=codes)
        .exclude(status__in=[Status.PENDING, Status.FAILED])
        .exclude(status=Status.WITHDRAWN, issued_at__isnull=True)
        .select_related("enrollment__learner", "enrollment__course")
    }
    labels = {Status.ISSUED: "valid", Status.REVOKED: "revoked", Status.WITHDRAWN: "withdrawn"}
    checked = []
    for code in codes:
        certificate = found.get(code)
        if certificate is None:
            checked.append(CheckedCode(code=code, status="unknown"))
            continue
        checked.append(
            CheckedCode(
                code=code,
                status=labels[certificate.status],
                course=certificate.enrollment.course.title,
                issued_on=certificate.issued_at,
                masked_name=mask_name(certificate.enrollment.learner.name)
                if certificate.status != Status.WITHDRAWN
                else "",
            )
        )
    return checked


# --- personal data (privacy's export) ------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def user_jobs_data(user: User) -> dict[str, Any]:
    """What the jobs app holds about ``user`` for their data export: the employer they act for,
    their applications with what they shared and each step, their talent profile, the contact
    requests they received, the job fairs they registered for and the contact details of the
    employers they signed up. A fixed number of queries."""
    membership = EmployerMember.objects.filter(user=user).select_related("employer").first()
    signed_up = Employer.objects.filter(created_by=user).order_by("pk")
    applications = (
        JobApplication.objects.filter(learner=user)
        .select_related("post__employer")
        .prefetch_related(Prefetch("events", queryset=ApplicationEvent.objects.order_by("at", "pk")))
        .order_by("created_at")
    )
    profile = TalentProfile.objects.filter(learner=user).first()
    requests = ContactRequest.objects.filter(learner=user).select_related("employer").order_by("created_at")
    fairs = FairRegistration.objects.filter(learner=user).select_related("fair").order_by("registered_at")
    return {
        "employer_membership": {
            "employer": membership.employer.name,
            "role": membership.role,
            "added_at": _iso(membership.added_at),
        }
        if membership
        else None,
        "employers_signed_up": [
            {
                "employer": employer.name,
                "contact_name": employer.contact_name,
                "contact_phone": employer.contact_phone,
                "signed_up_at": _iso(employer.created_at),
            }
            for employer in signed_up
        ],
        "job_applications": [
            {
                "job": application.post.title,
                "employer": application.post.employer.name,
                "status": application.status,
                "shared_with_consent": application.shared,
                "consented_at": _iso(application.consented_at),
                "consent_revoked_at": _iso(application.revoked_at),
                "steps": [
                    {"status": event.status, "note": event.note, "at": _iso(event.at)}
                    for event in application.events.all()
                ],
            }
            for application in applications
        ],
        "talent_profile": {
            "visible_to_employers": profile.is_visible,
            "skills": profile.skills,
            "shows_name": profile.share_name,
            "shows_county": profile.share_county,
            "shows_certificates": profile.share_certificates,
            "shows_exam_results": profile.share_exam_results,
            "shows_awards": profile.share_awards,
            "shows_attendance": profile.share_attendance,
        }
        if profile
        else None,
        "contact_requests": [
            {
                "employer": request.employer.name,
                "message": request.message,
                "status": request.status,
                "sent_at": _iso(request.created_at),
                "answered_at": _iso(request.answered_at),
            }
            for request in requests
        ],
        "job_fair_registrations": [
            {
                "fair": registration.fair.title,
                "date": registration.fair.date.isoformat(),
                "at": _iso(registration.registered_at),
            }
            for registration in fairs
        ],
    }


# --- the talent pool -----------------------------------------------------------------------------


def talent_search(
    *, skill: str = "", course: Course | None = None, county: County | None = None
) -> QuerySet[TalentProfile]:
    """Visible talent profiles matching a skill word, an issued certificate of ``course`` (only
    where the learner shows their certificates) and their county (only where they show it)."""
    profiles = TalentProfile.objects.filter(is_visible=True)
    if skill.strip():
        profiles = profiles.filter(skills__icontains=skill.strip())
    if course is not None:
        issued = Certificate.objects.filter(
            enrollment__learner=OuterRef("learner_id"),
            enrollment__course=course,
            status=Certificate.Status.ISSUED,
        )
        profiles = profiles.filter(Exists(issued), share_certificates=True)
    if county is not None:
        profiles = profiles.filter(share_county=True, learner__learner_profile__county=county)
    return profiles.select_related("learner__learner_profile__county").order_by("-updated_at", "-pk")


def talent_cards(profiles: list[TalentProfile], *, employer: Employer) -> list[dict[str, Any]]:
    """What the employer may see of each profile: only the fields its learner chose, and whether
    this employer already asked them. A fixed number of queries whatever the number of profiles
    (five, and each evidence provider's)."""
    learner_ids = [profile.learner_id for profile in profiles]
    shown_evidence = evidence.for_users([profile.learner_id for profile in profiles if profile.share_awards])
    enrollments = list(
        Enrollment.objects.filter(learner_id__in=learner_ids, status__in=Enrollment.HOLDING_A_PLACE)
        .select_related("course", "certificate")
        .order_by("pk")
    )
    cohorts: dict[int, set[int]] = {}
    for enrollment in enrollments:
        if enrollment.cohort_id:
            cohorts.setdefault(enrollment.learner_id, set()).add(enrollment.cohort_id)
    attendance = _attendance_by_learner(cohorts)
    asked = dict(
        ContactRequest.objects.filter(employer=employer, learner_id__in=learner_ids).values_list(
            "learner_id", "status"
        )
    )
    cards = []
    for profile in profiles:
        mine = [e for e in enrollments if e.learner_id == profile.learner_id]
        certificates = [
            {
                "course": e.course.title,
                "code": e.certificate.verification_code,
                "verify_url": _verify_url(e.certificate.verification_code),
            }
            for e in mine
            if hasattr(e, "certificate") and e.certificate.status == Certificate.Status.ISSUED
        ]
        learner_profile = getattr(profile.learner, "learner_profile", None)
        cards.append(
            {
                "profile": profile,
                "name": profile.learner.name if profile.share_name else "",
                "county": learner_profile.county.name if profile.share_county and learner_profile else "",
                "certificates": certificates if profile.share_certificates else [],
                "exam_results": [
                    {"course": e.course.title, "percent": e.final_exam_percent}
                    for e in mine
                    if e.final_exam_percent is not None
                ]
                if profile.share_exam_results
                else [],
                "evidence": _evidence_rows(shown_evidence.get(profile.learner_id, [])),
                "attendance_percent": attendance.get(profile.learner_id)
                if profile.share_attendance
                else None,
                "asked": asked.get(profile.learner_id, ""),
            }
        )
    return cards


def _attendance_by_learner(cohorts: dict[int, set[int]]) -> dict[int, int]:
    """Attendance rates of several learners at once (two queries), as _attendance_percent."""
    cohort_ids = {cohort for ids in cohorts.values() for cohort in ids}
    if not cohort_ids:
        return {}
    held = ClassSession.objects.filter(cohort_id__in=cohort_ids).held()
    held_per_cohort = dict(held.values("cohort_id").annotate(n=Count("pk")).values_list("cohort_id", "n"))
    counts = {
        row["learner_id"]: row
        for row in Attendance.objects.filter(session__in=held, learner_id__in=cohorts)
        .values("learner_id")
        .annotate(
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
            excused=Count("pk", filter=Q(status=Attendance.Status.EXCUSED)),
        )
    }
    rates = {}
    for learner_id, ids in cohorts.items():
        row = counts.get(learner_id, {"present": 0, "excused": 0})
        sessions = sum(held_per_cohort.get(cohort, 0) for cohort in ids) - row["excused"]
        if sessions > 0:
            rates[learner_id] = row["present"] * 100 // sessions
    return rates


def employer_contact_requests(employer: Employer) -> QuerySet[ContactRequest]:
    return (
        ContactRequest.objects.filter(employer=employer)
        .select_related("learner")
        .order_by("-created_at", "-pk")
    )


# --- job fairs -----------------------------------------------------------------------------------


def fairs_for_learner(record: LearnerRecord, today=None) -> QuerySet[JobFair]:
    """Upcoming fairs in the learner's province, nearest first; ``registered`` for theirs."""
    today = today or timezone.localdate()
    if record.county is None:
        return JobFair.objects.none()
    return (
        JobFair.objects.filter(county__province_id=record.county.province_id, date__gte=today)
        .select_related("county")
        .annotate(
            registered=Exists(FairRegistration.objects.filter(fair=OuterRef("pk"), learner=record.learner))
        )
        .order_by("date", "pk")
    )


def fair_outcomes(fair_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per fair: learners registered, and the applications they made to the fair's posts, the
    offers among them (offer or hired) and the hires. Two queries for any number of fairs."""
    outcomes = {pk: {"registered": 0, "applications": 0, "offers": 0, "hired": 0} for pk in fair_ids}
    for fair_id, registered in (
        FairRegistration.objects.filter(fair_id__in=fair_ids)
        .values("fair_id")
        .annotate(n=Count("pk"))
        .values_list("fair_id", "n")
    ):
        outcomes[fair_id]["registered"] = registered
    Status = JobApplication.Status
    rows = (
        JobApplication.objects.filter(
            post__job_fairs__in=fair_ids, learner__fair_registrations__fair=F("post__job_fairs")
        )
        .values("post__job_fairs")
        .annotate(
            applications=Count("pk", distinct=True),
            offers=Count("pk", filter=Q(status__in=[Status.OFFER, Status.HIRED]), distinct=True),
            hired=Count("pk", filter=Q(status=Status.HIRED), distinct=True),
        )
    )
    for row in rows:
        outcomes[row.pop("post__job_fairs")] |= row
    return outcomes
