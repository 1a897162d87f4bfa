"""Benchmark of the collection exports: 100,000 attacks as CSV, HXL and GeoJSON.

The exports stream from one SQL statement (incidents.api.export_tables). For
comparison, the same attacks serialised with the collection's own serializer,
a chunk at a time, as collection exports were built before. The SQL export
should be at least 5 times faster. Run with `make bench`.
"""

import time

import pytest
from django.db.models import Prefetch

from incidents.api import serializers as s
from incidents.models import Attack, Region, Source
from tests.bench.generate import generate_attacks, generate_facilities

ATTACKS = 100_000
CHUNK = 1000


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


@pytest.mark.bench
def test_collection_exports_stream_from_sql_far_faster_than_serializers(request, client, viewer):
    if "bench" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a one-minute benchmark: run it with -m bench")
    generate_facilities(2_000)
    generate_attacks(ATTACKS)
    client.force_login(viewer)

    def export(export_format: str) -> bytes:
        response = client.get("/api/v1/attacks/", {"format": export_format})
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    def serialized() -> int:
        queryset = Attack.objects.order_by("-started_at", "-id").prefetch_related(
            Prefetch("regions", queryset=Region.objects.only("id", "code")),
            Prefetch("sources", queryset=Source.objects.only("id")),
        )
        chunk, count = [], 0
        for attack in queryset.iterator(chunk_size=CHUNK):
            chunk.append(attack)
            if len(chunk) == CHUNK:
                count += len(s.AttackSerializer(chunk, many=True).data)
                chunk = []
        return count + len(s.AttackSerializer(chunk, many=True).data)

    export("csv")  # Warm-up: connection, plans and caches.
    figures = {}
    for export_format in ("csv", "hxl", "geojson"):
        seconds, body = timed(lambda export_format=export_format: export(export_format))
        figures[export_format] = seconds
        print(f"\n{export_format}: {seconds:.2f} s, {len(body) / 1e6:.1f} MB", flush=True)
    serializer_s, count = timed(serialized)
    assert count == ATTACKS

    print(
        f"bench export-attacks rows={ATTACKS} "
        + " ".join(f"{name}_rows_per_s={ATTACKS / value:.0f}" for name, value in figures.items())
        + f" serializer_rows_per_s={ATTACKS / serializer_s:.0f} "
        f"serializer/csv={serializer_s / figures['csv']:.1f} (target ≥ 5)"
    )
    assert serializer_s / figures["csv"] >= 5
