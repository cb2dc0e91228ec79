"""Import students into a cohort from a school's spreadsheet (CSV or XLSX).

The flow: ``import_job_start`` records an ImportJob with the uploaded file (a small file is read
there and then, so that one that cannot be imported is refused on the upload form);
``import_job_check`` is the dry run: it reads the file and works out every row's outcome (new
account, existing account, already enrolled, error and why; warnings for optional values left
out) and writes nothing but the job; ``import_job_commit`` does it, in one transaction: accounts,
learner profiles and enrolments, then invitations (email, or SMS for learners without an address)
queued after commit. Importing the same file again finds every row already enrolled and changes
nothing. The dry run applies every rule the commit meets (field lengths included), and a commit
that fails all the same marks the job failed with the reason; it can be tried again.

Reading a file takes bounded time and memory whatever it holds (a 0.4 MB XLSX can declare three
million empty rows): see ``read_rows``. Small files are checked and imported in the request;
larger ones by a Celery task (coordinator.tasks) while the page shows its progress. A job whose
task message was lost or whose worker died is queued again by ``import_jobs_sweep`` (a periodic
task), a few times at most before it is failed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.validators import normalize_mobile, validate_mobile
from counties.models import Cohort, ImportJob, InvitationLog, LearnerProfile, SchoolType
from enrollment.bulk import cohort_enrol_bulk
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from talentportal.queue import enqueue_on_commit
from talentportal.spreadsheets import (
    XLSX_MAGIC,
    SheetTooLarge,
    SpreadsheetError,
    cell_text,
    csv_bytes,
    csv_rows,
    header_key,
    upload_check,
    xlsx_rows,
)

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
# An XLSX sheet is read up to this many rows, empty ones included, and its first MAX_COLUMNS
# columns; an XLSX is refused when it unpacks to more than MAX_XLSX_UNZIPPED_BYTES (a zip of
# 2 MB can unpack to gigabytes). So reading any file takes a second or two at most.
MAX_SHEET_ROWS = 2 * MAX_ROWS
MAX_COLUMNS = 50
MAX_XLSX_UNZIPPED_BYTES = 64 * 1024 * 1024
# The upload request reads a file itself only up to these bounds (so that a file that cannot be
# imported is refused on the form); beyond them the dry run reads it, in a task.
REQUEST_READ_BYTES = 64 * 1024
REQUEST_SHEET_ROWS = 1_000
REQUEST_XLSX_UNZIPPED_BYTES = 4 * 1024 * 1024
# Up to this many rows the dry run and the import run in the request; beyond, in a task.
SYNC_MAX_ROWS = 300
PROGRESS_EVERY = 500
# Invitations per task: each task sends its batch over one mail connection.
INVITATIONS_TASK = "coordinator.tasks.invitations_send"
INVITATION_BATCH = 200
CHECK_TASK = "coordinator.tasks.import_job_check"
COMMIT_TASK = "coordinator.tasks.import_job_commit"
IMPORT_SWEEP_BATCH = 500

# The longest values the accounts and profiles hold: longer ones are refused (or, for the
# optional school, left out) by the dry run rather than by the database at the commit.
NAME_MAX_LENGTH = User._meta.get_field("name").max_length
EMAIL_MAX_LENGTH = min(
    User._meta.get_field("email").max_length, EmailAddress._meta.get_field("email").max_length
)
SCHOOL_MAX_LENGTH = LearnerProfile._meta.get_field("school").max_length

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
    "学校类型": "school_type",
    "学校类别": "school_type",
    "schooltype": "school_type",
    "性别": "gender",
    "gender": "gender",
    "出生年份": "birth_year",
    "出生年": "birth_year",
    "birthyear": "birth_year",
}
# The kinds of school a coordinator's spreadsheet may name (counties.models.SchoolType), in the
# words schools use and in English, compared as headers are (header_key: no spaces, lower case).
SCHOOL_TYPES = {
    header_key(word): school_type
    for school_type, words in (
        (
            SchoolType.SECONDARY_VOCATIONAL,
            ("中职", "中专", "职高", "职业高中", "技校", "技工学校", "中等职业学校", "secondary vocational"),
        ),
        (
            SchoolType.HIGHER_VOCATIONAL,
            ("高职", "大专", "专科", "高职院校", "高等职业学校", "higher vocational"),
        ),
        (SchoolType.HIGH_SCHOOL, ("高中", "普高", "普通高中", "high school")),
        (SchoolType.UNIVERSITY, ("本科", "大学", "本科及以上", "研究生", "university")),
        (SchoolType.NOT_IN_SCHOOL, ("不在校", "非在校", "务农", "务工", "在职", "社会人员", "not in school")),
    )
    for word in (*words, school_type.value)
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


def _with_max_length(message: str, max_length: int) -> Promise:
    """``message`` (marked with gettext_noop) translated when shown, with its %(max)d filled in."""
    return lazy(lambda: gettext(message) % {"max": max_length}, str)()


OUTCOME_LABELS = {
    NEW: gettext_lazy("New account"),
    EXISTING: gettext_lazy("Existing account"),
    ALREADY: gettext_lazy("Already enrolled: nothing to do"),
    ERROR: gettext_lazy("Error"),
    CREATED: gettext_lazy("Account created and enrolled"),
    ENROLLED: gettext_lazy("Existing account enrolled"),
}
# Codes of a row: its errors (the row is not imported), its warnings (in WARNINGS: the row is
# imported without the value) and notes on what was done.
ROW_ERRORS = {
    "missing_name": gettext_lazy("The name is missing."),
    "name_too_long": _with_max_length(
        gettext_noop("The name is longer than %(max)d characters."), NAME_MAX_LENGTH
    ),
    "missing_contact": gettext_lazy("Give a mobile number or an email address."),
    "bad_mobile": gettext_lazy("The mobile number is not an 11-digit mainland number."),
    "bad_email": gettext_lazy("The email address is not valid."),
    "email_too_long": _with_max_length(
        gettext_noop("The email address is longer than %(max)d characters."), EMAIL_MAX_LENGTH
    ),
    "bad_gender": gettext_lazy("The gender is not one of 男, 女, male, female, M, F: imported without it."),
    "bad_birth_year": gettext_lazy("The birth year is not a plausible year: imported without it."),
    "bad_school_type": gettext_lazy(
        "The school type is not one of 中职, 高职, 高中, 本科, 不在校: imported without it."
    ),
    "school_too_long": _with_max_length(
        gettext_noop("The school is longer than %(max)d characters: imported without it."), SCHOOL_MAX_LENGTH
    ),
    "duplicate": gettext_lazy("The same mobile number or email address is on an earlier row."),
    "conflict": gettext_lazy("The mobile number and the email address belong to two different accounts."),
    "already_cohort": gettext_lazy("Already in this class."),
    "already_course": gettext_lazy("Already enrolled in this course (on their own or in another class)."),
    # Jobs imported before invitations went by SMS too.
    "sms_invitation": gettext_lazy("No email address: needs an SMS invitation (not sent yet)."),
    "sms_invitation_queued": gettext_lazy(
        "No email address: an invitation to set a password is being sent by SMS."
    ),
    "sms_invitation_sent": gettext_lazy("Invitation to set a password sent by SMS."),
    "email_invitation": gettext_lazy("Invitation to set a password sent by email."),
}
WARNINGS = frozenset({"bad_gender", "bad_birth_year", "school_too_long", "bad_school_type"})


class ImportFileError(SpreadsheetError):
    """The file as a whole cannot be imported; ``message`` says why, for the coordinator."""


class ReadLater(Exception):
    """The file is larger than the upload request reads (``read_rows(..., in_request=True)``):
    the dry run reads it, in a task."""


# --- reading the file ----------------------------------------------------------------------------


def _table(data: bytes, *, in_request: bool) -> Iterator[Sequence]:
    """The file's rows, CSV or XLSX; an XLSX read up to MAX_SHEET_ROWS rows (REQUEST_SHEET_ROWS in
    the request), each its first MAX_COLUMNS values."""
    if data[:4] != XLSX_MAGIC:
        return csv_rows(data)
    return xlsx_rows(
        data,
        max_rows=REQUEST_SHEET_ROWS if in_request else MAX_SHEET_ROWS,
        max_columns=MAX_COLUMNS,
        max_unzipped=REQUEST_XLSX_UNZIPPED_BYTES if in_request else MAX_XLSX_UNZIPPED_BYTES,
        too_many_rows=_(
            "The spreadsheet has more than %(rows)d rows, counting empty ones: delete the empty rows "
            "below the students (or save the sheet as CSV) and upload it again."
        )
        % {"rows": MAX_SHEET_ROWS},
    )


def read_rows(
    data: bytes, filename: str = "", *, in_request: bool = False
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV or XLSX file as (row number, {field: text}), blank rows skipped.

    Raises ImportFileError for a file that is too big, unreadable, has more than MAX_ROWS rows or
    lacks the name column and a mobile or email column. Reading is bounded whatever the file
    holds: a CSV by its size, an XLSX by MAX_XLSX_UNZIPPED_BYTES unpacked, MAX_SHEET_ROWS rows
    (empty ones included; a longer sheet is refused with a message) and MAX_COLUMNS columns.
    ``in_request``: the upload request's tighter bounds for an XLSX (REQUEST_SHEET_ROWS rows,
    REQUEST_XLSX_UNZIPPED_BYTES); a sheet beyond them raises ReadLater.
    """
    try:
        upload_check(data, filename, max_bytes=MAX_FILE_BYTES)
        return _read_rows(_table(data, in_request=in_request))
    except ImportFileError:
        raise
    except SheetTooLarge as error:
        if in_request:
            raise ReadLater from error
        raise ImportFileError(error.message) from error
    except SpreadsheetError as error:
        raise ImportFileError(error.message) from error


def _read_rows(table: Iterator[Sequence]) -> list[tuple[int, dict[str, str]]]:
    rows = enumerate(table, start=1)
    columns: dict[int, str] = {}
    for _number, header in rows:
        columns = {
            i: HEADERS[header_key(text)] for i, text in enumerate(header) if header_key(text) in HEADERS
        }
        if any(cell_text(text) for text in header):
            break
    found = set(columns.values())
    if "name" not in found or not found & {"mobile", "email"}:
        raise ImportFileError(
            _(
                "The first row must name the columns: 姓名 (name) and 手机 (mobile) or 邮箱 (email); "
                "学校 (school), 学校类型 (school type), 性别 (gender) and 出生年份 (birth year) are optional."
            )
        )
    result = []
    for line, row in rows:
        values = {name: cell_text(row[i]) for i, name in columns.items() if i < len(row)}
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
    school_type: str = ""
    gender: str = ""
    birth_year: int | None = None
    outcome: str = NEW
    codes: list[str] = field(default_factory=list)
    user_id: int | None = None

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def has_error(self) -> bool:
        return any(code not in WARNINGS for code in self.codes)

    def result(self) -> dict:
        """What the preview page and the report keep of the row (no full mobile number); the
        account's id lets the page say when its SMS invitation was sent."""
        return {
            "line": self.line,
            "name": self.name,
            "mobile": self.masked_mobile,
            "email": self.email,
            "outcome": self.outcome,
            "codes": self.codes,
            "user_id": self.user_id,
        }


def mask_mobile(mobile: str | None) -> str:
    """138****8000: enough for a coordinator to recognise a number, not to copy it."""
    if not mobile:
        return ""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else "****"


def _parse_row(line: int, values: dict[str, str]) -> ImportRow:
    """A row's values as the commit would store them, and its error and warning codes.

    Every rule the database holds is applied here (lengths, formats), so that a row the dry run
    passes cannot fail the commit. A bad optional value (school and its type, gender, birth year) is a
    warning: the row is imported without it.
    """
    # Line breaks and runs of spaces inside a cell (Alt+Enter in Excel) are not part of a name.
    name = " ".join(values.get("name", "").split())
    row = ImportRow(line=line, name=name)
    if not name:
        row.codes.append("missing_name")
    elif len(name) > NAME_MAX_LENGTH:
        row.name = name[:NAME_MAX_LENGTH]  # shown on the page; the row is not imported
        row.codes.append("name_too_long")
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
        if len(email) > EMAIL_MAX_LENGTH:
            row.codes.append("email_too_long")
        else:
            try:
                validate_email(email)
                row.email = email
            except ValidationError:
                row.codes.append("bad_email")
    school = " ".join(values.get("school", "").split())
    if len(school) > SCHOOL_MAX_LENGTH:
        row.codes.append("school_too_long")
    else:
        row.school = school
    school_type = header_key(values.get("school_type", ""))
    if school_type:
        row.school_type = SCHOOL_TYPES.get(school_type, "")
        if not row.school_type:
            row.codes.append("bad_school_type")
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
        if row.has_error:
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
    LearnerProfile.objects.bulk_create([_profile(cohort, row) for row in rows], batch_size=1000)


def _profile(cohort: Cohort, row: ImportRow) -> LearnerProfile:
    """The learner profile a row gives: the cohort's county, the row's school and its kind."""
    return LearnerProfile(
        user_id=row.user_id, county_id=cohort.county_id, school=row.school, school_type=row.school_type
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
            [_profile(cohort, row) for row in existing],
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
        invited = [row.user_id for row in new]
        for row in new:
            row.codes.append("email_invitation" if row.email else "sms_invitation_queued")
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
    """Store an uploaded file as an ImportJob (status CHECKING). The caller runs the dry run next
    (``import_job_check``): in the request when ``total_rows`` is at most SYNC_MAX_ROWS, else
    through the task.

    Cheap whatever the file: only a file of at most REQUEST_READ_BYTES is read here, within the
    request's bounds (see ``read_rows``), and one that cannot be imported raises ImportFileError
    (nothing is stored then), for the upload form to show. A larger file, or a sheet longer than
    the request reads, is stored unread: its ``total_rows`` is then a placeholder above
    SYNC_MAX_ROWS, so it is checked by the task, which reads it (in bounded time), sets the real
    count and fails the job with the reason if it cannot be imported.
    """
    data = upload.read(MAX_FILE_BYTES + 1)
    try:
        upload_check(data, upload.name, max_bytes=MAX_FILE_BYTES)
    except SpreadsheetError as error:
        raise ImportFileError(error.message) from error
    total_rows = SYNC_MAX_ROWS + 1
    if len(data) <= REQUEST_READ_BYTES:
        with contextlib.suppress(ReadLater):
            total_rows = len(read_rows(data, upload.name, in_request=True))
    job = ImportJob(
        cohort=cohort,
        created_by=created_by,
        original_name=upload.name[:200],
        total_rows=total_rows,
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
        table = _job_table(job)
        ImportJob.objects.filter(pk=job.pk, status__in=checking).update(
            total_rows=len(table), updated_at=timezone.now()
        )
        rows, failure = check_rows(cohort=job.cohort, table=table, progress=progress), ""
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
    """Move a checked job, or one whose import failed (``ImportJob.can_retry``: its dry run found
    rows to import), to IMPORTING. Only one request wins (a double click, two tabs): a
    conditional UPDATE that must change exactly one row. The commit starts with a fresh budget of
    re-queues and without the error of the failed attempt."""
    retry = Q(status=ImportJob.Status.FAILED) & (Q(created_count__gt=0) | Q(matched_count__gt=0))
    return bool(
        ImportJob.objects.filter(Q(status=ImportJob.Status.CHECKED) | retry, pk=job_id).update(
            status=ImportJob.Status.IMPORTING,
            processed_rows=0,
            requeue_count=0,
            error="",
            updated_at=timezone.now(),
        )
    )


def _coordinator_language(job: ImportJob) -> str:
    """The language of the job's messages: its coordinator's (tasks run outside any request)."""
    return job.created_by.language_code if job.created_by else settings.LANGUAGE_CODE


def _commit_failure_message(job: ImportJob, error: Exception) -> str:
    with translation.override(_coordinator_language(job)):
        if isinstance(error, DataError):
            return _(
                "The import failed: a value in the file does not fit the database. Nothing was "
                "imported. Correct the file and upload it again; if this happens again, tell the "
                "programme's administrators."
            )
        return _(
            "The import failed because of an unexpected error. Nothing was imported. Try again; if "
            "it fails again, tell the programme's administrators."
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

    Any other failure of the import itself (a value the database refuses, a bug) rolls back what
    the import wrote (a savepoint) and marks the job FAILED with the reason in the coordinator's
    language, so it does not stay IMPORTING: the coordinator can import it again
    (``import_job_claim``). Only a lost connection or a deadlock (OperationalError,
    InterfaceError: nothing can be written then) leaves the job IMPORTING, for the sweep.
    """
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("cohort", "created_by")
            .get(pk=job_id)
        )
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
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:
            logger.exception("Student import %s failed", job.pk)
            _job_fail(job, _commit_failure_message(job, error))
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
    with translation.override(_coordinator_language(job)):
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
    """The job's row results with their labels, for the preview and result pages. A row whose
    SMS invitation was queued says it was sent once it was (one query)."""
    queued = [
        result["user_id"]
        for result in job.results
        if "sms_invitation_queued" in result["codes"] and result.get("user_id")
    ]
    sent = set(
        InvitationLog.objects.sms().filter(user_id__in=queued).values_list("user_id", flat=True)
        if queued
        else ()
    )
    rows = []
    for result in job.results:
        if errors_only and result["outcome"] != ERROR:
            continue
        codes = result["codes"]
        if result.get("user_id") in sent:
            codes = ["sms_invitation_sent" if code == "sms_invitation_queued" else code for code in codes]
        rows.append(
            {
                **result,
                "codes": codes,
                "outcome_label": OUTCOME_LABELS[result["outcome"]],
                "details": [ROW_ERRORS[code] for code in codes],
            }
        )
    return rows
