"""The pages keep working under the Content-Security-Policy, and it refuses nothing they need.

The policy allows scripts only from the site's own files. Each test drives a page whose
script used to be inline (the admin's map widgets, the import progress bar) or comes
from a package (the API docs), and fails on any violation the browser reports.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from incidents.models import Attack, Facility, ImportJob
from incidents.roles import ANALYST, VIEWER
from tests.e2e.conftest import (
    PASSWORD,
    ScriptWatch,
    _user,
    live_site,
    logged_in_page,
    screenshot,
)
from tests.factories import AttackFactory

pytestmark = pytest.mark.e2e


def seed() -> None:
    _user("maria.viewer", VIEWER)
    _user("olena.analyst", ANALYST)
    admin = User.objects.create_superuser("admin", password=PASSWORD)
    AttackFactory(summary="Drone strike, impact point not yet placed", impact_location=None)
    ImportJob.objects.create(
        format=ImportJob.Format.OUTAGES_CSV,
        created_by=admin,
        status=ImportJob.Status.RUNNING,
        rows_total=200,
        rows_processed=50,
    )


def as_the_worker(**progress: object) -> None:
    """Write the import job's progress as a worker would: committed at once.

    The test itself runs inside a transaction the live server cannot see into, so the
    write goes through another thread's own database connection.
    """

    def write() -> None:
        try:
            ImportJob.objects.update(**progress)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(write).result()


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with live_site(django_db_blocker, seed) as server:
        yield server


def assert_nothing_refused(watch: ScriptWatch) -> None:
    assert watch.violations == [], f"the policy refused: {watch.violations}"
    assert watch.errors == [], f"JavaScript errors: {watch.errors}"


def place_marker(page: Page, map_selector: str, dx: float, dy: float) -> None:
    """Pick the draw-a-marker tool of the map widget and click the map off its centre."""
    page.locator(f"{map_selector} .leaflet-draw-draw-marker").click()
    box = page.locator(map_selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)


def test_the_api_docs_list_every_operation_under_the_policy(watched, site):
    context, watch = watched
    page = logged_in_page(context, site.url, "maria.viewer")
    page.goto(f"{site.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() > 20
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/attacks/").first).to_be_visible()
    screenshot(page, "csp-api-docs")
    assert_nothing_refused(watch)


def test_the_browsable_api_works_under_the_policy(watched, site):
    context, watch = watched
    page = logged_in_page(context, site.url, "olena.analyst")
    page.goto(f"{site.url}/api/v1/attacks/")
    expect(page.locator(".response-info")).to_contain_text("Drone strike")
    # Its scripts (jQuery, Bootstrap) run: the format menu opens.
    page.locator(".format-selection .dropdown-toggle").first.click()
    expect(page.locator(".format-selection .dropdown-menu").first).to_be_visible()
    assert_nothing_refused(watch)


def test_an_analyst_places_a_new_facility_with_the_admin_map_and_the_point_is_stored(
    watched, site, django_db_blocker
):
    context, watch = watched
    page = logged_in_page(context, site.url, "olena.analyst")
    page.goto(f"{site.url}/admin/incidents/facility/add/")
    expect(page.locator("#id_location-map .leaflet-draw-draw-marker")).to_be_visible()
    page.locator("#id_name").fill("Trypilska thermal power plant")
    page.locator("#id_kind").select_option("thermal")
    place_marker(page, "#id_location-map", 30, -20)
    expect(page.locator("#id_location-map .leaflet-marker-icon")).to_have_count(1)
    screenshot(page, "csp-admin-facility-marker")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    with django_db_blocker.unblock():
        plant = Facility.objects.get(name="Trypilska thermal power plant")
    # The default view is centred on Ukraine (48.6 N, 31.2 E); the click was just off it.
    assert 29 < plant.location.x < 33.5 and 47 < plant.location.y < 50
    assert plant.location.srid == 4326

    # Its change page shows the stored point on the map, with nothing refused either.
    page.goto(f"{site.url}/admin/incidents/facility/{plant.pk}/change/")
    expect(page.locator("#id_location-map .leaflet-marker-icon")).to_have_count(1)
    assert_nothing_refused(watch)


def test_an_analyst_places_an_attacks_impact_point_and_it_is_stored(
    watched, site, django_db_blocker
):
    context, watch = watched
    with django_db_blocker.unblock():
        attack = Attack.objects.get(summary__startswith="Drone strike")
    page = logged_in_page(context, site.url, "olena.analyst")
    page.goto(f"{site.url}/admin/incidents/attack/{attack.pk}/change/")
    place_marker(page, "#id_impact_location-map", -40, 10)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    with django_db_blocker.unblock():
        attack.refresh_from_db()
    assert attack.impact_location is not None
    assert 29 < attack.impact_location.x < 33.5 and 47 < attack.impact_location.y < 50
    assert_nothing_refused(watch)


def test_an_import_jobs_page_follows_its_progress_until_it_finishes(
    watched, site, django_db_blocker
):
    context, watch = watched
    with django_db_blocker.unblock():
        job = ImportJob.objects.get()
    page = logged_in_page(context, site.url, "admin")
    page.goto(f"{site.url}/admin/incidents/importjob/{job.pk}/change/")
    expect(page.locator("#import-progress-text")).to_contain_text("Running: 50 of 200 rows")

    # The worker moves on; the page's poll shows it without a reload.
    as_the_worker(rows_processed=120, rows_created=120)
    expect(page.locator("#import-progress-text")).to_contain_text("Running: 120 of 200 rows")
    assert page.locator("#import-progress-bar").get_attribute("value") == "60"

    # A finished job reloads the page once, which then stops polling.
    as_the_worker(
        status=ImportJob.Status.DONE,
        rows_processed=200,
        rows_created=200,
        started_at=datetime(2026, 2, 4, 8, 0, tzinfo=UTC),
        finished_at=datetime(2026, 2, 4, 8, 1, tzinfo=UTC),
    )
    expect(page.locator("#import-progress-text")).to_contain_text("Done: 200 of 200 rows")
    assert_nothing_refused(watch)
