"""What the enrollment app tells the apps above it, without importing them.

Receivers only call a service of their own app; the rule they implement lives there.
"""

from django.dispatch import Signal

# Sent inside the transaction that completes an enrolment, with ``enrollment`` (the locked row):
# the certificates app creates the pending certificate in that same transaction.
enrollment_completed = Signal()
