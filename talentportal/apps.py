from django.apps import AppConfig


class TalentPortalConfig(AppConfig):
    name = "talentportal"
    verbose_name = "Talent Portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
