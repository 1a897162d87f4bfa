"""Facilities from GeoJSON (e.g. an OpenStreetMap export of power plants and substations).

Points are used as they are; polygons (a plant's outline) by their centroid.
Properties follow OpenStreetMap's tags (name, name:en, name:uk, operator,
power, plant:source, generator:source, plant:output:electricity); the
`property_map` option maps other files' property names onto the same keys.
A feature's "line" in the report is its position in the file (1 = the first).

The file is parsed as a stream of JSON events (ijson), never whole: a first
pass checks that the top level is a FeatureCollection and counts its
features, building nothing; a second builds one feature at a time. A feature
nested deeper than any GeoJSON needs is rejected without being built, so a
hostile file costs neither the stack nor the memory.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import ijson
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext, gettext_noop
from ijson.common import ObjectBuilder

from incidents.imports.base import (
    Column,
    FileUnusable,
    Importer,
    Record,
    RowRejected,
    checked_point,
    not_utf8,
    open_binary,
)
from incidents.imports.options import ImportOption
from incidents.models import Facility, ImportJob
from incidents.services import facilities

SOURCE_KINDS = {
    "coal": Facility.Kind.THERMAL,
    "gas": Facility.Kind.THERMAL,
    "oil": Facility.Kind.THERMAL,
    "diesel": Facility.Kind.THERMAL,
    "hydro": Facility.Kind.HYDRO,
    "nuclear": Facility.Kind.NUCLEAR,
    "solar": Facility.Kind.SOLAR,
    "wind": Facility.Kind.WIND,
}
_CHP_NAME = re.compile(r"\bchp\b|\bchpp\b|тец|тэц|combined heat", re.IGNORECASE)
_HEATING_NAME = re.compile(r"boiler|котельн|heating plant", re.IGNORECASE)
_POWER = re.compile(r"^\s*([\d.,]+)\s*(kw|mw|gw)?\s*$", re.IGNORECASE)
_UNIT_FACTOR = {"kw": Decimal("0.001"), "mw": Decimal(1), "gw": Decimal(1000)}

# A feature with a polygon's coordinates is 6 levels deep (feature, geometry,
# coordinates, polygon, ring, position) and properties add a few; anything
# deeper is not a facility.
MAX_DEPTH = 64
NOT_A_COLLECTION = gettext_noop("This is not a GeoJSON FeatureCollection.")
_OPEN, _CLOSE = ("start_map", "start_array"), ("end_map", "end_array")


class _LineReader:
    """Hands the JSON parser the file one line at a time (a BOM dropped).

    The parser stops in the chunk it cannot read, so the line of the last
    chunk is the line of a syntax error. A long line comes in pieces of the
    size the parser asks for.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.line = 1  # the line the last chunk lies on
        self._next_line = 1
        self._first = True

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        chunk = self.raw.readline(size)
        if self._first and chunk:
            chunk, self._first = chunk.removeprefix(codecs.BOM_UTF8), False
        if chunk:
            self.line = self._next_line
            if chunk.endswith(b"\n"):
                self._next_line += 1
        return chunk


@contextmanager
def _json_events(job: ImportJob) -> Iterator[Iterator[tuple[str, Any]]]:
    """The file's JSON events (start_map, map_key, string, …), read as they are needed."""
    with open_binary(job) as raw:
        reader = _LineReader(raw)
        try:
            yield ijson.basic_parse(reader, use_float=True)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            if problem := not_utf8(job):
                raise problem from None
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            reason = str(reason).strip().splitlines()[0].rstrip(".")
            raise FileUnusable(
                gettext("The file is not valid JSON (line %(line)s: %(reason)s).")
                % {"line": reader.line, "reason": reason}
            ) from None


def _skip(event: str, events: Iterator[tuple[str, Any]]) -> None:
    """Read past a value whose first event was `event`."""
    depth = 1 if event in _OPEN else 0
    while depth:
        event, _ = next(events)
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1


def _feature(event: str, value: Any, events: Iterator[tuple[str, Any]], *, build: bool) -> Any:
    """Read one item of the features (all its events): the item built, if asked, or a
    RowRejected for one nested deeper than MAX_DEPTH, which is never built."""
    builder = ObjectBuilder() if build else None
    depth = deepest = 0
    while True:
        if event in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif event in _CLOSE:
            depth -= 1
        if builder is not None and deepest <= MAX_DEPTH:
            builder.event(event, value)
        if depth == 0:
            break
        event, value = next(events)
    if deepest > MAX_DEPTH:
        return RowRejected(
            gettext("The feature is nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH}
        )
    return builder.value if builder is not None else None


def features(events: Iterator[tuple[str, Any]], *, build: bool) -> Iterator[Any]:
    """Each item of a FeatureCollection's features, in the order of the file.

    Raises FileUnusable at the first event when the top level is not an object,
    and after the last when it is not a FeatureCollection with a list of
    features ("type" may come after "features").
    """
    event, _ = next(events, (None, None))
    if event != "start_map":
        raise FileUnusable(gettext(NOT_A_COLLECTION))
    kind, has_list = None, False
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)  # the value of `key`
        if key == "features" and event == "start_array":
            has_list = True
            for event, value in events:
                if event == "end_array":
                    break
                yield _feature(event, value, events, build=build)
            continue
        if key == "type":
            kind = value
        _skip(event, events)
    if kind != "FeatureCollection":
        raise FileUnusable(gettext(NOT_A_COLLECTION))
    if not has_list:
        raise FileUnusable(gettext("The FeatureCollection has no list of features."))


def parse_power(text: str) -> Decimal | None:
    """ "540 MW", "1.2 GW", "540" (MW) → megawatts; anything else → unknown."""
    match = _POWER.match(str(text or ""))
    if not match:
        return None
    try:
        number = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    factor = _UNIT_FACTOR[(match.group(2) or "mw").lower()]
    return (number * factor).quantize(Decimal("0.01"))


def tag_text(value: Any) -> str:
    """A property as the text of an OSM tag: a number the file wrote as 1970.0 is "1970"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def facility_kind(tags: dict[str, str]) -> str:
    name = " ".join(str(tags.get(key, "")) for key in ("name", "name:en", "name:uk"))
    if tags.get("power") == "substation":
        return Facility.Kind.SUBSTATION
    if _CHP_NAME.search(name):
        return Facility.Kind.CHP
    sources = [
        str(tags.get(key, "")).casefold().split(";")[0]
        for key in ("plant:source", "generator:source")
    ]
    for source in sources:
        if source in SOURCE_KINDS:
            kind = SOURCE_KINDS[source]
            if kind == Facility.Kind.THERMAL and tags.get("plant:output:hot_water"):
                return Facility.Kind.CHP
            return kind
    if _HEATING_NAME.search(name):
        return Facility.Kind.HEATING
    return Facility.Kind.OTHER


class FacilitiesGeoJsonImporter(Importer):
    label = "facilities GeoJSON"
    # Feature properties (OpenStreetMap's tags); none is required on its own.
    columns = (
        Column(
            "name",
            "the facility's name (or name:en; name:uk is the Ukrainian name).",
            "Darnytsia CHP",
        ),
        Column("@id", "the feature's id (or id, osm_id); a re-import matches on it.", "way/123456"),
        Column("operator", "who runs it.", "Kyivteploenergo"),
        Column(
            "power",
            "OpenStreetMap's power tag (plant, substation, line…), which sets the kind.",
            "plant",
        ),
        Column(
            "plant:source",
            "the fuel (coal, gas, hydro…; or generator:source), which sets the kind.",
            "gas",
        ),
        Column("plant:output:electricity", "electric capacity, e.g. 160 MW.", "160 MW"),
    )

    accepts = (
        ImportOption(
            "external_source",
            "text",
            'the data set\'s name, e.g. "osm" (default "geojson").',
            default="geojson",
            max_length=40,
        ),
        ImportOption(
            "property_map",
            "mapping",
            'our keys → the file\'s properties, e.g. {"name": "NAME_EN"}.',
        ),
    )

    def __init__(self, *, job) -> None:
        super().__init__(job=job)
        self.external_source = self.options["external_source"]
        self.property_map = self.options["property_map"]

    def count(self) -> int:
        with _json_events(self.job) as events:
            return sum(1 for _ in features(events, build=False))

    def records(self) -> Iterator[Record]:
        with _json_events(self.job) as events:
            for number, feature in enumerate(features(events, build=True), start=1):
                yield Record(number, feature)

    def tags(self, feature: dict) -> dict[str, str]:
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise RowRejected(gettext("The feature's properties are not an object."))
        tags = {str(k): v for k, v in properties.items() if v is not None}
        # OSM exports nest tags under "tags" (overpass) or keep them flat.
        if isinstance(tags.get("tags"), dict):
            tags = {**tags, **tags.pop("tags")}
        for ours, theirs in self.property_map.items():
            if theirs in tags:
                tags[ours] = tags[theirs]
        return {k: tag_text(v) if not isinstance(v, dict) else v for k, v in tags.items()}

    def external_id(self, feature: dict, tags: dict[str, str]) -> str:
        for key in ("@id", "id", "osm_id"):
            if tags.get(key):
                osm_type = tags.get("osm_type") or tags.get("type") or ""
                value = tags[key]
                if key == "osm_id" and osm_type and "/" not in value:
                    value = f"{osm_type}/{value}"
                return value[:100]
        if feature.get("id") not in (None, ""):
            return str(feature["id"])[:100]
        raise RowRejected(gettext("The feature has no id (@id, id or osm_id)."))

    def import_record(self, record: Record) -> str:
        feature = record.data
        if isinstance(feature, RowRejected):
            raise feature
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise RowRejected(gettext("Not a GeoJSON Feature."))
        tags = self.tags(feature)
        name = tags.get("name:en") or tags.get("name") or tags.get("name:uk") or ""
        if not name:
            raise RowRejected(gettext("The facility has no name (name, name:en or name:uk)."))
        geometry = feature.get("geometry")
        if not geometry:
            raise RowRejected(gettext("The feature has no geometry (coordinates are missing)."))
        try:
            shape = GEOSGeometry(json.dumps(geometry))
        except (GEOSException, ValueError, TypeError) as exc:
            raise RowRejected(
                gettext("The geometry cannot be read: %(error)s.") % {"error": exc}
            ) from None
        if shape.geom_type in ("Polygon", "MultiPolygon"):
            shape = shape.centroid
        elif shape.geom_type != "Point":
            raise RowRejected(
                gettext("A %(shape)s cannot be placed: use points or polygons.")
                % {"shape": shape.geom_type}
            )
        point = checked_point(shape.x, shape.y)
        name_uk = tags.get("name:uk") or ""
        values = {
            "name": name[:200],
            "name_uk": (name_uk if name_uk != name else "")[:200],
            "kind": facility_kind(tags),
            "location": point,
            "location_approximate": geometry.get("type") != "Point",
            "operator": tags.get("operator", "")[:200],
            "electric_capacity_mw": parse_power(tags.get("plant:output:electricity", "")),
        }
        _, result = facilities.facility_upsert(
            user=self.user,
            key={
                "external_source": self.external_source,
                "external_id": self.external_id(feature, tags),
            },
            values=values,
        )
        return result
