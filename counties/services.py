from __future__ import annotations

from django.db import transaction

from accounts.models import User

from .models import County, LearnerProfile


@transaction.atomic
def learner_profile_save(*, user: User, county: County, school: str = "") -> LearnerProfile:
    """Create or update the learner's county and school (one profile per user)."""
    profile, _created = LearnerProfile.objects.update_or_create(
        user=user, defaults={"county": county, "school": school.strip()}
    )
    return profile
