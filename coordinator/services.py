"""Writes of the coordinator's workspace that compose cohorts with their enrolments:
announcements emailed to a cohort's learners and invitations to imported learners."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.invitations import invitation_path
from accounts.models import User
from counties.models import Announcement, Cohort, InvitationLog
from enrollment.models import Enrollment
from talentportal.queue import enqueue, enqueue_on_commit
from talentportal.sms import SmsMessage, get_sms_backend

logger = logging.getLogger(__name__)

# Learners emailed per batch (one transaction each; every batch over one SMTP connection).
EMAIL_BATCH = 100
ANNOUNCEMENT_TASK = "coordinator.tasks.announcement_email"
# At most this many unfinished announcements are queued again per sweep.
ANNOUNCEMENT_SWEEP_BATCH = 500
# Invitations to one learner (so to one mobile number or email address): at most one per
# INVITATION_INTERVAL and INVITATIONS_PER_DAY in any 24 hours.
INVITATION_INTERVAL = timedelta(minutes=10)
INVITATIONS_PER_DAY = 3
# Learners invited per batch (one transaction each).
INVITATIONS_PER_BATCH = 100
# Errors of one message rather than of the mail server: a recipient address the backend cannot
# encode or that the server refuses, a header with a line break (BadHeaderError is a ValueError).
# That message is skipped and logged; the others go.
MESSAGE_ERRORS = (ValueError, smtplib.SMTPRecipientsRefused)


def _valid_address(address: str | None) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _send_each(connection: BaseEmailBackend, messages: list[tuple[int, EmailMessage]]) -> list[int]:
    """Send ``messages`` (learner id, message) one by one over ``connection``, skipping (and
    logging) those that fail for themselves (MESSAGE_ERRORS). An error of the connection or the
    server propagates: the caller's task retries. Returns the ids of the learners emailed."""
    sent = []
    for learner_id, message in messages:
        try:
            if connection.send_messages([message]):
                sent.append(learner_id)
        except MESSAGE_ERRORS as error:
            # The error's text holds the address: the log names the learner only.
            logger.warning("Email to learner %s skipped: %s", learner_id, type(error).__name__)
    return sent


# --- announcements -----------------------------------------------------------------------------


@transaction.atomic
def announcement_create(*, cohort: Cohort, author: User, title: str, body: str) -> Announcement:
    """Post a message to a cohort; it is emailed to its learners by a task after commit (and by
    the sweep if that message is lost)."""
    announcement = Announcement.objects.create(cohort=cohort, author=author, title=title, body=body)
    enqueue_on_commit(ANNOUNCEMENT_TASK, announcement_id=announcement.pk)
    return announcement


def _announcement_recipients(announcement: Announcement):
    """The cohort's learners who have an address and accept email, in pk order (the cursor's)."""
    return (
        User.objects.filter(
            enrollments__cohort_id=announcement.cohort_id,
            enrollments__status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED],
            email__isnull=False,
            remind_by_email=True,
            is_active=True,
        )
        .only("pk", "email", "name", "preferred_language")
        .order_by("pk")
    )


def _one_line(text: str) -> str:
    """``text`` with every run of whitespace, line breaks included, made one space: a subject
    is one header line (a title or class name with a line break would be refused)."""
    return " ".join(text.split())


def _announcement_message(announcement: Announcement, learner: User) -> EmailMessage:
    with translation.override(learner.language_code):
        context = {"announcement": announcement, "cohort": announcement.cohort, "learner": learner}
        subject = _one_line(render_to_string("emails/announcement_subject.txt", context))
        body = render_to_string("emails/announcement.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [learner.email])


def announcement_email_send(*, announcement_id: int) -> int:
    """Email an announcement to the cohort's learners who have an address and accept email,
    EMAIL_BATCH learners at a time (in pk order, over one connection), carrying on from where an
    earlier run stopped. Returns the number of messages this run sent.

    Each batch is one transaction: lock the announcement row, send to the next learners after
    ``emailed_up_to_learner_id``, move that cursor to the last of them (and set ``emailed_at``
    after the last batch), commit. The lock is held while the batch is sent (seconds; nothing else
    writes the row) and taken with SKIP LOCKED: a run that finds another one sending a batch stops
    and leaves the rest to it. So two runs never send the same batch, and a run once ``emailed_at``
    is set sends nothing.

    At most one batch can be sent twice: a run that dies while sending a batch, or after sending
    it but before the commit, leaves the cursor where it was, and the next run (the task retried,
    or queued again by ``announcements_sweep``) sends that whole batch again. Every other learner
    gets the message exactly once.

    A learner whose message cannot go for itself (an invalid address, one the server refuses) is
    skipped and logged, and the batch goes on; the subject is one line whatever the title and the
    class name hold. An error of the mail server stops the run with the batch unsent (the task
    retries it).
    """
    announcement = (
        Announcement.objects.select_related("cohort__course", "author")
        .filter(pk=announcement_id, emailed_at__isnull=True)
        .first()
    )
    if announcement is None:
        return 0
    recipients = _announcement_recipients(announcement)
    sent = 0
    with get_connection() as connection:
        while True:
            with transaction.atomic():
                cursor = (
                    Announcement.objects.select_for_update(skip_locked=True)
                    .filter(pk=announcement_id, emailed_at__isnull=True)
                    .values_list("emailed_up_to_learner_id", flat=True)
                    .first()
                )
                if cursor is None:  # finished meanwhile, or another run is sending a batch
                    return sent
                batch = list(recipients.filter(pk__gt=cursor)[:EMAIL_BATCH])
                messages = []
                for learner in batch:
                    if _valid_address(learner.email):
                        messages.append((learner.pk, _announcement_message(announcement, learner)))
                    else:
                        logger.warning(
                            "Announcement %s: learner %s skipped (address)", announcement_id, learner.pk
                        )
                sent += len(_send_each(connection, messages))
                last = len(batch) < EMAIL_BATCH
                Announcement.objects.filter(pk=announcement_id).update(
                    emailed_up_to_learner_id=batch[-1].pk if batch else cursor,
                    emailed_at=timezone.now() if last else None,
                )
            if last:
                return sent


def announcements_left_unsent(*, older_than: timedelta | None = None) -> list[int]:
    """Announcements not emailed to every learner yet (broker down at posting, worker died
    mid-way) and posted more than ``older_than`` ago (default: the setting
    ANNOUNCEMENT_SWEEP_AFTER_MINUTES), but within ANNOUNCEMENT_SWEEP_WITHIN_HOURS: news that
    late is not emailed any more. Ids to queue again."""
    minutes = settings.ANNOUNCEMENT_SWEEP_AFTER_MINUTES
    hours = settings.ANNOUNCEMENT_SWEEP_WITHIN_HOURS
    now = timezone.now()
    cutoff = now - (older_than if older_than is not None else timedelta(minutes=minutes))
    return list(
        Announcement.objects.filter(
            emailed_at__isnull=True, created_at__lte=cutoff, created_at__gte=now - timedelta(hours=hours)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:ANNOUNCEMENT_SWEEP_BATCH]
    )


def announcements_sweep(*, older_than: timedelta | None = None) -> tuple[int, int]:
    """Queue the email of the announcements left unsent again; see ``announcements_left_unsent``.

    Safe while a run is still sending one: the queued run resumes after the cursor and never sends
    a batch another run holds (see ``announcement_email_send``). Returns (found, queued).
    """
    ids = announcements_left_unsent(older_than=older_than)
    return len(ids), sum(enqueue(ANNOUNCEMENT_TASK, announcement_id=pk) for pk in ids)


def _invitation_context(user: User, site_url: str) -> dict:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return {
        "user": user,
        "set_password_url": f"{site_url}{path}",
        "login_url": f"{site_url}{reverse('account_login')}",
        "programme": settings.PROGRAMME_NAME,
    }


def _invitation_email(user: User, site_url: str) -> EmailMessage:
    with translation.override(user.language_code):
        context = _invitation_context(user, site_url)
        subject = _one_line(render_to_string("emails/invitation_subject.txt", context))
        body = render_to_string("emails/invitation.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _invitation_sms(user: User, site_url: str) -> SmsMessage:
    # The one-tap link signs the learner in and confirms the number (accounts.invitations).
    context = {
        "user": user,
        "programme": settings.PROGRAMME_NAME,
        "start_url": f"{site_url}{invitation_path(user)}",
    }
    with translation.override(user.language_code):
        body = _one_line(render_to_string("emails/invitation_sms.txt", context))
    return SmsMessage(to=user.mobile, body=settings.SMS_SIGNATURE + body)


def _invitation_allowed(times: list[datetime], now: datetime) -> bool:
    """May a learner invited at ``times`` (within the last day) be invited again ``now``?"""
    return len(times) < INVITATIONS_PER_DAY and all(time <= now - INVITATION_INTERVAL for time in times)


def _invitations_batch(*, user_ids: list[int], site_url: str, connection: BaseEmailBackend) -> int:
    now = timezone.now()
    with transaction.atomic():
        # Locked: two runs inviting the same learner (an import and the roster's button, a
        # double click) count one after the other.
        users = list(
            User.objects.select_for_update(of=("self",))
            .filter(pk__in=user_ids, is_active=True)
            .only(
                "pk",
                "email",
                "mobile",
                "mobile_verified_at",
                "name",
                "password",
                "preferred_language",
                "last_login",
            )
            .order_by("pk")
        )
        recent: dict[int, list[datetime]] = {user.pk: [] for user in users}
        for user_id, sent_at in InvitationLog.objects.filter(
            user_id__in=list(recent), sent_at__gt=now - timedelta(days=1)
        ).values_list("user_id", "sent_at"):
            recent[user_id].append(sent_at)
        emails: list[tuple[int, EmailMessage]] = []
        texts: list[tuple[int, SmsMessage]] = []
        for user in users:
            if user.has_usable_password():
                continue  # set one meanwhile: the link would be void anyway
            if not _invitation_allowed(recent[user.pk], now):
                logger.info("Invitation to learner %s not sent: invited too recently", user.pk)
            elif user.email:
                if _valid_address(user.email):
                    emails.append((user.pk, _invitation_email(user, site_url)))
                else:
                    logger.warning("Invitation to learner %s skipped (address)", user.pk)
            elif user.mobile and user.mobile_verified_at is None:  # not yet in by a link or a code
                texts.append((user.pk, _invitation_sms(user, site_url)))
        emailed: list[int] = []
        if emails:
            connection.open()  # one connection for every batch; send_messages would close its own
            emailed = _send_each(connection, emails)
        if texts:
            get_sms_backend().send_messages([text for _user_id, text in texts])
        invited = [(pk, InvitationLog.Channel.EMAIL) for pk in emailed]
        invited += [(pk, InvitationLog.Channel.SMS) for pk, _text in texts]
        InvitationLog.objects.bulk_create(
            [InvitationLog(user_id=pk, channel=channel, sent_at=now) for pk, channel in invited]
        )
    return len(invited)


def invitations_send(*, user_ids: list[int], site_url: str) -> int:
    """Invite learners who have no usable password yet: by email when they have an address, with
    allauth's reset-from-key link to set a password; else by SMS to their mobile number, with the
    one-tap link that signs them in and confirms the number (accounts.invitations; not sent once
    the number is confirmed: the learner signs in by SMS code). Returns the number sent.

    Learners who set a password meanwhile or are inactive get nothing, so a re-run is harmless.
    Rate limited per learner, hence per mobile number and email address (each belongs to one
    account): at most one invitation per INVITATION_INTERVAL and INVITATIONS_PER_DAY in any 24
    hours, counted in InvitationLog — the database, so that an outage of the cache neither blocks
    invitations nor lets a repeated click flood a phone. Invitations over the limit are skipped
    (and logged). An email address that cannot be sent to is skipped and logged.

    INVITATIONS_PER_BATCH learners at a time, each batch one transaction: the learners' rows locked
    (two runs inviting the same learner count one after the other), the day's log read, the
    messages sent (emails over one connection for the whole run), their log written. An error of
    the mail server or the SMS provider (SmsError) rolls the batch's log back and propagates: the
    task retries, and only that batch may be sent twice.
    """
    ids = sorted(set(user_ids))
    site_url = site_url.rstrip("/")
    sent = 0
    connection = get_connection()
    try:
        for start in range(0, len(ids), INVITATIONS_PER_BATCH):
            sent += _invitations_batch(
                user_ids=ids[start : start + INVITATIONS_PER_BATCH], site_url=site_url, connection=connection
            )
    finally:
        connection.close()
    return sent
