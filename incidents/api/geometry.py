"""GeoJSON geometry fields of the API, with the JSON Schema each promises."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

POSITION_SCHEMA = {
    "type": "array",
    "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180},
        {"type": "number", "minimum": -90, "maximum": 90},
    ],
    "items": False,
    "minItems": 2,
    "maxItems": 2,
}
POINT_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": POSITION_SCHEMA,
    },
    "required": ["type", "coordinates"],
    "additionalProperties": False,
}


@extend_schema_field(POINT_SCHEMA)
class PointField(GeometryField):
    """A GeoJSON Point in WGS84 with longitude and latitude in range."""

    def to_internal_value(self, value) -> GEOSGeometry:
        if isinstance(value, dict) and set(value) - {"type", "coordinates"}:
            raise serializers.ValidationError(_('A Point has only "type" and "coordinates".'))
        point = require_geom_type(super().to_internal_value(value), "Point")
        if len(point.coords) != 2:
            raise serializers.ValidationError(_("Give [longitude, latitude], without an altitude."))
        longitude, latitude = point.coords
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise serializers.ValidationError(
                _("Longitude is from -180 to 180 and latitude from -90 to 90 (longitude first).")
            )
        return point


def point_field(**kwargs) -> PointField:
    return PointField(help_text=_("GeoJSON Point, [longitude, latitude] in WGS84."), **kwargs)


def require_geom_type(value: GEOSGeometry | None, *types: str) -> GEOSGeometry | None:
    if value is not None and value.geom_type not in types:
        raise serializers.ValidationError(
            f"Expected a GeoJSON {' or '.join(types)}, got a {value.geom_type}."
        )
    return value


_RING = {"type": "array", "items": POSITION_SCHEMA, "minItems": 4}
_POLYGON = {"type": "array", "items": _RING, "minItems": 1}
BOUNDARY_SCHEMA = {
    "type": ["object", "null"],
    "oneOf": [
        {
            "type": "object",
            "properties": {"type": {"const": "Polygon"}, "coordinates": _POLYGON},
            "required": ["type", "coordinates"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "type": {"const": "MultiPolygon"},
                "coordinates": {"type": "array", "items": _POLYGON, "minItems": 1},
            },
            "required": ["type", "coordinates"],
            "additionalProperties": False,
        },
        {"type": "null"},
    ],
    "example": {
        "type": "Polygon",
        "coordinates": [[[30.2, 50.2], [30.9, 50.2], [30.9, 50.6], [30.2, 50.6], [30.2, 50.2]]],
    },
}


@extend_schema_field(BOUNDARY_SCHEMA)
class BoundaryField(GeometryField):
    """A region's outline: a valid (closed, not self-crossing) Polygon or MultiPolygon."""
