"""Rebuilding and verifying the daily rollups (`manage.py rollups`)."""

# Table names come from the models' metadata, fragments are fixed; values are bound (S608).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from incidents.rollups.schema import (
    ATTACK_KEY,
    ATTACK_MEASURES,
    DAMAGE_KEY,
    DAMAGE_MEASURES,
    PENDING,
    PUBLISHED,
    WEAPON_KEY,
    WEAPON_MEASURES,
    Grain,
    add_facts_sql,
    facts_sql,
)


def flush() -> int:
    """Apply the attacks this transaction changed so far (its commit does it anyway)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.incidents_rollup_flush()")
        return cursor.fetchone()[0]


def rebuild(grain: Grain) -> None:
    """Replace the grain's rows with ones recomputed from every raw row, atomically.

    Readers see the old rows until the commit; writers wait for it.
    """
    tables = (*grain.rollups, *grain.facts)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [grain.lock])
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {PENDING} WHERE published = %s", [grain.published])
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(facts_sql(grain, f"{grain.attack} a", grain.facts))
        for statement in add_facts_sql(grain.facts, grain.rollups, upsert=False):
            cursor.execute(statement)
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


@dataclass(frozen=True)
class Difference:
    grain: str
    table: str
    key: dict[str, object]
    stored: dict[str, object] | None
    expected: dict[str, object] | None

    def __str__(self) -> str:
        key = " ".join(f"{name}={value}" for name, value in self.key.items())
        if self.stored is None:
            return f"{self.grain} {self.table} {key}: missing, expected {self.expected}"
        if self.expected is None:
            return f"{self.grain} {self.table} {key}: stored {self.stored}, expected no row"
        changed = ", ".join(
            f"{name} stored {self.stored[name]} expected {self.expected[name]}"
            for name in self.stored
            if self.stored[name] != self.expected[name]
        )
        return f"{self.grain} {self.table} {key}: {changed}"


def _differences(
    cursor: CursorWrapper,
    grain: Grain,
    table: str,
    stored: str,
    expected: str,
    key: tuple[str, ...],
    measures: tuple[str, ...],
) -> Iterator[Difference]:
    columns = ", ".join([*key, *measures])
    order = ", ".join(str(n) for n in range(2, len(key) + 2))
    cursor.execute(
        f"SELECT 'stored', {columns} FROM (SELECT {columns} FROM {stored} "
        f"EXCEPT ALL SELECT {columns} FROM {expected}) AS s "
        f"UNION ALL SELECT 'expected', {columns} FROM (SELECT {columns} FROM {expected} "
        f"EXCEPT ALL SELECT {columns} FROM {stored}) AS e ORDER BY {order}"
    )
    rows: dict[tuple, dict[str, dict[str, object]]] = {}
    for side, *values in cursor.fetchall():
        row_key = tuple(tuple(v) if isinstance(v, list) else v for v in values[: len(key)])
        rows.setdefault(row_key, {})[side] = dict(zip(measures, values[len(key) :], strict=True))
    for row_key, sides in rows.items():
        yield Difference(
            grain.name,
            table,
            dict(zip(key, row_key, strict=True)),
            sides.get("stored"),
            sides.get("expected"),
        )


FACT_TABLES = (
    ("attack facts", ("attack_id",), ATTACK_KEY + ATTACK_MEASURES[1:]),
    ("weapon facts", ("attack_id", "weapon_type"), WEAPON_MEASURES[1:]),
    ("damage facts", ("attack_id", "facility_id"), DAMAGE_MEASURES),
)
ROLLUP_TABLES = (
    ("attacks", ATTACK_KEY, ATTACK_MEASURES),
    ("weapons", WEAPON_KEY, WEAPON_MEASURES),
    ("damages", DAMAGE_KEY, DAMAGE_MEASURES),
)


def verify(grain: Grain) -> list[Difference]:
    """Recompute the grain from the raw rows and list where the stored rows differ:
    the rollups, and the facts the next changes will be applied from."""
    found: list[Difference] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT public.incidents_rollup_flush()")
        stored = (*grain.facts, *grain.rollups)
        expected = []
        for table, (name, key, measures) in zip(stored, FACT_TABLES + ROLLUP_TABLES, strict=True):
            temp = f"expected_{name.replace(' ', '_')}"
            # ON COMMIT drops it, but a caller's transaction may verify twice.
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{temp}")
            cursor.execute(
                f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT "
                f"{', '.join([*key, *measures])} FROM {table} LIMIT 0"
            )
            expected.append(temp)
        facts, rollups = tuple(expected[:3]), tuple(expected[3:])
        cursor.execute(facts_sql(grain, f"{grain.attack} a", facts))
        for statement in add_facts_sql(facts, rollups, upsert=False):
            cursor.execute(statement)
        for table, temp, (name, key, measures) in zip(
            stored, expected, FACT_TABLES + ROLLUP_TABLES, strict=True
        ):
            found += _differences(cursor, grain, name, table, temp, key, measures)
        # Committed transactions leave nothing pending: a row here was never applied.
        cursor.execute(
            f"SELECT DISTINCT attack_id FROM {PENDING} WHERE published = %s ORDER BY 1",
            [grain.published],
        )
        for (attack_id,) in cursor.fetchall():
            found.append(
                Difference(grain.name, "pending", {"attack_id": attack_id}, {"pending": 1}, None)
            )
        return found


def published_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PUBLISHED.attack_rollup])
        return cursor.fetchone()[0]
