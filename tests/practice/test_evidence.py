"""The evidence an employer reads: a learner's best result per exercise as one line, in Chinese
“图像分类 准确率 96 %，每分钟 14 条” (here in English, the catalogue being compiled separately)."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from practice.models import Run
from practice.selectors import enrollment_results, learner_results

from .conftest import make_set


def _run(enrollment, item_set, score, speed):
    return Run.objects.create(
        enrollment=enrollment,
        item_set=item_set,
        submitted_at=timezone.now(),
        score=score,
        items_per_minute=speed,
        passed=score >= item_set.min_score,
    )


def test_the_best_run_per_exercise_becomes_one_line(enrollment, course, django_assert_num_queries):
    images = make_set(course, task="image_class")
    boxes = make_set(course, task="bbox", labels=["车辆"], mode="job")
    _run(enrollment, images, 80, 10.0)
    _run(enrollment, images, 96, 14.0)
    _run(enrollment, boxes, 70, 3.5)
    with translation.override("en"), django_assert_num_queries(1):
        lines = enrollment_results(enrollment_id=enrollment.pk)
    assert sorted(lines) == [
        "Bounding boxes F1 70 %, 3.5 per minute (job quality, on hidden gold items)",
        "Image classification accuracy 96 %, 14 per minute (best of 2 tries)",
    ]
    with translation.override("en"), django_assert_num_queries(2):
        results = learner_results(user=enrollment.learner)
    html = render_to_string("practice/_results.html", {"practice_results": results})
    assert "Image classification accuracy 96 %, 14 per minute" in html and 'id="practice-results"' in html


def test_the_certificates_verification_page_lists_the_practice_results_while_valid(
    client, enrollment, course
):
    images = make_set(course, task="image_class")
    _run(enrollment, images, 96, 14.0)
    certificate = Certificate.objects.create(
        enrollment=enrollment, status=Certificate.Status.ISSUED, issued_at=timezone.now()
    )
    url = reverse("certificates:verify", args=[certificate.verification_code])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="practice-results"' in page
    assert "Image classification accuracy 96 %, 14 per minute" in page
    certificate.status, certificate.revoked_at = Certificate.Status.REVOKED, timezone.now()
    certificate.save()
    assert 'id="practice-results"' not in client.get(url).content.decode()


def test_a_job_counts_its_first_hand_in_and_a_run_with_nothing_graded_counts_for_nothing(enrollment, course):
    job = make_set(course, task="bbox", labels=["车辆"], mode="job")
    first = _run(enrollment, job, 40, 3.0)
    later = _run(enrollment, job, 90, 3.0)  # one made before the rule (or by hand): not evidence
    later.submitted_at = first.submitted_at + datetime.timedelta(minutes=5)
    later.save()
    images = make_set(course, task="image_class")
    Run.objects.create(enrollment=enrollment, item_set=images, submitted_at=timezone.now(), score=None)
    with translation.override("en"):
        lines = enrollment_results(enrollment_id=enrollment.pk)
    assert lines == ["Bounding boxes F1 40 %, 3 per minute (job quality, on hidden gold items)"]
