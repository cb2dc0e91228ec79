"""The portal in Chinese has no English in it.

The catalogue: every entry of locale/zh_Hans is translated, none is a fuzzy guess, each keeps
its msgid's placeholders, and the compiled catalogue holds what the .po says.

The pages: every page of the portal (each named URL, with the demo data and what the learner,
the coordinator and staff do on their first day) is rendered for a Chinese browser as the user it
belongs to, and fails on a server error or on English words that never belong in the Chinese
pages; so are the forms' errors. A new URL is added to PAGES (or NOT_PAGES, with why).
"""

from __future__ import annotations

import csv
import gettext
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from certificates.services import certificate_issue
from counties.models import ClassSession, Cohort, ImportJob
from courses.models import Course, Lesson, Quiz
from enrollment.models import Enrollment
from figures.services import figures_refresh
from reminders.services import unsubscribe_token
from tests import factories

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"

# --- the catalogue ------------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    flags: set[str]
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: list[str]


def _unquote(text: str) -> str:
    return bytes(text.strip()[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def read_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete ones left out), header included."""
    entries: list[Entry] = []
    current: dict | None = None
    field = None

    def finish():
        if current and "msgid" in current:
            strs = current.get("msgstr", {})
            entries.append(
                Entry(
                    current["line"],
                    current["flags"],
                    current.get("msgctxt"),
                    current["msgid"],
                    current.get("msgid_plural"),
                    [strs[n] for n in sorted(strs)],
                )
            )

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            current, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = {"line": number, "flags": set()}
        if line.startswith("#,"):
            current["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if field[0] == "msgstr":
                current["msgstr"][field[1]] += _unquote(line)
            else:
                current[field[0]] += _unquote(line)
        else:
            keyword, _space, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword == "msgstr" or match:
                field = ("msgstr", int(match[1]) if match else 0)
                current.setdefault("msgstr", {})[field[1]] = _unquote(value)
            else:
                field = (keyword, None)
                current[keyword] = _unquote(value)
    finish()
    return entries


def zh_entries() -> list[Entry]:
    return [entry for entry in read_po(CATALOGUE / "django.po") if entry.msgid]


def _where(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid[:70]!r}"


def test_the_po_reader_sees_untranslated_fuzzy_and_plural_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#: a.py:1\nmsgid "Done"\nmsgstr "完成"\n\n'
        '#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "你好"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n\n'
        'msgctxt "of a person"\nmsgid "name"\nmsgstr "姓名"\n\n'
        'msgid "%(n)d day"\nmsgid_plural "%(n)d days"\nmsgstr[0] "%(n)d 天"\n\n'
        '#~ msgid "Old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    header, done, hello, two_lines, name, days = read_po(po)
    assert header.msgid == "" and "nplurals=1" in header.msgstrs[0]
    assert (done.msgid, done.msgstrs, done.flags) == ("Done", ["完成"], set())
    assert hello.flags == {"fuzzy", "python-format"}
    assert (two_lines.msgid, two_lines.msgstrs) == ("Two lines", [""])
    assert (name.msgctxt, name.msgstrs) == ("of a person", ["姓名"])
    assert (days.msgid_plural, days.msgstrs) == ("%(n)d days", ["%(n)d 天"])


def test_every_chinese_entry_is_translated():
    untranslated = [_where(entry) for entry in zh_entries() if not all(entry.msgstrs)]
    assert not untranslated, f"{len(untranslated)} untranslated:\n" + "\n".join(untranslated)


def test_no_chinese_entry_is_a_fuzzy_guess():
    fuzzy = [_where(entry) for entry in zh_entries() if "fuzzy" in entry.flags]
    listed = "\n".join(fuzzy)
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check the translation, then remove the flag):\n{listed}"


_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def test_chinese_entries_keep_their_placeholders():
    """A placeholder lost or misspelt in a translation is an error at run time, or a gap."""
    wrong = []
    for entry in zh_entries():
        if "python-format" not in entry.flags:
            continue
        wanted = sorted(set(_PLACEHOLDER.findall(entry.msgid)) - {"%%"})
        for msgstr in entry.msgstrs:
            if msgstr and sorted(set(_PLACEHOLDER.findall(msgstr)) - {"%%"}) != wanted:
                wrong.append(f"{_where(entry)} → {msgstr[:70]!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_compiled_chinese_catalogue_holds_the_po():
    """locale/zh_Hans/LC_MESSAGES/django.mo is compiled from the .po (make messages)."""
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in zh_entries():
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        found = compiled._catalog.get(msgid if entry.msgid_plural is None else (msgid, 0))
        expected = entry.msgstrs[0]
        if expected and found != expected:
            stale.append(_where(entry))
    assert not stale, "django.mo is older than django.po (run make messages):\n" + "\n".join(stale[:20])


# --- words that were wrong ---------------------------------------------------------------------


def test_the_profile_labels_a_persons_name_as_a_persons_name(client, learner):
    """姓名 is a person's name; 名称, the name of a thing (a county, a course), was shown."""
    client.force_login(learner)
    page = client.get(reverse("privacy:profile")).content.decode()
    assert '<label for="id_name">姓名</label>' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<label for="id_name">Name</label>' in client.get(reverse("privacy:profile")).content.decode()


# --- the pages ----------------------------------------------------------------------------------

# English that never belongs on a Chinese page: Django's and allauth's form errors, button and
# link words. Whole words, case as written.
ENGLISH = [
    "This field is required",
    "Enter a valid",
    "Ensure this value",
    "Password",
    "password",
    "Submit",
    "Save",
    "Next",
    "Previous",
    "characters",
    "must",
    "Log in",
    "Log out",
    "Sign in",
    "Sign up",
    "Sign out",
    "Cancel",
    "Delete",
    "Search",
    "Download",
    "Please",
    "required",
    "Select a valid choice",
    "is not",
    "Your",
    "You",
    "the",
]
_ENGLISH = re.compile(r"\b(?:" + "|".join(re.escape(words) for words in ENGLISH) + r")\b")
_SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class _ShownText(HTMLParser):
    """The text a reader sees or hears: text outside scripts and styles, labels in attributes,
    and the words on input buttons."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1
        values = dict(attrs)
        self.parts += [value for name, value in attrs if name in _SHOWN_ATTRIBUTES and value]
        if tag == "input" and values.get("type") in {"submit", "button", "reset"} and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def english_in(response) -> list[str]:
    """The English fragments in a response (its page, or its spreadsheet's CSV cells)."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("text/html"):
        parser = _ShownText()
        parser.feed(body.decode())
        text = "\n".join(parser.parts)
    elif content_type.startswith("text/csv"):
        text = "\n".join(" ".join(row) for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        return []
    return sorted({match[0] for match in _ENGLISH.finditer(text)})


def chinese_browser(user: User | None = None) -> Client:
    """A phone set to Chinese, signed in as ``user``."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Scene:
    """The demo data after a first day: the learner joined the demo class, finished a lesson and
    failed a quiz once, and holds a certificate of another course; a classmate completed the
    class; the coordinator imported two students and has a class today; the figures were
    refreshed."""

    learner: User
    coordinator: User
    staff: User
    cohort: Cohort
    enrollment: Enrollment
    completed: Enrollment
    lesson: Lesson
    quiz: Quiz
    certificate: Certificate
    session: ClassSession
    job: ImportJob
    unconfirmed: EmailAddress
    employer: User

    def kwargs(self, name: str) -> dict:
        return URL_KWARGS.get(name, lambda scene: {})(self)

    def browser(self, role: str | None) -> Client:
        """A Chinese browser of ``role``'s: None (a visitor), learner, coordinator, staff or employer."""
        return chinese_browser(None if role is None else getattr(self, role))


IMPORT_CSV = (
    "姓名,手机,邮箱,学校\n赵六,13700137000,zhaoliu@example.com,桐庐职校\n钱七,13600136000,,桐庐职校\n"
)


@pytest.fixture
def scene(db, settings, tmp_path) -> Scene:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    learner = User.objects.get(email="learner@example.com")
    coordinator = User.objects.get(email="coordinator@example.com")
    staff = User.objects.get(email="admin@example.com")
    cohort = Cohort.objects.get(name="桐庐县职校 农村电商运营 示范班")

    mine = chinese_browser(learner)
    mine.post(reverse("learn:join_code", args=[cohort.join_code]))
    enrollment = Enrollment.objects.get(learner=learner, cohort=cohort)
    lesson = Lesson.objects.filter(module__course=cohort.course).order_by("order").first()
    mine.post(reverse("learn:lesson_complete", args=[cohort.course.slug, lesson.pk]))
    quiz = Quiz.objects.filter(course=cohort.course, questions__isnull=False).order_by("pk").first()
    page = mine.get(reverse("learn:quiz", args=[cohort.course.slug, quiz.pk])).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    wrong = {
        f"q{question.pk}": question.choices.filter(is_correct=False)[0].pk
        for question in quiz.questions.all()
    }
    mine.post(reverse("learn:quiz", args=[cohort.course.slug, quiz.pk]), {"token": token, **wrong})
    classmate = factories.LearnerProfileFactory(county=cohort.county, user__name="周八").user
    completed_in_cohort = factories.EnrollmentFactory(
        learner=classmate,
        course=cohort.course,
        cohort=cohort,
        county=cohort.county,
        status=Enrollment.Status.COMPLETED,
        completed_at=timezone.now(),
    )

    other_course = Course.objects.published().exclude(pk=cohort.course_id).order_by("pk").first()
    completed = factories.EnrollmentFactory(
        learner=learner, course=other_course, status=Enrollment.Status.COMPLETED, completed_at=timezone.now()
    )
    certificate = Certificate.objects.get_or_create(enrollment=completed)[0]
    certificate_issue(certificate_id=certificate.pk)
    certificate.refresh_from_db()

    workspace = chinese_browser(coordinator)
    workspace.post(
        reverse("coordinator:import_upload", args=[cohort.pk]),
        {"file": SimpleUploadedFile("students.csv", IMPORT_CSV.encode(), content_type="text/csv")},
    )
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate(), topic="直播带货实操")

    unconfirmed_user = factories.UserFactory(email="new@example.com")
    unconfirmed = EmailAddress.objects.create(user=unconfirmed_user, email="new@example.com", primary=True)
    figures_refresh()
    return Scene(
        learner=learner,
        coordinator=coordinator,
        staff=staff,
        cohort=cohort,
        enrollment=enrollment,
        completed=completed_in_cohort,
        lesson=lesson,
        quiz=quiz,
        certificate=certificate,
        session=session,
        job=ImportJob.objects.filter(cohort=cohort).latest("pk"),
        unconfirmed=unconfirmed,
        employer=User.objects.get(email="employer@example.com"),
    )


def _cohort(scene: Scene) -> dict:
    return {"pk": scene.cohort.pk}


def _course(scene: Scene) -> dict:
    return {"slug": scene.cohort.course.slug}


def _reset_key(scene: Scene) -> dict:
    user = scene.learner
    return {"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)}


def _final_exam(scene: Scene):
    from exams.models import Exam

    return Exam.objects.get(course=scene.cohort.course, is_final=True)


def _exam(scene: Scene) -> dict:
    return {"pk": scene.cohort.pk, "exam_pk": _final_exam(scene).pk}


def _room(scene: Scene) -> dict:
    from exams.rooms import room_open

    room = room_open(exam=_final_exam(scene), session=scene.session, by=scene.coordinator)
    return {"pk": scene.cohort.pk, "room_pk": room.pk}


def _demo_attempt(scene: Scene):
    """The demo learner's submitted attempt at the final exam (seeded, awaiting marking)."""
    from exams.models import ExamAttempt

    return ExamAttempt.objects.filter(enrollment=scene.enrollment, submitted_at__isnull=False).latest("pk")


def _open_attempt(scene: Scene) -> dict:
    """An attempt in progress: the learner starts (or resumes) the final exam."""
    from exams.attempts import attempt_start

    return {"pk": attempt_start(exam=_final_exam(scene), enrollment=scene.enrollment).pk}


def _demo_post(scene: Scene):
    from jobs.models import JobPost

    return JobPost.objects.filter(employer__members__user=scene.employer).order_by("pk").first()


def _application(scene: Scene) -> dict:
    """The demo learner's application to the demo employer's first post (made once)."""
    from jobs.models import JobApplication
    from jobs.selectors import consent_snapshot, learner_record
    from jobs.services import application_submit

    post = _demo_post(scene)
    application = JobApplication.objects.filter(post=post, learner=scene.learner).first()
    if application is None:
        shared = consent_snapshot(
            learner_record(scene.learner), exam_keys=set(), practice_keys=set(), share_contact=False
        )
        application = application_submit(post=post, learner=scene.learner, shared=shared)
    return {"pk": application.pk}


def _demo_fair(scene: Scene):
    from jobs.models import JobFair

    return JobFair.objects.filter(county=scene.cohort.county).order_by("pk").first()


def _demo_survey(scene: Scene) -> dict:
    from officers.models import Survey

    return {"pk": Survey.objects.filter(county=scene.cohort.county).order_by("pk").first().pk}


def _demo_visit(scene: Scene) -> dict:
    from officers.models import Visit

    return {"pk": Visit.objects.filter(county=scene.cohort.county).order_by("pk").first().pk}


def _demo_project(scene: Scene) -> dict:
    """The demo officer's first project in the cohort's county (with indicators and periods)."""
    from projects.models import Project

    return {"pk": Project.objects.filter(county=scene.cohort.county).order_by("pk").first().pk}


def _demo_indicator(scene: Scene) -> dict:
    from projects.models import Indicator

    return {"pk": Indicator.objects.filter(project__county=scene.cohort.county).order_by("pk").first().pk}


def _demo_term(scene: Scene) -> dict:
    from officers.models import Appointment

    return {"pk": Appointment.objects.filter(county=scene.cohort.county).order_by("pk").first().pk}


def _studio_lesson(scene: Scene) -> dict:
    """The first lesson of the demo course in a draft revision staff (a superuser) open."""
    from courses.revisions import revision_open

    revision = revision_open(course=scene.cohort.course, by=scene.staff)
    lesson = revision.document["course"]["modules"][0]["lessons"][0]
    return {"pk": scene.cohort.course_id, "key": lesson["key"]}


def _studio_question(scene: Scene) -> dict:
    """The first quiz question of the demo course in the draft revision staff open."""
    from courses.revisions import iter_nodes, revision_open

    revision = revision_open(course=scene.cohort.course, by=scene.staff)
    question = next(found.node for found in iter_nodes(revision.document) if found.kind == "question")
    return {"pk": scene.cohort.course_id, "key": question["key"]}


def _studio_submitted(scene: Scene) -> dict:
    """A revision of another demo course, submitted for review."""
    from courses.revisions import revision_open, revision_submit

    course = Course.objects.published().exclude(pk=scene.cohort.course_id).order_by("pk").first()
    revision = revision_open(course=course, by=scene.staff)
    if revision.status != "submitted":
        revision = revision_submit(revision=revision, by=scene.staff)
    return {"pk": revision.pk}


def _draft_post(scene: Scene) -> dict:
    from jobs.models import JobPost

    post = _demo_post(scene)
    draft, _created = JobPost.objects.get_or_create(
        employer=post.employer,
        title="草稿岗位",
        defaults={
            "description": "草稿",
            "county": post.employer.county,
            "pay_min": 3000,
            "pay_max": 4000,
            "deadline": post.deadline,
        },
    )
    return {"pk": draft.pk}


def _first_bank(scene: Scene) -> dict:
    from exams.models import QuestionBank

    return {"pk": QuestionBank.objects.order_by("pk").first().pk}


def _demo_item_set(scene: Scene):
    """The demo image-classification exercise of the learner's course."""
    from practice.models import ItemSet

    return ItemSet.objects.get(course=scene.cohort.course, task="image_class")


def _practice_run(scene: Scene, *, submitted: bool) -> dict:
    from practice.services import run_start, run_submit

    run = run_start(enrollment=scene.enrollment, item_set=_demo_item_set(scene))
    return {"pk": (run_submit(run=run) if submitted else run).pk}


def _demo_assignment(scene: Scene):
    from practice.models import Assignment

    return Assignment.objects.get(course=scene.cohort.course)


def _practice_submission(scene: Scene) -> dict:
    """The learner hands in the demo assignment (text only), waiting for the coordinator."""
    from practice.models import Submission
    from practice.services import submission_save

    assignment = _demo_assignment(scene)
    submission = Submission.objects.filter(assignment=assignment, enrollment=scene.enrollment).first()
    submission = submission or submission_save(
        assignment=assignment, enrollment=scene.enrollment, text="桐庐高山云雾茶 250g", images=[]
    )
    return {"pk": scene.cohort.pk, "submission_pk": submission.pk}


def _demo_contest(scene: Scene) -> dict:
    from competitions.demo import CONTEST
    from competitions.models import Competition

    return {"pk": Competition.objects.get(title=CONTEST).pk}


def _demo_county_round(scene: Scene) -> dict:
    from competitions.models import Round

    return {"pk": Round.objects.get(competition_id=_demo_contest(scene)["pk"], tier="county").pk}


URL_KWARGS: dict[str, Callable[[Scene], dict]] = {
    "learn:exam": lambda scene: {"pk": _final_exam(scene).pk},
    "learn:attempt": _open_attempt,
    "learn:attempt_review": _open_attempt,
    "learn:attempt_result": lambda scene: {"pk": _demo_attempt(scene).pk},
    "coordinator:cohort_exam_list": _cohort,
    "coordinator:exam_window": _exam,
    "coordinator:exam_marking": _exam,
    "coordinator:exam_gradebook": _exam,
    "coordinator:exam_gradebook_export": lambda scene: {**_exam(scene), "fmt": "csv"},
    "coordinator:exam_attempt": lambda scene: {**_exam(scene), "attempt_pk": _demo_attempt(scene).pk},
    "coordinator:exam_exception": lambda scene: {**_exam(scene), "enrollment_pk": scene.enrollment.pk},
    "coordinator:exam_room_open": lambda scene: {**_cohort(scene), "session_pk": scene.session.pk},
    "coordinator:exam_room": _room,
    "coordinator:exam_room_projector": _room,
    "coordinator:exam_room_paper": lambda scene: {**_room(scene), "enrollment_pk": scene.completed.pk},
    "exams:analysis": lambda scene: {"pk": _final_exam(scene).pk},
    "exams:analysis_export": lambda scene: {"pk": _final_exam(scene).pk},
    "exams:bank_analysis": _first_bank,
    "exams:bank_analysis_export": _first_bank,
    "exams:bank_upload": _first_bank,
    "exams:bank_export": _first_bank,
    "catalogue:detail": _course,
    "catalogue:preview": _course,
    "learn:join_code": lambda scene: {"code": scene.cohort.join_code},
    "learn:player": _course,
    "learn:lesson": lambda scene: {**_course(scene), "lesson_id": scene.lesson.pk},
    "learn:quiz": lambda scene: {**_course(scene), "quiz_id": scene.quiz.pk},
    "learn:quiz_result": lambda scene: {**_course(scene), "quiz_id": scene.quiz.pk, "number": 1},
    "certificates:verify": lambda scene: {"code": scene.certificate.verification_code},
    "certificates:download": lambda scene: {"code": scene.certificate.verification_code},
    "reminders:unsubscribe": lambda scene: {
        "token": unsubscribe_token(user_id=scene.learner.pk, channel="email")
    },
    "account_confirm_email": lambda scene: {"key": EmailConfirmationHMAC(scene.unconfirmed).key},
    "account_reset_password_from_key": _reset_key,
    "coordinator:cohort_detail": _cohort,
    "coordinator:cohort_edit": _cohort,
    "coordinator:cohort_qr": _cohort,
    "coordinator:cohort_poster": _cohort,
    "coordinator:roster": _cohort,
    "coordinator:roster_bulk": _cohort,
    "coordinator:roster_export": lambda scene: {**_cohort(scene), "fmt": "csv"},
    "coordinator:cohort_certificates": _cohort,
    "coordinator:import_upload": _cohort,
    "coordinator:import_job": lambda scene: {**_cohort(scene), "job_pk": scene.job.pk},
    "coordinator:import_report": lambda scene: {**_cohort(scene), "job_pk": scene.job.pk},
    "coordinator:session_list": _cohort,
    "coordinator:session_create": _cohort,
    "coordinator:roll_call": lambda scene: {**_cohort(scene), "session_pk": scene.session.pk},
    "coordinator:announcement_list": _cohort,
    "coordinator:placement_list": _cohort,
    "coordinator:placement_record": lambda scene: {**_cohort(scene), "enrollment_pk": scene.completed.pk},
    "coordinator:county_placements": lambda scene: {"code": scene.cohort.county_id},
    "coordinator:county_placements_export": lambda scene: {"code": scene.cohort.county_id, "fmt": "csv"},
    "figures:export": lambda scene: {"table": "areas", "fmt": "csv"},
    "practice:item_set": lambda scene: {"pk": _demo_item_set(scene).pk},
    "practice:run": lambda scene: _practice_run(scene, submitted=False),
    "practice:run_result": lambda scene: _practice_run(scene, submitted=True),
    "practice:assignment": lambda scene: {"pk": _demo_assignment(scene).pk},
    "practice:cohort_results": _cohort,
    "practice:marking_queue": _cohort,
    "practice:submission_mark": _practice_submission,
    "practice:studio_set": lambda scene: {"pk": _demo_item_set(scene).pk},
    "practice:studio_assignment": lambda scene: {"pk": _demo_assignment(scene).pk},
    "jobs:post_detail": lambda scene: {"pk": _demo_post(scene).pk},
    "jobs:apply": lambda scene: {"pk": _demo_post(scene).pk},
    "jobs:application_revoke": _application,
    "jobs:post_edit": _draft_post,
    "jobs:post_applicants": lambda scene: {"pk": _demo_post(scene).pk},
    "jobs:application_detail": _application,
    "jobs:staff_employer": lambda scene: {"pk": _demo_post(scene).employer_id},
    "jobs:staff_post": lambda scene: {"pk": _demo_post(scene).pk},
    "jobs:fair_detail": lambda scene: {"pk": _demo_fair(scene).pk},
    "jobs:fair_edit": lambda scene: {"pk": _demo_fair(scene).pk},
    "competitions:detail": _demo_contest,
    "competitions:scoreboard": _demo_county_round,
    "competitions:manage_competition": _demo_contest,
    "competitions:round_create": _demo_contest,
    "competitions:manage_round": _demo_county_round,
    "competitions:round_edit": _demo_county_round,
    "officers:survey_respond": _demo_survey,
    "officers:county_responses": lambda scene: {"code": scene.cohort.county_id},
    "officers:county_responses_export": lambda scene: {"code": scene.cohort.county_id},
    "officers:survey_edit": _demo_survey,
    "officers:county_visits": lambda scene: {"code": scene.cohort.county_id},
    "officers:visit_create": lambda scene: {"code": scene.cohort.county_id},
    "officers:visit_edit": _demo_visit,
    "officers:visit_delete": _demo_visit,
    "projects:county_projects": lambda scene: {"code": scene.cohort.county_id},
    "projects:project_create": lambda scene: {"code": scene.cohort.county_id},
    "projects:project_detail": _demo_project,
    "projects:project_edit": _demo_project,
    "projects:milestone_add": _demo_project,
    "projects:update_add": _demo_project,
    "projects:indicator_add": _demo_project,
    "projects:period_add": _demo_indicator,
    "projects:handover": _demo_project,
    "projects:term_report": _demo_term,
    "studio:outline": lambda scene: {"pk": scene.cohort.course_id},
    "studio:lesson": _studio_lesson,
    "studio:review": _studio_submitted,
    "studio:question_edit": _studio_question,
}

# Each page and who opens it: None (a visitor), "learner", "coordinator", "staff" or "employer".
PAGES: dict[str, str | None] = {
    "home": None,
    "privacy": None,
    "counties:picker": None,
    "catalogue:catalogue": None,
    "catalogue:detail": None,
    "certificates:verify_form": None,
    "certificates:verify": None,
    "reminders:unsubscribe": None,
    "account_login": None,
    "account_signup": None,
    "account_reset_password": None,
    "account_reset_password_done": None,
    "account_reset_password_from_key": None,
    "account_reset_password_from_key_done": None,
    "account_email_verification_sent": None,
    "account_confirm_email": None,
    "account_inactive": None,
    "account_request_login_code": None,
    "learn:dashboard": "learner",
    "learn:join": "learner",
    "learn:join_code": "learner",
    "learn:player": "learner",
    "learn:lesson": "learner",
    "learn:quiz": "learner",
    "learn:quiz_result": "learner",
    "learn:exams": "learner",
    "learn:exam": "learner",
    "learn:exam_room": "learner",
    "learn:attempt": "learner",
    "learn:attempt_review": "learner",
    "learn:attempt_result": "learner",
    "learn:calendar": "learner",
    "privacy:profile": "learner",
    "privacy:data_export": "learner",
    "privacy:delete": "learner",
    "certificates:download": "learner",
    "account_logout": "learner",
    "account_email": "learner",
    "account_change_password": "learner",
    "account_reauthenticate": "learner",
    "account_change_phone": "learner",
    "mfa_index": "learner",
    "mfa_activate_totp": "learner",
    "mfa_reauthenticate": "learner",
    "mfa_generate_recovery_codes": "learner",
    "coordinator:coordinator_home": "coordinator",
    "coordinator:cohort_list": "coordinator",
    "coordinator:cohort_create": "coordinator",
    "coordinator:cohort_detail": "coordinator",
    "coordinator:cohort_edit": "coordinator",
    "coordinator:cohort_qr": "coordinator",
    "coordinator:cohort_poster": "coordinator",
    "coordinator:roster": "coordinator",
    "coordinator:roster_export": "coordinator",
    "coordinator:cohort_certificates": "coordinator",
    "coordinator:import_upload": "coordinator",
    "coordinator:import_job": "coordinator",
    "coordinator:import_report": "coordinator",
    "coordinator:session_list": "coordinator",
    "coordinator:session_create": "coordinator",
    "coordinator:roll_call": "coordinator",
    "coordinator:announcement_list": "coordinator",
    "coordinator:placement_list": "coordinator",
    "coordinator:placement_record": "coordinator",
    "coordinator:county_placements": "coordinator",
    "coordinator:county_placements_export": "coordinator",
    "figures:dashboard": "staff",
    "figures:export": "staff",
    "catalogue:preview": "staff",
    "exams:template": "staff",
    "exams:exam_list": "staff",
    "exams:analysis": "staff",
    "exams:analysis_export": "staff",
    "exams:bank_analysis": "staff",
    "exams:bank_analysis_export": "staff",
    "exams:bank_upload": "staff",
    "exams:bank_export": "staff",
    "coordinator:cohort_exam_list": "coordinator",
    "coordinator:exam_window": "coordinator",
    "coordinator:exam_marking": "coordinator",
    "coordinator:exam_gradebook": "coordinator",
    "coordinator:exam_gradebook_export": "coordinator",
    "coordinator:exam_attempt": "coordinator",
    "coordinator:exam_exception": "coordinator",
    "coordinator:exam_room_open": "coordinator",
    "coordinator:exam_room": "coordinator",
    "coordinator:exam_room_projector": "coordinator",
    "coordinator:exam_room_paper": "coordinator",
    "practice:item_set": "learner",
    "practice:run": "learner",
    "practice:run_result": "learner",
    "practice:assignment": "learner",
    "practice:cohort_results": "coordinator",
    "practice:marking_queue": "coordinator",
    "practice:submission_mark": "coordinator",
    "practice:studio": "staff",
    "practice:studio_create": "staff",
    "practice:studio_set": "staff",
    "practice:studio_assignments": "staff",
    "practice:studio_assignment_create": "staff",
    "practice:studio_assignment": "staff",
    "jobs:board": "learner",
    "jobs:post_detail": "learner",
    "jobs:apply": "learner",
    "jobs:my_applications": "learner",
    "jobs:application_revoke": "learner",
    "jobs:employer_signup": "learner",
    "jobs:employer_home": "employer",
    "jobs:employer_members": "employer",
    "jobs:post_create": "employer",
    "jobs:post_edit": "employer",
    "jobs:post_applicants": "employer",
    "jobs:application_detail": "employer",
    "jobs:certificate_check": "employer",
    "jobs:staff_employers": "staff",
    "jobs:staff_employer": "staff",
    "jobs:staff_posts": "staff",
    "jobs:staff_post": "staff",
    "jobs:talent_profile": "learner",
    "jobs:talent_search": "employer",
    "jobs:contact_requests": "employer",
    "jobs:fairs": "learner",
    "jobs:fair_detail": "learner",
    "jobs:fair_manage_list": "coordinator",
    "jobs:fair_create": "coordinator",
    "jobs:fair_edit": "coordinator",
    "competitions:list": None,
    "competitions:scoreboard": None,
    "competitions:detail": "learner",
    "competitions:mine": "learner",
    "competitions:manage_list": "coordinator",
    "competitions:manage_create": "coordinator",
    # The demo contest is provincial: staff manage it.
    "competitions:manage_competition": "staff",
    "competitions:round_create": "staff",
    "competitions:manage_round": "staff",
    "competitions:round_edit": "staff",
    # The demo officer's pages, opened by staff (who see every county's).
    "officers:workspace": "staff",
    "officers:survey_respond": "staff",
    "officers:county_responses": "staff",
    "officers:county_responses_export": "staff",
    "officers:survey_list": "staff",
    "officers:survey_create": "staff",
    "officers:survey_edit": "staff",
    "officers:county_visits": "staff",
    "officers:visit_create": "staff",
    "officers:visit_edit": "staff",
    "officers:visit_delete": "staff",
    # The demo officer's projects and term report, opened by staff (who see every county's).
    "projects:home": "staff",
    "projects:county_projects": "staff",
    "projects:project_create": "staff",
    "projects:project_detail": "staff",
    "projects:project_edit": "staff",
    "projects:milestone_add": "staff",
    "projects:update_add": "staff",
    "projects:indicator_add": "staff",
    "projects:period_add": "staff",
    "projects:handover": "staff",
    "projects:term_report": "staff",
    # The authoring studio, opened by staff (a superuser: every track).
    "studio:home": "staff",
    "studio:course_create": "staff",
    "studio:course_import": "staff",
    "studio:outline": "staff",
    "studio:lesson": "staff",
    "studio:review_queue": "staff",
    "studio:review": "staff",
    "studio:question_edit": "staff",
}

# Named URLs that are no page of their own.
NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "accounts:welcome": "needs a learner's signed link (tests/accounts/test_phone_invitation.py)",
    "set_language": "switches the language and redirects",
    "counties:search": "JSON for the county type-ahead",
    "account_set_password": "for accounts without a password (none here); redirects",
    "account_confirm_login_code": "needs a code sent (tests/accounts/test_phone_login.py); else redirects",
    "account_verify_phone": "needs a code sent (tests/accounts/test_phone_signup.py); else redirects",
    "mfa_authenticate": "the sign-in step after the password (tests/accounts/test_mfa.py); else redirects",
    "mfa_download_recovery_codes": "a text file of the recovery codes, not a page",
    "mfa_deactivate_totp": "only with an authenticator app (404 otherwise; tests/accounts/test_mfa.py)",
    "mfa_view_recovery_codes": "only with recovery codes set up (404 otherwise; tests/accounts/test_mfa.py)",
    "coordinator:cohort_join_code_regenerate": "POST only",
    "coordinator:cohort_open": "POST only",
    "coordinator:roster_bulk": "POST only (its errors: FORMS)",
    "coordinator:cohort_certificates_issue": "POST only",
    "coordinator:enrollment_approve": "POST only",
    "coordinator:enrollment_decline": "POST only",
    "coordinator:enrollment_withdraw": "POST only",
    "coordinator:import_commit": "POST only",
    "learn:enrol": "POST only",
    "learn:withdraw": "POST only",
    "learn:lesson_complete": "POST only",
    "learn:calendar_feed_renew": "POST only",
    "learn:calendar_feed": "an iCal feed for the phone's calendar, not a page (tests/learn/test_calendar.py)",
    "learn:service_worker": "the service worker's JavaScript (tests/learn/test_offline.py)",
    "learn:manifest": "the web app manifest, JSON (tests/learn/test_offline.py)",
    "learn:offline_bundle": "JSON: what a phone saves of a course (tests/learn/test_offline.py)",
    "learn:exam_start": "POST only",
    "learn:attempt_submit": "POST only",
    "learn:attempt_save": "JSON for the paper's autosave (POST only)",
    "figures:refresh": "POST only",
    "exams:import_commit": "POST only",
    "exams:import_report": "needs an uploaded spreadsheet (tests/exams checks it in Chinese)",
    "exams:results_release": "POST only",
    "coordinator:exam_marking_answer": "POST only",
    "coordinator:exam_room_pause": "POST only",
    "coordinator:exam_room_resume": "POST only",
    "coordinator:exam_room_close": "POST only",
    "coordinator:exam_room_release": "POST only (needs an attempt on a phone in a room): tests/coordinator",
    "practice:run_start": "POST only",
    "practice:submission_image": "returns a photo, not a page (scope: tests/practice)",
    "officers:response_photo": "returns a photo, not a page (scope: tests/officers)",
    "officers:service_worker": "the officers' service worker's JavaScript (tests/officers/test_offline.py)",
    "officers:offline_bundle": "JSON: what a phone keeps of the officer's pages (tests/officers)",
    "projects:update_photo": "returns a photo, not a page (scope: tests/projects)",
    "projects:term_report_pdf": "a PDF, not a page (tests/projects reads its Chinese text)",
    "projects:milestone_mark": "POST only",
    "projects:successor_remove": "POST only (its error: a message on the handover page)",
    "projects:checklist_mark": "POST only",
    "jobs:post_submit": "POST only",
    "jobs:employer_member_remove": "POST only",
    "jobs:invitation_answer": "POST only (the invitation is shown on the job board and My applications)",
    "jobs:post_close": "POST only",
    "jobs:application_move": "POST only (its errors: a message on the application page)",
    "jobs:contact_answer": "POST only",
    "jobs:contact_request": "POST only",
    "competitions:scoreboard_json": "JSON for the scoreboard's refresh script",
    "competitions:register": "POST only (its refusals: a message on the competition's page)",
    "competitions:invite": "POST only (its refusals: a message on the competition's page)",
    "competitions:invitation_answer": "POST only (the invitation is shown on My competitions)",
    "competitions:invitation_withdraw": "POST only (its button is on the competition's page for the captain)",
    "competitions:captain_take_over": "POST only (its button is on the page of a team without captain)",
    "competitions:round_task_start": "POST only (its button is on the competition's page after an early run)",
    "competitions:round_compute": "POST only",
    "competitions:round_advance": "POST only",
    "competitions:round_reveal": "POST only",
    "competitions:round_adjust": "POST only",
    "competitions:appeal": "POST only (its form is on My competitions once a round ends)",
    "competitions:appeal_resolve": "POST only (its form is on the round's page for its managers)",
    "competitions:round_judge_add": "POST only",
    "competitions:round_judge_remove": "POST only (its button is on the round's page, by each judge)",
    "competitions:round_judging_assign": "POST only",
    "competitions:round_awards": "POST only",
    "competitions:award_verify": "needs an award rendered after commit (tests/competitions/test_awards)",
    "competitions:award_download": "returns a PDF, not a page (scope: tests/competitions/test_awards)",
    "competitions:judge_queue": "a judge's page; the demo has no judge (tests/competitions/test_judging)",
    "competitions:judge_mark": "a judge's page; the demo has no judge (tests/competitions/test_judging)",
    "studio:export": "a JSON download, not a page (tests/studio/test_import_export.py)",
    "studio:export_zip": "a zip download, not a page (tests/studio/test_import_export.py)",
    "studio:revision_open": "POST only",
    "studio:outline_change": "POST only (its errors: a message on the outline)",
    "studio:question_add": "POST only (its errors: a message on the outline)",
    "studio:course_details": "POST only (its errors: a message on the outline)",
    "studio:lesson_media": "POST only (a refused file: a message on the lesson page)",
    "studio:submit": "POST only (its problems: listed on the outline)",
    "studio:send_back": "POST only",
    "studio:publish": "POST only",
}


def named_urls() -> set[str]:
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                if inner == "admin":
                    continue
                yield from walk(
                    pattern.url_patterns,
                    f"{namespace}:{inner}" if namespace and inner else inner or namespace,
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_named_url_is_rendered_here_or_said_to_be_no_page():
    known = set(PAGES) | set(NOT_PAGES)
    assert named_urls() - known == set(), "add the new URLs to PAGES (or NOT_PAGES, with why)"
    assert known - named_urls() == set(), "these URLs are gone: remove them here"


def open_page(scene: Scene, name: str):
    return scene.browser(PAGES[name]).get(reverse(name, kwargs=scene.kwargs(name)), follow=True)


def _problem(response) -> str | None:
    """What is wrong with a page opened in Chinese: a server error, a dead end, or English."""
    if response.status_code != 200:
        return f"answered {response.status_code} (after {response.redirect_chain})"
    english = english_in(response)
    return f"English: {english}" if english else None


def test_every_page_answers_in_chinese(scene):
    # One scene for every page (the demo data takes a while); every failure is reported at once.
    problems = {name: _problem(open_page(scene, name)) for name in sorted(PAGES)}
    problems = {name: problem for name, problem in problems.items() if problem}
    assert not problems, "\n".join(f"{name}: {problem}" for name, problem in problems.items())


def test_the_check_finds_english_on_a_page(scene, settings):
    """The check above fails on an untranslated page: the same page, in English, is caught."""
    browser = chinese_browser(scene.learner)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Save" in english_in(browser.get(reverse("privacy:profile")))


# Forms sent empty or wrong, as a hurried user does: the errors are in Chinese too.
FORMS: list[tuple[str, str | None, dict]] = [
    ("account_signup", None, {"email": "not-an-address", "password1": "abc", "password2": "abd"}),
    ("account_login", None, {"login": "learner@example.com", "password": "wrong"}),
    ("account_signup", None, {"phone": "12345", "email": ""}),
    ("account_request_login_code", None, {"phone": "12345"}),
    ("account_reset_password", None, {"email": "not-an-address"}),
    ("account_change_password", "learner", {"oldpassword": "wrong", "password1": "1", "password2": "2"}),
    ("privacy:profile", "learner", {"name": "", "mobile": "123"}),
    ("privacy:delete", "learner", {"password": "wrong"}),
    ("learn:quiz", "learner", {}),
    ("coordinator:cohort_create", "coordinator", {"start_date": "2026-13-40"}),
    ("coordinator:cohort_edit", "coordinator", {"name": "", "capacity": "-1"}),
    ("coordinator:session_create", "coordinator", {"date": "tomorrow"}),
    ("coordinator:import_upload", "coordinator", {}),
    ("coordinator:roster_bulk", "coordinator", {}),
    ("coordinator:announcement_list", "coordinator", {"title": "", "body": ""}),
    ("coordinator:placement_record", "coordinator", {"outcome": "", "outcome_date": "yesterday"}),
    ("learn:exam_room", "learner", {"code": "12"}),
    ("coordinator:exam_window", "coordinator", {"opens_on": "tomorrow", "closes_on": "2020-01-01"}),
    ("coordinator:exam_exception", "coordinator", {"extra_minutes": "-1", "reason": ""}),
    ("coordinator:exam_room_paper", "coordinator", {"score": "12", "max_score": "10"}),
    ("exams:bank_upload", "staff", {}),
    (
        "jobs:employer_signup",
        "learner",
        {"name": "", "credit_code": "91350100M000100Y44", "county": "nowhere"},
    ),
    ("jobs:post_create", "employer", {"title": "", "pay_min": "5", "pay_max": "1", "deadline": "2020-01-01"}),
    ("jobs:staff_employer", "staff", {"decision": "reject"}),
    (
        "officers:survey_create",
        "staff",
        {"title": "", "questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0"},
    ),
    ("officers:visit_create", "staff", {"visited_on": "tomorrow", "minutes_spent": "0"}),
    ("projects:project_create", "staff", {"title": "", "start_date": "2026-12-01", "end_date": "2026-01-01"}),
    ("projects:handover", "staff", {"action": "successor", "successor-contact": "nobody@example.com"}),
]


def test_form_errors_answer_in_chinese(scene):
    problems = {}
    for name, role, data in FORMS:
        response = scene.browser(role).post(reverse(name, kwargs=scene.kwargs(name)), data, follow=True)
        if problem := _problem(response):
            problems[name] = problem
    assert not problems, "\n".join(f"{name}: {problem}" for name, problem in problems.items())


def test_wrong_codes_answer_in_chinese(scene):
    for name, query in [("learn:join", {"code": "NOPE"}), ("certificates:verify_form", {"code": "a/b"})]:
        response = chinese_browser(scene.learner).get(reverse(name), query, follow=True)
        assert response.status_code < 500, name
        assert english_in(response) == [], name
