"""OpenAPI generation: every operation also documents the errors it can answer with."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from incidents.api.pagination import MAX_PAGE_SIZE

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
# What the paginators check, stated in the schema.
_PAGING_BOUNDS = {
    "page": {"minimum": 1},
    "page_size": {"minimum": 1, "maximum": MAX_PAGE_SIZE},
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


def _error(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        declaration = getattr(self.view, "query_declaration", None)
        if declaration is not None and self.method == "GET" and self._is_list_view():
            parameters.extend(declaration.openapi())
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

    def _get_pagination_parameters(self):
        parameters = super()._get_pagination_parameters()
        for parameter in parameters:
            parameter["schema"].update(_PAGING_BOUNDS.get(parameter["name"], {}))
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
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["409"] = _error("The change conflicts with stored data.", _DETAIL)
        for code, response in errors.items():
            responses.setdefault(code, response)
        return responses
