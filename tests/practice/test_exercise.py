"""A learner labels an item set page by page, hands it in, sees the score, the review and the
confusion grid; passing completes the practice lesson."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import LessonProgress
from practice.models import Answer, ItemSet, Run
from tests import factories

from .conftest import add_items, make_set


def _start(client, item_set) -> Run:
    response = client.post(reverse("practice:run_start", args=[item_set.pk]))
    run = Run.objects.latest("pk")
    assert response.url == reverse("practice:run", args=[run.pk])
    return run


def test_classification_without_javascript_end_to_end(learner_client, class_set, enrollment):
    run = _start(learner_client, class_set)
    items = list(class_set.items.order_by("order"))
    page = learner_client.get(reverse("practice:run", args=[run.pk])).content.decode()
    assert f'type="radio" name="i{items[0].pk}" value="猫"' in page
    answers = {
        f"i{items[0].pk}": "猫",
        f"i{items[1].pk}": "狗",
        f"i{items[2].pk}": "狗",
        f"i{items[3].pk}": "狗",
    }
    response = learner_client.post(
        reverse("practice:run", args=[run.pk]), {"page": 1, "submit": "1", **answers}
    )
    assert response.url == reverse("practice:run_result", args=[run.pk])
    run.refresh_from_db()
    assert run.score == 75 and run.passed
    assert run.metrics["confusion"] == [["狗", "狗", 2], ["猫", "狗", 1], ["猫", "猫", 1]]
    result = learner_client.get(response.url).content.decode()
    assert 'id="practice-score"><strong>75%' in result
    assert f'id="review-{items[2].pk}"' in result and "wrong" in result
    assert '<table class="confusion">' in result
    # Passing (75 ≥ 75) completed the practice lesson through the enrolment's service.
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=class_set.lesson).exists()


def test_answers_are_kept_page_by_page(learner_client, course):
    item_set = make_set(course, task=ItemSet.Task.TEXT_CLASS, labels=["正面", "负面"])
    items = add_items(item_set, [{"labels": ["正面"]}] * 12, texts=[f"评论{i}" for i in range(12)])
    run = _start(learner_client, item_set)
    url = reverse("practice:run", args=[run.pk])
    response = learner_client.post(url, {"page": 1, "next": "1", f"i{items[0].pk}": "正面"})
    assert response.url == f"{url}?page=2"
    assert Answer.objects.get(run=run, item=items[0]).value == {"labels": ["正面"]}
    back = learner_client.get(f"{url}?page=1").content.decode()
    assert f'name="i{items[0].pk}" value="正面" checked' in back
    learner_client.post(url, {"page": 2, "submit": "1", f"i{items[11].pk}": "负面"})
    run.refresh_from_db()
    assert run.score == 8  # 1 of 12 right
    assert not run.passed


def test_a_failed_run_does_not_complete_the_lesson_and_a_retry_can(learner_client, class_set, enrollment):
    run = _start(learner_client, class_set)
    learner_client.post(reverse("practice:run", args=[run.pk]), {"page": 1, "submit": "1"})
    run.refresh_from_db()
    assert run.score == 0 and not run.passed
    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()
    second = _start(learner_client, class_set)
    assert second.pk != run.pk


def test_job_quality_is_measured_on_the_honeypots_only(learner_client, course):
    item_set = make_set(course, task=ItemSet.Task.TEXT_CLASS, labels=["正面", "负面"], mode=ItemSet.Mode.JOB)
    golds = [{"labels": ["正面"]}, {"labels": ["负面"]}, None, None, None]
    items = add_items(item_set, golds, texts=list("abcde"), honeypots=[True, True, False, False, False])
    run = _start(learner_client, item_set)
    # Right on one honeypot of two; whatever on the unlabelled items (their answers are the work).
    data = {
        f"i{items[0].pk}": "正面",
        f"i{items[1].pk}": "正面",
        f"i{items[2].pk}": "负面",
        f"i{items[3].pk}": "负面",
    }
    learner_client.post(reverse("practice:run", args=[run.pk]), {"page": 1, "submit": "1", **data})
    run.refresh_from_db()
    assert run.score == 50
    assert run.metrics["graded"] == 2 and run.metrics["answered"] == 4
    assert Answer.objects.get(run=run, item=items[2]).score is None
    review = learner_client.get(reverse("practice:run_result", args=[run.pk])).content.decode()
    assert f'id="review-{items[0].pk}"' in review and f'id="review-{items[2].pk}"' not in review


def test_speed_is_recorded_in_items_per_minute(learner_client, class_set):
    run = _start(learner_client, class_set)
    Run.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=2))
    items = list(class_set.items.all())
    learner_client.post(
        reverse("practice:run", args=[run.pk]),
        {"page": 1, "submit": "1", **{f"i{i.pk}": "猫" for i in items}},
    )
    run.refresh_from_db()
    assert run.items_per_minute == pytest.approx(2.0, abs=0.1)


def test_another_learners_run_and_a_course_not_taken_are_404(client, class_set, course):
    stranger = factories.EnrollmentFactory(course=course).learner
    owner = factories.EnrollmentFactory(course=course)
    run = Run.objects.create(enrollment=owner, item_set=class_set)
    client.force_login(stranger)
    assert client.get(reverse("practice:run", args=[run.pk])).status_code == 404
    assert client.get(reverse("practice:run_result", args=[run.pk])).status_code == 404
    outsider = factories.UserFactory()
    client.force_login(outsider)
    assert client.get(reverse("practice:item_set", args=[class_set.pk])).status_code == 404
    assert client.post(reverse("practice:run_start", args=[class_set.pk])).status_code == 404


def test_an_unpublished_set_is_404(learner_client, class_set):
    ItemSet.objects.filter(pk=class_set.pk).update(published=False)
    assert learner_client.get(reverse("practice:item_set", args=[class_set.pk])).status_code == 404


def test_span_answers_are_typed_lines_and_graded_by_exact_f1(learner_client, course):
    item_set = make_set(course, task=ItemSet.Task.TEXT_SPAN, labels=["品牌", "品名", "规格"])
    (item,) = add_items(
        item_set,
        [{"spans": [[0, 4, "品牌"], [4, 7, "品名"], [7, 12, "规格"]]}],
        texts=["农夫山泉矿泉水550ml"],
    )
    run = _start(learner_client, item_set)
    url = reverse("practice:run", args=[run.pk])
    wrong = learner_client.post(url, {"page": 1, "submit": "1", f"i{item.pk}": "颜色:红"})
    assert wrong.status_code == 200 and "Unknown label" in wrong.content.decode()
    learner_client.post(
        url, {"page": 1, "submit": "1", f"i{item.pk}": "品牌:农夫山泉\n品名:矿泉\n规格:550ml"}
    )
    run.refresh_from_db()
    assert run.score == 67  # 2 exact of 3 drawn, 3 gold → F1 2/3
    page = learner_client.get(reverse("practice:run_result", args=[run.pk])).content.decode()
    assert "chip wrong" in page and "chip missed" in page


def test_box_answers_in_percent_are_graded_at_the_sets_threshold(learner_client, course):
    item_set = make_set(course, task=ItemSet.Task.BBOX, labels=["车辆", "行人"], iou_threshold=0.5)
    (item,) = add_items(item_set, [{"boxes": [[0.1, 0.1, 0.2, 0.2, "车辆"]]}])
    run = _start(learner_client, item_set)
    learner_client.post(
        reverse("practice:run", args=[run.pk]), {"page": 1, "submit": "1", f"i{item.pk}": "车辆:15,10,20,20"}
    )
    run.refresh_from_db()
    assert run.score == 100
    assert run.metrics["mean_iou"] == pytest.approx(0.6)
    page = learner_client.get(reverse("practice:run_result", args=[run.pk])).content.decode()
    assert 'class="box gold"' in page and 'class="box mine"' in page


def test_the_run_page_has_constant_queries(learner_client, course, django_assert_max_num_queries):
    item_set = make_set(course, task=ItemSet.Task.TEXT_CLASS, labels=["正面", "负面"])
    add_items(item_set, [{"labels": ["正面"]}] * 10, texts=[f"评论{i}" for i in range(10)])
    run = _start(learner_client, item_set)
    with django_assert_max_num_queries(12):
        assert learner_client.get(reverse("practice:run", args=[run.pk])).status_code == 200


def test_the_practice_lesson_links_its_exercise_and_cannot_be_clicked_complete(
    learner_client, class_set, enrollment, course
):
    lesson = class_set.lesson
    page = learner_client.get(reverse("learn:lesson", args=[course.slug, lesson.pk])).content.decode()
    assert reverse("practice:item_set", args=[class_set.pk]) in page
    assert reverse("learn:lesson_complete", args=[course.slug, lesson.pk]) not in page
    learner_client.post(reverse("learn:lesson_complete", args=[course.slug, lesson.pk]))
    assert not LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).exists()


def test_the_lesson_waits_for_every_exercise_of_it_passed_by_this_learner(
    learner_client, class_set, enrollment, course, practice_lesson
):
    second = make_set(course, task=ItemSet.Task.TEXT_CLASS, labels=["正面", "负面"], lesson=practice_lesson)
    (item,) = add_items(second, [{"labels": ["正面"]}], texts=["好"])
    classmate = factories.EnrollmentFactory(course=course)
    Run.objects.create(
        enrollment=classmate, item_set=second, passed=True, score=100, submitted_at=timezone.now()
    )
    failed = _start(learner_client, second)
    learner_client.post(reverse("practice:run", args=[failed.pk]), {"page": 1, "submit": "1"})
    run = _start(learner_client, class_set)
    items = list(class_set.items.order_by("order"))
    answers = {f"i{i.pk}": gold for i, gold in zip(items, ["猫", "狗", "猫", "狗"], strict=True)}
    learner_client.post(reverse("practice:run", args=[run.pk]), {"page": 1, "submit": "1", **answers})
    # The first set passed, the second only by a classmate: not complete yet.
    assert not LessonProgress.objects.filter(enrollment=enrollment, lesson=practice_lesson).exists()
    again = _start(learner_client, second)
    learner_client.post(
        reverse("practice:run", args=[again.pk]), {"page": 1, "submit": "1", f"i{item.pk}": "正面"}
    )
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=practice_lesson).exists()
    page = learner_client.get(
        reverse("learn:lesson", args=[course.slug, practice_lesson.pk])
    ).content.decode()
    assert "Your best: 100%" in page and "1 item" in page


def test_multi_label_items_take_several_checkboxes(learner_client, course):
    item_set = make_set(course, labels=["茶叶", "礼盒", "散装"], multi_label=True)
    right, wrong = add_items(item_set, [{"labels": ["茶叶", "礼盒"]}, {"labels": ["散装"]}])
    run = _start(learner_client, item_set)
    url = reverse("practice:run", args=[run.pk])
    assert f'type="checkbox" name="i{right.pk}" value="礼盒"' in learner_client.get(url).content.decode()
    learner_client.post(
        url, {"page": 1, "submit": "1", f"i{right.pk}": ["礼盒", "茶叶"], f"i{wrong.pk}": ["散装", "茶叶"]}
    )
    run.refresh_from_db()
    assert run.score == 50
    assert Answer.objects.get(run=run, item=wrong).value == {"labels": ["散装", "茶叶"]}
