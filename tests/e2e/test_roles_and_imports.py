"""Each role in the browser, on a laptop (and one role on a phone), in a Berlin browser:
where a login lands, the page a refused admin action shows, read-only points, the import
form's columns and template, the import progress with and without a worker, and region
codes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from incidents.imports.formats import IMPORTERS, template_csv
from incidents.models import Attack, Facility, Region
from incidents.roles import ANALYST, REVIEWER, VIEWER
from tests.e2e.conftest import ARTIFACTS, PASSWORD, PHONE, _user, live_site
from tests.factories import AttackFactory, FacilityFactory
from tests.workers import Worker

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
VIEWPORTS = [pytest.param(LAPTOP, id="laptop"), pytest.param(PHONE, id="phone")]
USERS = {
    "viewer": "maria.viewer",
    "analyst": "olena.analyst",
    "reviewer": "taras.reviewer",
    "admin": "admin",
}
ROLES = list(USERS)
POINT = Point(30.738029, 50.135104, srid=4326)


def seed() -> None:
    _user(USERS["viewer"], VIEWER)
    _user(USERS["analyst"], ANALYST)
    _user(USERS["reviewer"], REVIEWER)
    User.objects.create_superuser(USERS["admin"], password=PASSWORD)
    AttackFactory(summary="Strike on the Darnytsia heating plant", impact_location=POINT)
    FacilityFactory(name="Darnytsia CHP", location=POINT)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with live_site(django_db_blocker, seed) as server:
        yield server


@pytest.fixture(scope="module")
def ids(site, django_db_blocker) -> dict[str, int]:
    with django_db_blocker.unblock():
        return {"attack": Attack.objects.get().pk, "facility": Facility.objects.get().pk}


def berlin_context(browser: Browser, viewport: dict) -> BrowserContext:
    context = browser.new_context(
        viewport=viewport, locale="en-GB", timezone_id="Europe/Berlin", accept_downloads=True
    )
    # Tests never depend on the network: base tiles are refused, as on a closed network.
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    return context


def log_in(page: Page, base_url: str, role: str, next_url: str | None = None) -> None:
    page.goto(f"{base_url}/admin/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Username").fill(USERS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/admin/login/" not in url)


def screenshot(page: Page, name: str, viewport: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{viewport['width']}.png"
    page.screenshot(path=str(path), full_page=True)


def viewports_and_roles(roles: list[str]) -> list:
    """Every role on a laptop, and the first on a phone too: the role decides what a
    page offers, the screen only how it is laid out."""
    return [pytest.param(LAPTOP, role, id=f"laptop-{role}") for role in roles] + [
        pytest.param(PHONE, roles[0], id=f"phone-{roles[0]}")
    ]


# --------------------------------------------------------------------------- logging in


@pytest.mark.parametrize(("viewport", "role"), viewports_and_roles(ROLES))
def test_a_login_lands_where_the_role_works(browser, site, viewport, role):
    context = berlin_context(browser, viewport)
    page = context.new_page()
    # Opening the admin asks for a login with next=/admin/, as a bookmark would.
    page.goto(f"{site.url}/admin/")
    page.get_by_label("Username").fill(USERS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if role == "viewer":
        page.wait_for_url(f"{site.url}/")
        page.wait_for_selector("html[data-map-ready]", timeout=20_000)
    else:
        page.wait_for_url(f"{site.url}/admin/")
        expect(page.locator("#content h1")).to_be_visible()
    context.close()


@pytest.mark.parametrize(("viewport", "role"), viewports_and_roles(ROLES))
def test_a_login_from_the_public_dashboard_comes_back_to_it(
    browser, site, settings, viewport, role
):
    settings.PUBLIC_READ = True
    context = berlin_context(browser, viewport)
    page = context.new_page()
    page.goto(f"{site.url}/?region=UA-30")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(USERS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site.url}/?region=UA-30")
    expect(page.get_by_role("button", name=f"Log out {USERS[role]}")).to_be_attached()
    context.close()


# --------------------------------------------------------------------------- refused pages

REFUSED = {
    "viewer": ("/admin/incidents/attack/add/", "Adding attacks needs the Analyst role."),
    "analyst": (
        "/admin/incidents/attack/{attack}/delete/",
        "Deleting attacks needs the Reviewer role.",
    ),
    "reviewer": (
        "/admin/alerts/webhookendpoint/",
        "Viewing webhook endpoints is for administrators only.",
    ),
}
ROLE_LABELS = {"viewer": "Viewer", "analyst": "Analyst", "reviewer": "Reviewer"}


@pytest.mark.parametrize(("viewport", "role"), viewports_and_roles(list(REFUSED)))
def test_a_refused_admin_page_names_the_role_and_leads_back(browser, site, ids, viewport, role):
    context = berlin_context(browser, viewport)
    page = context.new_page()
    log_in(page, site.url, role)
    url, needs = REFUSED[role]
    response = page.goto(site.url + url.format(**ids))
    assert response.status == 403
    box = page.locator("#permission-denied")
    expect(box).to_contain_text(needs)
    expect(box).to_contain_text(f"You are signed in as {USERS[role]} ({ROLE_LABELS[role]}).")
    # The admin's own header is there, and the way back is a visible link.
    expect(page.locator("#header")).to_be_visible()
    if role == "viewer":
        screenshot(page, "403-viewer", viewport)
    page.get_by_role("link", name="Back to data entry (the admin)").click()
    page.wait_for_url(f"{site.url}/admin/")
    page.go_back()
    page.get_by_role("link", name="Back to the dashboard").click()
    page.wait_for_url(f"{site.url}/")
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_administrator_is_refused_nothing_in_the_admin(browser, site, ids, viewport):
    context = berlin_context(browser, viewport)
    page = context.new_page()
    log_in(page, site.url, "admin")
    for url in (REFUSED[role][0].format(**ids) for role in REFUSED):
        assert page.goto(site.url + url).status == 200
        expect(page.locator("#permission-denied")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_anonymous_visitor_of_a_public_site_is_asked_to_log_in_not_refused(
    browser, site, settings, viewport
):
    settings.PUBLIC_READ = True
    context = berlin_context(browser, viewport)
    page = context.new_page()
    page.goto(f"{site.url}/admin/incidents/attack/add/")
    page.wait_for_url(f"{site.url}/admin/login/?next=/admin/incidents/attack/add/")
    expect(page.get_by_label("Username")).to_be_visible()
    context.close()


# --------------------------------------------------------------------------- read-only points


@pytest.mark.parametrize(("viewport", "role"), viewports_and_roles(ROLES))
@pytest.mark.parametrize("model", ["attack", "facility"])
def test_a_point_read_only_shows_latitude_longitude_and_a_map(
    browser, site, ids, viewport, role, model
):
    context = berlin_context(browser, viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    change_page = f"/admin/incidents/{model}/{ids[model]}/change/"
    log_in(page, site.url, role, next_url=change_page)
    page.wait_for_url(site.url + change_page)
    if role == "viewer":
        expect(page.locator(".readonly-geometry-text")).to_have_text("50.135104° N, 30.738029° E")
        map_box = page.locator(".readonly-geometry-map[data-ready='true']")
        expect(map_box).to_be_visible()
        expect(map_box.locator("path.leaflet-interactive")).to_have_count(1)
        expect(page.get_by_text("SRID=4326")).to_have_count(0)
        if model == "attack":
            screenshot(page, "readonly-attack", viewport)
    else:
        # Whoever may change the point places it on the editable map instead.
        expect(page.locator(".readonly-geometry-map")).to_have_count(0)
        field = "impact_location" if model == "attack" else "location"
        expect(page.locator(f'[data-leaflet-field="id_{field}"]')).to_be_attached()
    assert errors == []
    context.close()


# --------------------------------------------------------------------------- imports


@pytest.mark.parametrize(
    ("viewport", "role"), viewports_and_roles(["analyst", "reviewer", "admin"])
)
def test_the_import_form_lists_each_formats_columns_and_offers_a_template(
    browser, site, viewport, role, tmp_path
):
    context = berlin_context(browser, viewport)
    page = context.new_page()
    log_in(page, site.url, role)
    page.goto(f"{site.url}/admin/incidents/importjob/add/")
    page.select_option("#id_format", "outages-csv")
    guide = page.locator("#import-format-outages-csv")
    expect(guide).to_have_attribute("open", "")
    for column in IMPORTERS["outages-csv"].columns:
        expect(guide.locator("code", has_text=column.name).first).to_be_visible()
    expect(guide.locator("dl.required")).to_contain_text("heating, electricity, water or gas.")
    expect(page.locator("#import-format-acled")).not_to_have_attribute("open", "")
    if role == "analyst":
        screenshot(page, "import-form", viewport)
    with page.expect_download() as download:
        guide.get_by_role("link", name="Download a template CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "outages-csv-template.csv"
    assert saved.read_bytes().decode("utf-8") == template_csv("outages-csv")
    context.close()


def upload(page: Page, base_url: str, file: Path) -> None:
    page.goto(f"{base_url}/admin/incidents/importjob/add/")
    page.select_option("#id_format", "outages-csv")
    page.set_input_files("#id_file", str(file))
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/incidents/importjob/*/change/")


@pytest.mark.parametrize(("viewport", "role"), viewports_and_roles(["analyst", "reviewer"]))
def test_a_queued_import_says_no_worker_is_answering(
    browser, site, settings, tmp_path, viewport, role
):
    settings.IMPORT_QUEUE = f"test-nobody-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = tmp_path / "media"
    file = tmp_path / "outages.csv"
    file.write_text(template_csv("outages-csv"), encoding="utf-8")
    context = berlin_context(browser, viewport)
    page = context.new_page()
    log_in(page, site.url, role)
    upload(page, site.url, file)
    expect(page.locator("#import-progress-text")).to_contain_text("Queued: 0 of ? rows")
    hint = page.locator("#import-worker-hint")
    expect(hint).to_be_visible(timeout=15_000)
    expect(hint).to_contain_text("No worker is answering")
    expect(hint).to_contain_text(f"celery -A infra_tracker worker -Q {settings.IMPORT_QUEUE}")
    screenshot(page, f"import-no-worker-{role}", viewport)
    context.close()


@pytest.mark.parametrize(("viewport", "role"), viewports_and_roles(["analyst", "admin"]))
def test_an_import_runs_on_a_real_worker_and_the_page_follows_it(
    browser, site, settings, tmp_path, viewport, role
):
    queue = f"test-import-{uuid.uuid4().hex[:8]}"
    settings.IMPORT_QUEUE = queue
    settings.MEDIA_ROOT = tmp_path / "media"
    worker = Worker(
        queue=queue,
        log=tmp_path / "worker.log",
        env={"IMPORT_QUEUE": queue, "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    )
    worker.start()
    try:
        file = tmp_path / "outages.csv"
        file.write_text(template_csv("outages-csv"), encoding="utf-8")
        context = berlin_context(browser, viewport)
        page = context.new_page()
        log_in(page, site.url, role)
        upload(page, site.url, file)
        expect(page.locator("#import-progress-text")).to_contain_text(
            "Done: 1 of 1 rows", timeout=60_000
        )
        expect(page.locator("#import-progress-bar")).to_have_attribute("value", "100")
        expect(page.locator("#import-worker-hint")).to_be_hidden()
        context.close()
    finally:
        worker.stop()


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("viewport", "role"), viewports_and_roles(["analyst", "reviewer", "admin"])
)
def test_the_region_form_refuses_a_bad_code_and_a_taken_name(browser, site, viewport, role):
    context = berlin_context(browser, viewport)
    page = context.new_page()
    log_in(page, site.url, role)
    page.goto(f"{site.url}/admin/incidents/region/add/")
    page.fill("#id_code", "UA 7")
    page.fill("#id_name_en", "volyn oblast")
    page.locator("input[name=_save]").click()
    expect(page.locator(".field-code .errorlist")).to_contain_text("ISO 3166-2")
    expect(page.locator(".field-name_en .errorlist")).to_contain_text(
        "Another region already has this English name."
    )
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_dashboards_region_filter_lists_each_region_once(browser, site, viewport):
    context = berlin_context(browser, viewport)
    page = context.new_page()
    log_in(page, site.url, "viewer")
    page.wait_for_selector("html[data-map-ready]", timeout=20_000)
    names = page.locator("#f-region option").all_text_contents()
    assert len(names) == len(set(names)) == Region.objects.count() + 1
    context.close()
