"""Benchmark of the attacks layer: 200,000 attacks, a viewport of about 20,000 features.

Three ways to produce the same FeatureCollection, each timed as the median
of several runs:
  endpoint  /api/v1/map/attacks.geojson through the Django test client;
  floor     the same SQL through the psycopg connection alone (no Django);
  drf_gis   a plain djangorestframework-gis GeoFeatureModelSerializer list view.
The endpoint must take at most 1.5 times the floor and be at least 20 times
faster than the serializer (tests/bench/targets.py). Run with `make bench`
(pytest tests/bench -m bench -s).
"""

import json
import statistics
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from incidents import geojson
from incidents.api.permissions import ReadAccess
from incidents.api.query import Filters
from incidents.models import Attack
from tests.bench.generate import generate_attacks, generate_facilities
from tests.bench.targets import MAP_DRF_GIS_OVER_ENDPOINT, MAP_ENDPOINT_OVER_FLOOR, check

ATTACKS = 200_000
# About a tenth of Ukraine's bounding box: roughly 20,000 of the 200,000 points.
VIEWPORT = (30.0, 48.0, 35.5, 50.5)
BBOX = ",".join(str(number) for number in VIEWPORT)
RUNS = 7
# The serializer takes seconds per run; fewer runs keep the benchmark short.
SLOW_RUNS = 3


class AttackFeatureSerializer(GeoFeatureModelSerializer):
    """What a project typically ships: a model serializer with computed fields."""

    weapon_types = serializers.SerializerMethodField()
    launched = serializers.SerializerMethodField()
    intercepted = serializers.SerializerMethodField()
    facilities_hit = serializers.SerializerMethodField()
    facility_names = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attack
        geo_field = "impact_location"
        fields = [
            "id",
            "started_at",
            "time_precision",
            "summary",
            "verification_status",
            "weapon_types",
            "launched",
            "intercepted",
            "facilities_hit",
            "facility_names",
            "killed",
            "injured",
            "url",
        ]

    def get_weapon_types(self, attack: Attack) -> list[str]:
        return sorted({weapon.weapon_type for weapon in attack.weapons.all()})

    def get_launched(self, attack: Attack) -> int | None:
        known = [w.launched for w in attack.weapons.all() if w.launched is not None]
        return sum(known) if known else None

    def get_intercepted(self, attack: Attack) -> int | None:
        known = [w.intercepted for w in attack.weapons.all() if w.intercepted is not None]
        return sum(known) if known else None

    def get_facilities_hit(self, attack: Attack) -> int:
        return len(attack.damages.all())

    def get_facility_names(self, attack: Attack) -> list[str]:
        return sorted(damage.facility.name for damage in attack.damages.all())[:5]

    def get_url(self, attack: Attack) -> str:
        return attack.get_absolute_url()


class DrfGisAttacks(generics.ListAPIView):
    permission_classes = [ReadAccess]
    serializer_class = AttackFeatureSerializer
    queryset = Attack.objects.filter(impact_location__isnull=False).prefetch_related(
        "weapons", "damages__facility"
    )
    bbox_filter_field = "impact_location"
    filter_backends = [InBBoxFilter]
    pagination_class = None


urlpatterns = [
    path("api/v1/", include("incidents.api.map_urls")),
    path("bench/drf-gis/attacks.geojson", DrfGisAttacks.as_view()),
    path("", include("incidents.urls")),
]


def median_ms(function: Callable[[], object], runs: int) -> tuple[float, object]:
    result = function()  # Warm-up: connection, plan and caches.
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), result


@pytest.mark.bench
@pytest.mark.urls(__name__)
def test_the_attacks_layer_against_the_sql_floor_and_drf_gis(request, client, viewer, settings):
    if "bench" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a two-minute benchmark: run it with -m bench")
    # The endpoint builds every answer it is timed on: a cached copy would measure Redis,
    # not the layer against its SQL.
    settings.RESPONSE_CACHE_SECONDS = 0
    started = time.perf_counter()
    generate_facilities(2_000)
    generate_attacks(ATTACKS)
    seeding_s = time.perf_counter() - started
    client.force_login(viewer)

    def endpoint() -> bytes:
        response = client.get("/api/v1/map/attacks.geojson", {"bbox": BBOX})
        assert response.status_code == 200
        return response.content

    def endpoint_gzip() -> bytes:
        response = client.get(
            "/api/v1/map/attacks.geojson", {"bbox": BBOX}, HTTP_ACCEPT_ENCODING="gzip"
        )
        return response.content

    layer = geojson.attacks_sql(Filters(bbox=VIEWPORT))

    def floor() -> str:
        # The raw psycopg connection under Django's, in the same transaction.
        with connection.connection.cursor() as cursor:
            cursor.execute(layer.sql, layer.params)
            return cursor.fetchone()[0]

    def drf_gis() -> bytes:
        response = client.get("/bench/drf-gis/attacks.geojson", {"in_bbox": BBOX})
        assert response.status_code == 200
        return response.content

    print(f"\nseeded {ATTACKS} attacks in {seeding_s:.1f} s", flush=True)
    endpoint_ms, body = median_ms(endpoint, RUNS)
    gzip_ms, _ = median_ms(endpoint_gzip, RUNS)
    floor_ms, floor_body = median_ms(floor, RUNS)
    print(f"endpoint {endpoint_ms:.1f} ms, floor {floor_ms:.1f} ms; now drf-gis", flush=True)
    drf_gis_ms, drf_body = median_ms(drf_gis, SLOW_RUNS)

    features = len(json.loads(body)["features"])
    assert body == floor_body.encode(), "the endpoint must send PostgreSQL's text unchanged"
    assert len(json.loads(drf_body)["features"]) == features
    assert 15_000 <= features <= 25_000
    print(f"body {len(body) / 1e6:.1f} MB; gzip endpoint_ms={gzip_ms:.1f}")
    print(
        f"bench map-attacks features={features} endpoint_ms={endpoint_ms:.1f} "
        f"floor_ms={floor_ms:.1f} drf_gis_ms={drf_gis_ms:.1f}"
    )
    check(
        (MAP_ENDPOINT_OVER_FLOOR, endpoint_ms / floor_ms),
        (MAP_DRF_GIS_OVER_ENDPOINT, drf_gis_ms / endpoint_ms),
    )
