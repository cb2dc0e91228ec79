from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Practice lab")

    def ready(self) -> None:
        from talentportal.files import delete_file_on_commit

        from .models import Item, SubmissionImage

        post_delete.connect(delete_file_on_commit, sender=Item, dispatch_uid="practice_item_file")
        post_delete.connect(delete_file_on_commit, sender=SubmissionImage, dispatch_uid="practice_photo_file")
