"""The dashboard with thousands of attacks: the API's clusters, drawn and clickable."""

from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.bench.generate import generate_attacks, generate_facilities
from tests.e2e.conftest import _user, checked_page, live_site, screenshot, wait_until

pytestmark = pytest.mark.e2e

ATTACKS = 3000
FACILITIES = 600
# Low enough that the country's 3,000 attacks are clustered, high enough that a city's
# few dozen are drawn one by one.
CLUSTER_ABOVE = 1000


def seed_many() -> None:
    generate_facilities(FACILITIES)
    generate_attacks(ATTACKS)
    _user("maria.viewer", "viewer")


@pytest.fixture(scope="module")
def many_site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with (
        live_site(django_db_blocker, seed_many) as server,
        override_settings(MAP_CLUSTER_ABOVE=CLUSTER_ABOVE),
    ):
        yield server


@pytest.fixture
def map_page(browser: Browser, many_site: LiveServer) -> Iterator[Page]:
    with checked_page(browser, many_site.url, user="maria.viewer") as page:
        yield page


def counts(page: Page) -> dict:
    return page.evaluate("window.trackerTimings.counts")


def settled(page: Page, before: int) -> None:
    wait_until(page, f"Number(document.documentElement.dataset.drawn || 0) > {before}")
    wait_until(page, "!document.querySelector('#map-status').classList.contains('is-loading')")


def drawn(page: Page) -> int:
    return int(page.evaluate("Number(document.documentElement.dataset.drawn || 0)"))


def test_the_country_shows_clusters_of_attacks_and_groups_of_facilities(
    map_page: Page, many_site: LiveServer
):
    map_page.goto(f"{many_site.url}/")
    map_page.wait_for_selector("html[data-map-ready]", timeout=30_000)
    shown = counts(map_page)
    assert shown["attackMode"] == "clusters"
    # Every generated attack is in view at the country's zoom, each in one cluster.
    assert shown["attacks"] == ATTACKS
    clusters = map_page.locator(".attack-map-cluster")
    assert 5 <= clusters.count() == shown["attackClusters"] < 200
    # Each says what it holds, to the eye (its count) and to a screen reader.
    first = clusters.first
    expect(first).to_have_attribute("aria-label", "".join(first.get_attribute("title")))
    label = first.get_attribute("aria-label")
    assert " attacks, mostly attack drone; click to zoom in" in label
    assert first.inner_text().replace(",", "") == label.split(" ")[0].replace(",", "")
    total = map_page.evaluate(
        "window.trackerDashboard.attackClustersLayer.getLayers()"
        ".reduce((sum, m) => sum + m.feature.properties.count, 0)"
    )
    assert total == ATTACKS
    # 600 facilities are fewer than the API clusters, but the map groups them.
    assert shown["facilityMode"] == "markers"
    assert shown["facilities"] == FACILITIES
    assert map_page.locator(".facility-icon").count() < FACILITIES / 4
    assert map_page.locator(".facility-map-cluster").count() > 0
    screenshot(map_page, "map-clusters-country")


def test_a_click_on_a_cluster_zooms_to_its_attacks(map_page: Page, many_site: LiveServer):
    map_page.goto(f"{many_site.url}/")
    map_page.wait_for_selector("html[data-map-ready]", timeout=30_000)
    zoom = map_page.evaluate("window.trackerDashboard.map.getZoom()")
    bounds = map_page.evaluate(
        "window.trackerDashboard.attackClustersLayer.getLayers()"
        ".sort((a, b) => b.feature.properties.count - a.feature.properties.count)[0]"
        ".feature.properties.bounds"
    )
    before = drawn(map_page)
    map_page.locator(".attack-map-cluster").first.click()
    settled(map_page, before)
    after = map_page.evaluate("window.trackerDashboard.map.getZoom()")
    assert after > zoom
    west, south, east, north = bounds
    centre = map_page.evaluate("window.trackerDashboard.map.getCenter()")
    assert west <= centre["lng"] <= east
    assert south <= centre["lat"] <= north
    # Closer in, fewer attacks are in view, in smaller clusters or one by one.
    assert counts(map_page)["attacks"] < ATTACKS
    # A city: a few attacks in view, each drawn as itself.
    before = drawn(map_page)
    map_page.evaluate("window.trackerDashboard.map.setView([50.45, 30.52], 11)")
    settled(map_page, before)
    assert counts(map_page)["attackMode"] == "markers"
    assert map_page.locator(".attack-map-cluster").count() == 0
    screenshot(map_page, "map-clusters-city")


def test_a_cluster_opens_from_the_keyboard(map_page: Page, many_site: LiveServer):
    map_page.goto(f"{many_site.url}/")
    map_page.wait_for_selector("html[data-map-ready]", timeout=30_000)
    zoom = map_page.evaluate("window.trackerDashboard.map.getZoom()")
    cluster = map_page.get_by_role("button", name="mostly attack drone").first
    before = drawn(map_page)
    cluster.focus()
    map_page.keyboard.press("Enter")
    settled(map_page, before)
    assert map_page.evaluate("window.trackerDashboard.map.getZoom()") > zoom
