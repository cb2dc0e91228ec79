"""Progress reminders: a daily scan writes who is due, a sender delivers what is queued.

The scan is one INSERT … SELECT per kind, run by the database (no rows loaded into Python),
guarded by the unique (enrolment, kind, day) constraint: a second scan on the same day adds
nothing. The sender claims queued rows in batches, sends email over one connection and SMS
through the configured backend, in each learner's language, honouring their opt-outs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from counties.models import ClassSession
from enrollment.models import Enrollment
from talentportal.queue import enqueue
from talentportal.sms import SmsMessage, get_sms_backend

from .models import ReminderLog

SEND_TASK = "reminders.tasks.send_queued_reminders"

logger = logging.getLogger(__name__)

Kind = ReminderLog.Kind
UNSUBSCRIBE_SALT = "talentportal.reminders.unsubscribe"
CHANNELS = ("email", "sms")
ANALYZE_AFTER_ROWS = 10_000


def _reachable() -> Q:
    """Learners with at least one channel they have not opted out of."""
    return Q(learner__is_active=True) & (
        Q(learner__remind_by_email=True, learner__email__isnull=False)
        | Q(learner__remind_by_sms=True, learner__mobile__isnull=False)
    )


def _not_reminded_since(kind: str, since: date | None) -> Exists:
    logs = ReminderLog.objects.filter(enrollment=OuterRef("pk"), kind=kind)
    if since is not None:
        logs = logs.filter(day__gt=since)
    return ~Exists(logs)


def due_enrollments(kind: str, today: date) -> QuerySet[Enrollment]:
    """The enrolments a reminder of ``kind`` is due to today."""
    now = timezone.now()
    active = Enrollment.objects.filter(_reachable(), status=Enrollment.Status.ACTIVE)
    if kind == Kind.INACTIVE:
        # At most once a week to a learner who has not studied for 7 days.
        week_ago = now - timedelta(days=7)
        return active.filter(
            Q(last_activity_at__lt=week_ago) | Q(last_activity_at__isnull=True, enrolled_at__lt=week_ago),
            _not_reminded_since(kind, today - timedelta(days=7)),
        )
    if kind == Kind.COHORT_ENDING:
        return active.filter(
            _not_reminded_since(kind, today - timedelta(days=7)),
            cohort__end_date__gte=today,
            cohort__end_date__lte=today + timedelta(days=7),
            progress_percent__lt=100,
        )
    if kind == Kind.CLASS_TOMORROW:
        tomorrow = ClassSession.objects.filter(cohort=OuterRef("cohort_id"), date=today + timedelta(days=1))
        return active.filter(Exists(tomorrow), _not_reminded_since(kind, today - timedelta(days=1)))
    if kind == Kind.CERTIFICATE_READY:
        issued = Certificate.objects.filter(
            enrollment=OuterRef("pk"),
            status=Certificate.Status.ISSUED,
            issued_at__gte=now - timedelta(days=3),
        )
        return Enrollment.objects.filter(_reachable(), Exists(issued), _not_reminded_since(kind, None))
    raise ValueError(kind)


def reminders_scan(*, today: date | None = None) -> dict[str, int]:
    """Queue every reminder due today. Safe to run again: returns how many rows each kind added."""
    today = today or timezone.localdate()
    now = timezone.now()
    table = ReminderLog._meta.db_table
    added = {}
    for kind in Kind.values:
        due = due_enrollments(kind, today).annotate(due_id=F("pk")).values_list("due_id")
        select, params = due.query.sql_with_params()
        # The due rows are computed first (a materialised CTE), then inserted: the check against
        # reminders already sent must not re-read the rows this statement is adding (which made
        # the scan quadratic). SQLite needs the WHERE to tell the upsert's ON CONFLICT from a join's ON.
        sql = (
            f"WITH due AS MATERIALIZED ({select}) "  # noqa: S608 - identifiers from the model, values bound
            f"INSERT INTO {table} (enrollment_id, kind, day, status, sent_email, sent_sms, created_at) "
            "SELECT due.due_id, %s, %s, %s, %s, %s, %s FROM due WHERE true "
            "ON CONFLICT (enrollment_id, kind, day) DO NOTHING"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, kind, today, ReminderLog.Status.QUEUED, False, False, now])
            if connection.vendor == "sqlite":
                # Python's sqlite3 reports no row count for a statement that starts with WITH.
                cursor.execute("SELECT changes()")
                added[kind] = cursor.fetchone()[0]
            else:
                added[kind] = cursor.rowcount
                if added[kind] > ANALYZE_AFTER_ROWS:
                    # The next kinds check the log again: with statistics still saying it is
                    # small, PostgreSQL scans all of it once per due enrolment (minutes at 1M).
                    cursor.execute(f"ANALYZE {table}")
    return added


def queue_certificate_ready(*, certificate_id: int) -> bool:
    """Queue the "certificate ready" reminder of a just-issued certificate and nudge the sender.
    Idempotent: the reminder is written once per certificate."""
    certificate = Certificate.objects.filter(pk=certificate_id, status=Certificate.Status.ISSUED).first()
    if certificate is None:
        return False
    if ReminderLog.objects.filter(
        enrollment_id=certificate.enrollment_id, kind=Kind.CERTIFICATE_READY
    ).exists():
        return False
    _log, created = ReminderLog.objects.get_or_create(
        enrollment_id=certificate.enrollment_id, kind=Kind.CERTIFICATE_READY, day=timezone.localdate()
    )
    if created:
        enqueue(SEND_TASK)
    return created


def unsubscribe_token(*, user_id: int, channel: str) -> str:
    return signing.dumps({"u": user_id, "c": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user_id: int, channel: str) -> str:
    token = unsubscribe_token(user_id=user_id, channel=channel)
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("reminders:unsubscribe", args=[token])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") not in CHANNELS or not isinstance(data.get("u"), int):
        return None
    return data["u"], data["c"]


def reminder_unsubscribe(*, user_id: int, channel: str) -> bool:
    """Stop reminders on ``channel`` for a learner. Idempotent; False for an unknown user."""
    field = "remind_by_email" if channel == "email" else "remind_by_sms"
    user_model = get_user_model()
    if not user_model.objects.filter(pk=user_id).exists():
        return False
    user_model.objects.filter(pk=user_id).update(**{field: False})
    return True


def _context(log: ReminderLog, sessions: dict[int, list[ClassSession]]) -> dict:
    enrollment = log.enrollment
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return {
        "learner": enrollment.learner,
        "course": enrollment.course,
        "cohort": enrollment.cohort,
        "enrollment": enrollment,
        "sessions": sessions.get(enrollment.cohort_id or 0, []),
        "study_url": base + reverse("catalogue:detail", args=[enrollment.course.slug]),
        "verify_url": (
            base + reverse("certificates:verify", args=[enrollment.certificate.verification_code])
            if log.kind == Kind.CERTIFICATE_READY and hasattr(enrollment, "certificate")
            else ""
        ),
        "unsubscribe_email_url": unsubscribe_url(user_id=enrollment.learner_id, channel="email"),
        "unsubscribe_sms_url": unsubscribe_url(user_id=enrollment.learner_id, channel="sms"),
        "programme": settings.PROGRAMME_NAME,
    }


def _email(log: ReminderLog, context: dict) -> EmailMultiAlternatives:
    prefix = f"emails/reminder_{log.kind}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    body = render_to_string(f"{prefix}_message.txt", context)
    message = EmailMultiAlternatives(
        subject, body, settings.DEFAULT_FROM_EMAIL, [log.enrollment.learner.email]
    )
    message.extra_headers = {
        "List-Unsubscribe": f"<{context['unsubscribe_email_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return message


def _sms(log: ReminderLog, context: dict) -> SmsMessage:
    body = " ".join(render_to_string(f"emails/reminder_{log.kind}_sms.txt", context).split())
    return SmsMessage(to=log.enrollment.learner.mobile, body=settings.SMS_SIGNATURE + body)


def reminders_send_queued(*, batch_size: int | None = None) -> int:
    """Send queued reminders, a batch at a time, until none is left. Returns how many were sent.

    Each batch is claimed under row locks (skipping rows another sender holds), sent, and marked
    in the same transaction; email goes over one SMTP connection per batch.
    """
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    sent = 0
    while True:
        with transaction.atomic():
            claim = ReminderLog.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
            )
            logs = list(
                claim.filter(status=ReminderLog.Status.QUEUED)
                .select_related("enrollment__learner", "enrollment__course", "enrollment__cohort")
                .select_related("enrollment__certificate")
                .order_by("pk")[:batch_size]
            )
            if not logs:
                return sent
            sent += _send_batch(logs)


def _send_batch(logs: list[ReminderLog]) -> int:
    tomorrow = timezone.localdate() + timedelta(days=1)
    cohort_ids = {log.enrollment.cohort_id for log in logs if log.kind == Kind.CLASS_TOMORROW}
    sessions: dict[int, list[ClassSession]] = defaultdict(list)
    for session in ClassSession.objects.filter(cohort_id__in=cohort_ids, date=tomorrow).order_by(
        "start_time"
    ):
        sessions[session.cohort_id].append(session)

    emails, texts = [], []
    now = timezone.now()
    for log in logs:
        learner = log.enrollment.learner
        with translation.override(learner.preferred_language or settings.LANGUAGE_CODE):
            context = _context(log, sessions)
            if learner.remind_by_email and learner.email:
                emails.append(_email(log, context))
                log.sent_email = True
            if learner.remind_by_sms and learner.mobile:
                texts.append(_sms(log, context))
                log.sent_sms = True
        log.status = (
            ReminderLog.Status.SENT if (log.sent_email or log.sent_sms) else ReminderLog.Status.SKIPPED
        )
        log.sent_at = now
    if emails:
        get_connection().send_messages(emails)
    if texts:
        get_sms_backend().send_messages(texts)
    ReminderLog.objects.bulk_update(logs, ["status", "sent_email", "sent_sms", "sent_at"])
    logger.info("Sent %d reminders (%d emails, %d SMS)", len(logs), len(emails), len(texts))
    return sum(1 for log in logs if log.status == ReminderLog.Status.SENT)
