"""Exports: the filtered rows as CSV, and as HXL-tagged CSV for humanitarian tools.

Rows come from one SQL statement each (the same conditions as the map layers,
so an export holds exactly what the map shows) and are streamed out with
csv.writer. HXL (https://hxlstandard.org) adds a row of hashtags under the
header so that tools such as HXL Proxy and HDX recognise the columns.
"""

# The SQL is assembled from table names and fixed fragments; every value is bound (S608).
# ruff: noqa: S608

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection
from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from incidents.geojson import (
    ATTACK,
    ATTACK_REGIONS,
    DAMAGE,
    FACILITY,
    OUTAGE,
    REGION,
    WEAPON,
    MapFilters,
    attack_where,
    facility_where,
    iso_utc,
    last_damage_join,
    outage_where,
    region_parts,
    url_parts,
)

CSV = "text/csv"
ROWS_PER_CHUNK = 1000
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """Column names, their HXL hashtags, and the rows."""

    columns: Sequence[tuple[str, str]]
    rows: Sequence[Sequence[object]]

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def hashtags(self) -> list[str]:
        return [tag for _, tag in self.columns]


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would execute; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def stream_csv(
    header: Sequence[str], hashtags: Sequence[str] | None, chunks: Iterable[Iterable[Sequence]]
) -> Iterator[str]:
    """CSV text chunk by chunk: the header, the HXL hashtags if given, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    if hashtags is not None:
        writer.writerow(hashtags)
    for rows in chunks:
        writer.writerows([safe_cell(value) for value in row] for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_chunks(table: Table, *, hxl: bool = False) -> Iterator[str]:
    chunks = (
        table.rows[start : start + ROWS_PER_CHUNK]
        for start in range(0, len(table.rows), ROWS_PER_CHUNK)
    )
    return stream_csv(table.header, table.hashtags if hxl else None, chunks)


def csv_attachment(chunks: Iterable[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=f"{CSV}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(table: Table, filename: str, *, hxl: bool = False) -> StreamingHttpResponse:
    return csv_attachment(csv_chunks(table, hxl=hxl), filename)


def _rows(sql: str, params: list[object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --------------------------------------------------------------------------- attacks

ATTACK_COLUMNS = [
    ("id", "#event+id"),
    ("started_at", "#date+start"),
    ("ended_at", "#date+end"),
    ("time_precision", "#meta+time_precision"),
    ("verification_status", "#status+verification"),
    ("summary", "#description+summary"),
    ("perpetrator", "#group+perpetrator"),
    ("region_codes", "#adm1+code"),
    ("region_names", "#adm1+name"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("weapon_types", "#x_weapon+type"),
    ("weapon_models", "#x_weapon+model"),
    ("launched", "#x_weapon+launched+num"),
    ("intercepted", "#x_weapon+intercepted+num"),
    ("facilities_hit", "#x_facility+hit+num"),
    ("facility_names", "#x_facility+name"),
    ("killed", "#affected+killed"),
    ("injured", "#affected+injured"),
    ("ambient_temperature_c", "#x_temperature+celsius"),
    ("url", "#meta+url"),
]


def attacks_table(filters: MapFilters, *, located_only: bool = False) -> Table:
    """Attacks matching the filters, newest first; lists are joined with ';'."""
    where = attack_where(filters)
    if located_only:
        where.add("a.impact_location IS NOT NULL")
    url_before, url_after = url_parts("attack-detail", 0)
    sql = (
        f"WITH a AS (SELECT * FROM {ATTACK} a WHERE {where.sql()}), "
        "w AS (SELECT attack_id, "
        "string_agg(DISTINCT weapon_type, ';' ORDER BY weapon_type) AS types, "
        "string_agg(DISTINCT NULLIF(model, ''), ';' ORDER BY NULLIF(model, '')) AS models, "
        "sum(launched) AS launched, sum(intercepted) AS intercepted "
        f"FROM {WEAPON} WHERE attack_id IN (SELECT id FROM a) GROUP BY attack_id), "
        "d AS (SELECT d.attack_id, count(*) AS hits, "
        "string_agg(f.name, ';' ORDER BY f.name) AS names "
        f"FROM {DAMAGE} d JOIN {FACILITY} f ON f.id = d.facility_id "
        "WHERE d.attack_id IN (SELECT id FROM a) GROUP BY d.attack_id), "
        "rg AS (SELECT ar.attack_id, string_agg(r.code, ';' ORDER BY r.code) AS codes, "
        "string_agg(r.name_en, ';' ORDER BY r.code) AS names "
        f"FROM {ATTACK_REGIONS} ar JOIN {REGION} r ON r.id = ar.region_id "
        "WHERE ar.attack_id IN (SELECT id FROM a) GROUP BY ar.attack_id) "
        f"SELECT a.id, {iso_utc('a.started_at')}, {iso_utc('a.ended_at')}, a.time_precision, "
        "a.verification_status, a.summary, a.perpetrator, rg.codes, rg.names, "
        "round(ST_Y(a.impact_location)::numeric, 6), round(ST_X(a.impact_location)::numeric, 6), "
        "w.types, w.models, w.launched, w.intercepted, COALESCE(d.hits, 0), d.names, "
        "a.killed, a.injured, a.ambient_temperature_c, %s || a.id || %s "
        "FROM a LEFT JOIN w ON w.attack_id = a.id LEFT JOIN d ON d.attack_id = a.id "
        "LEFT JOIN rg ON rg.attack_id = a.id ORDER BY a.started_at DESC, a.id DESC"
    )
    return Table(ATTACK_COLUMNS, _rows(sql, [*where.params, url_before, url_after]))


# --------------------------------------------------------------------------- outages

OUTAGE_COLUMNS = [
    ("id", "#meta+id"),
    ("as_of", "#date+reported"),
    ("region_code", "#adm1+code"),
    ("region_name", "#adm1+name"),
    ("locality", "#loc+name"),
    ("service", "#x_outage+service"),
    ("unit", "#x_outage+unit"),
    ("count", "#x_outage+num"),
    ("count_qualifier", "#x_outage+qualifier"),
    ("attack", "#event+id"),
]


def outages_table(filters: MapFilters) -> Table:
    """Every outage figure in the period (the whole series, not only the current one)."""
    where = outage_where(filters)
    sql = (
        f"SELECT o.id, {iso_utc('o.as_of')}, r.code, r.name_en, o.locality, o.service, o.unit, "
        f"o.count, o.count_qualifier, o.attack_id FROM {OUTAGE} o "
        f"JOIN {REGION} r ON r.id = o.region_id WHERE {where.sql()} "
        "ORDER BY o.as_of DESC, o.id DESC"
    )
    return Table(OUTAGE_COLUMNS, _rows(sql, where.params))


# --------------------------------------------------------------------------- facilities

FACILITY_COLUMNS = [
    ("id", "#loc+id"),
    ("name", "#loc+name"),
    ("name_uk", "#loc+name+i_uk"),
    ("kind", "#loc+type"),
    ("status", "#status"),
    ("region_code", "#adm1+code"),
    ("locality", "#adm2+name"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("location_approximate", "#geo+approximate"),
    ("operator", "#org+operator"),
    ("electric_capacity_mw", "#capacity+electric+mw"),
    ("thermal_capacity_mw", "#capacity+thermal+mw"),
    ("use", "#meta+use"),
    ("last_severity", "#severity+last"),
    ("last_attack_at", "#date+last_attack"),
    ("url", "#meta+url"),
]


def facilities_table(filters: MapFilters) -> Table:
    last_join, last_params = last_damage_join(filters)
    places = facility_where(filters)
    url_before, url_after = url_parts("facility-detail", 0)
    sql = (
        "SELECT f.id, f.name, f.name_uk, f.kind, f.status, r.code, f.locality, "
        "round(ST_Y(f.location)::numeric, 6), round(ST_X(f.location)::numeric, 6), "
        "f.location_approximate, f.operator, f.electric_capacity_mw, f.thermal_capacity_mw, "
        f"f.use, last.severity, {iso_utc('last.started_at')}, %s || f.id || %s "
        f"FROM {FACILITY} f LEFT JOIN {REGION} r ON r.id = f.region_id {last_join} "
        f"WHERE {places.sql()} ORDER BY f.id"
    )
    params = [url_before, url_after, *last_params, *places.params]
    return Table(FACILITY_COLUMNS, _rows(sql, params))


# --------------------------------------------------------------------------- regions

REGION_COLUMNS = [
    ("code", "#adm1+code"),
    ("name", "#adm1+name"),
    ("name_uk", "#adm1+name+i_uk"),
    ("kind", "#adm1+type"),
    ("attacks", "#event+num"),
    ("service", "#x_outage+service"),
    ("unit", "#x_outage+unit"),
    ("count", "#x_outage+num"),
    ("count_qualifier", "#x_outage+qualifier"),
    ("as_of", "#date+reported"),
]


def regions_table(filters: MapFilters) -> Table:
    """One row per region and current outage (one row with empty figures if it has none)."""
    parts = region_parts(filters)
    current, current_params = parts.current_sql, parts.current_params
    attacks, places = parts.attacks, parts.places
    sql = (
        "SELECT r.code, r.name_en, r.name_uk, r.kind, COALESCE(att.attacks, 0), "
        f"c.service, c.unit, c.count, c.count_qualifier, {iso_utc('c.as_of')} "
        f"FROM {REGION} r LEFT JOIN ({current}) AS c ON c.region_id = r.id "
        "LEFT JOIN (SELECT ar.region_id, count(DISTINCT a.id) AS attacks "
        f"FROM {ATTACK_REGIONS} ar JOIN {ATTACK} a ON a.id = ar.attack_id "
        f"WHERE {attacks.sql()} GROUP BY ar.region_id) AS att ON att.region_id = r.id "
        f"WHERE {places.sql()} ORDER BY r.code, c.service, c.unit"
    )
    params = [*current_params, *attacks.params, *places.params]
    return Table(REGION_COLUMNS, _rows(sql, params))


# --------------------------------------------------------------------------- DRF renderers


def _flatten(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _records(data: object) -> list[dict]:
    """The list a DRF view returned, unwrapping a paginated page."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if isinstance(data, dict):
        data = [data]
    return [record for record in data or [] if isinstance(record, dict)]


class CSVRenderer(BaseRenderer):
    """Serialized records as CSV: one column per field, nested values as JSON text.

    A view may set `csv_columns` to a list of (field, hashtag) pairs to fix the
    columns and their order; otherwise the first record's keys are used.
    """

    media_type = CSV
    format = "csv"
    charset = "utf-8"
    hxl = False

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        records = _records(data)
        view = (renderer_context or {}).get("view")
        columns: list[tuple[str, str]] | None = getattr(view, "csv_columns", None)
        if columns is None:
            keys: Iterable[str] = records[0].keys() if records else []
            columns = [(key, "") for key in keys]
        table = Table(
            columns,
            [[_flatten(record.get(name)) for name, _ in columns] for record in records],
        )
        return "".join(csv_chunks(table, hxl=self.hxl)).encode()


class HXLRenderer(CSVRenderer):
    """CSV with the HXL hashtag row under the header (`csv_columns` gives the tags)."""

    format = "hxl"
    hxl = True


# --------------------------------------------------------------------------- collections
#
# `?format=csv|hxl|geojson` (or the matching Accept header) on a resource collection
# exports the whole filtered set, not one page: the rows come from the collection's
# own serializer, so an export holds exactly the fields and filters of the API.

EXPORT_CHUNK = 1000


class GeoJSONRenderer(BaseRenderer):
    """GeoJSON: the map layers pass PostgreSQL's text through; collections stream their own."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


def point_coordinate(field: str, index: int):
    """A getter for the longitude (0) or latitude (1) of a serialized GeoJSON point."""

    def get(record: dict) -> object:
        point = record.get(field)
        return point["coordinates"][index] if point else None

    return get


def joined(field: str):
    def get(record: dict) -> object:
        return ";".join(str(item) for item in record.get(field) or [])

    return get


def _cell(record: dict, getter) -> object:
    value = getter(record) if callable(getter) else record.get(getter)
    return _flatten(value)


def _serialized_chunks(view, queryset) -> Iterator[list[dict]]:
    chunk: list = []
    for obj in queryset.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(obj)
        if len(chunk) == EXPORT_CHUNK:
            yield view.get_serializer(chunk, many=True).data
            chunk = []
    if chunk:
        yield view.get_serializer(chunk, many=True).data


def _csv_stream(view, queryset, columns, *, hxl: bool) -> Iterator[str]:
    chunks = (
        [[_cell(record, getter) for _, _, getter in columns] for record in records]
        for records in _serialized_chunks(view, queryset)
    )
    hashtags = [tag for _, tag, _ in columns] if hxl else None
    return stream_csv([name for name, _, _ in columns], hashtags, chunks)


def _geojson_stream(view, queryset, geometry_field: str) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    first = True
    for records in _serialized_chunks(view, queryset):
        parts = []
        for record in records:
            properties = dict(record)
            geometry = properties.pop(geometry_field, None)
            feature = {
                "type": "Feature",
                "id": properties.get("id"),
                "geometry": geometry,
                "properties": properties,
            }
            parts.append(json.dumps(feature, ensure_ascii=False, default=str))
        if parts:
            yield ("" if first else ",") + ",".join(parts)
            first = False
    yield "]}"


def collection_export(view, queryset, export_format: str, name: str) -> StreamingHttpResponse:
    """Stream the filtered collection as CSV, HXL-tagged CSV or GeoJSON.

    Raises a DRF ValidationError naming `format` when the collection has no such export.
    """
    from rest_framework.exceptions import ValidationError as APIValidationError

    if export_format == "geojson":
        field = getattr(view, "export_geometry_field", None)
        if field is None:
            raise APIValidationError({"format": [f"{name} have no geometry: export them as csv."]})
        response = StreamingHttpResponse(
            _geojson_stream(view, queryset, field), content_type="application/geo+json"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
        return response
    hxl = export_format == "hxl"
    columns = getattr(view, "hxl_columns", None)
    if hxl and columns is None:
        raise APIValidationError(
            {"format": [f"HXL is offered for attacks and outages, not {name}."]}
        )
    if columns is None:
        fields = view.get_serializer().fields
        columns = [(field, "", field) for field in fields]
    suffix = ".hxl.csv" if hxl else ".csv"
    return csv_attachment(_csv_stream(view, queryset, columns, hxl=hxl), f"{name}{suffix}")
