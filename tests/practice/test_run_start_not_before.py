"""``run_start(not_before=…)``: a run started earlier is neither resumed nor, for a job, a
reason to refuse (a competition round starts its task afresh); without it nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import ItemSet, Run
from practice.services import PracticeError, run_start


@pytest.fixture
def item_set(course):
    return ItemSet.objects.create(course=course, title="图像分类", task="image_class", published=True)


def _early_run(enrollment, item_set, *, minutes: int, submitted: bool = False) -> Run:
    run = Run.objects.create(enrollment=enrollment, item_set=item_set)
    started = timezone.now() - timedelta(minutes=minutes)
    Run.objects.filter(pk=run.pk).update(
        started_at=started, submitted_at=started + timedelta(minutes=1) if submitted else None
    )
    return run


def test_an_open_run_started_before_not_before_is_not_resumed(enrollment, item_set, learner_client):
    early = _early_run(enrollment, item_set, minutes=30)
    # The practice page resumes it, as before.
    response = learner_client.post(reverse("practice:run_start", args=[item_set.pk]))
    assert response.url == reverse("practice:run", args=[early.pk])
    fresh = run_start(
        enrollment=enrollment, item_set=item_set, not_before=timezone.now() - timedelta(minutes=5)
    )
    assert fresh.pk != early.pk
    again = run_start(
        enrollment=enrollment, item_set=item_set, not_before=timezone.now() - timedelta(minutes=5)
    )
    assert again.pk == fresh.pk


def test_a_job_handed_in_before_not_before_does_not_refuse(enrollment, item_set):
    ItemSet.objects.filter(pk=item_set.pk).update(mode=ItemSet.Mode.JOB)
    item_set.refresh_from_db()
    _early_run(enrollment, item_set, minutes=30, submitted=True)
    with pytest.raises(PracticeError) as refused:
        run_start(enrollment=enrollment, item_set=item_set)
    assert refused.value.code == "job_done"
    fresh = run_start(
        enrollment=enrollment, item_set=item_set, not_before=timezone.now() - timedelta(minutes=5)
    )
    assert fresh.submitted_at is None
    fresh.submitted_at = timezone.now()
    fresh.save(update_fields=["submitted_at"])
    with pytest.raises(PracticeError):
        run_start(enrollment=enrollment, item_set=item_set, not_before=timezone.now() - timedelta(minutes=5))
