"""Fast generators of large data sets for benchmarks: one INSERT … SELECT generate_series each.

Creating 200,000 attacks through the ORM would take minutes; PostgreSQL
writes them in seconds. Rows are marked `external_source='bench'` and
`is_illustrative=true`, so they can never be mistaken for real records.
Points are spread uniformly over Ukraine's bounding box; the sequence is
repeatable (setseed), so a viewport holds the same share of rows every run.
"""

# Table names come from the models; every value is bound (S608).
# ruff: noqa: S608

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.db import connection

from incidents.models import Attack, Damage, Facility, WeaponUse

# Ukraine's bounding box, min_lon, min_lat, max_lon, max_lat (WGS84).
UKRAINE = (22.1, 44.3, 40.2, 52.4)
FIRST_DAY = datetime(2022, 10, 1, tzinfo=UTC)
DAYS = 1200

_RANDOM_POINT = (
    "ST_SetSRID(ST_MakePoint(%(min_lon)s + random() * (%(max_lon)s - %(min_lon)s), "
    "%(min_lat)s + random() * (%(max_lat)s - %(min_lat)s)), 4326)"
)


def _bounds() -> dict[str, float]:
    return dict(zip(("min_lon", "min_lat", "max_lon", "max_lat"), UKRAINE, strict=True))


def generate_facilities(n: int, *, seed: float = 0.17) -> int:
    """Insert n facilities of every kind at random points; returns how many were written."""
    kinds = [value for value, _ in Facility.Kind.choices]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            f"INSERT INTO {Facility._meta.db_table} (created_at, updated_at, external_source, "
            "external_id, name, name_uk, kind, location, location_approximate, locality, "
            "operator, use, status, notes, is_illustrative, public_region_only) "
            "SELECT now(), now(), 'bench', %(batch)s || '-' || g, 'Generated plant ' || g, '', "
            "(%(kinds)s::text[])[1 + g %% cardinality(%(kinds)s::text[])], "
            f"{_RANDOM_POINT}, false, '', '', 'civilian', 'operational', '', true, false "
            "FROM generate_series(1, %(n)s) AS g",
            {**_bounds(), "batch": uuid.uuid4().hex[:8], "kinds": kinds, "n": n},
        )
        return cursor.rowcount


def generate_attacks(n: int, *, seed: float = 0.42, damage_every: int = 10) -> int:
    """Insert n attacks with weapon uses (and some damage); returns how many attacks.

    Every attack used drones; every second one also cruise missiles. Every
    `damage_every`-th attack damaged one of the existing facilities, if any.
    One statement writes attacks, weapons and damages together.
    """
    verification = [value for value, _ in Attack.Verification.choices]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "WITH facilities AS (SELECT array_agg(id ORDER BY id) AS ids "
            f"FROM {Facility._meta.db_table}), "
            f"new AS (INSERT INTO {Attack._meta.db_table} (created_at, updated_at, "
            "external_source, external_id, started_at, time_precision, perpetrator, summary, "
            "description, impact_location, killed, injured, verification_status, "
            "is_illustrative, publication_state, review_comment) "
            "SELECT now(), now(), 'bench', %(batch)s || '-' || g, "
            "%(first_day)s::timestamptz + random() * %(days)s * interval '1 day', 'hour', "
            "'Russian Armed Forces', 'Generated strike ' || g, '', "
            f"{_RANDOM_POINT}, (random() * 2)::int, (random() * 6)::int, "
            "(%(verification)s::text[])[1 + g %% cardinality(%(verification)s::text[])], true, "
            "'draft', '' "
            "FROM generate_series(1, %(n)s) AS g RETURNING id), "
            f"weapons AS (INSERT INTO {WeaponUse._meta.db_table} (created_at, updated_at, "
            "weapon_type, model, launched, intercepted, attack_id) "
            "SELECT now(), now(), w.weapon_type, w.model, w.launched, w.intercepted, new.id "
            "FROM new CROSS JOIN LATERAL (VALUES "
            "('attack_drone', 'Shahed-136', 1 + new.id %% 30, (1 + new.id %% 30) * 3 / 4), "
            "('cruise_missile', 'Kh-101', 1 + new.id %% 8, (1 + new.id %% 8) / 2)) "
            "AS w(weapon_type, model, launched, intercepted) "
            "WHERE w.weapon_type = 'attack_drone' OR new.id %% 2 = 0) "
            f"INSERT INTO {Damage._meta.db_table} (created_at, updated_at, severity, description, "
            "restoration_status, attack_id, facility_id) "
            "SELECT now(), now(), 'moderate', '', 'not_started', new.id, "
            "f.ids[1 + new.id %% cardinality(f.ids)] FROM new, facilities f "
            "WHERE cardinality(f.ids) > 0 AND new.id %% %(damage_every)s = 0",
            {
                **_bounds(),
                "batch": uuid.uuid4().hex[:8],
                "first_day": FIRST_DAY,
                "days": DAYS,
                "verification": verification,
                "n": n,
                "damage_every": damage_every,
            },
        )
        cursor.execute(f"ANALYZE {Attack._meta.db_table}")
        cursor.execute(f"ANALYZE {WeaponUse._meta.db_table}")
        cursor.execute(f"ANALYZE {Damage._meta.db_table}")
    return n
