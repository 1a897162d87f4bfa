"""Reads that more than one place needs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from incidents.models import Attack, Facility, OutageReport, Region

_DISTANCE_SQL = (
    "ST_Distance(boundary::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"
)


def regions_have_boundaries() -> bool:
    return Region.objects.filter(boundary__isnull=False).exists()


def region_containing(point: Point) -> Region | None:
    """The region whose boundary covers the point, else the nearest one within tolerance.

    The tolerance (REGION_TOLERANCE_M) absorbs the error of simplified
    boundaries for points close to a border or the coast.
    """
    region = Region.objects.filter(boundary__covers=point).order_by("code").first()
    if region is not None:
        return region
    return (
        Region.objects.filter(boundary__isnull=False)
        .annotate(distance_m=RawSQL(_DISTANCE_SQL, (point.x, point.y)))
        .filter(distance_m__lte=settings.REGION_TOLERANCE_M)
        .order_by("distance_m")
        .first()
    )


def region_distance_m(region: Region, point: Point) -> float | None:
    """How far (metres) the point lies from the region; 0 inside; None without a boundary."""
    if region.boundary is None:
        return None
    return (
        Region.objects.filter(pk=region.pk)
        .annotate(distance_m=RawSQL(_DISTANCE_SQL, (point.x, point.y)))
        .values_list("distance_m", flat=True)
        .get()
    )


def facility_damage_history(*, facility: Facility) -> QuerySet:
    return facility.damages.select_related("attack").order_by("-attack__started_at", "-id")


def current_outages(*, regions: list[Region] | None = None) -> QuerySet[OutageReport]:
    """The latest figure per region, service and unit: never a sum of snapshots."""
    queryset = OutageReport.objects.all()
    if regions is not None:
        queryset = queryset.filter(region__in=regions)
    return (
        queryset.select_related("region")
        .order_by("region_id", "service", "unit", "-as_of", "-id")
        .distinct("region_id", "service", "unit")
    )


def attacks_with_details() -> QuerySet[Attack]:
    return Attack.objects.prefetch_related(
        "regions", "sources", "weapons", "damages__facility", "outages__region", "responses"
    )


def recent_attacks(*, limit: int) -> QuerySet[Attack]:
    return Attack.objects.prefetch_related("regions").order_by("-started_at")[:limit]


def dashboard_summary() -> dict[str, int | None]:
    from django.db.models import Count, Q, Sum

    from incidents.models import WeaponUse

    facilities = Facility.objects.aggregate(
        damaged=Count("id", filter=Q(status__in=["damaged", "under_repair"])),
        destroyed=Count("id", filter=Q(status="destroyed")),
    )
    weapons = WeaponUse.objects.aggregate(launched=Sum("launched"), intercepted=Sum("intercepted"))
    return {
        "attacks": Attack.objects.count(),
        "facilities_damaged": facilities["damaged"],
        "facilities_destroyed": facilities["destroyed"],
        "weapons_launched": weapons["launched"],
        "weapons_intercepted": weapons["intercepted"],
    }
