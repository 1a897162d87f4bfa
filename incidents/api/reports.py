"""The reports as JSON: the same Report object the pages and feed render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.declarations import REPORTS
from incidents.api.negotiation import ReadOnlyAPIView
from incidents.api.query import DAY_PATTERN, VIEW_PARAMETER
from incidents.api.schema import ERROR_RESPONSES
from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    ResponseMeasure,
    Source,
    WeaponUse,
)
from incidents.reports import periods
from incidents.reports.build import build_report


class _Linked(serializers.Serializer):
    """A record with the address of its page."""

    url = serializers.SerializerMethodField(help_text="The record's page.")

    def get_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class ReportRegionSerializer(_Linked):
    code = serializers.CharField()
    name_en = serializers.CharField()


class ReportSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(Source.Kind.choices)
    title = serializers.CharField()
    url = serializers.CharField(help_text="Where the source is published; empty if unknown.")
    publisher = serializers.CharField(help_text="Publisher or channel, e.g. Telegram.")
    speaker = serializers.CharField()
    speaker_role = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    quote = serializers.CharField()
    grade = serializers.CharField(help_text="Admiralty grade: reliability A–F, credibility 1–6.")


class ReportAttackSerializer(_Linked):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    summary = serializers.CharField()
    verification_status = serializers.ChoiceField(Attack.Verification.choices)
    regions = ReportRegionSerializer(many=True, source="regions.all")
    reported_region_count = serializers.IntegerField(allow_null=True)
    ambient_temperature_c = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, coerce_to_string=False
    )
    is_illustrative = serializers.BooleanField()


class ReportWeaponSerializer(serializers.Serializer):
    weapon_type = serializers.ChoiceField(WeaponUse.WeaponType.choices)
    models = serializers.ListField(child=serializers.CharField())
    launched = serializers.IntegerField(allow_null=True, help_text="Null: no number reported.")
    intercepted = serializers.IntegerField(allow_null=True)
    attacks = serializers.IntegerField(help_text="Attacks that used this type.")


class ReportFacilitySerializer(_Linked):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(Facility.Kind.choices)
    locality = serializers.CharField()


class ReportDamageSerializer(serializers.Serializer):
    facility = ReportFacilitySerializer()
    attack = serializers.IntegerField(source="attack_id")
    severity = serializers.ChoiceField(Damage.Severity.choices)
    restoration_status = serializers.ChoiceField(Damage.Restoration.choices)
    restored_at = serializers.DateTimeField(allow_null=True)
    expected_restoration = serializers.DateField(allow_null=True)


class ReportOutageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="latest.id")
    region = ReportRegionSerializer(source="latest.region")
    locality = serializers.CharField(source="latest.locality")
    service = serializers.ChoiceField(OutageReport.Service.choices, source="latest.service")
    unit = serializers.ChoiceField(OutageReport.Unit.choices, source="latest.unit")
    count = serializers.IntegerField(source="latest.count")
    count_qualifier = serializers.ChoiceField(
        OutageReport.Qualifier.choices, source="latest.count_qualifier"
    )
    as_of = serializers.DateTimeField(source="latest.as_of")
    previous_count = serializers.IntegerField(
        allow_null=True, help_text="The series' figure before this one; null if none."
    )
    previous_as_of = serializers.DateTimeField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)


class ReportResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(ResponseMeasure.Kind.choices)
    region = ReportRegionSerializer(allow_null=True)
    attack = serializers.IntegerField(source="attack_id", allow_null=True)
    actor = serializers.CharField()
    description = serializers.CharField()
    quantity = serializers.IntegerField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)


class ReportSerializer(serializers.Serializer):
    first_day = serializers.DateField(source="period.first", help_text="Kyiv time.")
    last_day = serializers.DateField(source="period.last", help_text="Included.")
    region_filter = serializers.ListField(
        child=serializers.CharField(),
        source="period.region_codes",
        help_text="The regions the report was asked for; empty: all.",
    )
    is_empty = serializers.BooleanField()
    attacks = ReportAttackSerializer(many=True)
    weapons = ReportWeaponSerializer(many=True)
    regions = ReportRegionSerializer(many=True, help_text="The regions the attacks name.")
    reported_region_count = serializers.IntegerField(
        allow_null=True, help_text='The largest count of regions a source gives ("eight regions").'
    )
    lowest_temperature_c = serializers.DecimalField(
        source="temperature_c",
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        coerce_to_string=False,
    )
    damages = ReportDamageSerializer(many=True)
    outages = ReportOutageSerializer(many=True, help_text="The latest figure per series.")
    responses = ReportResponseSerializer(many=True)
    statements = ReportSourceSerializer(many=True)
    sources = ReportSourceSerializer(many=True)


DAY_PARAMETER = OpenApiParameter(
    "day",
    {"type": "string", "pattern": DAY_PATTERN},
    location=OpenApiParameter.PATH,
    description="The day, YYYY-MM-DD, Kyiv time.",
)
DESCRIPTION = (
    "What the report page says, as data: attacks, weapons by type, regions named and the "
    "count sources give, the lowest temperature, facilities hit, the latest outage figure per "
    "region, service and unit with the change from the one before, response measures, "
    "officials' statements and every source with its grade. Anonymous readers and "
    "view=public get the public view's records only."
)


class _ReportView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    def respond(self, request: Request, period) -> Response:
        report = build_report(period)
        return Response(ReportSerializer(report, context={"request": request}).data)


@extend_schema(
    tags=["reports"],
    summary="The report of one day",
    description=DESCRIPTION,
    parameters=[DAY_PARAMETER, VIEW_PARAMETER],
    responses={200: ReportSerializer, **ERROR_RESPONSES},
)
class DayReportView(_ReportView):
    @extend_schema(operation_id="v1_reports_day")
    def get(self, request: Request, day: str) -> Response:
        return self.respond(request, periods.day_period(day, request.query_params))


@extend_schema(
    tags=["reports"],
    summary="The report of a period",
    description=DESCRIPTION + " Without `from`, the seven days up to `to` (default today).",
    parameters=REPORTS.openapi(),
    responses={200: ReportSerializer, **ERROR_RESPONSES},
)
class PeriodReportView(_ReportView):
    @extend_schema(operation_id="v1_reports_period")
    def get(self, request: Request) -> Response:
        return self.respond(request, periods.query_period(request.query_params))
