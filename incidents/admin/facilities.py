"""The admin for facilities: the map widget, the region filled from the location."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import (
    Max,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.http import HttpRequest
from django.urls import path, reverse
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
    point_text,
)
from incidents.models import (
    Damage,
    Facility,
)
from incidents.selectors import facility_search
from incidents.services import facilities


class FacilityAutocompleteView(AutocompleteJsonView):
    """The facility suggestions: name with kind, locality and region, and where it is.

    The point lets the attack form offer the facility's location as the impact point.
    """

    def serialize_result(self, obj: Facility, to_field_name: str) -> dict[str, Any]:
        # Names in the page's language, as everywhere else (display_name).
        where = ", ".join(
            part for part in (obj.locality, obj.region.display_name if obj.region else "") if part
        )
        name = obj.display_name
        label = f"{name} — {obj.get_kind_display()}" + (f", {where}" if where else "")
        result = {"id": str(getattr(obj, to_field_name)), "text": label, "name": name}
        if obj.location is not None:
            result.update(latitude=round(obj.location.y, 6), longitude=round(obj.location.x, 6))
        return result


class FacilityAutocompleteSelect(AutocompleteSelect):
    """The admin's facility autocomplete, asking FacilityAutocompleteView."""

    def get_url(self) -> str:
        return reverse(f"{self.admin_site.name}:incidents_facility_autocomplete")


class FacilityChoiceMixin:
    """For admins and inlines with a facility field: the richer autocomplete."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "facility" and "widget" not in kwargs:
            kwargs["widget"] = FacilityAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
                "fields": (
                    "location_coordinates",
                    "location",
                    "location_approximate",
                    "region",
                    "locality",
                ),
                "description": _(
                    "Click the map or type the coordinates to place the facility; the "
                    "region is filled from the point when left empty."
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

    class Media:
        js = ("incidents/coordinates.js", "incidents/admin-forms.js")
        css = {"all": ("incidents/admin-forms.css",)}

    def get_urls(self) -> list:
        view = FacilityAutocompleteView.as_view(admin_site=self.admin_site)
        return [
            path(
                "autocomplete/",
                self.admin_site.admin_view(view),
                name="incidents_facility_autocomplete",
            ),
            *super().get_urls(),
        ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Facility], search_term: str
    ) -> tuple[QuerySet[Facility], bool]:
        """Names in either language, transliterations, kind abbreviations, town, operator."""
        if not search_term.strip():
            return queryset, False
        return facility_search(queryset, search_term), False

    @admin.display(description=_("coordinates"))
    def location_coordinates(self, obj: Facility) -> str:
        return point_text(obj.location)

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
