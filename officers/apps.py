from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = _("Technology officers")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import roles
        from talentportal.files import delete_file_on_commit

        from .models import Appointment, ResponsePhoto

        post_delete.connect(delete_file_on_commit, sender=ResponsePhoto, dispatch_uid="officers_photo_file")

        # Computed at each sign-in load: the flag follows the term's dates without a sweep.
        roles.register(
            "is_officer",
            lambda: Exists(Appointment.objects.current().filter(user=OuterRef("pk"))),
        )
