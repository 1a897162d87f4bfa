"""Facilities from GeoJSON (e.g. an OpenStreetMap export of power plants and substations).

Points are used as they are; polygons (a plant's outline) by their centroid.
Properties follow OpenStreetMap's tags (name, name:en, name:uk, operator,
power, plant:source, generator:source, plant:output:electricity); the
`property_map` option maps other files' property names onto the same keys.
A feature's "line" in the report is its position in the file (1 = the first).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from django.contrib.gis.geos import GEOSException, GEOSGeometry

from incidents import services
from incidents.importers.base import FileUnusable, Importer, Record, RowRejected, checked_point
from incidents.models import Facility

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

    def __init__(self, *, job) -> None:
        super().__init__(job=job)
        self.external_source = str(self.options.get("external_source") or "geojson")[:40]
        mapping = self.options.get("property_map") or {}
        self.property_map = {str(k): str(v) for k, v in mapping.items()}

    def open(self, text: str) -> tuple[int, Iterator[Record]]:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileUnusable(
                f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
            ) from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise FileUnusable("This is not a GeoJSON FeatureCollection.")
        features = document.get("features")
        if not isinstance(features, list):
            raise FileUnusable("The FeatureCollection has no list of features.")
        return len(features), (
            Record(number, feature) for number, feature in enumerate(features, start=1)
        )

    def tags(self, feature: dict) -> dict[str, str]:
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise RowRejected("The feature's properties are not an object.")
        tags = {str(k): v for k, v in properties.items() if v is not None}
        # OSM exports nest tags under "tags" (overpass) or keep them flat.
        if isinstance(tags.get("tags"), dict):
            tags = {**tags, **tags.pop("tags")}
        for ours, theirs in self.property_map.items():
            if theirs in tags:
                tags[ours] = tags[theirs]
        return {k: str(v).strip() if not isinstance(v, dict) else v for k, v in tags.items()}

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
        raise RowRejected("The feature has no id (@id, id or osm_id).")

    def import_record(self, record: Record) -> str:
        feature = record.data
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise RowRejected("Not a GeoJSON Feature.")
        tags = self.tags(feature)
        name = tags.get("name:en") or tags.get("name") or tags.get("name:uk") or ""
        if not name:
            raise RowRejected("The facility has no name (name, name:en or name:uk).")
        geometry = feature.get("geometry")
        if not geometry:
            raise RowRejected("The feature has no geometry (coordinates are missing).")
        try:
            shape = GEOSGeometry(json.dumps(geometry))
        except (GEOSException, ValueError, TypeError) as exc:
            raise RowRejected(f"The geometry cannot be read: {exc}.") from None
        if shape.geom_type in ("Polygon", "MultiPolygon"):
            shape = shape.centroid
        elif shape.geom_type != "Point":
            raise RowRejected(f"A {shape.geom_type} cannot be placed: use points or polygons.")
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
        _, result = services.record_upsert(
            model=Facility,
            user=self.user,
            key={
                "external_source": self.external_source,
                "external_id": self.external_id(feature, tags),
            },
            values=values,
        )
        return result
