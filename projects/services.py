"""Writes of the projects app: projects and their milestones, updates, indicators and periods;
successors and the handover checklist (a project is handed over only with a successor and a
closed checklist); the handover flags raised as an officer's term nears its end, and their
notification by email and SMS; the projects' part of deleting an account.

The callers (views, tasks, the demo) have checked that the user may change the project."""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import Cohort, CoordinatorAssignment, County
from officers.models import Appointment, SurveyResponse
from talentportal.images import CompressedImage
from talentportal.sms import SmsError, SmsMessage, get_sms_backend

from . import dates, selectors
from .models import (
    ChecklistItem,
    HandoverFlag,
    HandoverNotice,
    Indicator,
    IndicatorPeriod,
    Milestone,
    Project,
    ProjectUpdate,
    Successor,
)

logger = logging.getLogger(__name__)

PROJECT_FIELDS = (
    "title",
    "description",
    "owner",
    "partner_name",
    "partner_kind",
    "start_date",
    "end_date",
    "status",
)


def _check_links(county: County, responses: Iterable[SurveyResponse], cohorts: Iterable[Cohort]) -> None:
    if any(response.county_id != county.pk for response in responses):
        raise ValidationError(_("A linked survey response belongs to another county."))
    if any(cohort.county_id != county.pk for cohort in cohorts):
        raise ValidationError(_("A linked cohort belongs to another county."))


def _existing(model, client_key: uuid.UUID | None, **scope):
    if client_key is None:
        return None
    return model.objects.filter(client_key=client_key, **scope).first()


def _create_once(model, *, client_key: uuid.UUID | None, scope: dict, **fields):
    """Create a row of ``model`` once per form key: a second POST of the same form render (a
    double click) returns the row the first created. The unique constraint on ``client_key``
    settles two POSTs at the same moment."""
    existing = _existing(model, client_key, **scope)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return model.objects.create(client_key=client_key, **scope, **fields)
    except IntegrityError:
        existing = _existing(model, client_key, **scope)
        if existing is None:
            raise
        return existing


@transaction.atomic
def project_create(
    *,
    county: County,
    title: str,
    partner_name: str,
    partner_kind: str,
    start_date: datetime.date,
    end_date: datetime.date,
    owner: User | None = None,
    description: str = "",
    status: str = Project.Status.PLANNED,
    survey_responses: Iterable[SurveyResponse] = (),
    cohorts: Iterable[Cohort] = (),
    client_key: uuid.UUID | None = None,
) -> Project:
    """Create a project of ``county`` with its links. Linked responses and cohorts must be of the
    same county (ValidationError). A project cannot start handed over, nor end before it starts
    (projects.dates). Once per ``client_key`` (the form's key): the same key again returns the
    project already created, unchanged."""
    existing = _existing(Project, client_key, county=county)
    if existing is not None:
        return existing
    dates.check_project_dates(start=start_date, end=end_date)
    survey_responses, cohorts = list(survey_responses), list(cohorts)
    _check_links(county, survey_responses, cohorts)
    if status == Project.Status.HANDED_OVER:
        raise ValidationError(_("Name at least one local successor before handing the project over."))
    project = Project.objects.create(
        county=county,
        title=title,
        description=description,
        owner=owner,
        partner_name=partner_name,
        partner_kind=partner_kind,
        start_date=start_date,
        end_date=end_date,
        status=status,
        client_key=client_key,
    )
    project.survey_responses.set(survey_responses)
    project.cohorts.set(cohorts)
    return project


@transaction.atomic
def project_edit(
    *,
    project: Project,
    survey_responses: Iterable[SurveyResponse] | None = None,
    cohorts: Iterable[Cohort] | None = None,
    **fields,
) -> Project:
    """Change ``project``'s fields (those of PROJECT_FIELDS) and links. Moving it to "handed over"
    needs at least one successor and a closed checklist: checked under the project's row lock
    (ValidationError with every gap otherwise), so a successor removed at the same moment cannot
    slip through. New dates must keep every milestone and indicator period within them
    (projects.dates.check_date_change: the error names those in the way), checked under the same
    lock, which milestone_add and period_record take too."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"project_edit() got unexpected fields {sorted(unknown)}")
    locked = Project.objects.select_for_update().get(pk=project.pk)
    start, end = fields.get("start_date", locked.start_date), fields.get("end_date", locked.end_date)
    if (start, end) != (locked.start_date, locked.end_date):
        dates.check_date_change(project=locked, start=start, end=end)
    if fields.get("status") == Project.Status.HANDED_OVER and locked.status != Project.Status.HANDED_OVER:
        gaps = selectors.handover_gaps(locked)
        if gaps:
            raise ValidationError(gaps)
    responses = list(survey_responses) if survey_responses is not None else None
    linked_cohorts = list(cohorts) if cohorts is not None else None
    _check_links(project.county, responses or [], linked_cohorts or [])
    for name, value in fields.items():
        setattr(project, name, value)
    project.save(update_fields=[*fields, "updated_at"])
    if responses is not None:
        project.survey_responses.set(responses)
    if linked_cohorts is not None:
        project.cohorts.set(linked_cohorts)
    return project


@transaction.atomic
def milestone_add(
    *, project: Project, title: str, due_on: datetime.date, client_key: uuid.UUID | None = None
) -> Milestone:
    """Add a milestone due within the project's dates (ValidationError keyed ``due_on``
    otherwise; projects.dates), checked under the project's row lock so that a change of the
    project's dates at the same moment cannot leave it outside. Once per ``client_key`` (see
    _create_once): a replay of the same key returns the milestone first created."""
    existing = _existing(Milestone, client_key, project=project)
    if existing is not None:
        return existing
    dates.check_milestone(project=Project.objects.select_for_update().get(pk=project.pk), due_on=due_on)
    return _create_once(
        Milestone, client_key=client_key, scope={"project": project}, title=title, due_on=due_on
    )


def milestone_mark(*, milestone: Milestone, done: bool, on: datetime.date | None = None) -> Milestone:
    """Mark ``milestone`` done on ``on`` (today by default) or not done again. Idempotent: a
    milestone already done keeps its date."""
    if done and milestone.done_on is None:
        milestone.done_on = on or timezone.localdate()
    elif not done:
        milestone.done_on = None
    milestone.save(update_fields=["done_on"])
    return milestone


def update_add(
    *,
    project: Project,
    author: User | None,
    text: str,
    written_on: datetime.date | None = None,
    photo: CompressedImage | None = None,
    client_key: uuid.UUID | None = None,
) -> ProjectUpdate:
    """Add a dated update, with its photo already compressed (talentportal.images.compress). The
    file is stored under its random name with the row; if the transaction fails it is deleted.
    Once per ``client_key``: the same key again stores nothing and returns the first update."""
    existing = _existing(ProjectUpdate, client_key, project=project)
    if existing is not None:
        return existing
    fields = {"author": author, "text": text, "written_on": written_on or timezone.localdate()}
    if photo is None:
        return _create_once(ProjectUpdate, client_key=client_key, scope={"project": project}, **fields)
    update = ProjectUpdate(project=project, client_key=client_key, **fields)
    update.width, update.height = photo.width, photo.height
    update.image.save(photo.content.name, photo.content, save=False)
    storage, name = update.image.storage, update.image.name
    try:
        with transaction.atomic():
            update.save()
    except Exception as error:
        storage.delete(name)
        existing = _existing(ProjectUpdate, client_key, project=project)
        if isinstance(error, IntegrityError) and existing is not None:
            return existing
        raise
    return update


def indicator_add(
    *,
    project: Project,
    name: str,
    unit: str,
    baseline: Decimal,
    target: Decimal,
    client_key: uuid.UUID | None = None,
) -> Indicator:
    """Add an indicator; once per ``client_key`` (see _create_once)."""
    return _create_once(
        Indicator,
        client_key=client_key,
        scope={"project": project},
        name=name,
        unit=unit,
        baseline=baseline,
        target=target,
    )


@transaction.atomic
def period_record(
    *, indicator: Indicator, period_start: datetime.date, period_end: datetime.date, actual: Decimal
) -> tuple[IndicatorPeriod, bool]:
    """Record the actual value of ``indicator`` for a period: one row per period start (a second
    entry for the same start corrects it). Returns the row and whether it was created. The period
    ends on or after its start, lies within the project's dates and overlaps no other period of
    the indicator (ValidationError keyed by field otherwise; projects.dates), checked under the
    project's row lock: two periods recorded at the same moment cannot both pass the overlap
    check, nor a change of the project's dates slip between."""
    project = Project.objects.select_for_update().get(pk=indicator.project_id)
    dates.check_period(
        project=project, indicator_id=indicator.pk, period_start=period_start, period_end=period_end
    )
    return IndicatorPeriod.objects.update_or_create(
        indicator=indicator,
        period_start=period_start,
        defaults={"period_end": period_end, "actual": actual},
    )


def successor_add(*, project: Project, user: User, role: str) -> tuple[Successor, bool]:
    """Name ``user`` a local successor of ``project``: a learner or a coordinator of its county
    (ValidationError otherwise). Idempotent: naming them again changes their role."""
    if not selectors.local_people(project.county_id).filter(pk=user.pk).exists():
        raise ValidationError(_("A successor must be a learner or a coordinator of the project's county."))
    return Successor.objects.update_or_create(project=project, user=user, defaults={"role": role})


@transaction.atomic
def successor_remove(*, successor: Successor) -> None:
    """Remove a successor. A handed-over project keeps at least one (ValidationError)."""
    project = Project.objects.select_for_update().get(pk=successor.project_id)
    if project.status == Project.Status.HANDED_OVER and project.successors.count() <= 1:
        raise ValidationError(_("A handed-over project keeps at least one successor."))
    successor.delete()


def _refuse_if_handed_over(project_id: int) -> None:
    """Lock the project's row; a handed-over project keeps its checklist closed (ValidationError):
    it is moved back to running first."""
    project = Project.objects.select_for_update().get(pk=project_id)
    if project.status == Project.Status.HANDED_OVER:
        raise ValidationError(
            _("This project is handed over: set its status back to Running before changing its checklist.")
        )


@transaction.atomic
def checklist_item_add(*, project: Project, text: str, client_key: uuid.UUID | None = None) -> ChecklistItem:
    """Add an open item to the handover checklist, under the project's row lock: refused on a
    handed-over project (ValidationError). Once per ``client_key`` (see _create_once)."""
    _refuse_if_handed_over(project.pk)
    return _create_once(ChecklistItem, client_key=client_key, scope={"project": project}, text=text)


@transaction.atomic
def checklist_item_mark(*, item: ChecklistItem, by: User, done: bool) -> ChecklistItem:
    """Tick ``item`` (done today by ``by``) or open it again. Ticking a ticked item keeps who
    did it and when. Opening an item of a handed-over project is refused under the project's row
    lock (ValidationError), so "handed over" keeps meaning a closed checklist."""
    if not done:
        _refuse_if_handed_over(item.project_id)
    if done and item.done_on is None:
        item.done_on, item.done_by = timezone.localdate(), by
    elif not done:
        item.done_on, item.done_by = None, None
    item.save(update_fields=["done_on", "done_by"])
    return item


# --- handover flags -----------------------------------------------------------------------------

# A term that ended (or was ended early by staff) at most this many days ago is still checked:
# the daily run may have missed the last days, or staff ended the term from one day to the next.
HANDOVER_GRACE_DAYS = 30

# The errors of a mail server or an SMS provider that are worth trying again the next day.
TRANSIENT_SEND_ERRORS = (smtplib.SMTPException, OSError, SmsError)


def _at_risk(today: datetime.date, within: int) -> list[tuple[Project, Appointment]]:
    """Projects neither handed over nor ended whose owner's term in their county ends (its
    effective end, ``selectors.term_end``: the day before staff ended it early) between
    HANDOVER_GRACE_DAYS ago and ``within`` days from ``today``, and which have no successor or an
    open (or missing) checklist, with that term. An officer who goes on in the county under
    another term ending after the horizon is not at risk."""
    horizon = today + datetime.timedelta(days=within)
    earliest = today - datetime.timedelta(days=HANDOVER_GRACE_DAYS)
    candidates = (
        Appointment.objects.filter(term_start__lte=horizon)
        .filter(
            Q(ended_on__isnull=True, term_end__range=(earliest, horizon))
            | Q(ended_on__range=(earliest, horizon + datetime.timedelta(days=1)))
            | Q(ended_on__isnull=False, term_end__range=(earliest, horizon))
        )
        .select_related("county")
    )
    by_key: dict[tuple[int, str], Appointment] = {}
    for appointment in candidates:
        if earliest <= selectors.term_end(appointment) <= horizon:
            key = (appointment.user_id, appointment.county_id)
            if key not in by_key or selectors.term_end(by_key[key]) < selectors.term_end(appointment):
                by_key[key] = appointment
    if not by_key:
        return []
    users, counties = {u for u, _c in by_key}, {c for _u, c in by_key}
    for appointment in Appointment.objects.current(today).filter(user_id__in=users, county_id__in=counties):
        if selectors.term_end(appointment) > horizon:
            by_key.pop((appointment.user_id, appointment.county_id), None)
    if not by_key:
        return []
    risky = (
        Project.objects.exclude(status__in=[Project.Status.HANDED_OVER, Project.Status.ENDED])
        .filter(county_id__in=counties, owner_id__in=users)
        .filter(
            ~Exists(Successor.objects.filter(project=OuterRef("pk")))
            | Exists(ChecklistItem.objects.filter(project=OuterRef("pk"), done_on__isnull=True))
            | ~Exists(ChecklistItem.objects.filter(project=OuterRef("pk")))
        )
        .annotate(has_successor=Exists(Successor.objects.filter(project=OuterRef("pk"))))
    )
    return [
        (project, by_key[(project.owner_id, project.county_id)])
        for project in risky
        if (project.owner_id, project.county_id) in by_key
    ]


def handover_risks_flag(*, today: datetime.date | None = None) -> int:
    """Flag every project at handover risk (every status but handed over and ended) as its
    owner's term nears its end (within settings.PROJECTS_HANDOVER_WARNING_DAYS) or has just ended
    (within HANDOVER_GRACE_DAYS): one HandoverFlag per project and term, in one bulk insert that
    skips those already flagged (the unique constraint makes a second run add nothing). Returns
    how many flags were added; the notices follow (handover_flag_notify)."""
    today = today or timezone.localdate()
    pairs = _at_risk(today, settings.PROJECTS_HANDOVER_WARNING_DAYS)
    if not pairs:
        return 0
    open_items = dict(
        ChecklistItem.objects.filter(project__in=[p for p, _a in pairs], done_on__isnull=True)
        .values("project_id")
        .annotate(n=Count("pk"))
        .values_list("project_id", "n")
    )
    before = HandoverFlag.objects.filter(project__in=[p for p, _a in pairs]).count()
    HandoverFlag.objects.bulk_create(
        [
            HandoverFlag(
                project=project,
                appointment=appointment,
                term_ends_on=selectors.term_end(appointment),
                without_successor=not project.has_successor,
                open_items=open_items.get(project.pk, 0),
            )
            for project, appointment in pairs
        ],
        ignore_conflicts=True,
    )
    return HandoverFlag.objects.filter(project__in=[p for p, _a in pairs]).count() - before


def handover_flags_unnotified() -> list[int]:
    return list(
        HandoverFlag.objects.filter(notified_at__isnull=True)
        .order_by("flagged_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


def _officer(flag: HandoverFlag) -> User | None:
    return flag.appointment.user if flag.appointment is not None else flag.project.owner


def _notices_plan(flag: HandoverFlag) -> None:
    """Write the flag's notices once (a flag that has some keeps them): the officer and the
    county's coordinators, each active person by email and SMS as their reminder settings allow,
    and every address of settings.PROJECTS_HANDOVER_STAFF_EMAILS by email. Staff are not told
    one by one: they see every flag on the project lists and pages."""
    if flag.notices.exists():
        return
    officer = _officer(flag)
    coordinators = CoordinatorAssignment.objects.filter(county_id=flag.project.county_id).values(
        "coordinator_id"
    )
    people = User.objects.filter(is_active=True).filter(
        Q(pk=officer.pk if officer else None) | Q(pk__in=coordinators)
    )
    notices = []
    for person in people.order_by("pk"):
        if person.remind_by_email and person.email:
            notices.append(HandoverNotice(flag=flag, recipient=person, channel=HandoverNotice.Channel.EMAIL))
        if person.remind_by_sms and person.mobile:
            notices.append(HandoverNotice(flag=flag, recipient=person, channel=HandoverNotice.Channel.SMS))
    notices += [
        HandoverNotice(flag=flag, address=address, channel=HandoverNotice.Channel.EMAIL)
        for address in dict.fromkeys(settings.PROJECTS_HANDOVER_STAFF_EMAILS)
    ]
    HandoverNotice.objects.bulk_create(notices, ignore_conflicts=True)


def _notice_message(notice: HandoverNotice, flag: HandoverFlag, url: str):
    person = notice.recipient
    language = (person.preferred_language if person else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "person": person,
            "project": flag.project,
            "county": flag.project.county,
            "officer": _officer(flag),
            "flag": flag,
            "url": url,
            "programme": settings.PROGRAMME_NAME,
        }
        if notice.channel == HandoverNotice.Channel.SMS:
            body = " ".join(render_to_string("projects/emails/handover_sms.txt", context).split())
            return SmsMessage(to=person.mobile, body=settings.SMS_SIGNATURE + body)
        subject = " ".join(render_to_string("projects/emails/handover_subject.txt", context).split())
        body = render_to_string("projects/emails/handover_message.txt", context)
        to = person.email if person else notice.address
        return EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def handover_flag_notify(*, flag_id: int) -> tuple[int, int]:
    """Send the notices of a handover flag: to the officer and the county's coordinators by email
    and SMS as each person's reminder settings allow and in their language, and to the programme
    addresses of settings.PROJECTS_HANDOVER_STAFF_EMAILS (see _notices_plan).

    Each notice — one row per flag, recipient and channel (unique constraints) — is claimed by a
    conditional update (only one caller changes the row), sent, then marked sent: each message
    goes out at most once. A mail server or SMS provider error (TRANSIENT_SEND_ERRORS) releases
    the claim, so the next daily run sends that notice again; the other notices are still sent.
    Any other error propagates with the claim kept (the message may have left: it is not sent
    twice). The flag is marked notified once no notice is left to send. Runs outside a
    transaction (each write commits by itself). Returns (sent, failed) for this call."""
    flag = (
        HandoverFlag.objects.select_related("project__county", "project__owner", "appointment__user")
        .filter(pk=flag_id, notified_at__isnull=True)
        .first()
    )
    if flag is None:
        return 0, 0
    _notices_plan(flag)
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("projects:project_detail", args=[flag.project_id])
    pending = HandoverNotice.objects.filter(flag=flag, sent_at__isnull=True, claimed_at__isnull=True)
    sent = failed = 0
    for notice in pending.select_related("recipient"):
        if not HandoverNotice.objects.filter(pk=notice.pk, claimed_at__isnull=True).update(
            claimed_at=timezone.now()
        ):
            continue  # another run got there first
        message = _notice_message(notice, flag, url)
        try:
            if notice.channel == HandoverNotice.Channel.SMS:
                get_sms_backend().send_messages([message])
            else:
                get_connection().send_messages([message])
        except TRANSIENT_SEND_ERRORS:
            HandoverNotice.objects.filter(pk=notice.pk).update(claimed_at=None)
            logger.warning("Handover notice %d not sent, retried on the next run", notice.pk, exc_info=True)
            failed += 1
            continue
        HandoverNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
        sent += 1
    if not pending.exists():
        HandoverFlag.objects.filter(pk=flag.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    logger.info("Handover flag %d: %d notices sent, %d failed", flag.pk, sent, failed)
    return sent, failed


# --- personal data (privacy's deletion) ---------------------------------------------------------


def user_projects_data_erase(*, user: User) -> None:
    """The projects' part of deleting an account: the person is no longer a successor; the
    projects they owned, the checklist items they ticked and the updates they wrote stay with
    the county without their name (their update photos stay: they show the project, not them);
    the handover notices addressed to them go.
    A handed-over project whose only successor they were is no longer handed over: it is moved
    back to running (under its row lock, in the caller's transaction) with an update saying so,
    without naming anyone."""
    handed_over = list(
        Project.objects.select_for_update()
        .filter(
            status=Project.Status.HANDED_OVER, pk__in=Successor.objects.filter(user=user).values("project_id")
        )
        .values_list("pk", flat=True)
    )
    orphaned = list(
        Project.objects.filter(pk__in=handed_over)
        .annotate(successor_count=Count("successors"))
        .filter(successor_count__lte=1)
        .values_list("pk", flat=True)
    )
    Successor.objects.filter(user=user).delete()
    if orphaned:
        Project.objects.filter(pk__in=orphaned).update(
            status=Project.Status.RUNNING, updated_at=timezone.now()
        )
        with translation.override(settings.LANGUAGE_CODE):
            note = _(
                "The only local successor's account was deleted: the project is running again "
                "until a new successor is named."
            )
        ProjectUpdate.objects.bulk_create(
            [ProjectUpdate(project_id=pk, author=None, text=note) for pk in orphaned]
        )
    Project.objects.filter(owner=user).update(owner=None)
    ChecklistItem.objects.filter(done_by=user).update(done_by=None)
    ProjectUpdate.objects.filter(author=user).update(author=None)
    HandoverNotice.objects.filter(recipient=user).delete()
