from __future__ import annotations

from django import forms

from .validators import normalize_mobile


class MobileField(forms.CharField):
    """A mainland mobile number, forgiving spaces, dashes and a +86 prefix; empty is None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        return normalize_mobile(value) or None
