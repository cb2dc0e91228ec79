"""Keep the cached draw material of exams current (exams.papers._material): every save or
delete of a blueprint rule, a bank question, an option or a question's knowledge points moves on
the draw version of the exams concerned, in the same transaction. Bulk writes, which send no
signal, call ``exams.papers.draw_version_bump`` themselves."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import BankChoice, BankQuestion, BlueprintRule
from .papers import draw_version_bump


@receiver([post_save, post_delete], sender=BlueprintRule, dispatch_uid="exams.draw.rule")
def _rule_changed(sender, instance: BlueprintRule, **kwargs) -> None:
    draw_version_bump(exam_ids=[instance.exam_id])


@receiver([post_save, post_delete], sender=BankQuestion, dispatch_uid="exams.draw.question")
def _question_changed(sender, instance: BankQuestion, **kwargs) -> None:
    draw_version_bump(bank_ids=[instance.bank_id])


@receiver([post_save, post_delete], sender=BankChoice, dispatch_uid="exams.draw.choice")
def _choice_changed(sender, instance: BankChoice, **kwargs) -> None:
    bank_id = BankQuestion.objects.filter(pk=instance.question_id).values_list("bank_id", flat=True).first()
    if bank_id is not None:  # None: the question is being deleted with it (bumped for it)
        draw_version_bump(bank_ids=[bank_id])


@receiver(m2m_changed, sender=BankQuestion.knowledge_points.through, dispatch_uid="exams.draw.points")
def _points_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    # Forward (question.knowledge_points.add): the question's bank; reverse (point.questions.add):
    # the point's bank, which is its questions' bank.
    draw_version_bump(bank_ids=[instance.bank_id])
