from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = _("Technology officers")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import roles

        from .models import Appointment

        # Computed at each sign-in load: the flag follows the term's dates without a sweep.
        roles.register(
            "is_officer",
            lambda: Exists(Appointment.objects.current().filter(user=OuterRef("pk"))),
        )
