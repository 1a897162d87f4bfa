"""The report in a real browser: printed to an A4 PDF without the site's navigation, and
reached from the dashboard (following its filters) and from an attack's page."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from incidents.models import Attack
from tests.e2e.conftest import ARTIFACTS, LAPTOP, open_map, screenshot

pytestmark = pytest.mark.e2e

DAY = "2026-02-04"
# A4 is 210 by 297 mm, 595.3 by 841.9 points (Chromium rounds to 8.27 by 11.7 inches,
# 595.9 by 842.9); the report's @page margins leave 180 mm across.
A4_POINTS = (595.3, 841.9)
MM = 96 / 25.4  # CSS pixels per millimetre
CONTENT_WIDTH_PX = int(180 * MM)


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(width), float(height)) for width, height in boxes]


def test_the_report_prints_to_a_clean_a4_pdf(page: Page, demo_site):
    page.goto(f"{demo_site.url}/reports/{DAY}/")
    expect(page.locator("h1")).to_have_text("Attacks on civilian infrastructure")
    expect(page.locator(".site-header")).to_be_visible()
    screenshot(page, f"report-{DAY}")

    page.emulate_media(media="print")
    # The printed page: no header, navigation or links bar.
    for selector in (".site-header", "nav", ".report-actions", ".skip-link"):
        display = page.locator(selector).first.evaluate("e => getComputedStyle(e).display")
        assert display == "none", selector
    # Laid out as wide as A4's printable width, nothing sticks out to the side.
    page.set_viewport_size({"width": CONTENT_WIDTH_PX, "height": int(257 * MM)})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= CONTENT_WIDTH_PX

    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"report-{DAY}.pdf"
    path.write_bytes(pdf)
    boxes = media_boxes(pdf)
    assert boxes, "the PDF names no page size"
    for width, height in boxes:
        assert abs(width - A4_POINTS[0]) < 1.5 and abs(height - A4_POINTS[1]) < 1.5
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    assert pdftotext and pdftoppm, "poppler-utils is missing: make test installs it"
    text = subprocess.run(  # noqa: S603 - our own PDF, a fixed command
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Darnytsia heating plant" in text
    assert "over 1,100 buildings" in text
    assert "Log out" not in text and "Data entry" not in text
    # Pictures of the printed pages, to look at.
    subprocess.run(  # noqa: S603 - our own PDF, a fixed command
        [pdftoppm, "-png", "-r", "70", str(path), str(ARTIFACTS / f"report-{DAY}-pdf")],
        check=True,
    )


def test_the_dashboard_link_follows_the_filters(page: Page, demo_site):
    open_map(page, demo_site.url)
    link = page.locator("#report-link")
    expect(link).to_have_attribute("href", "/reports/")

    page.locator("#f-started-after").fill("2026-02-01")
    page.locator("#f-started-before").fill("2026-02-07")
    page.locator("#f-region").select_option("UA-63")
    expect(link).to_have_attribute("href", "/reports/?from=2026-02-01&to=2026-02-07&region=UA-63")

    page.locator("#f-public-view").check()
    expect(link).to_have_attribute(
        "href", "/reports/?from=2026-02-01&to=2026-02-07&region=UA-63&view=public"
    )
    link.click()
    page.wait_for_url(re.compile(r"/reports/\?from=2026-02-01"))
    expect(page.locator(".report-period")).to_contain_text("Kharkiv Oblast")
    expect(page.locator(".report")).to_contain_text("over 110,000 users in Kharkiv without heating")
    # Kyiv's figure is another region's; the statements may still quote it.
    expect(page.locator(".report")).not_to_contain_text("over 1,100 buildings in Kyiv without")


def test_the_attack_page_links_to_the_report_of_its_day(page: Page, demo_site, django_db_blocker):
    with django_db_blocker.unblock():
        attack = Attack.objects.get(external_id="2026-02-04-energy-strike")
    page.goto(f"{demo_site.url}{attack.get_absolute_url()}")
    page.get_by_role("link", name="Report for this day").click()
    page.wait_for_url(f"{demo_site.url}/reports/{DAY}/")
    expect(page.locator(".report")).to_contain_text("Sources report eight regions affected")


def test_the_report_in_ukrainian_is_worded_in_ukrainian(browser: Browser, page: Page, demo_site):
    # A reader whose browser asks for Ukrainian (Accept-Language: uk-UA), logged in as the
    # viewer, with no language chosen on the site (the login set the cookie to the
    # viewer's saved language; it is left out).
    cookies = [c for c in page.context.cookies() if c["name"] != settings.LANGUAGE_COOKIE_NAME]
    context = browser.new_context(viewport=LAPTOP, locale="uk-UA", timezone_id="UTC")
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(f"{demo_site.url}/reports/{DAY}/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    screenshot(page, f"report-{DAY}-uk")
    expect(page.locator("h1")).to_have_text("Атаки на цивільну інфраструктуру")
    report = page.locator(".report")
    expect(report.locator(".report-period")).to_have_text("4 лютого 2026")
    expect(report.locator("#r-brief")).to_have_text("Коротко")
    # Figures grouped with a no-break space and worded in Ukrainian; regions by their
    # Ukrainian names.
    expect(report).to_contain_text("понад 1\u00a0100 будинків без опалення")
    expect(report.locator(".report-lead")).to_contain_text("уражені області: вісім")
    expect(report.locator(".report-regions")).to_contain_text("Київ")
    # The report's own words (headings, labels, column heads, the opening sentences) hold no
    # English; the records' text (summaries, quotes, source titles) stays as entered.
    own_words = report.locator("h2, dt, caption, th, .report-lead, .report-meta, .report-note")
    for text in own_words.all_inner_texts():
        assert not re.search(r"[A-Za-z]{3,}", text.replace("PDF", "")), text
    context.close()
