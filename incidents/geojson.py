"""Map layers built by PostgreSQL: one statement returns the whole FeatureCollection as text.

The dashboard asks for tens of thousands of features at once. Building the
GeoJSON with json_build_object / json_agg / ST_AsGeoJSON and handing the text
straight to the response keeps Python from touching each feature; it is an
order of magnitude faster than serialising model instances.

Every value that comes from a request is a bound parameter. The only strings
formatted into the SQL are table names from the models' metadata and the
condition fragments written below.
"""

# The SQL is assembled from table names and fixed fragments; every value is bound (S608).
# ruff: noqa: S608

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.urls import reverse

from incidents.api.query import Filters
from incidents.database import reading_connection
from incidents.mapgrid import (
    CELL_ZOOM_OFFSET,
    GRID_ZOOM,
    MAX_LATITUDE,
    WEAPON_BITS,
    cell_x_sql,
    cell_y_sql,
    lat_of_y_sql,
    lon_of_x_sql,
    weapon_bits,
)
from incidents.models import Attack, Damage, Facility, OutageReport, Region, WeaponUse
from incidents.models.base import display_name_sql
from incidents.public.schema import DECIMALS_SETTING

ATTACK = Attack._meta.db_table
ATTACK_REGIONS = Attack.regions.through._meta.db_table
WEAPON = WeaponUse._meta.db_table
DAMAGE = Damage._meta.db_table
FACILITY = Facility._meta.db_table
REGION = Region._meta.db_table
OUTAGE = OutageReport._meta.db_table

# Decimal places of coordinates: 6 is about 0.1 m for points; boundaries are
# simplified already, so 5 (about 1 m) loses nothing and keeps the layer small.
POINT_DIGITS = 6
BOUNDARY_DIGITS = 5


def iso_utc(column: str) -> str:
    """SQL rendering a timestamptz as ISO 8601 in UTC, whatever the session time zone."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE "
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END"
    )


def like_pattern(word: str) -> str:
    """The LIKE pattern of a word anywhere in a text, its own % and _ taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


@dataclass
class Where:
    """Conditions joined with AND, and their parameters in order."""

    parts: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, sql: str, *params: object) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "TRUE"

    def search(self, columns: Sequence[str], words: Sequence[str]) -> None:
        """Every word appears, in any case, in one of the columns.

        `column ILIKE '%word%'` on the bare column, so the column's trigram index
        (incidents.models.base.word_search_indexes) answers it.
        """
        for word in words:
            pattern = like_pattern(word)
            self.add(
                "(" + " OR ".join(f"{column} ILIKE %s" for column in columns) + ")",
                *[pattern] * len(columns),
            )


@dataclass(frozen=True)
class Selection:
    """The rows a layer or an export is made of: the tables, with any join that narrows
    or repeats rows, and the conditions.

    The statement that builds the layer or export selects from exactly these, so
    counting them (`count_rows`) tells how big the answer would be before it is built.
    """

    tables: str
    params: list[object]
    where: Where
    # The column holding the primary key of the rows selected.
    key: str = "id"

    def sql(self, joins: str = "", joins_params: Sequence[object] = ()) -> tuple[str, list[object]]:
        """`FROM … WHERE …`, with joins that only add columns between the two."""
        return (
            f"FROM {self.tables} {joins} WHERE {self.where.sql()}",
            [*self.params, *joins_params, *self.where.params],
        )

    def ids(self) -> tuple[str, list[object]]:
        """A statement selecting the keys of the rows, for an ORM `pk__in` filter."""
        body, params = self.sql()
        return f"SELECT {self.key} {body}", params


@dataclass(frozen=True)
class Query:
    """One statement that builds a layer or an export, and the rows it is made of."""

    sql: str
    params: list[object]
    rows: Selection


def count_rows(selection: Selection, *, up_to: int) -> int:
    """How many rows the selection holds, counting no further than `up_to`."""
    body, params = selection.sql()
    with reading_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 {body} LIMIT %s) AS counted", [*params, up_to]
        )
        return cursor.fetchone()[0]


def envelope(bbox: tuple[float, float, float, float]) -> tuple[str, list[object]]:
    return "ST_MakeEnvelope(%s, %s, %s, %s, 4326)", list(bbox)


def attack_where(
    filters: Filters,
    alias: str = "a",
    *,
    regions: bool = True,
    facility_kinds: bool = True,
    bbox: bool = True,
    services: bool = True,
) -> Where:
    """Conditions selecting the attacks the filters describe."""
    where = Where()
    started = f"{alias}.started_at"
    if filters.started_after:
        where.add(f"{started} >= %s", filters.started_after)
    if filters.started_before:
        where.add(f"{started} < %s", filters.started_before)
    if filters.updated_since:
        where.add(f"{alias}.updated_at >= %s", filters.updated_since)
    where.search([f"{alias}.summary", f"{alias}.description"], filters.search)
    if filters.verification_statuses:
        where.add(f"{alias}.verification_status = ANY(%s)", list(filters.verification_statuses))
    if filters.publication_states:
        where.add(f"{alias}.publication_state = ANY(%s)", list(filters.publication_states))
    if filters.weapon_types:
        where.add(
            f"EXISTS (SELECT 1 FROM {WEAPON} fw WHERE fw.attack_id = {alias}.id "
            "AND fw.weapon_type = ANY(%s))",
            list(filters.weapon_types),
        )
    if regions and filters.regions:
        where.add(
            f"EXISTS (SELECT 1 FROM {ATTACK_REGIONS} far JOIN {REGION} frg "
            f"ON frg.id = far.region_id WHERE far.attack_id = {alias}.id AND frg.code = ANY(%s))",
            list(filters.regions),
        )
    if facility_kinds and filters.facility_kinds:
        where.add(
            f"EXISTS (SELECT 1 FROM {DAMAGE} fd JOIN {FACILITY} ff ON ff.id = fd.facility_id "
            f"WHERE fd.attack_id = {alias}.id AND ff.kind = ANY(%s))",
            list(filters.facility_kinds),
        )
    if filters.severities:
        where.add(
            f"EXISTS (SELECT 1 FROM {DAMAGE} fs WHERE fs.attack_id = {alias}.id "
            "AND fs.severity = ANY(%s))",
            list(filters.severities),
        )
    if services and filters.services:
        where.add(
            f"EXISTS (SELECT 1 FROM {OUTAGE} fo WHERE fo.attack_id = {alias}.id "
            "AND fo.service = ANY(%s))",
            list(filters.services),
        )
    # An attack is in the box when its impact point is: that is where the map draws
    # it, so the layer, the list, the export and the statistics show the same attacks
    # for a viewport. A facility it damaged elsewhere is found through the facilities'
    # own bbox, and an attack without an impact point is in no box.
    if bbox and filters.bbox:
        box, params = envelope(filters.bbox)
        where.add(f"{alias}.impact_location && {box}", *params)
    return where


def facility_where(filters: Filters, alias: str = "f") -> Where:
    """Conditions on the facility itself: kind, status, region, viewport."""
    where = Where()
    if filters.facility_kinds:
        where.add(f"{alias}.kind = ANY(%s)", list(filters.facility_kinds))
    if filters.statuses:
        where.add(f"{alias}.status = ANY(%s)", list(filters.statuses))
    if filters.regions:
        where.add(
            f"{alias}.region_id IN (SELECT id FROM {REGION} WHERE code = ANY(%s))",
            list(filters.regions),
        )
    if filters.bbox:
        box, params = envelope(filters.bbox)
        where.add(f"{alias}.location && {box}", *params)
    return where


def outage_where(filters: Filters, alias: str = "o", *, regions: bool = True) -> Where:
    """Outage figures in the period, for the services and regions asked for."""
    where = Where()
    if filters.started_after:
        where.add(f"{alias}.as_of >= %s", filters.started_after)
    if filters.started_before:
        where.add(f"{alias}.as_of < %s", filters.started_before)
    if filters.services:
        where.add(f"{alias}.service = ANY(%s)", list(filters.services))
    if regions and filters.regions:
        where.add(
            f"{alias}.region_id IN (SELECT id FROM {REGION} WHERE code = ANY(%s))",
            list(filters.regions),
        )
    if filters.bbox:
        box, params = envelope(filters.bbox)
        where.add(
            f"{alias}.region_id IN (SELECT id FROM {REGION} WHERE boundary && {box})", *params
        )
    return where


def outages_selection(filters: Filters) -> Selection:
    """Outage figures the filters describe, joined with their region (alias r)."""
    where = outage_where(filters)
    if filters.units:
        where.add("o.unit = ANY(%s)", list(filters.units))
    if filters.attack:
        where.add("o.attack_id = %s", filters.attack)
    if filters.publication_states:
        where.add("o.publication_state = ANY(%s)", list(filters.publication_states))
    if filters.updated_since:
        where.add("o.updated_at >= %s", filters.updated_since)
    where.search(["o.locality"], filters.search)
    return Selection(f"{OUTAGE} o JOIN {REGION} r ON r.id = o.region_id", [], where, key="o.id")


def current_outages_sql(filters: Filters) -> tuple[str, list[object]]:
    """The latest figure per region, service and unit (never a sum of snapshots)."""
    where = outage_where(filters)
    sql = (
        "SELECT DISTINCT ON (o.region_id, o.service, o.unit) o.id, o.region_id, o.service, "
        "o.unit, o.count, o.count_qualifier, o.as_of "
        f"FROM {OUTAGE} o WHERE {where.sql()} "
        "ORDER BY o.region_id, o.service, o.unit, o.as_of DESC, o.id DESC"
    )
    return sql, where.params


def labels_join(choices: type, column: str, alias: str) -> tuple[str, list[object]]:
    """A LEFT JOIN onto (value, label) rows, so labels come from the model's choices."""
    values = ", ".join(["(%s, %s)"] * len(choices.choices))
    params: list[object] = []
    for value, label in choices.choices:
        params += [value, str(label)]
    return (
        f"LEFT JOIN (VALUES {values}) AS {alias}(value, label) ON {alias}.value = {column}",
        params,
    )


def url_parts(name: str, sample: object) -> tuple[str, str]:
    """The text before and after the key in a reversed URL, e.g. ('/facilities/', '/')."""
    url = reverse(name, args=[sample])
    before, _, after = url.rpartition(str(sample))
    return before, after


def fetch_text(query: Query) -> str:
    """The one text value a layer's statement returns."""
    with reading_connection().cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return cursor.fetchone()[0]


def _collection(feature_sql: str, order: str) -> str:
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        f"COALESCE(json_agg(feature ORDER BY {order}), '[]'::json))::text "
        f"FROM ({feature_sql}) AS features"
    )


# --------------------------------------------------------------------------- facilities


def damage_row_where(filters: Filters, alias: str = "d") -> Where:
    """Conditions selecting the damage rows (alias `alias`) by a matching attack.

    Damage rows carry their attack's start, verification, publication state and weapon
    mask (migration 0008): those filters are checked on the row itself. The others
    (severities and services of the whole attack) on its attack.
    """
    where = Where()
    if filters.started_after:
        where.add(f"{alias}.attack_started_at >= %s", filters.started_after)
    if filters.started_before:
        where.add(f"{alias}.attack_started_at < %s", filters.started_before)
    if filters.verification_statuses:
        where.add(
            f"{alias}.attack_verification_status = ANY(%s)", list(filters.verification_statuses)
        )
    if filters.publication_states:
        where.add(f"{alias}.attack_publication_state = ANY(%s)", list(filters.publication_states))
    if filters.weapon_types:
        where.add(f"{alias}.attack_weapon_mask & %s <> 0", weapon_bits(filters.weapon_types))
    # The rest, about the whole attack; the facilities' own filters (search words,
    # updated_since, regions, kinds, box) are not about attacks here.
    rest = attack_where(
        replace(
            filters,
            search=(),
            updated_since=None,
            started_after=None,
            started_before=None,
            verification_statuses=(),
            publication_states=(),
            weapon_types=(),
        ),
        regions=False,
        facility_kinds=False,
        bbox=False,
    )
    if rest.parts:
        where.add(
            f"EXISTS (SELECT 1 FROM {ATTACK} a WHERE a.id = {alias}.attack_id AND {rest.sql()})",
            *rest.params,
        )
    return where


def last_damage_join(filters: Filters) -> tuple[str, list[object]]:
    """Join `last`: each facility's latest damage (by a matching attack, when filtered).

    Attack filters narrow the facilities to those damaged by matching attacks;
    without them, every facility shows, with its latest damage if it has one. The
    latest is found by walking the facility's damage rows from the newest
    (damage_facility_latest_idx) to the first that matches.
    """
    conditions = damage_row_where(filters)
    join = "JOIN LATERAL" if filters.narrows_attacks else "LEFT JOIN LATERAL"
    sql = (
        f"{join} (SELECT d.severity, d.attack_started_at AS started_at FROM {DAMAGE} d "
        f"WHERE d.facility_id = f.id AND {conditions.sql()} "
        "ORDER BY d.attack_started_at DESC, d.id DESC LIMIT 1) AS last ON TRUE"
    )
    return sql, conditions.params


def facilities_selection(
    filters: Filters, *, located_only: bool = False, last_damage: bool = True
) -> Selection:
    """Facilities in the place filters, narrowed by the attack filters to those hit.

    With located_only, those with a location: the public view shows some facilities
    by region only, with no location; the map leaves them off, their region lists them.
    With last_damage, joined with their latest damage (`last`); without, the same rows
    for counting or clustering, the attack filters checked with EXISTS.
    """
    last_join, last_params = last_damage_join(filters) if last_damage else ("", [])
    where = facility_where(filters)
    if not last_damage and filters.narrows_attacks:
        damage = damage_row_where(filters)
        where.add(
            f"EXISTS (SELECT 1 FROM {DAMAGE} d WHERE d.facility_id = f.id AND {damage.sql()})",
            *damage.params,
        )
    if located_only:
        where.add("f.location IS NOT NULL")
    if filters.updated_since:
        where.add("f.updated_at >= %s", filters.updated_since)
    where.search(["f.name", "f.name_uk", "f.locality", "f.operator", "f.notes"], filters.search)
    return Selection(f"{FACILITY} f {last_join}", last_params, where, key="f.id")


def facilities_sql(filters: Filters) -> Query:
    rows = facilities_selection(filters, located_only=True)
    kinds_join, kinds_params = labels_join(Facility.Kind, "f.kind", "kl")
    status_join, status_params = labels_join(Facility.Status, "f.status", "sl")
    body, body_params = rows.sql(
        f"LEFT JOIN {REGION} r ON r.id = f.region_id {kinds_join} {status_join}",
        [*kinds_params, *status_params],
    )
    url_before, url_after = url_parts("facility-detail", 0)
    feature_sql = (
        "SELECT f.id AS sort_id, json_build_object("
        "'type', 'Feature', 'id', f.id, "
        f"'geometry', ST_AsGeoJSON(f.location, {POINT_DIGITS}, 0)::json, "
        "'properties', json_build_object("
        f"'id', f.id, 'name', {display_name_sql('f.name', 'f.name_uk')}, "
        "'kind', f.kind, 'kind_label', kl.label, "
        "'status', f.status, 'status_label', sl.label, 'region', r.code, "
        "'locality', f.locality, 'last_severity', last.severity, "
        f"'last_attack_at', {iso_utc('last.started_at')}, "
        f"'url', %s || f.id || %s)) AS feature {body}"
    )
    # Counted without the latest damage: the same rows, without looking each one up.
    counted = facilities_selection(filters, located_only=True, last_damage=False)
    return Query(
        _collection(feature_sql, "sort_id"), [url_before, url_after, *body_params], counted
    )


# --------------------------------------------------------------------------- attacks


def attacks_selection(filters: Filters, *, located_only: bool = False) -> Selection:
    """Attacks matching the filters; with located_only, those with an impact point."""
    where = attack_where(filters)
    if located_only:
        where.add("a.impact_location IS NOT NULL")
    return Selection(f"{ATTACK} a", [], where, key="a.id")


def attacks_sql(filters: Filters) -> Query:
    rows = attacks_selection(filters, located_only=True)
    body, body_params = rows.sql()
    url_before, url_after = url_parts("attack-detail", 0)
    feature_sql = (
        # Only the columns the layer shows: the CTE is materialised once and read three times.
        "WITH a AS (SELECT a.id, a.started_at, a.time_precision, a.summary, "
        f"a.verification_status, a.killed, a.injured, a.impact_location {body}), "
        "w AS (SELECT w.attack_id, "
        "array_to_json(array_agg(DISTINCT w.weapon_type ORDER BY w.weapon_type)) AS types, "
        "sum(w.launched) AS launched, sum(w.intercepted) AS intercepted "
        f"FROM {WEAPON} w WHERE w.attack_id IN (SELECT id FROM a) GROUP BY w.attack_id), "
        "d AS (SELECT d.attack_id, count(*) AS hits, "
        "array_to_json((array_agg("
        f"{display_name_sql('f.name', 'f.name_uk')} ORDER BY f.name))[1:5]) AS names "
        f"FROM {DAMAGE} d JOIN {FACILITY} f ON f.id = d.facility_id "
        "WHERE d.attack_id IN (SELECT id FROM a) GROUP BY d.attack_id) "
        "SELECT a.started_at AS sort_at, a.id AS sort_id, json_build_object("
        "'type', 'Feature', 'id', a.id, "
        f"'geometry', ST_AsGeoJSON(a.impact_location, {POINT_DIGITS}, 0)::json, "
        "'properties', json_build_object("
        f"'id', a.id, 'started_at', {iso_utc('a.started_at')}, "
        "'time_precision', a.time_precision, 'summary', a.summary, "
        "'verification_status', a.verification_status, "
        "'weapon_types', COALESCE(w.types, '[]'::json), "
        "'launched', w.launched, 'intercepted', w.intercepted, "
        "'facilities_hit', COALESCE(d.hits, 0), "
        "'facility_names', COALESCE(d.names, '[]'::json), "
        "'killed', a.killed, 'injured', a.injured, "
        "'url', %s || a.id || %s)) AS feature "
        "FROM a LEFT JOIN w ON w.attack_id = a.id LEFT JOIN d ON d.attack_id = a.id"
    )
    return Query(
        _collection(feature_sql, "sort_at DESC, sort_id DESC"),
        [*body_params, url_before, url_after],
        rows,
    )


# --------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class RegionParts:
    """What the regions layer and the regions export both select from."""

    current_sql: str  # the current outages subquery (alias it yourself)
    current_params: list[object]
    attacks: Where  # conditions on attacks counted per region (alias a)
    places: Where  # conditions on the regions themselves (alias r)


def region_parts(filters: Filters) -> RegionParts:
    """Regions with a boundary, narrowed by code and bbox; outages and attacks by date."""
    current_sql, current_params = current_outages_sql(
        Filters(
            started_after=filters.started_after,
            started_before=filters.started_before,
            services=filters.services,
        )
    )
    places = Where()
    places.add("r.boundary IS NOT NULL")
    if filters.regions:
        places.add("r.code = ANY(%s)", list(filters.regions))
    if filters.bbox:
        box, box_params = envelope(filters.bbox)
        places.add(f"r.boundary && {box}", *box_params)
    return RegionParts(
        current_sql=current_sql,
        current_params=list(current_params),
        attacks=attack_where(filters, regions=False, bbox=False),
        places=places,
    )


def regions_sql(filters: Filters) -> Query:
    # The rollups build on this module's selections.
    from incidents.rollups import queries as rollups

    parts = region_parts(filters)
    rows = Selection(f"{REGION} r", [], parts.places)
    kinds_join, kinds_params = labels_join(Region.Kind, "r.kind", "kl")
    # The attacks linked to each region, from the daily rollups when the filters allow
    # (the regions and bbox choose the regions shown, not the attacks counted).
    counted = replace(filters, regions=(), bbox=None)
    attack_rows, attack_params = rollups.region_rows(counted, rollups.coverage(counted))
    body, body_params = rows.sql(
        f"{kinds_join} "
        "LEFT JOIN (SELECT c.region_id, json_agg(json_build_object("
        "'service', c.service, 'unit', c.unit, 'count', c.count, "
        f"'count_qualifier', c.count_qualifier, 'as_of', {iso_utc('c.as_of')}) "
        f"ORDER BY c.service, c.unit) AS outages FROM ({parts.current_sql}) AS c "
        "GROUP BY c.region_id) AS cur ON cur.region_id = r.id "
        "LEFT JOIN (SELECT x.region_id, sum(x.attacks) AS attacks "
        f"FROM ({attack_rows}) AS x GROUP BY x.region_id) AS att ON att.region_id = r.id",
        [*kinds_params, *parts.current_params, *attack_params],
    )
    url_before, url_after = url_parts("region-detail", "UA-00")
    feature_sql = (
        "SELECT r.code AS sort_code, json_build_object("
        "'type', 'Feature', 'id', r.code, "
        f"'geometry', ST_AsGeoJSON(r.boundary, {BOUNDARY_DIGITS}, 0)::json, "
        "'properties', json_build_object("
        f"'code', r.code, 'name', {display_name_sql('r.name_en', 'r.name_uk')}, "
        "'name_uk', r.name_uk, 'kind', r.kind, "
        "'kind_label', kl.label, 'url', %s || r.code || %s, "
        "'outages', COALESCE(cur.outages, '[]'::json), "
        f"'attacks', COALESCE(att.attacks, 0))) AS feature {body}"
    )
    return Query(_collection(feature_sql, "sort_code"), [url_before, url_after, *body_params], rows)


# --------------------------------------------------------------------------- clusters

# Decimal places of a cluster's centre and bounds: the public view's (the session setting
# its requests run with), so that no cluster is finer than the points it is made of; the
# points' own otherwise.
CLUSTER_DIGITS = (
    f"COALESCE(NULLIF(current_setting('{DECIMALS_SETTING}', true), '')::int, {POINT_DIGITS})"
)


def cluster_zoom(zoom: int) -> int:
    """The zoom of the tile grid whose cells are the clusters of a map at `zoom`."""
    return min(GRID_ZOOM, zoom + CELL_ZOOM_OFFSET)


def _cell_of(lon: float, lat: float) -> tuple[int, int]:
    """The cell at GRID_ZOOM of a point, as mapgrid.cell_x_sql/cell_y_sql compute it."""
    size = 2**GRID_ZOOM
    phi = math.radians(max(-MAX_LATITUDE, min(MAX_LATITUDE, lat)))
    x = math.floor((lon + 180) / 360 * size)
    y = math.floor((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * size)
    return min(size - 1, max(0, x)), min(size - 1, max(0, y))


def _lon_of(x: int) -> float:
    """The longitude of the west edge of column x at GRID_ZOOM."""
    return x / 2**GRID_ZOOM * 360 - 180


def _lat_of(y: int) -> float:
    """The latitude of the north edge of row y at GRID_ZOOM."""
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**GRID_ZOOM))))


def _cluster_feature(kind_key: str, kind_label_sql: str, bounds_sql: str) -> str:
    """The json of one cluster row (columns cx, cy, count, lon, lat, kind, and bounds)."""
    return (
        "json_build_object('type', 'Feature', 'id', 'cluster-' || cx || '-' || cy, "
        "'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array("
        f"round(lon::numeric, {CLUSTER_DIGITS}), round(lat::numeric, {CLUSTER_DIGITS}))), "
        "'properties', json_build_object('cluster', true, 'count', count, "
        f"'{kind_key}', kind, '{kind_key}_label', {kind_label_sql}, "
        f"'bounds', {bounds_sql}))"
    )


def _rounded_bounds(west: str, south: str, east: str, north: str) -> str:
    return (
        "json_build_array("
        + ", ".join(
            f"round(({value})::numeric, {CLUSTER_DIGITS})" for value in (west, south, east, north)
        )
        + ")"
    )


def _cluster_collection(cluster_sql: str) -> str:
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'clustered', true, 'features', "
        "COALESCE(json_agg(feature ORDER BY sort_count DESC, sort_key), '[]'::json))::text "
        f"FROM ({cluster_sql}) AS features"
    )


def attack_clusters_sql(filters: Filters, zoom: int) -> Query:
    """The attacks the filters select, as clusters on the tile grid of `zoom`.

    Reads the attacks' cells and weapon masks only (mapgrid): without filters beyond
    the box, an index-only scan. The box is checked on the cells: attacks in cells well
    inside it are in it; those in the cells along its edges are checked on their point.
    """
    shift = GRID_ZOOM - cluster_zoom(zoom)
    # The weapon types are read from the mask: the same attacks as the weapon uses'
    # EXISTS, without visiting them.
    where = attack_where(replace(filters, weapon_types=()), bbox=False)
    where.add("a.impact_location IS NOT NULL")
    if filters.weapon_types:
        where.add("a.weapon_mask & %s <> 0", weapon_bits(filters.weapon_types))
    members = "a.map_x, a.map_y, a.weapon_mask"
    if filters.bbox:
        west, south, east, north = filters.bbox
        x0, y0 = _cell_of(west, north)
        x1, y1 = _cell_of(east, south)
        inside = "a.map_x > %s AND a.map_x < %s AND a.map_y > %s AND a.map_y < %s"
        inside_params = [x0 + 1, x1 - 1, y0 + 1, y1 - 1]
        # The strips along the edges, a cell wider than the edge cells, found through the
        # points' spatial index: the few attacks there are checked against the box itself.
        west_in, east_in = _lon_of(x0 + 3), _lon_of(x1 - 2)
        north_in, south_in = _lat_of(y0 + 3), _lat_of(y1 - 2)
        strips = [
            (west, south, min(east, west_in), north),
            (max(west, east_in), south, east, north),
            (west, max(south, north_in), east, north),
            (west, south, east, min(north, south_in)),
        ]
        near_edges = " OR ".join(["a.impact_location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"] * 4)
        box, box_params = envelope(filters.bbox)
        rows_sql = (
            f"SELECT {members} FROM {ATTACK} a WHERE {where.sql()} AND {inside} "
            f"UNION ALL SELECT {members} FROM {ATTACK} a WHERE {where.sql()} "
            f"AND ({near_edges}) AND a.impact_location && {box} AND NOT ({inside})"
        )
        rows_params = [
            *where.params,
            *inside_params,
            *where.params,
            *[value for strip in strips for value in strip],
            *box_params,
            *inside_params,
        ]
    else:
        rows_sql = f"SELECT {members} FROM {ATTACK} a WHERE {where.sql()}"
        rows_params = list(where.params)
    per_type = ", ".join(
        f"COALESCE(sum(n) FILTER (WHERE mask & {1 << bit} <> 0), 0)"
        for bit in range(len(WEAPON_BITS))
    )
    types = ", ".join(["%s"] * len(WEAPON_BITS))
    labels_join_sql, labels_params = labels_join(WeaponUse.WeaponType, "dominant.kind", "wl")
    size = 2**GRID_ZOOM
    bounds = _rounded_bounds(
        lon_of_x_sql("x_min"),
        lat_of_y_sql("y_max + 1"),
        lon_of_x_sql("x_max + 1"),
        lat_of_y_sql("y_min"),
    )
    cluster_sql = (
        f"WITH members AS ({rows_sql}), "
        # Grouped by cell and weapon mask first: a few rows per cell, whatever the attacks.
        "groups AS (SELECT map_x >> %s AS cx, map_y >> %s AS cy, weapon_mask AS mask, "
        "count(*) AS n, sum(map_x) AS sx, sum(map_y) AS sy, min(map_x) AS x_min, "
        "max(map_x) AS x_max, min(map_y) AS y_min, max(map_y) AS y_max "
        "FROM members GROUP BY 1, 2, 3), "
        "cells AS (SELECT cx, cy, sum(n) AS count, "
        f"{lon_of_x_sql('(sum(sx) + sum(n) / 2.0) / sum(n)')} AS lon, "
        f"{lat_of_y_sql('(sum(sy) + sum(n) / 2.0) / sum(n)')} AS lat, "
        "min(x_min) AS x_min, max(x_max) AS x_max, min(y_min) AS y_min, max(y_max) AS y_max, "
        f"ARRAY[{per_type}] AS per_type FROM groups GROUP BY cx, cy) "
        f"SELECT count AS sort_count, cx::bigint * {size} + cy AS sort_key, "
        f"{_cluster_feature('weapon_type', 'wl.label', bounds)} AS feature "
        "FROM cells LEFT JOIN LATERAL (SELECT t.kind FROM unnest("
        f"ARRAY[{types}]::text[], per_type) WITH ORDINALITY AS t(kind, k, i) "
        "WHERE t.k > 0 ORDER BY t.k DESC, t.i LIMIT 1) AS dominant ON TRUE "
        f"{labels_join_sql}"
    )
    params = [*rows_params, shift, shift, *[str(value) for value in WEAPON_BITS], *labels_params]
    return Query(
        _cluster_collection(cluster_sql), params, attacks_selection(filters, located_only=True)
    )


def facility_clusters_sql(filters: Filters, zoom: int) -> Query:
    """The facilities the filters select, as clusters on the tile grid of `zoom`."""
    rows = facilities_selection(filters, located_only=True, last_damage=False)
    body, body_params = rows.sql()
    at = cluster_zoom(zoom)
    labels_join_sql, labels_params = labels_join(Facility.Kind, "c.kind", "kl")
    bounds = _rounded_bounds("c.west", "c.south", "c.east", "c.north")
    cluster_sql = (
        f"SELECT count AS sort_count, cx::bigint * {2**at} + cy AS sort_key, "
        f"{_cluster_feature('kind', 'kl.label', bounds)} AS feature FROM ("
        f"SELECT {cell_x_sql('ST_X(f.location)', at)} AS cx, "
        f"{cell_y_sql('ST_Y(f.location)', at)} AS cy, count(*) AS count, "
        "avg(ST_X(f.location)) AS lon, avg(ST_Y(f.location)) AS lat, "
        "min(ST_X(f.location)) AS west, min(ST_Y(f.location)) AS south, "
        "max(ST_X(f.location)) AS east, max(ST_Y(f.location)) AS north, "
        f"mode() WITHIN GROUP (ORDER BY f.kind) AS kind {body} GROUP BY 1, 2) AS c "
        f"{labels_join_sql}"
    )
    return Query(_cluster_collection(cluster_sql), [*body_params, *labels_params], rows)
