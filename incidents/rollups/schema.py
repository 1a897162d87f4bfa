"""The SQL that keeps the daily rollups: functions, triggers, rebuild and verify.

How the rollups follow every write, in the writer's transaction:
- statement triggers (with transition tables, so a COPY of 10,000 rows costs one
  statement, not 10,000) on attacks, weapon uses, damage and attack regions
  record the attacks a statement touched in `incidents_rolluppending` (one row
  per attack and transaction);
- a DEFERRABLE INITIALLY DEFERRED constraint trigger on that table applies them
  once, when the transaction commits (`incidents_rollup_flush`): each attack's
  facts (what it added to the rollups when last applied: AttackFact, WeaponFact,
  DamageFact) are subtracted from the rollups, recomputed from its rows now, and
  added again. A commit costs in proportion to the attacks it changed, however
  many attacks their days hold.
A flush takes the grain's advisory lock (held until its commit) before reading
any facts: concurrent writers apply their changes one after the other, each
reading the facts and rows the previous one committed (READ COMMITTED, the
application's level), and never deadlock on the rollup rows. Only the short
apply step is serialised, not the writing transactions.

Reads inside a writing transaction count the days of its pending attacks from
the raw rows (incidents.rollups.queries), so they see their own writes.

The same triggers on the `published` snapshot tables keep the published grain,
which the public view reads. The function bodies are (re)installed by every
`migrate` (incidents.public.schema.sync_public_schema calls `install`), so they
follow this module; the bucketing into days uses settings.TIME_ZONE, so a change
of TIME_ZONE needs `manage.py rollups --rebuild` after `migrate`.
"""

# Table names come from the models' metadata, fragments are fixed; values are bound (S608).
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorWrapper

from incidents.models import (
    Attack,
    AttackFact,
    AttackRollup,
    Damage,
    DamageFact,
    DamageRollup,
    Facility,
    RollupPending,
    WeaponFact,
    WeaponRollup,
    WeaponUse,
)

ATTACK_ROLLUP = AttackRollup._meta.db_table
WEAPON_ROLLUP = WeaponRollup._meta.db_table
DAMAGE_ROLLUP = DamageRollup._meta.db_table
ROLLUPS = (ATTACK_ROLLUP, WEAPON_ROLLUP, DAMAGE_ROLLUP)
ATTACK_FACT = AttackFact._meta.db_table
WEAPON_FACT = WeaponFact._meta.db_table
DAMAGE_FACT = DamageFact._meta.db_table
FACTS = (ATTACK_FACT, WEAPON_FACT, DAMAGE_FACT)
PENDING = f"public.{RollupPending._meta.db_table}"
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
    """One set of rollups, their facts, and the tables they add up."""

    name: str
    schema: str
    published: bool
    # The advisory lock that serialises applying changes to this grain.
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

    @property
    def facts(self) -> tuple[str, str, str]:
        return tuple(self.table(table) for table in FACTS)

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


def facts_sql(
    grain: Grain, attacks_from: str, targets: tuple[str, str, str], *, per_attack: bool = False
) -> str:
    """One statement writing the facts of the attacks `attacks_from` selects (as `a`)
    from their rows now into `targets` (tables shaped as the three fact tables).

    `attacks_from` is what follows FROM, WHERE included. per_attack: look each
    attack's rows up by index (a few attacks, when PostgreSQL cannot know how few:
    inside the flush function), rather than joining whole tables (a rebuild).
    """
    attack_target, weapon_target, damage_target = targets
    severities = ", ".join(
        f"count(*) FILTER (WHERE d.severity = {_literal(s)}) AS damages_{s}" for s in SEVERITIES
    )
    damages = ", ".join(f"COALESCE(dm.damages_{s}, 0) AS damages_{s}" for s in SEVERITIES)
    both = "w.launched IS NOT NULL AND w.intercepted IS NOT NULL"
    regions = "array_agg(DISTINCT ar.region_id ORDER BY ar.region_id)"
    types = "array_agg(DISTINCT w.weapon_type::text ORDER BY w.weapon_type::text)"
    damage_rows = f"FROM {grain.damage} d WHERE d.attack_id = a.id AND {grain.damage_condition}"
    if per_attack:
        # OFFSET 0 keeps each subquery a per-attack index lookup (it is not flattened
        # into a join, which the planner could then make a hash join of whole tables).
        facts = (
            f"f AS (SELECT a.*, COALESCE((SELECT {regions} FROM {grain.attack_regions} ar "
            "WHERE ar.attack_id = a.id), '{}') AS region_ids, "
            f"COALESCE((SELECT {types} FROM {grain.weapon} w WHERE w.attack_id = a.id), "
            f"'{{}}') AS weapon_types, {damages} FROM a "
            f"LEFT JOIN LATERAL (SELECT {severities} {damage_rows}) AS dm ON TRUE), "
        )
        weapons = (
            "a CROSS JOIN LATERAL (SELECT w.attack_id, w.weapon_type, w.launched, w.intercepted "
            f"FROM {grain.weapon} w WHERE w.attack_id = a.id OFFSET 0) AS w"
        )
        damaged = (
            "a CROSS JOIN LATERAL (SELECT d.attack_id, d.facility_id, d.severity "
            f"{damage_rows} OFFSET 0) AS d"
        )
    else:
        facts = (
            f"r AS (SELECT ar.attack_id, {regions} AS ids FROM {grain.attack_regions} ar "
            "WHERE ar.attack_id IN (SELECT id FROM a) GROUP BY ar.attack_id), "
            f"t AS (SELECT w.attack_id, {types} AS types FROM {grain.weapon} w "
            "WHERE w.attack_id IN (SELECT id FROM a) GROUP BY w.attack_id), "
            f"dm AS (SELECT d.attack_id, {severities} FROM {grain.damage} d "
            f"WHERE d.attack_id IN (SELECT id FROM a) AND {grain.damage_condition} "
            "GROUP BY d.attack_id), "
            "f AS (SELECT a.*, COALESCE(r.ids, '{}') AS region_ids, "
            f"COALESCE(t.types, '{{}}') AS weapon_types, {damages} FROM a "
            "LEFT JOIN r ON r.attack_id = a.id LEFT JOIN t ON t.attack_id = a.id "
            "LEFT JOIN dm ON dm.attack_id = a.id), "
        )
        weapons = f"{grain.weapon} w JOIN a ON a.id = w.attack_id"
        damaged = f"{grain.damage} d JOIN a ON a.id = d.attack_id AND {grain.damage_condition}"
    return (
        "WITH a AS MATERIALIZED ("
        f"SELECT a.id, {DAY}(a.started_at) AS day, a.verification_status, a.publication_state, "
        "(a.impact_location IS NULL)::int AS unlocated, COALESCE(a.killed, 0) AS killed, "
        f"COALESCE(a.injured, 0) AS injured FROM {attacks_from}), "
        f"{facts}"
        f"attack_facts AS (INSERT INTO {attack_target} (attack_id, {', '.join(ATTACK_KEY)}, "
        f"{', '.join(ATTACK_MEASURES[1:])}) SELECT id, {', '.join(ATTACK_KEY)}, "
        f"{', '.join(ATTACK_MEASURES[1:])} FROM f RETURNING 1), "
        f"damage_facts AS (INSERT INTO {damage_target} (attack_id, facility_id, "
        f"{', '.join(DAMAGE_MEASURES)}) SELECT d.attack_id, d.facility_id, {severities} "
        f"FROM {damaged} GROUP BY 1, 2 RETURNING 1) "
        f"INSERT INTO {weapon_target} (attack_id, weapon_type, {', '.join(WEAPON_MEASURES[1:])}) "
        "SELECT w.attack_id, w.weapon_type, count(w.launched), COALESCE(sum(w.launched), 0), "
        f"COALESCE(sum(w.intercepted), 0), COALESCE(sum(w.launched) FILTER (WHERE {both}), 0), "
        f"COALESCE(sum(w.intercepted) FILTER (WHERE {both}), 0) FROM {weapons} GROUP BY 1, 2"
    )


def add_facts_sql(
    facts: tuple[str, str, str],
    rollups: tuple[str, str, str],
    *,
    attacks: str = "TRUE",
    sign: str = "1",
    upsert: bool = True,
) -> list[str]:
    """Statements adding the facts of the attacks whose attack_id meets `attacks`
    (times `sign`: -1 subtracts them) to the rollups.

    The attack and weapon rows are added in both grains: with each set of
    regions, and (region_ids NULL) over every set. Rows are added in key order,
    so concurrent writers lock them in the same order. upsert: add to existing
    rows (ON CONFLICT); without it the rollups must be empty.
    """
    attack_fact, weapon_fact, damage_fact = facts
    attack_rollup, weapon_rollup, damage_rollup = rollups

    def add(table: str, key: tuple[str, ...], measures: tuple[str, ...], select: str) -> str:
        columns = ", ".join([*key, *measures])
        conflict = ""
        if upsert:
            alias = table.split(".")[-1]
            changes = ", ".join(f"{m} = {alias}.{m} + EXCLUDED.{m}" for m in measures)
            conflict = f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {changes}"
        order = ", ".join(str(n) for n in range(1, len(key) + 1))
        alias = table.split(".")[-1]
        return f"INSERT INTO {table} AS {alias} ({columns}) {select} ORDER BY {order}{conflict}"

    attack_sums = ", ".join(
        [f"{sign} * count(*)", *(f"{sign} * sum({m})" for m in ATTACK_MEASURES[1:])]
    )
    keys = "(day, region_ids, weapon_types, verification_status, publication_state)"
    weapon_sums = ", ".join(
        [f"{sign} * count(*)", *(f"{sign} * sum(w.{m})" for m in WEAPON_MEASURES[1:])]
    )
    damage_sums = ", ".join(f"{sign} * sum(d.{m})" for m in DAMAGE_MEASURES)
    return [
        add(
            attack_rollup,
            ATTACK_KEY,
            ATTACK_MEASURES,
            f"SELECT {', '.join(ATTACK_KEY)}, {attack_sums} FROM {attack_fact} "
            f"WHERE {attacks} GROUP BY GROUPING SETS ({keys}, "
            "(day, weapon_types, verification_status, publication_state))",
        ),
        add(
            weapon_rollup,
            WEAPON_KEY,
            WEAPON_MEASURES,
            "SELECT a.day, a.region_ids, a.verification_status, a.publication_state, "
            f"w.weapon_type, {weapon_sums} FROM {weapon_fact} w "
            f"JOIN {attack_fact} a ON a.attack_id = w.attack_id "
            f"WHERE {attacks.replace('attack_id', 'w.attack_id')} "
            "GROUP BY GROUPING SETS ((a.day, a.region_ids, a.verification_status, "
            "a.publication_state, w.weapon_type), (a.day, a.verification_status, "
            "a.publication_state, w.weapon_type))",
        ),
        add(
            damage_rollup,
            DAMAGE_KEY,
            DAMAGE_MEASURES,
            "SELECT a.day, d.facility_id, a.weapon_types, a.verification_status, "
            f"a.publication_state, {damage_sums} FROM {damage_fact} d "
            f"JOIN {attack_fact} a ON a.attack_id = d.attack_id "
            f"WHERE {attacks.replace('attack_id', 'd.attack_id')} "
            "GROUP BY 1, 2, 3, 4, 5",
        ),
    ]


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
        "ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$ "
        "DECLARE current_tx bigint; is_first boolean; "
        "BEGIN "
        "IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF; "
        "current_tx := txid_current(); "
        # The first row since the last flush fires the commit-time trigger (once).
        f"is_first := NOT EXISTS (SELECT 1 FROM {PENDING} WHERE tx = current_tx); "
        f"INSERT INTO {PENDING} (tx, published, attack_id, first_of_tx) "
        "SELECT current_tx, is_published, x.id, is_first AND row_number() OVER () = 1 "
        "FROM (SELECT DISTINCT id FROM unnest(ids) AS id) x "
        "WHERE x.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{PENDING} k WHERE k.tx = current_tx AND k.attack_id = x.id "
        "AND k.published = is_published); "
        "END $fn$",
        # Apply the attacks this transaction changed; nothing (and no write) when none.
        "CREATE OR REPLACE FUNCTION public.incidents_rollup_flush() RETURNS integer "
        "LANGUAGE plpgsql AS $fn$ "
        "DECLARE current_tx bigint := txid_current_if_assigned(); live_ids bigint[]; "
        "published_ids bigint[]; "
        "BEGIN "
        "IF current_tx IS NULL OR NOT EXISTS "
        f"(SELECT 1 FROM {PENDING} WHERE tx = current_tx) THEN RETURN 0; END IF; "
        f"WITH taken AS (DELETE FROM {PENDING} WHERE tx = current_tx "
        "RETURNING published, attack_id) "
        "SELECT array_agg(DISTINCT attack_id ORDER BY attack_id) FILTER (WHERE NOT published), "
        "array_agg(DISTINCT attack_id ORDER BY attack_id) FILTER (WHERE published) "
        "INTO live_ids, published_ids FROM taken; "
        f"IF live_ids IS NOT NULL THEN PERFORM {LIVE.function('apply')}(live_ids); END IF; "
        "IF published_ids IS NOT NULL THEN "
        f"PERFORM {PUBLISHED.function('apply')}(published_ids); END IF; "
        "RETURN COALESCE(cardinality(live_ids), 0) + COALESCE(cardinality(published_ids), 0); "
        "END $fn$",
        "CREATE OR REPLACE FUNCTION public.incidents_rollup_refresh() RETURNS trigger "
        "LANGUAGE plpgsql AS $fn$ BEGIN PERFORM public.incidents_rollup_flush(); RETURN NULL; "
        "END $fn$",
    ]


def _apply_sql(grain: Grain) -> str:
    """The grain's function replacing the facts of the attacks `ids` (sorted) in the rollups."""
    attack_fact = grain.facts[0]
    mine = "attack_id = ANY(ids)"
    statements = [
        # The days whose rows may empty: where the attacks were.
        f"SELECT array_agg(DISTINCT day) INTO days FROM {attack_fact} WHERE {mine}",
        *add_facts_sql(grain.facts, grain.rollups, attacks=mine, sign="-1"),
        *(f"DELETE FROM {table} WHERE {mine}" for table in grain.facts),
        facts_sql(grain, f"{grain.attack} a WHERE a.id = ANY(ids)", grain.facts, per_attack=True),
        *add_facts_sql(grain.facts, grain.rollups, attacks=mine),
        f"DELETE FROM {grain.attack_rollup} WHERE day = ANY(days) AND attacks = 0",
        f"DELETE FROM {grain.weapon_rollup} WHERE day = ANY(days) AND attacks = 0",
        f"DELETE FROM {grain.damage_rollup} WHERE day = ANY(days) AND "
        + " AND ".join(f"{m} = 0" for m in DAMAGE_MEASURES),
    ]
    return (
        f"CREATE OR REPLACE FUNCTION {grain.function('apply')}(ids bigint[]) RETURNS void "
        "LANGUAGE plpgsql AS $fn$ DECLARE days date[]; BEGIN "
        # One writer at a time applies its changes, until it commits: the others wait
        # here holding no rollup row, so no two ever deadlock on the rollups.
        f"PERFORM pg_advisory_xact_lock({grain.lock}, 0); "
        + "".join(f"{statement}; " for statement in statements)
        + "END $fn$"
    )


def _mark(grain: Grain, ids: str) -> str:
    return f"PERFORM public.incidents_rollup_mark({str(grain.published).lower()}, ARRAY({ids}));"


def _trigger_function(grain: Grain, table: str, changed: tuple[str, ...], ids: str) -> str:
    """A statement trigger's function marking the attacks of the rows a statement touched.

    `ids` selects the attack ids of the rows of a relation named `{rows}`; an
    UPDATE marks those before and after of the rows whose `changed` columns changed.
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
        f"IF TG_OP = 'INSERT' THEN {_mark(grain, ids.replace('{rows}', 'new_rows'))} "
        f"ELSIF TG_OP = 'DELETE' THEN {_mark(grain, ids.replace('{rows}', 'old_rows'))} "
        f"ELSE {_mark(grain, ids.replace('{rows}', updated + ' AS u'))} "
        "END IF; RETURN NULL; END $fn$"
    )


def _sources(grain: Grain) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """Per source table: its name, the columns the rollups read, and its rows' attacks."""
    children = "SELECT DISTINCT attack_id FROM {rows}"
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
            "SELECT id FROM {rows}",
        ),
        "weapon": (grain.weapon, ("attack_id", "weapon_type", "launched", "intercepted"), children),
        "damage": (grain.damage, ("attack_id", "severity", "facility_id"), children),
        "regions": (grain.attack_regions, ("attack_id", "region_id"), children),
    }


def _grain_sql(grain: Grain) -> list[str | Trigger]:
    """The grain's functions and triggers (triggers are created when missing)."""
    statements: list[str | Trigger] = [
        # TRUNCATE has no rows to name: every attack the grain holds is applied again.
        f"CREATE OR REPLACE FUNCTION {grain.function('truncated')}() RETURNS trigger "
        "LANGUAGE plpgsql AS $fn$ BEGIN "
        f"{_mark(grain, f'SELECT attack_id FROM {grain.facts[0]}')} "
        "RETURN NULL; END $fn$",
        _apply_sql(grain),
    ]
    for name, (table, changed, ids) in _sources(grain).items():
        statements.append(_trigger_function(grain, name, changed, ids))
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
        statements.append(
            Trigger(
                table,
                "incidents_rollup_truncate",
                f"AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {grain.function('truncated')}()",
            )
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
    ids = f"SELECT DISTINCT d.attack_id FROM {grain.damage} d WHERE d.facility_id IN ({changed})"
    function = grain.function("facility")
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
        f"BEGIN {_mark(grain, ids)} RETURN NULL; END $fn$",
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
            PENDING,
            "incidents_rollup_refresh",
            f"AFTER INSERT ON {PENDING} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "WHEN (NEW.first_of_tx) EXECUTE FUNCTION public.incidents_rollup_refresh()",
            constraint=True,
        )
    ]


def _pending_days_sql(grains: tuple[Grain, ...]) -> str:
    """A function listing the days this transaction changed and has not yet applied."""
    parts = []
    for grain in grains:
        mine = (
            "WHERE p.tx = txid_current_if_assigned() "
            f"AND p.published = {str(grain.published).lower()}"
        )
        parts += [
            # Where the attacks were when last applied, and where they are now.
            f"SELECT f.day FROM {PENDING} p JOIN {grain.facts[0]} f "
            f"ON f.attack_id = p.attack_id {mine}",
            f"SELECT {DAY}(a.started_at) FROM {PENDING} p JOIN {grain.attack} a "
            f"ON a.id = p.attack_id {mine}",
        ]
    return (
        "CREATE OR REPLACE FUNCTION public.incidents_rollup_pending_days() RETURNS SETOF date "
        f"LANGUAGE sql STABLE AS $$ {' UNION '.join(parts)} $$"
    )


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
    for table in (*ROLLUPS, *FACTS):
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
        grains: tuple[Grain, ...] = (LIVE,)
        if published and _published_sources_exist(cursor):
            if _ensure_published_tables(cursor):
                made.append(PUBLISHED)
            statements += _grain_sql(PUBLISHED)
            grains = GRAINS
        statements.append(_pending_days_sql(grains))
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
    return [*PUBLISHED.rollups, *PUBLISHED.facts]
