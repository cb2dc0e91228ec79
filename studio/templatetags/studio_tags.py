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
    "edit_lesson": _("edited a lesson"),
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
