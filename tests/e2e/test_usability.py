"""Entering and reading in a browser set to Berlin time, on a laptop and on a phone.

Times: one note says the form's times are Kyiv time and how far the browser is from it,
dates are typed day first. Phones: the map starts on the first screen and long text
wraps. Imported years read as years. A facility's popup lists the attacks that hit it,
as far as the reader may see them.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from incidents.models import Attack, Facility
from tests.e2e.conftest import (
    LAPTOP,
    PHONE,
    live_site,
    log_in,
    open_map,
    screenshot,
    seed_demo,
    until_still,
)
from tests.factories import AttackFactory, DamageFactory
from tests.incidents.importing import run_import

pytestmark = pytest.mark.e2e

BERLIN = "Europe/Berlin"
VIEWPORTS = {"laptop": LAPTOP, "phone": PHONE}
PLANT = "Darnytsia heating plant"
# Unbroken text as analysts paste it: a link with no place to wrap.
LONG_URL = "https://t.me/s/kyivcityofficial/" + "0123456789" * 12
DRAFT_SUMMARY = "Drone strike on the Darnytsia heating plant, not yet reviewed"
# The seed's one published attack and these drafts hit the plant: 7 in all, 5 in a popup.
DRAFTS = 6
KYIV_ON_THE_PLANT = "region=UA-30&map=13/50.446/30.64"


def seed() -> None:
    """The demo; drafts that hit the Darnytsia plant; long unbroken text; an imported plant."""
    seed_demo()
    plant = Facility.objects.get(name=PLANT)
    Facility.objects.filter(pk=plant.pk).update(notes=f"{plant.notes} Photos: {LONG_URL}")
    start = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
    for day in range(DRAFTS):
        attack = AttackFactory(
            started_at=start + timedelta(days=day),
            impact_location=Point(30.64, 50.446, srid=4326),
            summary=f"{DRAFT_SUMMARY} ({day + 1})",
            description=f"Reported at {LONG_URL}",
        )
        attack.regions.add(plant.region)
        DamageFactory(attack=attack, facility=plant, severity="moderate")
    run_import("gppd", "gppd_ukraine.csv")


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with live_site(django_db_blocker, seed) as server:
        yield server


def berlin_context(browser: Browser, viewport: dict) -> BrowserContext:
    """A browser in Berlin (an hour behind Kyiv), offline for map tiles."""
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id=BERLIN)
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    return context


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> tuple[str, dict]:
    return request.param, VIEWPORTS[request.param]


def open_page(browser: Browser, site: LiveServer, viewport: dict, user: str | None) -> Page:
    context = berlin_context(browser, viewport)
    if user:
        log_in(context, site.url, user)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # read by the fixtures below
    return page


@pytest.fixture
def analyst(browser: Browser, site: LiveServer, viewport) -> Iterator[Page]:
    page = open_page(browser, site, viewport[1], "olena.analyst")
    yield page
    page.context.close()
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"


@pytest.fixture
def viewer(browser: Browser, site: LiveServer, viewport) -> Iterator[Page]:
    page = open_page(browser, site, viewport[1], "maria.viewer")
    yield page
    page.context.close()
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"


@pytest.fixture
def public(browser: Browser, site: LiveServer, viewport, settings) -> Iterator[Page]:
    settings.PUBLIC_READ = True
    page = open_page(browser, site, viewport[1], None)
    yield page
    page.context.close()
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


# --------------------------------------------------------------------------- times


def test_the_attack_form_says_once_that_times_are_kyiv_time(analyst: Page, site, viewport):
    page = analyst
    page.goto(f"{site.url}/admin/incidents/attack/add/")
    page.wait_for_load_state("load")

    note = page.locator(".time-zone-note")
    expect(note).to_have_count(1)
    expect(note).to_have_text("All times are Kyiv time (UTC+2 now). Your browser is 1 hour behind.")
    # Django's calendar widgets still write their note beside each time field; none shows.
    assert page.locator(".timezonewarning").count() > 0
    expect(page.locator(".timezonewarning:visible")).to_have_count(0)
    expect(page.get_by_role("heading", name="When (Kyiv time)")).to_be_visible()
    expect(page.get_by_role("heading", name="Outage reports (Kyiv time)")).to_have_count(1)
    # A row added to an inline group brings no note of its own either.
    page.get_by_text("Add another Outage report").click()
    expect(page.locator(".timezonewarning:visible")).to_have_count(0)
    expect(note).to_have_count(1)
    if viewport[0] == "laptop":
        screenshot(page, "admin-attack-form-berlin-laptop")


def test_an_analyst_types_a_date_day_first_and_a_wrong_one_is_told_the_formats(
    analyst: Page, site, viewport, django_db_blocker
):
    page = analyst
    summary = f"Strike typed day first on a {viewport[0]}"
    page.goto(f"{site.url}/admin/incidents/attack/add/")
    page.get_by_label("Summary").fill(summary)
    page.locator("#id_started_at_0").fill("12.11.2026")
    page.locator("#id_started_at_1").fill("10:00")
    page.locator("#id_ended_at_0").fill("11/13/2026")
    page.locator("#id_ended_at_1").fill("11:00")
    page.get_by_role("button", name="Save and continue editing").click()

    # Month first is not read: the message names the formats that are.
    expect(page.locator("#id_ended_at_error")).to_contain_text(
        "Enter a date as DD.MM.YYYY or YYYY-MM-DD"
    )
    expect(page.locator(".errorlist")).to_have_count(1)
    page.locator("#id_ended_at_0").fill("12.11.2026")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_url("**/change/")

    with django_db_blocker.unblock():
        attack = Attack.objects.get(summary=summary)
        started, ended = attack.started_at, attack.ended_at
        attack.delete()
    # 10:00 Kyiv time on 12 November is 08:00 UTC, whatever the browser's zone.
    assert started == datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    assert ended == datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- phones


def test_the_map_starts_on_the_first_screen_and_the_filters_unfold(viewer: Page, site, viewport):
    page = viewer
    name, size = viewport
    open_map(page, site.url)

    map_box = page.locator("#map").bounding_box()
    form = page.locator("#filters")
    if name == "phone":
        assert map_box["y"] < size["height"] / 2, map_box
        expect(form).to_be_hidden()
        expect(page.locator("#filters-active")).to_have_text("(none chosen)")
        screenshot(page, "dashboard-phone")
        page.locator(".filters-summary").click()
        expect(form).to_be_visible()
        page.get_by_label("Region", exact=True).select_option("UA-30")
        expect(page.locator("#filters-active")).to_have_text("(1 chosen)")
    else:
        expect(form).to_be_visible()
        assert map_box["y"] < size["height"] / 2, map_box
    assert page_width(page) <= size["width"]


@pytest.mark.parametrize("which", ["facility", "attack", "region"])
def test_a_detail_page_with_long_unbroken_text_fits_the_screen(
    viewer: Page, site, viewport, which, django_db_blocker
):
    page = viewer
    name, size = viewport
    with django_db_blocker.unblock():
        path = {
            "facility": lambda: Facility.objects.get(name=PLANT).get_absolute_url(),
            "attack": lambda: (
                Attack.objects.filter(summary__startswith=DRAFT_SUMMARY).first().get_absolute_url()
            ),
            "region": lambda: "/regions/UA-30/",
        }[which]()
    page.goto(f"{site.url}{path}")
    page.wait_for_load_state("load")

    if which != "region":
        expect(page.get_by_text(LONG_URL, exact=False).first).to_be_visible()
    assert page_width(page) <= size["width"]
    if name == "phone":
        screenshot(page, f"{which}-page-phone")


def test_an_imported_commissioning_year_reads_as_a_year(viewer: Page, site, django_db_blocker):
    with django_db_blocker.unblock():
        burshtyn = Facility.objects.get(external_source="gppd", external_id="WRI1001")
    viewer.goto(f"{site.url}{burshtyn.get_absolute_url()}")

    expect(viewer.get_by_text("Commissioned: 1965.")).to_be_visible()
    expect(viewer.get_by_text("1965.0")).to_have_count(0)


# --------------------------------------------------------------------------- the popup


def open_plant_popup(page: Page, site) -> None:
    open_map(page, site.url, KYIV_ON_THE_PLANT)
    page.locator(f'.facility-icon[title="{PLANT}"]').click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(PLANT)
    expect(page.locator(".popup-attack-list")).to_have_attribute("aria-busy", "false")
    # The popup grows with its list and pans the map to fit; screenshots wait for that.
    until_still(page.locator(".leaflet-popup-content"))


def assert_popup_within_the_map(page: Page) -> None:
    popup = page.locator(".leaflet-popup").bounding_box()
    zoom = page.locator(".leaflet-control-zoom").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert popup["y"] >= zoom["y"] + zoom["height"], (popup, zoom)
    assert popup["y"] + popup["height"] <= map_box["y"] + map_box["height"], (popup, map_box)


def test_a_viewer_reaches_the_attacks_under_a_facility_from_its_popup(viewer: Page, site, viewport):
    page = viewer
    open_plant_popup(page, site)

    popup = page.locator(".leaflet-popup-content")
    items = popup.locator(".popup-attacks li")
    expect(items).to_have_count(5)
    # Latest first: the last draft, a day after the one before.
    expect(items.first).to_contain_text(f"{DRAFT_SUMMARY} ({DRAFTS})")
    expect(items.first).to_contain_text("15 Feb 2026, 04:00")
    expect(popup.get_by_role("link", name="and 2 more")).to_have_attribute(
        "href", page.locator(".popup a", has_text="Facility details").get_attribute("href")
    )
    assert_popup_within_the_map(page)
    screenshot(page, f"facility-popup-viewer-{viewport[0]}")
    link = items.first.get_by_role("link")
    link.click()
    page.wait_for_url("**/attacks/*/", timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text(DRAFT_SUMMARY)


def test_the_public_popup_lists_only_the_published_attack(public: Page, site, viewport):
    page = public
    open_plant_popup(page, site)

    popup = page.locator(".leaflet-popup-content")
    items = popup.locator(".popup-attacks li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(
        "Missile and drone strike on energy facilities in eight regions"
    )
    expect(items.first).to_contain_text("4 Feb 2026, 05:00")
    expect(popup).not_to_contain_text(DRAFT_SUMMARY)
    expect(popup.get_by_text("more", exact=False)).to_have_count(0)
    expect(popup).not_to_contain_text("null")
    assert_popup_within_the_map(page)
    screenshot(page, f"facility-popup-public-{viewport[0]}")
