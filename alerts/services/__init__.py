"""Alert writes: matching records to rules, delivering notifications, daily checks, digests.

Every function here may run twice for the same input (a task delivered again,
two workers): notifications and flags are unique per record and event or day,
and a delivery or a digest is claimed with one conditional UPDATE before
anything is sent, so only one worker acts on it.

- `matching`: which rules a written record meets, and what a notification says;
- `deliveries`: notifications and their e-mail and webhook deliveries;
- `checks`: the daily checks and the digests.
"""

from alerts.services.checks import (
    digest_send,
    digest_subscriptions_due,
    flag_overdue_restorations,
    flag_resolve,
    flag_stale_outages,
)
from alerts.services.deliveries import (
    SendResult,
    delivery_attempt,
    delivery_claim,
    enqueue_deliveries,
    notification_create,
    requeue_deliveries,
    retry_delay_seconds,
    user_notification_create,
    webhook_body,
    webhook_secret_rotate,
)
from alerts.services.matching import (
    Match,
    evaluate_record,
)

__all__ = [
    "Match",
    "SendResult",
    "delivery_attempt",
    "delivery_claim",
    "digest_send",
    "digest_subscriptions_due",
    "enqueue_deliveries",
    "evaluate_record",
    "flag_overdue_restorations",
    "flag_resolve",
    "flag_stale_outages",
    "notification_create",
    "requeue_deliveries",
    "retry_delay_seconds",
    "user_notification_create",
    "webhook_body",
    "webhook_secret_rotate",
]
