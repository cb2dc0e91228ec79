"""The admin checks a question's options by the same rules as the service."""

from __future__ import annotations

from django.urls import reverse

from exams.models import BankQuestion


def _post(client, bank, kind, choices):
    data = {
        "bank": bank.pk,
        "kind": kind,
        "text": "主图尺寸？",
        "difficulty": 2,
        "explanation": "",
        "accepted_answers": "",
        "rubric": "",
        "order": 0,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for number, (text, right) in enumerate(choices):
        data[f"choices-{number}-text"] = text
        data[f"choices-{number}-order"] = number
        if right:
            data[f"choices-{number}-is_correct"] = "on"
    return client.post(reverse("admin:exams_bankquestion_add"), data)


def test_the_admin_refuses_a_single_choice_with_two_right_options(admin_client, course_bank):
    response = _post(admin_client, course_bank, "single", [("800×800", True), ("100×100", True)])
    assert response.status_code == 200
    assert not BankQuestion.objects.exists()
    response = _post(admin_client, course_bank, "single", [("800×800", True), ("100×100", False)])
    assert response.status_code == 302
    assert BankQuestion.objects.get().choices.filter(is_correct=True).count() == 1


def test_the_bank_page_lists_its_questions(admin_client, course_bank):
    _post(admin_client, course_bank, "single", [("800×800", True), ("100×100", False)])
    response = admin_client.get(reverse("admin:exams_questionbank_change", args=[course_bank.pk]))
    assert response.status_code == 200
    assert "主图尺寸？" in response.content.decode()
