from __future__ import annotations

import datetime

from django import forms
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from counties.forms import CountyField
from counties.selectors import county_lookup
from courses.models import Course

from .models import Employer, JobApplication, JobFair, JobPost, TalentProfile
from .selectors import Where
from .services import TALENT_FIELDS
from .validators import normalize_credit_code, validate_credit_code

DESCRIPTION_MAX_LENGTH = 5000
CERTIFICATE_LINK_NOTE = _(
    "A certificate's verification link shows what the public verification page shows: the course, "
    "the date, your name partly masked, the final exam band if the course prints it, and your "
    "practice results."
)


def _county_widget() -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", "data-county-search": reverse("counties:search")})


def _clean_county(text: str):
    lookup = county_lookup(text)
    if lookup.county:
        return lookup.county
    raise forms.ValidationError(
        _("No single county matches “%(text)s”. Type the county's name or its 6-digit code."),
        code="not_found",
        params={"text": text},
    )


class EmployerSignupForm(forms.ModelForm):
    # Longer than the 18 characters stored: a code typed with spaces or dashes is normalized in
    # clean_credit_code, not refused before.
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=40,
        help_text=_("18 characters, as on the business licence."),
    )
    county = CountyField(
        label=_("County"),
        help_text=_("Where the organisation is registered: the county's name or its 6-digit code."),
    )

    class Meta:
        model = Employer
        fields = ["name", "credit_code", "county", "address", "contact_name", "contact_phone"]
        help_texts = {"credit_code": _("18 characters, as on the business licence.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].widget = _county_widget()

    def clean_credit_code(self):
        code = normalize_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        if Employer.objects.filter(credit_code=code).exists():
            raise forms.ValidationError(
                _("An employer with this code has already signed up: ask them to add you."), code="taken"
            )
        return code

    def clean_county(self):
        return _clean_county(self.cleaned_data["county"])


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (needed to reject or suspend)"), max_length=300, required=False, widget=forms.Textarea
    )


class MemberAddForm(forms.Form):
    login = forms.CharField(
        label=_("Their email or mobile number"),
        max_length=254,
        help_text=_("They must have signed up to the portal already; they act for you once they accept."),
    )


class JobPostForm(forms.ModelForm):
    county = CountyField(label=_("County"), required=False, help_text=_("Where the work is done."))
    required_courses = forms.ModelMultipleChoiceField(
        label=_("Required courses"),
        queryset=Course.objects.published().order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Learners qualify once they have completed each of these courses."),
    )

    class Meta:
        model = JobPost
        fields = [
            "title",
            "description",
            "is_remote",
            "county",
            "hours",
            "pay_min",
            "pay_max",
            "pay_period",
            "openings",
            "deadline",
            "required_courses",
            "min_exam_percent",
        ]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].widget = _county_widget()
        description = self.fields["description"]
        description.max_length = DESCRIPTION_MAX_LENGTH
        description.validators.append(MaxLengthValidator(DESCRIPTION_MAX_LENGTH))
        description.widget.attrs["maxlength"] = str(DESCRIPTION_MAX_LENGTH)
        if self.instance.pk and self.instance.county_id and not self.is_bound:
            self.initial["county"] = self.instance.county_id

    def clean_county(self):
        text = self.cleaned_data["county"]
        return _clean_county(text) if text else None

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."), code="past")
        if deadline > timezone.localdate() + datetime.timedelta(days=180):
            raise forms.ValidationError(_("A post stays open six months at most."), code="too_far")
        return deadline

    def clean_min_exam_percent(self):
        value = self.cleaned_data["min_exam_percent"]
        if value is not None and value > 100:
            raise forms.ValidationError(_("A score is at most 100%."), code="max")
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_remote") and not cleaned.get("county") and "county" not in self.errors:
            self.add_error("county", _("Give the county, or say the work is remote or home-based."))
        low, high = cleaned.get("pay_min"), cleaned.get("pay_max")
        if low is not None and high is not None and high < low:
            self.add_error("pay_max", _("The top of the pay range is below its bottom."))
        return cleaned


class ModerationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (needed to reject)"), max_length=300, required=False, widget=forms.Textarea
    )


class BoardFilterForm(forms.Form):
    where = forms.ChoiceField(
        label=_("Show jobs"),
        choices=[
            (Where.COUNTY, _("In my county")),
            (Where.PROVINCE, _("In my province")),
            (Where.REMOTE, _("Remote or home-based only")),
        ],
        required=False,
    )


class ShareForm(forms.Form):
    """What the learner chooses to share with one application (the rest is always shared)."""

    exam = forms.MultipleChoiceField(
        label=_("Exam results to share"), required=False, widget=forms.CheckboxSelectMultiple
    )
    practice = forms.MultipleChoiceField(
        label=_("Practice results to share"), required=False, widget=forms.CheckboxSelectMultiple
    )
    evidence = forms.MultipleChoiceField(
        label=_("Awards to share"), required=False, widget=forms.CheckboxSelectMultiple
    )
    contact = forms.BooleanField(label=_("Share my mobile number and email"), required=False)

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].choices = [
            (r["key"], f"{r['course']} · {r['percent']}%") for r in record.exam_results
        ]
        self.fields["practice"].choices = [
            (r["key"], f"{r['title']} · {r['result']}") for r in record.practice
        ]
        if not record.practice:
            del self.fields["practice"]
        self.fields["evidence"].choices = [
            (r["key"], f"{r['title']} · {r['detail']}") for r in record.evidence
        ]
        if not record.evidence:
            del self.fields["evidence"]


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"))
    note = forms.CharField(
        label=_("Note for the learner"), max_length=500, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, statuses: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(JobApplication.Status.choices)
        self.fields["to"].choices = [(status, labels[status]) for status in statuses]


class TalentProfileForm(forms.ModelForm):
    class Meta:
        model = TalentProfile
        fields = list(TALENT_FIELDS)  # what jobs.services.talent_profile_save writes
        help_texts = {"share_certificates": CERTIFICATE_LINK_NOTE}


class TalentSearchForm(forms.Form):
    skill = forms.CharField(label=_("Skill"), max_length=50, required=False)
    course = forms.ModelChoiceField(
        label=_("Certificate of"),
        queryset=Course.objects.published().order_by("title"),
        required=False,
        empty_label=_("Any course"),
    )
    county = CountyField(label=_("County"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].widget = _county_widget()

    def clean_county(self):
        text = self.cleaned_data["county"]
        return _clean_county(text) if text else None


class ContactRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the learner"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class JobFairForm(forms.ModelForm):
    county = CountyField(label=_("County"), help_text=_("One of the counties you coordinate."))
    employers = forms.ModelMultipleChoiceField(
        label=_("Participating employers"),
        queryset=Employer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Verified employers of the province."),
    )
    posts = forms.ModelMultipleChoiceField(
        label=_("Their posts at the fair"),
        queryset=JobPost.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Save the employers first: their open posts are then listed here."),
    )

    class Meta:
        model = JobFair
        fields = ["county", "title", "date", "place", "employers", "posts"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.counties = counties
        self.fields["county"].widget = _county_widget()
        fair = self.instance
        if fair.pk:
            self.initial.setdefault("county", fair.county_id)
            provinces = [fair.county.province_id]
        else:
            provinces = counties.values("province_id")
        self.fields["employers"].queryset = (
            Employer.objects.verified().filter(county__province_id__in=provinces).order_by("name")
        )
        chosen = fair.employers.all() if fair.pk else Employer.objects.none()
        self.fields["posts"].queryset = (
            JobPost.objects.open()
            .filter(employer__in=chosen)
            .select_related("employer")
            .order_by("employer__name", "title")
        )

    def clean_county(self):
        county = _clean_county(self.cleaned_data["county"])
        if not self.counties.filter(pk=county.pk).exists():
            raise forms.ValidationError(
                _("You organise job fairs only in the counties you coordinate."), code="not_yours"
            )
        return county
