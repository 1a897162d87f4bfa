"""Ukraine's first-level units: the built-in table and loading boundaries from GeoJSON.

Boundaries come from a GeoJSON FeatureCollection (geoBoundaries' ADM1 file or
any file with an ISO 3166-2 code per feature). Names of known units always come
from the built-in table, because files spell them differently ("Odessa").
Without any file the table alone gives the 27 units without polygons, so the
app works, but points cannot be placed into regions.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError

from incidents.models import Region
from incidents.models.regions import REGION_CODE_RE
from incidents.services.base import User
from incidents.services.regions import as_multipolygon, region_upsert

# --------------------------------------------------------------------------- built-in table


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name_en: str
    name_uk: str
    kind: str


_OBLAST, _CITY, _REPUBLIC = Region.Kind.OBLAST, Region.Kind.CITY, Region.Kind.REPUBLIC

# English names follow Ukraine's official transliteration (2010), as used by the
# government and the UN; Ukrainian names are the ones in the Constitution.
UKRAINE_UNITS: tuple[UnitInfo, ...] = (
    UnitInfo("UA-05", "Vinnytsia Oblast", "Вінницька область", _OBLAST),
    UnitInfo("UA-07", "Volyn Oblast", "Волинська область", _OBLAST),
    UnitInfo("UA-09", "Luhansk Oblast", "Луганська область", _OBLAST),
    UnitInfo("UA-12", "Dnipropetrovsk Oblast", "Дніпропетровська область", _OBLAST),
    UnitInfo("UA-14", "Donetsk Oblast", "Донецька область", _OBLAST),
    UnitInfo("UA-18", "Zhytomyr Oblast", "Житомирська область", _OBLAST),
    UnitInfo("UA-21", "Zakarpattia Oblast", "Закарпатська область", _OBLAST),
    UnitInfo("UA-23", "Zaporizhzhia Oblast", "Запорізька область", _OBLAST),
    UnitInfo("UA-26", "Ivano-Frankivsk Oblast", "Івано-Франківська область", _OBLAST),
    UnitInfo("UA-30", "Kyiv", "Київ", _CITY),
    UnitInfo("UA-32", "Kyiv Oblast", "Київська область", _OBLAST),
    UnitInfo("UA-35", "Kirovohrad Oblast", "Кіровоградська область", _OBLAST),
    UnitInfo("UA-40", "Sevastopol", "Севастополь", _CITY),
    UnitInfo("UA-43", "Autonomous Republic of Crimea", "Автономна Республіка Крим", _REPUBLIC),
    UnitInfo("UA-46", "Lviv Oblast", "Львівська область", _OBLAST),
    UnitInfo("UA-48", "Mykolaiv Oblast", "Миколаївська область", _OBLAST),
    UnitInfo("UA-51", "Odesa Oblast", "Одеська область", _OBLAST),
    UnitInfo("UA-53", "Poltava Oblast", "Полтавська область", _OBLAST),
    UnitInfo("UA-56", "Rivne Oblast", "Рівненська область", _OBLAST),
    UnitInfo("UA-59", "Sumy Oblast", "Сумська область", _OBLAST),
    UnitInfo("UA-61", "Ternopil Oblast", "Тернопільська область", _OBLAST),
    UnitInfo("UA-63", "Kharkiv Oblast", "Харківська область", _OBLAST),
    UnitInfo("UA-65", "Kherson Oblast", "Херсонська область", _OBLAST),
    UnitInfo("UA-68", "Khmelnytskyi Oblast", "Хмельницька область", _OBLAST),
    UnitInfo("UA-71", "Cherkasy Oblast", "Черкаська область", _OBLAST),
    UnitInfo("UA-74", "Chernihiv Oblast", "Чернігівська область", _OBLAST),
    UnitInfo("UA-77", "Chernivtsi Oblast", "Чернівецька область", _OBLAST),
)
UNITS_BY_CODE: dict[str, UnitInfo] = {unit.code: unit for unit in UKRAINE_UNITS}

# Property names that different publishers use for the code and the names,
# in the order they are tried.
CODE_KEYS = ("shapeISO", "ISO3166-2", "iso_3166_2", "ISO_3166_2", "iso", "code", "ref")
NAME_EN_KEYS = ("name_en", "name:en", "shapeName", "NAME_1", "name")
NAME_UK_KEYS = ("name_uk", "name:uk")


NO_BOUNDARIES_CONSEQUENCE = (
    "Regions have no boundaries: points (facilities, impact locations) cannot be "
    "placed into regions until boundaries are loaded with `manage.py load_regions PATH`."
)


# --------------------------------------------------------------------------- results


class RegionSourceError(Exception):
    """The input as a whole cannot be used: missing file, not JSON, not a FeatureCollection."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    with_boundary: int = 0
    warnings: list[str] = field(default_factory=list)

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, skipped {self.skipped}"
        )


@dataclass(frozen=True)
class ParsedUnit:
    code: str
    name_en: str
    name_uk: str
    kind: str
    boundary: MultiPolygon


# --------------------------------------------------------------------------- reading


def read_geojson_file(path: str | Path) -> dict[str, Any]:
    """The FeatureCollection in a file; RegionSourceError says what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise RegionSourceError(f"{path}: no such file.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegionSourceError(f"{path}: cannot be read: {exc}") from exc
    return parse_feature_collection_text(text, origin=str(path))


def parse_feature_collection_text(text: str, *, origin: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegionSourceError(
            f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    check_feature_collection(data, origin=origin)
    return data


def check_feature_collection(data: Any, *, origin: str) -> None:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise RegionSourceError(f"{origin}: expected a GeoJSON FeatureCollection, found {found!r}.")
    if not isinstance(data.get("features"), list):
        raise RegionSourceError(f"{origin}: the FeatureCollection has no 'features' list.")


def _first(properties: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = properties.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return ""


def _boundary(geometry: Any) -> MultiPolygon:
    """A MultiPolygon in SRID 4326 from a GeoJSON geometry; ValueError says why not."""
    if not isinstance(geometry, dict) or not geometry.get("type"):
        raise ValueError("has no geometry")
    if geometry["type"] not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"has a {geometry['type']} geometry; a region needs a (Multi)Polygon")
    try:
        geom = GEOSGeometry(json.dumps(geometry))
    except (GEOSException, GDALException, ValueError, TypeError) as exc:
        raise ValueError(f"has a geometry that cannot be read ({exc})") from exc
    if geom.empty:
        raise ValueError("has an empty geometry")
    # GeoJSON coordinates are WGS84 longitude/latitude by definition (RFC 7946).
    geom.srid = 4326
    xmin, ymin, xmax, ymax = geom.extent
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        raise ValueError(
            "has coordinates outside longitude/latitude ranges; the file must be in WGS84"
        )
    if not geom.valid:
        # Simplified boundaries sometimes self-touch; repair rather than reject.
        geom = geom.make_valid()
        polygons = [g for g in _flatten(geom) if isinstance(g, Polygon)]
        if not polygons:
            raise ValueError(f"has an invalid geometry ({geom.geom_type} after repair)")
        geom = MultiPolygon(*polygons, srid=4326)
    return as_multipolygon(geom)


def _flatten(geom: GEOSGeometry) -> list[GEOSGeometry]:
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [part for child in geom for part in _flatten(child)]
    return [geom]


def parse_features(data: Mapping[str, Any]) -> tuple[list[ParsedUnit], list[str]]:
    """Units from a FeatureCollection, and a warning per feature that had to be skipped."""
    units: list[ParsedUnit] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for index, feature in enumerate(data["features"]):
        where = f"Feature {index}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            warnings.append(f"{where}: not a GeoJSON Feature; skipped.")
            continue
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            properties = {}
        code = _first(properties, CODE_KEYS).upper()
        if not code:
            warnings.append(
                f"{where}: no ISO 3166-2 code (looked for {', '.join(CODE_KEYS)}); skipped."
            )
            continue
        where = f"Feature {index} ({code})"
        if not REGION_CODE_RE.match(code):
            warnings.append(f"{where}: not an ISO 3166-2 code such as UA-30; skipped.")
            continue
        if code in seen:
            warnings.append(f"{where}: the code appears again; only its first feature is used.")
            continue
        try:
            boundary = _boundary(feature.get("geometry"))
        except ValueError as exc:
            warnings.append(f"{where}: {exc}; skipped.")
            continue
        known = UNITS_BY_CODE.get(code)
        if known is not None:
            name_en, name_uk, kind = known.name_en, known.name_uk, known.kind
        else:
            name_en = _first(properties, NAME_EN_KEYS)
            name_uk = _first(properties, NAME_UK_KEYS)
            kind = Region.Kind.OBLAST
            if not name_en:
                warnings.append(f"{where}: an unknown code without a name; skipped.")
                continue
        seen.add(code)
        units.append(ParsedUnit(code, name_en[:100], name_uk[:100], kind, boundary))
    return units, warnings


# --------------------------------------------------------------------------- loading


def load_feature_collection(data: Mapping[str, Any], *, user: User = None) -> LoadResult:
    """Upsert every good feature by its code; bad ones are counted and explained."""
    units, warnings = parse_features(data)
    return load_units(units, user=user, result=LoadResult(skipped=len(warnings), warnings=warnings))


def load_units(
    units: Iterable[ParsedUnit], *, user: User = None, result: LoadResult | None = None
) -> LoadResult:
    """Upsert parsed units by their codes through the region service."""
    result = result or LoadResult()
    for unit in units:
        try:
            before = _snapshot(unit.code)
            _region, created = region_upsert(
                user=user,
                code=unit.code,
                name_en=unit.name_en,
                name_uk=unit.name_uk,
                kind=unit.kind,
                boundary=unit.boundary,
            )
        except ValidationError as exc:
            result.skipped += 1
            result.warnings.append(f"{unit.code}: rejected: {'; '.join(exc.messages)}")
            continue
        result.count(created, changed=_snapshot(unit.code) != before)
        result.with_boundary += 1
    return result


def load_builtin_table(*, user: User = None) -> LoadResult:
    """The 27 units from the table; polygons already stored are kept."""
    result = LoadResult()
    for unit in UKRAINE_UNITS:
        before = _snapshot(unit.code)
        region, created = region_upsert(
            user=user,
            code=unit.code,
            name_en=unit.name_en,
            name_uk=unit.name_uk,
            kind=unit.kind,
            keep_boundary=True,
        )
        result.count(created, changed=_snapshot(unit.code) != before)
        if region.boundary is not None:
            result.with_boundary += 1
    return result


def _snapshot(code: str) -> Any:
    """When a row was last written: tells an update from a no-op without another query path."""
    return Region.objects.filter(code=code).values_list("updated_at", flat=True).first()


# --------------------------------------------------------------------------- downloading


class RegionDownloadError(Exception):
    """The boundaries could not be downloaded; the message names the step that failed."""


def _fetch_json(url: str, *, timeout: float, step: str) -> Any:
    if not url.lower().startswith(("http://", "https://")):
        raise RegionDownloadError(f"{step}: {url!r} is not an http(s) URL.")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above.
        url, headers={"Accept": "application/json", "User-Agent": "infra-tracker"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise RegionDownloadError(f"{step}: {url} answered HTTP {exc.code}.") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegionDownloadError(f"{step}: {url} could not be reached ({reason}).") from exc
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionDownloadError(f"{step}: {url} did not answer JSON ({exc}).") from exc


def download_feature_collection(url: str, *, timeout: float) -> dict[str, Any]:
    """geoBoundaries' ADM1 file: the API answers metadata with a link to the GeoJSON.

    A URL that answers a FeatureCollection directly is used as it is.
    """
    data = _fetch_json(url, timeout=timeout, step="Downloading the boundary metadata")
    if isinstance(data, list) and len(data) == 1:
        data = data[0]  # The API answers a list when asked for several boundaries.
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        geojson_url, collection = url, data
    else:
        links = (
            [data.get("simplifiedGeometryGeoJSON"), data.get("gjDownloadURL")]
            if isinstance(data, dict)
            else []
        )
        geojson_url = next((link for link in links if isinstance(link, str) and link), "")
        if not geojson_url:
            raise RegionDownloadError(
                f"Reading the boundary metadata: {url} answered neither a FeatureCollection "
                "nor a simplifiedGeometryGeoJSON / gjDownloadURL link."
            )
        collection = _fetch_json(
            geojson_url, timeout=timeout, step="Downloading the boundary GeoJSON"
        )
    try:
        check_feature_collection(collection, origin=geojson_url)
    except RegionSourceError as exc:
        raise RegionDownloadError(f"Reading the downloaded boundaries: {exc}") from exc
    return collection


# --------------------------------------------------------------------------- the whole job


@dataclass
class RegionLoad:
    """What `load_regions` did: where the data came from, and why it fell back if it did."""

    result: LoadResult
    origin: str
    fallback_reason: str = ""


def load_regions(
    *,
    path: str | Path | None = None,
    geojson_setting: str = "",
    download_url: str = "",
    timeout: float = 10,
    user: User = None,
) -> RegionLoad:
    """Load boundaries from a path, else the configured file, else a download, else the table.

    A path the operator named that cannot be read raises RegionSourceError: that
    is a mistake to fix, not a reason to silently load less. A failed download
    falls back to the built-in table, which keeps polygons already stored.
    """
    chosen = path or geojson_setting
    if chosen:
        data = read_geojson_file(chosen)
        return RegionLoad(load_feature_collection(data, user=user), origin=str(chosen))
    if download_url:
        try:
            data = download_feature_collection(download_url, timeout=timeout)
        except RegionDownloadError as exc:
            return RegionLoad(
                load_builtin_table(user=user), origin="built-in table", fallback_reason=str(exc)
            )
        return RegionLoad(load_feature_collection(data, user=user), origin=download_url)
    return RegionLoad(
        load_builtin_table(user=user),
        origin="built-in table",
        fallback_reason="No boundary file is configured and downloading is not enabled.",
    )
