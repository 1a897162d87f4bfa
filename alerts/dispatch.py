"""The receivers of the incident services' signals: `record_changed` queues a rule check on
commit; `sent_back` tells the author of a record that a reviewer returned it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction

from alerts.models import AlertRule
from incidents.models import Attack, Damage, OutageReport

_RULE_KINDS = {
    Damage: (AlertRule.Kind.FACILITY_DAMAGED, AlertRule.Kind.HIT_AGAIN),
    OutageReport: (AlertRule.Kind.OUTAGE_ABOVE,),
    Attack: (AlertRule.Kind.ATTACK_VERIFIED,),
}


def record_changed(
    sender: type[models.Model],
    *,
    instance: models.Model,
    action: str,
    previous: Mapping[str, Any],
    **kwargs: Any,
) -> None:
    """Queue `evaluate_rules` for a write that a rule may care about.

    Runs inside the writing transaction; the task is sent only once it commits,
    so a write that is rolled back notifies no one.
    """
    if action != "saved" or not _may_match(instance, previous):
        return
    # A bulk import saves thousands of rows: without a rule that could match,
    # no message is worth sending.
    kinds = _RULE_KINDS[type(instance)]
    if not AlertRule.objects.filter(kind__in=kinds, active=True).exists():
        return
    label, pk = instance._meta.label, instance.pk
    transaction.on_commit(lambda: enqueue_evaluation(model_label=label, pk=pk))


def _may_match(instance: models.Model, previous: Mapping[str, Any]) -> bool:
    if isinstance(instance, Damage | OutageReport):
        return True
    if isinstance(instance, Attack):
        # Only the step into "verified" is news, not every later edit.
        verified = Attack.Verification.VERIFIED
        return (
            instance.verification_status == verified
            and previous.get("verification_status") != verified
        )
    return False


def enqueue_evaluation(*, model_label: str, pk: int) -> None:
    from django.conf import settings

    from alerts.tasks import evaluate_rules

    evaluate_rules.apply_async(args=[model_label, pk], queue=settings.ALERTS_QUEUE)


def sent_back(
    sender: type[models.Model],
    *,
    instance: models.Model,
    reviewer: Any,
    comment: str,
    author: Any,
    **kwargs: Any,
) -> None:
    """Record a notification for the record's author, e-mailed to them once the write commits.

    A record last changed by no one (an import, a command) has no author to tell.
    """
    from django.conf import settings
    from django.urls import reverse

    from alerts.services import user_notification_create

    if author is None:
        return
    opts = instance._meta
    path = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    record_kind = str(opts.verbose_name)
    user_notification_create(
        recipient=author,
        record=instance,
        event_key="sent_back",
        payload={
            "title": f"Sent back: {record_kind} {instance}"[:200],
            "record_kind": record_kind,
            "record": str(instance),
            "reviewer": str(reviewer) if reviewer else "A reviewer",
            "comment": comment,
            "url": settings.SITE_URL.rstrip("/") + path,
        },
    )
