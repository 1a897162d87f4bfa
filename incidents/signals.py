"""Signals the incident services send; other apps connect to them in their AppConfig.ready."""

from django.dispatch import Signal

# Sent by the write services at the end of each save or delete, inside its
# transaction, with sender=the model class and instance=, action="saved" or
# "deleted", previous= (the stored values the service read before the write).
# A receiver that sends anything defers it with transaction.on_commit.
record_changed = Signal()

# Sent by the publication service when a reviewer sends a record back to its
# author, with sender=the model class, instance=, reviewer=, comment= and
# author= (the user who last changed it, or None). Sent inside the transaction.
sent_back = Signal()
