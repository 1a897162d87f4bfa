"""The map layers: FeatureCollections built by PostgreSQL, sent with an ETag and gzip.

The body arrives from the database as one string and leaves as bytes; no
feature is parsed or re-serialised in Python (see incidents.geojson). Each layer
reads its filters through the declaration of the collection it draws.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request

from incidents import geojson
from incidents.api import declarations, export_tables, exports
from incidents.api.caching import cached_response
from incidents.api.conditional import cacheable_response
from incidents.api.export_tables import Rows, rows_of_selection
from incidents.api.limits import ensure_within
from incidents.api.negotiation import ReadOnlyAPIView
from incidents.api.query import Declaration, Filters
from incidents.api.schema import ERROR_RESPONSES

GEOJSON = "application/geo+json"

GEOJSON_RESPONSES = {
    (200, GEOJSON): OpenApiResponse(
        OpenApiTypes.OBJECT, description="An RFC 7946 FeatureCollection."
    ),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The same rows as CSV."),
    304: OpenApiResponse(description="Not modified: the If-None-Match ETag is current."),
    **ERROR_RESPONSES,
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
    query_declaration: Declaration
    build_geojson: Callable[[Filters], geojson.Query]
    # The CSV has the columns of the model's export table, for the layer's records.
    export_table: export_tables.Table
    build_rows: Callable[[Filters], Rows]
    csv_name: str
    # The clusters of the layer at a zoom, for a layer that can cluster (incidents.mapgrid).
    build_clusters: Callable[[Filters, int], geojson.Query] | None = None

    @cached_response
    def get(self, request: Request) -> HttpResponse:
        filters = self.query_declaration.parse(request.query_params)
        if request.accepted_renderer.format == "csv":
            return exports.export_response(
                self.export_table,
                self.build_rows(filters),
                "csv",
                bbox=True,
                filename=self.csv_name,
            )
        layer = self.build_geojson(filters)
        above = settings.MAP_CLUSTER_ABOVE
        if (
            self.build_clusters is not None
            and filters.zoom is not None
            # Counted no further than one past the threshold, however many there are.
            and geojson.count_rows(layer.rows, up_to=above + 1) > above
        ):
            layer = self.build_clusters(filters, filters.zoom)
        else:
            ensure_within(layer.rows, settings.MAP_MAX_FEATURES, what="features", bbox=True)
        body = geojson.fetch_text(layer).encode()
        return cacheable_response(request._request, body, GEOJSON)


def layer_view(
    name: str,
    summary: str,
    description: str,
    declaration: Declaration,
    build: tuple[
        Callable[[Filters], geojson.Query], export_tables.Table, Callable[[Filters], Rows]
    ],
    clusters: Callable[[Filters, int], geojson.Query] | None = None,
) -> type[LayerView]:
    """A LayerView built by `build` (the GeoJSON; the CSV's table and rows), documented
    from the declaration."""
    build_geojson, export_table, build_rows = build
    view = type(
        name,
        (LayerView,),
        {
            "__module__": __name__,
            "__doc__": description,
            "query_declaration": declaration,
            "build_geojson": staticmethod(build_geojson),
            "export_table": export_table,
            "build_rows": staticmethod(build_rows),
            "csv_name": f"{name.removesuffix('Layer').lower()}.csv",
            "build_clusters": staticmethod(clusters) if clusters else None,
        },
    )
    return extend_schema(
        tags=["map"],
        summary=summary,
        description=description,
        parameters=[*declaration.openapi(), FORMAT_PARAMETER, IF_NONE_MATCH],
        responses=GEOJSON_RESPONSES,
    )(view)


FacilitiesLayer = layer_view(
    "FacilitiesLayer",
    "Facilities layer",
    "Every facility with a location as a point with its status and latest damage (the "
    "public view shows some facilities by region only: they are listed, not drawn). Attack "
    "filters (dates, weapon type, verification status, service) narrow it to facilities "
    "damaged by matching attacks. With `zoom`, more facilities than MAP_CLUSTER_ABOVE come "
    "as clusters with their dominant kind.",
    declarations.FACILITIES_LAYER,
    (
        geojson.facilities_sql,
        export_tables.FACILITIES,
        lambda filters: rows_of_selection(
            geojson.facilities_selection(filters, located_only=True), "f.id"
        ),
    ),
    clusters=geojson.facility_clusters_sql,
)
AttacksLayer = layer_view(
    "AttacksLayer",
    "Attacks layer",
    "Attacks with an impact location, newest first, with weapons and facilities hit. With "
    "`zoom`, more attacks than MAP_CLUSTER_ABOVE come as clusters with their dominant "
    "weapon type.",
    declarations.ATTACKS_LAYER,
    (
        geojson.attacks_sql,
        export_tables.ATTACKS,
        lambda filters: rows_of_selection(
            geojson.attacks_selection(filters, located_only=True), "a.id"
        ),
    ),
    clusters=geojson.attack_clusters_sql,
)
RegionsLayer = layer_view(
    "RegionsLayer",
    "Regions layer (choropleth)",
    "Regions with a boundary, their current outages (the latest figure per "
    "service and unit within the period) and the number of matching attacks.",
    declarations.ATTACKS,
    (
        geojson.regions_sql,
        export_tables.REGIONS,
        lambda filters: rows_of_selection(
            geojson.Selection(f"{geojson.REGION} r", [], geojson.region_parts(filters).places),
            "r.id",
        ),
    ),
)
