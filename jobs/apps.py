from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Jobs and hiring")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import roles

        from .models import Employer, EmployerMember

        # A person acts for an employer once they accepted, only while staff keep it verified.
        roles.register(
            "is_employer",
            lambda: Exists(
                EmployerMember.objects.filter(
                    user=OuterRef("pk"), is_pending=False, employer__status=Employer.Status.VERIFIED
                )
            ),
        )
