"""`?format=csv|hxl|geojson` on a resource collection exports the whole filtered set."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.urls import reverse

from tests.factories import (
    AttackFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def body_json(response) -> dict:
    return json.loads(b"".join(response.streaming_content))


@pytest.fixture
def attacks():
    kyiv, kharkiv = RegionFactory(), RegionFactory(code="UA-63", name_en="Kharkiv Oblast")
    darnytsia = AttackFactory(impact_location=Point(30.64, 50.446, srid=4326), killed=0)
    darnytsia.regions.set([kyiv])
    for day in range(1, 4):
        attack = AttackFactory(
            started_at=datetime(2026, 1, day, 3, tzinfo=UTC), summary=f"Kharkiv strike {day}"
        )
        attack.regions.set([kharkiv])
    return darnytsia


def test_attacks_export_as_csv_with_every_filtered_row_not_one_page(client, viewer, attacks):
    client.force_login(viewer)
    response = client.get(reverse("api:attack-list"), {"format": "csv", "region": "UA-63"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = rows(response)
    assert table[0][:3] == ["id", "started_at", "ended_at"]
    summaries = [dict(zip(table[0], row, strict=True))["summary"] for row in table[1:]]
    assert sorted(summaries) == [f"Kharkiv strike {d}" for d in (1, 2, 3)]


def test_the_accept_header_asks_for_csv_too(client, viewer, attacks):
    client.force_login(viewer)
    response = client.get(reverse("api:attack-list"), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert len(rows(response)) == 1 + 4


def test_attacks_export_as_hxl_with_the_hashtag_row(client, viewer, attacks):
    client.force_login(viewer)
    response = client.get(reverse("api:attack-list"), {"format": "hxl", "region": "UA-30"})
    header, hashtags, row = rows(response)
    assert {"#event+id", "#date+start", "#adm1+code", "#geo+lat", "#geo+lon"} <= set(hashtags)
    record = dict(zip(header, row, strict=True))
    assert (record["region_codes"], record["latitude"], record["longitude"]) == (
        "UA-30",
        "50.446",
        "30.64",
    )
    assert record["killed"] == "0"
    assert response["Content-Disposition"].endswith('attacks.hxl.csv"')


def test_outages_export_as_hxl(client, viewer):
    OutageReportFactory(count=1100)
    client.force_login(viewer)
    _, hashtags, row = rows(client.get(reverse("api:outagereport-list"), {"format": "hxl"}))
    assert dict(zip(hashtags, row, strict=True))["#indicator+num+outage"] == "1100"


def test_facilities_export_as_geojson_with_the_point_as_geometry(client, viewer):
    FacilityFactory()
    client.force_login(viewer)
    response = client.get(reverse("api:facility-list"), {"format": "geojson"})
    assert response["Content-Type"] == "application/geo+json"
    collection = body_json(response)
    (feature,) = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [30.64, 50.446]}
    assert feature["properties"]["name"] == "Darnytsia heating plant"
    assert "location" not in feature["properties"]


def test_regions_export_their_boundaries_as_geojson(client, viewer):
    square = Polygon(((30, 50), (31, 50), (31, 51), (30, 51), (30, 50)), srid=4326)
    RegionFactory(boundary=MultiPolygon(square, srid=4326))
    client.force_login(viewer)
    collection = body_json(client.get(reverse("api:region-list"), {"format": "geojson"}))
    assert collection["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert collection["features"][0]["properties"]["code"] == "UA-30"


@pytest.mark.parametrize("export_format", ["geojson", "xlsx"])
def test_a_format_a_collection_does_not_offer_is_a_400_naming_format(client, viewer, export_format):
    SourceFactory()
    client.force_login(viewer)
    response = client.get(reverse("api:source-list"), {"format": export_format})
    assert response.status_code == 400
    assert "csv" in response.json()["format"][0]


def test_a_plain_list_stays_paged_json(client, viewer, attacks):
    client.force_login(viewer)
    response = client.get(reverse("api:attack-list"), {"format": "json"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 4


def test_exports_need_a_login(client, attacks):
    response = client.get(reverse("api:attack-list"), {"format": "csv"})
    assert response.status_code in (401, 403)
