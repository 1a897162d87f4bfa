"""`?format=csv|hxl|geojson` on a resource collection exports the whole filtered set."""

import csv
import io
import json
from datetime import UTC, datetime

import hxl
import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from tests.factories import (
    AttackFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    SourceFactory,
)
from tests.incidents.test_api_resources import (  # noqa: F401 - world is a fixture.
    RESOURCES,
    list_url,
    world,
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


# --------------------------------------------------------------------------- HXL

# Columns that hold a JSON field under another name, or split it (a point's latitude and
# longitude); the geometry itself is GeoJSON's, not a column.
RENAMED = {
    "regions": "region_codes",
    "region": "region_code",
    "impact_location": "latitude",
    "location": "latitude",
    "boundary": None,
}
# Columns that are no JSON field of the collection: names and figures looked up from the
# records it links to, and the record's page. Anything else would be a field the JSON
# does not show to the same reader.
LOOKED_UP = {
    "region_names",
    "region_code",
    "region_name",
    "longitude",
    "weapon_types",
    "weapon_models",
    "launched",
    "intercepted",
    "facilities_hit",
    "facility_names",
    "attack_started_at",
    "facility_name",
    "facility_kind",
    "latitude",
    "last_severity",
    "last_attack_at",
    "url",
}
# Hashtags a reader of each collection looks for, from the HXL 1.1 core dictionary.
CORE_TAGS = {
    "attacks": {
        "id": "#event+id",
        "started_at": "#date+start",
        "region_codes": "#adm1+code",
        "region_names": "#adm1+name",
        "latitude": "#geo+lat",
        "longitude": "#geo+lon",
        "killed": "#affected+killed",
        "injured": "#affected+injured",
        "verification_status": "#status+verification",
        "sources": "#meta+source",
    },
    "weapon-uses": {"attack": "#event+id", "attack_started_at": "#date+start"},
    "damages": {
        "attack": "#event+id",
        "facility_name": "#loc+name",
        "region_code": "#adm1+code",
        "severity": "#severity",
    },
    "outages": {
        "as_of": "#date+reported",
        "region_code": "#adm1+code",
        "region_name": "#adm1+name",
        "service": "#service",
        "count": "#indicator+num+outage",
        "attack": "#event+id",
    },
    "responses": {
        "kind": "#activity+type",
        "actor": "#org+name",
        "quantity": "#output+num",
        "started_at": "#date+start",
    },
    "facilities": {
        "name": "#loc+name",
        "kind": "#loc+type",
        "status": "#status",
        "region_code": "#adm1+code",
        "latitude": "#geo+lat",
        "longitude": "#geo+lon",
        "operator": "#org+name+operator",
    },
    "regions": {"code": "#adm1+code", "name_en": "#adm1+name"},
    "sources": {"title": "#meta+source+name", "published_at": "#date+published"},
}
EXPORT_FILES = [
    ("/api/v1/exports/attacks.hxl.csv", "attacks"),
    ("/api/v1/exports/outages.hxl.csv", "outages"),
]


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def load_hxl(content: bytes) -> hxl.model.Dataset:
    """The export as libhxl reads it, after checking it against libhxl's default schema."""
    problems: list = []
    valid = hxl.schema(callback=problems.append).validate(hxl.data(io.BytesIO(content)))
    errors = [
        (p.rule.tag_pattern, p.value, p.message) for p in problems if p.rule.severity == "error"
    ]
    assert valid or not errors, errors
    return hxl.data(io.BytesIO(content))


def same_value(value: object, cell: str) -> bool:
    """Whether a JSON value and an export cell say the same thing."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == str(value).lower()
    if isinstance(value, list):
        return cell == ";".join(str(item) for item in value)
    if isinstance(value, str) and (moment := parse_datetime(value)) and "T" in value:
        # Exports give times in UTC to the second.
        return parse_datetime(cell) == moment.replace(microsecond=0)
    return cell == str(value)


@pytest.fixture
def api_client(viewer) -> APIClient:
    client = APIClient()
    client.force_login(viewer)
    return client


@pytest.fixture
def filled(world):  # noqa: F811 - the fixture imported above.
    kyiv = world["region"]
    kyiv.boundary = MultiPolygon(
        Polygon(((30, 50), (31, 50), (31, 51), (30, 51), (30, 50)), srid=4326), srid=4326
    )
    kyiv.save()
    world["attack"].impact_location = Point(30.64, 50.446, srid=4326)
    world["attack"].killed = 1
    world["attack"].save()
    world["damage"].sources.set([world["source"]])
    return world


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_collection_exports_hxl_that_libhxl_reads_with_the_json_values(
    api_client, filled, resource
):
    dataset = load_hxl(body(api_client.get(list_url(resource), {"format": "hxl"})))
    records = api_client.get(list_url(resource), {"page_size": 100}).json()["results"]

    tags = dict(zip(dataset.headers, (c.display_tag for c in dataset.columns), strict=True))
    assert all(column.tag for column in dataset.columns)
    assert CORE_TAGS[resource].items() <= tags.items()
    rows = [dict(zip(dataset.headers, row.values, strict=True)) for row in dataset]
    assert len(rows) == len(records) > 0
    for record, row in zip(records, rows, strict=True):
        for field, value in record.items():
            column = RENAMED.get(field, field)
            if column is None or column == "latitude":
                continue
            assert column in row, f"{resource}: {field} is not exported"
            if column == field:
                assert same_value(value, row[column]), (resource, field, value, row[column])
        unknown = set(row) - set(record) - LOOKED_UP - {RENAMED.get(f) for f in record}
        assert not unknown, f"{resource} exports what its JSON does not show: {unknown}"


def test_the_export_values_of_linked_records_are_those_of_the_records(api_client, filled):
    (attack,) = load_hxl(body(api_client.get(list_url("attacks"), {"format": "hxl"})))
    (damage,) = load_hxl(body(api_client.get(list_url("damages"), {"format": "hxl"})))
    (outage,) = load_hxl(body(api_client.get(list_url("outages"), {"format": "hxl"})))

    assert attack.get("#event+id") == str(filled["attack"].pk)
    assert (attack.get("#adm1+code"), attack.get("#adm1+name")) == ("UA-30", "Kyiv")
    assert (attack.get("#geo+lat"), attack.get("#geo+lon")) == ("50.446", "30.64")
    assert attack.get("#affected+killed") == "1"
    assert attack.get("#x_weapon+type") == filled["weapon"].weapon_type
    assert attack.get("#loc+name+hit") == filled["facility"].name
    assert attack.get("#meta+url") == f"/attacks/{filled['attack'].pk}/"
    assert damage.get("#loc+name") == filled["facility"].name
    assert damage.get("#meta+source") == str(filled["source"].pk)
    assert outage.get("#event+id") == str(filled["attack"].pk)
    assert outage.get("#adm1+name") == "Kyiv"


@pytest.mark.parametrize(("url", "resource"), EXPORT_FILES)
def test_the_hxl_files_load_with_libhxl_and_have_the_collections_tags(
    api_client, filled, url, resource
):
    dataset = load_hxl(body(api_client.get(url)))

    tags = dict(zip(dataset.headers, (c.display_tag for c in dataset.columns), strict=True))
    assert CORE_TAGS[resource].items() <= tags.items()
    assert len(list(dataset)) == 1


# --------------------------------------------------------------------------- one export

FILES = [
    ("attacks.csv", "attacks", "csv", {"region": "UA-30", "ordering": "started_at"}),
    ("attacks.hxl.csv", "attacks", "hxl", {"weapon_type": "cruise_missile"}),
    ("outages.csv", "outages", "csv", {"region": "UA-30", "as_of_after": "2026-01-01"}),
    ("outages.hxl.csv", "outages", "hxl", {"service": "heating"}),
    ("facilities.csv", "facilities", "csv", {"bbox": "30,50,31,51"}),
    ("regions.csv", "regions", "csv", {"search": "Kyiv"}),
]


@pytest.mark.parametrize(("file", "resource", "export_format", "query"), FILES)
def test_a_file_and_its_collections_export_are_the_same_bytes(
    api_client, filled, file, resource, export_format, query
):
    from_file = api_client.get(f"/api/v1/exports/{file}", query)
    from_collection = api_client.get(list_url(resource), {**query, "format": export_format})

    assert body(from_file) == body(from_collection)
    assert from_file["Content-Disposition"] == f'attachment; filename="{file}"'
    assert from_collection["Content-Disposition"] == from_file["Content-Disposition"]


@pytest.mark.parametrize("resource", ["attacks", "facilities", "regions", "damages"])
def test_geojson_exports_carry_the_same_columns_as_properties(api_client, filled, resource):
    header = rows(api_client.get(list_url(resource), {"format": "csv"}))[0]
    collection = body_json(api_client.get(list_url(resource), {"format": "geojson"}))

    (feature,) = collection["features"][:1]
    assert list(feature["properties"]) == header
    assert feature["geometry"]["type"] in ("Point", "MultiPolygon")


def test_an_export_keeps_the_order_asked_for(client, viewer, attacks):
    client.force_login(viewer)

    newest = rows(client.get(reverse("api:attack-list"), {"format": "csv"}))[1:]
    oldest = rows(
        client.get(reverse("api:attack-list"), {"format": "csv", "ordering": "started_at"})
    )[1:]

    assert [row[0] for row in oldest] == [row[0] for row in reversed(newest)]
    assert newest[0][0] == str(attacks.pk)


def test_one_record_as_csv_has_the_columns_of_its_collections_export(client, viewer, attacks):
    client.force_login(viewer)

    collection = rows(client.get(reverse("api:attack-list"), {"format": "csv"}))
    record = rows(client.get(reverse("api:attack-detail", args=[attacks.pk]), {"format": "csv"}))

    assert record == [collection[0], collection[1]]
