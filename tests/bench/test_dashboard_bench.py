"""The map page with 100,000 attacks, timed by the browser's own clock.

The page records in window.trackerTimings when its layers are drawn
(performance.now(), milliseconds from the start of navigation) and how long
each redraw took from the triggering event to the drawn markers. Targets
(tests/bench/targets.py): interactive within 2 s, a pan, a filter change or a
zoom redrawn within 1 s.

The app is served as in production: gunicorn with two worker processes,
DEBUG off, static files collected and served by WhiteNoise. A server thread
inside the test process would share its interpreter lock with the data
generator, the browser driver and the test itself, and measure that instead.
The figures mean something only on an otherwise idle machine: nothing else
should run while the benchmark measures (it prints the load average).
Run with `make bench` (pytest tests/bench -m bench -s).
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Browser, Page

from tests.bench.dashboard import Runs, measure_dashboard, redraw, timings
from tests.bench.generate import generate_attacks, generate_facilities
from tests.bench.targets import (
    DASHBOARD_FAR_PAN_MS,
    DASHBOARD_FILTER_MS,
    DASHBOARD_INTERACTIVE_MS,
    DASHBOARD_PAN_MS,
    DASHBOARD_ZOOM_MS,
    check,
)
from tests.conftest import OBLASTS_GEOJSON
from tests.e2e.conftest import _user as create_user
from tests.e2e.production import gunicorn_server

# django_db: pytest-django creates the test database only for tests that ask for one;
# without it, this file run alone would seed and flush the development database.
pytestmark = [pytest.mark.bench, pytest.mark.django_db]

ATTACKS = 100_000
FACILITIES = 300
RUNS = 3
WORKERS = 2


@pytest.fixture(scope="module")
def big_site(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The URL of a gunicorn server reading a test database of 100,000 attacks.

    The fixture writes outside any test transaction (autocommit), so the rows
    are committed and the server's own connections see them; it flushes them
    again at the end.
    """
    with django_db_blocker.unblock():
        # An interrupted earlier run may have left its rows behind.
        call_command("flush", interactive=False, verbosity=0)
        try:
            call_command("load_regions", str(OBLASTS_GEOJSON), verbosity=0)
            generate_facilities(FACILITIES)
            generate_attacks(ATTACKS)
            link_attacks_to_regions()
            create_user("maria.viewer", "viewer")
            with (
                tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp,
                gunicorn_server(Path(tmp), workers=WORKERS) as url,
            ):
                yield url
        finally:
            call_command("flush", interactive=False, verbosity=0)


def link_attacks_to_regions() -> None:
    """Name each generated attack's region, as a recorded attack does.

    The generator writes bare attacks; the map's country view counts attacks
    per region, so without the links it would have nothing to count.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_attack_regions (attack_id, region_id) "
            "SELECT a.id, r.id FROM incidents_attack a "
            "JOIN incidents_region r ON ST_Covers(r.boundary, a.impact_location) "
            "ON CONFLICT DO NOTHING"
        )
        # Fresh tables have no planner statistics yet; a live database has them
        # from autovacuum, and the layer queries are planned with them.
        for table in ("incidents_attack_regions", "incidents_facility", "incidents_region"):
            cursor.execute(f"ANALYZE {table}")


def test_the_map_page_is_interactive_in_2_s_and_redraws_in_1_s(
    browser: Browser,
    big_site: str,
):
    def zoom_to_kyiv(page: Page, figures: Runs) -> str:
        # Zoomed in on Kyiv the page draws every strike, clustered.
        figures.add(
            "zoom", redraw(page, "window.trackerDashboard.map.setView([50.45, 30.52], 10)")["ms"]
        )
        zoomed = timings(page)["counts"]
        assert zoomed["attackMode"] == "markers"
        return f"zoom to Kyiv {figures.ms['zoom'][-1]:.0f} ms ({zoomed['attacks']:,} markers)"

    figures = measure_dashboard(browser, big_site, runs=RUNS, more=zoom_to_kyiv).medians()
    print(
        f"bench dashboard attacks={ATTACKS} interactive_ms={figures['interactive']:.0f} "
        f"filter_ms={figures['filter']:.0f} pan_ms={figures['pan']:.0f}"
    )
    print(f"bench dashboard far pan (a new area): {figures['far pan']:.0f} ms")
    check(
        (DASHBOARD_INTERACTIVE_MS, figures["interactive"]),
        (DASHBOARD_PAN_MS, figures["pan"]),
        (DASHBOARD_FAR_PAN_MS, figures["far pan"]),
        (DASHBOARD_FILTER_MS, figures["filter"]),
        (DASHBOARD_ZOOM_MS, figures["zoom"]),
    )
