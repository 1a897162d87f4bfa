"""Writing attacks and the weapons used in them.

An attack's impact point must lie in one of its regions (within
REGION_TOLERANCE_M); regions left empty are filled from the point. The
verification rules are in `verification`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext

from incidents import selectors
from incidents.models import (
    Attack,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)
from incidents.services.base import (
    Links,
    User,
    Writes,
    assign,
    differs_from_stored,
    remove,
    stamp,
    upsert,
    write,
)
from incidents.services.facilities import facility_refresh_status
from incidents.services.publication import forget_public_versions, reopen_on_edit
from incidents.services.verification import (
    UNVERIFIED_REASON,
    check_attack_verification,
    may_verify,
    part_delete,
    part_save,
    stored_values,
)

# --------------------------------------------------------------------------- where


def on_map(point: Point | None) -> bool:
    return point is not None and -180 <= point.x <= 180 and -90 <= point.y <= 90


def regions_of_point(point: Point | None) -> list[Region]:
    """The region an impact point lies in, as the regions of an attack filed without any."""
    found = selectors.region_containing(point) if on_map(point) else None
    return [found] if found is not None else []


def attack_regions(attack: Attack, regions: Iterable[Region] | None) -> list[Region]:
    """The regions to link: those given (else stored), or the point's region when none are.

    The impact point must lie in one of them, within REGION_TOLERANCE_M, as a
    facility's location must lie in its region; and the count a report gives
    cannot be smaller than the number of regions linked.
    """
    if regions is not None:
        chosen = list(regions)
    elif attack.pk is not None:
        chosen = list(Region.objects.filter(attacks=attack))
    else:
        chosen = []
    if not chosen:
        chosen = regions_of_point(attack.impact_location)
    elif on_map(attack.impact_location):
        check_point_in_regions(attack.impact_location, chosen)
    check_region_count(attack.reported_region_count, len(chosen))
    return chosen


def check_region_count(reported: int | None, linked: int) -> None:
    """Refuse more linked regions than the count a report gives (none given: any number)."""
    if reported is not None and reported < linked:
        raise ValidationError(
            {
                "reported_region_count": f"{linked} regions are linked, more than the "
                f"reported {reported}. Raise the count or leave it empty."
            }
        )


def check_point_in_regions(point: Point, regions: Sequence[Region]) -> None:
    """Refuse an impact point farther than REGION_TOLERANCE_M from every one of `regions`."""
    distances = [(selectors.region_distance_m(region, point), region) for region in regions]
    measured = [(distance, region) for distance, region in distances if distance is not None]
    if len(measured) < len(distances) or not measured:
        return  # A region without a boundary cannot be checked.
    distance, nearest = min(measured, key=lambda pair: pair[0])
    if distance <= settings.REGION_TOLERANCE_M:
        return
    actual = selectors.region_containing(point)
    where = (
        gettext("in %(region)s") % {"region": actual}
        if actual
        else gettext("outside every known region")
    )
    which = "" if len(regions) == 1 else gettext(", the nearest of its regions")
    raise ValidationError(
        {
            "impact_location": gettext(
                "The impact point lies %(where)s, %(km)s km from %(region)s%(which)s. Move the "
                "point, link the region it lies in, or clear the regions to fill them from the "
                "point."
            )
            % {
                "where": where,
                "km": number_format(round(distance / 1000), force_grouping=True),
                "region": nearest,
                "which": which,
            }
        }
    )


# --------------------------------------------------------------------------- attacks


def _unverify_on_edit(attack: Attack, *, user: User, was: str | None, links: Links) -> None:
    """A verified attack edited by someone who may not verify goes back to corroborated.

    What a reviewer verified is no longer what is stored; only a reviewer can
    verify it again (check_attack_verification). Leaving the status as it was
    is what the edit form offers, so an unchanged "verified" is taken back;
    any other status the editor chose stands.
    """
    verified = Attack.Verification.VERIFIED
    if was != verified or attack.verification_status != verified:
        return
    if may_verify(user) or not differs_from_stored(attack, links):
        return
    attack.verification_status = Attack.Verification.CORROBORATED
    attack._change_reason = UNVERIFIED_REASON


@transaction.atomic
def attack_save(attack: Attack, *, user: User, links: Links | None = None) -> Attack:
    """Validate and save an attack (new or changed) with its regions and sources.

    Links not given keep what is stored; regions left empty are filled from the
    impact point. Raises ValidationError with field messages; nothing is written then.
    """
    stored = Attack.objects.filter(pk=attack.pk) if attack.pk is not None else Attack.objects.none()
    was = stored.values_list("verification_status", flat=True).first()
    stamp(attack, user)
    check_attack_verification(attack, user)
    links = dict(links or {})
    links["regions"] = attack_regions(attack, links.get("regions"))
    attack.full_clean()
    _unverify_on_edit(attack, user=user, was=was, links=links)
    reopen_on_edit(attack, changed=attack.pk is not None and differs_from_stored(attack, links))
    return write(attack, user=user, links=links, previous={"verification_status": was})


def _links(**given: Iterable[Any] | None) -> dict[str, Iterable[Any]]:
    return {name: values for name, values in given.items() if values is not None}


def attack_create(
    *,
    created_by: User,
    started_at: datetime,
    summary: str,
    regions: Iterable[Region] = (),
    sources: Iterable[Source] = (),
    **fields: Any,
) -> Attack:
    attack = Attack(started_at=started_at, summary=summary, **fields)
    return attack_save(attack, user=created_by, links={"regions": regions, "sources": sources})


def attack_update(
    *,
    instance: Attack,
    updated_by: User,
    regions: Iterable[Region] | None = None,
    sources: Iterable[Source] | None = None,
    **changes: Any,
) -> Attack:
    links = _links(regions=regions, sources=sources)
    return attack_save(assign(instance, changes), user=updated_by, links=links)


@transaction.atomic
def attack_delete(*, instance: Attack, user: User) -> None:
    facility_ids = set(instance.damages.values_list("facility_id", flat=True))
    forget_public_versions(Attack, [instance.pk])
    # Its response measures go with it (on_delete=CASCADE), and so do their public copies.
    measures = ResponseMeasure.objects.filter(attack=instance).values_list("pk", flat=True)
    forget_public_versions(ResponseMeasure, measures)
    remove(instance, user=user)
    for facility_id in facility_ids:
        facility_refresh_status(facility_id=facility_id)


def attack_upsert(
    *,
    user: User,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    regions: Iterable[Region] = (),
    sources: Iterable[Source] = (),
) -> tuple[Attack, str]:
    # Regions left empty are filled from the point: compare with what would be stored.
    regions = list(regions) or regions_of_point(values.get("impact_location"))
    links = {"regions": regions, "sources": sources}
    return upsert(Attack, user=user, key=key, values=values, links=links, save=attack_save)


def weapon_use_save(weapon_use: WeaponUse, *, user: User, links: Links | None = None) -> WeaponUse:
    previous = stored_values(weapon_use, "attack_id")
    return part_save(weapon_use, user=user, links=links, previous=previous)


def weapon_use_create(
    *,
    created_by: User,
    attack: Attack,
    weapon_type: str,
    launched: int | None = None,
    intercepted: int | None = None,
    model: str = "",
) -> WeaponUse:
    weapon_use = WeaponUse(
        attack=attack,
        weapon_type=weapon_type,
        model=model,
        launched=launched,
        intercepted=intercepted,
    )
    return weapon_use_save(weapon_use, user=created_by)


def weapon_use_update(*, instance: WeaponUse, updated_by: User, **changes: Any) -> WeaponUse:
    return weapon_use_save(assign(instance, changes), user=updated_by)


def weapon_use_delete(*, instance: WeaponUse, user: User) -> None:
    part_delete(instance, user=user)


def weapon_use_upsert(
    *, user: User, key: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[WeaponUse, str]:
    return upsert(WeaponUse, user=user, key=key, values=values, links={}, save=weapon_use_save)


ATTACK_WRITES = Writes(save=attack_save, delete=attack_delete)
WEAPON_USE_WRITES = Writes(save=weapon_use_save, delete=weapon_use_delete)
