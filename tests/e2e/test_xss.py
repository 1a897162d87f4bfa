"""Text that analysts typed or imports brought reaches every page as text, never as markup.

Each untrusted field holds markup that would set `window.__xss` to the field's name if a
page ever parsed it as HTML. The tests visit every page that shows those fields, open
the popups, hover the tooltips and charts, and check that no script ran, that no dialog
opened and that the Content-Security-Policy refused nothing (a refusal means some page
still tries to run inline code).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from incidents.models import Attack, Facility, Region
from incidents.services.facilities import facility_refresh_status
from tests.e2e.conftest import (
    PASSWORD,
    ScriptWatch,
    live_site,
    logged_in_page,
    open_map,
    screenshot,
    wait_until,
)
from tests.factories import (
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    ResponseMeasureFactory,
    SourceFactory,
    WeaponUseFactory,
)

pytestmark = pytest.mark.e2e

VECTORS = (
    "<img src=x onerror=\"window.__xss='{}'\">",
    "<script>window.__xss='{}'</script>",
    '"><svg onload="window.__xss=\'{}\'">',
)


def payload(where: str, label: str, vectors: tuple[str, ...] = VECTORS) -> str:
    """`label` followed by markup that, parsed as HTML, names `where` in window.__xss."""
    return f"{label} " + "".join(vector.format(where) for vector in vectors)


FACILITY_NAME = payload("facility.name", "Plant")
REGION_NAME = payload("region.name_en", "Kyiv", VECTORS[:1])
ATTACK_SUMMARY = payload("attack.summary", "Strike")
CENTRAL_KYIV = Point(30.5234, 50.4501, srid=4326)
MAP_VIEW = "region=UA-30&map=11/50.45/30.58"


def seed() -> None:
    """One strike on one plant in Kyiv, every free-text field carrying markup."""
    User.objects.create_superuser("admin", password=PASSWORD)
    kyiv = Region.objects.get(code="UA-30")
    kyiv.name_en = REGION_NAME
    kyiv.name_uk = payload("region.name_uk", "Київ", VECTORS[1:])
    kyiv.save()
    plant = FacilityFactory(
        region=kyiv,
        name=FACILITY_NAME,
        name_uk=payload("facility.name_uk", "ТЕЦ"),
        locality=payload("facility.locality", "Darnytsia"),
        operator="<img src=x onerror=alert('facility.operator')>",
        notes=payload("facility.notes", "Notes"),
    )
    source = SourceFactory(
        title=payload("source.title", "Statement"),
        quote=payload("source.quote", "Quote"),
        speaker=payload("source.speaker", "Minister"),
        speaker_role=payload("source.speaker_role", "Role"),
        publisher=payload("source.publisher", "Telegram"),
    )
    started = datetime(2026, 2, 4, 3, 0, tzinfo=UTC)
    attack = AttackFactory(
        started_at=started,
        summary=ATTACK_SUMMARY,
        description=payload("attack.description", "Description"),
        perpetrator=payload("attack.perpetrator", "Perpetrator"),
        impact_location=CENTRAL_KYIV,
    )
    attack.regions.add(kyiv)
    attack.sources.add(source)
    WeaponUseFactory(attack=attack, model=payload("weapon.model", "Kh", VECTORS[:2]))
    DamageFactory(
        attack=attack, facility=plant, description=payload("damage.description", "Boilers")
    )
    facility_refresh_status(facility_id=plant.pk)
    for hours, count in [(6, 1100), (30, 700)]:
        OutageReportFactory(
            region=kyiv,
            attack=attack,
            locality=payload("outage.locality", "Left bank"),
            count=count,
            as_of=started + timedelta(hours=hours),
        ).sources.add(source)
    ResponseMeasureFactory(
        region=kyiv,
        attack=attack,
        description=payload("response.description", "Generators"),
        actor=payload("response.actor", "Ministry"),
    )


@pytest.fixture(scope="module")
def planted_site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with live_site(django_db_blocker, seed) as server:
        yield server


@pytest.fixture
def admin_page(watched, planted_site: LiveServer) -> tuple[Page, ScriptWatch]:
    context, watch = watched
    return logged_in_page(context, planted_site.url, "admin"), watch


def assert_no_script_ran(page: Page, watch: ScriptWatch) -> None:
    # Handlers of an image that failed to load run a moment after it is inserted.
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None, f"markup ran on {page.url}"
    assert watch.dialogs == [], f"a script opened a dialog: {watch.dialogs}"
    assert watch.violations == [], f"the policy refused scripts: {watch.violations}"
    assert watch.errors == [], f"JavaScript errors: {watch.errors}"


def hover_across(page: Page, selector: str) -> None:
    """Move the pointer along the middle of an element, as over a chart's points and bars."""
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    assert box, f"{selector} is not shown"
    for step in range(1, 20):
        page.mouse.move(box["x"] + box["width"] * step / 20, box["y"] + box["height"] * 0.7)
        page.wait_for_timeout(20)


def close_popup(page: Page) -> None:
    page.locator(".leaflet-popup-close-button").click()
    expect(page.locator(".leaflet-popup")).to_have_count(0)


def test_the_dashboard_shows_untrusted_names_as_text_in_popups_tooltips_and_charts(
    admin_page, planted_site
):
    page, watch = admin_page
    open_map(page, planted_site.url, MAP_VIEW)
    expect(page.locator(".facility-icon")).to_have_count(1)

    page.locator(".facility-icon").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(FACILITY_NAME)
    expect(popup).to_contain_text("Darnytsia <img")
    expect(popup.get_by_role("link", name="Facility details")).to_be_visible()
    screenshot(page, "xss-dashboard-facility-popup")
    close_popup(page)

    # The plant's marker may cover the strike's; the layer switcher hides it.
    page.get_by_label("Facilities", exact=True).uncheck()
    page.locator(".attack-icon").first.click()
    expect(popup).to_contain_text(ATTACK_SUMMARY)
    expect(popup).to_contain_text(FACILITY_NAME)
    expect(popup.get_by_role("link", name="Attack details")).to_be_visible()
    screenshot(page, "xss-dashboard-attack-popup")
    close_popup(page)

    # The popups panned the map to fit (the facility's lists its attacks): back to the
    # planted region before hovering the map's middle.
    open_map(page, planted_site.url, MAP_VIEW)
    page.get_by_label("Facilities", exact=True).uncheck()
    page.get_by_label("Attacks", exact=True).uncheck()
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".region-tooltip")
    expect(tooltip).to_contain_text(REGION_NAME)
    expect(tooltip).to_contain_text("Without heating: over 700 buildings")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(popup).to_contain_text(REGION_NAME)
    expect(popup.get_by_role("link", name="Region details")).to_be_visible()
    screenshot(page, "xss-dashboard-region-popup")
    before = int(page.evaluate("document.documentElement.dataset.drawn"))
    popup.get_by_role("button", name="Show only this region").click()
    wait_until(page, f"Number(document.documentElement.dataset.drawn) > {before}")

    expect(page.locator("#series-region")).to_have_text(REGION_NAME)
    wait_until(page, "Number(document.querySelector('#timeline-chart').dataset.periods) > 0")
    hover_across(page, "#timeline-chart")
    hover_across(page, "#series-chart")
    assert REGION_NAME in page.locator("#series-chart").get_attribute("aria-label")
    screenshot(page, "xss-dashboard-charts")
    assert_no_script_ran(page, watch)


def test_the_detail_pages_show_untrusted_text_as_text(admin_page, planted_site, django_db_blocker):
    page, watch = admin_page
    with django_db_blocker.unblock():
        attack = Attack.objects.get()
        facility = Facility.objects.get()

    page.goto(f"{planted_site.url}{attack.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(ATTACK_SUMMARY)
    expect(page.locator("main")).to_contain_text("Kh <img")
    expect(page.locator("main")).to_contain_text("Boilers <img")
    expect(page.locator("main")).to_contain_text("Left bank <img")
    expect(page.locator("main")).to_contain_text("Generators <img")
    expect(page.locator(".sources")).to_contain_text("Statement <img")
    screenshot(page, "xss-attack-page")
    assert_no_script_ran(page, watch)

    page.goto(f"{planted_site.url}{facility.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(FACILITY_NAME)
    marker = page.locator("#facility-map .leaflet-interactive")
    expect(marker).to_have_count(1)
    marker.hover()
    tooltip = page.locator("#facility-map .leaflet-tooltip")
    expect(tooltip).to_be_visible()
    screenshot(page, "xss-facility-page")
    assert_no_script_ran(page, watch)
    expect(tooltip).to_have_text(FACILITY_NAME)

    page.goto(f"{planted_site.url}/regions/UA-30/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(REGION_NAME)
    hover_across(page, "canvas[data-series='0']")
    screenshot(page, "xss-region-page")
    assert_no_script_ran(page, watch)


MODELS = ["facility", "attack", "weaponuse", "damage", "outagereport", "source", "responsemeasure"]


def test_the_admin_lists_forms_and_histories_show_untrusted_text_as_text(admin_page, planted_site):
    page, watch = admin_page
    admin = f"{planted_site.url}/admin/incidents"
    for model in MODELS:
        page.goto(f"{admin}/{model}/")
        expect(page.locator("#result_list")).to_be_visible()
        page.locator("#result_list tbody tr th a").first.click()
        expect(page.locator(f"#content-main form#{model}_form")).to_be_visible()
        assert_no_script_ran(page, watch)
        page.goto(page.url.replace("/change/", "/history/"))
        assert_no_script_ran(page, watch)

    # Autocomplete lists the plant's name as the analyst types.
    page.goto(f"{admin}/damage/")
    page.locator("#result_list tbody tr th a").first.click()
    page.locator("#id_facility").locator("xpath=..").locator(".select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("Plant")
    # The suggestion names the facility, then its kind, locality and region: all as text.
    suggestion = page.locator(".select2-results__option").first
    expect(suggestion).to_contain_text(FACILITY_NAME)
    expect(suggestion).to_contain_text("Combined heat and power plant")
    screenshot(page, "xss-admin-autocomplete")
    page.keyboard.press("Escape")

    page.goto(f"{planted_site.url}/admin/incidents/region/?q=UA-30")
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator("#id_name_en")).to_have_value(REGION_NAME)
    assert_no_script_ran(page, watch)
