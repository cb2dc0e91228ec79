"""Forms of the coordinator's workspace."""

from __future__ import annotations

from django import forms
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
            "and/or 邮箱 (email); optional 学校 (school), 性别 (gender), 出生年份 (birth year)."
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
