"""Alert writes: matching records to rules, delivering notifications, daily checks, digests.

Every function here may run twice for the same input (a task delivered again,
two workers): notifications and flags are unique per record and event or day,
and a delivery or a digest is claimed with one conditional UPDATE before
anything is sent, so only one worker acts on it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from alerts import selectors, webhooks
from alerts.models import (
    AlertRule,
    Delivery,
    DeliveryAttempt,
    DigestSubscription,
    Flag,
    Notification,
    WebhookEndpoint,
    new_webhook_secret,
    outside_addresses,
)
from incidents.models import Attack, Damage, OutageReport

logger = logging.getLogger(__name__)

# A retry message may arrive a moment before the computed next attempt time.
_CLAIM_SLACK = timedelta(seconds=2)


# --------------------------------------------------------------------------- describing records


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _url(obj: models.Model) -> str | None:
    return f"{settings.SITE_URL}{obj.get_absolute_url()}" if obj is not None else None


def _describe_attack(attack: Attack) -> dict:
    return {
        "id": attack.pk,
        "started_at": _iso(attack.started_at),
        "summary": attack.summary,
        "verification_status": attack.verification_status,
        "regions": [region.code for region in attack.regions.all()],
        "url": _url(attack),
    }


def _describe_damage(damage: Damage) -> dict:
    facility = damage.facility
    return {
        "damage": {
            "id": damage.pk,
            "severity": damage.severity,
            "restoration_status": damage.restoration_status,
            "expected_restoration": (
                damage.expected_restoration.isoformat() if damage.expected_restoration else None
            ),
        },
        "facility": {
            "id": facility.pk,
            "name": facility.name,
            "kind": facility.kind,
            "region": facility.region.code if facility.region_id else None,
            "locality": facility.locality,
            "url": _url(facility),
        },
        "attack": _describe_attack(damage.attack),
    }


def _describe_outage(report: OutageReport) -> dict:
    return {
        "outage": {
            "id": report.pk,
            "region": report.region.code,
            "locality": report.locality,
            "service": report.service,
            "unit": report.unit,
            "count": report.count,
            "count_qualifier": report.count_qualifier,
            "as_of": _iso(report.as_of),
            "attack_id": report.attack_id,
        }
    }


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Match:
    rule: AlertRule
    event_key: str
    payload: dict


def _region_applies(rule: AlertRule, region_ids: set[int]) -> bool:
    return rule.region_id is None or rule.region_id in region_ids


def _damage_matches(damage: Damage) -> Iterator[Match]:
    if damage.severity == Damage.Severity.NONE:
        return
    facility = damage.facility
    regions = {facility.region_id} if facility.region_id else set()
    base = _describe_damage(damage)
    title = f"{damage.get_severity_display()} damage to {facility.name}"
    for rule in selectors.active_rules(kind=AlertRule.Kind.FACILITY_DAMAGED):
        if facility.kind in rule.facility_kinds and _region_applies(rule, regions):
            yield Match(rule, "damaged", {**base, "title": title})
    for rule in selectors.active_rules(kind=AlertRule.Kind.HIT_AGAIN):
        if rule.facility_kinds and facility.kind not in rule.facility_kinds:
            continue
        if not _region_applies(rule, regions):
            continue
        earlier = list(selectors.earlier_hits(damage=damage, days=rule.days)[:10])
        if earlier:
            yield Match(
                rule,
                "hit-again",
                {
                    **base,
                    "title": f"{facility.name} hit again within {rule.days} days",
                    "earlier_hits": [
                        {
                            "damage_id": hit.pk,
                            "attack_id": hit.attack_id,
                            "started_at": _iso(hit.attack.started_at),
                            "severity": hit.severity,
                        }
                        for hit in earlier
                    ],
                },
            )


def _outage_matches(report: OutageReport) -> Iterator[Match]:
    # Only the latest figure of a series is news: loading an old series must
    # not raise an alert for every historical figure.
    if not selectors.is_current_outage(report):
        return
    payload = _describe_outage(report)
    for rule in selectors.active_rules(kind=AlertRule.Kind.OUTAGE_ABOVE):
        if rule.region_id != report.region_id or rule.threshold is None:
            continue
        if rule.service and rule.service != report.service:
            continue
        if report.count > rule.threshold:
            title = (
                f"{report.region}: {report.count:,} {report.get_unit_display().lower()} "
                f"without {report.get_service_display().lower()}"
            )
            yield Match(rule, "above-threshold", {**payload, "title": title})


def _attack_matches(attack: Attack) -> Iterator[Match]:
    if attack.verification_status != Attack.Verification.VERIFIED:
        return
    regions = {region.pk for region in attack.regions.all()}
    payload = {"attack": _describe_attack(attack), "title": f"Verified: {attack.summary}"}
    for rule in selectors.active_rules(kind=AlertRule.Kind.ATTACK_VERIFIED):
        if _region_applies(rule, regions):
            yield Match(rule, "verified", payload)


_LOADERS = {
    Damage: lambda pk: Damage.objects.select_related("facility__region", "attack").get(pk=pk),
    OutageReport: lambda pk: OutageReport.objects.select_related("region").get(pk=pk),
    Attack: lambda pk: Attack.objects.prefetch_related("regions").get(pk=pk),
}
_MATCHERS = {Damage: _damage_matches, OutageReport: _outage_matches, Attack: _attack_matches}


def evaluate_record(*, model_label: str, pk: int) -> list[Notification]:
    """Check one saved record against the active rules; returns the new notifications.

    A record matched before for the same rule and event is not notified again.
    """
    model = apps.get_model(model_label)
    if model not in _MATCHERS:
        return []
    try:
        record = _LOADERS[model](pk)
    except model.DoesNotExist:
        return []  # Deleted before the check ran: nothing to tell.
    created = []
    for match in _MATCHERS[model](record):
        notification = notification_create(
            rule=match.rule, record=record, event_key=match.event_key, payload=match.payload
        )
        if notification is not None:
            created.append(notification)
    return created


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
            "created_at": _iso(notification.created_at),
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
    subject = f"[{settings.SITE_NAME}] {notification.rule.name}: {notification.payload['title']}"
    started = time.monotonic()
    try:
        send_mail(
            subject=subject[:250],
            message=render_to_string("alerts/email/notification.txt", context),
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


# --------------------------------------------------------------------------- daily checks


def _flag(*, kind: str, record: models.Model, day, region_id: int | None, message: str) -> bool:
    _, created = Flag.objects.get_or_create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        day=day,
        defaults={"region_id": region_id, "message": message},
    )
    return created


def flag_stale_outages(*, now: datetime | None = None) -> int:
    """Flag open outages whose latest figure is too old; returns how many flags are new."""
    now = now or timezone.now()
    hours = settings.ALERTS_STALE_OUTAGE_HOURS
    day = timezone.localdate(now)
    created = 0
    for report in selectors.stale_outages(updated_before=now - timedelta(hours=hours)):
        as_of = timezone.localtime(report.as_of).strftime("%Y-%m-%d %H:%M")
        message = (
            f"{report.region} – {report.get_service_display().lower()}: the latest figure "
            f"({report.count:,} {report.get_unit_display().lower()}, as of {as_of}) "
            f"is more than {hours} hours old while the outage is open."
        )
        created += _flag(
            kind=Flag.Kind.STALE_OUTAGE,
            record=report,
            day=day,
            region_id=report.region_id,
            message=message,
        )
    return created


def flag_overdue_restorations(*, now: datetime | None = None) -> int:
    """Flag damages whose expected restoration date has passed; returns how many are new."""
    day = timezone.localdate(now or timezone.now())
    created = 0
    for damage in selectors.overdue_restorations(today=day):
        message = (
            f"{damage.facility.name}: restoration was expected by "
            f"{damage.expected_restoration:%Y-%m-%d} and is "
            f"{damage.get_restoration_status_display().lower()}."
        )
        created += _flag(
            kind=Flag.Kind.RESTORATION_OVERDUE,
            record=damage,
            day=day,
            region_id=damage.facility.region_id,
            message=message,
        )
    return created


def flag_resolve(*, flag: Flag, user: AbstractBaseUser) -> bool:
    """Mark a flag dealt with; False if it already was."""
    return bool(
        Flag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=user
        )
    )


# --------------------------------------------------------------------------- digest


def _digest_due(today) -> Q:
    return Q(active=True) & (Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today))


def digest_subscriptions_due(*, now: datetime | None = None) -> list[int]:
    today = timezone.localdate(now or timezone.now())
    return list(
        DigestSubscription.objects.filter(_digest_due(today), user__is_active=True)
        .exclude(user__email="")
        .values_list("pk", flat=True)
    )


def digest_send(*, subscription_id: int, now: datetime | None = None) -> bool:
    """Send one subscriber today's digest; False if it was sent already today.

    The subscription is claimed for the day first, so two workers never both
    send it; when sending fails, the claim is given back and the task retries.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    subscription = (
        DigestSubscription.objects.select_related("user").filter(pk=subscription_id).first()
    )
    if subscription is None:
        return False
    previous = subscription.last_sent_on
    claimed = DigestSubscription.objects.filter(
        _digest_due(today), pk=subscription_id, user__is_active=True
    ).update(last_sent_on=today)
    if claimed != 1 or not subscription.user.email:
        return False
    content = selectors.digest(since=now - timedelta(days=1), until=now)
    context = {"digest": content, "user": subscription.user, "site_url": settings.SITE_URL}
    try:
        send_mail(
            subject=f"[{settings.SITE_NAME}] Daily digest for {today:%Y-%m-%d}",
            message=render_to_string("alerts/email/digest.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[subscription.user.email],
        )
    except Exception:
        DigestSubscription.objects.filter(pk=subscription_id, last_sent_on=today).update(
            last_sent_on=previous
        )
        raise
    return True
