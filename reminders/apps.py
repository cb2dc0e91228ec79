from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _certificate_ready(sender, *, certificate_id: int, **kwargs) -> None:
    from .services import queue_certificate_ready

    queue_certificate_ready(certificate_id=certificate_id)


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from certificates.signals import certificate_issued

        certificate_issued.connect(_certificate_ready, dispatch_uid="reminders_certificate_ready")
