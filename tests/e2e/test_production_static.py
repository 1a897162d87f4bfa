"""The pages' ES modules as production serves them: DEBUG off, collected under hashed names.

The dashboard's script is a tree of native modules (static/incidents/dashboard/) that
import each other and static/incidents/lib/ by relative path. collectstatic stores every
file under a hashed name, so the production storage must rewrite those imports; a missed
one would leave the map empty in production only. gunicorn serves the app here as in
production, and the browser must draw markers from modules loaded by their hashed names,
with no script refused by the Content-Security-Policy.
"""

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from incidents.models import Facility
from tests.e2e.conftest import (
    LAPTOP,
    ScriptWatch,
    log_in,
    offline_context,
    screenshot,
    seed_demo,
    seeded_database,
    wait_until,
    watch_scripts,
)
from tests.e2e.production import gunicorn_server

pytestmark = pytest.mark.e2e

HASHED = re.compile(r"\.[0-9a-f]{12}\.js$")


@pytest.fixture(scope="module")
def production_site(django_db_setup, django_db_blocker) -> Iterator[str]:
    with (
        seeded_database(django_db_blocker, seed_demo),
        tempfile.TemporaryDirectory(prefix="tracker-production-") as tmp,
        gunicorn_server(Path(tmp), workers=1) as url,
    ):
        yield url


@pytest.fixture
def watched_page(browser: Browser, production_site: str) -> Iterator[tuple[Page, ScriptWatch]]:
    context: BrowserContext = offline_context(browser, viewport=LAPTOP)
    watch = watch_scripts(context)
    log_in(context, production_site, "maria.viewer")
    page = context.new_page()
    yield page, watch
    context.close()


def scripts_loaded(page: Page) -> list[str]:
    return page.evaluate(
        """performance.getEntriesByType("resource")
            .filter((e) => e.initiatorType === "script" || e.name.endsWith(".js"))
            .map((e) => new URL(e.name).pathname)"""
    )


def test_the_dashboard_draws_its_markers_from_hashed_modules(watched_page, production_site):
    page, watch = watched_page
    page.goto(f"{production_site}/")
    page.wait_for_selector("html[data-map-ready]", timeout=30_000)
    wait_until(page, "window.trackerTimings.counts.attacks > 0", timeout=30_000)
    counts = page.evaluate("window.trackerTimings.counts")
    assert counts["facilities"] > 0
    assert page.locator(".facility-pin").count() > 0
    assert page.locator(".attack-dot, .attack-cluster").count() > 0
    screenshot(page, "map-production")

    ours = [path for path in scripts_loaded(page) if path.startswith("/static/incidents/")]
    modules = {Path(path).name.split(".")[0] for path in ours}
    assert {"main", "layers", "state", "format", "colours", "dom"} <= modules
    assert [path for path in ours if not HASHED.search(path)] == []
    assert watch.violations == [], f"the policy refused: {watch.violations}"
    assert watch.errors == [], f"JavaScript errors: {watch.errors}"


def test_the_markers_and_the_legend_take_the_status_colours_from_the_stylesheet(
    watched_page, production_site
):
    page, watch = watched_page
    page.goto(f"{production_site}/")
    page.wait_for_selector("html[data-map-ready]", timeout=30_000)
    colours = page.evaluate(
        """(statuses) => Object.fromEntries(statuses.map((status) => [status,
            getComputedStyle(document.documentElement).getPropertyValue(`--status-${status}`)
              .trim()]))""",
        [str(status) for status in Facility.Status.values],
    )
    assert all(re.fullmatch(r"#[0-9a-f]{3,6}", colour) for colour in colours.values()), colours
    pins = page.evaluate(
        "[...document.querySelectorAll('.facility-pin')]"
        ".map((pin) => pin.style.getPropertyValue('--c'))"
    )
    assert pins and set(pins) <= set(colours.values())
    # The legend lists the statuses first, in the order of the choices.
    legend = page.evaluate(
        """(n) => [...document.querySelectorAll('.map-legend .swatch.round')].slice(0, n)
            .map((swatch) => swatch.style.background)""",
        len(colours),
    )
    as_rgb = page.evaluate(
        """(colours) => colours.map((colour) => {
            const probe = document.createElement("span");
            probe.style.background = colour;
            return probe.style.background; })""",
        list(colours.values()),
    )
    assert legend == as_rgb

    facility = page.evaluate("window.trackerDashboard.facilitiesLayer.getLayers()[0].feature")
    page.goto(f"{production_site}{facility['properties']['url']}")
    marker = page.locator("#facility-map path.leaflet-interactive")
    marker.wait_for(timeout=15_000)
    assert marker.get_attribute("fill") == colours[facility["properties"]["status"]]
    screenshot(page, "facility-production")
    assert watch.violations == [], f"the policy refused: {watch.violations}"
    assert watch.errors == [], f"JavaScript errors: {watch.errors}"
