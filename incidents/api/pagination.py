"""Page sizes with a ceiling; cursors for the collections that grow without bound.

A malformed page number, page size or cursor is a 400 naming it; a well-formed
one that points past the data (page 99 of 3, a cursor this API did not write)
is a 404, as an unknown record is. The schema states the forms.
"""

from __future__ import annotations

import re

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

MAX_PAGE_SIZE = 500
# A cursor is the base64 of a short query string (see CursorPagination.encode_cursor).
CURSOR_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
CURSOR_MESSAGE = "Invalid cursor; use the next or previous link as is."


def _openapi_31(schema: dict) -> dict:
    """DRF writes OpenAPI 3.0's `nullable`; the schema is 3.1, where null is a type."""
    for prop in schema.get("properties", {}).values():
        if prop.pop("nullable", False):
            prop["type"] = [prop["type"], "null"]
    return schema


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        _check_page_size(request, self.page_size_query_param)
        return super().get_page_size(request)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return _openapi_31(super().get_paginated_response_schema(schema))

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "A page number, from 1; past the last page, a 404."
        return _page_size_schema(parameters, self.page_size_query_param)

    def check_parameters(self, request) -> None:
        """A malformed page or page size is a 400, also where the answer is not paged."""
        _check_page_size(request, self.page_size_query_param)
        _once(request, self.page_query_param)
        raw = request.query_params.get(self.page_query_param)
        malformed = raw is not None and not _positive_int(raw)
        if malformed and raw not in self.last_page_strings:
            raise ValidationError({self.page_query_param: "A page number is 1 or more."})

    def paginate_queryset(self, queryset, request, view=None):
        self.check_parameters(request)
        return super().paginate_queryset(queryset, request, view)


class CursorPagination(pagination.CursorPagination):
    """Stable pages over a changing table: rows added meanwhile do not shift them."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-id",)

    def get_page_size(self, request) -> int:
        _check_page_size(request, self.page_size_query_param)
        return super().get_page_size(request)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return _openapi_31(super().get_paginated_response_schema(schema))

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "pattern": CURSOR_PATTERN}
                parameter["description"] = (
                    "Where the page starts: copy it from a next or previous link; "
                    "one this API did not write is a 404."
                )
        return _page_size_schema(parameters, self.page_size_query_param)

    def check_parameters(self, request) -> None:
        """A malformed cursor or page size is a 400, also where the answer is not paged."""
        _check_page_size(request, self.page_size_query_param)
        _once(request, self.cursor_query_param)
        raw = request.query_params.get(self.cursor_query_param)
        if raw is not None and not re.fullmatch(CURSOR_PATTERN, raw):
            raise ValidationError({self.cursor_query_param: CURSOR_MESSAGE})

    def decode_cursor(self, request):
        self.check_parameters(request)
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise NotFound(CURSOR_MESSAGE) from None


def _page_size_schema(parameters: list[dict], name: str) -> list[dict]:
    for parameter in parameters:
        if parameter["name"] == name:
            parameter["schema"] = {"type": "integer", "minimum": 1}
            parameter["description"] = (
                f"Results per page, from 1; more than {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE}."
            )
    return parameters


def _once(request, name: str) -> None:
    if len(request.query_params.getlist(name)) > 1:
        raise ValidationError({name: "Give this parameter once."})


def _check_page_size(request, name: str) -> None:
    _once(request, name)
    raw = request.query_params.get(name)
    if raw is not None and not _positive_int(raw):
        raise ValidationError(
            {name: f"A page size is a whole number from 1 to {MAX_PAGE_SIZE} (larger is capped)."}
        )


def _positive_int(raw: str) -> bool:
    # isdigit alone accepts "²", which int() rejects.
    return raw.isascii() and raw.isdigit() and int(raw) >= 1
