from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from courses.models import Lesson, LessonAttachment, attachment_file_deleted, lesson_files_deleted

        # A lesson's uploaded video and its attachments leave storage with their rows.
        post_delete.connect(lesson_files_deleted, sender=Lesson, dispatch_uid="courses_lesson_files")
        post_delete.connect(
            attachment_file_deleted, sender=LessonAttachment, dispatch_uid="courses_attachment_files"
        )
