"""Every write goes through here: the admin, the API, importers and tasks alike.

Each service validates the whole row (`full_clean`), runs in a transaction,
records who made the change (for the audit fields and the history), and keeps
derived data (a facility's region and status) in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from incidents import selectors
from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    Region,
    ResponseMeasure,
    Source,
    Tracked,
    WeaponUse,
)

M = TypeVar("M", bound=models.Model)
User = AbstractBaseUser | AnonymousUser | None


# --------------------------------------------------------------------------- generic


def _real_user(user: User) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def _check_rules(instance: models.Model, user: User) -> None:
    """Rules that need more than the row itself: permissions, geography."""
    if isinstance(instance, Attack):
        check_attack_verification(instance, user)
    elif isinstance(instance, Facility):
        place_facility(instance)


def _after_save(instance: models.Model, previous: Mapping[str, Any]) -> None:
    if isinstance(instance, Damage):
        facility_refresh_status(facility_id=instance.facility_id)
        if previous.get("facility_id") not in (None, instance.facility_id):
            facility_refresh_status(facility_id=previous["facility_id"])


@transaction.atomic
def record_save(
    *,
    instance: M,
    user: User,
    m2m: Mapping[str, Iterable[models.Model]] | None = None,
) -> M:
    """Validate and save one row (new or changed), then its many-to-many links.

    Raises ValidationError with field-level messages; nothing is written then.
    """
    real_user = _real_user(user)
    previous: dict[str, Any] = {}
    if instance.pk is not None and isinstance(instance, Damage):
        previous = type(instance).objects.filter(pk=instance.pk).values("facility_id").first() or {}
    if isinstance(instance, Tracked):
        if instance._state.adding:
            instance.created_by = real_user
        instance.updated_by = real_user
    _check_rules(instance, user)
    instance.full_clean()
    # django-simple-history reads the author from here outside a request.
    instance._history_user = real_user
    try:
        instance.save()
    except IntegrityError as exc:
        # A concurrent writer got past full_clean's uniqueness check first.
        raise ValidationError(f"The record conflicts with an existing one: {exc}") from exc
    for field, values in (m2m or {}).items():
        getattr(instance, field).set(list(values))
    _after_save(instance, previous)
    return instance


@transaction.atomic
def record_delete(*, instance: models.Model, user: User) -> None:
    """Delete a row, keep derived data in step; a protected row raises ValidationError."""
    facility_ids: set[int] = set()
    if isinstance(instance, Damage):
        facility_ids = {instance.facility_id}
    elif isinstance(instance, Attack):
        facility_ids = set(instance.damages.values_list("facility_id", flat=True))
    instance._history_user = _real_user(user)
    try:
        instance.delete()
    except ProtectedError as exc:
        names = ", ".join(sorted({str(obj) for obj in exc.protected_objects})[:5])
        raise ValidationError(
            f"{instance} cannot be deleted while other records refer to it: {names}."
        ) from exc
    for facility_id in facility_ids:
        facility_refresh_status(facility_id=facility_id)


def _create(
    model_class: type[M], /, *, created_by: User, m2m: Mapping | None = None, **fields
) -> M:
    return record_save(instance=model_class(**fields), user=created_by, m2m=m2m)


def record_update(
    *, instance: M, updated_by: User, m2m: Mapping | None = None, **changes: Any
) -> M:
    for name, value in changes.items():
        setattr(instance, name, value)
    return record_save(instance=instance, user=updated_by, m2m=m2m)


# --------------------------------------------------------------------------- attacks


def check_attack_verification(attack: Attack, user: User) -> None:
    if attack.verification_status not in Attack.REVIEWER_STATES:
        return
    stored = None
    if attack.pk is not None:
        stored = (
            Attack.objects.filter(pk=attack.pk)
            .values_list("verification_status", flat=True)
            .first()
        )
    if stored == attack.verification_status:
        return
    # Commands and imports run without a user; people need the reviewer's permission.
    if user is not None and not user.has_perm("incidents.verify_attack"):
        raise ValidationError(
            {"verification_status": "Only reviewers can mark an attack verified or disputed."}
        )


def attack_create(
    *,
    created_by: User,
    started_at: datetime,
    summary: str,
    regions: Iterable[Region] = (),
    sources: Iterable[Source] = (),
    **fields: Any,
) -> Attack:
    return _create(
        Attack,
        created_by=created_by,
        m2m={"regions": regions, "sources": sources},
        started_at=started_at,
        summary=summary,
        **fields,
    )


def weapon_use_create(
    *,
    created_by: User,
    attack: Attack,
    weapon_type: str,
    launched: int | None = None,
    intercepted: int | None = None,
    model: str = "",
) -> WeaponUse:
    return _create(
        WeaponUse,
        created_by=created_by,
        attack=attack,
        weapon_type=weapon_type,
        model=model,
        launched=launched,
        intercepted=intercepted,
    )


# --------------------------------------------------------------------------- facilities


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
    where = f"in {actual}" if actual else "outside every known region"
    raise ValidationError(
        {
            "location": f"The point lies {where}, {distance / 1000:,.0f} km from "
            f"{facility.region}. Move the point, or clear the region to fill it from "
            "the location."
        }
    )


def facility_create(
    *,
    created_by: User,
    name: str,
    kind: str,
    location: Point,
    region: Region | None = None,
    **fields: Any,
) -> Facility:
    return _create(
        Facility,
        created_by=created_by,
        name=name,
        kind=kind,
        location=location,
        region=region,
        **fields,
    )


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


# --------------------------------------------------------------------------- damage, outages


def damage_create(
    *,
    created_by: User,
    attack: Attack,
    facility: Facility,
    severity: str,
    sources: Iterable[Source] = (),
    **fields: Any,
) -> Damage:
    return _create(
        Damage,
        created_by=created_by,
        m2m={"sources": sources},
        attack=attack,
        facility=facility,
        severity=severity,
        **fields,
    )


def outage_report_create(
    *,
    created_by: User,
    region: Region,
    service: str,
    unit: str,
    count: int,
    as_of: datetime,
    sources: Iterable[Source] = (),
    **fields: Any,
) -> OutageReport:
    return _create(
        OutageReport,
        created_by=created_by,
        m2m={"sources": sources},
        region=region,
        service=service,
        unit=unit,
        count=count,
        as_of=as_of,
        **fields,
    )


def response_measure_create(
    *,
    created_by: User,
    kind: str,
    description: str,
    region: Region | None = None,
    attack: Attack | None = None,
    sources: Iterable[Source] = (),
    **fields: Any,
) -> ResponseMeasure:
    return _create(
        ResponseMeasure,
        created_by=created_by,
        m2m={"sources": sources},
        kind=kind,
        description=description,
        region=region,
        attack=attack,
        **fields,
    )


def source_create(*, created_by: User, kind: str, title: str, **fields: Any) -> Source:
    return _create(Source, created_by=created_by, kind=kind, title=title, **fields)


# --------------------------------------------------------------------------- regions


def as_multipolygon(geometry: Polygon | MultiPolygon) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon(geometry, srid=geometry.srid or 4326)
    if not isinstance(geometry, MultiPolygon):
        raise ValidationError(f"A region boundary must be a polygon, not a {geometry.geom_type}.")
    return geometry


@transaction.atomic
def region_upsert(
    *,
    user: User,
    code: str,
    name_en: str,
    name_uk: str = "",
    kind: str = Region.Kind.OBLAST,
    boundary: Polygon | MultiPolygon | None = None,
    keep_boundary: bool = False,
) -> tuple[Region, bool]:
    """Create or update a region by its ISO code; returns (region, created).

    With keep_boundary, a region that already has a boundary keeps it when
    none is given (loading the built-in table never erases polygons).
    """
    region = Region.objects.select_for_update().filter(code=code).first()
    created = region is None
    if region is None:
        region = Region(code=code)
    before = (region.name_en, region.name_uk, region.kind, region.boundary)
    region.name_en = name_en
    region.name_uk = name_uk or region.name_uk
    region.kind = kind
    if boundary is not None:
        region.boundary = as_multipolygon(boundary)
    elif not keep_boundary:
        region.boundary = None
    if not created and before[:3] == (region.name_en, region.name_uk, region.kind):
        old, new = before[3], region.boundary
        if (old is None and new is None) or (
            old is not None and new is not None and old.equals_exact(new, 1e-9)
        ):
            return region, False  # Nothing changed: no write, no history row.
    record_save(instance=region, user=user)
    return region, created
