from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _refresh_progress_on_curriculum_change(sender, *, course_id: int, **kwargs) -> None:
    """A nudge only: after commit, the task recomputes the percent from the database."""
    from talentportal.queue import enqueue_on_commit

    from .tasks import refresh_course_progress

    enqueue_on_commit(refresh_course_progress, course_id)


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrolment")

    def ready(self) -> None:
        from courses.signals import curriculum_changed

        curriculum_changed.connect(
            _refresh_progress_on_curriculum_change, dispatch_uid="enrollment_refresh_progress"
        )
