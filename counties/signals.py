"""What the counties app tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent when attendance that counts towards completion changed: a roll call saved, an attendance
# corrected, a cohort's minimum attendance lowered. ``cohort_id``, and ``learner_ids`` (None: all
# of the cohort's learners). The enrollment app re-checks their completion.
attendance_changed = Signal()
