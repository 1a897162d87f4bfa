"""Background work of the alerts app: each task takes an id (or nothing) and calls a service.

Schedules for the periodic ones are in settings.CELERY_BEAT_SCHEDULE.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from alerts import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def evaluate_rules(model_label: str, pk: int) -> int:
    """Check one saved record against the active rules; returns how many notifications are new."""
    return len(services.evaluate_record(model_label=model_label, pk=pk))


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def deliver(self, delivery_id: int) -> None:
    """One attempt at one delivery; a failure comes back after an exponential backoff.

    The service counts the attempts and gives up after ALERTS_MAX_ATTEMPTS, so
    Celery's own retry limit is not used.
    """
    retry_in = services.delivery_attempt(delivery_id=delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in, queue=settings.ALERTS_QUEUE)


@shared_task(acks_late=True, ignore_result=True)
def requeue_deliveries() -> int:
    return len(services.requeue_deliveries())


@shared_task(acks_late=True, ignore_result=True)
def flag_stale_outages() -> int:
    return services.flag_stale_outages()


@shared_task(acks_late=True, ignore_result=True)
def flag_overdue_restorations() -> int:
    return services.flag_overdue_restorations()


@shared_task(acks_late=True, ignore_result=True)
def send_digests() -> int:
    """Hand each subscriber's digest to its own task, so one bad address delays no one else."""
    subscription_ids = services.digest_subscriptions_due()
    for subscription_id in subscription_ids:
        send_digest.apply_async(args=[subscription_id], queue=settings.ALERTS_QUEUE)
    return len(subscription_ids)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=5)
def send_digest(self, subscription_id: int) -> bool:
    try:
        return services.digest_send(subscription_id=subscription_id)
    except Exception as exc:  # Mail server trouble: the claim was given back, try later.
        logger.warning("Digest %s could not be sent: %s", subscription_id, exc)
        raise self.retry(
            exc=exc, countdown=60 * 2**self.request.retries, queue=settings.ALERTS_QUEUE
        ) from exc
