from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = _("Authoring studio")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import roles
        from courses.models import TrackRole

        # Editors and publishers of a track see the studio in the navigation (superusers too).
        roles.register("is_studio_member", lambda: Exists(TrackRole.objects.filter(user=OuterRef("pk"))))

        from courses import revisions

        from . import selectors, services

        # Exams and practice items are ordered in the outline and through revisions: courses
        # sits below their apps, so the studio tells it how to read and apply their order.
        revisions.activity_order_register(
            read=selectors.live_activity_order, apply=services.activity_positions_apply
        )
