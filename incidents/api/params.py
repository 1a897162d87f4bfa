"""Query-parameter parsing shared by the resource endpoints and the map layers.

Every parser raises a DRF ValidationError keyed by the parameter's name, so a
malformed value becomes a 400 that says which parameter is wrong, never a 500.
`AttackFilter` is the one place that decides what the attack filters mean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from incidents.models import Attack, Damage, Facility, OutageReport, Region, WeaponUse

BBOX_HELP = (
    "Bounding box min_lon,min_lat,max_lon,max_lat in WGS84 degrees, e.g. 22.1,44.3,40.2,52.4."
)
DATE_HELP = (
    "A date (2026-02-04, meaning that day in Kyiv time) or an ISO 8601 date-time "
    "(2026-02-04T03:00:00Z; without an offset, Kyiv time)."
)


def parse_bbox(value: str, name: str = "bbox") -> tuple[float, float, float, float]:
    """Parse "min_lon,min_lat,max_lon,max_lat" into four floats, checking ranges and order."""
    parts = [part.strip() for part in str(value).split(",")]
    if len(parts) != 4:
        raise ValidationError(
            {name: f"Give four numbers min_lon,min_lat,max_lon,max_lat; got {len(parts)} part(s)."}
        )
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise ValidationError(
            {name: "Every part must be a number: min_lon,min_lat,max_lon,max_lat."}
        ) from None
    if not all(math.isfinite(number) for number in numbers):
        raise ValidationError({name: "Every part must be a finite number."})
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ValidationError({name: "Longitudes must lie within -180…180."})
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ValidationError(
            {name: "Latitudes must lie within -90…90 (the order is lon,lat,lon,lat)."}
        )
    if min_lon >= max_lon or min_lat >= max_lat:
        raise ValidationError({name: "The minimum must be below the maximum on both axes."})
    return min_lon, min_lat, max_lon, max_lat


def bbox_polygon(bbox: tuple[float, float, float, float]) -> Polygon:
    polygon = Polygon.from_bbox(bbox)
    polygon.srid = 4326
    return polygon


def parse_date_or_datetime(name: str, value: str, *, end_of_day: bool = False) -> datetime:
    """Parse a date or an ISO 8601 date-time into an aware datetime.

    A bare date means the start of that day in Kyiv time, or with end_of_day
    the start of the next day, so that "before 2026-02-04" includes the 4th
    when the caller compares with "<".
    """
    text = str(value).strip()
    # An unencoded "+" in a query string arrives as a space: "…T03:00:00 02:00".
    text = re.sub(r"(T[\d:.]+) (\d\d:?\d\d)$", r"\1+\2", text)
    try:
        # Python's fromisoformat (inside parse_datetime) also reads a bare date, so try the
        # date first: it must mean the whole day, not midnight only.
        day = parse_date(text)
        moment = None if day else parse_datetime(text)
    except ValueError:
        # A well-formed but impossible value such as 2026-02-30.
        raise ValidationError({name: f"{text!r} is not a real date or time."}) from None
    if moment is None and day is None:
        raise ValidationError({name: f"{text!r} is not a date or date-time. {DATE_HELP}"})
    if day is not None:
        if end_of_day:
            day = day + timedelta(days=1)
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


# Limits on what one request may ask for: each search word is one more pattern match
# over every searched column, and each region code one more value to look up.
SEARCH_MAX_WORDS = 10
SEARCH_MAX_CHARS = 100
MAX_REGION_CODES = 50
REGION_CODE = re.compile(r"^[A-Z0-9]{1,3}-[A-Z0-9]{1,3}$")


def parse_search(value: str, name: str = "search") -> list[str]:
    """The words of a search, at most SEARCH_MAX_WORDS of them in SEARCH_MAX_CHARS characters."""
    text = str(value).strip()
    if len(text) > SEARCH_MAX_CHARS:
        raise ValidationError(
            {name: [f"Give at most {SEARCH_MAX_CHARS} characters to search for; got {len(text)}."]}
        )
    words = text.split()
    if len(words) > SEARCH_MAX_WORDS:
        raise ValidationError(
            {name: [f"Give at most {SEARCH_MAX_WORDS} words to search for; got {len(words)}."]}
        )
    return words


def parse_region_codes(values: Iterable[str], name: str = "region") -> tuple[str, ...]:
    """ISO 3166-2 codes, repeated or comma-separated, at most MAX_REGION_CODES of them.

    An unknown code is an error: an empty result would hide a typo. Checking the
    codes costs one query, and only when codes are given.
    """
    codes = list(
        dict.fromkeys(
            part.strip().upper()
            for value in values
            for part in str(value).split(",")
            if part.strip()
        )
    )
    if not codes:
        return ()
    if len(codes) > MAX_REGION_CODES:
        raise ValidationError(
            {name: [f"Give at most {MAX_REGION_CODES} region codes; got {len(codes)}."]}
        )
    # A value that cannot be a code (stray bytes, long text) is unknown without asking.
    plausible = [code for code in codes if REGION_CODE.match(code)]
    known = set(Region.objects.filter(code__in=plausible).values_list("code", flat=True))
    unknown = [code[:20] for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            {
                name: [
                    f"Unknown region code(s): {', '.join(unknown)}. "
                    "Use ISO 3166-2 codes, e.g. UA-30."
                ]
            }
        )
    return tuple(codes)


def parse_multi(name: str, values: Iterable[str], choices: Iterable[str]) -> list[str]:
    """Split repeated and comma-separated values; each must be one of the choices."""
    allowed = list(choices)
    result: list[str] = []
    for value in values:
        for item in str(value).split(","):
            item = item.strip()
            if not item:
                continue
            if item not in allowed:
                raise ValidationError({name: f"{item!r} is not one of: {', '.join(allowed)}."})
            if item not in result:
                result.append(item)
    return result


# --------------------------------------------------------------------------- form fields
# django-filter validates the query through a form; these fields reuse the parsers
# above so that the form's error (and so the 400) is keyed by the parameter's name.


def _form_error(message) -> forms.ValidationError:
    # django-filter formats messages with "%"; passing the text as a parameter keeps a
    # "%" the client sent from being read as a placeholder.
    text = message[0] if isinstance(message, list) else message
    return forms.ValidationError("%(message)s", params={"message": str(text)})


class BboxField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_bbox(value)
        except ValidationError as exc:
            raise _form_error(exc.detail["bbox"]) from None


class DateOrDateTimeField(forms.CharField):
    def __init__(self, *args, end_of_day: bool = False, **kwargs) -> None:
        self.end_of_day = end_of_day
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_date_or_datetime("value", value, end_of_day=self.end_of_day)
        except ValidationError as exc:
            raise _form_error(exc.detail["value"]) from None


class DateOrDateTimeFilter(django_filters.Filter):
    """Compare a date-time field with a date or date-time; `lookup_expr` gte or lt."""

    field_class = DateOrDateTimeField

    def __init__(self, *args, **kwargs) -> None:
        end_of_day = kwargs.get("lookup_expr") in ("lt", "lte")
        if kwargs.get("lookup_expr") == "lte":
            # A bare date "before" a day includes that whole day; compare with "<" then.
            kwargs["lookup_expr"] = "lt"
        kwargs.setdefault("help_text", DATE_HELP)
        super().__init__(*args, **kwargs)
        self.extra["end_of_day"] = end_of_day


class BboxFilter(django_filters.Filter):
    field_class = BboxField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("help_text", BBOX_HELP)
        super().__init__(*args, **kwargs)


class CsvMultipleChoiceField(forms.MultipleChoiceField):
    """Accept `?x=a&x=b` as well as `?x=a,b`."""

    def to_python(self, value):
        values = super().to_python([value] if isinstance(value, str) else value)
        return [item.strip() for value in values for item in value.split(",") if item.strip()]


class CsvMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = CsvMultipleChoiceField


class RegionCodeField(forms.Field):
    """ISO 3166-2 codes, repeatable or comma-separated; parse_region_codes decides."""

    widget = forms.SelectMultiple

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        return [value] if isinstance(value, str) else list(value)

    def clean(self, value) -> list[str]:
        value = super().clean(value)
        try:
            return list(parse_region_codes(value))
        except ValidationError as exc:
            raise _form_error(exc.detail["region"]) from None


class RegionCodeFilter(django_filters.Filter):
    """Filter by region code; `field_name` is the path to the region's code."""

    field_class = RegionCodeField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            "ISO 3166-2 region code, e.g. UA-30; repeat the parameter or separate codes "
            "with commas for several. An unknown code is a 400.",
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


def _subquery_filter(qs: QuerySet, through: QuerySet) -> QuerySet:
    """Filter by a related table without a join that would repeat rows."""
    return qs.filter(pk__in=through.values("attack_id"))


class UpdatedSinceMixin(django_filters.FilterSet):
    updated_since = DateOrDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only records changed at or after this moment (for synchronisation). "
        + DATE_HELP,
    )


def search_words(qs: QuerySet, fields: tuple[str, ...], words: Iterable[str]) -> QuerySet:
    """Rows where every word appears (any case) in one of the fields."""
    for word in words:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        qs = qs.filter(condition)
    return qs


class SearchField(forms.CharField):
    def clean(self, value) -> list[str]:
        value = super().clean(value)
        if not value:
            return []
        try:
            return parse_search(value)
        except ValidationError as exc:
            raise _form_error(exc.detail["search"]) from None


class SearchFilter(django_filters.CharFilter):
    """`search`: rows where every word appears in one of `search_fields` (see parse_search)."""

    field_class = SearchField

    def __init__(self, *args, search_fields: tuple[str, ...], **kwargs) -> None:
        self.search_fields = search_fields
        kwargs["help_text"] = (
            f"{kwargs.get('help_text', 'Words to look for.')} Every word must appear; "
            f"at most {SEARCH_MAX_WORDS} words and {SEARCH_MAX_CHARS} characters."
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        return search_words(qs, self.search_fields, value) if value else qs


class AttackFilter(UpdatedSinceMixin):
    """The attack filters analysts ask for; also used by the attack map layer."""

    started_after = DateOrDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = DateOrDateTimeFilter(field_name="started_at", lookup_expr="lte")
    region = RegionCodeFilter(method="filter_region")
    weapon_type = CsvMultipleChoiceFilter(
        choices=WeaponUse.WeaponType.choices,
        method="filter_weapon_type",
        help_text="Attacks that used this weapon type; repeatable.",
    )
    facility_kind = CsvMultipleChoiceFilter(
        choices=Facility.Kind.choices,
        method="filter_facility_kind",
        help_text="Attacks that damaged a facility of this kind; repeatable.",
    )
    severity = CsvMultipleChoiceFilter(
        choices=Damage.Severity.choices,
        method="filter_severity",
        help_text="Attacks that did damage of this severity; repeatable.",
    )
    service = CsvMultipleChoiceFilter(
        choices=OutageReport.Service.choices,
        method="filter_service",
        help_text="Attacks linked to outages of this service; repeatable.",
    )
    verification_status = CsvMultipleChoiceFilter(
        choices=Attack.Verification.choices, help_text="Repeatable."
    )
    bbox = BboxFilter(
        method="filter_bbox",
        help_text="Attacks whose impact point or a damaged facility lies in the box. " + BBOX_HELP,
    )
    search = SearchFilter(
        search_fields=("summary", "description"), help_text="Words in the summary or description."
    )

    class Meta:
        model = Attack
        fields: list[str] = []

    @extend_schema_field(OpenApiTypes.STR)
    def filter_region(self, qs, name, value):
        if not value:
            return qs
        return _subquery_filter(qs, Attack.regions.through.objects.filter(region__code__in=value))

    def filter_weapon_type(self, qs, name, value):
        return _subquery_filter(qs, WeaponUse.objects.filter(weapon_type__in=value))

    def filter_facility_kind(self, qs, name, value):
        return _subquery_filter(qs, Damage.objects.filter(facility__kind__in=value))

    def filter_severity(self, qs, name, value):
        return _subquery_filter(qs, Damage.objects.filter(severity__in=value))

    def filter_service(self, qs, name, value):
        return _subquery_filter(
            qs, OutageReport.objects.filter(service__in=value, attack__isnull=False)
        )

    @extend_schema_field(OpenApiTypes.STR)
    def filter_bbox(self, qs, name, value):
        box = bbox_polygon(value)
        damaged = Damage.objects.filter(facility__location__within=box).values("attack_id")
        return qs.filter(Q(impact_location__within=box) | Q(pk__in=damaged))
