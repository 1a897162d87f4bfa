"""Page sizes with a ceiling; cursors for the collections that grow without bound."""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

MAX_PAGE_SIZE = 500


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

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        malformed = raw is not None and not _positive_int(raw)
        if malformed and raw not in self.last_page_strings:
            raise ValidationError({self.page_query_param: "A page number is 1 or more."})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise ValidationError({self.page_query_param: str(exc.detail)}) from None


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

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: "Invalid cursor; use the next or previous link as is."}
            ) from None


def _check_page_size(request, name: str) -> None:
    raw = request.query_params.get(name)
    if raw is not None and not _positive_int(raw):
        raise ValidationError(
            {name: f"A page size is a whole number from 1 to {MAX_PAGE_SIZE} (larger is capped)."}
        )


def _positive_int(raw: str) -> bool:
    # isdigit alone accepts "²", which int() rejects.
    return raw.isascii() and raw.isdigit() and int(raw) >= 1
