"""Exports: the filtered rows as CSV, and as HXL-tagged CSV for humanitarian tools.

Rows come from one SQL statement each (the same conditions as the map layers,
so an export holds exactly what the map shows), read from a server-side cursor
a chunk at a time and streamed out with csv.writer. An export first counts its
rows and refuses to start past EXPORT_MAX_ROWS.

HXL (https://hxlstandard.org) adds a row of hashtags under the header so that
tools such as HXL Proxy and HDX recognise the columns.
"""

# The SQL is assembled from table names and fixed fragments; every value is bound (S608).
# ruff: noqa: S608

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from incidents.api.limits import ensure_within
from incidents.api.query import Filters
from incidents.geojson import (
    ATTACK,
    ATTACK_REGIONS,
    DAMAGE,
    FACILITY,
    REGION,
    WEAPON,
    Query,
    Selection,
    attacks_selection,
    facilities_selection,
    iso_utc,
    outages_selection,
    region_parts,
    url_parts,
)

CSV = "text/csv"
# Rows read from the database, and written out, at a time.
ROWS_PER_CHUNK = 1000
T = TypeVar("T")
_NOTHING = object()
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """Column names, their HXL hashtags, and the statement that selects the rows."""

    columns: Sequence[tuple[str, str]]
    query: Query

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


def _in_one_transaction(chunks: Iterator[T]) -> Iterator[T]:
    with transaction.atomic():
        yield from chunks


def started(chunks: Iterator[T]) -> Iterator[T]:
    """The chunks, read inside one transaction, the first of them now.

    Inside a transaction a server-side cursor needs no WITH HOLD. A held cursor is
    computed whole when the statement that declares it commits, where the web
    requests' statement_timeout does not reach; unheld, each FETCH is a statement
    the timeout bounds.

    The first chunk is read while the view can still answer with an error: the
    statement runs (and may fail, for taking too long say) before the first byte is
    sent, so a failure is a JSON error instead of a file cut short. Not when a
    transaction is already open (ATOMIC_REQUESTS, a test): the cursor would be
    closed when it ends, before the response streams, so there the statement starts
    with the stream.
    """
    chunks = _in_one_transaction(chunks)
    if not connection.get_autocommit():
        return chunks
    first = next(chunks, _NOTHING)
    if first is _NOTHING:
        return iter(())
    return itertools.chain([first], chunks)


def fetch_in_chunks(query: Query) -> Iterator[list[tuple]]:
    """The statement's rows from a server-side cursor, ROWS_PER_CHUNK at a time.

    However many rows an export has, the web process holds one chunk of them.
    """
    with connection.chunked_cursor() as cursor:
        cursor.execute(query.sql, query.params)
        while rows := cursor.fetchmany(ROWS_PER_CHUNK):
            yield rows


def csv_attachment(chunks: Iterable[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=f"{CSV}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(table: Table, filename: str, *, hxl: bool = False) -> StreamingHttpResponse:
    """The table streamed as CSV; a 400 instead when it has more than EXPORT_MAX_ROWS rows."""
    ensure_within(table.query.rows, settings.EXPORT_MAX_ROWS, what="rows", bbox=True)
    chunks = started(fetch_in_chunks(table.query))
    return csv_attachment(
        stream_csv(table.header, table.hashtags if hxl else None, chunks), filename
    )


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


def attacks_table(filters: Filters, *, located_only: bool = False) -> Table:
    """Attacks matching the filters, newest first; lists are joined with ';'."""
    rows = attacks_selection(filters, located_only=located_only)
    body, body_params = rows.sql()
    url_before, url_after = url_parts("attack-detail", 0)
    sql = (
        f"WITH a AS (SELECT * {body}), "
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
    return Table(ATTACK_COLUMNS, Query(sql, [*body_params, url_before, url_after], rows))


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


def outages_table(filters: Filters) -> Table:
    """Every outage figure in the period (the whole series, not only the current one)."""
    rows = outages_selection(filters)
    body, params = rows.sql()
    sql = (
        f"SELECT o.id, {iso_utc('o.as_of')}, r.code, r.name_en, o.locality, o.service, o.unit, "
        f"o.count, o.count_qualifier, o.attack_id {body} ORDER BY o.as_of DESC, o.id DESC"
    )
    return Table(OUTAGE_COLUMNS, Query(sql, params, rows))


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


def facilities_table(filters: Filters) -> Table:
    rows = facilities_selection(filters)
    body, body_params = rows.sql(f"LEFT JOIN {REGION} r ON r.id = f.region_id")
    url_before, url_after = url_parts("facility-detail", 0)
    sql = (
        "SELECT f.id, f.name, f.name_uk, f.kind, f.status, r.code, f.locality, "
        "round(ST_Y(f.location)::numeric, 6), round(ST_X(f.location)::numeric, 6), "
        "f.location_approximate, f.operator, f.electric_capacity_mw, f.thermal_capacity_mw, "
        f"f.use, last.severity, {iso_utc('last.started_at')}, %s || f.id || %s "
        f"{body} ORDER BY f.id"
    )
    return Table(FACILITY_COLUMNS, Query(sql, [url_before, url_after, *body_params], rows))


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


def regions_table(filters: Filters) -> Table:
    """One row per region and current outage (one row with empty figures if it has none)."""
    parts = region_parts(filters)
    rows = Selection(
        f"{REGION} r LEFT JOIN ({parts.current_sql}) AS c ON c.region_id = r.id",
        parts.current_params,
        parts.places,
    )
    body, params = rows.sql(
        "LEFT JOIN (SELECT ar.region_id, count(DISTINCT a.id) AS attacks "
        f"FROM {ATTACK_REGIONS} ar JOIN {ATTACK} a ON a.id = ar.attack_id "
        f"WHERE {parts.attacks.sql()} GROUP BY ar.region_id) AS att ON att.region_id = r.id",
        parts.attacks.params,
    )
    sql = (
        "SELECT r.code, r.name_en, r.name_uk, r.kind, COALESCE(att.attacks, 0), "
        f"c.service, c.unit, c.count, c.count_qualifier, {iso_utc('c.as_of')} "
        f"{body} ORDER BY r.code, c.service, c.unit"
    )
    return Table(REGION_COLUMNS, Query(sql, params, rows))


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
        rows = [[_flatten(record.get(name)) for name, _ in columns] for record in records]
        header = [name for name, _ in columns]
        hashtags = [tag for _, tag in columns] if self.hxl else None
        return "".join(stream_csv(header, hashtags, [rows])).encode()


class HXLRenderer(CSVRenderer):
    """CSV with the HXL hashtag row under the header (`csv_columns` gives the tags)."""

    format = "hxl"
    hxl = True


# --------------------------------------------------------------------------- collections
#
# `?format=csv|hxl|geojson` (or the matching Accept header) on a resource collection
# exports the whole filtered set, not one page: the rows come from the collection's
# own serializer, so an export holds exactly the fields and filters of the API.


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
    for obj in queryset.iterator(chunk_size=ROWS_PER_CHUNK):
        chunk.append(obj)
        if len(chunk) == ROWS_PER_CHUNK:
            yield view.get_serializer(chunk, many=True).data
            chunk = []
    if chunk:
        yield view.get_serializer(chunk, many=True).data


def _csv_stream(chunks_of_records, columns, *, hxl: bool) -> Iterator[str]:
    chunks = (
        [[_cell(record, getter) for _, _, getter in columns] for record in records]
        for records in chunks_of_records
    )
    hashtags = [tag for _, tag, _ in columns] if hxl else None
    return stream_csv([name for name, _, _ in columns], hashtags, chunks)


def _geojson_stream(chunks_of_records, geometry_field: str) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    first = True
    for records in chunks_of_records:
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

    Raises a DRF ValidationError naming `format` when the collection has no such
    export, and one naming the filters when it holds more than EXPORT_MAX_ROWS rows.
    """
    from rest_framework.exceptions import ValidationError as APIValidationError

    geometry_field = getattr(view, "export_geometry_field", None)
    if export_format == "geojson" and geometry_field is None:
        raise APIValidationError({"format": [f"{name} have no geometry: export them as csv."]})
    hxl = export_format == "hxl"
    columns = getattr(view, "hxl_columns", None)
    if hxl and columns is None:
        raise APIValidationError(
            {"format": [f"HXL is offered for attacks and outages, not {name}."]}
        )
    takes_bbox = "bbox" in view.query_declaration.by_name
    ensure_within(queryset, settings.EXPORT_MAX_ROWS, what="rows", bbox=takes_bbox)
    records = started(_serialized_chunks(view, queryset))
    if export_format == "geojson":
        response = StreamingHttpResponse(
            _geojson_stream(records, geometry_field), content_type="application/geo+json"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
        return response
    if columns is None:
        fields = view.get_serializer().fields
        columns = [(field, "", field) for field in fields]
    suffix = ".hxl.csv" if hxl else ".csv"
    return csv_attachment(_csv_stream(records, columns, hxl=hxl), f"{name}{suffix}")
