"""Writing facilities and the damage done to them; a facility's status follows its damage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from incidents import selectors
from incidents.models import Attack, Damage, Facility, Region, Source
from incidents.public import snapshots
from incidents.services.base import Links, User, Writes, assign, remove, stamp, upsert, write
from incidents.services.verification import part_delete, part_save, stored_values


def place_facility(facility: Facility) -> None:
    """Fill the region from the location, or check that the given region fits it."""
    point = facility.location
    if point is None or not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
        return  # full_clean reports the coordinates themselves.
    if facility.region_id is None:
        facility.region = selectors.region_containing(point)
        return
    distance = selectors.region_distance_m(facility.region, point)
    if distance is None or distance == 0:
        return
    if distance <= settings.REGION_TOLERANCE_M:
        return
    actual = selectors.region_containing(point)
    where = (
        gettext("in %(region)s") % {"region": actual}
        if actual
        else gettext("outside every known region")
    )
    raise ValidationError(
        {
            "location": gettext(
                "The point lies %(where)s, %(km)s km from %(region)s. Move the point, or clear "
                "the region to fill it from the location."
            )
            % {
                "where": where,
                "km": number_format(round(distance / 1000), force_grouping=True),
                "region": facility.region,
            }
        }
    )


@transaction.atomic
def facility_save(facility: Facility, *, user: User, links: Links | None = None) -> Facility:
    stamp(facility, user)
    place_facility(facility)
    facility.full_clean()
    write(facility, user=user, links=links)
    if facility.public_region_only:
        # Published attacks on it would show where it is.
        snapshots.hide_points_of_attacks_on(facility.pk)
    return facility


def facility_create(
    *,
    created_by: User,
    name: str,
    kind: str,
    location: Point,
    region: Region | None = None,
    **fields: Any,
) -> Facility:
    facility = Facility(name=name, kind=kind, location=location, region=region, **fields)
    return facility_save(facility, user=created_by)


@transaction.atomic
def facility_delete(*, instance: Facility, user: User) -> None:
    remove(instance, user=user)


def facility_upsert(
    *, user: User, key: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[Facility, str]:
    return upsert(Facility, user=user, key=key, values=values, links={}, save=facility_save)


def derive_facility_status(damages: Iterable[Damage]) -> str:
    """A facility's status from all its damage records, whatever order they came in.

    Damage that is not restored yet decides: destroyed and not being repaired
    beats damaged, which beats under repair. Damage that was all restored
    makes the facility "restored"; no damage at all leaves it operational.
    """
    S, R, Sev = Facility.Status, Damage.Restoration, Damage.Severity
    harmful = [d for d in damages if d.severity != Sev.NONE]
    if not harmful:
        return S.OPERATIONAL
    open_ = [d for d in harmful if d.restoration_status != R.RESTORED]
    if not open_:
        return S.RESTORED
    waiting = [d for d in open_ if d.restoration_status == R.NOT_STARTED]
    if any(d.severity == Sev.DESTROYED for d in waiting):
        return S.DESTROYED
    if waiting:
        return S.DAMAGED
    return S.UNDER_REPAIR


def facility_refresh_status(*, facility_id: int) -> str:
    damages = Damage.objects.filter(facility_id=facility_id).only("severity", "restoration_status")
    status = derive_facility_status(damages)
    # A derived column: no history row, but updated_at moves so API clients resync.
    Facility.objects.filter(pk=facility_id).exclude(status=status).update(
        status=status, updated_at=timezone.now()
    )
    return status


# --------------------------------------------------------------------------- damage


@transaction.atomic
def damage_save(damage: Damage, *, user: User, links: Links | None = None) -> Damage:
    """Save a damage record and refresh the status of its facility (and a previous one)."""
    previous = stored_values(damage, "facility_id", "attack_id")
    part_save(damage, user=user, links=links, previous=previous)
    for facility_id in {damage.facility_id, previous.get("facility_id")} - {None}:
        facility_refresh_status(facility_id=facility_id)
    return damage


def damage_create(
    *,
    created_by: User,
    attack: Attack,
    facility: Facility,
    severity: str,
    sources: Iterable[Source] = (),
    **fields: Any,
) -> Damage:
    damage = Damage(attack=attack, facility=facility, severity=severity, **fields)
    return damage_save(damage, user=created_by, links={"sources": sources})


def damage_update(
    *,
    instance: Damage,
    updated_by: User,
    sources: Iterable[Source] | None = None,
    **changes: Any,
) -> Damage:
    links = {} if sources is None else {"sources": sources}
    return damage_save(assign(instance, changes), user=updated_by, links=links)


@transaction.atomic
def damage_delete(*, instance: Damage, user: User) -> None:
    part_delete(instance, user=user)
    facility_refresh_status(facility_id=instance.facility_id)


def damage_upsert(
    *,
    user: User,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    sources: Iterable[Source] = (),
) -> tuple[Damage, str]:
    links = {"sources": sources}
    return upsert(Damage, user=user, key=key, values=values, links=links, save=damage_save)


FACILITY_WRITES = Writes(save=facility_save, delete=facility_delete)
DAMAGE_WRITES = Writes(save=damage_save, delete=damage_delete)
