"""The dashboard's public view: a logged-in user sees what the public sees, and says so."""

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from playwright.sync_api import Browser, Page, Request, expect
from pytest_django.live_server_helper import LiveServer

from incidents.models import Attack, PublicationState
from tests.e2e.conftest import (
    LAPTOP,
    checked_page,
    live_site,
    open_map,
    screenshot,
    seed_demo,
    wait_until,
)
from tests.factories import AttackFactory

pytestmark = pytest.mark.e2e

# The whole country in view, so every attack with a point is in the viewport.
WHOLE_COUNTRY = "map=6/48.6/31.2"
DRAFT_SUMMARY = "Drone strike on a Kyiv substation, not yet reviewed"
SWITCH = "See what the public sees"


def seed_with_a_draft() -> None:
    """The demo (its February 4 case published) and a real attack still in draft."""
    seed_demo()
    AttackFactory(
        started_at=datetime(2026, 2, 10, 2, 0, tzinfo=UTC),
        impact_location=Point(30.52, 50.45, srid=4326),
        summary=DRAFT_SUMMARY,
    )


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with live_site(django_db_blocker, seed_with_a_draft) as server:
        yield server


@pytest.fixture
def analyst_page(browser: Browser, site: LiveServer) -> Iterator[Page]:
    with checked_page(browser, site.url, user="olena.analyst") as page:
        yield page


def is_attack_layer(url: str) -> bool:
    return urlsplit(url).path == "/api/v1/map/attacks.geojson"


def feature_ids(response) -> list[int]:
    return [feature["id"] for feature in response.json()["features"]]


def test_the_public_view_toggle_shows_only_what_the_public_sees(
    analyst_page: Page, site: LiveServer, django_db_blocker
):
    page = analyst_page
    with django_db_blocker.unblock():
        draft = Attack.objects.get(summary=DRAFT_SUMMARY)
    assert draft.publication_state == PublicationState.DRAFT
    switch = page.get_by_role("switch", name=SWITCH)
    banner = page.locator("#public-view-banner")

    with page.expect_response(lambda r: is_attack_layer(r.url)) as full_layer:
        open_map(page, site.url, WHOLE_COUNTRY)
    full = feature_ids(full_layer.value)
    assert draft.pk in full
    assert "view" not in parse_qs(urlsplit(full_layer.value.url).query)
    expect(switch).not_to_be_checked()
    expect(banner).to_be_hidden()

    with page.expect_response(lambda r: is_attack_layer(r.url)) as public_layer:
        switch.check()
    assert parse_qs(urlsplit(public_layer.value.url).query)["view"] == ["public"]
    public = feature_ids(public_layer.value)
    assert draft.pk not in public
    assert 0 < len(public) < len(full)
    wait_until(page, f"window.trackerTimings.counts.attacks === {len(public)}")
    expect(page.locator('[data-figure="attacks"]')).to_have_text(f"{len(public):,}")

    hours, decimals = settings.PUBLIC_DELAY_HOURS, settings.PUBLIC_COORDINATE_DECIMALS
    assert (hours, decimals) == (12, 2)  # The words below follow these settings.
    expect(banner).to_be_visible()
    expect(banner).to_have_text(
        "You are seeing what the public sees: published records only, "
        "12 hours after an attack, locations rounded to about 1 km."
    )
    assert parse_qs(urlsplit(page.url).query)["view"] == ["public"]
    screenshot(page, "map-public-view")

    # A reload keeps the public view, and every request the page makes asks for it.
    requests: list[str] = []

    def note(request: Request) -> None:
        if urlsplit(request.url).path.startswith("/api/"):
            requests.append(request.url)

    page.on("request", note)
    with page.expect_response(lambda r: is_attack_layer(r.url)) as reloaded:
        page.reload()
    page.wait_for_selector("html[data-map-ready]")
    expect(switch).to_be_checked()
    expect(banner).to_be_visible()
    assert feature_ids(reloaded.value) == public
    kinds = {urlsplit(url).path for url in requests}
    assert {
        "/api/v1/map/attacks.geojson",
        "/api/v1/map/facilities.geojson",
        "/api/v1/map/regions.geojson",
        "/api/v1/stats/summary",
    } <= kinds
    for url in requests:
        assert parse_qs(urlsplit(url).query).get("view") == ["public"], url

    # Off again: the full data, and the banner goes.
    with page.expect_response(lambda r: is_attack_layer(r.url)) as again:
        switch.uncheck()
    assert draft.pk in feature_ids(again.value)
    expect(banner).to_be_hidden()
    assert "view" not in parse_qs(urlsplit(page.url).query)


def test_anonymous_visitors_are_told_they_see_the_public_view(
    browser: Browser, site: LiveServer, settings, django_db_blocker
):
    with django_db_blocker.unblock():
        seed_attack = Attack.objects.get(external_id="2026-02-04-energy-strike").pk
    settings.PUBLIC_READ = True
    context = browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="UTC")
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    try:
        with page.expect_response(lambda r: is_attack_layer(r.url)) as layer:
            open_map(page, site.url, WHOLE_COUNTRY)
        expect(page.locator("#public-view-note")).to_have_text(
            "This is the public view: published records only, "
            "12 hours after an attack, locations rounded to about 1 km."
        )
        expect(page.get_by_role("switch", name=SWITCH)).to_have_count(0)
        expect(page.locator("#public-view-banner")).to_have_count(0)
        # The February 4 case alone: no draft, nothing illustrative.
        assert feature_ids(layer.value) == [seed_attack]
        screenshot(page, "map-anonymous")
    finally:
        context.close()
