"""The interface in Ukrainian in a real browser: the header's switch, the dashboard's own
words and number formats, an attack page, and the choice kept across logins."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from incidents.models import Attack
from tests.e2e.conftest import ARTIFACTS, LAPTOP, new_context, open_map, screenshot

pytestmark = pytest.mark.e2e

NBSP = "\u00a0"


def switch_to_ukrainian(page: Page) -> None:
    page.get_by_label("Language").select_option("uk")
    page.wait_for_selector('html[lang="uk"]')


def test_the_header_switch_shows_the_dashboard_in_ukrainian(
    page: Page, demo_site, django_db_blocker
):
    open_map(page, demo_site.url)
    switch_to_ukrainian(page)
    page.wait_for_selector("html[data-map-ready]", timeout=15_000)
    expect(page.locator("#filters-heading")).to_have_text("Мапа пошкоджень")
    expect(page.get_by_role("button", name="Застосувати")).to_be_visible()
    expect(page.locator(".map-legend summary").first).to_have_text("Легенда")
    expect(page.locator(".legend-service")).to_have_text("без опалення зараз")
    # The script's numbers: grouped with a no-break space, as Intl does for Ukrainian.
    assert page.evaluate("new Intl.NumberFormat('uk').format(1100)") == f"1{NBSP}100"
    launched = page.locator('[data-figure="weapons_launched"]')
    expect(launched).not_to_have_text("…")
    text = launched.inner_text()
    assert "," not in text
    if int(re.sub(r"\D", "", text)) >= 1000:
        assert NBSP in text
    # The chosen filters' summaries, the layer control and the status line.
    expect(page.locator('details[data-name="weapon_type"] .chosen')).to_have_text("(будь-який)")
    expect(page.locator(".leaflet-control-layers")).to_contain_text("Області (відключення)")
    screenshot(page, "dashboard-uk")

    with django_db_blocker.unblock():
        attack = Attack.objects.filter(weapons__isnull=False, damages__isnull=False).first()
    page.goto(f"{demo_site.url}{attack.get_absolute_url()}")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.locator("#where-heading")).to_have_text("Де і як")
    expect(page.locator(".page-meta")).to_contain_text("за київським часом")
    screenshot(page, "attack-uk")


def test_the_language_choice_is_remembered_at_the_next_login(browser: Browser, demo_site):
    first = new_context(browser, demo_site.url, viewport=LAPTOP, user="olena.analyst")
    page = first.new_page()
    open_map(page, demo_site.url)
    switch_to_ukrainian(page)
    page.get_by_role("button", name=re.compile("^Вийти")).click()
    first.close()

    # Another browser: no cookie, an English browser; the login brings Ukrainian back.
    second = new_context(browser, demo_site.url, viewport=LAPTOP, user="olena.analyst")
    page = second.new_page()
    open_map(page, demo_site.url)
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.locator("#filters-heading")).to_have_text("Мапа пошкоджень")
    # The admin's header has the switch too, and back to English it goes.
    page.goto(f"{demo_site.url}/admin/incidents/attack/")
    expect(page.locator("#site-name")).to_contain_text("Облік атак на інфраструктуру")
    # The top of the list (the whole list is many screens long).
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-uk.png"))
    page.get_by_label("Мова").select_option("en")
    page.wait_for_selector('html[lang="en"]')
    expect(page.locator("#site-name")).to_contain_text("Infrastructure attack tracker")
    second.close()
