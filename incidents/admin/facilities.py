"""The admin for facilities: the map widget, the region filled from the location."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import (
    Max,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from incidents.admin.base import (
    AUDIT_FIELDS,
    AUDIT_FIELDSET,
    TrackedAdmin,
    region_filter,
    subquery_count,
)
from incidents.forms import (
    FacilityForm,
)
from incidents.models import (
    Damage,
    Facility,
)
from incidents.services import facilities


@admin.register(Facility)
class FacilityAdmin(TrackedAdmin):
    writes = facilities.FACILITY_WRITES
    form = FacilityForm
    list_display = (
        "name",
        "kind",
        "current_status",
        "region",
        "locality",
        "use",
        "damage_count",
        "last_hit",
    )
    list_filter = ("kind", "status", "use", region_filter("region"), "is_illustrative")
    search_fields = ("name", "name_uk", "locality", "operator", "external_id")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("status", *AUDIT_FIELDS)
    fieldsets = (
        (None, {"fields": ("name", "name_uk", "kind", "use", "operator", "status")}),
        (
            _("Place"),
            {
                "fields": ("location", "location_approximate", "region", "locality"),
                "description": _(
                    "Click the map to place the facility; the region is filled "
                    "from the point when left empty."
                ),
            },
        ),
        (_("Capacity"), {"fields": (("electric_capacity_mw", "thermal_capacity_mw"),)}),
        (
            _("Other"),
            {
                "classes": ("collapse",),
                "fields": ("notes", "external_source", "external_id", "is_illustrative"),
            },
        ),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Facility]:
        last_hit = (
            Damage.objects.filter(facility=OuterRef("pk"))
            .order_by()
            .values("facility")
            .annotate(last=Max("attack__started_at"))
            .values("last")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("region")
            .defer("region__boundary")
            .annotate(damages_n=subquery_count(Damage, "facility"), last_hit_at=Subquery(last_hit))
        )

    @admin.display(description=_("current status"), ordering="status")
    def current_status(self, obj: Facility) -> str:
        return obj.get_status_display()

    @admin.display(description=_("damage records"), ordering="damages_n")
    def damage_count(self, obj: Facility) -> int:
        return obj.damages_n

    @admin.display(description=_("last hit"), ordering="last_hit_at")
    def last_hit(self, obj: Facility):
        return obj.last_hit_at
