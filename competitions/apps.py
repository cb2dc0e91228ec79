from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Skills competitions")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import evidence, roles

        from .models import RoundJudge
        from .selectors import AWARD_EVIDENCE, award_evidence

        roles.register("is_judge", lambda: Exists(RoundJudge.objects.filter(judge=OuterRef("pk"))))
        # Prizes are evidence on the learner's applications and in the talent pool (jobs).
        evidence.register(AWARD_EVIDENCE, award_evidence)
