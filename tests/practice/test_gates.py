"""The gates registry: an app above practice registers a gate, and every learner's practice
page that opens or starts a task asks it first (the exercise, starting a run, a run's pages
and result, an assignment); a refusal is the gate's own 403 page, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practice import gates
from practice.models import Assignment, Run

from .conftest import english_client


@pytest.fixture
def asked(monkeypatch):
    """A gate that refuses what is in ``closed`` and records what it was asked."""
    calls: list[tuple] = []
    closed: set = set()

    def gate(user, task, now, review):
        calls.append((user.pk, type(task).__name__, task.pk))
        if (type(task).__name__, task.pk) in closed:
            return gates.Refusal(message="留给比赛", template="403.html", link_url="/", link_label="比赛")
        return None

    monkeypatch.setattr(gates, "_GATES", {})
    gates.register("test", gate)
    assert gates.is_registered("test")
    return calls, closed


def test_every_page_that_opens_an_exercise_asks_the_gates(asked, learner_client, class_set, enrollment):
    calls, closed = asked
    learner = enrollment.learner
    assert learner_client.get(reverse("practice:item_set", args=[class_set.pk])).status_code == 200
    started = learner_client.post(reverse("practice:run_start", args=[class_set.pk]))
    run = Run.objects.get()
    assert started.url == reverse("practice:run", args=[run.pk])
    assert learner_client.get(started.url).status_code == 200
    assert calls == [(learner.pk, "ItemSet", class_set.pk)] * 3

    closed.add(("ItemSet", class_set.pk))
    for response in (
        learner_client.get(reverse("practice:item_set", args=[class_set.pk])),
        learner_client.post(reverse("practice:run_start", args=[class_set.pk])),
        learner_client.get(reverse("practice:run", args=[run.pk])),
        learner_client.post(reverse("practice:run", args=[run.pk]), {"page": 1, "submit": "1"}),
        learner_client.get(reverse("practice:run_result", args=[run.pk])),
    ):
        assert response.status_code == 403
    run.refresh_from_db()
    assert run.submitted_at is None  # the refused hand-in changed nothing
    assert Run.objects.count() == 1


def test_an_assignment_asks_the_gates(asked, learner_client, course, practice_lesson, enrollment):
    calls, closed = asked
    assignment = Assignment.objects.create(
        course=course, lesson=practice_lesson, title="商品详情", brief="写卖点。", criteria=[], published=True
    )
    url = reverse("practice:assignment", args=[assignment.pk])
    assert learner_client.get(url).status_code == 200
    closed.add(("Assignment", assignment.pk))
    refused = learner_client.post(url, {"text": "我的作业"})
    assert refused.status_code == 403
    assert not assignment.submissions.exists()
    assert calls[-1] == (enrollment.learner.pk, "Assignment", assignment.pk)


def test_without_gates_nothing_is_refused(monkeypatch, learner_client, class_set):
    monkeypatch.setattr(gates, "_GATES", {})
    assert gates.refusal(user=class_set.course.enrollments.get().learner, task=class_set) is None
    assert (
        english_client(class_set.course.enrollments.get().learner)
        .get(reverse("practice:item_set", args=[class_set.pk]))
        .status_code
        == 200
    )
