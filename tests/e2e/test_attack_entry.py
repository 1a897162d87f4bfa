"""Recording a report in the attack form, as an analyst does many times a day.

The report: on 12 November 2026 at about 04:30 Kyiv time, cruise missiles and attack
drones struck the Trypilska thermal power plant (near Ukrainka, 50.135 N 30.738 E);
the plant was severely damaged, 48,000 customers in Kyiv Oblast lost power, emergency
power cuts followed. Source: a Ukrenergo statement on Telegram. All of it goes in
from the attack's page: the source through the "+" popup, the point typed in, the
plant found by "Trypilska TPP".
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from incidents.demo import load_demo
from incidents.models import (
    Attack,
    Damage,
    OutageReport,
    PublicationState,
    ResponseMeasure,
    Source,
)
from incidents.roles import ANALYST, REVIEWER, VIEWER
from tests.e2e.conftest import PASSWORD, live_site, log_in, screenshot

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
SOURCE_TITLE = "Ukrenergo statement on Telegram, 12 Nov 2026"
SUMMARY = "Missile and drone strike on the Trypilska thermal power plant"
SEARCHES = ("Trypilska TPP", "Trypilska thermal power plant", "Tripilska", "Ukrainka")
SUGGESTION = "Trypilska TPP — Thermal power plant, Ukrainka, Kyiv Oblast"
FEB_4_ATTACK = "2026-02-04-energy-strike"


def seed() -> None:
    """The February 4 case (with the Trypilska plant among its facilities) and three users."""
    load_demo(illustrative=False)
    for username, role in (
        ("olena.analyst", ANALYST),
        ("taras.reviewer", REVIEWER),
        ("maria.viewer", VIEWER),
    ):
        user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=role))


@pytest.fixture(scope="module")
def entry_site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with live_site(django_db_blocker, seed) as server:
        yield server


def berlin_context(browser: Browser, base_url: str, viewport: dict, user: str) -> BrowserContext:
    """A browser in Berlin (an hour behind Kyiv), as an analyst abroad would have it."""
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="Europe/Berlin")
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    log_in(context, base_url, user)
    return context


@pytest.fixture
def open_context(browser: Browser, entry_site: LiveServer) -> Iterator:
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(viewport: dict = LAPTOP, user: str = "olena.analyst") -> BrowserContext:
        context = berlin_context(browser, entry_site.url, viewport, user)
        context.on("page", lambda page: page.on("pageerror", lambda e: errors.append(str(e))))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def assert_no_sideways_scroll(page: Page) -> None:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"


def assert_point(page: Page, field: str, latitude: float, longitude: float) -> None:
    """The map widget's stored GeoJSON holds the point."""
    geometry = json.loads(page.locator(f"#id_{field}").input_value())
    assert geometry["type"] == "Point"
    assert [round(c, 6) for c in geometry["coordinates"]] == [longitude, latitude]


def choose(page: Page, select_id: str, term: str, option: str) -> None:
    """Type into an autocomplete (select2) and pick the suggestion that contains `option`."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    page.locator(".select2-results__option", has_text=option).first.click()


def selected_sources(page: Page, select_id: str) -> list[str]:
    return page.locator(f"#{select_id} option:checked").all_inner_texts()


def cites_the_new_source(page: Page, select_id: str) -> bool:
    chosen = selected_sources(page, select_id)
    return len(chosen) == 1 and SOURCE_TITLE in chosen[0]


# --------------------------------------------------------------------------- the report


def test_an_analyst_records_the_whole_report_in_four_page_loads(open_context, entry_site):
    base_url = entry_site.url
    context = open_context(LAPTOP)
    loads: list[str] = []
    context.on("page", lambda page: page.on("load", lambda: loads.append(page.url)))
    page = context.new_page()

    page.goto(f"{base_url}/admin/incidents/attack/add/")
    page.locator("#id_summary").fill(SUMMARY)
    # The admin takes times in Kyiv time, whatever the browser's time zone.
    page.locator("#id_started_at_0").fill("2026-11-12")
    page.locator("#id_started_at_1").fill("04:30:00")
    page.locator("#id_time_precision").select_option("hour")

    # The point, typed as the report gives it.
    page.locator("#id_impact_coordinates").fill("50.135 N, 30.738 E")
    expect(page.locator("#id_impact_coordinates-reading")).to_have_text(
        "Read as latitude 50.135, longitude 30.738."
    )
    assert_point(page, "impact_location", 50.135, 30.738)

    # The source, added from the attack's own form through the "+" popup.
    with page.expect_popup() as opened:
        page.locator("#add_id_sources").click()
    popup = opened.value
    popup.locator("#id_kind").select_option("official_statement")
    popup.locator("#id_title").fill(SOURCE_TITLE)
    popup.locator("#id_publisher").fill("Telegram")
    popup.locator("#id_speaker").fill("Ukrenergo")
    popup.locator("#id_published_at_0").fill("2026-11-12")
    popup.locator("#id_published_at_1").fill("10:00:00")
    with popup.expect_event("close"):
        popup.locator("input[name='_save']").click()
    expect(page.locator("#id_sources option:checked")).to_contain_text(SOURCE_TITLE)

    # Weapons: 6 cruise missiles (4 intercepted), 15 attack drones (13 intercepted).
    page.locator("#id_weapons-0-weapon_type").select_option("cruise_missile")
    page.locator("#id_weapons-0-launched").fill("6")
    page.locator("#id_weapons-0-intercepted").fill("4")
    page.get_by_text("Add another Weapon use").click()
    page.locator("#id_weapons-1-weapon_type").select_option("attack_drone")
    page.locator("#id_weapons-1-launched").fill("15")
    page.locator("#id_weapons-1-intercepted").fill("13")

    # The damage: the plant found by the name a report gives, its sources pre-selected.
    choose(page, "id_damages-0-facility", "Trypilska TPP", SUGGESTION)
    expect(page.locator(".use-facility-location")).to_have_text(
        "Use Trypilska TPP location (50.135, 30.738)"
    )
    page.locator("#id_damages-0-severity").select_option("severe")
    page.locator("#id_damages-0-description").fill("The plant was severely damaged.")
    assert cites_the_new_source(page, "id_damages-0-sources")

    # The outage: 48,000 customers in Kyiv Oblast without power as of 09:00.
    page.get_by_text("Add another Outage report").click()
    choose(page, "id_outages-0-region", "UA-32", "Kyiv Oblast")
    page.locator("#id_outages-0-service").select_option("electricity")
    page.locator("#id_outages-0-unit").select_option("customers")
    page.locator("#id_outages-0-count").fill("48000")
    page.locator("#id_outages-0-as_of_0").fill("2026-11-12")
    page.locator("#id_outages-0-as_of_1").fill("09:00:00")
    assert cites_the_new_source(page, "id_outages-0-sources")

    # The response: emergency power cuts in Kyiv Oblast.
    page.get_by_text("Add another Response measure").click()
    page.locator("#id_responses-0-kind").select_option("power_cuts")
    choose(page, "id_responses-0-region", "UA-32", "Kyiv Oblast")
    page.locator("#id_responses-0-description").fill("Emergency power cuts in Kyiv Oblast.")
    assert cites_the_new_source(page, "id_responses-0-sources")

    assert_no_sideways_scroll(page)
    page.locator("input[name='_continue']").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was added")
    assert_no_sideways_scroll(page)
    screenshot(page, "attack-entry-trypilska-saved")

    print(f"page loads: {len(loads)}")
    assert len(loads) <= 4, loads

    attack = Attack.objects.get(summary=SUMMARY)
    source = Source.objects.get(title=SOURCE_TITLE)
    assert attack.started_at == datetime(2026, 11, 12, 2, 30, tzinfo=UTC)
    assert (round(attack.impact_location.y, 6), round(attack.impact_location.x, 6)) == (
        50.135,
        30.738,
    )
    assert [region.code for region in attack.regions.all()] == ["UA-32"]
    assert sorted(attack.weapons.values_list("weapon_type", "launched", "intercepted")) == [
        ("attack_drone", 15, 13),
        ("cruise_missile", 6, 4),
    ]
    damage = Damage.objects.get(attack=attack)
    outage = OutageReport.objects.get(attack=attack)
    response = ResponseMeasure.objects.get(attack=attack)
    assert (damage.facility.name, damage.severity) == ("Trypilska TPP", "severe")
    assert (outage.count, outage.region.code) == (48000, "UA-32")
    assert outage.as_of == datetime(2026, 11, 12, 7, 0, tzinfo=UTC)
    for record in (attack, damage, outage, response):
        assert list(record.sources.all()) == [source], record


# --------------------------------------------------------------------------- each point


@VIEWPORTS
@pytest.mark.parametrize("form", ["attack", "facility"])
def test_a_plain_click_on_the_map_places_and_moves_the_point(
    open_context, entry_site, viewport, form
):
    page = open_context(viewport).new_page()
    page.goto(f"{entry_site.url}/admin/incidents/{form}/add/")
    field = "impact_location" if form == "attack" else "location"
    text = "impact_coordinates" if form == "attack" else "location_coordinates"
    map_box = page.locator(f"#id_{field}-map")
    map_box.scroll_into_view_if_needed()
    expect(map_box.locator(".leaflet-control-zoom")).to_be_visible()
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    first = page.locator(f"#id_{field}").input_value()
    assert '"Point"' in first
    expect(page.locator(f"#id_{text}")).not_to_have_value("")
    expect(page.locator(f"#id_{text}-reading")).to_contain_text("Read as latitude")
    expect(map_box.locator(".leaflet-marker-icon")).to_have_count(1)

    page.mouse.click(box["x"] + box["width"] / 4, box["y"] + box["height"] / 4)
    assert page.locator(f"#id_{field}").input_value() != first
    expect(map_box.locator(".leaflet-marker-icon")).to_have_count(1)


@VIEWPORTS
def test_typed_coordinates_are_read_live_and_checked_again_by_the_server(
    open_context, entry_site, viewport
):
    page = open_context(viewport).new_page()
    page.goto(f"{entry_site.url}/admin/incidents/attack/add/")
    field = page.locator("#id_impact_coordinates")
    reading = page.locator("#id_impact_coordinates-reading")
    cases = {
        "50.135, 30.738": "Read as latitude 50.135, longitude 30.738.",
        "N 50.135 E 30.738": "Read as latitude 50.135, longitude 30.738.",
        "30.738 E, 50.135 N": "Read as latitude 50.135, longitude 30.738.",
        "50°08′06″N 30°44′17″E": "Read as latitude 50.135, longitude 30.738056.",
        "50°08'06\"N 30°44'17\"E": "Read as latitude 50.135, longitude 30.738056.",
        "Kyiv": "“Kyiv” is not part of a coordinate.",
        "50.135 N 30.738 N": "Both coordinates are marked as latitude (N/S); "
        "one must be N/S, the other E/W.",
    }
    for text, message in cases.items():
        field.fill(text)
        expect(reading).to_have_text(message)
    field.fill("30.738, 50.135")
    expect(reading).to_contain_text("Read as latitude 50.135, longitude 30.738.")
    expect(reading).to_contain_text("swapped")
    assert_point(page, "impact_location", 50.135, 30.738)

    # The server reads the field again: nonsense comes back with the same message.
    page.locator("#id_summary").fill("Strike with a mistyped point")
    page.locator("#id_started_at_0").fill("2026-11-12")
    page.locator("#id_started_at_1").fill("04:30:00")
    field.fill("50°75'N 30°44'E")
    page.locator("input[name='_continue']").click()
    expect(page.locator(".field-impact_coordinates .errorlist")).to_have_text(
        "Minutes must be below 60, not 75."
    )
    if viewport == LAPTOP:
        assert_no_sideways_scroll(page)
        screenshot(page, "attack-entry-coordinates-error-laptop")


@VIEWPORTS
def test_the_damage_row_finds_the_plant_by_any_name_and_offers_its_location(
    open_context, entry_site, viewport
):
    page = open_context(viewport).new_page()
    page.goto(f"{entry_site.url}/admin/incidents/attack/add/")
    # Each name in a row of its own: the first suggestion is the plant.
    for row, term in enumerate(SEARCHES):
        if row:
            page.get_by_text("Add another Damage").click()
        page.locator(f"#id_damages-{row}-facility + .select2").click()
        page.locator(".select2-container--open .select2-search__field").fill(term)
        expect(page.locator(".select2-results__option").first).to_have_text(SUGGESTION)
        page.keyboard.press("Escape")
    choose(page, "id_damages-0-facility", "Tripilska", SUGGESTION)
    offer = page.locator(".use-facility-location")
    expect(offer).to_have_text("Use Trypilska TPP location (50.135, 30.738)")
    offer.click()
    expect(page.locator("#id_impact_coordinates")).to_have_value("50.135, 30.738")
    assert_point(page, "impact_location", 50.135, 30.738)


@VIEWPORTS
def test_rows_of_a_stored_attack_cite_its_sources_and_open_in_a_popup(
    open_context, entry_site, viewport
):
    attack = Attack.objects.get(external_id=FEB_4_ATTACK)
    titles = sorted(str(source) for source in attack.sources.all())
    page = open_context(viewport).new_page()
    change_url = f"{entry_site.url}/admin/incidents/attack/{attack.pk}/change/"
    page.goto(change_url)

    # A new damage row starts with the attack's sources.
    assert sorted(selected_sources(page, "id_damages-1-sources")) == titles
    page.get_by_text("Add another Outage report").click()
    rows = page.locator("#outages-group .inline-related:not(.empty-form)").count()
    assert sorted(selected_sources(page, f"id_outages-{rows - 1}-sources")) == titles

    # A row's change link opens the row in a popup; saving it comes back to the attack.
    link = page.locator("#damages-group a.inlinechangelink").first
    assert "_popup=1" in link.get_attribute("href")
    with page.expect_popup() as opened:
        link.click()
    popup = opened.value
    popup.locator("#id_description").fill("Boiler house and turbine hall hit.")
    with popup.expect_event("close"):
        popup.locator("input[name='_save']").click()
    assert page.url == change_url
    # The row now shows what the popup saved.
    expect(page.locator("#damages-group .refreshed-from-popup")).to_be_visible()
    expect(page.locator("#id_damages-0-description")).to_have_value(
        "Boiler house and turbine hall hit."
    )
    damage = Damage.objects.get(attack=attack)
    assert damage.description == "Boiler house and turbine hall hit."


def test_saving_the_attack_after_a_popup_keeps_what_the_popup_saved(open_context, entry_site):
    attack = Attack.objects.get(external_id=FEB_4_ATTACK)
    damage = Damage.objects.get(attack=attack)
    severity = "moderate" if damage.severity != "moderate" else "minor"
    page = open_context(LAPTOP).new_page()
    change_url = f"{entry_site.url}/admin/incidents/attack/{attack.pk}/change/"
    page.goto(change_url)

    # The severity is changed in the row's popup ...
    with page.expect_popup() as opened:
        page.locator("#damages-group a.inlinechangelink").first.click()
    popup = opened.value
    popup.locator("#id_severity").select_option(severity)
    with popup.expect_event("close"):
        popup.locator("input[name='_save']").click()
    expect(page.locator("#id_damages-0-severity")).to_have_value(severity)

    # ... then the same row's description and the attack's summary on the attack's page.
    page.locator("#id_damages-0-description").fill("Turbine hall and boiler house destroyed.")
    page.locator("#id_summary").fill("Energy strike on Kyiv and eight regions, corrected")
    page.locator("input[name='_continue']").click()
    expect(page.locator("ul.messagelist li.success")).to_be_visible()

    damage.refresh_from_db()
    assert damage.severity == severity
    assert damage.description == "Turbine hall and boiler house destroyed."
    attack.refresh_from_db()
    assert attack.summary == "Energy strike on Kyiv and eight regions, corrected"


def test_a_row_saved_without_sources_cites_the_attacks(open_context, entry_site):
    """Without the script (or with the pre-selection cleared) the server fills them in."""
    attack = Attack.objects.get(external_id=FEB_4_ATTACK)
    page = open_context(LAPTOP).new_page()
    page.goto(f"{entry_site.url}/admin/incidents/attack/{attack.pk}/change/")
    page.get_by_text("Add another Response measure").click()
    prefix = "id_responses-" + str(ResponseMeasure.objects.filter(attack=attack).count())
    page.locator(f"#{prefix}-kind").select_option("generators")
    page.locator(f"#{prefix}-description").fill("Generators brought in, saved without sources.")
    # Cleared by hand.
    page.evaluate(
        "(id) => { const s = document.getElementById(id); s.replaceChildren();"
        " django.jQuery(s).trigger('change'); }",
        f"{prefix}-sources",
    )
    page.locator("input[name='_continue']").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was changed")
    measure = ResponseMeasure.objects.get(
        attack=attack, description="Generators brought in, saved without sources."
    )
    assert set(measure.sources.all()) == set(attack.sources.all())


# Each role that may save as new, and one of them on a phone too.
@pytest.mark.parametrize(
    ("viewport", "user"),
    [(LAPTOP, "olena.analyst"), (LAPTOP, "taras.reviewer"), (PHONE, "olena.analyst")],
    ids=["laptop-analyst", "laptop-reviewer", "phone-analyst"],
)
def test_save_as_new_starts_a_draft_with_the_regions_weapons_and_sources(
    open_context, entry_site, viewport, user
):
    original = Attack.objects.get(external_id=FEB_4_ATTACK)
    stored = (original.summary, original.damages.count(), original.publication_state)
    summary = f"Next strike, copied by {user} on a {viewport['width']} px screen"
    page = open_context(viewport, user).new_page()
    page.goto(f"{entry_site.url}/admin/incidents/attack/{original.pk}/change/")
    page.locator("#id_summary").fill(summary)
    page.locator("input[name='_saveasnew']").click()
    expect(page.locator("ul.messagelist li.info")).to_contain_text("Saved as a new draft")
    expect(page.locator("#publication h2")).to_have_text("Publication: Draft")

    copy = Attack.objects.get(summary=summary)
    assert copy.pk != original.pk
    assert copy.publication_state == PublicationState.DRAFT
    assert copy.verification_status == Attack.Verification.REPORTED
    assert copy.external_id == ""
    assert set(copy.regions.all()) == set(original.regions.all())
    assert set(copy.sources.all()) == set(original.sources.all())
    assert sorted(copy.weapons.values_list("weapon_type", "model", "launched")) == sorted(
        original.weapons.values_list("weapon_type", "model", "launched")
    )
    assert not copy.damages.exists() and not copy.outages.exists()
    assert not copy.responses.exists()
    # The original is as it was.
    original.refresh_from_db()
    assert (original.summary, original.damages.count(), original.publication_state) == stored


@VIEWPORTS
def test_a_viewer_sees_the_attack_but_cannot_change_it(open_context, entry_site, viewport):
    attack = Attack.objects.get(external_id=FEB_4_ATTACK)
    page = open_context(viewport, "maria.viewer").new_page()
    page.goto(f"{entry_site.url}/admin/incidents/attack/{attack.pk}/change/")
    expect(page.locator("h1")).to_contain_text("View attack")
    expect(page.locator("input[name='_saveasnew']")).to_have_count(0)
    expect(page.locator("#id_impact_coordinates")).to_have_count(0)
    expect(page.locator("#add_id_sources")).to_have_count(0)
    expect(page.locator(".field-impact_coordinates .readonly")).to_contain_text("50.446")
    response = page.request.get(f"{entry_site.url}/admin/incidents/attack/add/")
    assert response.status == 403


def test_the_attack_form_fits_a_laptop_with_every_error_shown(open_context, entry_site):
    page = open_context(LAPTOP).new_page()
    page.goto(f"{entry_site.url}/admin/incidents/attack/add/")
    page.get_by_text("Add another Outage report").click()
    page.get_by_text("Add another Response measure").click()
    page.locator("#id_outages-0-count").fill("-5")
    page.locator("#id_damages-0-description").fill("Half a row")
    page.locator("#id_impact_coordinates").fill("north of Kyiv")
    page.locator("input[name='_continue']").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-impact_coordinates .errorlist")).to_have_text(
        "“north of Kyiv” is not part of a coordinate."
    )
    assert_no_sideways_scroll(page)
    screenshot(page, "attack-entry-errors-laptop")


def test_the_attack_list_gives_the_summary_room_to_read(open_context, entry_site):
    page = open_context(LAPTOP).new_page()
    page.goto(f"{entry_site.url}/admin/incidents/attack/")
    summary = page.locator("#changelist td.field-summary").first
    expect(summary).to_be_visible()
    # A few words a line, not one: at least 16em of the list's 13 px type.
    assert summary.bounding_box()["width"] >= 200
    assert_no_sideways_scroll(page)
    screenshot(page, "attack-list-laptop")
