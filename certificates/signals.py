"""What the certificates app tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent after the transaction that issued a certificate commits, with ``certificate_id``: the
# reminders app queues the "certificate ready" message.
certificate_issued = Signal()
