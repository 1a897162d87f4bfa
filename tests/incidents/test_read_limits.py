"""Bounded reads: what one request may ask for, and how much it may get back."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import AttackFactory, FacilityFactory, RegionFactory
from tests.incidents.test_api_resources import RESOURCES, list_url

ELEVEN_WORDS = " ".join(["heat"] * 11)
TEN_WORDS = " ".join(["heat"] * 10)
LONG_SEARCH = "Darnytsia" * 12
FIFTY_ONE_CODES = ",".join(f"UA-{number:02d}" for number in range(51))
REGION_FILTERED = ("facilities", "attacks", "damages", "outages", "responses")


@pytest.fixture
def api(viewer) -> APIClient:
    client = APIClient()
    client.force_login(viewer)
    return client


def assert_400_naming(response, name: str, words: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    (message,) = response.json()[name]
    assert words in message


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_collection_refuses_a_search_of_more_than_ten_words(api, resource):
    response = api.get(list_url(resource), {"search": ELEVEN_WORDS})
    assert_400_naming(response, "search", "at most 10 words")


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_collection_refuses_a_search_of_more_than_a_hundred_characters(api, resource):
    response = api.get(list_url(resource), {"search": LONG_SEARCH})
    assert_400_naming(response, "search", "at most 100 characters")


def test_a_search_within_the_limits_still_finds_its_rows(api, db):
    FacilityFactory(name="Darnytsia heating plant")
    substation = FacilityFactory(name="Kharkiv substation", locality="Kharkiv")

    response = api.get(list_url("facilities"), {"search": "kharkiv substation " * 5})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [substation.pk]


def test_a_collection_export_refuses_an_overlong_search(api, db):
    response = api.get(list_url("attacks"), {"format": "csv", "search": ELEVEN_WORDS})
    assert_400_naming(response, "search", "at most 10 words")


def test_the_schema_states_the_search_limits(api):
    document = api.get("/api/schema/", {"format": "json"}).json()
    (search,) = [
        parameter
        for parameter in document["paths"]["/api/v1/sources/"]["get"]["parameters"]
        if parameter["name"] == "search"
    ]
    assert "at most 10 words and 100 characters" in search["description"]


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize("resource", REGION_FILTERED)
def test_every_collection_refuses_more_than_fifty_region_codes(api, resource):
    response = api.get(list_url(resource), {"region": FIFTY_ONE_CODES})
    assert_400_naming(response, "region", "at most 50 region codes")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/map/attacks.geojson",
        "/api/v1/stats/summary",
        "/api/v1/exports/attacks.csv",
    ],
)
def test_a_layer_a_statistic_and_an_export_refuse_more_than_fifty_region_codes(api, url):
    response = api.get(url, {"region": FIFTY_ONE_CODES})
    assert_400_naming(response, "region", "at most 50 region codes")


def test_a_collection_reads_region_codes_as_the_map_does(api, db):
    kyiv = RegionFactory()
    attack = AttackFactory()
    attack.regions.set([kyiv])

    response = api.get(list_url("attacks"), {"region": "ua-30"})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [attack.pk]
