"""The HTML pages: access, content, and a fixed number of queries."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import (
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    SourceFactory,
    WeaponUseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def february_4():
    """The strike on the Darnytsia heating plant, with what the report says about it."""
    kyiv = RegionFactory()
    attack = AttackFactory(summary="Strike on the Darnytsia heating plant")
    attack.regions.add(kyiv)
    attack.sources.add(SourceFactory(url="https://t.me/energy_ministry/1"))
    WeaponUseFactory(attack=attack, weapon_type="ballistic_missile", model="", launched=None)
    WeaponUseFactory(attack=attack, weapon_type="attack_drone", model="Shahed-136", launched=1200)
    plant = FacilityFactory(region=kyiv, name="Darnytsia heating plant")
    DamageFactory(attack=attack, facility=plant, severity="severe")
    OutageReportFactory(region=kyiv, attack=attack)
    return attack


def test_a_logged_out_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@override_settings(PUBLIC_READ=True)
def test_with_public_read_a_logged_out_visitor_sees_the_map(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert b'id="map"' in response.content


def test_the_map_page_carries_the_filters_but_not_the_data(client, viewer, february_4):
    client.force_login(viewer)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="f-region">Region</label>' in html
    assert '<option value="UA-30">Kyiv</option>' in html
    assert 'name="weapon_type" value="guided_bomb"' in html
    assert "favicon.svg" in html
    assert "leaflet.markercluster.js" in html and "chart.umd.min.js" in html
    # The layers come from the API; no attack is pasted into the page.
    assert "Strike on the Darnytsia heating plant" not in html


def test_the_attack_page_shows_weapons_damage_outages_and_graded_sources(
    client, viewer, february_4, django_assert_max_num_queries
):
    client.force_login(viewer)
    with django_assert_max_num_queries(12):
        response = client.get(february_4.get_absolute_url())
    html = response.content.decode()
    assert "4 February 2026, morning (about 05:00)" in html
    assert "−25 °C" in html
    assert "1,200" in html and "unknown" in html
    assert "Severe" in html
    assert "over 1,100 buildings" in html
    assert "B2" in html and 'href="https://t.me/energy_ministry/1"' in html
    assert "Edit in data entry" not in html


def test_the_facility_page_shows_its_damage_history(client, viewer, february_4):
    plant = february_4.damages.get().facility
    client.force_login(viewer)
    response = client.get(plant.get_absolute_url())
    html = response.content.decode()
    assert "Darnytsia heating plant" in html
    assert "Severe" in html
    assert "4 Feb 2026, 05:00" in html
    assert 'id="facility-point"' in html


def test_the_region_page_shows_the_latest_outage_and_the_series(client, viewer, february_4):
    OutageReportFactory(
        region=february_4.regions.get(), count=400, as_of=datetime(2026, 2, 6, tzinfo=UTC)
    )
    client.force_login(viewer)
    response = client.get(reverse("region-detail", args=["ua-30"]))
    html = response.content.decode()
    assert "over 400 buildings" in html
    assert "over 1,100" in html
    assert "Strike on the Darnytsia heating plant" in html


def test_the_region_page_embeds_each_series_for_its_step_chart(client, viewer, february_4):
    kyiv = february_4.regions.get()
    OutageReportFactory(region=kyiv, count=400, as_of=datetime(2026, 2, 6, 9, tzinfo=UTC))
    OutageReportFactory(
        region=kyiv, service="electricity", unit="customers", count=52_000, count_qualifier="about"
    )
    client.force_login(viewer)
    response = client.get(reverse("region-detail", args=["UA-30"]))
    html = response.content.decode()
    assert html.count("<canvas data-series=") == 2
    assert "chart.umd.min.js" in html and "incidents/detail.js" in html
    embedded = re.search(r'<script id="outage-series" type="application/json">(.*?)</script>', html)
    groups = {group["service"]: group for group in json.loads(embedded.group(1))}
    heating = groups["Heating"]
    assert [point["y"] for point in heating["points"]] == [1100, 400]
    assert heating["points"][1] == {
        "x": int(datetime(2026, 2, 6, 9, tzinfo=UTC).timestamp() * 1000),
        "y": 400,
        "text": "over 400 buildings",
    }
    assert groups["Electricity"]["points"][0]["text"] == "about 52,000 customers / users"


def test_a_region_without_outage_figures_loads_no_chart_script(client, viewer):
    RegionFactory(code="UA-46", name_en="Lviv Oblast", name_uk="Львівська область", kind="oblast")
    client.force_login(viewer)
    html = client.get(reverse("region-detail", args=["UA-46"])).content.decode()
    assert "No outage figures reported." in html
    assert "chart.umd.min.js" not in html


def test_unknown_records_are_404s(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("attack-detail", args=[999999])).status_code == 404
    assert client.get(reverse("facility-detail", args=[999999])).status_code == 404
    assert client.get(reverse("region-detail", args=["UA-99"])).status_code == 404


def pages_of(attack) -> list[tuple[str, str]]:
    """(page URL, admin change URL) for the attack, its damaged facility and its region."""
    facility = attack.damages.get().facility
    region = attack.regions.get()
    return [
        (attack.get_absolute_url(), reverse("admin:incidents_attack_change", args=[attack.pk])),
        (
            facility.get_absolute_url(),
            reverse("admin:incidents_facility_change", args=[facility.pk]),
        ),
        (
            reverse("region-detail", args=[region.code]),
            reverse("admin:incidents_region_change", args=[region.pk]),
        ),
    ]


def test_an_analyst_sees_a_link_to_edit_each_record_in_data_entry(client, analyst, february_4):
    client.force_login(analyst)
    for page_url, change_url in pages_of(february_4):
        html = client.get(page_url).content.decode()
        assert f'<a class="admin-link" href="{change_url}">Edit in data entry</a>' in html, page_url


def test_a_viewer_sees_no_link_to_data_entry(client, viewer, february_4):
    client.force_login(viewer)
    for page_url, change_url in pages_of(february_4):
        response = client.get(page_url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Edit in data entry" not in html, page_url
        assert change_url not in html, page_url


def dashboard_config(html: str) -> dict:
    found = re.search(r'<script id="tracker-config" type="application/json">(.*?)</script>', html)
    return json.loads(found[1])


@override_settings(PUBLIC_DELAY_HOURS=6, PUBLIC_COORDINATE_DECIMALS=1)
def test_a_logged_in_user_gets_the_public_view_switch_and_its_words_from_the_settings(
    client, viewer
):
    client.force_login(viewer)
    html = client.get(reverse("dashboard")).content.decode()

    assert 'id="f-public-view"' in html
    assert 'id="public-view-banner"' in html
    assert 'id="public-view-note"' not in html
    config = dashboard_config(html)["public_view"]
    assert config == {"delay_hours": 6, "coordinate_decimals": 1}


@override_settings(PUBLIC_READ=True, PUBLIC_DELAY_HOURS=24)
def test_an_anonymous_visitor_gets_the_public_views_note_and_no_switch(client):
    html = client.get(reverse("dashboard")).content.decode()

    assert 'id="public-view-note"' in html
    assert 'id="f-public-view"' not in html
    assert dashboard_config(html)["public_view"]["delay_hours"] == 24


def test_the_dashboard_preloads_every_module_of_its_tree(client, viewer):
    client.force_login(viewer)
    html = client.get(reverse("dashboard")).content.decode()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', html))
    static = Path(__file__).resolve().parents[2] / "static"
    on_disk = {
        str(path.relative_to(static))
        for folder in ("incidents/dashboard", "incidents/lib")
        for path in (static / folder).glob("*.js")
    }
    assert "incidents/dashboard/main.js" in on_disk
    assert preloaded == on_disk
