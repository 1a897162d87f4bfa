"""The report of February 4, 2026 on the demo data tells the seed article's story.

The demo data is loaded as `make run` loads it (regions from the shared GeoJSON, then
`load_demo` with its illustrative data), once for the module, and flushed afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.models import Attack, Facility
from tests.conftest import OBLASTS_GEOJSON
from tests.incidents.test_api_schema import assert_conforms, openapi  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

DAY = "2026-02-04"
NAMED = (
    "Kyiv",
    "Kharkiv Oblast",
    "Dnipropetrovsk Oblast",
    "Donetsk Oblast",
    "Odesa Oblast",
    "Vinnytsia Oblast",
)
# Who spoke, in what role, and where.
STATEMENTS = (
    ("Mark Rutte", "Secretary General of NATO", "Social media"),
    ("Denys Shmyhal", "Minister of Energy of Ukraine", "Telegram"),
    (
        "Andrii Sybiha",
        "Minister of Foreign Affairs of Ukraine",
        "Meeting with the NATO Secretary General",
    ),
    ("Oleksiy Kuleba", "Deputy Prime Minister of Ukraine", "Social media"),
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        try:
            call_command("load_regions", str(OBLASTS_GEOJSON), verbosity=0)
            call_command("load_demo", verbosity=0)
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def reader(demo, viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


def seed_attack() -> Attack:
    return Attack.objects.get(external_source="demo", external_id="2026-02-04-energy-strike")


def text_of(html: str) -> str:
    """The page's words, without tags and with runs of blanks made one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_day_report_tells_the_story_of_february_4(reader):
    response = reader.get(reverse("report-day", args=[DAY]))
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(html)
    # What struck where, in how many regions, at what temperature.
    assert "Sources report eight regions affected, of which six are named." in text
    for region in NAMED:
        assert region in text
    assert "2 more not named" in text
    assert "−25 °C" in text
    for weapon in ("Ballistic missile", "Cruise missile", "Attack drone"):
        assert weapon in text
    # The facility hit, with kind, severity and restoration status.
    plant = Facility.objects.get(external_source="demo", external_id="darnytsia-heating-plant")
    assert f'<a href="{plant.get_absolute_url()}">Darnytsia heating plant</a>' in html
    assert "Combined heat and power plant" in text and "Severe" in text and "Not started" in text
    # Outages per city, worded as the sources gave them.
    assert "over 1,100 buildings in Kyiv without heating" in text
    assert "over 110,000 users in Kharkiv without heating" in text
    # The emergency response.
    assert "Emergency power cuts" in text
    assert "Mobile generators deployed" in text
    assert "Mobile generators mobilised urgently to critical areas." in text
    # Who said what, in what role, where.
    for speaker, role, channel in STATEMENTS:
        assert re.search(
            rf"{re.escape(speaker)} , {re.escape(role)} · {re.escape(channel)}", text
        ), speaker
    assert "war crimes" in text
    assert "no military value whatsoever" in text
    # Sources with their Admiralty grades, and every fact linking to its record.
    assert "B2" in text and "B1" in text and "C2" in text
    assert f'href="{seed_attack().get_absolute_url()}"' in html
    assert 'href="/regions/UA-63/"' in html


def test_the_day_report_in_markdown_carries_the_key_facts(reader):
    response = reader.get(reverse("report-day", args=[DAY]), {"format": "md"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Attacks on civilian infrastructure: ")
    assert "Sources report eight regions affected, of which six are named." in text
    assert "−25 °C" in text
    assert "- over 1,100 buildings in Kyiv without heating (" in text
    assert "- over 110,000 users in Kharkiv without heating (" in text
    assert "[Darnytsia heating plant](http://testserver/facilities/" in text
    assert "**Emergency power cuts**" in text and "**Mobile generators deployed**" in text
    for speaker, _role, channel in STATEMENTS:
        assert f"**{speaker}**" in text and channel in text


def test_the_day_report_in_json_carries_the_key_facts_and_matches_the_schema(
    demo,
    viewer,
    openapi,  # noqa: F811
):
    client = APIClient()
    client.force_login(viewer)
    response = client.get(f"/api/v1/reports/{DAY}/")
    assert response.status_code == 200
    assert_conforms(openapi, "/api/v1/reports/{day}/", "get", response)
    data = response.json()
    assert data["first_day"] == data["last_day"] == DAY
    assert data["reported_region_count"] == 8
    assert sorted(region["name_en"] for region in data["regions"]) == sorted(NAMED)
    assert data["lowest_temperature_c"] == -25.0
    assert [d["facility"]["name"] for d in data["damages"]] == ["Darnytsia heating plant"]
    figures = {
        (o["locality"], o["unit"]): (o["count_qualifier"], o["count"]) for o in data["outages"]
    }
    assert figures[("Kyiv", "buildings")] == ("at_least", 1100)
    assert figures[("Kharkiv", "customers")] == ("at_least", 110000)
    kinds = {measure["kind"] for measure in data["responses"]}
    assert {"power_cuts", "generators"} <= kinds
    spoken = {(s["speaker"], s["publisher"]) for s in data["statements"]}
    assert ("Denys Shmyhal", "Telegram") in spoken
    assert {speaker for speaker, _ in spoken} >= {s[0] for s in STATEMENTS}


def test_the_public_reads_the_same_story_without_illustrative_records(demo, client, settings):
    settings.PUBLIC_READ = True
    response = client.get(reverse("report-day", args=[DAY]))
    assert response.status_code == 200
    text = text_of(response.content.decode())
    assert "Public edition" in text
    assert "over 1,100 buildings in Kyiv without heating" in text
    assert "Darnytsia heating plant" in text
    assert "illustrative record" not in text
