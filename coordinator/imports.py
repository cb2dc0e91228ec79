"""Import students into a cohort from a school's spreadsheet (CSV or XLSX).

The flow: ``import_job_start`` reads the upload (refusing files that are too big, unreadable or
without the needed columns) and records an ImportJob; ``import_job_check`` is the dry run: it
works out every row's outcome (new account, existing account, already enrolled, error and why)
and writes nothing but the job; ``import_job_commit`` does it, in one transaction: accounts,
learner profiles and enrolments, then invitations queued after commit. Importing the same file
again finds every row already enrolled and changes nothing.

Small files are checked and imported in the request; larger ones by a Celery task (coordinator.tasks)
while the page shows its progress. A job whose task message was lost or whose worker died is queued
again by ``import_jobs_sweep`` (a periodic task), a few times at most before it is failed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.validators import normalize_mobile, validate_mobile
from counties.models import Cohort, ImportJob, LearnerProfile
from enrollment.bulk import cohort_enrol_bulk
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from talentportal.queue import enqueue_on_commit
from talentportal.spreadsheets import csv_bytes

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
# Up to this many rows the dry run and the import run in the request; beyond, in a task.
SYNC_MAX_ROWS = 300
PROGRESS_EVERY = 500
# Invitations per task: each task sends its batch over one mail connection.
INVITATIONS_TASK = "coordinator.tasks.invitations_send"
INVITATION_BATCH = 200
CHECK_TASK = "coordinator.tasks.import_job_check"
COMMIT_TASK = "coordinator.tasks.import_job_commit"
IMPORT_SWEEP_BATCH = 500

# Header text (lower case, spaces and underscores removed) → field.
HEADERS = {
    "姓名": "name",
    "name": "name",
    "手机": "mobile",
    "手机号": "mobile",
    "手机号码": "mobile",
    "mobile": "mobile",
    "邮箱": "email",
    "电子邮箱": "email",
    "电子邮件": "email",
    "email": "email",
    "学校": "school",
    "school": "school",
    "性别": "gender",
    "gender": "gender",
    "出生年份": "birth_year",
    "出生年": "birth_year",
    "birthyear": "birth_year",
}
GENDERS = {
    "男": User.Gender.MALE,
    "male": User.Gender.MALE,
    "m": User.Gender.MALE,
    "女": User.Gender.FEMALE,
    "female": User.Gender.FEMALE,
    "f": User.Gender.FEMALE,
}

# Row outcomes. Before the commit: NEW, EXISTING, ALREADY or ERROR; after: CREATED or ENROLLED
# instead of NEW or EXISTING.
NEW, EXISTING, ALREADY, ERROR, CREATED, ENROLLED = (
    "new",
    "existing",
    "already",
    "error",
    "created",
    "enrolled",
)
OUTCOME_LABELS = {
    NEW: gettext_lazy("New account"),
    EXISTING: gettext_lazy("Existing account"),
    ALREADY: gettext_lazy("Already enrolled: nothing to do"),
    ERROR: gettext_lazy("Error"),
    CREATED: gettext_lazy("Account created and enrolled"),
    ENROLLED: gettext_lazy("Existing account enrolled"),
}
ROW_ERRORS = {
    "missing_name": gettext_lazy("The name is missing."),
    "missing_contact": gettext_lazy("Give a mobile number or an email address."),
    "bad_mobile": gettext_lazy("The mobile number is not an 11-digit mainland number."),
    "bad_email": gettext_lazy("The email address is not valid."),
    "bad_gender": gettext_lazy("The gender is not one of 男, 女, male, female, M, F."),
    "bad_birth_year": gettext_lazy("The birth year is not a plausible year."),
    "duplicate": gettext_lazy("The same mobile number or email address is on an earlier row."),
    "conflict": gettext_lazy("The mobile number and the email address belong to two different accounts."),
    "already_cohort": gettext_lazy("Already in this class."),
    "already_course": gettext_lazy("Already enrolled in this course (on their own or in another class)."),
    "sms_invitation": gettext_lazy("No email address: needs an SMS invitation (not sent yet)."),
    "email_invitation": gettext_lazy("Invitation to set a password sent by email."),
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why, for the coordinator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- reading the file ----------------------------------------------------------------------------


def _header_key(text: object) -> str:
    return re.sub(r"[\s_]", "", str(text or "")).lower()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps mobile numbers and years as numbers: 13800138000.0 → "13800138000".
        value = int(value)
    return str(value).strip()


def _csv_table(data: bytes) -> Iterable[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            _("The file's text encoding is not UTF-8 or GBK: save it again as CSV (UTF-8).")
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096].split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text, newline=""), dialect)


def _xlsx_table(data: bytes) -> Iterable[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise ImportFileError(_("The spreadsheet cannot be read: save it again as XLSX or CSV.")) from error
    return workbook.active.iter_rows(values_only=True)


def read_rows(data: bytes, filename: str = "") -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV or XLSX file as (line number, {field: text}), blank rows skipped.

    Raises ImportFileError for a file that is too big, unreadable, has more than MAX_ROWS rows or
    lacks the name column and a mobile or email column.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB: split it into several files.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if filename.lower().endswith(".xls") or data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(_("Old Excel files (.xls) cannot be read: save the file as XLSX or CSV."))
    table = _xlsx_table(data) if data[:4] == b"PK\x03\x04" else _csv_table(data)
    rows = iter(table)
    columns: dict[int, str] = {}
    for header in rows:
        columns = {
            i: HEADERS[_header_key(text)] for i, text in enumerate(header) if _header_key(text) in HEADERS
        }
        if any(_cell_text(text) for text in header):
            break
    found = set(columns.values())
    if "name" not in found or not found & {"mobile", "email"}:
        raise ImportFileError(
            _(
                "The first row must name the columns: 姓名 (name) and 手机 (mobile) or 邮箱 (email); "
                "学校 (school), 性别 (gender) and 出生年份 (birth year) are optional."
            )
        )
    result = []
    for line, row in enumerate(rows, start=2):
        values = {name: _cell_text(row[i]) for i, name in columns.items() if i < len(row)}
        if not any(values.values()):
            continue
        if len(result) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(rows)d students: split it into several files.")
                % {"rows": MAX_ROWS}
            )
        result.append((line, values))
    if not result:
        raise ImportFileError(_("The file has no students in it."))
    return result


# --- the dry run ---------------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    name: str = ""
    mobile: str = ""
    email: str = ""
    school: str = ""
    gender: str = ""
    birth_year: int | None = None
    outcome: str = NEW
    codes: list[str] = field(default_factory=list)
    user_id: int | None = None

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    def result(self) -> dict:
        """What the preview page and the report keep of the row (no full mobile number)."""
        return {
            "line": self.line,
            "name": self.name,
            "mobile": self.masked_mobile,
            "email": self.email,
            "outcome": self.outcome,
            "codes": self.codes,
        }


def mask_mobile(mobile: str | None) -> str:
    """138****8000: enough for a coordinator to recognise a number, not to copy it."""
    if not mobile:
        return ""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else "****"


def _parse_row(line: int, values: dict[str, str]) -> ImportRow:
    row = ImportRow(line=line, name=values.get("name", "")[:100], school=values.get("school", "")[:100])
    if not row.name:
        row.codes.append("missing_name")
    mobile = normalize_mobile(values.get("mobile", ""))
    email = values.get("email", "").strip().lower()
    if not mobile and not email:
        row.codes.append("missing_contact")
    if mobile:
        try:
            validate_mobile(mobile)
            row.mobile = mobile
        except ValidationError:
            row.codes.append("bad_mobile")
    if email:
        try:
            validate_email(email)
            row.email = email
        except ValidationError:
            row.codes.append("bad_email")
    gender = values.get("gender", "").strip().lower()
    if gender:
        row.gender = GENDERS.get(gender, "")
        if not row.gender:
            row.codes.append("bad_gender")
    birth_year = values.get("birth_year", "").strip().removesuffix("年")
    if birth_year:
        this_year = timezone.localdate().year
        if birth_year.isdigit() and this_year - 90 <= int(birth_year) <= this_year - 10:
            row.birth_year = int(birth_year)
        else:
            row.codes.append("bad_birth_year")
    return row


def check_rows(
    *, cohort: Cohort, table: list[tuple[int, dict[str, str]]], progress: Callable[[int], None] | None = None
) -> list[ImportRow]:
    """Every row's outcome if the import ran now; reads only (a handful of queries in all)."""
    rows = []
    seen: set[str] = set()
    for number, (line, values) in enumerate(table, start=1):
        row = _parse_row(line, values)
        keys = {
            key
            for key in (f"m:{row.mobile}" if row.mobile else "", f"e:{row.email}" if row.email else "")
            if key
        }
        if keys & seen:
            row.codes.append("duplicate")
        seen |= keys
        if row.codes:
            row.outcome = ERROR
        rows.append(row)
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)

    valid = [row for row in rows if row.outcome != ERROR]
    by_mobile = dict(
        User.objects.filter(mobile__in=[row.mobile for row in valid if row.mobile]).values_list(
            "mobile", "pk"
        )
    )
    by_email = dict(
        User.objects.filter(email__in=[row.email for row in valid if row.email]).values_list("email", "pk")
    )
    for row in valid:
        mobile_user, email_user = by_mobile.get(row.mobile), by_email.get(row.email)
        if mobile_user and email_user and mobile_user != email_user:
            row.codes.append("conflict")
            row.outcome = ERROR
        elif mobile_user or email_user:
            row.user_id = mobile_user or email_user
            row.outcome = EXISTING

    existing = [row for row in valid if row.outcome == EXISTING]
    enrolled = dict(
        Enrollment.objects.filter(
            course_id=cohort.course_id, learner_id__in=[row.user_id for row in existing]
        ).values_list("learner_id", "cohort_id")
    )
    for row in existing:
        if row.user_id in enrolled:
            row.outcome = ALREADY
            row.codes.append("already_cohort" if enrolled[row.user_id] == cohort.pk else "already_course")
    if progress:
        progress(len(rows))
    return rows


# --- the commit ----------------------------------------------------------------------------------


def _create_accounts(*, cohort: Cohort, rows: list[ImportRow]) -> None:
    """Accounts with no usable password (the invitation lets them set one), their verified-later
    email address and a learner profile in the cohort's county. Sets ``row.user_id``."""
    users = User.objects.bulk_create(
        [
            User(
                email=row.email or None,
                mobile=row.mobile or None,
                name=row.name,
                gender=row.gender,
                birth_year=row.birth_year,
                password=make_password(None),
            )
            for row in rows
        ],
        batch_size=1000,
    )
    for row, user in zip(rows, users, strict=True):
        row.user_id = user.pk
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=row.user_id, email=row.email, primary=True, verified=False)
            for row in rows
            if row.email
        ],
        batch_size=1000,
    )
    LearnerProfile.objects.bulk_create(
        [LearnerProfile(user_id=row.user_id, county_id=cohort.county_id, school=row.school) for row in rows],
        batch_size=1000,
    )


def import_rows_commit(
    *, cohort: Cohort, table: list[tuple[int, dict[str, str]]], site_url: str
) -> list[ImportRow]:
    """Import ``table`` into ``cohort``: all valid rows or nothing.

    One transaction; the cohort row is locked first, so two imports (or an import and learners
    joining) are counted one after another and the capacity holds. Rows are checked again under
    the lock: what changed since the dry run counts. Existing accounts are matched, never changed
    (a profile is added if they have none). Invitations are queued after commit.
    """
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        rows = check_rows(cohort=cohort, table=table)
        new = [row for row in rows if row.outcome == NEW]
        existing = [row for row in rows if row.outcome == EXISTING]
        try:
            with transaction.atomic():
                _create_accounts(cohort=cohort, rows=new)
        except IntegrityError as error:
            raise ImportFileError(
                _("Someone signed up with one of these mobile numbers or emails meanwhile: import again.")
            ) from error
        LearnerProfile.objects.bulk_create(
            [
                LearnerProfile(user_id=row.user_id, county_id=cohort.county_id, school=row.school)
                for row in existing
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        outcome = cohort_enrol_bulk(cohort=cohort, learners=[row.user_id for row in new + existing])
        for row in new + existing:
            if row.user_id in outcome.created:
                row.outcome = CREATED if row.outcome == NEW else ENROLLED
            else:
                row.outcome = ALREADY
                row.codes.append("already_course")
        invited = [row.user_id for row in new if row.email]
        for row in new:
            row.codes.append("email_invitation" if row.email else "sms_invitation")
        for start in range(0, len(invited), INVITATION_BATCH):
            enqueue_on_commit(
                INVITATIONS_TASK, user_ids=invited[start : start + INVITATION_BATCH], site_url=site_url
            )
    return rows


# --- jobs ---------------------------------------------------------------------------------------


def _report_rows(results: list[dict]) -> Iterable[list]:
    for result in results:
        yield [
            result["line"],
            result["name"],
            result["mobile"],
            result["email"],
            str(OUTCOME_LABELS[result["outcome"]]),
            " ".join(str(ROW_ERRORS[code]) for code in result["codes"]),
        ]


def report_headers() -> list[str]:
    return [_("Row"), _("Name"), _("Mobile"), _("Email"), _("Outcome"), _("Details")]


JOB_OUTCOME_FIELDS = [
    "results",
    "total_rows",
    "processed_rows",
    "created_count",
    "matched_count",
    "enrolled_count",
    "error_count",
]


def _job_finish(job: ImportJob, *, rows: list[ImportRow], status: str) -> None:
    job.results = [row.result() for row in rows]
    job.total_rows = job.processed_rows = len(rows)
    job.created_count = sum(row.outcome in (NEW, CREATED) for row in rows)
    job.matched_count = sum(row.outcome in (EXISTING, ENROLLED) for row in rows)
    job.enrolled_count = sum(row.outcome in (CREATED, ENROLLED) for row in rows)
    job.error_count = sum(row.outcome == ERROR for row in rows)
    job.status = status
    job.error = ""
    if job.report:
        job.report.delete(save=False)
    job.report.save(
        f"import-{job.pk}.csv",
        ContentFile(csv_bytes(report_headers(), _report_rows(job.results))),
        save=False,
    )
    # Only the outcome: requeue_count belongs to the sweep, which may have changed it meanwhile.
    job.save(update_fields=[*JOB_OUTCOME_FIELDS, "status", "error", "report", "updated_at"])


def _job_fail(job: ImportJob, message: str, *, status: str = ImportJob.Status.FAILED) -> None:
    job.status = status
    job.error = message
    job.save(update_fields=["status", "error", "updated_at"])


def import_job_start(*, cohort: Cohort, upload, created_by: User, site_url: str) -> ImportJob:
    """Store an uploaded file as an ImportJob after reading it once (ImportFileError if it cannot
    be imported: nothing is stored then). The caller runs the dry run next (``import_job_check``,
    in the request for small files or through the task)."""
    data = upload.read(MAX_FILE_BYTES + 1)
    table = read_rows(data, upload.name)
    job = ImportJob(
        cohort=cohort,
        created_by=created_by,
        original_name=upload.name[:200],
        total_rows=len(table),
        site_url=site_url,
    )
    job.file.save(upload.name, ContentFile(data), save=False)
    job.save()
    return job


def _job_table(job: ImportJob) -> list[tuple[int, dict[str, str]]]:
    with job.file.open("rb") as file:
        return read_rows(file.read(), job.original_name)


def import_job_check(*, job_id: int) -> ImportJob:
    """The dry run of a job: every row's outcome, nothing written but the job. Safe to run again
    (a later run reflects accounts and enrolments made meanwhile); a job already claimed or
    imported is left as it is, even by a run that started before the claim (the outcome is written
    under a lock on the job, only if it is still CHECKING or CHECKED)."""
    job = ImportJob.objects.select_related("cohort").get(pk=job_id)
    checking = (ImportJob.Status.CHECKING, ImportJob.Status.CHECKED)
    if job.status not in checking:
        return job

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk, status__in=checking).update(
            processed_rows=done, updated_at=timezone.now()
        )

    try:
        rows, failure = check_rows(cohort=job.cohort, table=_job_table(job), progress=progress), ""
    except ImportFileError as error:
        rows, failure = [], error.message
    with transaction.atomic():
        status = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("status", flat=True)
        if status.first() not in checking:
            job.refresh_from_db()
            return job
        if failure:
            _job_fail(job, failure)
        else:
            _job_finish(job, rows=rows, status=ImportJob.Status.CHECKED)
    return job


def import_job_claim(*, job_id: int) -> bool:
    """Move a checked job to IMPORTING. Only one request wins (a double click, two tabs): a
    conditional UPDATE that must change exactly one row. The commit starts with a fresh budget of
    re-queues."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKED).update(
            status=ImportJob.Status.IMPORTING, processed_rows=0, requeue_count=0, updated_at=timezone.now()
        )
    )


def import_job_commit(*, job_id: int) -> ImportJob:
    """Import a claimed job (status IMPORTING) in one transaction; see ``import_rows_commit``.

    The job row is locked for the whole import and its outcome is written in the same transaction
    as the accounts and enrolments: a worker that dies mid-way leaves nothing written and the job
    IMPORTING, for the sweep to queue again; a second delivery (message redelivered, queued again
    by the sweep) waits for the lock, then finds the job done and returns it as it is. Importing
    the same rows twice changes nothing the second time anyway: rows are matched to accounts again
    under the cohort's lock. A refusal (class full or closed) marks the job failed with the reason
    and writes nothing else.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=job_id)
        if job.status != ImportJob.Status.IMPORTING:
            return job
        try:
            rows = import_rows_commit(cohort=job.cohort, table=_job_table(job), site_url=job.site_url)
        except ImportFileError as error:
            _job_fail(job, error.message)
            return job
        except EnrollmentError as error:
            # Back to CHECKED: the coordinator can raise the capacity and import the same file again.
            _job_fail(job, error.message, status=ImportJob.Status.CHECKED)
            return job
        _job_finish(job, rows=rows, status=ImportJob.Status.DONE)
    return job


# --- the sweep -----------------------------------------------------------------------------------


@dataclass
class ImportJobsSwept:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _sweep_failure_message(job: ImportJob) -> str:
    """Why the job failed, in its coordinator's language (the sweep runs outside any request)."""
    language = job.created_by.language_code if job.created_by else settings.LANGUAGE_CODE
    with translation.override(language):
        if job.status == ImportJob.Status.CHECKING:
            return _(
                "The file could not be checked: the background work stopped several times. "
                "Upload the file again; if this happens again, tell the programme's administrators."
            )
        return _(
            "The import did not finish: the background work stopped several times. Nothing was "
            "imported. Upload the file again; if this happens again, tell the programme's administrators."
        )


def import_jobs_sweep(*, older_than: timedelta | None = None) -> ImportJobsSwept:
    """Queue again the jobs left CHECKING or IMPORTING (task message lost, broker down, worker
    killed): those whose ``updated_at`` has not moved for ``older_than`` (default: the setting
    IMPORT_SWEEP_AFTER_MINUTES; keep it longer than CELERY_TASK_TIME_LIMIT, or a dry run still
    running is queued again: harmless, but wasted work).

    Both are safe to run again: the dry run only reads, and a commit that did not finish wrote
    nothing (see ``import_job_commit``); the job stays IMPORTING, that is claimed, and its task is
    queued again. A job already queued again IMPORT_SWEEP_MAX_REQUEUES times is failed with a
    message for the coordinator instead. The stuck jobs are locked with SKIP LOCKED, so a commit
    running right now (it holds its job's lock) is left alone, and two sweeps never take the same
    job; the tasks are queued after commit.
    """
    running = (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)
    minutes = settings.IMPORT_SWEEP_AFTER_MINUTES
    max_requeues = settings.IMPORT_SWEEP_MAX_REQUEUES
    now = timezone.now()
    cutoff = now - (older_than if older_than is not None else timedelta(minutes=minutes))
    swept = ImportJobsSwept()
    with transaction.atomic():
        stuck = list(
            ImportJob.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status__in=running, updated_at__lte=cutoff)
            .select_related("created_by")
            .only("pk", "status", "requeue_count", "created_by__preferred_language")
            .order_by("updated_at")[:IMPORT_SWEEP_BATCH]
        )
        for job in stuck:
            if job.requeue_count >= max_requeues:
                _job_fail(job, _sweep_failure_message(job))
                swept.failed.append(job.pk)
            else:
                swept.requeued.append(job.pk)
                task = CHECK_TASK if job.status == ImportJob.Status.CHECKING else COMMIT_TASK
                enqueue_on_commit(task, job.pk)
        ImportJob.objects.filter(pk__in=swept.requeued).update(
            requeue_count=models.F("requeue_count") + 1, updated_at=now
        )
    return swept


def job_result_rows(job: ImportJob, *, errors_only: bool = False) -> list[dict]:
    """The job's row results with their labels, for the preview and result pages."""
    rows = []
    for result in job.results:
        if errors_only and result["outcome"] != ERROR:
            continue
        rows.append(
            {
                **result,
                "outcome_label": OUTCOME_LABELS[result["outcome"]],
                "details": [ROW_ERRORS[code] for code in result["codes"]],
            }
        )
    return rows
