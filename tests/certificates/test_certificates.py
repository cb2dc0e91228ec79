"""Certificates: rendered once, verifiable, downloadable by the right people, revocable."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp
from django.core.management import call_command
from django.utils import timezone

from certificates import services as certificates
from certificates.models import Certificate
from certificates.tasks import issue_certificate
from courses.models import Lesson
from enrollment import services
from enrollment.models import Enrollment
from reminders.models import ReminderLog
from tests import factories
from tests.browser.conftest import ARTIFACT_DIR


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def complete(learner, course) -> Enrollment:
    enrollment = services.enrollment_create(learner=learner, course=course)
    for lesson in Lesson.objects.filter(module__course=course):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    return enrollment


@pytest.fixture
def course(db):
    return factories.course_with_lessons(
        lessons=1, final_quiz=False, title="农村电商运营", estimated_hours=24
    )


@pytest.fixture
def named_learner(county):
    return factories.LearnerProfileFactory(county=county, user__name="张小明").user


def pdf_text_and_image(data: bytes):
    document = pypdfium2.PdfDocument(data)
    page = document[0]
    text = page.get_textpage().get_text_range()
    image = page.render(scale=2).to_pil()
    return text, image, page.get_size()


def test_completion_issues_a_pdf_with_chinese_name_code_and_qr(
    named_learner, course, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete(named_learner, course)
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.file.name == f"certificates/{certificate.verification_code}.pdf"

    data = certificate.file.read()
    text, image, (width, height) = pdf_text_and_image(data)
    assert width > height  # A4 landscape
    assert "张小明" in text
    assert certificate.verification_code in text
    assert "农村电商运营" in text
    assert "浙江省 杭州市 桐庐县" in text
    [barcode] = zxingcpp.read_barcodes(image)
    assert barcode.text == f"https://portal.example.cn/certificates/verify/{certificate.verification_code}/"
    ARTIFACT_DIR.mkdir(exist_ok=True)
    image.save(ARTIFACT_DIR / "certificate.png")
    (ARTIFACT_DIR / "certificate.pdf").write_bytes(data)


def test_pdf_embeds_the_font_it_uses(named_learner, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete(named_learner, course)
    data = enrollment.certificate.file.read()
    assert b"/FontFile2" in data  # the TrueType subset travels inside the PDF
    assert len(data) < 200_000


def test_issuing_twice_makes_one_file_and_one_ready_message(
    named_learner, course, django_capture_on_commit_callbacks, mailoutbox, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete(named_learner, course)
    certificate = enrollment.certificate
    with django_capture_on_commit_callbacks(execute=True):
        assert certificates.certificate_issue(certificate_id=certificate.pk) is False
    files = list((settings.MEDIA_ROOT / "certificates").iterdir())
    assert len(files) == 1
    assert ReminderLog.objects.filter(kind=ReminderLog.Kind.CERTIFICATE_READY).count() == 1
    assert len([m for m in mailoutbox if "农村电商运营" in m.subject]) == 1


def test_a_failing_render_is_retried_then_marked_failed(named_learner, course, monkeypatch):
    def broken(content):
        raise RuntimeError("font missing")

    monkeypatch.setattr(certificates, "certificate_render_pdf", broken)
    certificate = complete(named_learner, course).certificate

    issued, error = certificates.certificate_issue_attempt(certificate_id=certificate.pk, final=False)
    certificate.refresh_from_db()
    assert (issued, type(error), certificate.status, certificate.attempts) == (
        False,
        RuntimeError,
        "pending",
        1,
    )

    # The last delivery the task allows gives up and leaves the certificate for staff.
    issue_certificate.apply(args=[certificate.pk], retries=issue_certificate.max_retries)
    certificate.refresh_from_db()
    assert (certificate.status, certificate.attempts) == (Certificate.Status.FAILED, 2)
    assert "font missing" in certificate.last_error
    assert issue_certificate.max_retries == 5


def test_sweep_queues_certificates_left_pending(named_learner, course, django_capture_on_commit_callbacks):
    enrollment = complete(named_learner, course)  # on-commit callbacks dropped: the "broker was down"
    certificate = enrollment.certificate
    assert certificate.status == Certificate.Status.PENDING
    assert certificates.certificates_left_pending() == []  # not yet overdue
    Certificate.objects.filter(pk=certificate.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_certificates", stdout=io.StringIO())
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED


@pytest.mark.parametrize(
    ("name", "masked"), [("张小明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("Li", "L*"), ("", "")]
)
def test_names_are_masked(name, masked):
    assert certificates.mask_name(name) == masked


@pytest.fixture
def issued(named_learner, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete(named_learner, course)
    return enrollment.certificate


def test_verification_page_shows_a_valid_certificate_with_masked_name(client, issued):
    response = client.get(f"/certificates/verify/{issued.verification_code}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "该证书真实有效。" in content
    assert "张*明" in content
    assert "张小明" not in content
    assert "农村电商运营" in content


def test_verification_form_redirects_to_the_code(client, issued):
    response = client.get("/certificates/verify/", {"code": issued.verification_code.lower()})
    assert response.url == f"/certificates/verify/{issued.verification_code}/"


def test_revoked_certificate_says_so(client, issued):
    certificates.certificate_revoke(certificate=issued, reason="考试作弊")
    content = client.get(f"/certificates/verify/{issued.verification_code}/").content.decode()
    assert "该证书已被撤销。" in content


def test_unknown_code_is_404_and_says_nothing_more(client, db):
    first = client.get("/certificates/verify/AAAAAAAAAAAAA/")
    second = client.get("/certificates/verify/BBBBBBBBBBBBB/")
    assert first.status_code == second.status_code == 404

    def page(response, code):
        # The same page whatever the code, apart from the code itself and the per-request CSRF token.
        return re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode().replace(code, "X")
        )

    assert page(first, "AAAAAAAAAAAAA") == page(second, "BBBBBBBBBBBBB")


def test_pending_certificate_is_not_yet_verifiable(client, named_learner, course):
    enrollment = complete(named_learner, course)
    assert client.get(f"/certificates/verify/{enrollment.certificate.verification_code}/").status_code == 404


def test_verification_is_rate_limited(client, db, settings):
    settings.VERIFY_RATE_LIMIT = "3/m"
    statuses = [client.get(f"/certificates/verify/CODE{i}/").status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_learner_downloads_their_certificate(client, named_learner, issued):
    client.force_login(named_learner)
    response = client.get(f"/certificates/{issued.verification_code}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_download_is_for_the_learner_their_coordinator_and_staff_only(client, issued, county, other_county):
    url = f"/certificates/{issued.verification_code}/pdf/"
    assert client.get(url).status_code == 302
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(factories.CoordinatorAssignmentFactory(county=other_county).coordinator)
    assert client.get(url).status_code == 404
    client.force_login(factories.CoordinatorAssignmentFactory(county=county).coordinator)
    assert client.get(url).status_code == 200
    client.force_login(factories.StaffFactory())
    assert client.get(url).status_code == 200


def test_revoking_needs_a_reason_and_is_idempotent(issued):
    with pytest.raises(ValueError):
        certificates.certificate_revoke(certificate=issued, reason=" ")
    certificates.certificate_revoke(certificate=issued, reason="信息有误")
    first = issued.revoked_at
    certificates.certificate_revoke(certificate=issued, reason="再次")
    assert (issued.status, issued.revoked_at, issued.revoked_reason) == ("revoked", first, "信息有误")


def test_coordinator_issues_a_cohorts_pending_certificates_with_progress(
    client, county, django_capture_on_commit_callbacks
):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(course=course, county=county)
    for _ in range(3):
        learner = factories.LearnerProfileFactory(county=county).user
        enrollment = services.cohort_join(learner=learner, cohort=cohort)
        services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=course))
    Certificate.objects.filter(pk=Certificate.objects.first().pk).update(status=Certificate.Status.FAILED)
    coordinator = factories.CoordinatorAssignmentFactory(county=county).coordinator
    client.force_login(coordinator)

    page = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/certificates/")
    assert page.context["counts"]["pending"] == 2
    assert page.context["counts"]["failed"] == 1
    assert '<meta http-equiv="refresh"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/counties/coordinator/cohorts/{cohort.pk}/certificates/issue/")
    assert response.status_code == 302
    page = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/certificates/")
    assert page.context["counts"]["issued"] == 3
    assert page.context["done_percent"] == 100
    assert '<meta http-equiv="refresh"' not in page.content.decode()


def test_staff_revoke_certificates_in_the_admin_with_a_reason(client, issued):
    client.force_login(factories.StaffFactory())
    url = "/admin/certificates/certificate/"
    ask = client.post(url, {"action": "revoke_certificates", "_selected_action": [issued.pk]})
    assert ask.status_code == 200
    assert issued.verification_code in ask.content.decode()
    issued.refresh_from_db()
    assert issued.status == Certificate.Status.ISSUED  # nothing happens before the reason is given

    client.post(
        url,
        {
            "action": "revoke_certificates",
            "_selected_action": [issued.pk],
            "apply": "1",
            "reason": "冒名顶替",
        },
    )
    issued.refresh_from_db()
    assert (issued.status, issued.revoked_reason) == (Certificate.Status.REVOKED, "冒名顶替")
