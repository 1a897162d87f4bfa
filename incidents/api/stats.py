"""Statistics for the dashboard: each endpoint is one SQL statement over the filtered rows.

"Current" outage means the latest figure per region, service and unit
(DISTINCT ON); figures are only ever added up across regions, never across
the snapshots of one series.
"""

# The SQL is assembled from table names and fixed fragments; every value is bound (S608).
# ruff: noqa: S608

from __future__ import annotations

import json
from dataclasses import replace

from drf_spectacular.utils import (
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api import declarations
from incidents.api.caching import cached_response
from incidents.api.declarations import INTERVALS
from incidents.api.negotiation import ReadOnlyAPIView
from incidents.api.query import Filters
from incidents.api.schema import ERROR_RESPONSES
from incidents.database import reading_connection
from incidents.geojson import (
    FACILITY,
    OUTAGE,
    REGION,
    Where,
    current_outages_sql,
    envelope,
    facility_where,
    iso_utc,
    outage_where,
)
from incidents.models import OutageReport
from incidents.models.base import display_name_sql
from incidents.rollups import queries as rollups

ATTACKS = declarations.ATTACKS


def _json(sql: str, params: list[object]) -> object:
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return json.loads(cursor.fetchone()[0])


def _damage_sql(filters: Filters) -> tuple[str, list[object]]:
    """Per facility: whether a matching attack damaged it, whether one destroyed it."""
    flags = rollups.damage_flags(filters)
    places = facility_where(replace(filters, statuses=()))
    sql = (
        f"WITH raw AS ({flags.raw}) SELECT f.id AS facility_id, f.region_id, "
        f"(f.location IS NULL) AS unlocated, {flags.destroyed} AS destroyed, "
        f"{flags.damaged} AS damaged FROM {FACILITY} f "
        f"LEFT JOIN raw ON raw.facility_id = f.id WHERE {places.sql()}"
    )
    return sql, [*flags.raw_params, *flags.flag_params, *places.params]


# The interception rate over the weapon rows where both figures are known, from the
# sums of those rows (incidents.rollups.queries.weapon_rows).
_ROLLED_RATE = "round(sum(intercepted_both)::numeric / NULLIF(sum(launched_both), 0), 4)"


# --------------------------------------------------------------------------- summary


# Why a figure counts records the map does not draw (see `summary`'s "not_on_map").
NOT_ON_MAP_REASONS = {
    "shown_by_region_only": "The public view shows these facilities by region only, "
    "without a location.",
    "no_impact_point": "These attacks have no impact point (or, in the public view, hit a "
    "facility shown by region only).",
}


def summary(filters: Filters) -> dict:
    """The figures, and for each figure that counts records the map cannot draw, how many
    and why ("not_on_map"), so a reader can tell a total from the points on the map."""
    cover = rollups.coverage(filters)
    attacks, attack_params = rollups.attack_rows(filters, cover)
    weapons, weapon_params = rollups.weapon_rows(filters, cover)
    damage, damage_params = _damage_sql(filters)
    current, current_params = current_outages_sql(filters)
    sql = (
        f"WITH a AS ({attacks}), "
        "att AS (SELECT COALESCE(sum(attacks), 0) AS attacks, "
        "COALESCE(sum(unlocated), 0) AS unlocated FROM a), "
        f"wp AS (SELECT sum(launched) AS launched, sum(intercepted) AS intercepted, "
        f"{_ROLLED_RATE} AS rate FROM ({weapons}) AS w), "
        f"fac AS ({damage}), "
        "cur AS (SELECT c.service, c.unit, sum(c.count) AS count, count(*) AS regions "
        f"FROM ({current}) AS c GROUP BY c.service, c.unit) "
        "SELECT json_build_object("
        "'attacks', att.attacks, "
        "'facilities_damaged', (SELECT count(*) FROM fac WHERE damaged AND NOT destroyed), "
        "'facilities_destroyed', (SELECT count(*) FROM fac WHERE destroyed), "
        "'outages_current', (SELECT COALESCE(json_agg(json_build_object('service', service, "
        "'unit', unit, 'count', count, 'regions', regions) ORDER BY service, unit), '[]'::json) "
        "FROM cur), "
        "'weapons_launched', COALESCE(wp.launched, 0), "
        "'weapons_intercepted', COALESCE(wp.intercepted, 0), "
        "'interception_rate', wp.rate, "
        "'not_on_map', (SELECT COALESCE(json_agg(json_build_object("
        "'figure', n.figure, 'count', n.count, 'reason', n.reason) ORDER BY n.position), "
        "'[]'::json) FROM (VALUES "
        "(1, 'attacks', 'no_impact_point', att.unlocated), "
        "(2, 'facilities_damaged', 'shown_by_region_only', "
        "(SELECT count(*) FROM fac WHERE damaged AND NOT destroyed AND unlocated)), "
        "(3, 'facilities_destroyed', 'shown_by_region_only', "
        "(SELECT count(*) FROM fac WHERE destroyed AND unlocated))"
        ") AS n(position, figure, reason, count) WHERE n.count > 0))::text FROM att, wp"
    )
    params = [*attack_params, *weapon_params, *damage_params, *current_params]
    return _json(sql, params)


OUTAGE_TOTAL = inline_serializer(
    "OutageTotal",
    {
        "service": serializers.ChoiceField(OutageReport.Service.choices),
        "unit": serializers.ChoiceField(OutageReport.Unit.choices),
        "count": serializers.IntegerField(),
        "regions": serializers.IntegerField(help_text="Regions the figure adds up."),
    },
    many=True,
)


@extend_schema(
    tags=["statistics"],
    summary="Summary figures",
    description="Attacks, facilities damaged and destroyed by them, current outages added up "
    "over regions (the latest figure per region, service and unit), weapons launched and "
    "intercepted, and the interception rate over the weapon rows where both are known. "
    "`not_on_map` lists, per figure, how many of the records it counts the map does not "
    "draw, and why (only figures with such records are listed).",
    parameters=ATTACKS.openapi(),
    responses={
        200: inline_serializer(
            "StatsSummary",
            {
                "attacks": serializers.IntegerField(),
                "facilities_damaged": serializers.IntegerField(),
                "facilities_destroyed": serializers.IntegerField(),
                "outages_current": OUTAGE_TOTAL,
                "weapons_launched": serializers.IntegerField(),
                "weapons_intercepted": serializers.IntegerField(),
                "interception_rate": serializers.FloatField(allow_null=True),
                "not_on_map": inline_serializer(
                    "NotOnMap",
                    {
                        "figure": serializers.ChoiceField(
                            ["attacks", "facilities_damaged", "facilities_destroyed"],
                            help_text="The figure above that counts these records.",
                        ),
                        "count": serializers.IntegerField(),
                        "reason": serializers.ChoiceField(
                            list(NOT_ON_MAP_REASONS),
                            help_text="; ".join(
                                f"{key}: {text}" for key, text in NOT_ON_MAP_REASONS.items()
                            ),
                        ),
                    },
                    many=True,
                ),
            },
        ),
        **ERROR_RESPONSES,
    },
)
class SummaryView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    @cached_response
    def get(self, request: Request) -> Response:
        return Response(summary(ATTACKS.parse(request.query_params)))


# --------------------------------------------------------------------------- timeline


def timeline(filters: Filters, interval: str) -> list[dict]:
    """Attacks and weapons per day, week (from Monday) or month in Kyiv time, gaps filled."""
    cover = rollups.coverage(filters)
    attacks, attack_params = rollups.attack_rows(filters, cover)
    weapons, weapon_params = rollups.weapon_rows(filters, cover)
    period = "date_trunc(%s, day::timestamp)::date"
    sql = (
        f"WITH per AS (SELECT {period} AS period, sum(attacks) AS attacks FROM ({attacks}) AS a "
        "GROUP BY 1), "
        # Per weapon type, the number launched, or where none is known (no row with a
        # number), the number of attacks that used it.
        f"wt AS (SELECT {period} AS period, weapon_type, "
        "CASE WHEN sum(launched_rows) > 0 THEN sum(launched) END AS launched, "
        f"sum(intercepted) AS intercepted, sum(attacks) AS attacks FROM ({weapons}) AS w "
        "GROUP BY 1, 2), "
        "wper AS (SELECT period, sum(launched) AS launched, sum(intercepted) AS intercepted, "
        "json_object_agg(weapon_type, COALESCE(launched, attacks) ORDER BY weapon_type) AS types "
        "FROM wt GROUP BY period), "
        "series AS (SELECT generate_series(min(period), max(period), "
        "('1 ' || %s)::interval)::date AS period FROM per) "
        "SELECT COALESCE(json_agg(json_build_object("
        "'period', to_char(s.period, 'YYYY-MM-DD'), 'attacks', COALESCE(per.attacks, 0), "
        "'launched', COALESCE(wper.launched, 0), 'intercepted', COALESCE(wper.intercepted, 0), "
        "'by_weapon_type', COALESCE(wper.types, '{}'::json)) ORDER BY s.period), "
        "'[]'::json)::text FROM series s LEFT JOIN per ON per.period = s.period "
        "LEFT JOIN wper ON wper.period = s.period"
    )
    params = [interval, *attack_params, interval, *weapon_params, interval]
    return _json(sql, params)


@extend_schema(
    tags=["statistics"],
    summary="Attacks and weapons over time",
    description="Per interval (Kyiv time; weeks start on Monday): attacks, weapons launched and "
    "intercepted, and per weapon type the number launched (or, where no number is known, the "
    "number of attacks that used it). Intervals without attacks are included with zeros.",
    parameters=declarations.TIMELINE.openapi(),
    responses={
        200: inline_serializer(
            "StatsTimeline",
            {
                "interval": serializers.ChoiceField(INTERVALS),
                "results": inline_serializer(
                    "TimelinePeriod",
                    {
                        "period": serializers.DateField(),
                        "attacks": serializers.IntegerField(),
                        "launched": serializers.IntegerField(),
                        "intercepted": serializers.IntegerField(),
                        "by_weapon_type": serializers.DictField(child=serializers.IntegerField()),
                    },
                    many=True,
                ),
            },
        ),
        **ERROR_RESPONSES,
    },
)
class TimelineView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    @cached_response
    def get(self, request: Request) -> Response:
        filters = declarations.TIMELINE.parse(request.query_params)
        interval = filters.interval or "day"
        return Response({"interval": interval, "results": timeline(filters, interval)})


# --------------------------------------------------------------------------- regions


def regions(filters: Filters) -> list[dict]:
    """Per region: attacks, damaged facilities, current and peak outages in the period."""
    attacks, attack_params = rollups.region_rows(filters, rollups.coverage(filters))
    damage, damage_params = _damage_sql(replace(filters, bbox=None))
    current, current_params = current_outages_sql(
        Filters(
            started_after=filters.started_after,
            started_before=filters.started_before,
            services=filters.services,
        )
    )
    outages = outage_where(filters, regions=False)
    places = Where()
    if filters.regions:
        places.add("r.code = ANY(%s)", list(filters.regions))
    if filters.bbox:
        box, box_params = envelope(filters.bbox)
        places.add(f"r.boundary && {box}", *box_params)
    figure = (
        "json_agg(json_build_object('service', c.service, 'unit', c.unit, 'count', c.count, "
        f"'count_qualifier', c.count_qualifier, 'as_of', {iso_utc('c.as_of')}) "
        "ORDER BY c.service, c.unit)"
    )
    sql = (
        "SELECT COALESCE(json_agg(json_build_object("
        f"'code', r.code, 'name', {display_name_sql('r.name_en', 'r.name_uk')}, "
        "'name_uk', r.name_uk, "
        "'attacks', COALESCE(att.attacks, 0), "
        "'facilities_damaged', COALESCE(fac.damaged, 0), "
        "'facilities_destroyed', COALESCE(fac.destroyed, 0), "
        "'outages_current', COALESCE(cur.figures, '[]'::json), "
        "'outages_peak', COALESCE(peak.figures, '[]'::json)) ORDER BY r.code), '[]'::json)::text "
        f"FROM {REGION} r "
        "LEFT JOIN (SELECT region_id, sum(attacks) AS attacks "
        f"FROM ({attacks}) AS x GROUP BY region_id) AS att ON att.region_id = r.id "
        "LEFT JOIN (SELECT region_id, "
        "count(*) FILTER (WHERE damaged AND NOT destroyed) AS damaged, "
        f"count(*) FILTER (WHERE destroyed) AS destroyed FROM ({damage}) AS x "
        "GROUP BY region_id) AS fac ON fac.region_id = r.id "
        f"LEFT JOIN (SELECT c.region_id, {figure} AS figures FROM ({current}) AS c "
        "GROUP BY c.region_id) AS cur ON cur.region_id = r.id "
        f"LEFT JOIN (SELECT c.region_id, {figure} AS figures FROM ("
        "SELECT DISTINCT ON (o.region_id, o.service, o.unit) o.region_id, o.service, o.unit, "
        f"o.count, o.count_qualifier, o.as_of FROM {OUTAGE} o WHERE {outages.sql()} "
        "ORDER BY o.region_id, o.service, o.unit, o.count DESC, o.as_of DESC) AS c "
        "GROUP BY c.region_id) AS peak ON peak.region_id = r.id "
        f"WHERE {places.sql()}"
    )
    params = [
        *attack_params,
        *damage_params,
        *current_params,
        *outages.params,
        *places.params,
    ]
    return _json(sql, params)


OUTAGE_FIGURE = inline_serializer(
    "OutageFigure",
    {
        "service": serializers.ChoiceField(OutageReport.Service.choices),
        "unit": serializers.ChoiceField(OutageReport.Unit.choices),
        "count": serializers.IntegerField(),
        "count_qualifier": serializers.ChoiceField(OutageReport.Qualifier.choices),
        "as_of": serializers.DateTimeField(),
    },
    many=True,
)


@extend_schema(
    tags=["statistics"],
    summary="Figures per region",
    description="Per region: matching attacks linked to it, facilities in it damaged or "
    "destroyed by them, the current outage (latest figure per service and unit in the "
    "period) and the peak (highest figure per service and unit in the period).",
    parameters=ATTACKS.openapi(),
    responses={
        200: inline_serializer(
            "StatsRegions",
            {
                "results": inline_serializer(
                    "RegionFigures",
                    {
                        "code": serializers.CharField(),
                        "name": serializers.CharField(),
                        "name_uk": serializers.CharField(),
                        "attacks": serializers.IntegerField(),
                        "facilities_damaged": serializers.IntegerField(),
                        "facilities_destroyed": serializers.IntegerField(),
                        "outages_current": OUTAGE_FIGURE,
                        "outages_peak": OUTAGE_FIGURE,
                    },
                    many=True,
                )
            },
        ),
        **ERROR_RESPONSES,
    },
)
class RegionsView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    @cached_response
    def get(self, request: Request) -> Response:
        return Response({"results": regions(ATTACKS.parse(request.query_params))})


# --------------------------------------------------------------------------- weapons


def weapons(filters: Filters) -> list[dict]:
    """Per weapon type and month (Kyiv time): launched, intercepted, interception rate."""
    rows, params = rollups.weapon_rows(filters, rollups.coverage(filters))
    sql = (
        "SELECT COALESCE(json_agg(json_build_object('weapon_type', weapon_type, "
        "'month', month, 'attacks', attacks, 'launched', launched, "
        "'intercepted', intercepted, 'rate', rate) ORDER BY month, weapon_type), "
        "'[]'::json)::text FROM ("
        "SELECT weapon_type, to_char(date_trunc('month', day::timestamp), 'YYYY-MM') AS month, "
        "sum(attacks) AS attacks, sum(launched) AS launched, sum(intercepted) AS intercepted, "
        f"{_ROLLED_RATE} AS rate FROM ({rows}) AS w GROUP BY 1, 2) AS m"
    )
    return _json(sql, params)


@extend_schema(
    tags=["statistics"],
    summary="Weapons per type and month",
    description="Per weapon type and month (Kyiv time): attacks that used it, the number "
    "launched and intercepted, and the interception rate over rows where both are known.",
    parameters=ATTACKS.openapi(),
    responses={
        200: inline_serializer(
            "StatsWeapons",
            {
                "results": inline_serializer(
                    "WeaponMonth",
                    {
                        "weapon_type": serializers.CharField(),
                        "month": serializers.CharField(help_text="YYYY-MM"),
                        "attacks": serializers.IntegerField(),
                        "launched": serializers.IntegerField(),
                        "intercepted": serializers.IntegerField(),
                        "rate": serializers.FloatField(allow_null=True),
                    },
                    many=True,
                )
            },
        ),
        **ERROR_RESPONSES,
    },
)
class WeaponsView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    @cached_response
    def get(self, request: Request) -> Response:
        return Response({"results": weapons(ATTACKS.parse(request.query_params))})


# --------------------------------------------------------------------------- outage series


def outage_series(filters: Filters, region: str, service: str) -> list[dict]:
    where = outage_where(replace(filters, regions=(), services=()))
    sql = (
        "SELECT COALESCE(json_agg(json_build_object("
        f"'as_of', {iso_utc('o.as_of')}, 'count', o.count, 'unit', o.unit, "
        "'count_qualifier', o.count_qualifier, 'attack', o.attack_id) "
        "ORDER BY o.as_of, o.id), '[]'::json)::text "
        f"FROM {OUTAGE} o JOIN {REGION} r ON r.id = o.region_id "
        f"WHERE r.code = %s AND o.service = %s AND {where.sql()}"
    )
    return _json(sql, [region, service, *where.params])


@extend_schema(
    tags=["statistics"],
    summary="Outage time series of one region and service",
    description="Every figure for the region and service in the period, oldest first.",
    parameters=declarations.OUTAGE_SERIES.openapi(),
    responses={
        200: inline_serializer(
            "OutageSeries",
            {
                "region": serializers.CharField(),
                "service": serializers.ChoiceField(OutageReport.Service.choices),
                "results": inline_serializer(
                    "OutagePoint",
                    {
                        "as_of": serializers.DateTimeField(),
                        "count": serializers.IntegerField(),
                        "unit": serializers.ChoiceField(OutageReport.Unit.choices),
                        "count_qualifier": serializers.ChoiceField(OutageReport.Qualifier.choices),
                        "attack": serializers.IntegerField(allow_null=True),
                    },
                    many=True,
                ),
            },
        ),
        **ERROR_RESPONSES,
    },
)
class OutageSeriesView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    @cached_response
    def get(self, request: Request) -> Response:
        filters = declarations.OUTAGE_SERIES.parse(request.query_params)
        region = filters.regions[0]
        return Response(
            {
                "region": region,
                "service": filters.services[0],
                "results": outage_series(filters, region, filters.services[0]),
            }
        )
