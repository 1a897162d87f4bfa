"""The SQL that keeps the daily rollups: functions, triggers, rebuild and verify.

How the rollups follow every write, in the writer's transaction:
- statement triggers (with transition tables, so a COPY of 10,000 rows costs one
  statement, not 10,000) on attacks, weapon uses, damage and attack regions
  record the days, old and new, whose figures a statement may change, in
  `incidents_rollupdirtyday` (one row per day and transaction);
- a DEFERRABLE INITIALLY DEFERRED constraint trigger on that table recomputes
  each of those days once, from the raw rows, when the transaction commits
  (`incidents_rollup_flush`); a read in the same transaction flushes first, so
  it sees its own writes.
A recompute takes an advisory lock per day (in day order, so two writers never
deadlock): after a concurrent writer of the same day commits, the next one
recomputes with its rows in view (READ COMMITTED, the application's level).

The same triggers on the `published` snapshot tables keep the published grain,
which the public view reads. The function bodies are (re)installed by every
`migrate` (incidents.public.schema.sync_public_schema calls `install`), so they
follow this module; the bucketing into days uses settings.TIME_ZONE, so a change
of TIME_ZONE needs `manage.py rollups --rebuild` after `migrate`.
"""

# Table names come from the models' metadata, fragments are fixed; values are bound (S608).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from incidents.models import (
    Attack,
    AttackRollup,
    Damage,
    DamageRollup,
    Facility,
    RollupDirtyDay,
    WeaponRollup,
    WeaponUse,
)

ATTACK_ROLLUP = AttackRollup._meta.db_table
WEAPON_ROLLUP = WeaponRollup._meta.db_table
DAMAGE_ROLLUP = DamageRollup._meta.db_table
ROLLUPS = (ATTACK_ROLLUP, WEAPON_ROLLUP, DAMAGE_ROLLUP)
DIRTY = f"public.{RollupDirtyDay._meta.db_table}"
SEVERITIES = tuple(Damage.Severity.values)

# The measures of each table, in column order; the other columns are the key.
ATTACK_KEY = ("day", "region_ids", "weapon_types", "verification_status", "publication_state")
ATTACK_MEASURES = (
    "attacks",
    "unlocated",
    "killed",
    "injured",
    *(f"damages_{severity}" for severity in SEVERITIES),
)
WEAPON_KEY = ("day", "region_ids", "verification_status", "publication_state", "weapon_type")
WEAPON_MEASURES = (
    "attacks",
    "launched_rows",
    "launched",
    "intercepted",
    "launched_both",
    "intercepted_both",
)
DAMAGE_KEY = ("day", "facility_id", "weapon_types", "verification_status", "publication_state")
DAMAGE_MEASURES = tuple(f"damages_{severity}" for severity in SEVERITIES)

# Helper functions every grain and the statistics use (in the `public` schema).
DAY = "public.incidents_rollup_day"
START = "public.incidents_rollup_start"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Grain:
    """One set of rollups and the tables it adds up."""

    name: str
    schema: str
    published: bool
    # First key of the advisory locks that serialise recomputing a day of this grain.
    lock: int
    # Damage rows that count: the public view hides damage to a facility made
    # illustrative after publication (incidents.public.schema).
    damage_condition: str = "TRUE"

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"

    @property
    def attack(self) -> str:
        return self.table(Attack._meta.db_table)

    @property
    def weapon(self) -> str:
        return self.table(WeaponUse._meta.db_table)

    @property
    def damage(self) -> str:
        return self.table(Damage._meta.db_table)

    @property
    def attack_regions(self) -> str:
        return self.table(Attack.regions.through._meta.db_table)

    @property
    def attack_rollup(self) -> str:
        return self.table(ATTACK_ROLLUP)

    @property
    def weapon_rollup(self) -> str:
        return self.table(WEAPON_ROLLUP)

    @property
    def damage_rollup(self) -> str:
        return self.table(DAMAGE_ROLLUP)

    @property
    def rollups(self) -> tuple[str, str, str]:
        return self.attack_rollup, self.weapon_rollup, self.damage_rollup

    def function(self, what: str) -> str:
        return f"public.incidents_rollup_{self.name}_{what}"


FACILITY = f"public.{Facility._meta.db_table}"
LIVE = Grain("live", "public", published=False, lock=74110)
PUBLISHED = Grain(
    "published",
    "published",
    published=True,
    lock=74111,
    damage_condition=f"d.facility_id IN (SELECT id FROM {FACILITY} WHERE NOT is_illustrative)",
)
GRAINS = (LIVE, PUBLISHED)


# --------------------------------------------------------------------------- aggregation


def refill_sql(grain: Grain, attacks_from: str, targets: tuple[str, str, str]) -> str:
    """One statement adding the attacks that `attacks_from` selects (as `a`) into the
    targets: the attack, weapon and damage rollups (or tables shaped like them).

    The attack and weapon rows are written in both grains: with each set of
    regions, and (region_ids NULL) over every set. `attacks_from` is what follows
    FROM, WHERE included.
    """
    attack_target, weapon_target, damage_target = targets
    severities = ", ".join(
        f"count(*) FILTER (WHERE d.severity = {_literal(s)}) AS damages_{s}" for s in SEVERITIES
    )
    damages = ", ".join(f"COALESCE(dm.damages_{s}, 0) AS damages_{s}" for s in SEVERITIES)
    damage_sums = ", ".join(f"sum(damages_{s})" for s in SEVERITIES)
    both = "w.launched IS NOT NULL AND w.intercepted IS NOT NULL"
    attack_key = ", ".join(ATTACK_KEY)
    attack_sets = "(day, weapon_types, verification_status, publication_state)"
    return (
        "WITH a AS MATERIALIZED ("
        f"SELECT a.id, {DAY}(a.started_at) AS day, a.verification_status, a.publication_state, "
        "a.impact_location IS NULL AS unlocated, COALESCE(a.killed, 0) AS killed, "
        f"COALESCE(a.injured, 0) AS injured FROM {attacks_from}), "
        "r AS (SELECT ar.attack_id, array_agg(DISTINCT ar.region_id ORDER BY ar.region_id) AS ids "
        f"FROM {grain.attack_regions} ar WHERE ar.attack_id IN (SELECT id FROM a) "
        "GROUP BY ar.attack_id), "
        "t AS (SELECT w.attack_id, "
        "array_agg(DISTINCT w.weapon_type::text ORDER BY w.weapon_type::text) AS types "
        f"FROM {grain.weapon} w WHERE w.attack_id IN (SELECT id FROM a) GROUP BY w.attack_id), "
        f"dm AS (SELECT d.attack_id, {severities} FROM {grain.damage} d "
        f"WHERE d.attack_id IN (SELECT id FROM a) AND {grain.damage_condition} "
        "GROUP BY d.attack_id), "
        "f AS (SELECT a.id, a.day, a.verification_status, a.publication_state, a.unlocated, "
        "a.killed, a.injured, COALESCE(r.ids, '{}') AS region_ids, "
        f"COALESCE(t.types, '{{}}') AS weapon_types, {damages} FROM a "
        "LEFT JOIN r ON r.attack_id = a.id LEFT JOIN t ON t.attack_id = a.id "
        "LEFT JOIN dm ON dm.attack_id = a.id), "
        f"attack_rows AS (INSERT INTO {attack_target} ({attack_key}, {', '.join(ATTACK_MEASURES)}) "
        f"SELECT {attack_key}, count(*), count(*) FILTER (WHERE unlocated), sum(killed), "
        f"sum(injured), {damage_sums} FROM f "
        f"GROUP BY GROUPING SETS (({attack_key}), {attack_sets}) RETURNING 1), "
        f"damage_rows AS (INSERT INTO {damage_target} ({', '.join(DAMAGE_KEY)}, "
        f"{', '.join(DAMAGE_MEASURES)}) SELECT f.day, d.facility_id, f.weapon_types, "
        f"f.verification_status, f.publication_state, {severities} FROM {grain.damage} d "
        f"JOIN f ON f.id = d.attack_id WHERE {grain.damage_condition} "
        "GROUP BY 1, 2, 3, 4, 5 RETURNING 1) "
        f"INSERT INTO {weapon_target} ({', '.join(WEAPON_KEY)}, {', '.join(WEAPON_MEASURES)}) "
        "SELECT f.day, f.region_ids, f.verification_status, f.publication_state, w.weapon_type, "
        "count(DISTINCT w.attack_id), count(w.launched), COALESCE(sum(w.launched), 0), "
        f"COALESCE(sum(w.intercepted), 0), COALESCE(sum(w.launched) FILTER (WHERE {both}), 0), "
        f"COALESCE(sum(w.intercepted) FILTER (WHERE {both}), 0) "
        f"FROM {grain.weapon} w JOIN f ON f.id = w.attack_id GROUP BY GROUPING SETS ("
        "(f.day, f.region_ids, f.verification_status, f.publication_state, w.weapon_type), "
        "(f.day, f.verification_status, f.publication_state, w.weapon_type))"
    )


def _days_from(grain: Grain) -> str:
    """The attacks of the days in the PL/pgSQL variable `days`."""
    return (
        f"unnest(days) AS dd(day) JOIN {grain.attack} a ON a.started_at >= {START}(dd.day) "
        f"AND a.started_at < {START}(dd.day + 1)"
    )


# --------------------------------------------------------------------------- functions


def _helpers_sql() -> list[str]:
    zone = _literal(settings.TIME_ZONE)
    return [
        f"CREATE OR REPLACE FUNCTION {DAY}(moment timestamptz) RETURNS date "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (moment AT TIME ZONE {zone})::date $$",
        f"CREATE OR REPLACE FUNCTION {START}(day date) RETURNS timestamptz "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT day::timestamp AT TIME ZONE {zone} $$",
        # The first day the rollups do not answer for: none in the full data. The public
        # view has its own (incidents.public.schema), the first day not wholly past the delay.
        "CREATE OR REPLACE FUNCTION public.incidents_rollup_until() RETURNS date "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'infinity'::date $$",
        "CREATE OR REPLACE FUNCTION public.incidents_rollup_mark(is_published boolean, "
        "days date[]) RETURNS void LANGUAGE plpgsql AS $fn$ "
        "DECLARE current_tx bigint; "
        "BEGIN "
        "IF days IS NULL OR cardinality(days) = 0 THEN RETURN; END IF; "
        "current_tx := txid_current(); "
        f"INSERT INTO {DIRTY} (tx, published, day) "
        "SELECT current_tx, is_published, x.d FROM (SELECT DISTINCT d FROM unnest(days) AS d) x "
        "WHERE x.d IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{DIRTY} k WHERE k.tx = current_tx AND k.published = is_published AND k.day = x.d); "
        "END $fn$",
        # Recompute the days this transaction changed; nothing (and no write) when none.
        # txid_current_if_assigned is NULL in a transaction that wrote nothing, so a read
        # on a replica never tries to write.
        "CREATE OR REPLACE FUNCTION public.incidents_rollup_flush() RETURNS integer "
        "LANGUAGE plpgsql AS $fn$ "
        "DECLARE current_tx bigint := txid_current_if_assigned(); live_days date[]; "
        "published_days date[]; "
        "BEGIN "
        "IF current_tx IS NULL OR NOT EXISTS "
        f"(SELECT 1 FROM {DIRTY} WHERE tx = current_tx) THEN RETURN 0; END IF; "
        f"WITH taken AS (DELETE FROM {DIRTY} WHERE tx = current_tx RETURNING published, day) "
        "SELECT array_agg(DISTINCT day ORDER BY day) FILTER (WHERE NOT published), "
        "array_agg(DISTINCT day ORDER BY day) FILTER (WHERE published) "
        "INTO live_days, published_days FROM taken; "
        f"IF live_days IS NOT NULL THEN PERFORM {LIVE.function('recompute')}(live_days); END IF; "
        "IF published_days IS NOT NULL THEN "
        f"PERFORM {PUBLISHED.function('recompute')}(published_days); END IF; "
        "RETURN COALESCE(cardinality(live_days), 0) + COALESCE(cardinality(published_days), 0); "
        "END $fn$",
        "CREATE OR REPLACE FUNCTION public.incidents_rollup_refresh() RETURNS trigger "
        "LANGUAGE plpgsql AS $fn$ BEGIN PERFORM public.incidents_rollup_flush(); RETURN NULL; "
        "END $fn$",
    ]


def _recompute_sql(grain: Grain) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {grain.function('recompute')}(days date[]) RETURNS void "
        "LANGUAGE plpgsql AS $fn$ DECLARE lock_day date; BEGIN "
        # `days` is sorted: every writer takes the locks in the same order.
        "FOREACH lock_day IN ARRAY days LOOP "
        f"PERFORM pg_advisory_xact_lock({grain.lock}, lock_day - DATE '2000-01-01'); END LOOP; "
        + "".join(f"DELETE FROM {table} WHERE day = ANY(days); " for table in grain.rollups)
        + f"{refill_sql(grain, _days_from(grain), grain.rollups)}; END $fn$"
    )


def _mark(grain: Grain, days: str) -> str:
    return f"PERFORM public.incidents_rollup_mark({str(grain.published).lower()}, ARRAY({days}));"


def _trigger_function(grain: Grain, table: str, changed: tuple[str, ...], days: str) -> str:
    """A statement trigger's function marking the days of the rows a statement touched.

    `days` selects the days of the rows of a relation named `rows`; an UPDATE
    marks the days before and after of the rows whose `changed` columns changed.
    """
    old = ", ".join(f"o.{column}" for column in changed)
    new = ", ".join(f"n.{column}" for column in changed)
    updated = (
        "(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
        f"WHERE ({old}) IS DISTINCT FROM ({new}) "
        f"UNION ALL SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
        f"WHERE ({old}) IS DISTINCT FROM ({new}))"
    )
    return (
        f"CREATE OR REPLACE FUNCTION {grain.function(table)}() RETURNS trigger "
        "LANGUAGE plpgsql AS $fn$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_mark(grain, days.replace('{rows}', 'new_rows'))} "
        f"ELSIF TG_OP = 'DELETE' THEN {_mark(grain, days.replace('{rows}', 'old_rows'))} "
        f"ELSE {_mark(grain, days.replace('{rows}', updated + ' AS u'))} "
        "END IF; RETURN NULL; END $fn$"
    )


def _child_days(grain: Grain) -> str:
    """The days of the attacks of the rows (attack_id) in {rows}."""
    return (
        f"SELECT DISTINCT {DAY}(a.started_at) FROM {grain.attack} a "
        "WHERE a.id IN (SELECT attack_id FROM {rows})"
    )


def _sources(grain: Grain) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """Per source table: its name, the columns the rollups read, and how to find the days."""
    return {
        "attack": (
            grain.attack,
            (
                "started_at",
                "verification_status",
                "publication_state",
                "impact_location IS NULL",
                "killed",
                "injured",
            ),
            f"SELECT DISTINCT {DAY}(started_at) FROM {{rows}}",
        ),
        "weapon": (
            grain.weapon,
            ("attack_id", "weapon_type", "launched", "intercepted"),
            _child_days(grain),
        ),
        "damage": (grain.damage, ("attack_id", "severity", "facility_id"), _child_days(grain)),
        "regions": (grain.attack_regions, ("attack_id", "region_id"), _child_days(grain)),
    }


def _grain_sql(grain: Grain) -> list[str | Trigger]:
    """The grain's functions and triggers, replacing any installed before."""
    statements: list[str | Trigger] = [_recompute_sql(grain)]
    for name, (table, changed, days) in _sources(grain).items():
        # "impact_location IS NULL" compares as an expression: o.impact_location IS NULL.
        statements.append(_trigger_function(grain, name, changed, days))
        function = grain.function(name)
        for event, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            statements.append(
                Trigger(
                    table,
                    f"incidents_rollup_{event.lower()}",
                    f"AFTER {event} ON {table} REFERENCING {referencing} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
                )
            )
        # TRUNCATE has no rows to name: every day the grain holds is recomputed.
        statements.append(
            Trigger(
                table,
                "incidents_rollup_truncate",
                f"AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {grain.function('truncated')}()",
            )
        )
    statements.insert(
        0,
        f"CREATE OR REPLACE FUNCTION {grain.function('truncated')}() RETURNS trigger "
        "LANGUAGE plpgsql AS $fn$ BEGIN "
        f"{_mark(grain, f'SELECT DISTINCT day FROM {grain.attack_rollup}')} "
        "RETURN NULL; END $fn$",
    )
    if grain.published:
        statements += _facility_sql(grain)
    return statements


def _facility_sql(grain: Grain) -> list[str | Trigger]:
    """A facility made illustrative (or real again) hides (or shows) its published damage."""
    changed = (
        "SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
        "WHERE o.is_illustrative IS DISTINCT FROM n.is_illustrative"
    )
    days = (
        f"SELECT DISTINCT {DAY}(a.started_at) FROM {grain.damage} d JOIN {grain.attack} a "
        f"ON a.id = d.attack_id WHERE d.facility_id IN ({changed})"
    )
    function = grain.function("facility")
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
        f"BEGIN {_mark(grain, days)} RETURN NULL; END $fn$",
        Trigger(
            FACILITY,
            "incidents_rollup_published",
            f"AFTER UPDATE ON {FACILITY} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ),
    ]


def _refresh_trigger_sql() -> list[Trigger]:
    return [
        Trigger(
            DIRTY,
            "incidents_rollup_refresh",
            f"AFTER INSERT ON {DIRTY} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION public.incidents_rollup_refresh()",
            constraint=True,
        )
    ]


@dataclass(frozen=True)
class Trigger:
    """A trigger, created when missing (the functions it calls are replaced in place, so
    a `migrate` or `flush` need not take the table's lock to drop and recreate it)."""

    table: str
    name: str
    definition: str
    constraint: bool = False

    def create(self, cursor: CursorWrapper) -> None:
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s",
            [self.table, self.name],
        )
        if cursor.fetchone() is None:
            kind = "CONSTRAINT TRIGGER" if self.constraint else "TRIGGER"
            cursor.execute(f"CREATE {kind} {self.name} {self.definition}")


def _table_columns(cursor: CursorWrapper, schema: str, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [schema, table],
    )
    return cursor.fetchall()


def _table_indexes(cursor: CursorWrapper, schema: str, table: str) -> list[str]:
    """The table's index definitions, without their names and the table's."""
    cursor.execute(
        "SELECT regexp_replace(indexdef, 'INDEX \\S+ ON \\S+', 'INDEX ON') FROM pg_indexes "
        "WHERE schemaname = %s AND tablename = %s ORDER BY 1",
        [schema, table],
    )
    return [row[0] for row in cursor.fetchall()]


def _ensure_published_tables(cursor: CursorWrapper) -> bool:
    """The published grain's tables, shaped as the live ones; whether any was (re)made."""
    made = False
    for table in ROLLUPS:
        shape = (_table_columns(cursor, "public", table), _table_indexes(cursor, "public", table))
        stored = (
            _table_columns(cursor, PUBLISHED.schema, table),
            _table_indexes(cursor, PUBLISHED.schema, table),
        )
        if stored != shape:
            cursor.execute(f"DROP TABLE IF EXISTS {PUBLISHED.table(table)}")
            cursor.execute(
                f"CREATE TABLE {PUBLISHED.table(table)} (LIKE public.{table} INCLUDING ALL)"
            )
            made = True
    return made


def _published_sources_exist(cursor: CursorWrapper) -> bool:
    cursor.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
        [
            PUBLISHED.schema,
            [
                Attack._meta.db_table,
                WeaponUse._meta.db_table,
                Damage._meta.db_table,
                Attack.regions.through._meta.db_table,
            ],
        ],
    )
    return cursor.fetchone()[0] == 4


def install(*, published: bool = True) -> list[Grain]:
    """(Re)install the functions and triggers; make the published tables if missing.

    Returns the grains whose tables were just made (and so need a rebuild). The
    published grain is skipped while the snapshot tables do not exist yet (the
    first `migrate` makes them after the migrations, and calls this again).
    """
    made: list[Grain] = []
    with connection.cursor() as cursor:
        statements = [*_helpers_sql(), *_grain_sql(LIVE), *_refresh_trigger_sql()]
        if published and _published_sources_exist(cursor):
            if _ensure_published_tables(cursor):
                made.append(PUBLISHED)
            statements += _grain_sql(PUBLISHED)
        for statement in statements:
            if isinstance(statement, Trigger):
                statement.create(cursor)
            else:
                cursor.execute(statement)
    return made


def uninstall() -> None:
    """Drop the triggers and functions (reversing the migration that installs them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
            "AND p.proname LIKE 'incidents\\_rollup\\_%%'"
        )
        for (function,) in cursor.fetchall():
            cursor.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")


# --------------------------------------------------------------------------- public view


def public_view_functions(view_schema: str, delay: str) -> list[str]:
    """The public view's `incidents_rollup_until`: the first day not wholly past the delay.

    `delay` is the SQL of the request's delay (NULL when unset: then no day is).
    """
    zone = _literal(settings.TIME_ZONE)
    return [
        f"CREATE OR REPLACE FUNCTION {view_schema}.incidents_rollup_until() RETURNS date "
        f"LANGUAGE sql STABLE AS $$ SELECT COALESCE(((now() - {delay}) AT TIME ZONE {zone})"
        "::date, '-infinity'::date) $$"
    ]


def public_views(view_schema: str) -> dict[str, str]:
    """The published grain as the public view shows it: the days wholly past the delay."""
    until = f"{view_schema}.incidents_rollup_until()"
    return {
        table: f"SELECT * FROM {PUBLISHED.table(table)} WHERE day < {until}" for table in ROLLUPS
    }


def published_tables() -> list[str]:
    return list(PUBLISHED.rollups)


# --------------------------------------------------------------------------- rebuild, verify


def flush() -> int:
    """Recompute the days this transaction changed so far (commit does it anyway)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.incidents_rollup_flush()")
        return cursor.fetchone()[0]


def rebuild(grain: Grain) -> None:
    """Replace the grain's rows with ones recomputed from every raw row, atomically.

    Readers see the old rows until the commit; writers wait for it.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(grain.rollups)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {DIRTY} WHERE published = %s", [grain.published])
        for table in grain.rollups:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(refill_sql(grain, f"{grain.attack} a", grain.rollups))
        for table in grain.rollups:
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
    cursor.execute(
        f"SELECT 'stored', {columns} FROM (SELECT {columns} FROM {stored} "
        f"EXCEPT ALL SELECT {columns} FROM {expected}) AS s "
        f"UNION ALL SELECT 'expected', {columns} FROM (SELECT {columns} FROM {expected} "
        f"EXCEPT ALL SELECT {columns} FROM {stored}) AS e ORDER BY 2, 3, 4, 5, 6"
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


def verify(grain: Grain) -> list[Difference]:
    """Recompute the grain from the raw rows and list where the stored rows differ."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT public.incidents_rollup_flush()")
        tables = (
            ("attacks", grain.attack_rollup, ATTACK_KEY, ATTACK_MEASURES),
            ("weapons", grain.weapon_rollup, WEAPON_KEY, WEAPON_MEASURES),
            ("damages", grain.damage_rollup, DAMAGE_KEY, DAMAGE_MEASURES),
        )
        for name, table, key, measures in tables:
            cursor.execute(
                f"CREATE TEMP TABLE expected_{name} ON COMMIT DROP AS SELECT "
                f"{', '.join([*key, *measures])} FROM {table} LIMIT 0"
            )
        expected = ("expected_attacks", "expected_weapons", "expected_damages")
        cursor.execute(refill_sql(grain, f"{grain.attack} a", expected))
        found = [
            difference
            for name, table, key, measures in tables
            for difference in _differences(
                cursor, grain, name, table, f"expected_{name}", key, measures
            )
        ]
        # Committed transactions leave no days behind: a row here is a day never recomputed.
        cursor.execute(
            f"SELECT DISTINCT day FROM {DIRTY} WHERE published = %s ORDER BY day",
            [grain.published],
        )
        for (day,) in cursor.fetchall():
            found.append(Difference(grain.name, "dirty days", {"day": day}, {"pending": 1}, None))
        return found


def published_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PUBLISHED.attack_rollup])
        return cursor.fetchone()[0]
