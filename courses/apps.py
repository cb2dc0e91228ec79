from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from . import receivers
        from .cache import catalogue_changed
        from .signals import curriculum_changed

        curriculum_changed.connect(catalogue_changed, dispatch_uid="courses.catalogue_changed")
        receivers.connect()
