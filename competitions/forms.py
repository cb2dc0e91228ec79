from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from counties.forms import CountyField
from counties.models import Province, SchoolType
from counties.selectors import county_lookup
from courses.models import Course
from exams.models import Exam, ExamAttempt, ExamWindow
from practice.models import Assignment, ItemSet, Run, Submission

from .models import TIER_ORDER, AdvancementAdjustment, Appeal, Competition, Entry, Round, Tier

_MOMENT = "%Y-%m-%dT%H:%M"


def _moment_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_MOMENT)


def _county_widget() -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", "data-county-search": reverse("counties:search")})


def _clean_county(text: str, counties):
    """The county typed, if it is one of ``counties`` (the user's workspace)."""
    if not text:
        return None
    county = county_lookup(text).county
    if county is None:
        raise forms.ValidationError(
            _("No single county matches “%(text)s”. Type the county's name or its 6-digit code."),
            code="not_found",
            params={"text": text},
        )
    if not counties.filter(pk=county.pk).exists():
        raise forms.ValidationError(_("Choose one of the counties you coordinate."), code="not_yours")
    return county


class CompetitionForm(forms.ModelForm):
    county = CountyField(
        label=_("County"),
        required=False,
        help_text=_("A county competition: the county's name or 6-digit code. Staff may leave it empty."),
    )

    school_types = forms.MultipleChoiceField(
        label=_("Kinds of school"),
        choices=SchoolType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Competition._meta.get_field("school_types").help_text,
    )

    class Meta:
        model = Competition
        fields = [
            "title",
            "description",
            "track",
            "kind",
            "team_min",
            "team_max",
            "county",
            "province",
            "registration_opens_at",
            "registration_closes_at",
            "required_course",
            "certificate_course",
            "min_age",
            "max_age",
            "school_types",
        ]
        widgets = {
            "registration_opens_at": _moment_widget(),
            "registration_closes_at": _moment_widget(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, counties, is_staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.counties = counties
        self.is_staff = is_staff
        self.fields["county"].widget = _county_widget()
        if self.instance.pk and self.instance.county_id:
            self.initial["county"] = self.instance.county_id
        courses = Course.objects.published().order_by("title")
        self.fields["required_course"].queryset = courses
        self.fields["certificate_course"].queryset = courses
        if is_staff:
            self.fields["province"].queryset = Province.objects.order_by("code")
        else:
            del self.fields["province"]
            self.fields["county"].required = True

    def clean_county(self):
        return _clean_county(self.cleaned_data["county"], self.counties)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("county") and cleaned.get("province"):
            self.add_error("province", _("A competition belongs to a county or to a province, not both."))
        if cleaned.get("kind") == Competition.Kind.TEAM and (cleaned.get("team_max") or 0) < 2:
            self.add_error("team_max", _("A team competition allows at least two members."))
        min_age, max_age = cleaned.get("min_age"), cleaned.get("max_age")
        if min_age is not None and max_age is not None and min_age > max_age:
            self.add_error("max_age", _("The oldest age is at least the youngest."))
        return cleaned


_TASK_NOTE = _(
    "You may choose only a task that no other round uses and no one has started yet, or this"
    " round's own: while the round runs, it closes the task to everyone else."
)


class RoundForm(forms.ModelForm):
    county = CountyField(label=_("County"), required=False, help_text=_("A county round: its county."))

    class Meta:
        model = Round
        fields = [
            "tier",
            "county",
            "province",
            "opens_at",
            "closes_at",
            "freeze_minutes",
            "exam",
            "item_set",
            "assignment",
            "judge_gap",
            "rule",
            "appeal_hours",
            "prize_first_to",
            "prize_second_to",
            "prize_third_to",
            "advance_to",
            "advance_top_n",
            "advance_top_percent",
        ]
        widgets = {"opens_at": _moment_widget(), "closes_at": _moment_widget()}

    def __init__(self, *args, competition: Competition, counties, is_staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.competition = competition
        self.counties = counties
        self.fields["county"].widget = _county_widget()
        if self.instance.pk and self.instance.county_id:
            self.initial["county"] = self.instance.county_id
        self.fields["province"].queryset = Province.objects.order_by("code")
        # A round's exam is its sitting (its window becomes the round's): only an exam of the
        # competition's track, not a course's final exam and not another round's.
        taken = Round.objects.filter(exam__isnull=False).exclude(pk=self.instance.pk).values("exam_id")
        self.fields["exam"].queryset = (
            Exam.objects.filter(
                status=Exam.Status.PUBLISHED, is_final=False, course__track_id=competition.track_id
            )
            .exclude(pk__in=taken)
            .order_by("title")
        )
        # A lesson's exercise would be closed to the course's learners while the round is on
        # (competitions.gates): only tasks on no lesson.
        self.fields["item_set"].queryset = (
            ItemSet.objects.published().filter(lesson__isnull=True).order_by("title")
        )
        self.fields["assignment"].queryset = Assignment.objects.filter(
            published=True, lesson__isnull=True
        ).order_by("title")
        for name in ("freeze_minutes", "judge_gap", "appeal_hours"):
            if name in self.fields:
                self.fields[name].required = False
        others = competition.rounds.exclude(pk=self.instance.pk).select_related("county", "province")
        self.fields["advance_to"].queryset = others
        self.fields["advance_to"].label_from_instance = lambda r: f"{r.get_tier_display()} · {r.place_name}"
        if not is_staff:
            # A coordinator runs county rounds of their counties only.
            self.fields["tier"].choices = [(Tier.COUNTY.value, Tier.COUNTY.label)]
            self.fields["county"].required = True
            del self.fields["province"]
            self._offer_unused_tasks_only()

    def _offer_unused_tasks_only(self) -> None:
        """A coordinator's round takes over its paper and tasks: it sets the paper's window for
        every learner of its course and closes the tasks to everyone else while it runs. So a
        coordinator chooses only what no one else uses yet: on no other round and not yet sat
        (no exam attempt), started (no practice run) or handed in (no submission). The round's
        own paper and tasks stay choosable when it is edited, whoever has used them since. A
        paper must also be unscheduled: no window of its own and none set for a class."""
        other_rounds = Round.objects.exclude(pk=self.instance.pk)
        used_by_learners = {
            "exam": ExamAttempt.objects.filter(exam=OuterRef("pk")),
            "item_set": Run.objects.filter(item_set=OuterRef("pk")),
            "assignment": Submission.objects.filter(assignment=OuterRef("pk")),
        }
        notes = {
            "exam": _(
                "You may choose only a paper that no other round uses, no one has sat and no one has"
                " scheduled yet, or this round's own: the round sets the paper's window for everyone."
            ),
            "item_set": _TASK_NOTE,
            "assignment": _TASK_NOTE,
        }
        for name, used in used_by_learners.items():
            field = self.fields[name]
            taken = other_rounds.filter(**{f"{name}__isnull": False}).values(f"{name}_id")
            unused = ~Q(pk__in=taken) & ~Q(Exists(used))
            if name == "exam":
                unused &= Q(opens_at__isnull=True, closes_at__isnull=True) & ~Q(
                    Exists(ExamWindow.objects.filter(exam=OuterRef("pk")))
                )
            current = getattr(self.instance, f"{name}_id")
            if current:
                unused |= Q(pk=current)
            field.queryset = field.queryset.filter(unused)
            field.help_text = (
                format_lazy("{} {}", field.help_text, notes[name]) if field.help_text else notes[name]
            )

    def clean_county(self):
        return _clean_county(self.cleaned_data["county"], self.counties)

    def clean(self):
        cleaned = super().clean()
        for name in ("freeze_minutes", "judge_gap", "appeal_hours"):
            if name in self.fields and cleaned.get(name) is None:
                cleaned[name] = Round._meta.get_field(name).default
        tier = cleaned.get("tier")
        if tier == Tier.COUNTY and not cleaned.get("county"):
            self.add_error("county", _("A county round needs its county."))
        if tier == Tier.PROVINCE and not cleaned.get("province"):
            self.add_error("province", _("A province round needs its province."))
        if tier != Tier.COUNTY:
            cleaned["county"] = None
        if tier != Tier.PROVINCE:
            cleaned["province"] = None
        if (
            self.competition.county_id
            and cleaned.get("county")
            and cleaned["county"] != self.competition.county
        ):
            self.add_error("county", _("A county competition has rounds in its own county only."))
        bands = [cleaned.get(name) for name in ("prize_first_to", "prize_second_to", "prize_third_to")]
        given = [band for band in bands if band]
        if given != sorted(given) or len(set(given)) != len(given):
            self.add_error("prize_second_to", _("Each prize goes to lower ranks than the one before."))
        if cleaned.get("advance_top_n") and cleaned.get("advance_top_percent"):
            self.add_error("advance_top_percent", _("Give the top N or the top %, not both."))
        if cleaned.get("advance_to") and not (
            cleaned.get("advance_top_n") or cleaned.get("advance_top_percent")
        ):
            self.add_error("advance_top_n", _("Say how many advance: the top N or the top %."))
        self._clean_tiers(cleaned)
        self._clean_window(cleaned)
        return cleaned

    def _clean_tiers(self, cleaned: dict) -> None:
        """Entrants advance up the tiers only (county → province → nation), so advancement
        never runs in a circle; one round per province and competition."""
        tier = cleaned.get("tier")
        if tier not in TIER_ORDER:
            return
        target = cleaned.get("advance_to")
        if target is not None and TIER_ORDER[Tier(target.tier)] <= TIER_ORDER[Tier(tier)]:
            self.add_error("advance_to", _("Entrants advance to a round of a higher tier."))
        if self.instance.pk and any(
            TIER_ORDER[Tier(feeder_tier)] >= TIER_ORDER[Tier(tier)]
            for feeder_tier in self.instance.feeders.values_list("tier", flat=True)
        ):
            self.add_error("tier", _("Rounds of this tier or higher advance into this round."))
        province = cleaned.get("province")
        if (
            tier == Tier.PROVINCE
            and province is not None
            and self.competition.rounds.filter(tier=Tier.PROVINCE, province=province)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("province", _("The competition already has a round for this province."))

    def _clean_window(self, cleaned: dict) -> None:
        """The round runs during or after registration, and freezes for part of it only."""
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if not (opens_at and closes_at):
            return
        if closes_at <= opens_at:
            self.add_error("closes_at", _("A round closes after it opens."))
            return
        if opens_at < self.competition.registration_opens_at:
            self.add_error("opens_at", _("A round opens once registration has opened."))
        freeze = cleaned.get("freeze_minutes") or 0
        if freeze and timedelta(minutes=freeze) >= closes_at - opens_at:
            self.add_error("freeze_minutes", _("The scoreboard freezes for less than the whole round."))

    def _post_clean(self):
        self.instance.competition = self.competition
        super()._post_clean()


class RegisterForm(forms.Form):
    team_name = forms.CharField(label=_("Team name"), max_length=60, required=False)


class InviteForm(forms.Form):
    who = forms.CharField(
        label=_("Teammate's mobile number or email"),
        max_length=254,
        help_text=_("They must have an account of the portal in the team's county."),
    )


class AdjustForm(forms.Form):
    entry = forms.ModelChoiceField(label=_("Entry"), queryset=Entry.objects.none())
    action = forms.ChoiceField(label=_("Change"), choices=AdvancementAdjustment.Action.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = (
            Entry.objects.filter(competition_id=round.competition_id)
            .select_related("captain", "county")
            .order_by("county_id", "pk")
        )
        self.fields["entry"].label_from_instance = lambda e: f"{e.label} · {e.county.name}"


class AppealForm(forms.Form):
    score = forms.ChoiceField(label=_("Score appealed"), choices=Appeal.Score.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("Uphold")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    corrected_percent = forms.FloatField(
        label=_("Corrected score (%)"), min_value=0, max_value=100, required=False
    )
    resolution = forms.CharField(label=_("Reason for the decision"), max_length=300)


class JudgeAddForm(forms.Form):
    who = forms.CharField(label=_("Judge's mobile number or email"), max_length=254)
    county = CountyField(
        label=_("Judge's county"),
        required=False,
        help_text=_(
            "The judge will not mark entries of this county (conflict of interest). Required unless"
            " the judge has a county in the portal (their profile or the counties they coordinate)."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].widget = _county_widget()

    def clean_county(self):
        text = self.cleaned_data["county"]
        if not text:
            return None
        county = county_lookup(text).county
        if county is None:
            raise forms.ValidationError(
                _("No single county matches “%(text)s”. Type the county's name or its 6-digit code."),
                code="not_found",
                params={"text": text},
            )
        return county


class JudgeMarkForm(forms.Form):
    """A level for each criterion of the rubric (the points of a criterion: its level's index)."""

    def __init__(self, *args, criteria: list[dict], levels: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for index, criterion in enumerate(criteria):
            self.fields[f"c{index}"] = forms.TypedChoiceField(
                label=criterion["title"],
                choices=[(str(n), f"{n} · {text}") for n, text in enumerate(criterion["levels"])],
                coerce=int,
                widget=forms.RadioSelect,
                initial=str(levels[index]) if levels and index < len(levels) else None,
            )

    def levels(self) -> list[int]:
        return [self.cleaned_data[name] for name in self.fields]
