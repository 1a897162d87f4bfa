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


def export_schema(what: str, declaration: Declaration, *, hxl: bool = False):
    kind = "HXL-tagged CSV (a row of hashtags under the header)" if hxl else "CSV"
    return extend_schema(
        tags=["exports"],
        summary=f"{what} as {'HXL ' if hxl else ''}CSV",
        description=f"{what} matching the filters, as {kind}.",
        parameters=declaration.openapi(),
        responses=CSV_RESPONSES,
    )


@export_schema("Attacks", declarations.ATTACKS)
class AttacksCSV(ExportView):
    query_declaration = declarations.ATTACKS
    build_table = staticmethod(exports.attacks_table)
    filename = "attacks.csv"


@export_schema("Attacks", declarations.ATTACKS, hxl=True)
class AttacksHXL(AttacksCSV):
    filename = "attacks.hxl.csv"
    hxl = True


@export_schema("Outage figures", declarations.OUTAGES)
class OutagesCSV(ExportView):
    query_declaration = declarations.OUTAGES
    build_table = staticmethod(exports.outages_table)
    filename = "outages.csv"


@export_schema("Outage figures", declarations.OUTAGES, hxl=True)
class OutagesHXL(OutagesCSV):
    filename = "outages.hxl.csv"
    hxl = True


@export_schema("Facilities", declarations.FACILITIES)
class FacilitiesCSV(ExportView):
    query_declaration = declarations.FACILITIES
    build_table = staticmethod(exports.facilities_table)
    filename = "facilities.csv"


@export_schema("Regions and their current outages", declarations.ATTACKS)
class RegionsCSV(ExportView):
    query_declaration = declarations.ATTACKS
    build_table = staticmethod(exports.regions_table)
    filename = "regions.csv"
