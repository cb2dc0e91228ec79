from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Skills competitions")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from accounts import evidence, roles
        from practice import gates, viewers

        from .gates import GATE_NAME, round_task_refusal
        from .models import RoundJudge
        from .selectors import AWARD_EVIDENCE, award_evidence, judged_submission_ids

        roles.register("is_judge", lambda: Exists(RoundJudge.objects.filter(judge=OuterRef("pk"))))
        # Prizes are evidence on the learner's applications and in the talent pool (jobs).
        evidence.register(AWARD_EVIDENCE, award_evidence)
        # A round's practical task stays closed to all but its entrants during the round.
        gates.register(GATE_NAME, round_task_refusal)
        # A judge sees the photos of the work assigned to them (blind: by id only).
        viewers.register("competition_judges", judged_submission_ids)
