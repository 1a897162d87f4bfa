"""OpenAPI generation: every operation also documents the errors it can answer with."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from incidents.api.query import VIEW_PARAMETER, with_stored_codes

# The errors of the read-only endpoints (map layers, statistics, exports), for extend_schema.
ERROR_RESPONSES = {
    (400, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT,
        description='A malformed or unknown parameter: {"<parameter>": ["message"]}.',
    ),
    (401, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="Not logged in (and the site is not public)."
    ),
    (403, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Not allowed."),
    (429, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="Too many requests; retry after the time given."
    ),
}

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A 400 names each parameter or field at fault: {"bbox": ["…"]}, {"intercepted": ["…"]}.
_FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "object"},
        ]
    },
}


# What a list answers when exported instead of paged (see ServiceModelViewSet.list).
_EXPORT_SCHEMAS = {
    "text/csv": {"type": "string", "description": "CSV; the .hxl variant has hashtags."},
    "application/geo+json": {
        "type": "object",
        "description": "A GeoJSON FeatureCollection of the whole filtered set.",
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["type", "features"],
    },
}


# A 409 says what conflicts: {"detail": "…"} or, for a value another record holds, the field.
_CONFLICT = {"anyOf": [_DETAIL, _FIELD_ERRORS]}


def _error(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# DRF refuses NUL in text (PostgreSQL cannot store it); ECMA and Python read this alike.
_NO_NUL = "^[^\\x00]*$"
_NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"


def _decimal_pattern(field: serializers.DecimalField) -> str:
    """What DRF's DecimalField takes as a string: digits within its precision, no blanks."""
    whole = (field.max_digits or 30) - (field.decimal_places or 0)
    places = field.decimal_places or 0
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    fraction = f"(?:\\.\\d{{0,{places}}})?" if places else ""
    return f"^{sign}\\d{{1,{whole}}}{fraction}$"


class ApiAutoSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "rejects_unknown_fields", False):
            # The API refuses fields it does not know (ServiceSerializer), so the schema says so.
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or field.read_only or "$ref" in schema:
            return schema
        if (
            isinstance(field, serializers.DecimalField)
            and getattr(field, "coerce_to_string", None) is not False
        ):
            schema["pattern"] = getattr(field, "pattern", None) or _decimal_pattern(field)
            schema.pop("minimum", None)
            schema.pop("maximum", None)
        elif isinstance(field, serializers.CharField) and not any(
            key in schema for key in ("pattern", "format", "enum")
        ):
            # DRF trims whitespace, so a required text of blanks alone is refused as empty.
            blank_refused = not field.allow_blank and field.trim_whitespace
            schema["pattern"] = _NOT_BLANK if blank_refused else _NO_NUL
        return schema

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and "schema" in parameter:
                parameter["schema"] = with_stored_codes(parameter["schema"])
        return parameters

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        declaration = getattr(self.view, "query_declaration", None)
        if declaration is not None and self.method == "GET":
            # A list takes the filters; one record (read through the same parser) `view` only.
            parameters.extend(declaration.openapi() if self._is_list_view() else [VIEW_PARAMETER])
        if self.method == "POST" and getattr(self.view, "action", None) == "create":
            parameters.append(
                OpenApiParameter(
                    "Location",
                    OpenApiTypes.URI,
                    location=OpenApiParameter.HEADER,
                    response=[201],
                    description="The new record's URL.",
                )
            )
        formats = getattr(self.view, "export_formats", None)
        if formats and self.method == "GET":
            parameters.append(
                OpenApiParameter(
                    "format",
                    OpenApiTypes.STR,
                    enum=formats if self._is_list_view() else ["json", "csv"],
                    description="json (default, paged); csv, hxl (HXL-tagged CSV) or "
                    "geojson export the whole filtered set where offered.",
                )
            )
        return parameters

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            # Ids are whole numbers; any other segment is a 404 (lookup_value_regex).
            if parameter["name"] == "id":
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        ok = responses.get("200", {}).get("content", {})
        for media_type, schema in _EXPORT_SCHEMAS.items():
            if media_type in ok:
                ok[media_type] = {"schema": schema}
        errors = {
            "400": _error("A parameter or field is invalid; the body names it.", _FIELD_ERRORS),
            "401": _error("Not logged in, or the token is unknown or revoked.", _DETAIL),
            "403": _error("The user lacks the permission this needs.", _DETAIL),
            "429": _error("Too many requests; retry after the time in Retry-After.", _DETAIL),
        }
        if "{" in self.path:
            errors["404"] = _error("No such record.", _DETAIL)
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            errors["404"] = _error(
                "No such page: past the last one, or an unknown cursor.", _DETAIL
            )
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["409"] = _error(
                "The change conflicts with stored data, e.g. a value another record holds.",
                _CONFLICT,
            )
        for code, response in errors.items():
            responses.setdefault(code, response)
        return responses
