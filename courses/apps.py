from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from . import receivers

        # Every saved or deleted piece of the curriculum bumps the catalogue's cached pages.
        receivers.connect()
