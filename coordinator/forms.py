"""Forms of the coordinator's workspace."""

from __future__ import annotations

import datetime

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from counties.models import Announcement, Attendance, ClassSession, Cohort, PlacementOutcome
from courses.models import Course
from enrollment.models import Enrollment

from .imports import MAX_FILE_BYTES
from .selectors import RosterFilters

# <input type="date"> and <input type="time"> take and send ISO values whatever the page's
# language: rendered with the locale's first input format (zh_Hans: 2026/12/02), a date is
# dropped by the browser and the field comes back empty. The fields parse ISO in every language
# (Django adds the ISO formats to each locale's input formats).
ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=ISO_DATE):
        super().__init__(attrs=attrs, format=format)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format=ISO_TIME):
        super().__init__(attrs=attrs, format=format)


class CohortForm(forms.ModelForm):
    """A cohort of a published course in one of the coordinator's counties."""

    class Meta:
        model = Cohort
        fields = [
            "name",
            "course",
            "county",
            "start_date",
            "end_date",
            "capacity",
            "delivery",
            "requires_approval",
            "min_attendance_percent",
            "status",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.published().order_by("title")
        self.fields["county"].queryset = counties.order_by("code")
        self.fields["min_attendance_percent"].widget.attrs.update(min=0, max=100)
        self.fields["capacity"].widget.attrs["min"] = 1
        if self.instance.pk:
            self.taken = self.instance.enrollments.current().count()
            if self.taken:
                # Learners are enrolled in this course and county: moving the cohort would move them.
                for name in ("course", "county"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Cannot change once learners are enrolled.")
        else:
            self.taken = 0
            if len(self.fields["county"].queryset) == 1:
                self.initial.setdefault("county", self.fields["county"].queryset[0].pk)

    def clean_min_attendance_percent(self):
        value = self.cleaned_data["min_attendance_percent"]
        if value > 100:
            raise forms.ValidationError(_("Enter a percentage from 0 to 100."))
        return value

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity < 1:
            raise forms.ValidationError(_("A class needs at least one place."))
        if capacity < self.taken:
            raise forms.ValidationError(
                _("%(count)d learners are already in this class: the capacity cannot be lower."),
                params={"count": self.taken},
            )
        return capacity

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return cleaned


class RosterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Enrollment.Status.choices]
    )
    at_risk = forms.BooleanField(label=_("At risk only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("-progress", _("Progress, highest first")),
            ("progress", _("Progress, lowest first")),
            ("-activity", _("Last activity, latest first")),
            ("activity", _("Last activity, oldest first")),
        ],
    )

    def filters(self) -> RosterFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return RosterFilters(
            status=data.get("status", ""), at_risk=data.get("at_risk", False), sort=data.get("sort") or "name"
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the enrolment; the learner can rejoin later and keeps their progress."),
    )


class EnrollmentIdsField(forms.Field):
    """The ids of the roster's ticked rows (``<input type="checkbox" name="enrollment">``): whole
    numbers, nothing else. Which of them belong to the cohort is the query's business."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose learners from the list.")}

    def to_python(self, value) -> list[int]:
        try:
            return [int(item) for item in value or []]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error


class RosterBulkForm(forms.Form):
    """One action for the learners ticked on the roster, or for every learner the roster's
    filters show (``everyone``, which works without JavaScript)."""

    APPROVE, WITHDRAW, INVITE = "approve", "withdraw", "invite"

    action = forms.ChoiceField(
        label=_("With the selected learners"),
        choices=[
            (APPROVE, _("Approve their requests")),
            (WITHDRAW, _("Withdraw them from the class")),
            (INVITE, _("Send the invitation to set a password")),
        ],
    )
    enrollment = EnrollmentIdsField(required=False)
    everyone = forms.BooleanField(required=False)
    # Not "reason": the rows' decline buttons post this same form to the decline view.
    withdraw_reason = forms.CharField(
        label=_("Reason (to withdraw)"),
        max_length=300,
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if "enrollment" in cleaned and not cleaned["enrollment"] and not cleaned.get("everyone"):
            raise forms.ValidationError(_("Tick the learners first, or choose everyone."), code="none")
        if cleaned.get("action") == self.WITHDRAW and not cleaned.get("withdraw_reason", "").strip():
            self.add_error("withdraw_reason", _("Give the reason to withdraw learners."))
        return cleaned


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet of students"),
        help_text=_(
            "CSV or XLSX, at most 2 MB and 10,000 students. First row: 姓名 (name), 手机 (mobile) "
            "and/or 邮箱 (email); optional 学校 (school), 学校类型 (school type: 中职, 高职, 高中, 本科 "
            "or 不在校), 性别 (gender), 出生年份 (birth year)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB: split it into several files."),
                params={"size": MAX_FILE_BYTES // (1024 * 1024)},
            )
        return upload


class ClassSessionForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = ["date", "start_time", "end_time", "place", "topic"]
        widgets = {"date": DateInput(), "start_time": TimeInput(), "end_time": TimeInput()}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time."))
        return cleaned


class RollCallForm(forms.Form):
    """A roll call: one required choice per learner, ``learner_<id>``: present, absent or excused.

    The page writes the radio buttons itself from rows(): ~200 widgets rendered through the form
    templates cost more than all the rest of the page. For the same reason only a posted roll call
    gets its fields (a choice field costs ~60 µs to build): an unbound one is never validated."""

    def __init__(self, *args, learners: list[tuple[int, str]], recorded: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.learners = learners
        self.recorded = recorded
        if self.is_bound:
            for learner_id, name in learners:
                self.fields[f"learner_{learner_id}"] = forms.ChoiceField(
                    label=name, choices=Attendance.Status.choices, widget=forms.RadioSelect
                )

    def rows(self) -> list[dict]:
        """Per learner, what the template needs to write the radio group: the field's name, the
        learner's name, the status to check (as posted; unbound: as recorded, else present) and
        the field's errors."""
        rows = []
        for learner_id, name in self.learners:
            field = f"learner_{learner_id}"
            if self.is_bound:
                checked, errors = self.data.get(field), self.errors.get(field)
            else:
                checked, errors = self.recorded.get(learner_id, Attendance.Status.PRESENT), None
            rows.append({"field": field, "name": name, "checked": checked, "errors": errors})
        return rows

    def statuses(self) -> dict[int, str]:
        return {learner_id: self.cleaned_data[f"learner_{learner_id}"] for learner_id, _name in self.learners}


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}


class PlacementForm(forms.ModelForm):
    class Meta:
        model = PlacementOutcome
        fields = ["outcome", "outcome_date", "employer", "role", "wage_band"]
        widgets = {"outcome_date": DateInput(), "outcome": forms.RadioSelect}
        help_texts = {
            "employer": _("For the employed: the employer. For the self-employed: the shop or business."),
            "role": _("For the employed."),
            "wage_band": _("For the employed."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wage_band"].choices = [("", "—"), *PlacementOutcome.WageBand.choices]
        self.initial.setdefault("outcome_date", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == PlacementOutcome.Outcome.EMPLOYED and not cleaned.get("employer"):
            self.add_error("employer", _("Give the employer of an employed learner."))
        date = cleaned.get("outcome_date")
        if date and date > timezone.localdate():
            self.add_error("outcome_date", _("The date cannot be in the future."))
        return cleaned


# --- exams -------------------------------------------------------------------------------------


def _moment(day, time):
    """A date and a time of the page's time zone as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


class ExamWindowForm(forms.Form):
    """When the class sits an exam: a date and a time for the opening and the closing (ISO
    widgets, as the class session form)."""

    opens_on = forms.DateField(label=_("Opening day"), widget=DateInput())
    opens_time = forms.TimeField(label=_("Opening time"), widget=TimeInput())
    closes_on = forms.DateField(label=_("Closing day"), widget=DateInput())
    closes_time = forms.TimeField(label=_("Closing time"), widget=TimeInput())

    def __init__(self, *args, window=None, **kwargs):
        super().__init__(*args, **kwargs)
        if window is not None:
            opens, closes = timezone.localtime(window.opens_at), timezone.localtime(window.closes_at)
            self.initial.update(
                opens_on=opens.date(),
                opens_time=opens.time(),
                closes_on=closes.date(),
                closes_time=closes.time(),
            )

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(name) for name in ("opens_on", "opens_time", "closes_on", "closes_time")):
            cleaned["opens_at"] = _moment(cleaned["opens_on"], cleaned["opens_time"])
            cleaned["closes_at"] = _moment(cleaned["closes_on"], cleaned["closes_time"])
            if cleaned["closes_at"] <= cleaned["opens_at"]:
                self.add_error("closes_on", _("An exam closes after it opens."))
        return cleaned


class ExamExceptionForm(forms.Form):
    """A learner's exception: extra time, extra attempts and/or a window of their own, always
    with a reason. A window's day without a time starts (or ends) at midnight."""

    extra_minutes = forms.IntegerField(label=_("Extra time (minutes)"), min_value=0, initial=0)
    extra_attempts = forms.IntegerField(label=_("Extra attempts"), min_value=0, initial=0)
    opens_on = forms.DateField(label=_("Opening day"), required=False, widget=DateInput())
    opens_time = forms.TimeField(label=_("Opening time"), required=False, widget=TimeInput())
    closes_on = forms.DateField(label=_("Closing day"), required=False, widget=DateInput())
    closes_time = forms.TimeField(label=_("Closing time"), required=False, widget=TimeInput())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the exam's audit log, with your name."),
    )

    def __init__(self, *args, exception=None, **kwargs):
        super().__init__(*args, **kwargs)
        if exception is not None:
            self.initial.update(
                extra_minutes=exception.extra_minutes,
                extra_attempts=exception.extra_attempts,
                reason=exception.reason,
            )
            for prefix, moment in (("opens", exception.opens_at), ("closes", exception.closes_at)):
                if moment:
                    local = timezone.localtime(moment)
                    self.initial.update({f"{prefix}_on": local.date(), f"{prefix}_time": local.time()})

    def clean(self):
        cleaned = super().clean()
        for prefix in ("opens", "closes"):
            day, time = cleaned.get(f"{prefix}_on"), cleaned.get(f"{prefix}_time")
            if time and not day:
                self.add_error(f"{prefix}_on", _("Give the day too."))
            cleaned[f"{prefix}_at"] = _moment(day, time or datetime.time(0, 0)) if day else None
        return cleaned

    def grant(self) -> dict:
        """The keyword arguments of exams.policy.exception_grant."""
        data = self.cleaned_data
        return {
            "extra_minutes": data["extra_minutes"],
            "extra_attempts": data["extra_attempts"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "reason": data["reason"],
        }


class ExamRoomOpenForm(forms.Form):
    exam = forms.ModelChoiceField(label=_("Exam"), queryset=None, empty_label=None, widget=forms.RadioSelect)

    def __init__(self, *args, exams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].queryset = exams


class RoomPauseForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class DeviceReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example: the phone's battery died. Kept in the exam's audit log."),
    )


class PaperScoreForm(forms.Form):
    score = forms.IntegerField(label=_("Score"), min_value=0)
    max_score = forms.IntegerField(label=_("Points possible"), min_value=1)
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=300,
        required=False,
        help_text=_("For example: where the paper sheet is kept."),
    )

    def clean(self):
        cleaned = super().clean()
        score, max_score = cleaned.get("score"), cleaned.get("max_score")
        if score is not None and max_score and score > max_score:
            self.add_error("score", _("The score cannot be more than the points possible."))
        return cleaned


class MarkForm(forms.Form):
    """The marker's points for one short answer (0 to the question's points) and a comment."""

    points = forms.IntegerField(label=_("Points"), min_value=0)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, points: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].validators.append(MaxValueValidator(points))
        self.fields["points"].widget.attrs.update(min=0, max=points)


class MarkChangeForm(forms.Form):
    """A new mark for one question of a submitted attempt, with the reason for the change."""

    position = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    points = forms.IntegerField(label=_("New points"), min_value=0)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)
