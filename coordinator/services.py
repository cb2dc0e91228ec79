"""Writes of the coordinator's workspace that compose cohorts with their enrolments:
announcements emailed to a cohort's learners and invitations to imported learners."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from counties.models import Announcement, Cohort
from enrollment.models import Enrollment
from talentportal.queue import enqueue, enqueue_on_commit

# Messages per batch sent over one SMTP connection.
EMAIL_BATCH = 100
ANNOUNCEMENT_TASK = "coordinator.tasks.announcement_email"
# At most this many unfinished announcements are queued again per sweep.
ANNOUNCEMENT_SWEEP_BATCH = 500


# --- announcements -----------------------------------------------------------------------------


@transaction.atomic
def announcement_create(*, cohort: Cohort, author: User, title: str, body: str) -> Announcement:
    """Post a message to a cohort; it is emailed to its learners by a task after commit (and by
    the sweep if that message is lost)."""
    announcement = Announcement.objects.create(cohort=cohort, author=author, title=title, body=body)
    enqueue_on_commit(ANNOUNCEMENT_TASK, announcement_id=announcement.pk)
    return announcement


def _send_in_batches(messages: Iterable[EmailMessage]) -> int:
    """Send over one connection, EMAIL_BATCH messages at a time."""
    sent = 0
    batch: list[EmailMessage] = []
    with get_connection() as connection:
        for message in messages:
            batch.append(message)
            if len(batch) >= EMAIL_BATCH:
                sent += connection.send_messages(batch) or 0
                batch = []
        if batch:
            sent += connection.send_messages(batch) or 0
    return sent


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


def _announcement_message(announcement: Announcement, learner: User) -> EmailMessage:
    with translation.override(learner.language_code):
        context = {"announcement": announcement, "cohort": announcement.cohort, "learner": learner}
        subject = render_to_string("emails/announcement_subject.txt", context).strip()
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
                if batch:
                    messages = [_announcement_message(announcement, learner) for learner in batch]
                    sent += connection.send_messages(messages) or 0
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


def invitations_send(*, user_ids: list[int], site_url: str) -> int:
    """Email imported learners a link to set their password (allauth's reset-from-key link).

    Only accounts that still have no usable password are invited: once a learner set one, the
    link would be void anyway, and a re-run of the task sends them nothing. Learners without an
    email address need an SMS invitation (a later channel). Returns the number sent.
    """
    users = User.objects.filter(pk__in=user_ids, email__isnull=False, is_active=True).order_by("pk")
    site_url = site_url.rstrip("/")

    def messages():
        for user in users:
            if user.has_usable_password():
                continue
            path = reverse(
                "account_reset_password_from_key",
                kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
            )
            with translation.override(user.language_code):
                context = {
                    "user": user,
                    "set_password_url": f"{site_url}{path}",
                    "login_url": f"{site_url}{reverse('account_login')}",
                    "programme": settings.PROGRAMME_NAME,
                }
                subject = render_to_string("emails/invitation_subject.txt", context).strip()
                body = render_to_string("emails/invitation.txt", context)
            yield EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])

    return _send_in_batches(messages())
