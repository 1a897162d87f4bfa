"""The admin for regions; lists and autocomplete never load the boundaries."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Q,
    QuerySet,
)
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from incidents.admin.base import AUDIT_FIELDSET, TrackedAdmin, subquery_count
from incidents.models import (
    Facility,
    Region,
)
from incidents.services import regions


@admin.register(Region)
class RegionAdmin(TrackedAdmin):
    writes = regions.REGION_WRITES
    list_display = ("code", "name_en", "name_uk", "kind", "has_boundary", "facility_count")
    list_filter = ("kind",)
    search_fields = ("code", "name_en", "name_uk")
    ordering = ("name_en",)
    fieldsets = (
        (None, {"fields": ("code", ("name_en", "name_uk"), "kind")}),
        (_("Boundary"), {"fields": ("boundary",)}),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        # Lists and autocomplete never need the polygons; the change page loads its own.
        return (
            super()
            .get_queryset(request)
            .defer("boundary")
            .annotate(
                boundary_known=ExpressionWrapper(
                    Q(boundary__isnull=False), output_field=BooleanField()
                ),
                facilities_n=subquery_count(Facility, "region"),
            )
        )

    @admin.display(description=_("boundary"), boolean=True, ordering="boundary_known")
    def has_boundary(self, obj: Region) -> bool:
        return obj.boundary_known

    @admin.display(description=_("facilities"), ordering="facilities_n")
    def facility_count(self, obj: Region) -> int:
        return obj.facilities_n
