from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _request_certificate(sender, *, enrollment, **kwargs) -> None:
    from .services import certificate_request

    certificate_request(enrollment=enrollment)


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from enrollment.signals import enrollment_completed

        enrollment_completed.connect(_request_certificate, dispatch_uid="certificates_request")
