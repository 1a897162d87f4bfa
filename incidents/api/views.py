"""Resource viewsets under /api/v1/ and the deletion feed for synchronisation.

Every write goes through the model's service (incidents.services), as the admin's does:
the service validates the whole row, records the author and keeps derived
data in step. Each list runs a fixed number of queries whatever its length.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, Prefetch, QuerySet, Value
from django.urls import URLPattern, path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import geojson
from incidents.api import declarations, export_tables, exports
from incidents.api import serializers as s
from incidents.api.declarations import DELETED_MODELS
from incidents.api.filtering import DeclaredFilterBackend, StrictOrderingFilter
from incidents.api.negotiation import FormatNegotiation
from incidents.api.pagination import CursorPagination, PageNumberPagination
from incidents.api.permissions import CanMovePublication
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
from incidents.services import attacks, facilities, outages, publication, regions, sources
from incidents.services.base import Writes

# Formats in which a list is exported whole instead of paged.
EXPORTS = ("csv", "hxl", "geojson")
FILTER_BACKENDS = [DeclaredFilterBackend, StrictOrderingFilter]
# Actions that write, and answer with the record as JSON.
WRITE_ACTIONS = ("create", "update", "partial_update", "destroy")
# The publication endpoints (PublicationActions), by action name.
TRANSITIONS = tuple(CanMovePublication.NEEDS)


class ServiceModelViewSet(viewsets.ModelViewSet):
    """CRUD whose writes call the model's services (`writes`: save and delete).

    A list asked for as csv, hxl (or geojson, where the records have a geometry)
    with `?format=` or the Accept header exports the whole filtered set instead of
    one page, with the columns of the collection's `export_table`.
    """

    export_table: export_tables.Table
    writes: Writes

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
        formats = ["json", "csv", "hxl"]
        if self.export_table.geometry is not None:
            formats.append("geojson")
        return formats

    def get_renderers(self):
        action = getattr(self, "action", None)
        if action in WRITE_ACTIONS or action in TRANSITIONS:
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
            if self.paginator is not None:
                # An export is not paged, but its paging parameters are checked as a page's.
                self.paginator.check_parameters(request)
            queryset = self.filter_queryset(self.get_queryset())
            return exports.collection_export(self, queryset, export_format)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        # One record as CSV has the columns of the collection's export.
        if request.accepted_renderer.format in EXPORTS:
            record = self.get_object()
            queryset = self.get_queryset().filter(pk=record.pk)
            return exports.collection_export(self, queryset, request.accepted_renderer.format)
        return super().retrieve(request, *args, **kwargs)

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
        links = self._many_to_many(data)
        model = self.get_queryset().model
        serializer.instance = self.writes.save(model(**data), user=self.request.user, links=links)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        links = self._many_to_many(data)
        instance = serializer.instance
        for name, value in data.items():
            setattr(instance, name, value)
        serializer.instance = self.writes.save(instance, user=self.request.user, links=links)

    def perform_destroy(self, instance) -> None:
        self.writes.delete(instance=instance, user=self.request.user)


def _transition(summary: str, description: str, **kwargs: Any):
    return extend_schema(
        tags=["publication"],
        summary=summary,
        description=description
        + " A refusal (the record's state does not allow it, or the four-eyes rule) is a 400 "
        'naming publication_state: {"publication_state": ["…"]}.',
        **kwargs,
    )


class PublicationActions:
    """POST {id}/submit/, publish/, send-back/ and withdraw/ on a publishable collection.

    Each calls incidents.services.publication and answers with the record. Who may
    is CanMovePublication's business (403); what the record's state allows and the
    four-eyes rule are the service's (400 on publication_state).
    """

    def _move(self, change, **kwargs: Any) -> Response:
        record = change(record=self.get_object(), user=self.request.user, **kwargs)
        return Response(self.get_serializer(record).data)

    @_transition(
        "Submit for review",
        "A draft (or a withdrawn record) goes to the reviewers. Analysts and reviewers.",
        request=None,
    )
    @action(detail=True, methods=["post"], permission_classes=[CanMovePublication])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._move(publication.submit_for_review)

    @_transition(
        "Publish",
        "The record's current version becomes the public one. Reviewers only; whoever "
        "changed the record last cannot publish it (four eyes) unless REVIEW_SELF_PUBLISH.",
        request=None,
    )
    @action(detail=True, methods=["post"], permission_classes=[CanMovePublication])
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._move(publication.publish)

    @_transition(
        "Send back to the author",
        "A record in review goes back to draft with the reviewer's comment. Reviewers only.",
        request=s.SendBackSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="send-back",
        permission_classes=[CanMovePublication],
    )
    def send_back(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.SendBackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._move(publication.send_back, comment=body.validated_data["comment"])

    @_transition(
        "Withdraw",
        "Take a published record out of the public view (the public deletion feed lists "
        "it). Reviewers only.",
        request=None,
    )
    @action(detail=True, methods=["post"], permission_classes=[CanMovePublication])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._move(publication.withdraw)


class RegionViewSet(ServiceModelViewSet):
    """First-level regions, addressed by ISO 3166-2 code; the detail has the boundary."""

    writes = regions.REGION_WRITES
    queryset = Region.objects.order_by("code")
    lookup_field = "code"
    query_declaration = declarations.REGIONS
    ordering_fields = ("code", "name_en", "updated_at", "id")
    export_table = export_tables.REGIONS

    def get_queryset(self) -> QuerySet[Region]:
        queryset = super().get_queryset()
        if self.action == "list":
            # The boundaries are large; the list does not show them.
            queryset = queryset.defer("boundary")
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return s.RegionSerializer
        return s.RegionDetailSerializer


class FacilityViewSet(ServiceModelViewSet):
    writes = facilities.FACILITY_WRITES
    queryset = Facility.objects.select_related("region").order_by("name", "id")
    serializer_class = s.FacilitySerializer
    query_declaration = declarations.FACILITIES
    selection = staticmethod(geojson.facilities_selection)
    export_table = export_tables.FACILITIES
    ordering_fields = ("name", "kind", "status", "updated_at", "id")


class SourceViewSet(ServiceModelViewSet):
    writes = sources.SOURCE_WRITES
    queryset = Source.objects.order_by("-id")
    serializer_class = s.SourceSerializer
    query_declaration = declarations.SOURCES
    export_table = export_tables.SOURCES
    ordering_fields = ("title", "updated_at", "id")


class WeaponUseViewSet(ServiceModelViewSet):
    writes = attacks.WEAPON_USE_WRITES
    queryset = WeaponUse.objects.order_by("-id")
    serializer_class = s.WeaponUseSerializer
    query_declaration = declarations.WEAPON_USES
    export_table = export_tables.WEAPON_USES
    ordering_fields = ("weapon_type", "updated_at", "id")


class ResponseMeasureViewSet(PublicationActions, ServiceModelViewSet):
    writes = outages.RESPONSE_MEASURE_WRITES
    queryset = (
        ResponseMeasure.objects.select_related("region")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.only("id")))
        .order_by("-id")
    )
    serializer_class = s.ResponseMeasureSerializer
    query_declaration = declarations.RESPONSES
    export_table = export_tables.RESPONSES
    ordering_fields = ("kind", "updated_at", "id")


class DamageViewSet(ServiceModelViewSet):
    writes = facilities.DAMAGE_WRITES
    queryset = Damage.objects.prefetch_related(
        Prefetch("sources", queryset=Source.objects.only("id"))
    ).order_by("-id")
    serializer_class = s.DamageSerializer
    query_declaration = declarations.DAMAGES
    export_table = export_tables.DAMAGES
    pagination_class = CursorPagination
    ordering_fields = ("id", "updated_at", "severity")
    ordering = ("-id",)


class OutageReportViewSet(PublicationActions, ServiceModelViewSet):
    writes = outages.OUTAGE_REPORT_WRITES
    queryset = (
        OutageReport.objects.select_related("region")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.only("id")))
        .order_by("-as_of", "-id")
    )
    serializer_class = s.OutageReportSerializer
    query_declaration = declarations.OUTAGES
    selection = staticmethod(geojson.outages_selection)
    export_table = export_tables.OUTAGES
    pagination_class = CursorPagination
    ordering_fields = ("as_of", "count", "updated_at", "id")
    ordering = ("-as_of", "-id")


class AttackViewSet(PublicationActions, ServiceModelViewSet):
    """Attacks; the detail nests weapons, damages, outages, sources and responses."""

    writes = attacks.ATTACK_WRITES
    queryset = Attack.objects.order_by("-started_at", "-id")
    query_declaration = declarations.ATTACKS
    selection = staticmethod(geojson.attacks_selection)
    export_table = export_tables.ATTACKS
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


# --------------------------------------------------------------------------- export files


def export_file(
    route: str,
    viewset: type[ServiceModelViewSet],
    export_format: str,
    *,
    name: str,
    renamed: dict[str, str] | None = None,
) -> URLPattern:
    """A fixed URL for a collection's export, e.g. exports/attacks.hxl.csv.

    It is the collection's own list view with the format fixed, not a copy: the
    file at this URL and `<collection>/?format=<format>` with the same filters are
    the same bytes. `renamed` maps a parameter this URL has always taken to the
    collection's name for it (for outages, started_after is as_of_after).
    """
    collection = viewset.export_table.name
    file_view = extend_schema_view(
        list=extend_schema(
            tags=["exports"],
            summary=f"{collection.capitalize()} as {export_format.upper()}",
            description=f"The same file as /api/v1/{collection}/?format={export_format}, "
            "with the same filters.",
            responses={
                (200, "text/csv"): OpenApiResponse(
                    OpenApiTypes.STR, description="The filtered records."
                )
            },
        )
    )(
        type(
            f"{viewset.__name__}File",
            (viewset,),
            # A file is never paged, and its format is the one in its URL.
            {"pagination_class": None, "export_formats": [export_format]},
        )
    )
    view = file_view.as_view({"get": "list"})
    if renamed:
        list_view = view

        def view(request, *args, **kwargs):
            query = request.GET.copy()
            sent = {new: old for old, new in renamed.items() if old in query and new not in query}
            for new, old in sent.items():
                query.setlist(new, query.pop(old))
            request.GET = query
            response = list_view(request, *args, **kwargs)
            # An error names the parameter as the client sent it.
            data = getattr(response, "data", None)
            if response.status_code == 400 and isinstance(data, dict):
                response.data = {sent.get(key, key): value for key, value in data.items()}
            return response

        view.__dict__.update(list_view.__dict__)
    return path(route, view, {"format": export_format}, name=name)


# --------------------------------------------------------------------------- deletion feed


class DeletedRecordList(generics.ListAPIView):
    """Records deleted from every collection, oldest first, from the change history.

    A client that synchronises with `updated_since` removes these ids locally.
    """

    serializer_class = s.DeletedRecordSerializer
    pagination_class = PageNumberPagination
    filter_backends: list = []
    query_declaration = declarations.DELETED

    def get_queryset(self) -> QuerySet:
        filters = declarations.DELETED.parse(self.request.query_params)
        moment = filters.started_after
        wanted = filters.collections or list(DELETED_MODELS)
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
