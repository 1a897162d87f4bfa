"""A real browser against a live server holding the demo data.

The data is loaded once per module and the server runs for the module, so the
browser tests do not pay for the demo loader on every test. At the end of the
module the database is flushed, leaving it empty for the tests that follow.
"""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from incidents.roles import ANALYST, VIEWER
from tests.conftest import OBLASTS_GEOJSON

# Playwright's synchronous API runs an event loop in the test thread; Django
# would otherwise refuse database queries made from the fixtures below.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# The same variable as scripts/setup.sh (make chromium) and .env.example.
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests need the test database, though only their module fixtures touch it.

    pytest-django creates it only when a collected test asks for a database; without this,
    running tests/e2e alone would point the live server at the development database.
    Each test then runs inside a transaction that the live server cannot see into: data
    the server must see is written by the module's seed (or by another thread).
    """
    for item in items:
        if item.get_closest_marker("e2e") and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _user(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@contextmanager
def seeded_database(django_db_blocker, seed: Callable[[], None]) -> Iterator[None]:
    """The regions and what `seed` adds, committed for a server to read, flushed afterwards.

    The database stays open for the whole module: the server reads it while the tests
    drive the browser.
    """
    with django_db_blocker.unblock():
        # An interrupted earlier run may have left its rows behind.
        call_command("flush", interactive=False, verbosity=0)
        try:
            call_command("load_regions", str(OBLASTS_GEOJSON), verbosity=0)
            seed()
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


@contextmanager
def live_site(django_db_blocker, seed: Callable[[], None]) -> Iterator[LiveServer]:
    """A live server (a thread of the test process) over a seeded database."""
    with seeded_database(django_db_blocker, seed):
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()


def seed_demo() -> None:
    """The demo data set and two users."""
    call_command("load_demo", verbosity=0)
    _user("maria.viewer", VIEWER)
    _user("olena.analyst", ANALYST)


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """A live server with the regions, the demo data set and two users."""
    with live_site(django_db_blocker, seed_demo) as server:
        yield server


def log_in(context: BrowserContext, base_url: str, username: str) -> None:
    page = context.new_page()
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Each role lands where it works: the admin, or the dashboard for a viewer.
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    page.close()


def logged_in_page(context: BrowserContext, base_url: str, user: str) -> Page:
    log_in(context, base_url, user)
    return context.new_page()


def offline_context(browser: Browser, *, viewport: dict) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="UTC")
    # Tests never depend on the network: base tiles are refused, as on a closed network.
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    return context


def new_context(browser: Browser, base_url: str, *, viewport: dict, user: str) -> BrowserContext:
    context = offline_context(browser, viewport=viewport)
    log_in(context, base_url, user)
    return context


@contextmanager
def checked_page(
    browser: Browser, base_url: str, *, user: str, viewport: dict = LAPTOP
) -> Iterator[Page]:
    """A page logged in as `user`, which fails the test on any JavaScript error."""
    context = new_context(browser, base_url, viewport=viewport, user=user)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Browser, demo_site: LiveServer) -> Iterator[Page]:
    """A laptop-sized page logged in as a viewer."""
    with checked_page(browser, demo_site.url, user="maria.viewer") as page:
        yield page


@pytest.fixture
def phone(browser: Browser, demo_site: LiveServer) -> Iterator[Page]:
    context = new_context(browser, demo_site.url, viewport=PHONE, user="maria.viewer")
    page = context.new_page()
    yield page
    context.close()


def wait_until(page: Page, expression: str, timeout: float = 15_000) -> None:
    """Wait until the JavaScript `expression` is true in the page.

    Playwright's own wait_for_function evaluates its predicate with eval inside the page,
    which the Content-Security-Policy refuses; page.evaluate goes through the DevTools
    protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expression!r} was still false after {timeout:.0f} ms")
        page.wait_for_timeout(50)


def until_still(locator, *, quiet_ms: int = 300, timeout_ms: int = 10_000) -> None:
    """Wait until the element has kept its place on the page for `quiet_ms`."""
    deadline = time.monotonic() + timeout_ms / 1000
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        box = locator.bounding_box()
        if box != last:
            last, since = box, time.monotonic()
        elif box is not None and time.monotonic() - since >= quiet_ms / 1000:
            return
        locator.page.wait_for_timeout(50)
    raise TimeoutError(f"{locator} kept moving for {timeout_ms} ms")


def open_map(page: Page, base_url: str, query: str = "") -> None:
    """The dashboard, once its first layers are drawn."""
    page.goto(f"{base_url}/{'?' + query if query else ''}")
    page.wait_for_selector("html[data-map-ready]", timeout=15_000)


@dataclass
class ScriptWatch:
    """What a page showed of scripts: refusals by the policy, dialogs, uncaught errors."""

    violations: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# Runs in every document before the page's own scripts; the policy does not apply to it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const what = event.blockedURI || "inline code";
  window.reportViolation(`${event.effectiveDirective} refused ${what} on ${location.pathname}` +
    ` (${event.sourceFile}:${event.lineNumber}) ${event.sample}`);
}, true);
"""


def watch_scripts(context: BrowserContext) -> ScriptWatch:
    """Record every Content-Security-Policy violation, dialog and uncaught error in `context`."""
    watch = ScriptWatch()
    context.expose_function("reportViolation", lambda text: watch.violations.append(text))
    context.add_init_script(REPORT_VIOLATIONS)

    def on_dialog(dialog: Dialog) -> None:
        # Leaving a form with unsaved changes asks first; that is the site, not a script.
        if dialog.type != "beforeunload":
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.on("dialog", on_dialog)
    context.on("weberror", lambda error: watch.errors.append(str(error.error)))
    return watch


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[BrowserContext, ScriptWatch]]:
    """A laptop-sized context, not logged in, that records what ScriptWatch lists."""
    context = offline_context(browser, viewport=LAPTOP)
    watch = watch_scripts(context)
    yield context, watch
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
