"""Bulk writes for imports: many attacks validated in Python, written with COPY.

`attacks_upsert_batch` is what makes a large import fast: one query per batch
looks up the stored rows, each row is validated as `record_save` validates it,
and new rows go in with COPY, changed ones with one UPDATE, their history rows
with one INSERT … SELECT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models import GeometryField
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from incidents.models import Attack
from incidents.services.attacks import may_verify
from incidents.services.base import (
    UPSERT_CREATED,
    UPSERT_UNCHANGED,
    UPSERT_UPDATED,
    User,
    real_user,
)


@dataclass(frozen=True)
class AttackRow:
    """One attack to upsert in a batch: its fields (with external source and id) and links."""

    fields: dict[str, Any]
    region_ids: frozenset[int] = frozenset()
    source_ids: frozenset[int] = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return self.fields["external_source"], self.fields["external_id"]


def _attack_row_matches(attack: Attack, row: AttackRow, links: tuple[set, set]) -> bool:
    return all(getattr(attack, name) == value for name, value in row.fields.items()) and links == (
        set(row.region_ids),
        set(row.source_ids),
    )


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
    corroborated, as with every other edit. History rows are written in bulk too.
    An IntegrityError (a constraint the row broke) aborts the whole batch, so
    callers fall back to `record_upsert` row by row to find and report it.
    """
    author = real_user(user)
    now = timezone.now()
    by_source: dict[str, set[str]] = {}
    for row in rows:
        by_source.setdefault(row.key[0], set()).add(row.key[1])
    stored: dict[tuple[str, str], Attack] = {}
    links: dict[tuple[str, str], tuple[set, set]] = {}
    for source, ids in by_source.items():
        for attack in Attack.objects.filter(external_source=source, external_id__in=ids):
            stored[(source, attack.external_id)] = attack
            links[(source, attack.external_id)] = (set(), set())
    if stored:
        key_of = {attack.pk: key for key, attack in stored.items()}
        for attack_id, region_id in Attack.regions.through.objects.filter(
            attack_id__in=key_of
        ).values_list("attack_id", "region_id"):
            links[key_of[attack_id]][0].add(region_id)
        for attack_id, source_id in Attack.sources.through.objects.filter(
            attack_id__in=key_of
        ).values_list("attack_id", "source_id"):
            links[key_of[attack_id]][1].add(source_id)

    outcomes: list[str | ValidationError] = []
    new: dict[tuple[str, str], Attack] = {}
    changed: dict[tuple[str, str], Attack] = {}
    wanted_links: dict[tuple[str, str], AttackRow] = {}
    for row in rows:
        key = row.key
        current = new.get(key) or changed.get(key) or stored.get(key)
        current_links = (
            (set(wanted_links[key].region_ids), set(wanted_links[key].source_ids))
            if key in wanted_links
            else links.get(key)
        )
        if current is not None and _attack_row_matches(current, row, current_links):
            outcomes.append(UPSERT_UNCHANGED)
            continue
        attack = Attack(**row.fields)
        attack.updated_by = author
        attack.updated_at = now
        if key in stored:
            attack.pk = stored[key].pk
            attack.created_at = stored[key].created_at
            attack.created_by_id = stored[key].created_by_id
            status = row.fields.get("verification_status", stored[key].verification_status)
            if status == Attack.Verification.VERIFIED and not may_verify(user):
                status = Attack.Verification.CORROBORATED
            attack.verification_status = status
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
        except ValidationError as exc:
            outcomes.append(exc)
            continue
        if key in stored:
            changed[key] = attack
            outcomes.append(UPSERT_UPDATED)
        else:
            outcomes.append(UPSERT_UPDATED if key in new else UPSERT_CREATED)
            new[key] = attack
        wanted_links[key] = row

    if new:
        _copy_insert(Attack, list(new.values()))
        _history_from_table(Attack, [a.pk for a in new.values()], "+", author)
    if changed:
        field_names = list(
            dict.fromkeys([*rows[0].fields, "verification_status", "updated_at", "updated_by"])
        )
        Attack.objects.bulk_update(list(changed.values()), fields=field_names)
        changed_ids = [attack.pk for attack in changed.values()]
        _history_from_table(Attack, changed_ids, "~", author)
        Attack.regions.through.objects.filter(attack_id__in=changed_ids).delete()
        Attack.sources.through.objects.filter(attack_id__in=changed_ids).delete()
    region_links, source_links = [], []
    for key, row in wanted_links.items():
        attack_id = (new.get(key) or changed[key]).pk
        region_links += [
            Attack.regions.through(attack_id=attack_id, region_id=region_id)
            for region_id in row.region_ids
        ]
        source_links += [
            Attack.sources.through(attack_id=attack_id, source_id=source_id)
            for source_id in row.source_ids
        ]
    Attack.regions.through.objects.bulk_create(region_links, ignore_conflicts=True)
    Attack.sources.through.objects.bulk_create(source_links, ignore_conflicts=True)
    return outcomes
