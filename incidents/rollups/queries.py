"""The rows the statistics add up: rollups for whole days, raw rows for the rest.

Each builder returns the SQL of rows whose sums are the figures of the attacks
the filters select, exactly as counting the raw rows would give them:
- days wholly inside the date range, and before the first day the rollups do
  not cover (`incidents_rollup_until()`: none in the full data; in the public
  view, the days not yet wholly past the publication delay), come from the
  rollup tables;
- the rest (a range starting or ending inside a day, the public view's recent
  days) from the raw rows, grouped the same way.
A filter the rollups do not keep (bbox, search, facility kind, severity,
service, updated_since) sends the whole question to the raw rows.

The tables are named without a schema: the public view's search_path makes them
its views (the published grain, and the published snapshots).
"""

# The SQL is assembled from table names and fixed fragments; every value is bound (S608).
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from incidents.api.query import Filters
from incidents.geojson import (
    ATTACK,
    ATTACK_REGIONS,
    DAMAGE,
    REGION,
    WEAPON,
    Where,
    attack_where,
)
from incidents.rollups.schema import (
    ATTACK_ROLLUP,
    DAMAGE_ROLLUP,
    DAY,
    START,
    WEAPON_ROLLUP,
)

# The filters the rollups keep (and `interval`, which only groups the days).
KEPT = frozenset(
    {
        "started_after",
        "started_before",
        "regions",
        "weapon_types",
        "verification_statuses",
        "publication_states",
        "interval",
    }
)
BOTH_KNOWN = "w.launched IS NOT NULL AND w.intercepted IS NOT NULL"
# Damage that counts a facility as damaged (destroyed is counted apart).
DAMAGED = ("minor", "moderate", "severe")


def answerable(filters: Filters) -> bool:
    """Whether every filter given is one the rollups keep."""
    return all(
        field.name in KEPT or getattr(filters, field.name) == field.default
        for field in fields(Filters)
    )


@dataclass(frozen=True)
class Coverage:
    """The days of the filters' range that the rollups answer for, first_day ≤ day <
    end_day (ISO dates or ±infinity), less those the rollups do not hold
    (`incidents_rollup_until()`) and those this transaction changed and has not yet
    applied (its commit applies them)."""

    first_day: str
    end_day: str
    # Whether this transaction may have changed days it has not applied yet: only
    # inside a transaction block. Outside one, a read is a transaction of its own, so
    # the days it reads are the committed ones (and the question costs nothing).
    in_transaction: bool


def coverage(filters: Filters) -> Coverage | None:
    """The whole days of the filters' range; None when the rollups cannot answer.

    Only the split between rollup and raw rows depends on these days: both sides
    are bounded by the same dates in SQL, so whatever they are, every attack is
    counted once.
    """
    if not answerable(filters):
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    first_day, end_day = "-infinity", "infinity"
    if filters.started_after:
        # The first day starting at or after the moment.
        before_it = filters.started_after.astimezone(zone) - timedelta(microseconds=1)
        first_day = (before_it.date() + timedelta(days=1)).isoformat()
    if filters.started_before:
        # The day the (exclusive) end falls in.
        end_day = filters.started_before.astimezone(zone).date().isoformat()
    return Coverage(first_day, end_day, connection.in_atomic_block)


# The end of the rollups' days: the range's, or the first day they do not hold.
END = "LEAST(%s::date, incidents_rollup_until())"
# The days this transaction changed (none outside a writing transaction), within the
# rollups' range: counted from the raw rows until the commit applies the changes. The
# function reads the tables by their schemas: the public view's versions are empty.
PENDING_DAYS = "public.incidents_rollup_pending_days()"
DIRTY_DAYS = (
    f"(SELECT DISTINCT k.day FROM {PENDING_DAYS} AS k(day) WHERE TRUE "
    f"AND k.day >= %s::date AND k.day < {END}) AS k"
)
NOT_DIRTY = f"NOT EXISTS (SELECT 1 FROM {PENDING_DAYS} AS k(day) WHERE k.day = r.day)"


def _region_ids(codes: tuple[str, ...]) -> tuple[str, list[object]]:
    return f"ARRAY(SELECT id FROM {REGION} WHERE code = ANY(%s))", [list(codes)]


def _rollup_where(
    filters: Filters, cover: Coverage, *, weapons: bool = False, by_region: bool | None = False
) -> Where:
    """The rollup rows of the filters' attacks (alias r), in the grain that counts each once.

    by_region: True for the rows with a set of regions, False for the rows of every
    set, None for a table without regions (the damage rollup). A region filter
    reads the rows whose set overlaps it. weapons: the rows are weapon rows.
    """
    where = Where()
    if filters.regions:
        ids, params = _region_ids(filters.regions)
        where.add(f"r.region_ids && {ids}", *params)
    elif by_region:
        where.add("r.region_ids IS NOT NULL")
    elif by_region is not None:
        where.add("r.region_ids IS NULL")
    where.add(f"r.day >= %s::date AND r.day < {END}", cover.first_day, cover.end_day)
    if cover.in_transaction:
        where.add(NOT_DIRTY)
    if filters.verification_statuses:
        where.add("r.verification_status = ANY(%s)", list(filters.verification_statuses))
    if filters.publication_states:
        where.add("r.publication_state = ANY(%s)", list(filters.publication_states))
    if filters.weapon_types:
        # A weapon row of one of the types belongs to an attack that used it.
        column = "r.weapon_type = ANY(%s)" if weapons else "r.weapon_types && %s::text[]"
        where.add(column, list(filters.weapon_types))
    return where


def _raw_sources(
    filters: Filters, cover: Coverage | None, **parts: bool
) -> list[tuple[str, list[object], Where]]:
    """The attacks (alias a) the rollups do not answer for, as (FROM clause, its
    parameters, conditions) parts to add up separately: those outside the rollups'
    days, and those in the days this transaction changed."""
    if cover is None:
        return [(f"{ATTACK} a", [], attack_where(filters, **parts))]
    # Before the rollups' days, and from their end on (never before their start, so
    # the two never overlap): two ranges apart, so that the planner sees each (a day
    # or two, usually nothing) for what it is.
    sources: list[tuple[str, list[object], Where]] = []
    if cover.first_day != "-infinity":
        before = attack_where(filters, **parts)
        before.add(f"a.started_at < {START}(%s::date)", cover.first_day)
        sources.append((f"{ATTACK} a", [], before))
    after = attack_where(filters, **parts)
    after.add(f"a.started_at >= {START}(GREATEST(%s::date, {END}))", cover.first_day, cover.end_day)
    sources.append((f"{ATTACK} a", [], after))
    if cover.in_transaction:
        changed = (
            f"{DIRTY_DAYS} JOIN {ATTACK} a ON a.started_at >= {START}(k.day) "
            f"AND a.started_at < {START}(k.day + 1)"
        )
        sources.append((changed, [cover.first_day, cover.end_day], attack_where(filters, **parts)))
    return sources


def attack_rows(filters: Filters, cover: Coverage | None) -> tuple[str, list[object]]:
    """Rows (day, attacks, unlocated) adding up to the attacks the filters select."""
    parts: list[str] = []
    params: list[object] = []
    if cover is not None:
        where = _rollup_where(filters, cover)
        parts.append(
            f"SELECT r.day, r.attacks, r.unlocated FROM {ATTACK_ROLLUP} r WHERE {where.sql()}"
        )
        params += where.params
    for source, source_params, where in _raw_sources(filters, cover):
        parts.append(
            f"SELECT {DAY}(a.started_at) AS day, count(*) AS attacks, "
            "count(*) FILTER (WHERE a.impact_location IS NULL) AS unlocated "
            f"FROM {source} WHERE {where.sql()} GROUP BY 1"
        )
        params += [*source_params, *where.params]
    return " UNION ALL ".join(parts), params


def region_rows(filters: Filters, cover: Coverage | None) -> tuple[str, list[object]]:
    """Rows (region_id, attacks) adding up, per region, to the filters' attacks linked to it.

    The filters' own regions (and bbox) are ignored: they choose the regions to
    show, not the attacks counted in each.
    """
    parts: list[str] = []
    params: list[object] = []
    if cover is not None:
        where = _rollup_where(replace(filters, regions=(), bbox=None), cover, by_region=True)
        parts.append(
            "SELECT unnest(r.region_ids) AS region_id, r.attacks "
            f"FROM {ATTACK_ROLLUP} r WHERE {where.sql()}"
        )
        params += where.params
    for source, source_params, where in _raw_sources(filters, cover, regions=False, bbox=False):
        parts.append(
            f"SELECT ar.region_id, count(*) AS attacks FROM {source} "
            f"JOIN {ATTACK_REGIONS} ar ON ar.attack_id = a.id WHERE {where.sql()} GROUP BY 1"
        )
        params += [*source_params, *where.params]
    return " UNION ALL ".join(parts), params


@dataclass(frozen=True)
class DamageFlags:
    """Whether the filters' attacks damaged (minor, moderate or severe) or destroyed a
    facility: SQL conditions on a facility `f`, after `raw` (a statement of rows
    facility_id, damaged, destroyed from the raw rows) is joined to it as `raw`.

    Rollup rows are probed per facility (a partial index each) rather than added
    up: a facility is damaged as soon as one matching row says so, so the answer
    costs a few index probes per facility, not a pass over every damage.
    """

    raw: str
    raw_params: list[object]
    damaged: str
    destroyed: str
    # The parameters of `destroyed`, then of `damaged`.
    flag_params: list[object]


# The damage rollup rows of each kind (the conditions of its partial indexes).
ROLLUP_DAMAGED = "(" + " OR ".join(f"r.damages_{s} > 0" for s in DAMAGED) + ")"
ROLLUP_DESTROYED = "r.damages_destroyed > 0"


def damage_flags(filters: Filters) -> DamageFlags:
    """DamageFlags for the filters. Their regions, facility kinds and bbox select
    facilities, not attacks: the caller applies them to `f` (geojson.facility_where)."""
    attacks = replace(filters, regions=(), facility_kinds=(), bbox=None)
    cover = coverage(attacks)
    parts: list[str] = []
    raw_params: list[object] = []
    for source, source_params, where in _raw_sources(attacks, cover):
        parts.append(
            f"SELECT d.facility_id, d.severity FROM {source} "
            f"JOIN {DAMAGE} d ON d.attack_id = a.id WHERE {where.sql()}"
        )
        raw_params += [*source_params, *where.params]
    raw = (
        "SELECT x.facility_id, bool_or(x.severity = ANY(%s)) AS damaged, "
        "bool_or(x.severity = 'destroyed') AS destroyed "
        f"FROM ({' UNION ALL '.join(parts)}) AS x GROUP BY x.facility_id"
    )
    raw_params.insert(0, list(DAMAGED))
    damaged, destroyed = "COALESCE(raw.damaged, false)", "COALESCE(raw.destroyed, false)"
    flag_params: list[object] = []
    if cover is not None:
        where = _rollup_where(attacks, cover, by_region=None)
        probe = f"SELECT 1 FROM {DAMAGE_ROLLUP} r WHERE r.facility_id = f.id AND {where.sql()}"
        destroyed = f"({destroyed} OR EXISTS ({probe} AND {ROLLUP_DESTROYED}))"
        damaged = f"({damaged} OR EXISTS ({probe} AND {ROLLUP_DAMAGED}))"
        flag_params = [*where.params, *where.params]
    return DamageFlags(raw, raw_params, damaged, destroyed, flag_params)


def weapon_rows(filters: Filters, cover: Coverage | None) -> tuple[str, list[object]]:
    """Rows (day, weapon_type, attacks, launched_rows, launched, intercepted, launched_both,
    intercepted_both) adding up to the weapon rows of the filters' attacks (of the
    filters' weapon types only, when given)."""
    measures = "attacks, launched_rows, launched, intercepted, launched_both, intercepted_both"
    parts: list[str] = []
    params: list[object] = []
    if cover is not None:
        where = _rollup_where(filters, cover, weapons=True)
        parts.append(
            f"SELECT r.day, r.weapon_type, {', '.join(f'r.{m}' for m in measures.split(', '))} "
            f"FROM {WEAPON_ROLLUP} r WHERE {where.sql()}"
        )
        params += where.params
    for source, source_params, where in _raw_sources(filters, cover):
        if filters.weapon_types:
            where.add("w.weapon_type = ANY(%s)", list(filters.weapon_types))
        parts.append(
            f"SELECT {DAY}(a.started_at) AS day, w.weapon_type, "
            "count(DISTINCT w.attack_id) AS attacks, count(w.launched) AS launched_rows, "
            "COALESCE(sum(w.launched), 0) AS launched, "
            "COALESCE(sum(w.intercepted), 0) AS intercepted, "
            f"COALESCE(sum(w.launched) FILTER (WHERE {BOTH_KNOWN}), 0) AS launched_both, "
            f"COALESCE(sum(w.intercepted) FILTER (WHERE {BOTH_KNOWN}), 0) AS intercepted_both "
            f"FROM {source} JOIN {WEAPON} w ON w.attack_id = a.id WHERE {where.sql()} "
            "GROUP BY 1, 2"
        )
        params += [*source_params, *where.params]
    return " UNION ALL ".join(parts), params
