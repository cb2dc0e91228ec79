from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

AUDIT_LABELS = {
    "course_create": _("created the course"),
    "revision_open": _("started a revision"),
    "add_module": _("added a module"),
    "add_lesson": _("added a lesson"),
    "add_quiz": _("added a quiz"),
    "add_final_quiz": _("added the final quiz"),
    "add_question": _("added a question"),
    "rename": _("renamed"),
    "delete": _("deleted"),
    "move": _("moved"),
    "reorder": _("reordered"),
    "reorder_activities": _("reordered exams or practice items"),
    "edit_lesson": _("edited a lesson"),
    "edit_course": _("changed the course details"),
    "edit_question": _("edited a question"),
    "add_video": _("uploaded a video"),
    "remove_video": _("removed the video"),
    "add_attachment": _("added an attachment"),
    "remove_attachment": _("removed an attachment"),
    "import": _("imported the course"),
    "submit": _("submitted for review"),
    "send_back": _("sent back with comments"),
    "publish": _("published"),
}


@register.simple_tag
def comments_for(comments: dict, key: str) -> list:
    return comments.get(key, [])


@register.simple_tag
def audit_label(action: str) -> str:
    return AUDIT_LABELS.get(action, action)


@register.simple_tag
def activities_for(activities, lesson_id):
    return activities.for_lesson(lesson_id)
