"""Applying parsed filters to a collection's queryset, and strict ordering.

The values come from the collection's declaration (incidents.api.declarations),
parsed by incidents.api.query. A view with a `selection` (attacks, facilities,
outage figures) keeps the rows of that SQL selection, the very rows its map
layer and export hold; the others compare each parameter's `lookup` in the ORM.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib.gis.geos import Polygon
from django.db.models import F, Lookup, Q, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter

from incidents.api.pagination import CursorPagination
from incidents.api.query import Declaration, Filters
from incidents.database import reading_connection
from incidents.geojson import Selection, like_pattern

# A search that at most this many rows match is answered from the trigram indexes: the
# list fetches their keys first and orders only those. Past it, the words are common
# enough (one row in 200 of a million) that walking the list's order finds a page of
# matches sooner; and finding out costs at most this many matches read.
SEARCH_KEYS_UP_TO = 5_000


class ILike(Lookup):
    """`column ILIKE pattern`, as the SQL selections search: the column's trigram index
    answers it (the ORM's icontains, UPPER(column) LIKE UPPER(…), it cannot)."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def bbox_polygon(bbox: tuple[float, float, float, float]) -> Polygon:
    polygon = Polygon.from_bbox(bbox)
    polygon.srid = 4326
    return polygon


def apply_lookups(queryset: QuerySet, declaration: Declaration, filters: Filters) -> QuerySet:
    """Filter by each declared parameter's ORM lookup."""
    for param in declaration.params:
        value = getattr(filters, param.field)
        if value in (None, ()) or not param.lookup:
            continue
        if param.kind == "after":
            queryset = queryset.filter(**{f"{param.lookup}__gte": value})
        elif param.kind == "before":
            queryset = queryset.filter(**{f"{param.lookup}__lt": value})
        elif param.kind == "bbox":
            # `&&`, as the SQL selections: a point on the box's edge is inside.
            queryset = queryset.filter(**{f"{param.lookup}__bboverlaps": bbox_polygon(value)})
        elif param.kind == "search":
            for word in value:
                condition = Q()
                for column in param.lookup.split(","):
                    condition |= Q(ILike(F(column), like_pattern(word)))
                queryset = queryset.filter(condition)
        elif param.kind == "id":
            queryset = queryset.filter(**{param.lookup: value})
        else:
            queryset = queryset.filter(**{f"{param.lookup}__in": value})
    return queryset


def in_selection(queryset: QuerySet, selection: Selection, *, search: bool = False) -> QuerySet:
    """The rows of the queryset that the SQL selection holds.

    With `search`, a selection of few rows is fetched first: otherwise PostgreSQL
    may walk the list's order (newest first) testing each row against the words,
    which reads most of a million rows to find a page of a rare word.
    """
    sql, params = selection.ids()
    if search:
        with reading_connection().cursor() as cursor:
            cursor.execute(f"{sql} LIMIT %s", [*params, SEARCH_KEYS_UP_TO + 1])
            keys = [row[0] for row in cursor.fetchall()]
        if len(keys) <= SEARCH_KEYS_UP_TO:
            return queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [keys]))
    return queryset.filter(pk__in=RawSQL(sql, params))


class DeclaredFilterBackend(BaseFilterBackend):
    """Filters a list by the view's `query_declaration`; unknown parameters are a 400.

    A view may set `selection` to a function of Filters returning the SQL
    selection its rows must lie in.
    """

    def filter_queryset(self, request, queryset, view):
        declaration: Declaration = view.query_declaration
        # An export file (no pagination at all) takes no cursor.
        paged_by_cursor = isinstance(view.pagination_class, type) and issubclass(
            view.pagination_class, CursorPagination
        )
        also = ("cursor",) if paged_by_cursor else ()
        filters = declaration.parse(request.query_params, also=also)
        selection: Callable[[Filters], Selection] | None = getattr(view, "selection", None)
        if selection is None:
            return apply_lookups(queryset, declaration, filters)
        if filters == Filters():
            return queryset
        return in_selection(queryset, selection(filters), search=bool(filters.search))

    def get_schema_operation_parameters(self, view):
        # The declared parameters are added by incidents.api.schema with their constraints.
        return []


def ordering_pattern(fields: tuple[str, ...]) -> str:
    """A comma-separated list of the fields, each optionally prefixed with "-"."""
    term = f"-?({'|'.join(re.escape(name) for name in fields)})"
    return f"^{term}(,{term})*$"


class StrictOrderingFilter(OrderingFilter):
    """Like DRF's, but a value outside the view's `ordering_fields` is a 400 instead of
    being ignored, and the schema states the accepted values with the same pattern.

    The primary key is appended as a tie-breaker so pages never overlap.
    """

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is not None:
            fields = tuple(view.ordering_fields)
            if not re.match(ordering_pattern(fields), raw):
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {raw[:60]!r}; give one or more of "
                            f"{', '.join(sorted(fields))}, separated by commas "
                            "(prefix - for descending)."
                        ]
                    }
                )
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def get_schema_operation_parameters(self, view):
        fields = tuple(view.ordering_fields)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Order by one or more of {', '.join(sorted(fields))}, "
                "separated by commas; prefix - for descending.",
                "schema": {"type": "string", "pattern": ordering_pattern(fields)},
            }
        ]
