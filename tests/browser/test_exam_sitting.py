"""A learner sits an exam on a 360 px phone: without JavaScript (answer, next page, review,
submit, result) and with it (the countdown ticks, answers save themselves, an answer typed
offline is kept and sent once back online, a second browser finds the saved answers, and the
page submits itself when the time runs out). The page never scrolls sideways.

In English: the exam pages' strings are new, and the Chinese page guard would read them as
untranslated until the catalogue has them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exams.models import BankChoice, BankQuestion, ExamAttempt
from tests.browser.conftest import signed_in_phone, snap
from tests.learn.test_exam_sitting import make_exam, sitter

pytestmark = pytest.mark.browser

WIDTH = 360
Kind = BankQuestion.Kind


def phone(chromium, base: str, user, *, javascript: bool = True):
    """A new browser context (another phone: its own session) of ``user`` at 360 px."""
    return signed_in_phone(chromium, base, user, javascript=javascript)


def saved(page, row, expected) -> None:
    """Wait until the status line says saved (the server has answered and committed), then
    check the database: read while the live server writes, SQLite would be locked."""
    page.wait_for_function("() => document.getElementById('save-status').textContent === 'Saved'")
    row.refresh_from_db()
    assert row.answer == expected


def act(page, action) -> None:
    """Clear the status line, then ``action``: the next "Saved" is the answer to it."""
    page.evaluate("document.getElementById('save-status').textContent = ''")
    action()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def right_option(row) -> str:
    return str(
        BankChoice.objects.filter(question=row.question, is_correct=True).values_list("pk", flat=True)[0]
    )


def answer_page(page, attempt) -> None:
    """Answer every question on the page shown: the first right option of choice questions,
    an accepted answer for the fill-in."""
    for fieldset in page.locator("fieldset[data-position]").all():
        position = int(fieldset.get_attribute("data-position"))
        row = attempt.paper.select_related("question").get(position=position)
        if row.question.kind == Kind.FILL_IN:
            fieldset.locator("input[type=text]").fill("电子商务缩写")
        else:
            fieldset.locator(f"input[value='{right_option(row)}']").check()


def test_sitting_an_exam_without_javascript_at_360px(_chromium, live_server, transactional_db, artifact_dir):
    exam = make_exam(extra_single=3, time_limit_minutes=30)  # 7 questions: two pages
    learner, _enrollment = sitter(exam)
    context, page = phone(_chromium, live_server.url, learner, javascript=False)
    try:
        page.goto(f"{live_server.url}/learn/exams/{exam.pk}/")
        no_sideways_scroll(page)
        snap(page, artifact_dir / "exam-1-rules-360.png")
        page.locator("#exam-start").click()
        attempt = ExamAttempt.objects.get(exam=exam)
        page.wait_for_url(f"**/learn/attempts/{attempt.pk}/")
        assert page.locator("#time-left").inner_text().startswith(("30:00", "29:5"))
        assert page.locator("fieldset[data-position]").count() == 5
        no_sideways_scroll(page)

        answer_page(page, attempt)
        snap(page, artifact_dir / "exam-2-paper-no-js-360.png")
        page.locator("#go-next").click()
        page.wait_for_url("**?page=2")
        assert page.locator("fieldset[data-position]").count() == 2
        assert page.locator(".exam-nav button.answered").count() == 5
        answer_page(page, attempt)
        page.locator("#go-review").click()
        page.wait_for_url(f"**/learn/attempts/{attempt.pk}/review/")
        assert page.locator("#answered-count").inner_text().startswith("7 of 7")
        assert page.locator("#unanswered").count() == 0
        no_sideways_scroll(page)
        snap(page, artifact_dir / "exam-3-review-360.png")

        page.locator("#submit-attempt").click()
        page.wait_for_url(f"**/learn/attempts/{attempt.pk}/result/")
        attempt.refresh_from_db()
        # The multiple-choice question needs both right options; the page ticked the first.
        assert attempt.submitted_at is not None and attempt.score == 6 and attempt.max_score == 7
        assert "6 of 7 points" in page.locator("#score").inner_text()
        no_sideways_scroll(page)
        snap(page, artifact_dir / "exam-4-result-360.png")
    finally:
        context.close()
    assert not page.guard.server_errors


def test_sitting_an_exam_with_javascript_at_360px(_chromium, live_server, transactional_db, artifact_dir):
    exam = make_exam(time_limit_minutes=30)
    learner, _enrollment = sitter(exam)
    base = live_server.url
    context, page = phone(_chromium, base, learner)
    second_context = None
    try:
        page.goto(f"{base}/learn/exams/{exam.pk}/")
        page.locator("#exam-start").click()
        attempt = ExamAttempt.objects.get(exam=exam)
        page.wait_for_url(f"**/learn/attempts/{attempt.pk}/")
        paper = {row.question.kind: row for row in attempt.paper.select_related("question")}

        # The countdown ticks.
        clock = page.locator("#time-left")
        first = clock.inner_text()
        page.wait_for_function(
            "text => document.getElementById('time-left').textContent !== text", arg=first, timeout=5_000
        )
        no_sideways_scroll(page)

        # Changing an answer saves it, without submitting the page.
        single = paper[Kind.SINGLE]
        option = f"fieldset[data-position='{single.position}'] input[value='{right_option(single)}']"
        act(page, page.locator(option).check)
        saved(page, single, [int(right_option(single))])
        fill_in = paper[Kind.FILL_IN]
        text = page.locator(f"fieldset[data-position='{fill_in.position}'] input[type=text]")
        act(page, lambda: text.fill("电子商务缩写"))
        saved(page, fill_in, "电子商务缩写")  # typed: saved after a second without typing
        # Leaving the field sends it again (a change event); let that finish while online.
        act(page, lambda: text.evaluate("field => field.blur()"))
        saved(page, fill_in, "电子商务缩写")
        assert page.url.endswith(f"/learn/attempts/{attempt.pk}/")
        snap(page, artifact_dir / "exam-5-paper-js-360.png")

        # Offline, the answer is kept in the browser and sent once the phone is back online.
        true_false = paper[Kind.TRUE_FALSE]
        context.set_offline(True)
        offline_option = page.locator(
            f"fieldset[data-position='{true_false.position}'] input[value='{right_option(true_false)}']"
        )
        offline_option.check()
        page.wait_for_function("() => document.getElementById('save-status').classList.contains('failed')")
        assert f'"{true_false.position}"' in page.evaluate(
            f"localStorage.getItem('exam-attempt-{attempt.pk}')"
        )
        true_false.refresh_from_db()
        assert true_false.answer is None
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        # The browser forgets the answer once the server has acknowledged (and committed) it.
        page.wait_for_function(f"() => localStorage.getItem('exam-attempt-{attempt.pk}') === null")
        saved(page, true_false, [int(right_option(true_false))])

        # Another browser of the same learner continues the attempt with the answers restored.
        second_context, second = phone(_chromium, base, learner)
        second.goto(f"{base}/learn/exams/{exam.pk}/")
        second.locator("#exam-start").click()
        second.wait_for_url(f"**/learn/attempts/{attempt.pk}/")
        assert second.locator(
            f"fieldset[data-position='{single.position}'] input[value='{right_option(single)}']"
        ).is_checked()
        assert second.locator(
            f"fieldset[data-position='{fill_in.position}'] input[type=text]"
        ).input_value() == ("电子商务缩写")
        assert attempt.paper.exclude(answer=None).count() == 3
        attempt.refresh_from_db()
        assert attempt.submitted_at is None

        # The time runs out: the page warns, then submits itself and shows the result.
        ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=10))
        second.reload()
        second.locator("#time-warning").wait_for(state="visible")
        assert "minute" in second.locator("#time-warning").inner_text()
        second.wait_for_url(f"**/learn/attempts/{attempt.pk}/result/", timeout=30_000)
        attempt.refresh_from_db()
        assert attempt.submitted_at is not None
        assert attempt.score == 3  # the answers saved by the autosave count
        no_sideways_scroll(second)
        snap(second, artifact_dir / "exam-6-timed-out-result-360.png")
    finally:
        context.close()
        if second_context is not None:
            second_context.close()
    assert not page.guard.server_errors


def test_waiting_for_the_exam_to_open_at_360px(_chromium, live_server, transactional_db, artifact_dir):
    """Before the opening the page counts down with Start disabled; at the opening Start works
    without the page being loaded again."""
    exam = make_exam(opens_at=timezone.now() + timedelta(seconds=4), time_limit_minutes=30)
    learner, _enrollment = sitter(exam)
    context, page = phone(_chromium, live_server.url, learner)
    try:
        page.goto(f"{live_server.url}/learn/exams/{exam.pk}/")
        assert page.locator("#exam-start").is_disabled()
        assert page.locator("#opens-in").inner_text() in {"0:04", "0:03", "0:02"}
        no_sideways_scroll(page)
        snap(page, artifact_dir / "exam-0-waiting-360.png")
        page.wait_for_function("() => !document.getElementById('exam-start').disabled", timeout=10_000)
        assert page.locator("#exam-opens").inner_text() == "The exam is open: press Start."
        assert ExamAttempt.objects.count() == 0  # nothing was sent while waiting
        page.locator("#exam-start").click()
        page.wait_for_selector("#exam-paper")
        assert ExamAttempt.objects.get().enrollment.learner == learner
        page.guard.check()
    finally:
        context.close()
