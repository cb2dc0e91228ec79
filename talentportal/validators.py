"""Validators shared by the apps' forms and models."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Line breaks (CR, LF and Unicode's own) and the other control characters: in a title that goes
# into an email subject they would split the header (Django refuses such a subject with
# BadHeaderError), and on a page or in a spreadsheet they show as nothing or break the line.
_NOT_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_single_line(value: str) -> None:
    """Refuse text with a line break, a tab or another control character: titles and names that
    end up in email subjects, file names and sheet titles are one line of plain text."""
    if value and _NOT_SINGLE_LINE.search(value):
        raise ValidationError(
            _("Enter a single line of text, without line breaks or control characters."),
            code="single_line",
        )
