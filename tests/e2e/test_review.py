"""Review end to end: an analyst drafts an attack, a reviewer publishes it, the public sees it.

The public (an anonymous browser with PUBLIC_READ) sees only the published version,
with coordinates rounded, and an edit reaches it only once a reviewer publishes again.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from incidents.roles import ANALYST, REVIEWER
from tests.e2e.conftest import (
    LAPTOP,
    PASSWORD,
    live_site,
    new_context,
    offline_context,
    open_map,
    screenshot,
)

pytestmark = pytest.mark.e2e

# An impact point given to the metre; the public sees it to about a kilometre.
LONGITUDE, LATITUDE = 30.523456, 50.450123
FIRST_SUMMARY = "Drone strike on a Kyiv substation"
SECOND_SUMMARY = "Drone strike on the Kyiv Pivnichna substation"
WHOLE_COUNTRY = "map=6/48.6/31.2"


def seed_users() -> None:
    for username, role in (("olena.analyst", ANALYST), ("taras.reviewer", REVIEWER)):
        user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=role))


@pytest.fixture(scope="module")
def review_site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """A live server with the regions, an analyst and a reviewer, and no records."""
    with live_site(django_db_blocker, seed_users) as server:
        yield server


@pytest.fixture
def analyst_context(browser: Browser, review_site: LiveServer) -> Iterator[BrowserContext]:
    context = new_context(browser, review_site.url, viewport=LAPTOP, user="olena.analyst")
    yield context
    context.close()


@pytest.fixture
def reviewer_context(browser: Browser, review_site: LiveServer) -> Iterator[BrowserContext]:
    context = new_context(browser, review_site.url, viewport=LAPTOP, user="taras.reviewer")
    yield context
    context.close()


def public_attacks(browser: Browser, base_url: str) -> list[dict]:
    """The attack features the dashboard loads for an anonymous visitor (a fresh browser)."""
    context = offline_context(browser, viewport=LAPTOP)
    try:
        page = context.new_page()
        with page.expect_response(
            lambda response: "/api/v1/map/attacks.geojson" in response.url
        ) as layer:
            open_map(page, base_url, WHOLE_COUNTRY)
        assert layer.value.status == 200
        assert "/admin/login/" not in page.url
        return layer.value.json()["features"]
    finally:
        context.close()


def success_message(page: Page) -> str:
    return page.locator("ul.messagelist li.success").inner_text()


def publish(page: Page, base_url: str) -> None:
    """The reviewer finds the attack in the queue and publishes it."""
    page.goto(f"{base_url}/admin/")
    page.locator("#review-queue a.review-waiting").first.click()
    page.wait_for_url("**/admin/incidents/attack/?publication_state__exact=in_review")
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator("#publication h2")).to_have_text("Publication: In review")
    page.locator("#publication-actions input[value='Publish']").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was published")
    expect(page.locator("#publication h2")).to_have_text("Publication: Published")


def test_an_attack_reaches_the_public_only_as_a_reviewer_published_it(
    browser: Browser, review_site, analyst_context, reviewer_context, settings
):
    settings.PUBLIC_READ = True
    base_url = review_site.url
    started = timezone.localtime(timezone.now() - timedelta(hours=settings.PUBLIC_DELAY_HOURS + 24))

    # The analyst drafts the attack, with an impact point to six decimals.
    analyst = analyst_context.new_page()
    analyst.goto(f"{base_url}/admin/incidents/attack/add/")
    analyst.locator("#id_summary").fill(FIRST_SUMMARY)
    analyst.locator("#id_started_at_0").fill(started.strftime("%Y-%m-%d"))
    analyst.locator("#id_started_at_1").fill(started.strftime("%H:%M:%S"))
    # The map widget keeps its GeoJSON in a hidden field; a click on the map would
    # not give six exact decimals.
    analyst.evaluate(
        "(point) => { document.getElementById('id_impact_location').value = point; }",
        f'{{"type": "Point", "coordinates": [{LONGITUDE}, {LATITUDE}]}}',
    )
    analyst.locator("input[name='_continue']").click()
    expect(analyst.locator("ul.messagelist li.success")).to_contain_text("was added")
    expect(analyst.locator("#publication h2")).to_have_text("Publication: Draft")
    expect(analyst.locator("#publication-changes")).to_contain_text("never been published")
    assert public_attacks(browser, base_url) == []

    analyst.locator("#publication-actions input[value='Send for review']").click()
    expect(analyst.locator("ul.messagelist li.success")).to_contain_text("sent for review")
    expect(analyst.locator("#publication h2")).to_have_text("Publication: In review")
    change_url = analyst.url

    # The reviewer publishes it from the queue.
    reviewer = reviewer_context.new_page()
    reviewer.goto(f"{base_url}/admin/")
    expect(reviewer.locator("#review-queue")).to_contain_text("1 waiting for review")
    screenshot(reviewer, "review-queue-on-the-admin-index")
    publish(reviewer, base_url)

    [feature] = public_attacks(browser, base_url)
    assert feature["properties"]["summary"] == FIRST_SUMMARY
    assert feature["geometry"]["coordinates"] == [
        round(LONGITUDE, settings.PUBLIC_COORDINATE_DECIMALS),
        round(LATITUDE, settings.PUBLIC_COORDINATE_DECIMALS),
    ]

    # The analyst rewords the summary: a draft again, the public keeps the published one.
    analyst.goto(change_url)
    analyst.locator("#id_summary").fill(SECOND_SUMMARY)
    analyst.locator("input[name='_continue']").click()
    expect(analyst.locator("ul.messagelist li.success")).to_contain_text("was changed")
    expect(analyst.locator("#publication h2")).to_have_text("Publication: Draft")
    [feature] = public_attacks(browser, base_url)
    assert feature["properties"]["summary"] == FIRST_SUMMARY

    analyst.locator("#publication-actions input[value='Send for review']").click()
    expect(analyst.locator("#publication h2")).to_have_text("Publication: In review")

    # The reviewer sees what changed and publishes again; now the public sees the new summary.
    reviewer.goto(change_url)
    expect(reviewer.locator("#publication-changes")).to_contain_text(SECOND_SUMMARY)
    screenshot(reviewer, "review-attack-changed-since-published")
    publish(reviewer, base_url)
    [feature] = public_attacks(browser, base_url)
    assert feature["properties"]["summary"] == SECOND_SUMMARY
