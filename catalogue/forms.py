from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Course, DeliveryMode, Track

from .selectors import CatalogueFilters


def _any(choices) -> list[tuple[str, str]]:
    return [("", _("Any")), *choices]


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters, read from the query string. Invalid values are ignored."""

    q = forms.CharField(
        label=_("Search courses"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 电商 or data labelling")}),
    )
    track = forms.ModelChoiceField(
        label=_("Track"),
        queryset=Track.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any"),
    )
    level = forms.ChoiceField(label=_("Level"), choices=_any(Course.Level.choices), required=False)
    delivery = forms.ChoiceField(label=_("Delivery"), choices=_any(DeliveryMode.choices), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=_any(Course.Language.choices), required=False)
    in_my_county = forms.BooleanField(label=_("Has a class in my county"), required=False)

    def __init__(self, *args, show_county_filter: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_county_filter:
            del self.fields["in_my_county"]

    def filters(self) -> CatalogueFilters:
        self.is_valid()
        data = self.cleaned_data
        return CatalogueFilters(
            query=data.get("q") or "",
            track=data.get("track"),
            level=data.get("level") or "",
            delivery=data.get("delivery") or "",
            language=data.get("language") or "",
            in_my_county=bool(data.get("in_my_county")),
        )
