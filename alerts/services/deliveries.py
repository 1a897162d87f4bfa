"""Notifications and their deliveries by e-mail and webhook, each claimed before it is sent."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from alerts import selectors, webhooks
from alerts.models import (
    AlertRule,
    Delivery,
    DeliveryAttempt,
    Notification,
    WebhookEndpoint,
    new_webhook_secret,
    outside_addresses,
)
from preferences.language import language_for_address

logger = logging.getLogger(__name__)

# A retry message may arrive a moment before the computed next attempt time.
_CLAIM_SLACK = timedelta(seconds=2)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- notifications


def _rule_addresses(rule: AlertRule) -> list[str]:
    addresses: dict[str, str] = {}
    for user in rule.recipients.all():
        if user.is_active and user.email:
            addresses.setdefault(user.email.lower(), user.email)
    # Checked again here: the rule may have been saved before the rule on
    # recipients existed, or the user behind an address may have left since.
    outside = set(outside_addresses(rule.emails))
    for email in rule.emails:
        if email in outside:
            logger.warning(
                "Rule %s: not e-mailing %s, an address alerts may not go to.", rule.pk, email
            )
            continue
        addresses.setdefault(email.lower(), email)
    return list(addresses.values())


@transaction.atomic
def notification_create(
    *, rule: AlertRule, record: models.Model, event_key: str, payload: dict
) -> Notification | None:
    """Record a match and queue its deliveries after commit; None if it was notified before."""
    notification, created = Notification.objects.get_or_create(
        rule=rule,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        event_key=event_key,
        defaults={"payload": payload},
    )
    if not created:
        return None
    deliveries = [
        Delivery(notification=notification, channel=Delivery.Channel.EMAIL, email=address)
        for address in _rule_addresses(rule)
    ] + [
        Delivery(notification=notification, channel=Delivery.Channel.WEBHOOK, endpoint=endpoint)
        for endpoint in rule.webhooks.all()
        if endpoint.active
    ]
    Delivery.objects.bulk_create(deliveries)
    delivery_ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: enqueue_deliveries(delivery_ids=delivery_ids))
    return notification


@transaction.atomic
def user_notification_create(
    *, recipient: AbstractBaseUser, record: models.Model, event_key: str, payload: dict
) -> Notification:
    """A message to one user about a record; e-mailed after commit when they have an address."""
    notification = Notification.objects.create(
        recipient=recipient,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        event_key=event_key,
        payload=payload,
    )
    if recipient.is_active and recipient.email:
        delivery = Delivery.objects.create(
            notification=notification, channel=Delivery.Channel.EMAIL, email=recipient.email
        )
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids=[delivery.pk]))
    return notification


def enqueue_deliveries(*, delivery_ids: list[int]) -> None:
    from alerts.tasks import deliver

    for delivery_id in delivery_ids:
        deliver.apply_async(args=[delivery_id], queue=settings.ALERTS_QUEUE)


# --------------------------------------------------------------------------- deliveries


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0
    permanent: bool = False  # Trying again cannot help (the endpoint is gone or refused).


def webhook_body(delivery: Delivery) -> bytes:
    notification = delivery.notification
    return json.dumps(
        {
            "delivery_id": delivery.pk,
            "notification_id": notification.pk,
            "event": notification.rule.kind,
            "event_key": notification.event_key,
            "rule": {"id": notification.rule_id, "name": notification.rule.name},
            "created_at": iso(notification.created_at),
            "data": notification.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def _send_webhook(delivery: Delivery) -> SendResult:
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.active:
        return SendResult(
            ok=False, error="The endpoint was removed or deactivated.", permanent=True
        )
    result = webhooks.post(
        url=endpoint.url,
        secret=endpoint.secret,
        body=webhook_body(delivery),
        event=delivery.notification.rule.kind,
        delivery_id=delivery.pk,
        timeout=settings.ALERTS_WEBHOOK_TIMEOUT,
        deadline=settings.ALERTS_WEBHOOK_DEADLINE,
        allow_private=settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS,
    )
    return SendResult(
        ok=result.ok,
        status_code=result.status_code,
        error=result.error,
        duration_ms=result.duration_ms,
        permanent=result.permanent,
    )


def _send_email(delivery: Delivery) -> SendResult:
    notification = delivery.notification
    context = {"notification": notification, "rule": notification.rule, **notification.payload}
    if notification.rule is None:
        # A message to one user: its event names its template (e.g. sent_back.txt).
        template = f"alerts/email/{notification.event_key}.txt"
        subject = f"[{settings.SITE_NAME}] {notification.payload['title']}"
    else:
        template = "alerts/email/notification.txt"
        subject = (
            f"[{settings.SITE_NAME}] {notification.rule.name}: {notification.payload['title']}"
        )
    started = time.monotonic()
    try:
        # In the language the recipient chose for the interface, when they have an account.
        with translation.override(language_for_address(delivery.email)):
            send_mail(
                subject=str(subject)[:250],
                message=render_to_string(template, context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[delivery.email],
            )
    except Exception as exc:  # Any mail failure (SMTP, DNS, refused) is tried again.
        error = f"{type(exc).__name__}: {exc}"
        return SendResult(ok=False, error=error, duration_ms=_ms_since(started))
    return SendResult(ok=True, duration_ms=_ms_since(started))


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def retry_delay_seconds(attempts: int) -> float:
    """Exponential backoff: 2**attempts times the base, after the attempts made so far."""
    return (2**attempts) * settings.ALERTS_RETRY_BASE_MS / 1000


def delivery_claim(*, delivery_id: int) -> Delivery | None:
    """Take a pending, due delivery for this worker; None when another has it or it is done."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + _CLAIM_SLACK))
        .update(status=Delivery.Status.SENDING, claimed_at=now)
    )
    if claimed != 1:
        return None
    return Delivery.objects.select_related("notification__rule", "endpoint").get(pk=delivery_id)


def delivery_attempt(*, delivery_id: int) -> float | None:
    """Make one attempt at a delivery; returns seconds until the next one, or None when done.

    Every attempt is logged; a failure is tried again with exponential backoff
    until ALERTS_MAX_ATTEMPTS tries have been made, then the delivery fails.
    """
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return None
    number = delivery.attempts + 1
    attempted_at = timezone.now()
    if delivery.channel == Delivery.Channel.WEBHOOK:
        result = _send_webhook(delivery)
    else:
        result = _send_email(delivery)
    retry_in: float | None = None
    changes: dict = {
        "attempts": number,
        "last_status_code": result.status_code,
        "last_error": result.error,
        "claimed_at": None,
    }
    if result.ok:
        changes |= {"status": Delivery.Status.SENT, "sent_at": timezone.now()}
    elif result.permanent or number >= settings.ALERTS_MAX_ATTEMPTS:
        changes |= {"status": Delivery.Status.FAILED, "next_attempt_at": None}
    else:
        retry_in = retry_delay_seconds(number)
        changes |= {
            "status": Delivery.Status.PENDING,
            "next_attempt_at": timezone.now() + timedelta(seconds=retry_in),
        }
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=attempted_at,
            succeeded=result.ok,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(**changes)
    if not result.ok:
        logger.warning("Delivery %s attempt %s failed: %s", delivery.pk, number, result.error)
    return retry_in


def requeue_deliveries(*, now: datetime | None = None) -> list[int]:
    """Queue again deliveries whose message was lost or whose worker died mid-attempt.

    A delivery a dead worker was sending may have reached its receiver; it is
    sent again (receivers recognise a repeat by X-Tracker-Delivery).
    """
    now = now or timezone.now()
    grace = timedelta(minutes=5)
    # No webhook attempt outlives its deadline: one still sending after it had a dead worker.
    stalled_before = now - timedelta(seconds=settings.ALERTS_WEBHOOK_DEADLINE) - grace
    delivery_ids: set[int] = set()
    for delivery_id, claimed_at in selectors.stalled_deliveries(
        claimed_before=stalled_before
    ).values_list("pk", "claimed_at"):
        if Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.SENDING, claimed_at=claimed_at
        ).update(status=Delivery.Status.PENDING, claimed_at=None, next_attempt_at=now):
            delivery_ids.add(delivery_id)
    delivery_ids |= set(
        selectors.lost_deliveries(due_before=now - grace).values_list("pk", flat=True)
    )
    enqueue_deliveries(delivery_ids=sorted(delivery_ids))
    return sorted(delivery_ids)


def webhook_secret_rotate(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint
