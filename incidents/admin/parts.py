"""The admins for what each attack did: weapons, damages, outage figures, responses."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import (
    QuerySet,
)
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from incidents.admin.base import AUDIT_FIELDSET, TrackedAdmin, region_filter
from incidents.admin.facilities import FacilityChoiceMixin
from incidents.admin.review import PublicationAdminMixin
from incidents.models import (
    Damage,
    OutageReport,
    ResponseMeasure,
    WeaponUse,
)
from incidents.services import attacks, facilities, outages


@admin.register(WeaponUse)
class WeaponUseAdmin(TrackedAdmin):
    writes = attacks.WEAPON_USE_WRITES
    list_display = ("attack", "weapon_type", "model", "launched", "intercepted")
    list_filter = ("weapon_type", ("attack__started_at", admin.DateFieldListFilter))
    search_fields = ("model", "attack__summary")
    list_select_related = ("attack",)
    autocomplete_fields = ("attack",)
    date_hierarchy = "attack__started_at"
    fieldsets = (
        (None, {"fields": ("attack", ("weapon_type", "model"), ("launched", "intercepted"))}),
        AUDIT_FIELDSET,
    )


@admin.register(Damage)
class DamageAdmin(FacilityChoiceMixin, TrackedAdmin):
    writes = facilities.DAMAGE_WRITES
    list_display = (
        "attack",
        "facility",
        "facility_kind",
        "severity",
        "restoration_status",
        "restored_at",
        "expected_restoration",
    )
    list_filter = (
        "severity",
        "restoration_status",
        ("facility__kind", admin.ChoicesFieldListFilter),
        region_filter("facility__region"),
        ("attack__started_at", admin.DateFieldListFilter),
    )
    search_fields = ("facility__name", "facility__locality", "attack__summary", "description")
    list_select_related = ("attack", "facility")
    autocomplete_fields = ("attack", "facility", "sources")
    date_hierarchy = "attack__started_at"
    fieldsets = (
        (None, {"fields": ("attack", "facility", "severity", "description")}),
        (
            _("Restoration"),
            {"fields": ("restoration_status", "restored_at", "expected_restoration")},
        ),
        (_("Sources"), {"fields": ("sources",)}),
        AUDIT_FIELDSET,
    )

    @admin.display(description=_("facility kind"), ordering="facility__kind")
    def facility_kind(self, obj: Damage) -> str:
        return obj.facility.get_kind_display()


@admin.register(OutageReport)
class OutageReportAdmin(PublicationAdminMixin, TrackedAdmin):
    writes = outages.OUTAGE_REPORT_WRITES
    list_display = ("region", "service", "figure", "as_of", "attack", "locality")
    list_filter = (
        "service",
        "unit",
        region_filter("region"),
        ("as_of", admin.DateFieldListFilter),
        "is_illustrative",
    )
    search_fields = ("region__name_en", "region__code", "locality", "attack__summary")
    list_select_related = ("region", "attack")
    autocomplete_fields = ("region", "attack", "sources")
    date_hierarchy = "as_of"
    fieldsets = (
        (None, {"fields": ("region", "locality", "attack")}),
        (_("Figure"), {"fields": ("service", ("count_qualifier", "count", "unit"), "as_of")}),
        (_("Sources"), {"fields": ("sources",)}),
        (
            _("Other"),
            {
                "classes": ("collapse",),
                "fields": ("external_source", "external_id", "is_illustrative"),
            },
        ),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutageReport]:
        return (
            super()
            .get_queryset(request)
            .select_related("region", "attack")
            .defer("region__boundary")
        )

    @admin.display(description=_("without service"), ordering="count")
    def figure(self, obj: OutageReport) -> str:
        return obj.figure()


@admin.register(ResponseMeasure)
class ResponseMeasureAdmin(PublicationAdminMixin, TrackedAdmin):
    writes = outages.RESPONSE_MEASURE_WRITES
    list_display = ("kind", "short_description", "region", "attack", "quantity", "started_at")
    list_filter = ("kind", region_filter("region"), ("started_at", admin.DateFieldListFilter))
    search_fields = ("description", "actor", "region__name_en", "attack__summary")
    list_select_related = ("region", "attack")
    autocomplete_fields = ("region", "attack", "sources")
    date_hierarchy = "started_at"
    fieldsets = (
        (None, {"fields": ("kind", "region", "attack")}),
        (_("What was done"), {"fields": ("description", ("actor", "quantity"))}),
        (_("When"), {"fields": (("started_at", "ended_at"),)}),
        (_("Sources"), {"fields": ("sources",)}),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResponseMeasure]:
        return (
            super()
            .get_queryset(request)
            .select_related("region", "attack")
            .defer("region__boundary")
        )

    @admin.display(description=_("description"))
    def short_description(self, obj: ResponseMeasure) -> str:
        text = obj.description
        return text if len(text) <= 80 else f"{text[:79]}…"
