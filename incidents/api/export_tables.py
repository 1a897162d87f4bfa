"""What an export holds: one table of columns per model, each with its HXL hashtag.

A collection's `?format=csv|hxl|geojson`, the map layers' `?format=csv` and the
ready-made files under /api/v1/exports/ all read these tables, so a field has
one name, one hashtag and one value in every export.

The hashtags follow the HXL 1.1 dictionary (https://hxlstandard.org/standard/dictionary):
core hashtags and attributes where one fits (#date+start, #adm1+code, #geo+lat,
#affected+killed, #org, #activity, #severity, #status, #indicator+num, #meta+source),
and `#x_` extension hashtags only where none does (weapons). A `#date` column holds
dates and nothing else, and `#affected`, `#indicator+num`, `#output+num` numbers,
as HXL tools check; the time precision ("day", "hour") is therefore #meta, not #date.

Columns are SQL over the model's table (alias `t`): a row is built by PostgreSQL
in one statement and streamed, never serialised field by field in Python. Export
only what the resource's JSON shows to the same reader (no user columns).
Several values in one cell (region codes, source ids) are joined with ";", in
GeoJSON properties too: text is what every format carries alike, and PostgreSQL
sends it about twice as fast as arrays that Python would have to parse.
"""

# The SQL is assembled from table and column names from the models' metadata and
# fixed fragments; every value is bound (S608).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models as db_models
from django.db.models import QuerySet

from incidents.geojson import BOUNDARY_DIGITS, POINT_DIGITS, Selection, iso_utc, url_parts
from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str
    sql: str
    # The values of the SQL's placeholders, asked for when the statement is built.
    params: Callable[[], list[object]] | None = None


@dataclass(frozen=True)
class Table:
    """One model's export: its columns, the joins they read, and its geometry if it has one.

    `name` is the collection's (as in its URL) and names the files. `order` is the
    default order as model field names, like a queryset's `order_by`.
    """

    name: str
    model: type[db_models.Model]
    columns: Sequence[Column]
    order: Sequence[str]
    joins: str = ""
    geometry: str | None = None

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def hashtags(self) -> list[str]:
        return [column.hxl for column in self.columns]


@dataclass(frozen=True)
class Rows:
    """Which records an export holds, as SQL selecting their ids, and in what order."""

    ids_sql: str
    ids_params: Sequence[object]
    order: Sequence[str]
    # What the row ceiling counts: the filtered queryset or the layer's selection.
    counted: QuerySet | Selection


def rows_of_queryset(queryset: QuerySet) -> Rows:
    """The records of a filtered queryset, in its order (the collection's `ordering`)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return Rows(sql, params, list(queryset.query.order_by), queryset)


def rows_of_selection(selection: Selection, key: str) -> Rows:
    """The records of a map layer's selection, in the table's order; `key` is e.g. "a.id"."""
    body, params = selection.sql()
    return Rows(f"SELECT {key} {body}", params, (), selection)


def _order_sql(table: Table, order: Sequence[str]) -> str:
    """ORDER BY terms for field names ("-started_at", "id"); unknown names fall back."""
    terms = []
    for name in order:
        if not isinstance(name, str):  # An expression: not one the API lets a client ask for.
            return _order_sql(table, table.order)
        field_name = name.lstrip("-")
        try:
            field = (
                table.model._meta.pk
                if field_name == "pk"
                else table.model._meta.get_field(field_name)
            )
        except FieldDoesNotExist:
            return _order_sql(table, table.order)
        column = getattr(field, "column", None)
        if column is None or not field.concrete:
            return _order_sql(table, table.order)
        terms.append(f't."{column}"{" DESC" if name.startswith("-") else ""}')
    return ", ".join(terms) if terms else _order_sql(table, table.order)


def statement(table: Table, rows: Rows, *, geometry: bool = False) -> tuple[str, list[object]]:
    """The statement selecting the table's columns (and the geometry, as GeoJSON text last).

    The ids are selected once (`ids`); the joins that aggregate linked records read
    only the links of those ids, so a small export does not aggregate whole tables
    and a big one aggregates each table in one pass instead of once per row.
    """
    selected = [column.sql for column in table.columns]
    params = [value for column in table.columns if column.params for value in column.params()]
    if geometry:
        selected.append(table.geometry or "NULL")
    sql = (
        f"WITH ids(id) AS MATERIALIZED ({rows.ids_sql}) "
        f"SELECT {', '.join(selected)} FROM {table.model._meta.db_table} t {table.joins} "
        f"WHERE t.id IN (SELECT id FROM ids) ORDER BY {_order_sql(table, rows.order)}"
    )
    return sql, [*rows.ids_params, *params]


# --------------------------------------------------------------------------- columns


def _db(model: type[db_models.Model]) -> str:
    return model._meta.db_table


def _links(model: type[db_models.Model], field: str) -> tuple[str, str, str]:
    """A many-to-many field's link table and its two id columns (own, other)."""
    m2m = model._meta.get_field(field)
    return (
        m2m.remote_field.through._meta.db_table,
        m2m.m2m_column_name(),
        m2m.m2m_reverse_name(),
    )


def _aggregated(alias: str, link: str, select: str, source: str) -> str:
    """A LEFT JOIN of per-record aggregates over `source`, for the exported ids only.

    `link` is the source's column holding the record's id; the join is named `alias`
    and its columns are `select` (written over the source's own aliases).
    """
    return (
        f"LEFT JOIN (SELECT {link} AS record_id, {select} FROM {source} "
        f"WHERE {link} IN (SELECT id FROM ids) GROUP BY {link}) {alias} "
        f"ON {alias}.record_id = t.id"
    )


def _cited(model: type[db_models.Model]) -> tuple[Column, str]:
    """The `sources` column (source ids) and the join it reads."""
    through, own, other = _links(model, "sources")
    join = _aggregated(
        "src",
        f"l.{own}",
        f"string_agg(l.{other}::text, ';' ORDER BY l.{other}) AS ids",
        f"{through} l",
    )
    return Column("sources", "#meta+source", "src.ids"), join


def _time(name: str, hxl: str, column: str | None = None) -> Column:
    return Column(name, hxl, iso_utc(f"t.{column or name}"))


def _lat_lon(point: str) -> list[Column]:
    def rounded(function: str) -> str:
        return f"round({function}({point})::numeric, {POINT_DIGITS})::float8"

    return [
        Column("latitude", "#geo+lat", rounded("ST_Y")),
        Column("longitude", "#geo+lon", rounded("ST_X")),
    ]


def _point_geometry(point: str) -> str:
    return f"ST_AsGeoJSON({point}, {POINT_DIGITS}, 0)"


def _url(detail: str, key: str = "t.id", sample: object = 0) -> Column:
    """The record's page; reversed when an export runs, after the URLs are loaded."""
    return Column("url", "#meta+url", f"%s || {key} || %s", lambda: list(url_parts(detail, sample)))


AUDIT = [_time("created_at", "#date+created"), _time("updated_at", "#date+updated")]
EXTERNAL = [
    Column("external_source", "#meta+dataset", "t.external_source"),
    Column("external_id", "#meta+dataset+id", "t.external_id"),
]
ILLUSTRATIVE = Column("is_illustrative", "#meta+illustrative", "t.is_illustrative")
# Attacks, outage figures and measures: where the record stands in review and publication.
PUBLICATION = [
    Column("publication_state", "#status+publication", "t.publication_state"),
    _time("published_at", "#date+published"),
]
REGION_OF = f"LEFT JOIN {_db(Region)} r ON r.id = t.region_id"
REGION_COLUMNS = [
    Column("region_code", "#adm1+code", "r.code"),
    Column("region_name", "#adm1+name", "r.name_en"),
]


def _attacks() -> Table:
    regions, own, other = _links(Attack, "regions")
    sources, sources_join = _cited(Attack)
    joins = " ".join(
        [
            _aggregated(
                "rg",
                f"l.{own}",
                "string_agg(r.code, ';' ORDER BY r.code) AS codes, "
                "string_agg(r.name_en, ';' ORDER BY r.code) AS names",
                f"{regions} l JOIN {_db(Region)} r ON r.id = l.{other}",
            ),
            _aggregated(
                "w",
                "w.attack_id",
                "string_agg(DISTINCT w.weapon_type, ';' ORDER BY w.weapon_type) AS types, "
                "string_agg(DISTINCT w.model, ';' ORDER BY w.model) FILTER (WHERE w.model <> '') "
                "AS models, sum(w.launched) AS launched, sum(w.intercepted) AS intercepted",
                f"{_db(WeaponUse)} w",
            ),
            _aggregated(
                "d",
                "d.attack_id",
                "count(*) AS hits, string_agg(f.name, ';' ORDER BY f.name) AS names",
                f"{_db(Damage)} d JOIN {_db(Facility)} f ON f.id = d.facility_id",
            ),
            sources_join,
        ]
    )
    return Table(
        name="attacks",
        model=Attack,
        order=("-started_at", "-id"),
        joins=joins,
        columns=[
            Column("id", "#event+id", "t.id"),
            _time("started_at", "#date+start"),
            _time("ended_at", "#date+end"),
            Column("time_precision", "#meta+time_precision", "t.time_precision"),
            Column("verification_status", "#status+verification", "t.verification_status"),
            Column("summary", "#description+summary", "t.summary"),
            Column("description", "#description", "t.description"),
            Column("perpetrator", "#group+name+perpetrator", "t.perpetrator"),
            Column("region_codes", "#adm1+code", "rg.codes"),
            Column("region_names", "#adm1+name", "rg.names"),
            Column("reported_region_count", "#adm1+num+reported", "t.reported_region_count"),
            *_lat_lon("t.impact_location"),
            Column("weapon_types", "#x_weapon+type", "w.types"),
            Column("weapon_models", "#x_weapon+name", "w.models"),
            Column("launched", "#x_weapon+num+launched", "w.launched"),
            Column("intercepted", "#x_weapon+num+intercepted", "w.intercepted"),
            Column("facilities_hit", "#loc+num+hit", "COALESCE(d.hits, 0)"),
            Column("facility_names", "#loc+name+hit", "d.names"),
            Column("killed", "#affected+killed", "t.killed"),
            Column("injured", "#affected+injured", "t.injured"),
            Column(
                "ambient_temperature_c",
                "#indicator+num+temperature_c",
                "t.ambient_temperature_c",
            ),
            sources,
            *EXTERNAL,
            ILLUSTRATIVE,
            *PUBLICATION,
            *AUDIT,
            _url("attack-detail"),
        ],
        geometry=_point_geometry("t.impact_location"),
    )


def _weapon_uses() -> Table:
    return Table(
        name="weapon-uses",
        model=WeaponUse,
        order=("-id",),
        joins=f"JOIN {_db(Attack)} a ON a.id = t.attack_id",
        columns=[
            Column("id", "#meta+id", "t.id"),
            Column("attack", "#event+id", "t.attack_id"),
            Column("attack_started_at", "#date+start", iso_utc("a.started_at")),
            Column("weapon_type", "#x_weapon+type", "t.weapon_type"),
            Column("model", "#x_weapon+name", "t.model"),
            Column("launched", "#x_weapon+num+launched", "t.launched"),
            Column("intercepted", "#x_weapon+num+intercepted", "t.intercepted"),
            *AUDIT,
        ],
    )


def _damages() -> Table:
    sources, sources_join = _cited(Damage)
    return Table(
        name="damages",
        model=Damage,
        order=("-id",),
        joins=(
            f"JOIN {_db(Facility)} f ON f.id = t.facility_id "
            f"LEFT JOIN {_db(Region)} r ON r.id = f.region_id {sources_join}"
        ),
        columns=[
            Column("id", "#meta+id", "t.id"),
            Column("attack", "#event+id", "t.attack_id"),
            Column("facility", "#loc+id", "t.facility_id"),
            Column("facility_name", "#loc+name", "f.name"),
            Column("facility_kind", "#loc+type", "f.kind"),
            *REGION_COLUMNS,
            *_lat_lon("f.location"),
            Column("severity", "#severity", "t.severity"),
            Column("description", "#description", "t.description"),
            Column("restoration_status", "#status+restoration", "t.restoration_status"),
            _time("restored_at", "#date+restored"),
            Column(
                "expected_restoration",
                "#date+restored+expected",
                "to_char(t.expected_restoration, 'YYYY-MM-DD')",
            ),
            sources,
            *AUDIT,
        ],
        geometry=_point_geometry("f.location"),
    )


def _outages() -> Table:
    sources, sources_join = _cited(OutageReport)
    return Table(
        name="outages",
        model=OutageReport,
        order=("-as_of", "-id"),
        joins=f"{REGION_OF} {sources_join}",
        columns=[
            Column("id", "#meta+id", "t.id"),
            _time("as_of", "#date+reported"),
            *REGION_COLUMNS,
            Column("locality", "#adm2+name", "t.locality"),
            Column("service", "#service", "t.service"),
            Column("unit", "#indicator+unit", "t.unit"),
            Column("count", "#indicator+num+outage", "t.count"),
            Column("count_qualifier", "#indicator+qualifier", "t.count_qualifier"),
            Column("attack", "#event+id", "t.attack_id"),
            sources,
            *EXTERNAL,
            ILLUSTRATIVE,
            *PUBLICATION,
            *AUDIT,
        ],
    )


def _responses() -> Table:
    sources, sources_join = _cited(ResponseMeasure)
    return Table(
        name="responses",
        model=ResponseMeasure,
        order=("-id",),
        joins=f"{REGION_OF} {sources_join}",
        columns=[
            Column("id", "#meta+id", "t.id"),
            Column("kind", "#activity+type", "t.kind"),
            *REGION_COLUMNS,
            Column("attack", "#event+id", "t.attack_id"),
            Column("description", "#activity+description", "t.description"),
            Column("actor", "#org+name", "t.actor"),
            Column("quantity", "#output+num", "t.quantity"),
            _time("started_at", "#date+start"),
            _time("ended_at", "#date+end"),
            sources,
            *PUBLICATION,
            *AUDIT,
        ],
    )


def _facilities() -> Table:
    last = (
        f"LEFT JOIN LATERAL (SELECT d.severity, a.started_at FROM {_db(Damage)} d "
        f"JOIN {_db(Attack)} a ON a.id = d.attack_id WHERE d.facility_id = t.id "
        "ORDER BY a.started_at DESC, d.id DESC LIMIT 1) last ON TRUE"
    )
    return Table(
        name="facilities",
        model=Facility,
        order=("name", "id"),
        joins=f"{REGION_OF} {last}",
        columns=[
            Column("id", "#loc+id", "t.id"),
            Column("name", "#loc+name", "t.name"),
            Column("name_uk", "#loc+name+i_uk", "t.name_uk"),
            Column("kind", "#loc+type", "t.kind"),
            Column("status", "#status", "t.status"),
            *REGION_COLUMNS,
            Column("locality", "#adm2+name", "t.locality"),
            *_lat_lon("t.location"),
            Column("location_approximate", "#geo+approximate", "t.location_approximate"),
            Column("operator", "#org+name+operator", "t.operator"),
            Column("electric_capacity_mw", "#capacity+num+electric_mw", "t.electric_capacity_mw"),
            Column("thermal_capacity_mw", "#capacity+num+thermal_mw", "t.thermal_capacity_mw"),
            Column("use", "#loc+use", "t.use"),
            Column("last_severity", "#severity+last", "last.severity"),
            Column("last_attack_at", "#date+last_attack", iso_utc("last.started_at")),
            Column("notes", "#description", "t.notes"),
            Column("public_region_only", "#meta+region_only", "t.public_region_only"),
            *EXTERNAL,
            ILLUSTRATIVE,
            *AUDIT,
            _url("facility-detail"),
        ],
        geometry=_point_geometry("t.location"),
    )


def _regions() -> Table:
    return Table(
        name="regions",
        model=Region,
        order=("code", "id"),
        columns=[
            Column("id", "#meta+id", "t.id"),
            Column("code", "#adm1+code", "t.code"),
            Column("name_en", "#adm1+name", "t.name_en"),
            Column("name_uk", "#adm1+name+i_uk", "t.name_uk"),
            Column("kind", "#adm1+type", "t.kind"),
            *AUDIT,
            _url("region-detail", "t.code", "UA-00"),
        ],
        geometry=f"ST_AsGeoJSON(t.boundary, {BOUNDARY_DIGITS}, 0)",
    )


def _sources() -> Table:
    return Table(
        name="sources",
        model=Source,
        order=("-id",),
        columns=[
            Column("id", "#meta+source+id", "t.id"),
            Column("kind", "#meta+source+type", "t.kind"),
            Column("title", "#meta+source+name", "t.title"),
            Column("url", "#meta+source+url", "t.url"),
            Column("publisher", "#meta+source+publisher", "t.publisher"),
            Column("speaker", "#contact+name", "t.speaker"),
            Column("speaker_role", "#contact+role", "t.speaker_role"),
            _time("published_at", "#date+published"),
            Column("language", "#meta+lang", "t.language"),
            Column("quote", "#description+quote", "t.quote"),
            Column("reliability", "#meta+reliability", "t.reliability"),
            Column("credibility", "#meta+credibility", "t.credibility"),
            Column("grade", "#meta+grade", "t.reliability || t.credibility"),
            Column("confidential", "#meta+confidential", "t.confidential"),
            *EXTERNAL,
            *AUDIT,
        ],
    )


ATTACKS = _attacks()
WEAPON_USES = _weapon_uses()
DAMAGES = _damages()
OUTAGES = _outages()
RESPONSES = _responses()
FACILITIES = _facilities()
REGIONS = _regions()
SOURCES = _sources()
