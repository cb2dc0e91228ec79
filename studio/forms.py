"""The studio's forms: they parse input; the writes are courses.revisions' services."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Track
from courses.revisions import ChoiceEdit

MAX_IMAGE_UPLOAD = 10 * 1024 * 1024
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class CourseCreateForm(forms.Form):
    track = forms.ModelChoiceField(label=_("Track"), queryset=Track.objects.none())
    title = forms.CharField(label=_("Course title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), max_length=300, help_text=_("One or two sentences for the catalogue.")
    )
    module = forms.CharField(label=_("First module"), max_length=200, required=False)
    lessons = forms.CharField(
        label=_("Its lessons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One lesson title per line."),
    )

    def __init__(self, *args, tracks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].queryset = tracks

    def lesson_titles(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["lessons"].splitlines() if line.strip()]


class CourseDetailsForm(forms.Form):
    title = forms.CharField(label=_("Course title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), max_length=300, help_text=_("One or two sentences for the catalogue.")
    )
    level = forms.ChoiceField(label=_("Level"), choices=Course.Level.choices)
    estimated_hours = forms.IntegerField(label=_("Estimated hours"), min_value=0, max_value=10000)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class QuestionEditForm(forms.Form):
    """A question with one row per choice it has (keep, change the text, mark correct or
    remove) and two empty rows for new choices."""

    NEW_ROWS = 2

    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the learner after they submit."),
    )
    shown = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, node: dict, **kwargs):
        kwargs.setdefault(
            "initial",
            {"text": node["text"], "explanation": node.get("explanation", ""), "shown": len(node["choices"])},
        )
        super().__init__(*args, **kwargs)
        self.existing = len(node["choices"])
        self.rows = []
        for index in range(self.existing + self.NEW_ROWS):
            choice = node["choices"][index] if index < self.existing else None
            number = index + 1
            self.fields[f"choice_{index}"] = forms.CharField(
                label=_("Choice %(number)d") % {"number": number},
                max_length=300,
                required=False,
                initial=choice["text"] if choice else "",
            )
            self.fields[f"correct_{index}"] = forms.BooleanField(
                label=_("Correct"), required=False, initial=bool(choice and choice.get("is_correct"))
            )
            if choice:
                self.fields[f"remove_{index}"] = forms.BooleanField(label=_("Remove"), required=False)
            self.rows.append(
                [
                    self[name]
                    for name in (f"choice_{index}", f"correct_{index}", f"remove_{index}")
                    if name in self.fields
                ]
            )

    def choice_edits(self) -> list[ChoiceEdit]:
        data = self.cleaned_data
        return [
            ChoiceEdit(
                index if index < self.existing else None,
                data[f"choice_{index}"],
                data[f"correct_{index}"],
            )
            for index in range(self.existing + self.NEW_ROWS)
            if not data.get(f"remove_{index}") and data[f"choice_{index}"].strip()
        ]


class LessonForm(forms.Form):
    # The lesson as the editor opened it (revisions.lesson_fingerprint): a save over someone
    # else's newer save is refused instead of silently undoing it.
    base = forms.CharField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "studio-body"}),
    )
    video_url = forms.URLField(
        label=_("Video link"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_("A video on the programme's own media server (http or https)."),
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=0, max_value=32767)
    is_required = forms.BooleanField(label=_("Required"), required=False)
    image = forms.ImageField(
        label=_("Add an image"),
        required=False,
        help_text=_("Resized to at most 1200 px and compressed to at most 100 KB for slow links."),
    )
    image_alt = forms.CharField(
        label=_("What the image shows"),
        max_length=200,
        required=False,
        help_text=_("Read aloud to blind learners and shown when the image cannot load."),
    )

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and image.size > MAX_IMAGE_UPLOAD:
            raise forms.ValidationError(_("The image is larger than 10 MB."))
        return image


class VideoForm(forms.Form):
    file = forms.FileField(
        label=_("Upload a video"),
        widget=forms.ClearableFileInput(attrs={"accept": ".mp4,.webm,video/mp4,video/webm"}),
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("Attachment title"),
        max_length=200,
        required=False,
        help_text=_("The file's name if left empty."),
    )
    file = forms.FileField(
        label=_("Add an attachment"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx,.zip"}),
    )


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    choices = forms.CharField(
        label=_("Choices"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("One choice per line.")
    )
    correct = forms.CharField(
        label=_("Correct choices"), max_length=50, help_text=_("Their numbers, e.g. 1 or 1,3.")
    )

    def clean_correct(self) -> set[int]:
        numbers = set()
        for part in self.cleaned_data["correct"].replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(_("Give the numbers of the correct choices, e.g. 1 or 1,3."))
            numbers.add(int(part))
        if not numbers:
            raise forms.ValidationError(_("Give the numbers of the correct choices, e.g. 1 or 1,3."))
        return numbers

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class SendBackForm(forms.Form):
    general = forms.CharField(
        label=_("Comment on the whole revision"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PublishForm(forms.Form):
    changelog = forms.CharField(
        label=_("What changed, for learners"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the course page."),
    )


class ImportForm(forms.Form):
    track = forms.ModelChoiceField(label=_("Track"), queryset=Track.objects.none())
    file = forms.FileField(
        label=_("Course file (JSON)"),
        required=False,
        help_text=_("A file the studio or export_course wrote."),
    )
    checked = forms.CharField(required=False, widget=forms.HiddenInput)  # a dry run's token

    def __init__(self, *args, tracks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].queryset = tracks

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            raw = upload.read()
            if upload.name.lower().endswith(".zip"):
                cleaned["zip"] = raw
                return cleaned
        elif cleaned.get("checked"):
            return cleaned  # the view reads the checked file (studio.services.import_checked_load)
        else:
            raise forms.ValidationError(_("Choose a course file."))
        try:
            cleaned["parsed"] = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("The file is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": error.lineno, "column": error.colno}
            ) from error
        return cleaned
