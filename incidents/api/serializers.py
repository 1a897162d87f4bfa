"""Thin serializers: they shape JSON; incidents.services decides what is valid.

Lists stay flat (region codes, source ids); the attack detail nests what the
attack did. Geometry travels as GeoJSON geometries, longitude first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.gis.db import models
from django.contrib.gis.geos import GEOSGeometry
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

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
from incidents.services.regions import as_multipolygon

AUDIT_FIELDS = ("created_at", "updated_at")


# Nothing this tracker records happened before this year; earlier is a typo.
EARLIEST_YEAR = 1900


class DateTimeField(serializers.DateTimeField):
    """A date-time from 1900 on, written in Kyiv time with its UTC offset.

    Before 1924 Kyiv's offset had seconds (local mean time), which RFC 3339
    cannot express, so such a value would be rendered in UTC instead.
    """

    def to_internal_value(self, value) -> datetime:
        moment = super().to_internal_value(value)
        if moment.year < EARLIEST_YEAR:
            raise serializers.ValidationError(f"Give a time in {EARLIEST_YEAR} or later.")
        return moment

    def to_representation(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            offset = self.enforce_timezone(value).utcoffset()
            if offset is not None and offset.seconds % 60:
                return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


class ServiceSerializer(serializers.ModelSerializer):
    """Base for the resources: no serializer-level uniqueness checks.

    The service's full_clean checks every constraint (including conditional
    unique constraints) and answers with field-level messages; DRF's own
    unique-together validators would also make optional fields required.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    class Meta:
        validators: list = []


def region_code_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(), **kwargs)


def sources_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Source.objects.all(), help_text="Source ids."
    )


def point_field(**kwargs) -> GeometryField:
    return GeometryField(help_text="GeoJSON Point, [longitude, latitude] in WGS84.", **kwargs)


def _require_geom_type(value: GEOSGeometry | None, *types: str) -> GEOSGeometry | None:
    if value is not None and value.geom_type not in types:
        raise serializers.ValidationError(
            f"Expected a GeoJSON {' or '.join(types)}, got a {value.geom_type}."
        )
    return value


# --------------------------------------------------------------------------- regions


class RegionSerializer(ServiceSerializer):
    """Regions without their boundary: the list stays small."""

    class Meta:
        model = Region
        fields = ("id", "code", "name_en", "name_uk", "kind", *AUDIT_FIELDS)
        validators: list = []


class RegionDetailSerializer(RegionSerializer):
    boundary = GeometryField(
        required=False,
        allow_null=True,
        help_text="GeoJSON Polygon or MultiPolygon in WGS84; stored as a MultiPolygon.",
    )

    class Meta(RegionSerializer.Meta):
        fields = (*RegionSerializer.Meta.fields, "boundary")

    def validate_boundary(self, value: GEOSGeometry | None) -> GEOSGeometry | None:
        if value is None:
            return None
        _require_geom_type(value, "Polygon", "MultiPolygon")
        if not value.valid:
            raise serializers.ValidationError(f"The polygon is not valid: {value.valid_reason}.")
        return as_multipolygon(value)


# --------------------------------------------------------------------------- facilities


class FacilitySerializer(ServiceSerializer):
    location = point_field()
    region = region_code_field(
        required=False,
        allow_null=True,
        help_text="ISO 3166-2 code; leave out to fill it from the location.",
    )

    class Meta:
        model = Facility
        fields = (
            "id",
            "name",
            "name_uk",
            "kind",
            "location",
            "location_approximate",
            "region",
            "locality",
            "operator",
            "electric_capacity_mw",
            "thermal_capacity_mw",
            "use",
            "status",
            "notes",
            "external_source",
            "external_id",
            "is_illustrative",
            *AUDIT_FIELDS,
        )
        read_only_fields = ("status",)
        validators: list = []

    def validate_location(self, value: GEOSGeometry) -> GEOSGeometry:
        return _require_geom_type(value, "Point")


class FacilityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Facility
        fields = ("id", "name", "kind", "status")


# --------------------------------------------------------------------------- sources


# What an attack's detail shows of each of its sources; the source collection adds the rest.
SOURCE_SUMMARY_FIELDS = (
    "id",
    "kind",
    "title",
    "url",
    "publisher",
    "speaker",
    "speaker_role",
    "published_at",
    "reliability",
    "credibility",
    "grade",
)


class SourceSerializer(ServiceSerializer):
    grade = serializers.CharField(read_only=True, help_text='Admiralty grade, e.g. "B2".')

    class Meta:
        model = Source
        fields = (
            *SOURCE_SUMMARY_FIELDS,
            "language",
            "quote",
            "external_source",
            "external_id",
            *AUDIT_FIELDS,
        )
        validators: list = []


# --------------------------------------------------------------------------- attack parts


class WeaponUseSerializer(ServiceSerializer):
    class Meta:
        model = WeaponUse
        fields = (
            "id",
            "attack",
            "weapon_type",
            "model",
            "launched",
            "intercepted",
            *AUDIT_FIELDS,
        )
        validators: list = []


class DamageSerializer(ServiceSerializer):
    sources = sources_field()

    class Meta:
        model = Damage
        fields = (
            "id",
            "attack",
            "facility",
            "severity",
            "description",
            "restoration_status",
            "restored_at",
            "expected_restoration",
            "sources",
            *AUDIT_FIELDS,
        )
        validators: list = []


class OutageReportSerializer(ServiceSerializer):
    region = region_code_field(help_text="ISO 3166-2 code, e.g. UA-30.")
    sources = sources_field()

    class Meta:
        model = OutageReport
        fields = (
            "id",
            "region",
            "locality",
            "attack",
            "service",
            "unit",
            "count",
            "count_qualifier",
            "as_of",
            "sources",
            "external_source",
            "external_id",
            "is_illustrative",
            *AUDIT_FIELDS,
        )
        validators: list = []


class ResponseMeasureSerializer(ServiceSerializer):
    region = region_code_field(required=False, allow_null=True, help_text="ISO 3166-2 code.")
    sources = sources_field()

    class Meta:
        model = ResponseMeasure
        fields = (
            "id",
            "kind",
            "region",
            "attack",
            "description",
            "actor",
            "quantity",
            "started_at",
            "ended_at",
            "sources",
            *AUDIT_FIELDS,
        )
        validators: list = []


# --------------------------------------------------------------------------- attacks


class AttackSerializer(ServiceSerializer):
    """An attack as lists show it and as clients write it: links as codes and ids."""

    regions = region_code_field(many=True, required=False, help_text="ISO 3166-2 codes.")
    sources = sources_field()
    impact_location = point_field(required=False, allow_null=True)

    class Meta:
        model = Attack
        fields = (
            "id",
            "started_at",
            "ended_at",
            "time_precision",
            "perpetrator",
            "summary",
            "description",
            "regions",
            "reported_region_count",
            "impact_location",
            "ambient_temperature_c",
            "killed",
            "injured",
            "verification_status",
            "sources",
            "external_source",
            "external_id",
            "is_illustrative",
            *AUDIT_FIELDS,
        )
        validators: list = []

    def validate_impact_location(self, value: GEOSGeometry | None) -> GEOSGeometry | None:
        return _require_geom_type(value, "Point")


class NestedWeaponSerializer(serializers.ModelSerializer):
    class Meta:
        model = WeaponUse
        fields = ("id", "weapon_type", "model", "launched", "intercepted")


class NestedDamageSerializer(serializers.ModelSerializer):
    facility = FacilityBriefSerializer(read_only=True)

    class Meta:
        model = Damage
        fields = (
            "id",
            "facility",
            "severity",
            "description",
            "restoration_status",
            "restored_at",
            "expected_restoration",
        )


class NestedOutageSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = OutageReport
        fields = (
            "id",
            "region",
            "locality",
            "service",
            "unit",
            "count",
            "count_qualifier",
            "as_of",
        )


class NestedSourceSerializer(serializers.ModelSerializer):
    grade = serializers.CharField(read_only=True)

    class Meta:
        model = Source
        fields = SOURCE_SUMMARY_FIELDS


class NestedResponseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ResponseMeasure
        fields = ("id", "kind", "region", "description", "actor", "quantity", "started_at")


class AttackDetailSerializer(AttackSerializer):
    """One attack with everything it did and where we know it from."""

    weapons = NestedWeaponSerializer(many=True, read_only=True)
    damages = NestedDamageSerializer(many=True, read_only=True)
    outages = NestedOutageSerializer(many=True, read_only=True)
    sources = NestedSourceSerializer(many=True, read_only=True)
    responses = NestedResponseSerializer(many=True, read_only=True)

    class Meta(AttackSerializer.Meta):
        fields = (
            *AttackSerializer.Meta.fields,
            "weapons",
            "damages",
            "outages",
            "responses",
        )


# --------------------------------------------------------------------------- sync


class DeletedRecordSerializer(serializers.Serializer):
    model = serializers.CharField(source="collection", help_text='The collection, e.g. "damages".')
    id = serializers.IntegerField()
    deleted_at = serializers.DateTimeField()
