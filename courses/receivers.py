"""Any saved or deleted piece of the curriculum invalidates the pages built on it (the
``catalogue`` stamp): visitors' catalogue and course pages, learners' dashboards and lessons.
Curriculum edits are rare next to page views, so one stamp for all of it is enough. Bulk
creations (course import) happen beside a ``create()`` of their module or quiz, which bumps."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from .cache import catalogue_changed
from .models import Choice, Course, Lesson, LessonAttachment, Module, Question, Quiz, Track

MODELS = [Track, Course, Module, Lesson, LessonAttachment, Quiz, Question, Choice]


def curriculum_saved(sender, **kwargs) -> None:
    catalogue_changed()


def connect() -> None:
    for model in MODELS:
        post_save.connect(curriculum_saved, sender=model, dispatch_uid=f"courses.saved.{model.__name__}")
        post_delete.connect(curriculum_saved, sender=model, dispatch_uid=f"courses.deleted.{model.__name__}")
