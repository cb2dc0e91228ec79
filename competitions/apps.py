from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Skills competitions")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import roles

        from .models import RoundJudge

        roles.register("is_judge", lambda: Exists(RoundJudge.objects.filter(judge=OuterRef("pk"))))
