"""Thin serializers: they shape JSON; incidents.services decides what is valid.

Lists stay flat (region codes, source ids); the attack detail nests what the
attack did. Geometry travels as GeoJSON geometries, longitude first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.gis.db import models
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from incidents.api.geometry import BoundaryField, point_field, require_geom_type
from incidents.api.json_types import json_type_mismatch
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
# Read-only: the publication endpoints ({id}/submit/, publish/, send-back/, withdraw/) move
# the state; a record created through the API is a draft.
PUBLICATION_FIELDS = ("publication_state", "published_at")


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
            raise serializers.ValidationError(
                _("Give a time in %(year)s or later.") % {"year": EARLIEST_YEAR}
            )
        return moment

    def to_representation(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            offset = self.enforce_timezone(value).utcoffset()
            if offset is not None and offset.seconds % 60:
                return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


# Rules that span fields or stored data, which a JSON Schema cannot state; the service
# checks them and answers 400 naming the field. The schema's descriptions say them.
_PAST = f"Not in the future, and in {EARLIEST_YEAR} or later."
FIELD_RULES = {
    "started_at": _PAST,
    "ended_at": "Not before started_at.",
    "published_at": _PAST,
    "as_of": _PAST,
    "restored_at": _PAST + " Only with restoration_status 'restored', and not before the attack.",
    "intercepted": "At most launched.",
    "external_id": "Needs external_source. Unique within its source (else a 409).",
    "reported_region_count": "At least the number of linked regions.",
    "verification_status": "Only reviewers may set verified or disputed.",
    "impact_location": "Inside (within REGION_TOLERANCE_M of) one of the attack's regions.",
    "location": "Inside (within REGION_TOLERANCE_M of) the facility's region.",
    "attack": "The id of an existing attack.",
    "facility": "The id of an existing facility.",
    "sources": "Ids of existing sources.",
    "region": "The code of an existing region.",
    "regions": "Codes of existing regions.",
    "code": "Unique (else a 409).",
}


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
    # A misspelt field would otherwise be dropped without a word (see ApiAutoSchema).
    rejects_unknown_fields = True

    class Meta:
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            # The service reports a value another record holds, as a 409 (see exceptions.py).
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
            if name in FIELD_RULES and not field.read_only:
                field.help_text = " ".join(
                    str(t) for t in filter(None, [field.help_text, FIELD_RULES[name]])
                )
        return fields

    def to_internal_value(self, data):
        check_fields(self, data)
        return super().to_internal_value(data)


def check_fields(serializer: serializers.Serializer, data: object) -> None:
    """Refuse, naming each, a field the serializer does not take or a value of the wrong type."""
    if isinstance(data, dict):
        fields = serializer.fields
        writable = {name for name, field in fields.items() if not field.read_only}
        errors = {
            name[:100]: ["This field is read-only; leave it out."]
            if name in fields
            else [f"Unknown field. The fields are: {', '.join(sorted(writable))}."]
            for name in data
            if name not in writable
        }
        errors |= {
            name: [f"Expected {wanted}, got {type(data[name]).__name__}."]
            for name in writable & set(data)
            if (wanted := json_type_mismatch(fields[name], data[name]))
        }
        if errors:
            raise serializers.ValidationError(errors)
    elif data is not None:
        # DRF's own message names neither the field nor what was expected.
        raise serializers.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: ["Send the record as a JSON object."]}
        )


def region_code_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(), **kwargs)


def sources_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Source.objects.all(), help_text=_("Source ids.")
    )


# [longitude, latitude]: what PointField and the boundaries accept.
# --------------------------------------------------------------------------- regions


class RegionSerializer(ServiceSerializer):
    """Regions without their boundary: the list stays small."""

    class Meta:
        model = Region
        fields = ("id", "code", "name_en", "name_uk", "kind", *AUDIT_FIELDS)
        validators: list = []

    def validate_code(self, value: str) -> str:
        # Other records, pages and clients refer to a region by its code: it is set once.
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError(
                _(
                    "A region's code cannot be changed (it is %(code)s): pages, files and "
                    "clients refer to the region by it. Send the code unchanged or leave it out."
                )
                % {"code": self.instance.code}
            )
        return value


# A closed ring has at least four positions, the last repeating the first.
class RegionDetailSerializer(RegionSerializer):
    boundary = BoundaryField(
        required=False,
        allow_null=True,
        help_text=_(
            "GeoJSON Polygon or MultiPolygon in WGS84, closed and not crossing itself; "
            "stored as a MultiPolygon."
        ),
    )

    class Meta(RegionSerializer.Meta):
        fields = (*RegionSerializer.Meta.fields, "boundary")

    def validate_boundary(self, value: GEOSGeometry | None) -> GEOSGeometry | None:
        if value is None:
            return None
        require_geom_type(value, "Polygon", "MultiPolygon")
        if value.empty:
            raise serializers.ValidationError(_("The boundary has no polygon; give at least one."))
        if not value.valid:
            raise serializers.ValidationError(
                _("The polygon is not valid: %(reason)s.") % {"reason": value.valid_reason}
            )
        return as_multipolygon(value)


# --------------------------------------------------------------------------- facilities


class FacilitySerializer(ServiceSerializer):
    location = point_field()
    region = region_code_field(
        required=False,
        allow_null=True,
        help_text=_("ISO 3166-2 code; leave out to fill it from the location."),
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
            "public_region_only",
            *AUDIT_FIELDS,
        )
        read_only_fields = ("status",)
        validators: list = []


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
    grade = serializers.CharField(read_only=True, help_text=_('Admiralty grade, e.g. "B2".'))

    class Meta:
        model = Source
        fields = (
            *SOURCE_SUMMARY_FIELDS,
            "language",
            "quote",
            "confidential",
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
    region = region_code_field(help_text=_("ISO 3166-2 code, e.g. UA-30."))
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
            *PUBLICATION_FIELDS,
            *AUDIT_FIELDS,
        )
        validators: list = []


class ResponseMeasureSerializer(ServiceSerializer):
    region = region_code_field(required=False, allow_null=True, help_text=_("ISO 3166-2 code."))
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
            *PUBLICATION_FIELDS,
            *AUDIT_FIELDS,
        )
        validators: list = []


# --------------------------------------------------------------------------- attacks


class TemperatureField(serializers.DecimalField):
    # -70 to 60 with at most one decimal, as a pattern, since the value travels as a string.
    pattern = r"^(?:-(?:70(?:\.0?)?|[1-6]?\d(?:\.\d?)?)|60(?:\.0?)?|[1-5]?\d(?:\.\d?)?)$"

    def __init__(self, **kwargs):
        super().__init__(
            max_digits=4, decimal_places=1, min_value=-70, max_value=60, allow_null=True, **kwargs
        )


class AttackSerializer(ServiceSerializer):
    """An attack as lists show it and as clients write it: links as codes and ids."""

    ambient_temperature_c = TemperatureField(
        required=False, help_text=_("Air temperature at the time, from -70 to 60 °C.")
    )

    regions = region_code_field(many=True, required=False, help_text=_("ISO 3166-2 codes."))
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
            *PUBLICATION_FIELDS,
            *AUDIT_FIELDS,
        )
        validators: list = []


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
            "publication_state",
            "published_at",
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
        fields = (
            "id",
            "kind",
            "region",
            "description",
            "actor",
            "quantity",
            "started_at",
            "publication_state",
            "published_at",
        )


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


# --------------------------------------------------------------------------- publication


class SendBackSerializer(serializers.Serializer):
    """What a reviewer sends a record back to its author with."""

    comment = serializers.CharField(
        help_text=_("What the author should change; shown to them with the record.")
    )
    rejects_unknown_fields = True

    def to_internal_value(self, data):
        check_fields(self, data)
        return super().to_internal_value(data)


# --------------------------------------------------------------------------- sync


class DeletedRecordSerializer(serializers.Serializer):
    model = serializers.CharField(
        source="collection", help_text=_('The collection, e.g. "damages".')
    )
    id = serializers.IntegerField()
    deleted_at = serializers.DateTimeField()
