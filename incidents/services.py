"""Every write goes through here: the admin, the API, importers and tasks alike.

Each service validates the whole row (`full_clean`), runs in a transaction,
records who made the change (for the audit fields and the history), and keeps
derived data (a facility's region and status) in step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
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

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)
User = AbstractBaseUser | AnonymousUser | None

# Called with (instance=, action="saved"|"deleted", previous=) at the end of
# record_save and record_delete, inside their transaction; a hook that sends
# anything defers it with transaction.on_commit. Other apps append to this list
# in their AppConfig.ready, so this module depends on none of them.
on_change_hooks: list[Callable[..., None]] = []


def _run_change_hooks(instance: models.Model, action: str, previous: Mapping[str, Any]) -> None:
    for hook in on_change_hooks:
        hook(instance=instance, action=action, previous=previous)


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


CONFLICT_MESSAGE = (
    "The record conflicts with stored data; another change may have come first. "
    "Reload it and try again."
)


def database_rule_message(instance: models.Model, exc: IntegrityError) -> str:
    """The model's own message for the constraint the database enforced, else a plain one.

    Only messages written for users qualify: a constraint's default message names it.
    """
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    for constraint in instance._meta.constraints:
        if (
            constraint.name == name
            and constraint.violation_error_message != constraint.default_violation_error_message
        ):
            return constraint.get_violation_error_message()
    return CONFLICT_MESSAGE


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
        previous = (
            type(instance).objects.filter(pk=instance.pk).values("facility_id", "attack_id").first()
            or {}
        )
    elif instance.pk is not None and isinstance(instance, ATTACK_PARTS):
        previous = type(instance).objects.filter(pk=instance.pk).values("attack_id").first() or {}
    elif instance.pk is not None and isinstance(instance, Attack):
        previous = Attack.objects.filter(pk=instance.pk).values("verification_status").first() or {}
    if isinstance(instance, Tracked):
        if instance._state.adding:
            instance.created_by = real_user
        instance.updated_by = real_user
    _check_rules(instance, user)
    if isinstance(instance, Attack):
        m2m = {**(m2m or {}), "regions": attack_regions(instance, m2m)}
    instance.full_clean()
    if isinstance(instance, Attack):
        attack_unverify_on_edit(attack=instance, user=user, previous=previous, m2m=m2m)
    elif isinstance(instance, ATTACK_PARTS):
        attack_ids = {instance.attack_id, previous.get("attack_id")} - {None}
        if _edit_unverifies(user, attack_ids) and _differs_from_stored(instance, m2m):
            attacks_unverify(attack_ids=attack_ids, user=user)
    # django-simple-history reads the author from here outside a request.
    instance._history_user = real_user
    try:
        instance.save()
    except IntegrityError as exc:
        # A concurrent writer got past full_clean's checks first. The database's text
        # names constraints and values: it goes to the log, the user gets the rule.
        logger.warning(
            "Saving %s %s broke a database rule: %s", instance._meta.label, instance.pk, exc
        )
        raise ValidationError(database_rule_message(instance, exc)) from exc
    for field, values in (m2m or {}).items():
        getattr(instance, field).set(list(values))
    _after_save(instance, previous)
    _run_change_hooks(instance, "saved", previous)
    return instance


@transaction.atomic
def record_delete(*, instance: models.Model, user: User) -> None:
    """Delete a row, keep derived data in step; a protected row raises ValidationError."""
    facility_ids: set[int] = set()
    if isinstance(instance, Damage):
        facility_ids = {instance.facility_id}
    elif isinstance(instance, Attack):
        facility_ids = set(instance.damages.values_list("facility_id", flat=True))
    if isinstance(instance, ATTACK_PARTS) and _edit_unverifies(user, {instance.attack_id}):
        attacks_unverify(attack_ids={instance.attack_id}, user=user)
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
    _run_change_hooks(instance, "deleted", {})


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

VERIFY_PERMISSION = "incidents.verify_attack"
# The rows that describe what one attack did; editing one edits what was verified.
ATTACK_PARTS = (WeaponUse, Damage, OutageReport, ResponseMeasure)
UNVERIFIED_REASON = "Edited by someone who may not verify: back to corroborated"


def may_verify(user: User) -> bool:
    """Commands and imports run without a user; people need the reviewer's permission."""
    return user is None or user.has_perm(VERIFY_PERMISSION)


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
    if not may_verify(user):
        raise ValidationError(
            {"verification_status": "Only reviewers can mark an attack verified or disputed."}
        )


def _differs_from_stored(
    instance: models.Model, m2m: Mapping[str, Iterable[models.Model]] | None
) -> bool:
    """Whether saving `instance` (and `m2m`) changes what is stored; a new row always does.

    The audit fields are left out: a save that changes nothing else is no edit.
    """
    stored = type(instance).objects.filter(pk=instance.pk).first() if instance.pk else None
    if stored is None:
        return True
    for field in instance._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        if not _stored_equals(stored, field.name, getattr(instance, field.attname)):
            return True
    return not _same_m2m(stored, {name: list(values) for name, values in (m2m or {}).items()})


def _edit_unverifies(user: User, attack_ids: Iterable[int]) -> bool:
    """Whether an edit by `user` touches a verified attack that it must take back."""
    ids = set(attack_ids) - {None}
    if not ids or may_verify(user):
        return False
    verified = Attack.objects.filter(pk__in=ids, verification_status=Attack.Verification.VERIFIED)
    return verified.exists()


def attack_unverify_on_edit(
    *,
    attack: Attack,
    user: User,
    previous: Mapping[str, Any],
    m2m: Mapping[str, Iterable[models.Model]] | None,
) -> None:
    """A verified attack edited by someone who may not verify goes back to corroborated.

    What a reviewer verified is no longer what is stored; only a reviewer can
    verify it again (check_attack_verification). Leaving the status as it was
    is what the edit form offers, so an unchanged "verified" is taken back;
    any other status the editor chose stands.
    """
    verified = Attack.Verification.VERIFIED
    if previous.get("verification_status") != verified or attack.verification_status != verified:
        return
    if may_verify(user) or not _differs_from_stored(attack, m2m):
        return
    attack.verification_status = Attack.Verification.CORROBORATED
    attack._change_reason = UNVERIFIED_REASON


def attacks_unverify(*, attack_ids: Iterable[int], user: User) -> None:
    """Take verified attacks back to corroborated because one of their parts was edited."""
    attacks = Attack.objects.select_for_update().filter(
        pk__in=set(attack_ids), verification_status=Attack.Verification.VERIFIED
    )
    for attack in attacks:
        attack.verification_status = Attack.Verification.CORROBORATED
        attack._change_reason = UNVERIFIED_REASON
        record_save(instance=attack, user=user)


def attack_regions(
    attack: Attack, m2m: Mapping[str, Iterable[models.Model]] | None
) -> list[Region]:
    """The regions to link: those given (else stored), or the point's region when none are.

    The impact point must lie in one of them, within REGION_TOLERANCE_M, as a
    facility's location must lie in its region; and the count a report gives
    cannot be smaller than the regions linked.
    """
    if m2m is not None and "regions" in m2m:
        regions = list(m2m["regions"])
    elif attack.pk is not None:
        regions = list(Region.objects.filter(attacks=attack))
    else:
        regions = []
    point = attack.impact_location
    on_map = point is not None and -180 <= point.x <= 180 and -90 <= point.y <= 90
    if on_map and not regions:
        found = selectors.region_containing(point)
        regions = [found] if found is not None else []
    elif on_map:
        check_point_in_regions(point, regions)
    count = attack.reported_region_count
    if count is not None and count < len(regions):
        raise ValidationError(
            {
                "reported_region_count": f"{len(regions)} regions are linked, more than the "
                f"reported {count}. Raise the count or leave it empty."
            }
        )
    return regions


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
    where = f"in {actual}" if actual else "outside every known region"
    which = "" if len(regions) == 1 else ", the nearest of its regions"
    raise ValidationError(
        {
            "impact_location": f"The impact point lies {where}, {distance / 1000:,.0f} km from "
            f"{nearest}{which}. Move the point, link the region it lies in, or clear the "
            "regions to fill them from the point."
        }
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


# --------------------------------------------------------------------------- imports


UPSERT_CREATED, UPSERT_UPDATED, UPSERT_UNCHANGED = "created", "updated", "skipped"


def _stored_equals(instance: models.Model, name: str, value: Any) -> bool:
    """Whether the row already holds `value` in field `name`.

    Foreign keys compare by id (no query to load the related row); geometries
    compare coordinates, allowing for the rounding of a database round trip.
    """
    field = instance._meta.get_field(name)
    if field.is_relation and name == field.name:
        stored = getattr(instance, field.attname)
        return stored == (value.pk if isinstance(value, models.Model) else value)
    stored = getattr(instance, name)
    if isinstance(stored, GEOSGeometry) or isinstance(value, GEOSGeometry):
        if stored is None or value is None:
            return stored is value
        return stored.equals_exact(value, 1e-9)
    return stored == value


def _same_m2m(instance: models.Model, m2m: Mapping[str, Iterable[models.Model]]) -> bool:
    for field, values in m2m.items():
        stored = set(getattr(instance, field).values_list("pk", flat=True))
        if stored != {value.pk for value in values}:
            return False
    return True


@transaction.atomic
def record_upsert(
    *,
    model: type[M],
    user: User,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    m2m: Mapping[str, Iterable[models.Model]] | None = None,
) -> tuple[M, str]:
    """Create the row identified by `key`, or update it when `values` differ.

    Returns the row and "created", "updated" or "skipped" (already as given),
    so a re-import of the same data writes nothing and adds no history.
    """
    m2m = {field: list(items) for field, items in (m2m or {}).items()}
    instance = model.objects.select_for_update().filter(**key).first()
    if instance is None:
        return record_save(instance=model(**key, **values), user=user, m2m=m2m), UPSERT_CREATED
    if all(_stored_equals(instance, name, value) for name, value in values.items()) and _same_m2m(
        instance, m2m
    ):
        return instance, UPSERT_UNCHANGED
    return record_update(instance=instance, updated_by=user, m2m=m2m, **values), UPSERT_UPDATED
