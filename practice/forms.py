"""Forms of the practice lab, and the learner's answers read from a page and written back into it.

A span or box answer is typed (or filled in by practice.js) as lines ``label:words`` or
``label:x,y,width,height`` (percent of the image): the same text without JavaScript and with it.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Course, Lesson

from .imports import gold_from_cells
from .models import Assignment, ItemSet


def field_name(item_id: int) -> str:
    return f"i{item_id}"


def answer_from_post(item_set: ItemSet, item, data) -> dict | None:
    """The answer to ``item`` in the posted ``data``; None when the item was left empty.
    ValueError (translated) for a typed answer that cannot be read."""
    name = field_name(item.pk)
    if item_set.is_classification:
        given = [label for label in data.getlist(name) if label in item_set.labels]
        if not item_set.multi_label:
            given = given[:1]
        return {"labels": given} if given else None
    lines = "|".join(line.strip() for line in (data.get(name) or "").splitlines() if line.strip())
    if not lines:
        return None
    return gold_from_cells(item_set, text=item.text, cell=lines)


def answer_as_text(item_set: ItemSet, item, value: dict | None) -> str:
    """A saved span or box answer as the lines of its text box."""
    if not value:
        return ""
    if item_set.task == ItemSet.Task.TEXT_SPAN:
        return "\n".join(
            f"{label}:{start}-{end}:{item.text[start:end]}" for start, end, label in value.get("spans", [])
        )
    return "\n".join(f"{box[4]}:{','.join(_percent(v) for v in box[:4])}" for box in value.get("boxes", []))


def _percent(fraction) -> str:
    return f"{float(fraction) * 100:.1f}".rstrip("0").rstrip(".")


def _course_and_lesson_choices(form: forms.ModelForm) -> None:
    """The courses by title, and the practice lessons named with their course, for an item set's
    or an assignment's form."""
    form.fields["course"].queryset = Course.objects.order_by("title")
    form.fields["lesson"].queryset = Lesson.objects.filter(kind=Lesson.Kind.PRACTICE).select_related(
        "module__course"
    )
    form.fields["lesson"].label_from_instance = lambda lesson: (
        f"{lesson.module.course.title} · {lesson.title}"
    )


class ItemSetForm(forms.ModelForm):
    labels_text = forms.CharField(
        label=gettext_lazy("Labels"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One label per line, as the learner sees them."),
    )

    class Meta:
        model = ItemSet
        fields = [
            "course",
            "lesson",
            "title",
            "instructions",
            "task",
            "multi_label",
            "iou_threshold",
            "mode",
            "min_score",
            "published",
        ]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _course_and_lesson_choices(self)
        if self.instance.pk:
            self.fields["labels_text"].initial = "\n".join(self.instance.labels)
            self.fields["task"].disabled = True  # the items' gold labels are in the task's shape

    def clean_labels_text(self) -> list[str]:
        labels = [line.strip() for line in self.cleaned_data["labels_text"].splitlines() if line.strip()]
        if not labels:
            raise forms.ValidationError(_("Give at least one label."))
        if any(set(label) & set(":：|、;；") for label in labels):
            raise forms.ValidationError(_("A label cannot contain : | 、 or ;."))
        return labels


def rubric_from_text(text: str) -> list[dict]:
    """Rubric lines ``criterion: lowest level | … | highest level`` as the model's criteria."""
    criteria = []
    for line in text.splitlines():
        if not line.strip():
            continue
        title, colon, levels = line.replace("：", ":").partition(":")
        names = [level.strip() for level in levels.split("|") if level.strip()]
        if not colon or not title.strip() or len(names) < 2:
            raise forms.ValidationError(
                _("Write each criterion as name: lowest level | … | highest level, with two levels or more.")
            )
        criteria.append({"title": title.strip(), "levels": names})
    if not criteria:
        raise forms.ValidationError(_("Give at least one criterion."))
    return criteria


def rubric_as_text(criteria: list[dict]) -> str:
    return "\n".join(f"{criterion['title']}: {' | '.join(criterion['levels'])}" for criterion in criteria)


class AssignmentForm(forms.ModelForm):
    rubric = forms.CharField(
        label=gettext_lazy("Rubric"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One criterion per line: its name, a colon, then its levels from lowest to highest separated "
            "by |, e.g. 照片: 少于五张 | 五张清晰 | 五张清晰且有细节图."
        ),
    )

    class Meta:
        model = Assignment
        fields = ["course", "lesson", "title", "brief", "max_images", "published"]
        widgets = {"brief": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _course_and_lesson_choices(self)
        if self.instance.pk:
            self.fields["rubric"].initial = rubric_as_text(self.instance.criteria)

    def clean_rubric(self) -> list[dict]:
        return rubric_from_text(self.cleaned_data["rubric"])


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (zip, CSV or Label Studio JSON)"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(one, initial) for one in data]
        return [super().clean(data, initial)] if data else []


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your work"), widget=forms.Textarea(attrs={"rows": 8}), max_length=10000
    )
    images = MultipleFileField(label=gettext_lazy("Photos"), required=False)

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["images"].help_text = _("Up to %(count)d photos; they are made smaller on upload.") % {
            "count": assignment.max_images
        }


class MarkForm(forms.Form):
    feedback = forms.CharField(label=gettext_lazy("Feedback"), widget=forms.Textarea(attrs={"rows": 5}))
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("accept", gettext_lazy("Accept")), ("resubmit", gettext_lazy("Ask for a resubmission"))],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, **kwargs)
        for index, criterion in enumerate(assignment.criteria):
            self.fields[f"c{index}"] = forms.TypedChoiceField(
                label=criterion["title"],
                choices=[(level, name) for level, name in enumerate(criterion["levels"])],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def levels(self) -> list[int]:
        return [value for name, value in self.cleaned_data.items() if name.startswith("c")]
