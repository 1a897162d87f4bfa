"""Reads for matching, the daily checks and the digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from alerts.models import AlertRule, Delivery
from incidents.models import Damage, OutageReport
from incidents.reports.build import Period, Report, build_report
from incidents.selectors import current_outages


def active_rules(*, kind: str) -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(kind=kind, active=True).prefetch_related(
        "recipients", "webhooks"
    )


def earlier_hits(*, damage: Damage, days: int) -> QuerySet[Damage]:
    """Other damaging hits on the same facility in the `days` before this damage's attack."""
    started_at = damage.attack.started_at
    return (
        Damage.objects.filter(
            facility_id=damage.facility_id,
            attack__started_at__gte=started_at - timedelta(days=days),
            attack__started_at__lte=started_at,
        )
        .exclude(pk=damage.pk)
        .exclude(attack_id=damage.attack_id)
        .exclude(severity=Damage.Severity.NONE)
        .select_related("attack")
        .order_by("-attack__started_at")
    )


def is_current_outage(report: OutageReport) -> bool:
    """Whether the report is the latest figure for its region, service and unit."""
    latest = (
        current_outages(regions=[report.region])
        .filter(service=report.service, unit=report.unit)
        .values_list("pk", flat=True)
        .first()
    )
    return latest == report.pk


def stale_outages(*, updated_before: datetime) -> list[OutageReport]:
    """Open outages (latest figure above zero) whose latest figure is older than the cut-off."""
    return [
        report for report in current_outages() if report.count > 0 and report.as_of < updated_before
    ]


def overdue_restorations(*, today: date) -> QuerySet[Damage]:
    return (
        Damage.objects.filter(expected_restoration__lt=today)
        .exclude(restoration_status=Damage.Restoration.RESTORED)
        .select_related("facility__region", "attack")
        .order_by("expected_restoration", "pk")
    )


@dataclass(frozen=True)
class Digest:
    """The daily digest: the report of the last whole day (Kyiv time) before it is sent."""

    day: date
    report: Report

    @property
    def is_empty(self) -> bool:
        return self.report.is_empty


def digest(*, now: datetime) -> Digest:
    """The report of the day before `now`'s day, read from the full data (subscribers are
    registered users, who read every record)."""
    day = timezone.localdate(now) - timedelta(days=1)
    return Digest(day=day, report=build_report(Period(first=day, last=day)))


def lost_deliveries(*, due_before: datetime) -> QuerySet[Delivery]:
    """Pending deliveries whose task should have run by now (its message was lost)."""
    return Delivery.objects.filter(status=Delivery.Status.PENDING).filter(
        Q(next_attempt_at__lte=due_before)
        | Q(next_attempt_at__isnull=True, created_at__lte=due_before)
    )


def stalled_deliveries(*, claimed_before: datetime) -> QuerySet[Delivery]:
    """Deliveries a worker took and never finished (it died mid-attempt)."""
    return Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=claimed_before)
