"""A million attacks and 5,000 facilities: every read, the dashboard, and 50 users at once.

One test database is seeded once for the whole module (about a minute) and served by
gunicorn as in production (two worker processes, DEBUG off); three benchmarks read it:

  bench scale      each statistics endpoint, the attack search and the map layers,
                   timed over HTTP from the first byte sent to the last byte read;
  bench dashboard  the map page, by the browser's own clock (as test_dashboard_bench.py
                   does at 100,000 attacks);
  bench load       locust, headless, 50 users mixing the dashboard's API calls.

Every figure is a median of RUNS requests with the response cache emptied before each
one, so a figure is what a request costs when nobody asked the same question just
before; the load test keeps the cache, as a live site does. Where a line's figure
covers several requests (a stats endpoint unfiltered and filtered by date, region and
weapon; the attacks and the facilities layer), it is the worst of them: each must meet
the target (tests/bench/targets.py). The figures mean something only on an otherwise
idle machine. Run with `make bench` (or BENCH=tests/bench/test_scale_bench.py).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Browser
from rest_framework.authtoken.models import Token

from tests.bench.dashboard import measure_dashboard
from tests.bench.generate import generate_attacks, generate_facilities
from tests.bench.targets import (
    DASHBOARD_FILTER_MS,
    DASHBOARD_INTERACTIVE_MS,
    LOAD_FAILURES,
    LOAD_P95_MS,
    SCALE_ANSWERED,
    SCALE_DASHBOARD_FAR_PAN_MS,
    SCALE_DASHBOARD_PAN_MS,
    SCALE_LAYER_BYTES,
    SCALE_LAYER_MS,
    SCALE_SEARCH_MS,
    SCALE_STATS_MS,
    Target,
    check,
)
from tests.bench.test_dashboard_bench import link_attacks_to_regions
from tests.conftest import OBLASTS_GEOJSON, REPO
from tests.e2e.conftest import _user as create_user
from tests.e2e.production import gunicorn_server

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

# Another size for a trial run before growing (README, "Scaling out").
ATTACKS = int(os.environ.get("BENCH_ATTACKS", 1_000_000))
FACILITIES = 5_000
RUNS = 3
WORKERS = 2
LOAD_USERS = 50
LOAD_SPAWN_RATE = 10
LOAD_SECONDS = 60
# Each load-test user is a viewer of their own, as 50 analysts are: the per-user
# API throttle then limits each of them, not all of them together.
LOAD_USERNAME = "load.viewer.{}"

# About 2 % of Ukraine's bounding box around Kyiv: roughly 20,000 of the million
# points (a city at zoom 9 on a laptop); the whole country at zoom 6.
CITY_BBOX = "30.0,49.5,32.6,50.6"
CITY_ZOOM = 9
COUNTRY_BBOX = "22.1,44.3,40.2,52.4"
COUNTRY_ZOOM = 6
# Every statistics endpoint unfiltered, and narrowed by a month, a region (Kharkiv
# oblast, one of the largest: about 5 % of the attacks) and a weapon.
STATS = ("summary", "timeline", "weapons", "regions")
STATS_FILTERS = {
    "unfiltered": {},
    "month": {"started_after": "2024-03-01", "started_before": "2024-03-31"},
    "region": {"region": "UA-63"},
    "weapon": {"weapon_type": "cruise_missile"},
}
SEARCHES = ("Kyiv", "Київ", "strike 4711")


@dataclass
class Site:
    url: str
    token: str
    attack_ids: tuple[int, int]


def after_seeding() -> None:
    """What a live database has and freshly generated rows lack: planner statistics and
    visibility maps (autovacuum keeps both on a live site; the clustered layer reads
    the attacks' map cells from an index alone when the pages are marked all-visible).

    The generator writes with plain SQL: the database's own triggers keep the daily
    rollups, so they need no rebuild; `rollups --verify` would say otherwise.
    """
    with connection.cursor() as cursor:
        for table in ("incidents_attack", "incidents_weaponuse", "incidents_damage"):
            cursor.execute(f"VACUUM ANALYZE {table}")


@pytest.fixture(scope="module")
def million_site(django_db_setup, django_db_blocker) -> Iterator[Site]:
    """A gunicorn server reading a test database of a million attacks, seeded once.

    Written outside any test transaction, so the server's connections see the rows;
    flushed again at the end.
    """
    with django_db_blocker.unblock():
        # An interrupted earlier run may have left its rows behind.
        call_command("flush", interactive=False, verbosity=0)
        try:
            started = time.perf_counter()
            call_command("load_regions", str(OBLASTS_GEOJSON), verbosity=0)
            generate_facilities(FACILITIES)
            generate_attacks(ATTACKS)
            link_attacks_to_regions()
            after_seeding()
            print(f"\nseeded {ATTACKS:,} attacks in {time.perf_counter() - started:.0f} s")
            viewer = create_user("maria.viewer", "viewer")
            create_load_users()
            with connection.cursor() as cursor:
                cursor.execute("SELECT min(id), max(id) FROM incidents_attack")
                attack_ids = cursor.fetchone()
            with (
                tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp,
                gunicorn_server(Path(tmp), workers=WORKERS) as url,
            ):
                site = Site(url, Token.objects.create(user=viewer).key, attack_ids)
                if not settings.CACHE_URL:
                    print(
                        "  CACHE_URL is not set: the server caches in each process's memory, "
                        "which this test cannot empty; set it to measure uncached requests"
                    )
                yield site
        finally:
            call_command("flush", interactive=False, verbosity=0)


def create_load_users() -> None:
    """LOAD_USERS viewers with an API token each (and no password: they never log in)."""
    viewers = Group.objects.get(name="viewer")
    for number in range(LOAD_USERS):
        user = User.objects.create_user(LOAD_USERNAME.format(number), password=None)
        user.groups.add(viewers)
        Token.objects.create(user=user)


def layer_params(bbox: str, zoom: int) -> dict[str, str]:
    return {"bbox": bbox, "zoom": str(zoom)}


def fetch(site: Site, path: str, params: dict[str, str] | None = None) -> tuple[float, int, int]:
    """One GET with the response cache emptied first: (milliseconds, gzipped bytes, status)."""
    cache.clear()
    query = urllib.parse.urlencode(params or {})
    request = urllib.request.Request(  # noqa: S310 - the local server's http:// URL.
        f"{site.url}{path}{'?' + query if query else ''}",
        headers={"Authorization": f"Token {site.token}", "Accept-Encoding": "gzip"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            body, status = response.read(), response.status
            encoding = response.headers.get("Content-Encoding")
    except urllib.error.HTTPError as error:
        body, status, encoding = error.read(), error.code, None
    ms = (time.perf_counter() - started) * 1000
    size = len(body) if encoding == "gzip" else len(gzip.compress(body, compresslevel=1))
    if status != 200:
        print(f"    {path} {params}: HTTP {status}: {body[:200]!r}")
    return ms, size, status


def median_of(site: Site, path: str, params: dict | None = None) -> tuple[float, int, int]:
    fetch(site, path, params)  # Warm-up: connections and the database's buffers.
    runs = [fetch(site, path, params) for _ in range(RUNS)]
    return (
        statistics.median(ms for ms, _, _ in runs),
        max(size for _, size, _ in runs),
        max(status for _, _, status in runs),
    )


def worst(site: Site, label: str, requests: list[tuple[str, str, dict]]) -> tuple[float, int, bool]:
    """The slowest median, the largest body and whether every request answered 200.

    A request refused (a 400 for too many features, say) is no measurement of an answer:
    it is left out of the figures, and fails the `answered_200` target instead.
    """
    results = []
    for name, path, params in requests:
        ms, size, status = median_of(site, path, params)
        if status == 200:
            print(f"  {label} {name}: {ms:.0f} ms, {size / 1e6:.2f} MB gzipped")
            results.append((ms, size))
        else:
            print(f"  {label} {name}: NOT ANSWERED (HTTP {status}), left out of the figures")
    return (
        max((ms for ms, _ in results), default=0),
        max((size for _, size in results), default=0),
        len(results) == len(requests),
    )


def test_every_read_at_a_million_attacks(million_site: Site):
    site = million_site
    print(f"\nload average before measuring: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    stats = {
        endpoint: worst(
            site,
            endpoint,
            [(name, f"/api/v1/stats/{endpoint}", params) for name, params in STATS_FILTERS.items()],
        )
        for endpoint in STATS
    }
    search = worst(
        site, "search", [(word, "/api/v1/attacks/", {"search": word}) for word in SEARCHES]
    )
    layers = {
        place: worst(
            site,
            f"{place} layer",
            [
                (kind, f"/api/v1/map/{kind}.geojson", layer_params(bbox, zoom))
                for kind in ("attacks", "facilities")
            ],
        )
        for place, bbox, zoom in (
            ("city", CITY_BBOX, CITY_ZOOM),
            ("country", COUNTRY_BBOX, COUNTRY_ZOOM),
        )
    }
    print(
        f"bench scale attacks={ATTACKS} "
        + " ".join(f"{endpoint}_ms={stats[endpoint][0]:.0f}" for endpoint in STATS)
        + f" search_ms={search[0]:.0f} layer_ms={layers['city'][0]:.0f} "
        f"layer_bytes={layers['city'][1]} country_layer_ms={layers['country'][0]:.0f} "
        f"country_layer_bytes={layers['country'][1]}"
    )
    answered = all(ok for _, _, ok in [*stats.values(), search, *layers.values()])
    check(
        *[
            (Target(f"{endpoint}_ms", at_most=SCALE_STATS_MS.at_most), stats[endpoint][0])
            for endpoint in STATS
        ],
        (SCALE_SEARCH_MS, search[0]),
        (SCALE_LAYER_MS, layers["city"][0]),
        (SCALE_LAYER_BYTES, layers["city"][1]),
        (Target("country_layer_ms", at_most=SCALE_LAYER_MS.at_most), layers["country"][0]),
        (Target("country_layer_bytes", at_most=SCALE_LAYER_BYTES.at_most), layers["country"][1]),
        (SCALE_ANSWERED, float(answered)),
    )


def test_the_dashboard_at_a_million_attacks(
    browser: Browser,
    million_site: Site,
):
    # Each load starts cold, as the first visitor after a change would.
    figures = measure_dashboard(
        browser, million_site.url, runs=RUNS, before_load=cache.clear
    ).medians()
    print(
        f"bench dashboard attacks={ATTACKS} interactive_ms={figures['interactive']:.0f} "
        f"filter_ms={figures['filter']:.0f} pan_ms={figures['pan']:.0f}"
    )
    # A pan inside the area the layers hold is drawn without a request; this one leaves it.
    print(f"bench dashboard far pan (a new area, cache emptied): {figures['far pan']:.0f} ms")
    check(
        (DASHBOARD_INTERACTIVE_MS, figures["interactive"]),
        (DASHBOARD_FILTER_MS, figures["filter"]),
        (SCALE_DASHBOARD_PAN_MS, figures["pan"]),
        (SCALE_DASHBOARD_FAR_PAN_MS, figures["far pan"]),
    )


def test_fifty_users_at_once(million_site: Site, tmp_path: Path):
    site = million_site
    tokens = Token.objects.filter(user__username__startswith="load.viewer.").values_list(
        "key", flat=True
    )
    settings_file = tmp_path / "load.json"
    settings_file.write_text(
        json.dumps({"tokens": list(tokens), "attack_ids": list(site.attack_ids)})
    )
    prefix = tmp_path / "load"
    command = [sys.executable, "-m", "locust", "-f", str(REPO / "tests/bench/locustfile.py")]
    command += ["--headless", "--only-summary", "--host", site.url, "--csv", str(prefix)]
    command += ["--users", str(LOAD_USERS), "--spawn-rate", str(LOAD_SPAWN_RATE)]
    command += ["--run-time", f"{LOAD_SECONDS}s", "--stop-timeout", "30"]
    print(f"\nload average before the load test: {os.getloadavg()[0]:.2f}")
    # Every argument is built here from constants, the test's paths and the local URL.
    finished = subprocess.run(  # noqa: S603
        command,
        env={**os.environ, "BENCH_LOAD_SETTINGS": str(settings_file)},
        capture_output=True,
        text=True,
        timeout=LOAD_SECONDS + 120,
        check=False,
    )
    # locust exits 1 when a request failed; the figures below say so.
    assert finished.returncode in (0, 1), finished.stderr[-4000:]
    with open(f"{prefix}_failures.csv", newline="") as failures_file:
        for row in csv.DictReader(failures_file):
            print(f"  failed: {row['Name']}: {row['Occurrences']} × {row['Error'][:160]}")
    with open(f"{prefix}_stats.csv", newline="") as stats_file:
        rows = {row["Name"]: row for row in csv.DictReader(stats_file)}
    for name, row in rows.items():
        print(
            f"  {name}: {row['Request Count']} requests, median {row['Median Response Time']} ms, "
            f"p95 {row['95%']} ms, {row['Failure Count']} failed"
        )
    total = rows["Aggregated"]
    rps, p95 = float(total["Requests/s"]), float(total["95%"])
    failures = int(total["Failure Count"])
    print(f"bench load users={LOAD_USERS} rps={rps:.1f} p95_ms={p95:.0f} failures={failures}")
    check((LOAD_P95_MS, p95), (LOAD_FAILURES, failures))
