from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountiesConfig(AppConfig):
    name = "counties"
    verbose_name = _("Counties")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import roles

        from .models import CoordinatorAssignment

        roles.register(
            "is_coordinator",
            lambda: Exists(CoordinatorAssignment.objects.filter(coordinator=OuterRef("pk"))),
        )
