"""Write the published version of records: the only code that writes the `published` schema.

Each function copies the records' current rows, coarsened and stripped of
internal fields (`schema.public_expression`), replacing what was published of
them before. The public sees these copies until the next publication, however
the records change meanwhile. A row that leaves the public view (withdrawn,
deleted, or gone from a republished attack) is listed in the public deletion feed.
"""

# Table and column names come from the models' metadata; values are bound (S608).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import connection, models

from incidents.mapgrid import weapon_mask_sql
from incidents.models import Attack, Damage, OutageReport, ResponseMeasure, WeaponUse
from incidents.public.schema import PUBLISHED, columns, public_expression, q, rounded_point


def _published(model: type[models.Model]) -> str:
    return f"{q(PUBLISHED)}.{q(model._meta.db_table)}"


def _live(model: type[models.Model]) -> str:
    return f"public.{q(model._meta.db_table)}"


def _copy(
    model: type[models.Model],
    alias: str,
    sql_from: str,
    where: str,
    params: Sequence[object],
    public_from: str,
    overrides: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> None:
    """Copy the rows into the snapshot; `extra` fills columns that are not model fields
    (kept by triggers on the live table) with expressions."""
    decimals = str(int(settings.PUBLIC_COORDINATE_DECIMALS))
    extra = extra or {}
    names = columns(model)
    # The public version changed now: sync clients (?updated_since) find it from here on.
    overrides = {"updated_at": "now()", **(overrides or {})}
    shown = [
        overrides.get(name) or public_expression(model, name, decimals, alias) for name in names
    ]
    selected = ", ".join([*shown, *extra.values()])
    target = ", ".join(q(name) for name in [*names, *extra, "public_from"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_published(model)} ({target}) "
            f"SELECT {selected}, {public_from} FROM {sql_from} WHERE {where}",
            list(params),
        )


def _ids(sql: str, params: Sequence[object]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return [row[0] for row in cursor.fetchall()]


def _execute(sql: str, params: Sequence[object] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def _list_deleted(model: type[models.Model], ids: Sequence[int], public_from: str = "") -> None:
    """Add rows to the public deletion feed of `model` (ids the public no longer sees)."""
    if not ids:
        return
    history = _published(model.history.model)
    pk = q(model._meta.pk.column)
    _execute(f"CREATE SEQUENCE IF NOT EXISTS {q(PUBLISHED)}.deletion_ids")
    _execute(f"DELETE FROM {history} WHERE {pk} = ANY(%s)", [list(ids)])
    _execute(
        f"INSERT INTO {history} (history_id, {pk}, history_date, history_type, public_from) "
        f"SELECT nextval('{PUBLISHED}.deletion_ids'), d.id, now(), '-', "
        f"{public_from or 'd.public_from'} FROM unnest(%s::bigint[]) AS d(id)",
        [list(ids)],
    )


def _unlist_deleted(model: type[models.Model], ids: Sequence[int]) -> None:
    if ids:
        history = _published(model.history.model)
        _execute(f"DELETE FROM {history} WHERE {q(model._meta.pk.column)} = ANY(%s)", [list(ids)])


# --------------------------------------------------------------------------- attacks


def _attack_parts(attack_ids: Sequence[int]) -> dict[type[models.Model], list[int]]:
    """The published ids of the attacks' rows: the attacks, their weapons and damage."""
    return {
        Attack: _ids(f"SELECT id FROM {_published(Attack)} WHERE id = ANY(%s)", [attack_ids]),
        WeaponUse: _ids(
            f"SELECT id FROM {_published(WeaponUse)} WHERE attack_id = ANY(%s)", [attack_ids]
        ),
        Damage: _ids(
            f"SELECT id FROM {_published(Damage)} WHERE attack_id = ANY(%s)", [attack_ids]
        ),
    }


def _remove_attacks(attack_ids: Sequence[int]) -> None:
    damages = f"SELECT id FROM {_published(Damage)} WHERE attack_id = ANY(%s)"
    _execute(
        f"DELETE FROM {_published(Damage.sources.through)} WHERE damage_id IN ({damages})",
        [attack_ids],
    )
    for model, column in (
        (Damage, "attack_id"),
        (WeaponUse, "attack_id"),
        (Attack.regions.through, "attack_id"),
        (Attack.sources.through, "attack_id"),
        (Attack, "id"),
    ):
        _execute(f"DELETE FROM {_published(model)} WHERE {column} = ANY(%s)", [attack_ids])


def _attack_point(decimals: str) -> str:
    """An attack's point, unless it damaged a facility shown to the public by region only."""
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM {_live(Damage)} hd JOIN public.incidents_facility hf "
        "ON hf.id = hd.facility_id WHERE hd.attack_id = a.id AND hf.public_region_only) "
        f"THEN NULL ELSE {rounded_point('a.impact_location', decimals)} END"
    )


def refresh_weapon_masks(attack_ids: Sequence[int] | None) -> None:
    """Set the published attacks' weapon masks from their published weapon uses (the live
    table's triggers keep the live masks; the snapshot's follow its own weapon rows).

    With None, every published attack without a mask yet.
    """
    mask = weapon_mask_sql(_published(WeaponUse), "a.id")
    if attack_ids is None:
        _execute(
            f"UPDATE {_published(Attack)} a SET weapon_mask = {mask} WHERE weapon_mask IS NULL"
        )
    else:
        _execute(
            f"UPDATE {_published(Attack)} a SET weapon_mask = {mask} WHERE a.id = ANY(%s)",
            [list(attack_ids)],
        )


# The columns damage rows carry of their attack (not model fields; migration 0008), and
# where a snapshot's copy takes them from: its published attack (alias a).
DAMAGE_ATTACK_FACTS = {
    f"attack_{name}": f"a.{name}"
    for name in ("started_at", "verification_status", "publication_state", "weapon_mask")
}


def fill_damage_attack_facts() -> None:
    """Give published damage rows their published attack's facts where they differ
    (rows copied before they carried them, masks refreshed since)."""
    targets = ", ".join(DAMAGE_ATTACK_FACTS)
    sources = ", ".join(DAMAGE_ATTACK_FACTS.values())
    _execute(
        f"UPDATE {_published(Damage)} d SET ({targets}) = ({sources}) "
        f"FROM {_published(Attack)} a WHERE a.id = d.attack_id "
        f"AND ({targets}) IS DISTINCT FROM ({sources})"
    )


def publish_attacks(attack_ids: Sequence[int]) -> None:
    """Make the attacks' current rows (with weapons, damage, regions, sources) public."""
    attack_ids = list(attack_ids)
    if not attack_ids:
        return
    before = _attack_parts(attack_ids)
    _remove_attacks(attack_ids)
    decimals = str(int(settings.PUBLIC_COORDINATE_DECIMALS))
    chosen = "a.id = ANY(%s) AND NOT a.is_illustrative"
    _copy(
        Attack,
        "a",
        f"{_live(Attack)} a",
        chosen,
        [attack_ids],
        "a.started_at",
        {"impact_location": _attack_point(decimals)},
    )
    joined = f"JOIN {_published(Attack)} a ON a.id = x.attack_id"
    _copy(
        WeaponUse,
        "x",
        f"{_live(WeaponUse)} x {joined}",
        "a.id = ANY(%s)",
        [attack_ids],
        "a.public_from",
    )
    refresh_weapon_masks(attack_ids)
    _copy(
        Damage,
        "x",
        f"{_live(Damage)} x {joined} JOIN public.incidents_facility f ON f.id = x.facility_id",
        "a.id = ANY(%s) AND NOT f.is_illustrative",
        [attack_ids],
        "a.public_from",
        # The facilities layer filters damage rows on their attack's facts (migration 0008).
        extra=DAMAGE_ATTACK_FACTS,
    )
    _copy(
        Attack.regions.through,
        "x",
        f"{_live(Attack.regions.through)} x {joined}",
        "a.id = ANY(%s)",
        [attack_ids],
        "a.public_from",
    )
    open_sources = "JOIN public.incidents_source s ON s.id = x.source_id AND NOT s.confidential"
    _copy(
        Attack.sources.through,
        "x",
        f"{_live(Attack.sources.through)} x {joined} {open_sources}",
        "a.id = ANY(%s)",
        [attack_ids],
        "a.public_from",
    )
    _copy(
        Damage.sources.through,
        "x",
        f"{_live(Damage.sources.through)} x JOIN {_published(Damage)} d ON d.id = x.damage_id "
        f"{open_sources}",
        "d.attack_id = ANY(%s)",
        [attack_ids],
        "d.public_from",
    )
    after = _attack_parts(attack_ids)
    for model, ids in before.items():
        gone = sorted(set(ids) - set(after[model]))
        _list_deleted(model, gone, public_from="'-infinity'")
        _unlist_deleted(model, after[model])
    # Outage figures and measures published earlier now name the attack.
    for model in (OutageReport, ResponseMeasure):
        _execute(
            f"UPDATE {_published(model)} p SET attack_id = l.attack_id FROM {_live(model)} l "
            "WHERE l.id = p.id AND l.attack_id = ANY(%s) AND p.attack_id IS NULL",
            [attack_ids],
        )


def withdraw_attacks(attack_ids: Sequence[int]) -> None:
    """Take the attacks out of the public view and list them, and their rows, as deleted."""
    attack_ids = list(attack_ids)
    parts = _attack_parts(attack_ids)
    _remove_attacks(attack_ids)
    for model, ids in parts.items():
        _list_deleted(model, ids, public_from="'-infinity'")
    for model in (OutageReport, ResponseMeasure):
        _execute(
            f"UPDATE {_published(model)} SET attack_id = NULL WHERE attack_id = ANY(%s)",
            [attack_ids],
        )


# --------------------------------------------------------------------------- outages, measures


def publish_records(model: type[models.Model], ids: Sequence[int]) -> None:
    """Make the current rows of outage reports or response measures public."""
    ids = list(ids)
    if not ids:
        return
    through = model.sources.through
    owner = f"{model._meta.model_name}_id"
    _execute(f"DELETE FROM {_published(through)} WHERE {q(owner)} = ANY(%s)", [ids])
    _execute(f"DELETE FROM {_published(model)} WHERE id = ANY(%s)", [ids])
    public_attack = f"(SELECT pa.id FROM {_published(Attack)} pa WHERE pa.id = x.attack_id)"
    chosen = "x.id = ANY(%s)"
    if any(field.name == "is_illustrative" for field in model._meta.concrete_fields):
        chosen += " AND NOT x.is_illustrative"
    # What follows a made-up attack is made up too (response measures have no flag).
    chosen += (
        f" AND NOT EXISTS (SELECT 1 FROM {_live(Attack)} ia "
        "WHERE ia.id = x.attack_id AND ia.is_illustrative)"
    )
    _copy(
        model,
        "x",
        f"{_live(model)} x",
        chosen,
        [ids],
        # Hidden with its attack until the attack's delay has passed.
        f"COALESCE((SELECT pa.public_from FROM {_published(Attack)} pa "
        "WHERE pa.id = x.attack_id), '-infinity')",
        {"attack_id": public_attack},
    )
    _copy(
        through,
        "l",
        f"{_live(through)} l JOIN {_published(model)} x ON x.id = l.{q(owner)} "
        "JOIN public.incidents_source s ON s.id = l.source_id AND NOT s.confidential",
        "x.id = ANY(%s)",
        [ids],
        "x.public_from",
    )
    _unlist_deleted(model, ids)


def withdraw_records(model: type[models.Model], ids: Sequence[int]) -> None:
    ids = list(ids)
    present = _ids(f"SELECT id FROM {_published(model)} WHERE id = ANY(%s)", [ids])
    through = model.sources.through
    _execute(
        f"DELETE FROM {_published(through)} WHERE {q(model._meta.model_name + '_id')} = ANY(%s)",
        [ids],
    )
    _execute(f"DELETE FROM {_published(model)} WHERE id = ANY(%s)", [ids])
    _list_deleted(model, present, public_from="'-infinity'")


def hide_points_of_attacks_on(facility_id: int) -> None:
    """A facility now shown by region only: published attacks on it lose their point."""
    _execute(
        f"UPDATE {_published(Attack)} SET impact_location = NULL WHERE id IN "
        f"(SELECT attack_id FROM {_published(Damage)} WHERE facility_id = %s)",
        [facility_id],
    )


def publish(model: type[models.Model], ids: Sequence[int]) -> None:
    if model is Attack:
        publish_attacks(ids)
    else:
        publish_records(model, ids)


def withdraw(model: type[models.Model], ids: Sequence[int]) -> None:
    if model is Attack:
        withdraw_attacks(ids)
    else:
        withdraw_records(model, ids)
