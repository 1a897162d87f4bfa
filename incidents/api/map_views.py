"""The map layers: FeatureCollections built by PostgreSQL, sent with an ETag and gzip.

The body arrives from the database as one string and leaves as bytes; no
feature is parsed or re-serialised in Python. The ETag is a hash of those
bytes, so it is right whatever changed (a row, a link table, a derived status),
and a client that already has the layer receives a body-less 304.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import geojson
from incidents.api import export_tables, exports
from incidents.api.export_tables import Rows, rows_of_selection
from incidents.api.layer_params import FILTER_PARAMETERS, STATUS_PARAMETER, map_filters
from incidents.api.limits import ensure_within
from incidents.api.permissions import ReadAccess
from incidents.geojson import MapFilters

GEOJSON = "application/geo+json"
# Level 1 is several times faster than the default level 6 and still shrinks a
# layer several-fold; the layers are big and change often.
GZIP_LEVEL = 1
GZIP_MIN_BYTES = 1024
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class FormatNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is a mistake in the URL: a 400 naming `format`, not a 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        requested = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if requested:
            for renderer in renderers:
                if renderer.format == requested:
                    return renderer, renderer.media_type
            formats = ", ".join(renderer.format for renderer in renderers)
            raise ValidationError({"format": [f"{requested[:20]!r} is not one of: {formats}."]})
        return super().select_renderer(request, renderers, format_suffix)


class LenientNegotiation(FormatNegotiation):
    """Serve the first format when the Accept header names none we have.

    Browsers and map libraries send all sorts of Accept headers; a layer is
    better than a 406.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


class ReadOnlyAPIView(APIView):
    """Shared behaviour: read access, lenient negotiation, errors always as JSON."""

    permission_classes = [ReadAccess]
    content_negotiation_class = LenientNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors (and OPTIONS) are DRF Responses; render them as JSON whatever
        # format the client asked for, as the schema declares.
        if isinstance(response, Response) and not isinstance(
            getattr(request, "accepted_renderer", None), JSONRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """Weak comparison (RFC 9110): W/"x" and "x" name the same content."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))


def cacheable_response(request: HttpRequest, body: bytes, content_type: str) -> HttpResponse:
    """Answer with the body, or 304 when the client has it; gzip when the client accepts it."""
    # md5 here is a fingerprint of the body, not security.
    etag = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
    if etag_matches(request, etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
        if len(body) >= GZIP_MIN_BYTES and ACCEPTS_GZIP.search(
            request.headers.get("Accept-Encoding", "")
        ):
            response.content = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(response.content))
    response["ETag"] = etag
    # Revalidate every time: the ETag makes an unchanged layer cost one query and no bytes.
    response["Cache-Control"] = "no-cache" if settings.PUBLIC_READ else "private, no-cache"
    patch_vary_headers(response, ["Accept-Encoding", "Accept", "Cookie"])
    return response


GEOJSON_RESPONSES = {
    (200, GEOJSON): OpenApiResponse(
        OpenApiTypes.OBJECT, description="An RFC 7946 FeatureCollection."
    ),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The same rows as CSV."),
    304: OpenApiResponse(description="Not modified: the If-None-Match ETag is current."),
    (400, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description='A malformed filter: {"<parameter>": ["message"]}.'
    ),
    (401, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="Not logged in (and the site is not public)."
    ),
    (403, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Not allowed."),
    (429, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="Too many requests; retry after the time given."
    ),
}
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["geojson", "csv"],
    description="geojson (the default) or csv; `Accept: text/csv` works too.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description="The ETag of a copy the client has; 304 if it is still current.",
)


class LayerView(ReadOnlyAPIView):
    """A GeoJSON layer, or its rows as CSV."""

    renderer_classes = [exports.GeoJSONRenderer, exports.CSVRenderer]
    facility_status = False
    build_geojson: Callable[[MapFilters], geojson.Query]
    # The CSV has the columns of the model's export table, for the layer's records.
    export_table: export_tables.Table
    build_rows: Callable[[MapFilters], Rows]
    csv_name: str

    def get(self, request: Request) -> HttpResponse:
        filters = map_filters(request.query_params, facility_status=self.facility_status)
        if request.accepted_renderer.format == "csv":
            rows = self.build_rows(filters)
            return exports.export_response(
                self.export_table, rows, "csv", bbox=True, filename=self.csv_name
            )
        layer = self.build_geojson(filters)
        ensure_within(layer.rows, settings.MAP_MAX_FEATURES, what="features", bbox=True)
        body = geojson.fetch_text(layer).encode()
        return cacheable_response(request._request, body, GEOJSON)


@extend_schema(
    tags=["map"],
    summary="Facilities layer",
    description="Every facility as a point with its status and latest damage. Attack filters "
    "(dates, weapon type, verification status, service) narrow it to facilities damaged by "
    "matching attacks.",
    parameters=[*FILTER_PARAMETERS, STATUS_PARAMETER, FORMAT_PARAMETER, IF_NONE_MATCH],
    responses=GEOJSON_RESPONSES,
)
class FacilitiesLayer(LayerView):
    facility_status = True
    build_geojson = staticmethod(geojson.facilities_sql)
    export_table = export_tables.FACILITIES
    build_rows = staticmethod(
        lambda filters: rows_of_selection(geojson.facilities_selection(filters), "f.id")
    )
    csv_name = "facilities.csv"


@extend_schema(
    tags=["map"],
    summary="Attacks layer",
    description="Attacks with an impact location, newest first, with weapons and facilities hit.",
    parameters=[*FILTER_PARAMETERS, FORMAT_PARAMETER, IF_NONE_MATCH],
    responses=GEOJSON_RESPONSES,
)
class AttacksLayer(LayerView):
    build_geojson = staticmethod(geojson.attacks_sql)
    export_table = export_tables.ATTACKS
    build_rows = staticmethod(
        lambda filters: rows_of_selection(
            geojson.attacks_selection(filters, located_only=True), "a.id"
        )
    )
    csv_name = "attacks.csv"


@extend_schema(
    tags=["map"],
    summary="Regions layer (choropleth)",
    description="Regions with a boundary, their current outages (the latest figure per "
    "service and unit within the period) and the number of matching attacks.",
    parameters=[*FILTER_PARAMETERS, FORMAT_PARAMETER, IF_NONE_MATCH],
    responses=GEOJSON_RESPONSES,
)
class RegionsLayer(LayerView):
    build_geojson = staticmethod(geojson.regions_sql)
    export_table = export_tables.REGIONS
    build_rows = staticmethod(
        lambda filters: rows_of_selection(
            geojson.Selection(f"{geojson.REGION} r", [], geojson.region_parts(filters).places),
            "r.id",
        )
    )
    csv_name = "regions.csv"
