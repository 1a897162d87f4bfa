"""The export endpoints under /api/v1/exports/: filtered sets streamed as CSV or HXL.

Each reads its filters through the declaration of the collection it exports,
so an export holds the rows the collection's list and map layer hold.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from incidents.api import declarations, exports
from incidents.api.negotiation import ReadOnlyAPIView
from incidents.api.query import Declaration, Filters
from incidents.api.schema import ERROR_RESPONSES

CSV_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The filtered rows."),
    **ERROR_RESPONSES,
}


class ExportView(ReadOnlyAPIView):
    """A filtered set streamed as CSV, or HXL-tagged CSV."""

    renderer_classes = [exports.CSVRenderer]
    query_declaration: Declaration
    build_table: Callable[[Filters], exports.Table]
    filename: str
    hxl = False

    def get(self, request: Request) -> HttpResponse:
        filters = self.query_declaration.parse(request.query_params)
        return exports.csv_response(self.build_table(filters), self.filename, hxl=self.hxl)


def export_view(
    what: str,
    declaration: Declaration,
    build_table: Callable[[Filters], exports.Table],
    filename: str,
) -> type[ExportView]:
    """An ExportView of the table, documented with the declaration's parameters.

    A filename ending in .hxl.csv gets the HXL hashtags under the header.
    """
    hxl = filename.endswith(".hxl.csv")
    kind = "HXL-tagged CSV (a row of hashtags under the header)" if hxl else "CSV"
    name = "".join(part.title() for part in filename.split(".")[0].split("-"))
    view = type(
        f"{name}{'HXL' if hxl else 'CSV'}",
        (ExportView,),
        {
            "__module__": __name__,
            "__doc__": f"{what} as {kind}.",
            "query_declaration": declaration,
            "build_table": staticmethod(build_table),
            "filename": filename,
            "hxl": hxl,
        },
    )
    return extend_schema(
        tags=["exports"],
        summary=f"{what} as {'HXL ' if hxl else ''}CSV",
        description=f"{what} matching the filters, as {kind}.",
        parameters=declaration.openapi(),
        responses=CSV_RESPONSES,
    )(view)


ATTACKS, OUTAGES = declarations.ATTACKS, declarations.OUTAGES
AttacksCSV = export_view("Attacks", ATTACKS, exports.attacks_table, "attacks.csv")
AttacksHXL = export_view("Attacks", ATTACKS, exports.attacks_table, "attacks.hxl.csv")
OutagesCSV = export_view("Outage figures", OUTAGES, exports.outages_table, "outages.csv")
OutagesHXL = export_view("Outage figures", OUTAGES, exports.outages_table, "outages.hxl.csv")
FacilitiesCSV = export_view(
    "Facilities", declarations.FACILITIES, exports.facilities_table, "facilities.csv"
)
RegionsCSV = export_view(
    "Regions and their current outages", ATTACKS, exports.regions_table, "regions.csv"
)
