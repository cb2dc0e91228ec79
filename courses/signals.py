"""Signals the curriculum sends; other apps listen without courses importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``course_id`` after a course's set of required lessons may have changed (a lesson
# created or deleted, its "required" flag switched): learners' progress percent needs a refresh.
curriculum_changed = Signal()
