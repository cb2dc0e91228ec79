"""Any saved or deleted piece of the curriculum invalidates the pages built on it (the
``catalogue`` stamp): visitors' catalogue and course pages, learners' dashboards and lessons.
Curriculum edits are rare next to page views, so one stamp for all of it is enough. Bulk
creations (course import) happen beside a ``create()`` of their module or quiz, which bumps."""

from __future__ import annotations

from talentportal import pagecache

from .cache import catalogue_changed
from .models import Choice, Course, Lesson, LessonAttachment, Module, Question, Quiz, Track

MODELS = [Track, Course, Module, Lesson, LessonAttachment, Quiz, Question, Choice]


def curriculum_saved(sender, **kwargs) -> None:
    catalogue_changed()


def connect() -> None:
    pagecache.connect_receivers("courses", [(model, curriculum_saved) for model in MODELS])
