from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from talentportal.queue import enqueue_on_commit


def _refresh_progress_on_curriculum_change(sender, *, course_id: int, **kwargs) -> None:
    """A nudge only: after commit, the task recomputes the percent from the database."""
    enqueue_on_commit("enrollment.tasks.refresh_course_progress", course_id)


def _recheck_completion_on_attendance_change(sender, *, cohort_id: int, learner_ids=None, **kwargs) -> None:
    from .services import cohort_completion_recheck

    cohort_completion_recheck(cohort_id=cohort_id, learner_ids=learner_ids)


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrolment")

    def ready(self) -> None:
        from counties.signals import attendance_changed
        from courses.signals import curriculum_changed

        curriculum_changed.connect(
            _refresh_progress_on_curriculum_change, dispatch_uid="enrollment_refresh_progress"
        )
        attendance_changed.connect(
            _recheck_completion_on_attendance_change, dispatch_uid="enrollment_recheck_completion"
        )
