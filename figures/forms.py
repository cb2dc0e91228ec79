"""The programme dashboard's filters: read from the URL, so a view can be bookmarked and shared."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from counties.models import County, Prefecture, Province
from courses.models import Track

from .services import FigureFilters, FigureScope

AREA_FIELDS = ("province", "prefecture", "county")


def _attributes(attrs: dict) -> SafeString:
    """Attributes as django/forms/widgets/attrs.html writes them."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class Select(forms.Select):
    """Django's select, its options joined here: Django renders a template for each option,
    and the 31 provinces made the filter cost more than the rest of a cached dashboard."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = [option for _group, group, _index in widget["optgroups"] for option in group]
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            _attributes(widget["attrs"]),
            format_html_join(
                "",
                '\n  <option value="{}"{}>{}</option>',
                ((option["value"], _attributes(option["attrs"]), option["label"]) for option in options),
            ),
        )


class FigureFilterForm(forms.Form):
    """Dates, track and province; the prefecture or county drilled into rides along hidden.

    The areas offered are the scope's only: an area outside it (a coordinator editing the URL)
    is an error on that field, which the view answers with 404.
    """

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    track = forms.ModelChoiceField(
        queryset=Track.objects.order_by("order", "name"),
        required=False,
        empty_label=_("All tracks"),
        label=_("Track"),
        widget=Select,
    )
    province = forms.ModelChoiceField(
        queryset=Province.objects.none(),
        required=False,
        empty_label=_("All provinces"),
        label=_("Province"),
        widget=Select,
    )
    prefecture = forms.ModelChoiceField(
        queryset=Prefecture.objects.none(), required=False, widget=forms.HiddenInput
    )
    county = forms.ModelChoiceField(queryset=County.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, scope: FigureScope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = scope.provinces().order_by("code")
        self.fields["prefecture"].queryset = scope.prefectures().select_related("province")
        self.fields["county"].queryset = scope.counties().with_parents()

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        province, prefecture, county = (data.get(name) for name in AREA_FIELDS)
        # A province picked in the form replaces the prefecture or county drilled into before.
        if county and (
            (prefecture and county.prefecture_id != prefecture.pk)
            or (province and county.province_id != province.pk)
        ):
            county = None
        if prefecture and province and prefecture.province_id != province.pk:
            prefecture = county = None
        if county:
            prefecture, province = county.prefecture, county.province
        elif prefecture:
            province = prefecture.province
        data.update(province=province, prefecture=prefecture, county=county)
        return data

    def area_refused(self) -> bool:
        """True when the URL names an area outside the scope (or no area at all)."""
        return any(name in self.errors for name in AREA_FIELDS)

    def filters(self) -> FigureFilters:
        """The valid filters (a date with an error is left out)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return FigureFilters(
            date_from=None if "date_to" in self.errors else data.get("date_from"),
            date_to=None if "date_to" in self.errors else data.get("date_to"),
            track=data.get("track"),
            province=data.get("province"),
            prefecture=data.get("prefecture"),
            county=data.get("county"),
        )
