"""The dashboard in a real browser, with the demo data set."""

import re

import pytest
from django.contrib.gis.geos import Polygon
from django.db.models import Q
from playwright.sync_api import Page, expect

from incidents.models import Attack, Facility
from tests.e2e.conftest import open_map, screenshot, until_still, wait_until

pytestmark = pytest.mark.e2e

KYIV_ON_FEBRUARY_4 = "region=UA-30&started_after=2026-02-04&started_before=2026-02-04"


def drawn(page: Page) -> int:
    """How many times the map has finished drawing its layers."""
    return int(page.evaluate("Number(document.documentElement.dataset.drawn || 0)"))


def wait_for_redraw(page: Page, before: int) -> None:
    wait_until(page, f"Number(document.documentElement.dataset.drawn || 0) > {before}")
    # A pan may follow a new filter (the map moves to a chosen region); let it finish.
    page.wait_for_timeout(300)
    wait_until(page, "!document.querySelector('#map-status').classList.contains('is-loading')")


def counts(page: Page) -> dict:
    return page.evaluate("window.trackerTimings.counts")


def figure(page: Page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text()


def expected_attacks(django_db_blocker, condition: Q) -> int:
    with django_db_blocker.unblock():
        return (
            Attack.objects.filter(condition, impact_location__isnull=False)
            .values("id")
            .distinct()
            .count()
        )


def test_the_map_shows_the_facilities_and_attacks_of_a_region(
    page: Page, demo_site, django_db_blocker
):
    with django_db_blocker.unblock():
        facilities = Facility.objects.filter(region__code="UA-63").count()
    attacks = expected_attacks(django_db_blocker, Q(regions__code="UA-63"))
    assert facilities > 0 and attacks > 0

    # A view of the whole country, so every matching strike is in the viewport.
    open_map(page, demo_site.url, "region=UA-63&map=6/48.6/31.2")

    assert counts(page)["facilities"] == facilities
    assert counts(page)["attacks"] == attacks
    assert counts(page)["regions"] == 1
    expect(page.locator(".facility-icon")).to_have_count(facilities)
    expect(page.locator(".attack-icon, .attack-cluster").first).to_be_visible()
    expect(page.locator('[data-figure="attacks"]')).to_have_text(f"{attacks:,}")
    expect(page.get_by_label("Region", exact=True)).to_have_value("UA-63")
    expect(page).to_have_title(re.compile("Damage map"))
    screenshot(page, "map-kharkiv-laptop")


def test_a_filter_change_updates_the_url_the_markers_and_the_summary_and_back_undoes_it(
    page: Page, demo_site, django_db_blocker
):
    everything = expected_attacks(django_db_blocker, Q())
    with_bombs = expected_attacks(django_db_blocker, Q(weapons__weapon_type="guided_bomb"))
    assert 0 < with_bombs < everything
    open_map(page, demo_site.url)
    assert counts(page)["attacks"] == everything
    expect(page.locator('[data-figure="attacks"]')).to_have_text(f"{everything:,}")
    screenshot(page, "map-laptop")

    before = drawn(page)
    page.locator("summary", has_text="Weapon type").click()
    page.get_by_label("Guided aerial bomb").check()
    wait_for_redraw(page, before)

    assert "weapon_type=guided_bomb" in page.url
    assert counts(page)["attacks"] == with_bombs
    expect(page.locator('[data-figure="attacks"]')).to_have_text(f"{with_bombs:,}")

    before = drawn(page)
    page.go_back()
    wait_for_redraw(page, before)
    assert "weapon_type" not in page.url
    expect(page.get_by_label("Guided aerial bomb")).not_to_be_checked()
    assert counts(page)["attacks"] == everything
    expect(page.locator('[data-figure="attacks"]')).to_have_text(f"{everything:,}")


def test_the_filters_can_be_used_with_the_keyboard(page: Page, demo_site):
    open_map(page, demo_site.url)
    before = drawn(page)
    page.get_by_label("Region", exact=True).focus()
    # The first region in the list after "All regions".
    page.keyboard.press("ArrowDown")
    wait_for_redraw(page, before)
    assert "region=UA-43" in page.url
    expect(page.locator("#series-region")).to_have_text("Autonomous Republic of Crimea")


def test_the_darnytsia_heating_plant_popup_leads_to_its_page_with_the_severe_damage(
    page: Page, demo_site
):
    open_map(page, demo_site.url, "region=UA-30")
    page.locator('.facility-icon[title="Darnytsia heating plant"]').click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Darnytsia heating plant")
    expect(popup).to_contain_text("Combined heat and power plant")
    page.wait_for_timeout(400)  # The popup fades in.
    screenshot(page, "map-darnytsia-popup")

    popup.get_by_role("link", name="Facility details").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Darnytsia heating plant")
    damage = page.locator("section", has=page.get_by_role("heading", name="Damage history"))
    expect(damage).to_contain_text("Severe")
    expect(damage).to_contain_text("4 Feb 2026, 05:00")
    expect(page.locator("#facility-map .leaflet-interactive")).to_have_count(1)
    screenshot(page, "facility-darnytsia")


def test_an_attack_popup_leads_to_the_attack_page_with_graded_sources(page: Page, demo_site):
    open_map(page, demo_site.url, KYIV_ON_FEBRUARY_4)
    # The plant's own marker covers the strike's; the layer switcher hides it.
    page.get_by_label("Facilities", exact=True).uncheck()
    page.locator(".attack-icon").first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("4 Feb 2026, 05:00")
    expect(popup).to_contain_text("Darnytsia heating plant")

    popup.get_by_role("link", name="Attack details").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Darnytsia heating plant")
    expect(page.locator("table").first).to_contain_text("Ballistic missile")
    damaged = page.locator("section", has=page.get_by_role("heading", name="Damaged facilities"))
    expect(damaged).to_contain_text("Severe")
    outages = page.locator("section", has=page.get_by_role("heading", name="Outages it caused"))
    expect(outages).to_contain_text("over 1,100 buildings")
    expect(outages).to_contain_text("over 110,000 customers")
    expect(page.locator(".badge.grade").first).to_have_text(re.compile(r"^[A-F][1-6]$"))
    expect(page.locator(".facts")).to_contain_text("−25 °C")
    # Analysts edit in the admin; a viewer is not offered the link.
    expect(page.get_by_role("link", name="Edit in data entry")).to_have_count(0)
    screenshot(page, "attack-february-4")


def test_the_kyiv_region_shows_its_heating_outage_even_without_base_tiles(page: Page, demo_site):
    open_map(page, demo_site.url, KYIV_ON_FEBRUARY_4)
    expect(page.locator('[data-figure="heating"]')).to_contain_text("1,100 buildings")
    # The tiles were refused, yet the boundary is drawn from the API's layer.
    expect(page.locator(".leaflet-regions-pane path")).to_have_count(1)

    # Hide the markers with the layer switcher so the pointer reaches the region.
    page.get_by_label("Facilities", exact=True).uncheck()
    page.get_by_label("Attacks", exact=True).uncheck()
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".region-tooltip")
    expect(tooltip).to_contain_text("Kyiv")
    expect(tooltip).to_contain_text("Without heating: over 1,100 buildings")
    expect(tooltip).to_contain_text("as of 4 Feb 2026, 12:00")
    expect(page.locator("#series-chart")).to_be_visible()
    screenshot(page, "map-kyiv-heating")

    page.goto(f"{demo_site.url}/regions/UA-30/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kyiv")
    expect(page.get_by_role("table").filter(has_text="over 1,100")).to_have_count(1)
    screenshot(page, "region-kyiv")


def test_clicking_a_timeline_bar_narrows_the_map_to_that_period(page: Page, demo_site):
    open_map(page, demo_site.url)
    wait_until(page, "Number(document.querySelector('#timeline-chart').dataset.periods) > 0")
    everything = counts(page)["attacks"]
    page.locator("#timeline-chart").scroll_into_view_if_needed()
    # The foot of the tallest bar, from the chart's own layout.
    point = page.evaluate(
        """() => {
          const chart = Chart.getChart('timeline-chart');
          const meta = chart.getDatasetMeta(0);
          const totals = chart.data.labels.map((_, i) =>
            chart.data.datasets.filter((d) => d.type !== 'line')
              .reduce((sum, d) => sum + (d.data[i] || 0), 0));
          const index = totals.indexOf(Math.max(...totals));
          const bar = meta.data[index];
          const box = chart.canvas.getBoundingClientRect();
          return { x: box.left + bar.x, y: box.top + chart.scales.y.bottom - 2 };
        }"""
    )
    before = drawn(page)
    page.mouse.click(point["x"], point["y"])
    wait_for_redraw(page, before)

    assert "started_after=" in page.url and "started_before=" in page.url
    assert 0 < counts(page)["attacks"] < everything
    expect(page.get_by_role("button", name="Show all dates")).to_be_visible()
    screenshot(page, "map-one-week")


def test_the_map_and_the_filters_stack_on_a_phone(phone: Page, demo_site):
    open_map(phone, demo_site.url)
    filters = phone.locator(".filters-panel").bounding_box()
    map_box = phone.locator("#map").bounding_box()
    assert filters["y"] + filters["height"] <= map_box["y"]
    assert map_box["width"] >= 340
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert counts(phone)["attacks"] > 0
    screenshot(phone, "map-phone")

    open_map(phone, demo_site.url, "region=UA-30")
    phone.locator('.facility-icon[title="Darnytsia heating plant"]').click()
    details = phone.get_by_role("link", name="Facility details")
    # On a narrow map the popup pans the map to fit; a click during the pan misses.
    until_still(details)
    details.click()
    phone.wait_for_url("**/facilities/*/", timeout=15_000)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Darnytsia heating plant")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "facility-darnytsia-phone")


def test_a_popup_that_pans_the_map_to_fit_stays_open(page: Page, demo_site):
    open_map(page, demo_site.url, "region=UA-30&map=12/50.4460/30.6400")
    # Bring the plant to the top edge, so its popup must pan the map to fit.
    before = drawn(page)
    page.evaluate(
        "(() => { const map = window.trackerDashboard.map;"
        " map.panBy([0, map.getSize().y / 2 - 30], { animate: false }); })()"
    )
    wait_for_redraw(page, before)
    page.locator('.facility-icon[title="Darnytsia heating plant"]').click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Darnytsia heating plant")
    # Long enough for a reload of the layers, which would close the popup with its marker.
    page.wait_for_timeout(1500)
    expect(popup).to_be_visible()
    popup.get_by_role("link", name="Facility details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Darnytsia heating plant")


def test_a_pan_during_a_filter_change_still_finishes_drawing(page: Page, demo_site):
    open_map(page, demo_site.url)
    # Slow answers make the pan's requests and the filter change's requests overlap, so
    # each replaces one of the other's.
    page.evaluate(
        "(() => { const fetch = window.fetch; window.fetch = (url, options) =>"
        " new Promise((resolve) => setTimeout(resolve, 300)).then(() => fetch(url, options)); })()"
    )
    before = drawn(page)
    page.get_by_label("Outages of").select_option("electricity")
    page.evaluate("window.trackerDashboard.map.panBy([40, 0], { animate: false })")
    wait_for_redraw(page, before)
    expect(page.locator("#map-status")).to_be_hidden()
    assert "service=electricity" in page.url


def test_a_figure_that_counts_facilities_the_map_does_not_draw_says_so(page: Page, demo_site):
    # The public view shows some facilities by region only; the summary says how many of the
    # counted ones the map leaves out, and the dashboard shows it under the figure.
    def with_note(route) -> None:
        response = route.fetch()
        data = response.json()
        data["not_on_map"] = [
            {"figure": "facilities_destroyed", "count": 2, "reason": "shown_by_region_only"}
        ]
        route.fulfill(response=response, json=data)

    page.route("**/api/v1/stats/summary*", with_note)
    open_map(page, demo_site.url)
    expect(page.locator('[data-note="facilities_destroyed"]')).to_have_text(
        "2 facilities are shown only by region"
    )
    expect(page.locator('[data-note="facilities_damaged"]')).to_be_hidden()
    expect(page.locator('[data-note="attacks"]')).to_be_hidden()


def attacks_in_view(page: Page, django_db_blocker) -> int:
    west, south, east, north = page.evaluate(
        "(() => { const b = window.trackerDashboard.map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    with django_db_blocker.unblock():
        return Attack.objects.filter(
            impact_location__within=Polygon.from_bbox((west, south, east, north))
        ).count()


def test_a_short_pan_needs_no_request_and_a_long_one_asks_for_the_new_area(
    page: Page, demo_site, django_db_blocker
):
    open_map(page, demo_site.url, "map=11/50.4500/30.5200")
    asked: list[str] = []
    page.on(
        "request",
        lambda request: asked.append(request.url) if "/api/v1/map/" in request.url else None,
    )
    shown = counts(page)["attacks"]
    assert shown == attacks_in_view(page, django_db_blocker) > 0

    # The layers hold an area around the view: a pan inside it is drawn at once.
    before = drawn(page)
    page.evaluate("window.trackerDashboard.map.panBy([200, 100], { animate: false })")
    wait_for_redraw(page, before)
    assert asked == []
    assert counts(page)["attacks"] == attacks_in_view(page, django_db_blocker)

    # Far away, both layers ask for the new area, and the count follows the view.
    before = drawn(page)
    page.evaluate("window.trackerDashboard.map.panBy([3000, 0], { animate: false })")
    wait_for_redraw(page, before)
    layers = sorted(re.search(r"/map/(\w+)\.geojson", url).group(1) for url in asked)
    assert layers == ["attacks", "facilities"]
    assert counts(page)["attacks"] == attacks_in_view(page, django_db_blocker) < shown
    bbox = re.search(r"bbox=([^&]+)", asked[0]).group(1).replace("%2C", ",")
    west, south, east, north = (float(value) for value in bbox.split(","))
    centre = page.evaluate("window.trackerDashboard.map.getCenter()")
    assert west < centre["lng"] < east and south < centre["lat"] < north
