from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountiesConfig(AppConfig):
    name = "counties"
    verbose_name = _("Counties")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
