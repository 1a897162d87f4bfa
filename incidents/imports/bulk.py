"""Bulk writes for imports: many attacks validated in Python, written with COPY.

`attacks_upsert_batch` is what makes a large import fast: one query per batch
looks up the stored rows, each row is validated as `record_save` validates it,
and new rows go in with COPY, changed ones with one UPDATE, their history rows
with one INSERT … SELECT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from incidents.models import Attack, PublicationState, Region, WeaponUse
from incidents.services.attacks import (
    check_point_in_regions,
    check_region_count,
    on_map,
    regions_of_point,
)
from incidents.services.base import (
    UPSERT_CREATED,
    UPSERT_UNCHANGED,
    UPSERT_UPDATED,
    User,
    real_user,
)
from incidents.services.publication import REOPENED_BY_EDIT
from incidents.services.verification import may_verify

Key = tuple[str, str]  # an attack's (external source, external id)
WeaponKey = tuple[str, str]  # a weapon use's (weapon type, model) within its attack


@dataclass(frozen=True)
class WeaponRow:
    """One weapon use of an imported attack; (weapon type, model) names it within the attack."""

    weapon_type: str
    model: str = ""
    launched: int | None = None
    intercepted: int | None = None

    @property
    def key(self) -> WeaponKey:
        return self.weapon_type, self.model


@dataclass(frozen=True)
class AttackRow:
    """One attack to upsert in a batch: its fields (with external source and id), its links
    and its weapon uses (added or updated; weapon uses the row does not name are kept)."""

    fields: dict[str, Any]
    region_ids: frozenset[int] = frozenset()
    source_ids: frozenset[int] = frozenset()
    weapons: tuple[WeaponRow, ...] = ()

    @property
    def key(self) -> Key:
        return self.fields["external_source"], self.fields["external_id"]


@dataclass
class _Stored:
    """What the database holds for a batch's attacks, by key."""

    attacks: dict[Key, Attack] = field(default_factory=dict)
    links: dict[Key, tuple[set[int], set[int]]] = field(default_factory=dict)
    weapons: dict[Key, dict[WeaponKey, WeaponRow]] = field(default_factory=dict)
    weapon_ids: dict[tuple[Key, WeaponKey], int] = field(default_factory=dict)


def _stored(rows: Sequence[AttackRow]) -> _Stored:
    """The batch's stored attacks, links and weapon uses, in a few queries for the batch."""
    found = _Stored()
    by_source: dict[str, set[str]] = {}
    for row in rows:
        by_source.setdefault(row.key[0], set()).add(row.key[1])
    for source, ids in by_source.items():
        for attack in Attack.objects.filter(external_source=source, external_id__in=ids):
            found.attacks[(source, attack.external_id)] = attack
            found.links[(source, attack.external_id)] = (set(), set())
    if not found.attacks:
        return found
    key_of = {attack.pk: key for key, attack in found.attacks.items()}
    for attack_id, region_id in Attack.regions.through.objects.filter(
        attack_id__in=key_of
    ).values_list("attack_id", "region_id"):
        found.links[key_of[attack_id]][0].add(region_id)
    for attack_id, source_id in Attack.sources.through.objects.filter(
        attack_id__in=key_of
    ).values_list("attack_id", "source_id"):
        found.links[key_of[attack_id]][1].add(source_id)
    if any(row.weapons for row in rows):
        for pk, attack_id, *values in WeaponUse.objects.filter(attack_id__in=key_of).values_list(
            "pk", "attack_id", "weapon_type", "model", "launched", "intercepted"
        ):
            weapon = WeaponRow(*values)
            found.weapons.setdefault(key_of[attack_id], {})[weapon.key] = weapon
            found.weapon_ids[(key_of[attack_id], weapon.key)] = pk
    return found


def attack_ids(keys: Sequence[Key]) -> list[int]:
    """The ids of the stored attacks with these (external source, external id) keys."""
    by_source: dict[str, set[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, set()).add(external_id)
    found: list[int] = []
    for source, external_ids in by_source.items():
        found += Attack.objects.filter(
            external_source=source, external_id__in=external_ids
        ).values_list("pk", flat=True)
    return found


def _attack_row_matches(
    attack: Attack,
    row: AttackRow,
    links: tuple[set, set] | None,
    weapons: Mapping[WeaponKey, WeaponRow],
) -> bool:
    return (
        all(getattr(attack, name) == value for name, value in row.fields.items())
        and links == (set(row.region_ids), set(row.source_ids))
        and all(weapons.get(weapon.key) == weapon for weapon in row.weapons)
    )


def _insert_links(field: models.ManyToManyField, pairs: Sequence[tuple[int, int]]) -> None:
    """Write many links of a many-to-many field with one INSERT of two arrays."""
    if not pairs:
        return
    qn = connection.ops.quote_name
    table = qn(field.remote_field.through._meta.db_table)
    columns = f"{qn(field.m2m_column_name())}, {qn(field.m2m_reverse_name())}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608  (names from the model)
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
            [[own for own, _ in pairs], [other for _, other in pairs]],
        )


def _weapon_uses(
    row: AttackRow, current: Mapping[WeaponKey, WeaponRow], user: User, now: datetime
) -> dict[WeaponKey, WeaponUse]:
    """The row's weapon uses that differ from `current`, validated as `record_save` would
    validate them (ValidationError if one is wrong); their attack is set when it is written."""
    uses = {}
    for weapon in row.weapons:
        if current.get(weapon.key) == weapon:
            continue
        use = WeaponUse(
            weapon_type=weapon.weapon_type,
            model=weapon.model,
            launched=weapon.launched,
            intercepted=weapon.intercepted,
            created_at=now,
            created_by=user,
            updated_at=now,
            updated_by=user,
        )
        use.full_clean(
            exclude=["attack", "created_by", "updated_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        uses[weapon.key] = use
    return uses


_HISTORY_OWN_COLUMNS = frozenset(
    {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
)


def _history_from_table(
    model: type[models.Model], ids: Sequence[int], history_type: str, user: User
) -> None:
    """Write the history rows of many saved rows with one INSERT … SELECT.

    The same rows django-simple-history writes on save ("+" created, "~"
    changed), copied inside the database instead of built one by one in Python.
    """
    if not ids:
        return
    history = model.history.model
    columns = [
        field.column
        for field in history._meta.concrete_fields
        if field.column not in _HISTORY_OWN_COLUMNS
    ]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "  # noqa: S608
        f"({quoted}, history_date, history_type, history_user_id, history_change_reason) "
        f"SELECT {quoted}, %s, %s, %s, NULL FROM {connection.ops.quote_name(model._meta.db_table)} "
        "WHERE id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), history_type, user.pk if user else None, list(ids)])


def _copy_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert many new, validated rows with COPY (ids drawn from the table's sequence first).

    COPY is several times faster than a multi-row INSERT built by the ORM, and
    the rows it writes are the same; the database checks every constraint.
    """
    qn = connection.ops.quote_name
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(qn(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk
                row = []
                for field in fields:
                    value = getattr(obj, field.attname)
                    if isinstance(field, GeometryField) and value is not None:
                        value = value.ewkt
                    row.append(value)
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


# Whether each (row, point, region) pair lies within the tolerance of the region: one
# query for a batch. Covered points are answered by the (fast) planar test; only the
# others are measured on the sphere, as `selectors.region_distance_m` measures them.
_WITHIN_SQL = """
SELECT p.i, bool_or(r.boundary IS NULL), bool_or(
    r.boundary IS NOT NULL AND (
        ST_Covers(r.boundary, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))
        OR ST_DWithin(
            r.boundary::geography, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)::geography, %s
        )
    )
)
FROM unnest(%s::int[], %s::int[], %s::float8[], %s::float8[]) AS p(i, region_id, x, y)
JOIN incidents_region r ON r.id = p.region_id
GROUP BY p.i
"""


def _placed(rows: Sequence[AttackRow]) -> list[AttackRow | ValidationError]:
    """The rows with the attack service's rules of place applied, or the error a row breaks.

    As for every attack (`services.attacks.attack_regions`): the impact point lies
    in one of the row's regions, within REGION_TOLERANCE_M; a row without regions
    gets the region its point lies in; the reported region count is not below
    the number of regions linked.
    """
    placed: list[AttackRow | ValidationError] = list(rows)
    pairs: list[tuple[int, int, float, float]] = []
    for index, row in enumerate(rows):
        point = row.fields.get("impact_location")
        if not on_map(point):
            continue
        if row.region_ids:
            pairs.extend((index, region_id, point.x, point.y) for region_id in row.region_ids)
        else:
            found = regions_of_point(point)
            placed[index] = replace(row, region_ids=frozenset(region.pk for region in found))
    if pairs:
        with connection.cursor() as cursor:
            cursor.execute(
                _WITHIN_SQL, [settings.REGION_TOLERANCE_M, *map(list, zip(*pairs, strict=True))]
            )
            for index, unbounded, within in cursor.fetchall():
                if unbounded or within:
                    continue  # A region without a boundary cannot be checked.
                row = rows[index]
                try:
                    regions = list(Region.objects.filter(pk__in=row.region_ids))
                    check_point_in_regions(row.fields["impact_location"], regions)
                except ValidationError as exc:
                    placed[index] = exc
    for index, row in enumerate(placed):
        if isinstance(row, AttackRow):
            try:
                check_region_count(row.fields.get("reported_region_count"), len(row.region_ids))
            except ValidationError as exc:
                placed[index] = exc
    return placed


@transaction.atomic
def attacks_upsert_batch(*, user: User, rows: Sequence[AttackRow]) -> list[str | ValidationError]:
    """Upsert many imported attacks at once; per row "created", "updated", "skipped" or the error.

    Each row is validated as `record_save` validates it (`full_clean`: field
    validators, choices, `Attack.clean`); the database constraints are then
    enforced by the insert itself rather than by one query per row and
    constraint, and uniqueness by looking up the batch's external ids at once.
    The author check of `record_save` for verification states does not apply:
    imported attacks are "reported". An update keeps the stored status, except
    that a verified attack updated by someone who may not verify goes back to
    corroborated, as with every other edit; a change to a weapon use the row
    names counts as a change to its attack. History rows are written in bulk too.
    An IntegrityError (a constraint the row broke) aborts the whole batch, so
    callers fall back to `attack_upsert` row by row to find and report it.
    """
    author = real_user(user)
    now = timezone.now()
    stored = _stored(rows)
    outcomes: list[str | ValidationError] = []
    new: dict[Key, Attack] = {}
    changed: dict[Key, Attack] = {}
    wanted_links: dict[Key, AttackRow] = {}
    wanted_weapons: dict[Key, dict[WeaponKey, WeaponRow]] = {}
    weapon_uses: dict[Key, dict[WeaponKey, WeaponUse]] = {}
    for row in _placed(rows):
        if isinstance(row, ValidationError):
            outcomes.append(row)
            continue
        key = row.key
        current = new.get(key) or changed.get(key) or stored.attacks.get(key)
        current_links = (
            (set(wanted_links[key].region_ids), set(wanted_links[key].source_ids))
            if key in wanted_links
            else stored.links.get(key)
        )
        current_weapons = {**stored.weapons.get(key, {}), **wanted_weapons.get(key, {})}
        if current is not None and _attack_row_matches(
            current, row, current_links, current_weapons
        ):
            outcomes.append(UPSERT_UNCHANGED)
            continue
        attack = Attack(**row.fields)
        attack.updated_by = author
        attack.updated_at = now
        if key in stored.attacks:
            before = stored.attacks[key]
            attack.pk = before.pk
            attack.created_at = before.created_at
            attack.created_by_id = before.created_by_id
            status = row.fields.get("verification_status", before.verification_status)
            if status == Attack.Verification.VERIFIED and not may_verify(user):
                status = Attack.Verification.CORROBORATED
            attack.verification_status = status
            # As with every edit: a published attack is a draft again (the public keeps
            # its published copy until it is published anew).
            attack.publication_state = before.publication_state
            attack.state_changed_at = before.state_changed_at
            if attack.publication_state in REOPENED_BY_EDIT:
                attack.publication_state = PublicationState.DRAFT
                attack.state_changed_at = now
        else:
            attack.created_by = author
            attack.created_at = now
        try:
            # The audit users exist; checking each one would cost a query per row.
            attack.full_clean(
                exclude=["created_by", "updated_by"],
                validate_unique=False,
                validate_constraints=False,
            )
            uses = _weapon_uses(row, current_weapons, author, now)
        except ValidationError as exc:
            outcomes.append(exc)
            continue
        if key in stored.attacks:
            changed[key] = attack
            outcomes.append(UPSERT_UPDATED)
        else:
            outcomes.append(UPSERT_UPDATED if key in new else UPSERT_CREATED)
            new[key] = attack
        wanted_links[key] = row
        wanted_weapons.setdefault(key, {}).update({weapon.key: weapon for weapon in row.weapons})
        weapon_uses.setdefault(key, {}).update(uses)

    if new:
        _copy_insert(Attack, list(new.values()))
        _history_from_table(Attack, [a.pk for a in new.values()], "+", author)
    if changed:
        field_names = list(
            dict.fromkeys(
                [
                    *rows[0].fields,
                    "verification_status",
                    "publication_state",
                    "state_changed_at",
                    "updated_at",
                    "updated_by",
                ]
            )
        )
        Attack.objects.bulk_update(list(changed.values()), fields=field_names)
        changed_ids = [attack.pk for attack in changed.values()]
        _history_from_table(Attack, changed_ids, "~", author)
        Attack.regions.through.objects.filter(attack_id__in=changed_ids).delete()
        Attack.sources.through.objects.filter(attack_id__in=changed_ids).delete()
    for name in ("regions", "sources"):
        _insert_links(
            Attack._meta.get_field(name),
            [
                ((new.get(key) or changed[key]).pk, linked)
                for key, row in wanted_links.items()
                for linked in (row.region_ids if name == "regions" else row.source_ids)
            ],
        )
    _write_weapons(
        {key: (new.get(key) or changed[key]).pk for key in weapon_uses},
        weapon_uses,
        stored,
        author,
    )
    return outcomes


def _write_weapons(
    attack_ids: Mapping[Key, int],
    uses: Mapping[Key, Mapping[WeaponKey, WeaponUse]],
    stored: _Stored,
    user: User,
) -> None:
    """Add the weapon uses the attacks lack; update those they hold with other figures."""
    added: list[WeaponUse] = []
    updated: list[WeaponUse] = []
    for key, by_weapon in uses.items():
        for weapon_key, use in by_weapon.items():
            use.attack_id = attack_ids[key]
            if (key, weapon_key) in stored.weapon_ids:
                use.pk = stored.weapon_ids[(key, weapon_key)]
                updated.append(use)
            else:
                added.append(use)
    if added:
        _copy_insert(WeaponUse, added)
        _history_from_table(WeaponUse, [use.pk for use in added], "+", user)
    if updated:
        WeaponUse.objects.bulk_update(
            updated, fields=["launched", "intercepted", "updated_at", "updated_by"]
        )
        _history_from_table(WeaponUse, [use.pk for use in updated], "~", user)
