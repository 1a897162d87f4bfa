"""Matching a written record to the alert rules it meets, and describing it for a notification."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext, ngettext

from alerts import selectors
from alerts.models import (
    AlertRule,
    Notification,
)
from alerts.services.deliveries import iso, notification_create
from incidents.models import Attack, Damage, OutageReport

# --------------------------------------------------------------------------- describing records


def _url(obj: models.Model) -> str | None:
    return f"{settings.SITE_URL}{obj.get_absolute_url()}" if obj is not None else None


def _describe_attack(attack: Attack) -> dict:
    return {
        "id": attack.pk,
        "started_at": iso(attack.started_at),
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
            "as_of": iso(report.as_of),
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
    title = gettext("%(severity)s damage to %(facility)s") % {
        "severity": damage.get_severity_display(),
        "facility": facility.name,
    }
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
                    "title": ngettext(
                        "%(facility)s hit again within %(days)d days",
                        "%(facility)s hit again within %(days)d days",
                        rule.days,
                    )
                    % {"facility": facility.name, "days": rule.days},
                    "earlier_hits": [
                        {
                            "damage_id": hit.pk,
                            "attack_id": hit.attack_id,
                            "started_at": iso(hit.attack.started_at),
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
            title = gettext("%(region)s: %(figure)s without %(service)s") % {
                "region": report.region,
                "figure": report.figure(),
                "service": report.get_service_display().lower(),
            }
            yield Match(rule, "above-threshold", {**payload, "title": title})


def _attack_matches(attack: Attack) -> Iterator[Match]:
    if attack.verification_status != Attack.Verification.VERIFIED:
        return
    regions = {region.pk for region in attack.regions.all()}
    payload = {
        "attack": _describe_attack(attack),
        "title": gettext("Verified: %(summary)s") % {"summary": attack.summary},
    }
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
