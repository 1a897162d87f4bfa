"""The one parser of query parameters: every filter value of every read endpoint comes from here.

Each collection declares its parameters once (incidents.api.declarations); `parse`
checks a query string against the declaration and returns a `Filters` value
object, which the ORM (the resource collections) and the SQL builders (map
layers, statistics, exports) both consume. The OpenAPI parameters are generated
from the same declarations, so the schema states exactly what the parser accepts.

A value the parser lets through cannot make the database fail: dates are range
checked, region codes looked up, numbers bounded. A mistake is a DRF
ValidationError keyed by the parameter, which the API answers with a 400
{"<param>": ["message"]}. A parameter the endpoint does not know is refused too,
so that `?from=2025-01-01` does not silently return everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal

from django.db import DatabaseError, transaction
from django.db.models import TextChoices
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from incidents.models import Region

# Accepted by every endpoint besides its own filters: how to render and page the answer,
# and the general-purpose ones clients send everywhere.
GENERAL_PARAMETERS = ("format", "page", "page_size", "ordering", "search", "fields", "view")

# `?view=public`: a logged-in user reads as an anonymous visitor would. The switch itself is
# made before the view runs (incidents.public.middleware); the parser only checks the value.
VIEWS = ("public",)
VIEW_HELP = (
    "public: answer as an anonymous visitor would see it (published records only, delayed "
    "and coarsened). Without it a logged-in user sees every record, drafts included."
)

BBOX_HELP = (
    "Bounding box lon,lat,lon,lat in WGS84 degrees: two opposite corners, in either order "
    "(22.1,44.3,40.2,52.4 and 40.2,52.4,22.1,44.3 are the same box). Longitudes within "
    "-180…180, latitudes within -90…90; a box of zero width or height is a line or a point."
)
DATE_HELP = (
    "A date (2026-02-04, meaning that day in Kyiv time) or an ISO 8601 date-time "
    "(2026-02-04T03:00:00Z; without an offset, Kyiv time). Years 1900 to 2100, "
    "offsets within ±14:00."
)
# A number of up to three integer digits, the shape the parser reads before it names
# the range a part breaks; the pattern below is the same with the ranges written out.
_NUMBER = r"-?\d{1,3}(\.\d+)?"
_BBOX_SHAPE = rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"
_LONGITUDE = r"-?(0?\d{1,2}|1[0-7]\d)(\.\d+)?|-?180(\.0+)?"
_LATITUDE = r"-?0?[0-8]?\d(\.\d+)?|-?0?90(\.0+)?"
_CORNER = rf"({_LONGITUDE}),({_LATITUDE})"
BBOX_PATTERN = rf"^{_CORNER},{_CORNER}$"
# The shape of a date or date-time; the parser then checks the year, the offset and
# that the day exists, each with its own message.
_DATE_SHAPE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"
# The same for the schema, with the ranges written out: the days that exist in the
# years 1900..2100 (29 February in leap years only: 1904…2096 by four, 2000 but not
# 1900 or 2100), hours and minutes, offsets within ±14:00.
_YEAR = r"(19\d\d|20\d\d|2100)"
_LEAP_YEAR = r"((19|20)([02468][48]|[13579][26]|[2468]0)|2000)"
_DAY = (
    rf"({_YEAR}-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12]\d|30)"
    r"|02-(0[1-9]|1\d|2[0-8]))"
    rf"|{_LEAP_YEAR}-02-29)"
)
# A day alone (YYYY-MM-DD), e.g. the day of a report.
DAY_PATTERN = rf"^{_DAY}$"
DATE_PATTERN = (
    rf"^{_DAY}"
    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
    r"(Z|[+-](0\d|1[0-3]):?[0-5]\d|[+-]14:?00)?)?$"
)
_CODE = r"[A-Za-z0-9]{1,3}-[A-Za-z0-9]{1,3}"
REGION_PATTERN = rf"^{_CODE}(,{_CODE})*$"
REGION_CODE_PATTERN = rf"^{_CODE}$"
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_OFFSET = timedelta(hours=14)
# Ids are 64-bit; a larger number cannot name a record.
MAX_ID = 2**63 - 1
# Limits on what one request may ask for: each search word is one more pattern match
# over every searched column, and each region code one more value to look up.
SEARCH_MAX_WORDS = 10
SEARCH_MAX_CHARS = 100
# The characters str.split() separates words at, written out: `\s` means other sets in
# Python's and in ECMA's regular expressions (\x1c-\x1f and \x85 in one, \ufeff in the other).
_BLANKS = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_BLANK = rf"[{_BLANKS}]"
# PostgreSQL cannot hold the NUL character in text, so a word cannot contain it.
_WORD = rf"[^{_BLANKS}\x00]+"
SEARCH_PATTERN = rf"^{_BLANK}*{_WORD}({_BLANK}+{_WORD}){{0,{SEARCH_MAX_WORDS - 1}}}{_BLANK}*$"
MAX_REGION_CODES = 50


@dataclass(frozen=True)
class Filters:
    """Validated filter values; an empty field filters nothing.

    `started_after`/`started_before` bound the collection's own moment: when an
    attack started, an outage figure's as_of, a source's publication, a deletion.
    `started_before` is exclusive: "before 4 February" arrives as the first
    instant of 5 February in Kyiv. A range that ends before it starts is kept as
    given and selects nothing. `search` holds the words, each of which must
    appear; which columns they are looked for in is the collection's business.
    """

    started_after: datetime | None = None
    started_before: datetime | None = None
    updated_since: datetime | None = None
    regions: tuple[str, ...] = ()
    weapon_types: tuple[str, ...] = ()
    facility_kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    verification_statuses: tuple[str, ...] = ()
    publication_states: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    restorations: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    reliabilities: tuple[str, ...] = ()
    credibilities: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    search: tuple[str, ...] = ()
    attack: int | None = None
    facility: int | None = None
    interval: str | None = None
    zoom: int | None = None

    @property
    def narrows_attacks(self) -> bool:
        """Whether a filter about attacks (not places) is active."""
        return bool(
            self.started_after
            or self.started_before
            or self.weapon_types
            or self.severities
            or self.verification_statuses
            or self.publication_states
            or self.services
        )


# --------------------------------------------------------------------------- value parsers


def _error(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def parse_bbox(value: str, name: str = "bbox") -> tuple[float, float, float, float]:
    """Parse two corners "lon,lat,lon,lat" into (min_lon, min_lat, max_lon, max_lat).

    The corners may come in either order; the box is the one they span. A box of
    zero width or height is allowed: it holds what lies on that line or point.
    """
    text = str(value)
    if not re.match(_BBOX_SHAPE, text):
        raise _error(name, gettext("Give four numbers lon,lat,lon,lat, e.g. 22.1,44.3,40.2,52.4."))
    lon1, lat1, lon2, lat2 = (float(part) for part in text.split(","))
    if not (-180 <= lon1 <= 180 and -180 <= lon2 <= 180):
        raise _error(name, gettext("Longitudes must lie within -180…180."))
    if not (-90 <= lat1 <= 90 and -90 <= lat2 <= 90):
        raise _error(
            name, gettext("Latitudes must lie within -90…90 (the order is lon,lat,lon,lat).")
        )
    return min(lon1, lon2), min(lat1, lat2), max(lon1, lon2), max(lat1, lat2)


def parse_moment(name: str, value: str, *, end_of_day: bool = False) -> datetime:
    """Parse a date or an ISO 8601 date-time into an aware datetime within MIN_YEAR..MAX_YEAR.

    A bare date means the start of that day in Kyiv time, or with end_of_day the
    start of the next day, so that "before 2026-02-04" includes the 4th when the
    caller compares with "<".
    """
    text = str(value).strip()
    # An unencoded "+" in a query string arrives as a space: "…T03:00:00 02:00".
    text = re.sub(r"(T[\d:.]+) (\d\d:?\d\d)$", r"\1+\2", text)
    shown = repr(text[:40])
    if not re.match(_DATE_SHAPE, text):
        raise _error(name, f"{shown} is not a date or date-time. {DATE_HELP}")
    try:
        # Python's fromisoformat (inside parse_datetime) also reads a bare date, so try the
        # date first: it must mean the whole day, not midnight only.
        day = parse_date(text)
        moment = None if day else parse_datetime(text)
    except ValueError:
        # A well-formed but impossible value such as 2026-02-30 or an offset of 25 hours.
        raise _error(name, f"{shown} is not a real date or time.") from None
    if moment is None and day is None:
        raise _error(name, f"{shown} is not a date or date-time. {DATE_HELP}")
    year = (day or moment).year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _error(
            name,
            gettext("The year must lie within %(min)s…%(max)s; got %(year)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR, "year": year},
        )
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min)
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise _error(name, gettext("A UTC offset must lie within -14:00…+14:00."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_search(value: str, name: str = "search") -> tuple[str, ...]:
    """The words of a search, at most SEARCH_MAX_WORDS of them in SEARCH_MAX_CHARS characters."""
    text = str(value)
    if len(text) > SEARCH_MAX_CHARS:
        raise _error(
            name,
            gettext("Give at most %(max)s characters to search for; got %(got)s.")
            % {"max": SEARCH_MAX_CHARS, "got": len(text)},
        )
    if "\x00" in text:
        raise _error(name, gettext("A search cannot contain the NUL character (\\x00)."))
    words = text.split()
    if len(words) > SEARCH_MAX_WORDS:
        raise _error(
            name,
            gettext("Give at most %(max)s words to search for; got %(got)s.")
            % {"max": SEARCH_MAX_WORDS, "got": len(words)},
        )
    return tuple(words)


def _items(values: Iterable[str]) -> list[str]:
    """Repeated and comma-separated values, in order, once each."""
    return list(
        dict.fromkeys(
            item.strip() for value in values for item in str(value).split(",") if item.strip()
        )
    )


def parse_choices(name: str, values: Iterable[str], choices: Sequence[str]) -> tuple[str, ...]:
    """Split repeated and comma-separated values; each must be one of the choices."""
    items = _items(values)
    for item in items:
        if item not in choices:
            raise _error(name, f"{item[:40]!r} is not one of: {', '.join(choices)}.")
    return tuple(items)


def parse_region_codes(values: Iterable[str], name: str = "region") -> tuple[str, ...]:
    """ISO 3166-2 codes, repeated or comma-separated, at most MAX_REGION_CODES of them.

    An unknown code is an error: an empty result would hide a typo. Checking the
    codes costs one query, and only when codes are given.
    """
    given = [item for value in values for item in str(value).split(",") if item.strip()]
    # Counted as given, repeats included, as the schema's maxItems counts them.
    if len(given) > MAX_REGION_CODES:
        raise _error(
            name,
            gettext("Give at most %(max)s region codes; got %(got)s.")
            % {"max": MAX_REGION_CODES, "got": len(given)},
        )
    codes = [code.upper() for code in _items(values)]
    if len(codes) > MAX_REGION_CODES:
        raise _error(
            name,
            gettext("Give at most %(max)s region codes; got %(got)s.")
            % {"max": MAX_REGION_CODES, "got": len(codes)},
        )
    if not codes:
        return ()
    # A value that cannot be a code (stray bytes, long text) is unknown without asking.
    plausible = [code for code in codes if re.fullmatch(_CODE, code)]
    known = set(Region.objects.filter(code__in=plausible).values_list("code", flat=True))
    unknown = [code[:20] for code in codes if code not in known]
    if unknown:
        raise _error(
            name,
            gettext("Unknown region code(s): %(codes)s. Use ISO 3166-2 codes, e.g. UA-30.")
            % {"codes": ", ".join(unknown)},
        )
    return tuple(codes)


def parse_id(name: str, value: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise _error(
            name, gettext("Give a record id, a whole number from 1 to %(max)s.") % {"max": MAX_ID}
        )
    return int(text)


def parse_integer(name: str, value: str, minimum: int, maximum: int) -> int:
    text = str(value).strip()
    if not re.fullmatch(r"-?\d{1,9}", text) or not minimum <= int(text) <= maximum:
        raise _error(
            name,
            gettext("Give a whole number from %(min)s to %(max)s; got %(got)s.")
            % {"min": minimum, "max": maximum, "got": repr(text[:20])},
        )
    return int(text)


def with_stored_codes(schema: dict) -> dict:
    """A region parameter's schema with the stored codes as its enum, read now.

    The declarations are built at import; the schema is generated per request, and
    calls this then (incidents.api.schema). The parser looks the codes up, so the
    enum is what it accepts (it also takes lower case and comma lists, which the
    schema does not offer). Any other schema, or no region stored yet, is returned
    as it is: the codes' shape.
    """
    item = schema.get("items", schema)
    if item.get("pattern") not in (REGION_PATTERN, REGION_CODE_PATTERN):
        return schema
    try:
        # A savepoint, so that a failure leaves an enclosing transaction usable.
        with transaction.atomic():
            codes = list(Region.objects.order_by("code").values_list("code", flat=True))
    except DatabaseError:
        # No table yet: the system checks generate the schema before any migration.
        return schema
    if not codes:
        return schema
    enum = {"type": "string", "enum": codes}
    return {**schema, "items": enum} if "items" in schema else enum


# --------------------------------------------------------------------------- declarations


Kind = Literal["after", "before", "choices", "one", "regions", "bbox", "id", "search", "integer"]


@dataclass(frozen=True)
class Param:
    """One query parameter: its name, the Filters field it fills and how it is read.

    `kind` is one of: after, before (moments; before is exclusive), choices (one or
    more of `choices`), regions (ISO 3166-2 codes), bbox, id, search, one (exactly
    one of `choices`), integer (a whole number within `minimum`…`maximum`). `lookup` is
    the ORM path a collection filtered in the ORM compares it with; collections built on
    the SQL selections leave it empty.
    """

    name: str
    field: str
    kind: Kind
    description: str
    choices: tuple[str, ...] = ()
    lookup: str = ""
    required: bool = False
    many: bool = True
    minimum: int = 0
    maximum: int = 0

    def parse(self, values: list[str]) -> object:
        name = self.name
        single = not self.many or self.kind in (
            "after",
            "before",
            "bbox",
            "id",
            "search",
            "integer",
        )
        if single and len(values) > 1:
            raise _error(name, gettext("Give this parameter once."))
        if not self.many and self.kind in ("choices", "regions", "one") and "," in values[0]:
            raise _error(name, gettext("Give exactly one value."))
        value = values[0]
        if self.kind in ("after", "before"):
            return parse_moment(name, value, end_of_day=self.kind == "before")
        if self.kind == "bbox":
            return parse_bbox(value, name)
        if self.kind == "id":
            return parse_id(name, value)
        if self.kind == "integer":
            return parse_integer(name, value, self.minimum, self.maximum)
        if self.kind == "search":
            return parse_search(value, name)
        if self.kind == "regions":
            # Checked by `parse` after the rest: it is the one check that queries.
            return tuple(values)
        chosen = parse_choices(name, values, self.choices)
        return chosen[0] if self.kind == "one" else chosen

    def schema(self) -> dict:
        """The JSON schema of one value, with the constraints `parse` enforces."""
        if self.kind in ("after", "before"):
            return {"type": "string", "pattern": DATE_PATTERN}
        if self.kind == "bbox":
            return {"type": "string", "pattern": BBOX_PATTERN}
        if self.kind == "id":
            return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        if self.kind == "integer":
            return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        if self.kind == "search":
            return {
                "type": "string",
                "pattern": SEARCH_PATTERN,
                "maxLength": SEARCH_MAX_CHARS,
            }
        if self.kind == "regions":
            item = {
                "type": "string",
                "pattern": REGION_PATTERN if self.many else REGION_CODE_PATTERN,
            }
        else:
            item = {"type": "string", "enum": list(self.choices)}
        if not self.many:
            return item
        array = {"type": "array", "items": item}
        if self.kind == "regions":
            array["maxItems"] = MAX_REGION_CODES
        return array

    def openapi(self) -> OpenApiParameter:
        many = self.schema().get("type") == "array"
        return OpenApiParameter(
            self.name,
            self.schema(),
            required=self.required,
            explode=True if many else None,
            description=self.description,
            allow_blank=False,
        )


@dataclass(frozen=True)
class Declaration:
    """The query parameters of one collection (or endpoint), in documentation order."""

    params: tuple[Param, ...]
    # Other parameters the endpoint reads itself, e.g. `cursor`.
    also: tuple[str, ...] = ()
    by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {param.name: param for param in self.params})

    def __add__(self, other: Declaration) -> Declaration:
        return Declaration((*self.params, *other.params), (*self.also, *other.also))

    def accepted(self, also: Iterable[str] = ()) -> list[str]:
        return sorted({*self.by_name, *GENERAL_PARAMETERS, *self.also, *also})

    def parse(self, query: QueryDict, *, also: Iterable[str] = ()) -> Filters:
        """Every declared filter from the query string; all errors found are reported at once."""
        accepted = self.accepted(also)
        errors: dict[str, list[str]] = {}
        values: dict[str, object] = {}
        for name in query:
            if name not in accepted:
                errors[name[:40]] = [
                    gettext("Unknown parameter %(name)s. Accepted: %(accepted)s.")
                    % {"name": repr(name[:40]), "accepted": ", ".join(accepted)}
                ]
        if "view" in query:
            errors.update(view_errors(query.getlist("view")))
        for param in self.params:
            given = query.getlist(param.name)
            if not given:
                if param.required:
                    errors[param.name] = [gettext("This is required.")]
                continue
            if any(not value.strip() for value in given):
                errors[param.name] = [gettext("Give a value, or leave the parameter out.")]
                continue
            try:
                values[param.field] = param.parse(given)
            except ValidationError as error:
                errors.update(error.detail)
        for param in self.params:
            if param.kind == "regions" and param.field in values and not errors:
                try:
                    values[param.field] = parse_region_codes(values[param.field], param.name)
                except ValidationError as error:
                    errors.update(error.detail)
        if errors:
            raise ValidationError(errors)
        return Filters(**values)

    def openapi(self) -> list[OpenApiParameter]:
        return [*(param.openapi() for param in self.params), VIEW_PARAMETER]


def view_errors(values: list[str]) -> dict[str, list[str]]:
    """What is wrong with the `view` values given, if anything."""
    if len(values) > 1:
        return {"view": [gettext("Give this parameter once.")]}
    if values[0] not in VIEWS:
        return {"view": [f"{values[0][:40]!r} is not one of: {', '.join(VIEWS)}. {VIEW_HELP}"]}
    return {}


# Every read documents it: the ones built on a declaration through `Declaration.openapi`,
# a record's detail through incidents.api.schema.
VIEW_PARAMETER = OpenApiParameter(
    "view", {"type": "string", "enum": list(VIEWS)}, description=VIEW_HELP, allow_blank=False
)


def moment(
    name: str,
    kind: Literal["after", "before"],
    description: str,
    *,
    into: str = "",
    lookup: str = "",
) -> Param:
    """A date or date-time parameter; `into` defaults to started_after/started_before."""
    default = "started_after" if kind == "after" else "started_before"
    return Param(name, into or default, kind, f"{description} {DATE_HELP}", lookup=lookup)


def choices(
    name: str, into: str, enum: type[TextChoices], description: str, *, lookup: str = ""
) -> Param:
    return Param(
        name,
        into,
        "choices",
        f"{description} Repeat the parameter or separate values with commas for several.",
        choices=tuple(enum.values),
        lookup=lookup,
    )


def regions(description: str, *, lookup: str = "") -> Param:
    return Param(
        "region",
        "regions",
        "regions",
        f"{description} ISO 3166-2 codes, e.g. UA-30; repeat the parameter or separate codes "
        f"with commas for several, at most {MAX_REGION_CODES}. An unknown code is a 400.",
        lookup=lookup,
    )


def bbox(description: str, *, lookup: str = "") -> Param:
    return Param("bbox", "bbox", "bbox", f"{description} {BBOX_HELP}", lookup=lookup, many=False)


def search(columns: str, lookups: Sequence[str] = ()) -> Param:
    return Param(
        "search",
        "search",
        "search",
        f"Words in {columns}. Every word must appear; at most {SEARCH_MAX_WORDS} words "
        f"and {SEARCH_MAX_CHARS} characters.",
        lookup=",".join(lookups),
        many=False,
    )


def integer(name: str, description: str, *, minimum: int, maximum: int) -> Param:
    return Param(
        name,
        name,
        "integer",
        f"{description} A whole number from {minimum} to {maximum}.",
        many=False,
        minimum=minimum,
        maximum=maximum,
    )


def record(name: str, description: str, *, lookup: str = "") -> Param:
    return Param(name, name, "id", description, lookup=lookup, many=False)


UPDATED_SINCE = moment(
    "updated_since",
    "after",
    "Only records changed at or after this moment (for synchronisation).",
    into="updated_since",
    lookup="updated_at",
)
