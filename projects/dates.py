"""The date rules of a project, in one place for the forms, the services and the admin.

A project's milestones are due within its dates; an indicator's periods lie within them, end on
or after their start and do not overlap one another (a period is one row per indicator and start:
recording the same start again corrects that row, so it is not an overlap with itself); and the
project's dates cannot change so that existing milestones or periods fall outside them.

Each rule raises a ValidationError whose messages say what is wrong and, for a change of dates,
which milestones and periods are in the way; field rules are keyed by the form field they belong
to. The services call them under the project's row lock, so a date change and an addition at the
same moment cannot both pass.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import IndicatorPeriod, Project

# How many of the milestones or periods in the way a message names; the rest are counted.
LISTED = 10


def _day(day: datetime.date) -> str:
    return f"{day:%Y-%m-%d}"


def check_project_dates(*, start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError({"end_date": [_("The project cannot end before it starts.")]})


def check_milestone(*, project: Project, due_on: datetime.date) -> None:
    """A milestone of ``project`` is due within the project's dates."""
    if due_on < project.start_date:
        message = _("A milestone cannot be due before the project starts (%(start)s).")
        raise ValidationError({"due_on": [message % {"start": _day(project.start_date)}]})
    if due_on > project.end_date:
        message = _("A milestone cannot be due after the project ends (%(end)s).")
        raise ValidationError({"due_on": [message % {"end": _day(project.end_date)}]})


def check_period(
    *, project: Project, indicator_id: int, period_start: datetime.date, period_end: datetime.date
) -> None:
    """A period of an indicator of ``project``: it ends on or after its start, lies within the
    project's dates and overlaps no other period of the indicator (the row with the same start is
    the one being corrected). One query, for the overlap."""
    errors: dict[str, list[str]] = {}
    if period_end < period_start:
        errors.setdefault("period_end", []).append(_("The period cannot end before it starts."))
    if period_start < project.start_date:
        message = _("The period cannot start before the project starts (%(start)s).")
        errors.setdefault("period_start", []).append(message % {"start": _day(project.start_date)})
    if period_end > project.end_date:
        message = _("The period cannot end after the project ends (%(end)s).")
        errors.setdefault("period_end", []).append(message % {"end": _day(project.end_date)})
    if errors:
        raise ValidationError(errors)
    overlapping = (
        IndicatorPeriod.objects.filter(
            indicator_id=indicator_id, period_start__lte=period_end, period_end__gte=period_start
        )
        .exclude(period_start=period_start)
        .order_by("period_start")
        .values_list("period_start", "period_end")
        .first()
    )
    if overlapping is not None:
        message = _("This period overlaps the period %(start)s – %(end)s of this indicator.")
        raise ValidationError(
            {"period_start": [message % {"start": _day(overlapping[0]), "end": _day(overlapping[1])}]}
        )


def _listed(items: list[str], total: int) -> str:
    text = _(", ").join(items)
    if total > len(items):
        more = total - len(items)
        text += " " + ngettext("and %(count)s more", "and %(count)s more", more) % {"count": more}
    return text


def check_date_change(*, project: Project, start: datetime.date, end: datetime.date) -> None:
    """``project``'s dates may become ``start`` – ``end`` only if every milestone and indicator
    period stays within them; otherwise the error names those that would fall outside (the first
    LISTED of each, and how many more). Two queries."""
    check_project_dates(start=start, end=end)
    outside_milestones = project.milestones.exclude(due_on__range=(start, end)).order_by("due_on", "pk")
    outside_periods = (
        IndicatorPeriod.objects.filter(indicator__project=project)
        .exclude(period_start__gte=start, period_end__lte=end)
        .order_by("period_start", "pk")
    )
    milestones = list(outside_milestones.values_list("title", "due_on")[: LISTED + 1])
    periods = list(outside_periods.values_list("indicator__name", "period_start", "period_end")[: LISTED + 1])
    errors = []
    if milestones:
        total = len(milestones) if len(milestones) <= LISTED else outside_milestones.count()
        names = [f"{title} ({_day(due_on)})" for title, due_on in milestones[:LISTED]]
        errors.append(
            _("These milestones would fall outside the project's dates: %(list)s.")
            % {"list": _listed(names, total)}
        )
    if periods:
        total = len(periods) if len(periods) <= LISTED else outside_periods.count()
        names = [f"{name} {_day(first)} – {_day(last)}" for name, first, last in periods[:LISTED]]
        errors.append(
            _("These indicator periods would fall outside the project's dates: %(list)s.")
            % {"list": _listed(names, total)}
        )
    if errors:
        raise ValidationError(errors)
