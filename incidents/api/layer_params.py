"""Reading the shared map/statistics filters from a query string into `MapFilters`.

The parsers are the ones the resource endpoints use (incidents.api.params), so
a filter means the same thing on a list, a map layer and a statistic.

A malformed value raises DRF's ValidationError keyed by the parameter, which
the API answers with 400 {"<param>": ["message"]}; nothing here can give a 500.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from incidents.api.params import (
    BBOX_HELP,
    DATE_HELP,
    parse_bbox,
    parse_date_or_datetime,
    parse_multi,
    parse_region_codes,
)
from incidents.geojson import MapFilters
from incidents.models import Attack, Facility, OutageReport, WeaponUse


def _as_lists(detail: dict) -> dict[str, list[str]]:
    """{"param": "message"} and {"param": ["message"]} both become the latter."""
    return {key: value if isinstance(value, list) else [value] for key, value in detail.items()}


def _moment(name: str, value: str, *, end_of_day: bool):
    try:
        return parse_date_or_datetime(name, value, end_of_day=end_of_day)
    except OverflowError:
        # "Before 9999-12-31" reaches past the last date Python can represent.
        raise ValidationError({name: [f"{value[:40]!r} is out of range."]}) from None


def _choices(query: QueryDict, name: str, choices: type[TextChoices]) -> tuple[str, ...]:
    return tuple(parse_multi(name, query.getlist(name), choices.values))


def map_filters(query: QueryDict, *, facility_status: bool = False) -> MapFilters:
    """All shared filters from a query string; every error found is reported at once."""
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}

    def attempt(key: str, parse) -> None:
        try:
            values[key] = parse()
        except ValidationError as error:
            errors.update(_as_lists(error.detail))

    for key, end in (("started_after", False), ("started_before", True)):
        raw = query.get(key, "").strip()
        if raw:
            attempt(key, lambda raw=raw, key=key, end=end: _moment(key, raw, end_of_day=end))
    raw_bbox = query.get("bbox", "").strip()
    if raw_bbox:
        attempt("bbox", lambda: parse_bbox(raw_bbox))
    attempt("weapon_types", lambda: _choices(query, "weapon_type", WeaponUse.WeaponType))
    attempt("facility_kinds", lambda: _choices(query, "facility_kind", Facility.Kind))
    attempt(
        "verification_statuses",
        lambda: _choices(query, "verification_status", Attack.Verification),
    )
    attempt("services", lambda: _choices(query, "service", OutageReport.Service))
    if facility_status:
        attempt("statuses", lambda: _choices(query, "status", Facility.Status))
    # Checked last and only when the rest is valid: it is the one check that queries.
    if not errors:
        attempt("regions", lambda: parse_region_codes(query.getlist("region")))
    after, before = values.get("started_after"), values.get("started_before")
    if after and before and after >= before:
        errors.setdefault("started_before", ["This must come after started_after."])
    if errors:
        raise ValidationError(errors)
    return MapFilters(**values)


def _multi(name: str, description: str, enum: type[TextChoices] | None = None):
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        many=True,
        explode=True,
        enum=list(enum.values) if enum else None,
        description=description,
    )


# Documented once, declared by every map, statistics and export endpoint.
FILTER_PARAMETERS = [
    OpenApiParameter(
        "started_after",
        OpenApiTypes.STR,
        description="From this moment on (inclusive). " + DATE_HELP,
    ),
    OpenApiParameter(
        "started_before",
        OpenApiTypes.STR,
        description="Before this moment; a bare date includes that whole day. " + DATE_HELP,
    ),
    _multi("region", "ISO 3166-2 region code, e.g. UA-30; repeatable. Unknown codes are a 400."),
    _multi("weapon_type", "Attacks that used this weapon type; repeatable.", WeaponUse.WeaponType),
    _multi(
        "facility_kind",
        "Facilities of this kind (attacks: that hit one); repeatable.",
        Facility.Kind,
    ),
    _multi("verification_status", "Attack verification status; repeatable.", Attack.Verification),
    _multi(
        "service",
        "Outages of this service (attacks: linked to such outages); repeatable.",
        OutageReport.Service,
    ),
    OpenApiParameter(
        "bbox",
        OpenApiTypes.STR,
        description=BBOX_HELP,
    ),
]
STATUS_PARAMETER = _multi("status", "Facility status; repeatable.", Facility.Status)
