"""A real browser against a live server holding the demo data.

The data is loaded once per module and the server runs for the module, so the
browser tests do not pay for the demo loader on every test. At the end of the
module the database is flushed, leaving it empty for the tests that follow.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from incidents.roles import ANALYST, VIEWER
from tests.conftest import OBLASTS_GEOJSON

# Playwright's synchronous API runs an event loop in the test thread; Django
# would otherwise refuse database queries made from the fixtures below.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _user(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """A live server with the regions, the demo data set and two users.

    The database stays open for the whole module: the server's thread reads it
    while the tests drive the browser.
    """
    with django_db_blocker.unblock():
        # An interrupted earlier run may have left its rows behind.
        call_command("flush", interactive=False, verbosity=0)
        call_command("load_regions", str(OBLASTS_GEOJSON), verbosity=0)
        call_command("load_demo", verbosity=0)
        _user("maria.viewer", VIEWER)
        _user("olena.analyst", ANALYST)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


def log_in(context: BrowserContext, base_url: str, username: str) -> None:
    page = context.new_page()
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/admin/")
    page.close()


def new_context(browser: Browser, base_url: str, *, viewport: dict, user: str) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="UTC")
    # Tests never depend on the network: base tiles are refused, as on a closed network.
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    log_in(context, base_url, user)
    return context


@pytest.fixture
def page(browser: Browser, demo_site: LiveServer) -> Iterator[Page]:
    """A laptop-sized page logged in as a viewer."""
    context = new_context(browser, demo_site.url, viewport=LAPTOP, user="maria.viewer")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def phone(browser: Browser, demo_site: LiveServer) -> Iterator[Page]:
    context = new_context(browser, demo_site.url, viewport=PHONE, user="maria.viewer")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
