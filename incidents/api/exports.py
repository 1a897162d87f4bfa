"""Exports: the filtered records as CSV, HXL-tagged CSV or GeoJSON, streamed from SQL.

Every export reads one table of incidents.api.export_tables: a collection's
`?format=csv|hxl|geojson`, the ready-made files under /api/v1/exports/ (which are
the collections' own exports at a fixed URL) and the map layers' `?format=csv`.
The rows come from one SQL statement, read from a server-side cursor a chunk at
a time and streamed out. An export first counts its rows and refuses to start
past EXPORT_MAX_ROWS.

HXL (https://hxlstandard.org) adds a row of hashtags under the header so that
tools such as HXL Proxy and HDX recognise the columns.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer

from incidents.api.export_tables import Rows, Table, rows_of_queryset, statement
from incidents.api.limits import ensure_within
from incidents.database import reading_alias, reading_connection

CSV = "text/csv"
# Rows read from the database, and written out, at a time.
ROWS_PER_CHUNK = 1000
T = TypeVar("T")
_NOTHING = object()
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would execute; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: object) -> object:
    """A database value as a CSV cell: booleans as true/false, as in JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


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
        writer.writerows([csv_cell(value) for value in row] for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _in_one_transaction(chunks: Iterator[T]) -> Iterator[T]:
    with transaction.atomic(using=reading_alias()):
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
    if not reading_connection().get_autocommit():
        return chunks
    first = next(chunks, _NOTHING)
    if first is _NOTHING:
        return iter(())
    return itertools.chain([first], chunks)


def fetch_in_chunks(sql: str, params: Sequence[object]) -> Iterator[list[tuple]]:
    """The statement's rows from a server-side cursor, ROWS_PER_CHUNK at a time.

    However many rows an export has, the web process holds one chunk of them.
    """
    with reading_connection().chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(ROWS_PER_CHUNK):
            yield rows


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
    """CSV. Exports stream their own bytes (export_response); this negotiates the format,
    and writes anything else a view answers with (a created record) one column per key,
    nested values as JSON text.
    """

    media_type = CSV
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        records = _records(data)
        header = list(records[0]) if records else []
        rows = [[_flatten(record.get(name)) for name in header] for record in records]
        return "".join(stream_csv(header, None, [rows])).encode()


class HXLRenderer(CSVRenderer):
    """HXL-tagged CSV: only exports answer with it, and they stream their own bytes."""

    format = "hxl"


class GeoJSONRenderer(BaseRenderer):
    """GeoJSON: the map layers pass PostgreSQL's text through; collections stream their own."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


# --------------------------------------------------------------------------- exports

SUFFIXES = {"csv": ".csv", "hxl": ".hxl.csv", "geojson": ".geojson"}


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _feature(row: tuple, names: Sequence[str]) -> str:
    """One Feature; the geometry arrives as GeoJSON text and is passed through unparsed."""
    properties = json.dumps(
        dict(zip(names, row, strict=False)), ensure_ascii=False, default=_json_value
    )
    identifier = json.dumps(row[0], default=_json_value)
    geometry = row[-1] or "null"
    return f'{{"type":"Feature","id":{identifier},"geometry":{geometry},"properties":{properties}}}'


def _features(chunks: Iterable[list[tuple]], names: Sequence[str]) -> Iterator[str]:
    """A FeatureCollection: each row's columns, and its geometry (the last value)."""
    yield '{"type":"FeatureCollection","features":['
    first = True
    for rows in chunks:
        features = ",".join(_feature(row, names) for row in rows)
        if features:
            yield ("" if first else ",") + features
            first = False
    yield "]}"


def export_response(
    table: Table, rows: Rows, export_format: str, *, bbox: bool, filename: str | None = None
) -> StreamingHttpResponse:
    """The rows of the table streamed as csv, hxl (CSV with hashtags) or geojson.

    A 400 naming `format` when the table has no geometry for geojson, and one
    naming the filters (`bbox` where the endpoint takes one) past EXPORT_MAX_ROWS.
    """
    geojson = export_format == "geojson"
    if geojson and table.geometry is None:
        raise ValidationError({"format": [f"{table.name} have no geometry: export them as csv."]})
    ensure_within(rows.counted, settings.EXPORT_MAX_ROWS, what="rows", bbox=bbox)
    sql, params = statement(table, rows, geometry=geojson)
    chunks = started(fetch_in_chunks(sql, params))
    if geojson:
        response = StreamingHttpResponse(
            _features(chunks, table.header), content_type="application/geo+json"
        )
    else:
        hashtags = table.hashtags if export_format == "hxl" else None
        response = StreamingHttpResponse(
            stream_csv(table.header, hashtags, chunks), content_type=f"{CSV}; charset=utf-8"
        )
    name = filename or table.name + SUFFIXES[export_format]
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def collection_export(view, queryset: QuerySet, export_format: str) -> StreamingHttpResponse:
    """A collection's whole filtered set, in the order asked for, from its export table."""
    takes_bbox = "bbox" in view.query_declaration.by_name
    return export_response(
        view.export_table, rows_of_queryset(queryset), export_format, bbox=takes_bbox
    )
