from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("County digital projects")

    def ready(self) -> None:
        from talentportal.files import delete_file_on_commit

        from .models import ProjectUpdate

        post_delete.connect(delete_file_on_commit, sender=ProjectUpdate, dispatch_uid="projects_update_photo")
