"""Create and keep in step the `published` tables and the `public_view` views.

`sync_public_schema()` runs after every `migrate`: it creates what is missing,
adds and drops snapshot columns so they follow the app's tables, and recreates
the views. The snapshots themselves are kept.
"""

# Table and column names come from the models' metadata; values are bound (S608).
# ruff: noqa: S608

from __future__ import annotations

import re
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.db import connection, models

PUBLISHED = "published"
PUBLIC_VIEW = "public_view"
# The session settings a public request runs with (see incidents.public.middleware).
DELAY_SETTING = "tracker.public_delay"
DECIMALS_SETTING = "tracker.public_decimals"

# The request's delay; NULL when unset, so that nothing under a delay shows at all.
DELAY = f"NULLIF(current_setting('{DELAY_SETTING}', true), '')::interval"
# The rows of these tables are visible once now() - delay has passed their public_from.
# The moment is a subquery so that it is computed once per statement, not per row (reading
# and parsing the setting for each of a million rows costs more than the scan).
VISIBLE = f"public_from <= (SELECT now() - {DELAY})"
# Coordinates in the live views: rounded to the request's decimals, 0 when unset.
DECIMALS = f"COALESCE(NULLIF(current_setting('{DECIMALS_SETTING}', true), '')::int, 0)"

# Columns that never reach the public, whatever the table.
INTERNAL_COLUMNS = {
    "created_by_id",
    "updated_by_id",
    "published_by_id",
    "history_user_id",
    "history_change_reason",
    "review_comment",
    "notes",
}
BLANKED_COLUMNS = {"external_source", "external_id"}


def app_models() -> list[type[models.Model]]:
    """Every model with a table of its own in this app: records, links and history."""
    return [
        model
        for model in apps.get_app_config("incidents").get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    ]


def snapshot_models() -> list[type[models.Model]]:
    """The tables the publish service copies published records into."""
    from incidents.models import Attack, Damage, OutageReport, ResponseMeasure, WeaponUse

    return [
        Attack,
        WeaponUse,
        Damage,
        OutageReport,
        ResponseMeasure,
        Attack.regions.through,
        Attack.sources.through,
        Damage.sources.through,
        OutageReport.sources.through,
        ResponseMeasure.sources.through,
        # The public deletion feed of the published collections.
        *(
            model.history.model
            for model in (Attack, WeaponUse, Damage, OutageReport, ResponseMeasure)
        ),
    ]


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def rounded_point(column: str, decimals: str) -> str:
    return (
        f"ST_SetSRID(ST_MakePoint(round(ST_X({column})::numeric, {decimals})::float8, "
        f"round(ST_Y({column})::numeric, {decimals})::float8), 4326)"
    )


def public_expression(model: type[models.Model], column: str, decimals: str, alias: str) -> str:
    """What the public sees of a column: itself, blanked, or coarsened."""
    source = f"{alias}.{q(column)}"
    field = next((f for f in model._meta.concrete_fields if f.column == column), None)
    if column in INTERNAL_COLUMNS:
        if field is not None and not field.null and isinstance(field, models.TextField):
            return "''"
        return "NULL"
    if column in BLANKED_COLUMNS:
        return "''"
    related = getattr(field, "related_model", None)
    if related is not None and related._meta.label == "incidents.ImportJob":
        return "NULL"
    if isinstance(field, GeometryField):
        if field.geom_type == "POINT":
            return rounded_point(source, decimals)
        # A boundary snapped to the grid: no vertex finer than the public decimals.
        return f"ST_SnapToGrid({source}, power(10, -({decimals}))::float8)"
    return source


def columns(model: type[models.Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def _table_columns(schema: str, table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped",
            [schema, table],
        )
        return dict(cursor.fetchall())


def _generated_columns(schema: str, table: str) -> dict[str, str]:
    """The stored generated columns of a table, with their expressions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attgenerated = 's' "
            "AND NOT a.attisdropped",
            [schema, table],
        )
        return dict(cursor.fetchall())


def _sync_snapshot_table(model: type[models.Model]) -> None:
    """Make the snapshot table's columns follow the live table's.

    A generated column (an attack's map cell) stays generated in the snapshot, so
    that it is computed from the snapshot's own, coarsened, values.
    """
    table = model._meta.db_table
    live = _table_columns("public", table)
    generated = _generated_columns("public", table)
    stored = _table_columns(PUBLISHED, table)
    target = f"{q(PUBLISHED)}.{q(table)}"
    with connection.cursor() as cursor:
        if not stored:
            cursor.execute(
                f"CREATE TABLE {target} "
                f"(LIKE public.{q(table)} INCLUDING INDEXES INCLUDING GENERATED)"
            )
            cursor.execute(
                f"ALTER TABLE {target} ADD COLUMN public_from timestamptz NOT NULL "
                "DEFAULT '-infinity'"
            )
            stored = _table_columns(PUBLISHED, table)
        pk = model._meta.pk.column
        for name, kind in live.items():
            if name not in stored and name in generated:
                cursor.execute(
                    f"ALTER TABLE {target} ADD COLUMN {q(name)} {kind} "
                    f"GENERATED ALWAYS AS ({generated[name]}) STORED"
                )
            elif name not in stored:
                cursor.execute(f"ALTER TABLE {target} ADD COLUMN {q(name)} {kind}")
            elif stored[name] != kind and name not in generated:
                cursor.execute(
                    f"ALTER TABLE {target} ALTER COLUMN {q(name)} TYPE {kind} "
                    f"USING {q(name)}::{kind}"
                )
            if name != pk:
                # Blanked columns may be NULL in a snapshot whatever the live rule.
                cursor.execute(f"ALTER TABLE {target} ALTER COLUMN {q(name)} DROP NOT NULL")
        for name in set(stored) - set(live) - {"public_from"}:
            cursor.execute(f"ALTER TABLE {target} DROP COLUMN {q(name)}")
    _sync_snapshot_indexes(table, generated)
    with connection.cursor() as cursor:
        # What the public view shows, and when it changes (incidents.data_version).
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {q(table + '_public_from')} ON {target} (public_from)"
        )


def _index_definitions(schema: str, table: str) -> dict[str, str]:
    """The table's indexes by what they index (method, columns, condition), with their
    `CREATE INDEX` statements; unique ones (primary keys, natural keys) left out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND NOT i.indisunique",
            [schema, table],
        )
        statements = [row[0] for row in cursor.fetchall()]
    # "CREATE INDEX name ON schema.table USING method (columns)": keep what follows the table.
    return {re.sub(r"^CREATE INDEX \S+ ON \S+ ", "", sql): sql for sql in statements}


def _sync_snapshot_indexes(table: str, generated: Iterable[str] = ()) -> None:
    """Give the snapshot table every index the app's table has (the public view reads it
    with the same filters), including those added after the snapshot table was made.

    An index on a generated column (the map cells) also includes public_from in the
    snapshot: the public view filters on it, and with it the clustered layer reads the
    index alone. A copy without it (as `CREATE TABLE … LIKE` made) is replaced.
    """
    present = _index_definitions(PUBLISHED, table)
    names = list(generated)
    with connection.cursor() as cursor:
        for what, sql in _index_definitions("public", table).items():
            wanted, statement = what, sql
            if any(q(column) in what or f"({column}" in what for column in names):
                wanted = what.replace(" INCLUDE (", " INCLUDE (public_from, ", 1)
                statement = sql.replace(" INCLUDE (", " INCLUDE (public_from, ", 1)
                if wanted != what and what in present:
                    cursor.execute(f"DROP INDEX {q(PUBLISHED)}.{q(_index_name(present[what]))}")
            if wanted in present:
                continue
            # The same name is free in the published schema; the index goes on the snapshot.
            cursor.execute(
                re.sub(
                    r"^(CREATE INDEX \S+ ON )\S+ ",
                    lambda m: f"{m.group(1)}{q(PUBLISHED)}.{q(table)} ",
                    statement,
                )
            )


def _index_name(statement: str) -> str:
    return statement.split()[2]


def _typed_nulls(model: type[models.Model], keep: Iterable[str]) -> str:
    kinds = _table_columns("public", model._meta.db_table)
    return ", ".join(
        f"h.{q(name)}" if name in keep else f"NULL::{kind} AS {q(name)}"
        for name, kind in kinds.items()
    )


def _live_select(model: type[models.Model], alias: str, overrides: dict[str, str]) -> str:
    parts = []
    for column in columns(model):
        expression = overrides.get(column) or public_expression(model, column, DECIMALS, alias)
        parts.append(f"{expression} AS {q(column)}")
    return ", ".join(parts)


def facility_status_sql(alias: str) -> str:
    """A facility's status from the damage the public view holds.

    The same rule as incidents.services.facilities.derive_facility_status: damage
    under the delay must not show in a facility's status before it shows itself.
    """
    damage = f"{q(PUBLIC_VIEW)}.incidents_damage"
    harmful = f"FROM {damage} pd WHERE pd.facility_id = {alias}.id AND pd.severity <> 'none'"
    return (
        "CASE "
        f"WHEN NOT EXISTS (SELECT 1 {harmful}) THEN 'operational' "
        f"WHEN NOT EXISTS (SELECT 1 {harmful} AND pd.restoration_status <> 'restored') "
        "THEN 'restored' "
        f"WHEN EXISTS (SELECT 1 {harmful} AND pd.restoration_status = 'not_started' "
        "AND pd.severity = 'destroyed') THEN 'destroyed' "
        f"WHEN EXISTS (SELECT 1 {harmful} AND pd.restoration_status = 'not_started') "
        "THEN 'damaged' ELSE 'under_repair' END"
    )


def facility_updated_sql(alias: str) -> str:
    """When the public's version of a facility last changed: its own last edit, or the
    moment damage to it came into the public view, whichever is later.

    Not the live updated_at: a facility's status follows its damage, and refreshing it
    moves updated_at, so an hour after a strike (still under the delay, or in a draft)
    the public would see that something happened to the plant.
    """
    history = q(apps.get_model("incidents", "Facility").history.model._meta.db_table)
    return (
        "GREATEST("
        f"COALESCE((SELECT max(h.history_date) FROM public.{history} h WHERE h.id = {alias}.id), "
        f"{alias}.created_at), "
        f"(SELECT max(pd.public_from + {DELAY}) FROM {q(PUBLISHED)}.incidents_damage pd "
        f"WHERE pd.facility_id = {alias}.id AND pd.{VISIBLE}))"
    )


def _live_views() -> dict[str, str]:
    """The views read straight from the app's tables, by table name."""
    from incidents.models import Damage, Facility, Region, Source

    view = q(PUBLIC_VIEW)
    location = rounded_point("f.location", DECIMALS)
    facility = _live_select(
        Facility,
        "f",
        {
            "location": f"CASE WHEN f.public_region_only THEN NULL ELSE {location} END",
            "location_approximate": "(f.location_approximate OR f.public_region_only)",
            # The locality (a town, a district) would place it more finely than its region.
            "locality": "CASE WHEN f.public_region_only THEN '' ELSE f.locality END",
            "status": facility_status_sql("f"),
            "updated_at": facility_updated_sql("f"),
        },
    )
    links = [
        f"SELECT 1 FROM {view}.{q(through._meta.db_table)} l WHERE l.source_id = s.id"
        for through in (
            Source.attacks.through,
            Damage.sources.through,
            Source.outages.through,
            Source.responses.through,
        )
    ]
    cited = " OR ".join(f"EXISTS ({link})" for link in links)
    deletions = {}
    for model, condition in (
        (Region, "TRUE"),
        (Facility, "NOT h.is_illustrative"),
        (Source, "NOT h.confidential"),
    ):
        history = model.history.model
        keep = {"history_id", "history_date", "history_type", model._meta.pk.column}
        deletions[history._meta.db_table] = (
            f"SELECT {_typed_nulls(history, keep)} FROM public.{q(history._meta.db_table)} h "
            f"WHERE h.history_type = '-' AND {condition}"
        )
    return {
        Region._meta.db_table: (
            f"SELECT {_live_select(Region, 'r', {})} FROM public.{q(Region._meta.db_table)} r"
        ),
        Facility._meta.db_table: (
            f"SELECT {facility} FROM public.{q(Facility._meta.db_table)} f "
            "WHERE NOT f.is_illustrative"
        ),
        Source._meta.db_table: (
            f"SELECT {_live_select(Source, 's', {})} FROM public.{q(Source._meta.db_table)} s "
            f"WHERE NOT s.confidential AND ({cited})"
        ),
        **deletions,
    }


def sync_public_schema() -> None:
    """Bring both schemas in line with the app's tables; published snapshots are kept."""
    snapshots = snapshot_models()
    source_table = apps.get_model("incidents", "Source")._meta.db_table
    facility_table = apps.get_model("incidents", "Facility")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {q(PUBLISHED)}")
        cursor.execute(f"DROP SCHEMA IF EXISTS {q(PUBLIC_VIEW)} CASCADE")
        cursor.execute(f"CREATE SCHEMA {q(PUBLIC_VIEW)}")
    for model in snapshots:
        _sync_snapshot_table(model)
    # The daily rollups' triggers, on the live and the published tables (incidents.rollups).
    from incidents.rollups import maintenance
    from incidents.rollups import schema as rollups

    unfilled = rollups.install()
    from incidents.public.snapshots import fill_damage_attack_facts, refresh_weapon_masks

    # Attacks published before their snapshot had a weapon mask get it now; likewise
    # their damage rows the attack's facts.
    refresh_weapon_masks(None)
    fill_damage_attack_facts()
    snapshot_tables = {model._meta.db_table: model for model in snapshots}
    live = {**_live_views(), **rollups.public_views(q(PUBLIC_VIEW))}
    view = q(PUBLIC_VIEW)
    with connection.cursor() as cursor:
        for statement in rollups.public_view_functions(q(PUBLIC_VIEW), DELAY):
            cursor.execute(statement)
        # Snapshot views first: the live views of facilities and sources read them.
        for table in snapshot_tables:
            live_columns = _table_columns("public", table)
            # A sync client (?updated_since) must find a record when the public can first
            # see it: after its publication (the copy's updated_at) and after the delay.
            names = ", ".join(
                f"GREATEST(updated_at, public_from + {DELAY}) AS updated_at"
                if c == "updated_at"
                else q(c)
                for c in live_columns
            )
            # A source made confidential after publication: its links go, not only the source.
            open_sources = f"SELECT id FROM public.{q(source_table)} WHERE NOT confidential"
            still_open = (
                f" AND source_id IN ({open_sources})" if "source_id" in live_columns else ""
            )
            # Likewise damage to a facility made illustrative after publication.
            if "facility_id" in live_columns and "history_id" not in live_columns:
                real = f"SELECT id FROM public.{q(facility_table)} WHERE NOT is_illustrative"
                still_open += f" AND facility_id IN ({real})"
            cursor.execute(
                f"CREATE VIEW {view}.{q(table)} AS SELECT {names} "
                f"FROM {q(PUBLISHED)}.{q(table)} WHERE {VISIBLE}{still_open}"
            )
        for table, select in live.items():
            cursor.execute(f"CREATE VIEW {view}.{q(table)} AS {select}")
        for model in app_models():
            table = model._meta.db_table
            if table in snapshot_tables or table in live:
                continue
            # Everything else (import jobs, change history) is empty to the public.
            cursor.execute(
                f"CREATE VIEW {view}.{q(table)} AS SELECT * FROM public.{q(table)} WHERE FALSE"
            )
    for grain in unfilled:
        maintenance.rebuild(grain)


def clear_snapshots() -> None:
    """Empty the published tables (after `flush` emptied the app's own)."""
    from incidents.rollups.schema import published_tables

    tables = ", ".join(
        [
            *(f"{q(PUBLISHED)}.{q(model._meta.db_table)}" for model in snapshot_models()),
            *published_tables(),
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables}")


def after_migrate(sender, **kwargs) -> None:
    """post_migrate: after `migrate`, sync; after `flush` (no plan), also clear snapshots."""
    if kwargs.get("using", "default") != "default":
        return
    sync_public_schema()
    if "plan" not in kwargs:
        clear_snapshots()


def session_values() -> dict[str, str]:
    """The settings a public request's database session runs with."""
    return {
        DELAY_SETTING: f"{settings.PUBLIC_DELAY_HOURS} hours",
        DECIMALS_SETTING: str(settings.PUBLIC_COORDINATE_DECIMALS),
    }
