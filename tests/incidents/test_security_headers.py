"""The Content-Security-Policy header: on every kind of page, and strict about scripts.

Only scripts served by the site itself may run: no inline script, no eval. The browser
tests (tests/e2e/test_xss.py) check that the pages still work under this policy.
"""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from incidents.models import ImportJob
from infra_tracker.security import content_security_policy, tile_image_source
from tests.factories import (
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def policy(response) -> dict[str, list[str]]:
    """The header's directives, each with its sources."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response) -> None:
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert "https://tile.openstreetmap.org" in directives["img-src"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


# A <script> element runs inline code unless it loads a file (src) or holds data.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")")


def assert_no_inline_script(response) -> None:
    html = response.content.decode()
    found = [html[m.start() : m.start() + 120] for m in INLINE_SCRIPT.finditer(html)]
    assert found == [], f"{response.request['PATH_INFO']} has inline scripts: {found}"


@pytest.fixture
def records(db):
    kyiv = RegionFactory()
    attack = AttackFactory()
    attack.regions.add(kyiv)
    plant = FacilityFactory(region=kyiv)
    DamageFactory(attack=attack, facility=plant)
    OutageReportFactory(region=kyiv, attack=attack)
    return {"attack": attack, "facility": plant, "region": kyiv}


def test_the_dashboard_and_every_detail_page_send_the_strict_policy_without_inline_script(
    client, viewer, records
):
    client.force_login(viewer)
    for url in [
        reverse("dashboard"),
        records["attack"].get_absolute_url(),
        records["facility"].get_absolute_url(),
        records["region"].get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert_no_inline_script(response)


def test_the_admin_login_list_and_change_pages_send_the_policy_without_inline_script(
    client, superuser, records
):
    response = client.get(reverse("admin:login"))
    assert_strict(response)
    assert_no_inline_script(response)

    client.force_login(superuser)
    facility = records["facility"]
    attack = records["attack"]
    for url in [
        reverse("admin:incidents_facility_changelist"),
        # The map widgets: a facility's location, an attack's impact point, a boundary.
        reverse("admin:incidents_facility_change", args=[facility.pk]),
        reverse("admin:incidents_facility_add"),
        reverse("admin:incidents_attack_change", args=[attack.pk]),
        reverse("admin:incidents_region_change", args=[records["region"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert_no_inline_script(response)
    # The map widget keeps its settings as data for the site's own script.
    html = client.get(reverse("admin:incidents_facility_change", args=[facility.pk])).content
    assert b"data-leaflet-map=" in html and b"data-leaflet-field=" in html
    assert b"incidents/leaflet-init.js" in html


def test_an_import_jobs_progress_page_polls_from_a_static_script(client, superuser):
    job = ImportJob.objects.create(format=ImportJob.Format.OUTAGES_CSV, created_by=superuser)
    client.force_login(superuser)
    response = client.get(reverse("admin:incidents_importjob_change", args=[job.pk]))
    assert response.status_code == 200
    assert_strict(response)
    assert_no_inline_script(response)
    assert b"incidents/import-progress.js" in response.content


def test_the_api_docs_load_their_script_from_the_site_and_send_the_policy(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert_strict(page)
    assert_no_inline_script(page)
    # The page's own set-up script is a separate response from the same origin.
    script_url = re.search(rb'<script src="([^"]*script=[^"]*)"', page.content).group(1)
    script = client.get(script_url.decode().replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_the_schema_and_json_responses_carry_the_policy_too(client, viewer, records):
    client.force_login(viewer)
    assert_strict(client.get(reverse("api-schema")))
    response = client.get(reverse("api:facility-list"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_strict(response)


@pytest.mark.parametrize(
    ("url", "source"),
    [
        (OSM_TILES, "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("https://tiles-{s}.example.org/{z}/{x}/{y}{r}.png", "https://*.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("//{s}.tile.example.org/{z}/{x}/{y}.png", "*.tile.example.org"),
        ("HTTPS://Tiles.Example.ORG/{z}/{x}/{y}.png", "https://tiles.example.org"),
    ],
)
def test_the_tile_servers_origin_is_allowed_for_images(url, source):
    assert tile_image_source(url) == source


def test_tiles_served_by_the_site_itself_need_no_extra_source():
    assert tile_image_source("/tiles/{z}/{x}/{y}.png") is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "javascript:alert(1)//{z}",
        "tiles.example.org/{z}/{x}/{y}.png",
        "https://{s}/{z}/{x}/{y}.png",
        "https://tiles.example.org:{port}/{z}.png",
        "https://tiles.exa mple.org/{z}.png",
    ],
)
def test_a_tile_url_that_names_no_usable_origin_is_refused_with_its_setting_named(url):
    with pytest.raises(ImproperlyConfigured, match="MAP_TILES_URL"):
        tile_image_source(url)


def test_the_policy_adds_the_tile_server_to_images_and_nothing_else():
    directives = content_security_policy(tiles_url="https://{s}.tile.example.org/{z}/{x}/{y}.png")[
        "DIRECTIVES"
    ]
    assert directives["img-src"] == ["'self'", "data:", "https://*.tile.example.org"]
    assert directives["script-src"] == ["'self'"]
    local = content_security_policy(tiles_url="/tiles/{z}/{x}/{y}.png")["DIRECTIVES"]
    assert local["img-src"] == ["'self'", "data:"]
