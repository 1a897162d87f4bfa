"""Resource viewsets under /api/v1/ and the deletion feed for synchronisation.

Every write goes through incidents.services, exactly as the admin's does:
the service validates the whole row, records the author and keeps derived
data in step. Each list runs a fixed number of queries whatever its length.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, Prefetch, QuerySet, Value
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from incidents import services
from incidents.api import exports
from incidents.api import filters as api_filters
from incidents.api import serializers as s
from incidents.api.map_views import FormatNegotiation
from incidents.api.pagination import CursorPagination, PageNumberPagination
from incidents.api.params import DATE_HELP, parse_date_or_datetime, parse_multi
from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)

# Formats in which a list is exported whole instead of paged.
EXPORTS = ("csv", "hxl", "geojson")
FILTER_BACKENDS = [filters.DjangoFilterBackend, api_filters.StrictOrderingFilter]


class ServiceModelViewSet(viewsets.ModelViewSet):
    """CRUD whose writes call services.record_save and services.record_delete.

    A list asked for as csv (or hxl, geojson where offered) with `?format=` or the
    Accept header exports the whole filtered set instead of one page.
    """

    # The serialized field holding the geometry of a GeoJSON export, if any.
    export_geometry_field: str | None = None
    # (column, HXL hashtag, field or getter) for collections offered as HXL.
    hxl_columns: list[tuple[str, str, Any]] | None = None

    filter_backends = FILTER_BACKENDS
    pagination_class = PageNumberPagination
    # Any segment reaches the view, so a malformed id is a JSON 404, not Django's HTML page.
    lookup_value_regex = "[^/]+"
    content_negotiation_class = FormatNegotiation
    # Records are written as JSON: a form cannot carry GeoJSON geometries or lists of ids.
    parser_classes = [JSONParser]
    # Replacing a whole record with PUT is allowed, but clients usually PATCH.
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @property
    def export_formats(self) -> list[str]:
        formats = ["json", "csv"]
        if self.hxl_columns is not None:
            formats.append("hxl")
        if self.export_geometry_field is not None:
            formats.append("geojson")
        return formats

    def get_renderers(self):
        action = getattr(self, "action", None)
        if action in ("create", "update", "partial_update", "destroy"):
            # A write answers with the record as JSON.
            return [JSONRenderer(), BrowsableAPIRenderer()]
        renderers = [JSONRenderer(), BrowsableAPIRenderer(), exports.CSVRenderer()]
        # No action: a method the route lacks, answered 405 whatever ?format= it names.
        if action in ("list", None):
            if "hxl" in self.export_formats:
                renderers.append(exports.HXLRenderer())
            if "geojson" in self.export_formats:
                renderers.append(exports.GeoJSONRenderer())
        return renderers

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON, whatever format the export asked for.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format in EXPORTS:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        export_format = request.accepted_renderer.format
        if export_format in EXPORTS:
            queryset = self.filter_queryset(self.get_queryset())
            # Named after the collection's URL, e.g. "weapon-uses.csv".
            name = request.path.rstrip("/").rsplit("/", 1)[-1]
            return exports.collection_export(self, queryset, export_format, name)
        return super().list(request, *args, **kwargs)

    def get_success_headers(self, data) -> dict[str, str]:
        # A new record's address, as clients (and link-following tools) expect after a 201.
        lookup = "id" if self.lookup_field == "pk" else self.lookup_field
        if lookup not in data:
            return {}
        path = reverse(f"api:{self.basename}-detail", args=[data[lookup]])
        return {"Location": self.request.build_absolute_uri(path)}

    def _many_to_many(self, data: dict[str, Any]) -> dict[str, Any]:
        model = self.get_queryset().model
        names = {field.name for field in model._meta.many_to_many}
        return {name: data.pop(name) for name in list(data) if name in names}

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        m2m = self._many_to_many(data)
        model = self.get_queryset().model
        serializer.instance = services.record_save(
            instance=model(**data), user=self.request.user, m2m=m2m
        )

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        m2m = self._many_to_many(data)
        instance = serializer.instance
        for name, value in data.items():
            setattr(instance, name, value)
        serializer.instance = services.record_save(
            instance=instance, user=self.request.user, m2m=m2m
        )

    def perform_destroy(self, instance) -> None:
        services.record_delete(instance=instance, user=self.request.user)


class RegionViewSet(ServiceModelViewSet):
    """First-level regions, addressed by ISO 3166-2 code; the detail has the boundary."""

    queryset = Region.objects.order_by("code")
    lookup_field = "code"
    filterset_class = api_filters.RegionFilter
    ordering_fields = ("code", "name_en", "updated_at", "id")

    export_geometry_field = "boundary"

    def _exports_geometry(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer is not None and renderer.format == "geojson"

    def get_queryset(self) -> QuerySet[Region]:
        queryset = super().get_queryset()
        if self.action == "list" and not self._exports_geometry():
            # The boundaries are large; the list does not show them.
            queryset = queryset.defer("boundary")
        return queryset

    def get_serializer_class(self):
        if self.action == "list" and not self._exports_geometry():
            return s.RegionSerializer
        return s.RegionDetailSerializer


class FacilityViewSet(ServiceModelViewSet):
    queryset = Facility.objects.select_related("region").order_by("name", "id")
    serializer_class = s.FacilitySerializer
    filterset_class = api_filters.FacilityFilter
    export_geometry_field = "location"
    ordering_fields = ("name", "kind", "status", "updated_at", "id")


class SourceViewSet(ServiceModelViewSet):
    queryset = Source.objects.order_by("-id")
    serializer_class = s.SourceSerializer
    filterset_class = api_filters.SourceFilter
    ordering_fields = ("title", "updated_at", "id")


class WeaponUseViewSet(ServiceModelViewSet):
    queryset = WeaponUse.objects.order_by("-id")
    serializer_class = s.WeaponUseSerializer
    filterset_class = api_filters.WeaponUseFilter
    ordering_fields = ("weapon_type", "updated_at", "id")


class ResponseMeasureViewSet(ServiceModelViewSet):
    queryset = (
        ResponseMeasure.objects.select_related("region")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.only("id")))
        .order_by("-id")
    )
    serializer_class = s.ResponseMeasureSerializer
    filterset_class = api_filters.ResponseMeasureFilter
    ordering_fields = ("kind", "updated_at", "id")


class DamageViewSet(ServiceModelViewSet):
    queryset = Damage.objects.prefetch_related(
        Prefetch("sources", queryset=Source.objects.only("id"))
    ).order_by("-id")
    serializer_class = s.DamageSerializer
    filterset_class = api_filters.DamageFilter
    pagination_class = CursorPagination
    ordering_fields = ("id", "updated_at", "severity")
    ordering = ("-id",)


class OutageReportViewSet(ServiceModelViewSet):
    queryset = (
        OutageReport.objects.select_related("region")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.only("id")))
        .order_by("-as_of", "-id")
    )
    serializer_class = s.OutageReportSerializer
    filterset_class = api_filters.OutageReportFilter
    hxl_columns = [
        ("id", "#meta+id", "id"),
        ("as_of", "#date+reported", "as_of"),
        ("region_code", "#adm1+code", "region"),
        ("locality", "#loc+name", "locality"),
        ("service", "#x_outage+service", "service"),
        ("unit", "#x_outage+unit", "unit"),
        ("count", "#x_outage+num", "count"),
        ("count_qualifier", "#x_outage+qualifier", "count_qualifier"),
        ("attack", "#event+id", "attack"),
        ("sources", "#meta+source", exports.joined("sources")),
    ]
    pagination_class = CursorPagination
    ordering_fields = ("as_of", "count", "updated_at", "id")
    ordering = ("-as_of", "-id")


class AttackViewSet(ServiceModelViewSet):
    """Attacks; the detail nests weapons, damages, outages, sources and responses."""

    queryset = Attack.objects.order_by("-started_at", "-id")
    filterset_class = api_filters.AttackFilter
    export_geometry_field = "impact_location"
    hxl_columns = [
        ("id", "#event+id", "id"),
        ("started_at", "#date+start", "started_at"),
        ("ended_at", "#date+end", "ended_at"),
        ("time_precision", "#date+precision", "time_precision"),
        ("summary", "#event+summary", "summary"),
        ("perpetrator", "#group+perpetrator", "perpetrator"),
        ("region_codes", "#adm1+code", exports.joined("regions")),
        ("reported_region_count", "#adm1+num+reported", "reported_region_count"),
        ("latitude", "#geo+lat", exports.point_coordinate("impact_location", 1)),
        ("longitude", "#geo+lon", exports.point_coordinate("impact_location", 0)),
        ("ambient_temperature_c", "#indicator+temperature", "ambient_temperature_c"),
        ("killed", "#affected+killed", "killed"),
        ("injured", "#affected+injured", "injured"),
        ("verification_status", "#status+verification", "verification_status"),
        ("sources", "#meta+source", exports.joined("sources")),
    ]
    pagination_class = CursorPagination
    ordering_fields = ("started_at", "updated_at", "id")
    ordering = ("-started_at", "-id")

    def get_queryset(self) -> QuerySet[Attack]:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            return queryset.prefetch_related(
                "regions",
                "sources",
                "weapons",
                "damages__facility",
                "outages__region",
                "responses__region",
            )
        return queryset.prefetch_related(
            Prefetch("regions", queryset=Region.objects.only("id", "code")),
            Prefetch("sources", queryset=Source.objects.only("id")),
        )

    def get_serializer_class(self):
        return s.AttackDetailSerializer if self.action == "retrieve" else s.AttackSerializer


# --------------------------------------------------------------------------- deletion feed

# The collection name each history table reports deletions under.
DELETED_MODELS: dict[str, type] = {
    "regions": Region,
    "facilities": Facility,
    "attacks": Attack,
    "weapon-uses": WeaponUse,
    "damages": Damage,
    "outages": OutageReport,
    "sources": Source,
    "responses": ResponseMeasure,
}


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description="Only deletions at or after this moment. " + DATE_HELP,
            ),
            OpenApiParameter(
                "model",
                OpenApiTypes.STR,
                enum=list(DELETED_MODELS),
                description="Only deletions from this collection; repeatable.",
            ),
        ]
    )
)
class DeletedRecordList(generics.ListAPIView):
    """Records deleted from every collection, oldest first, from the change history.

    A client that synchronises with `updated_since` removes these ids locally.
    """

    serializer_class = s.DeletedRecordSerializer
    pagination_class = PageNumberPagination
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        params = self.request.query_params
        since = params.get("since")
        moment = parse_date_or_datetime("since", since) if since else None
        wanted = parse_multi("model", params.getlist("model"), DELETED_MODELS) or list(
            DELETED_MODELS
        )
        parts = []
        for name in wanted:
            history = DELETED_MODELS[name].history.filter(history_type="-")
            if moment is not None:
                history = history.filter(history_date__gte=moment)
            parts.append(
                history.annotate(
                    collection=Value(name, output_field=CharField()),
                    deleted_at=F("history_date"),
                ).values("collection", "id", "deleted_at")
            )
        first, *rest = parts
        return first.union(*rest, all=True).order_by("deleted_at", "collection", "id")
