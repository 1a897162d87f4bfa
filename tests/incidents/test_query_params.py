"""One parser of query parameters: the same query string selects the same records on a
collection, its map layer, its exports and the statistics; a parameter the endpoint does
not know, an empty value or a date out of range is a 400 that names it."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from incidents.api.pagination import MAX_PAGE_SIZE
from incidents.models import Attack, WeaponUse
from tests.factories import (
    DARNYTSIA,
    KHARKIV,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    WeaponUseFactory,
)

pytestmark = pytest.mark.django_db
POLTAVA = Point(34.55, 49.59, srid=4326)


@pytest.fixture
def api(viewer) -> APIClient:
    client = APIClient()
    client.force_login(viewer)
    return client


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_ids(response, column: str = "id") -> set[int]:
    assert response.status_code == 200, body(response)
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    return {int(row[column]) for row in rows if row[column].isdigit()}


def page_ids(api, url: str) -> set[int]:
    response = api.get(url)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def layer_ids(api, url: str) -> set[int]:
    response = api.get(url)
    assert response.status_code == 200, response.content
    return {feature["id"] for feature in json.loads(response.content)["features"]}


@pytest.fixture
def strikes(db) -> dict:
    kyiv = RegionFactory()
    kharkiv = RegionFactory(code="UA-63", name_en="Kharkiv Oblast", kind="oblast")
    darnytsia = AttackFactory(
        impact_location=DARNYTSIA, summary="Missile and drone strike on the Darnytsia plant"
    )
    darnytsia.regions.set([kyiv])
    WeaponUseFactory(attack=darnytsia)
    WeaponUseFactory(attack=darnytsia, weapon_type=WeaponUse.WeaponType.DRONE, model="Shahed")
    kharkiv_strike = AttackFactory(
        impact_location=KHARKIV,
        started_at=datetime(2026, 1, 10, 22, tzinfo=UTC),
        summary="Strike on a Kharkiv substation",
        verification_status=Attack.Verification.CORROBORATED,
    )
    kharkiv_strike.regions.set([kharkiv])
    WeaponUseFactory(attack=kharkiv_strike, weapon_type=WeaponUse.WeaponType.BALLISTIC)
    combined = AttackFactory(
        impact_location=POLTAVA,
        started_at=datetime(2026, 2, 20, 1, tzinfo=UTC),
        summary="Combined strike, drones over two regions",
    )
    combined.regions.set([kyiv, kharkiv])
    WeaponUseFactory(attack=combined, weapon_type=WeaponUse.WeaponType.DRONE, model="Geran-2")
    plant = FacilityFactory(region=kyiv)
    substation = FacilityFactory(
        name="Kharkiv substation", kind="substation", location=KHARKIV, region=kharkiv
    )
    DamageFactory(attack=darnytsia, facility=plant)
    DamageFactory(attack=kharkiv_strike, facility=substation, severity="destroyed")
    OutageReportFactory(region=kyiv, attack=darnytsia, locality="Darnytsia")
    OutageReportFactory(
        region=kharkiv, service="electricity", as_of=datetime(2026, 1, 11, 8, tzinfo=UTC)
    )
    return {"darnytsia": darnytsia, "kharkiv": kharkiv_strike, "combined": combined}


ATTACK_QUERIES = [
    "",
    "region=UA-63",
    "region=UA-30,UA-63&started_after=2026-02-01",
    "started_before=2026-02-04",
    "started_after=2026-01-10T23:59:00%2B02:00&started_before=2026-02-19",
    "bbox=30,50,31,51",
    "bbox=33,48,37,50.5&region=UA-63",
    # The same box from its other corners, and a line of zero width through Poltava.
    "bbox=37,50.5,33,48&region=UA-63",
    "bbox=34.55,49,34.55,50",
    # A range that ends before it starts holds nothing.
    "started_after=2026-02-19&started_before=2026-01-01",
    "started_after=2026-02-04&started_before=2026-02-03",
    "weapon_type=attack_drone",
    "weapon_type=ballistic_missile,cruise_missile",
    "verification_status=corroborated",
    "verification_status=reported&region=UA-30",
    "search=drone",
    "search=Kharkiv substation",
    "facility_kind=substation",
    "severity=destroyed",
]


@pytest.mark.parametrize("query", ATTACK_QUERIES)
def test_one_query_string_selects_the_same_attacks_everywhere(api, strikes, query):
    listed = page_ids(api, f"/api/v1/attacks/?{query}&page_size={MAX_PAGE_SIZE}")
    assert listed == csv_ids(api.get(f"/api/v1/attacks/?{query}&format=csv"))
    assert listed == layer_ids(api, f"/api/v1/map/attacks.geojson?{query}")
    assert listed == csv_ids(api.get(f"/api/v1/map/attacks.geojson?{query}&format=csv"))
    assert listed == csv_ids(api.get(f"/api/v1/exports/attacks.csv?{query}"))
    assert listed == csv_ids(api.get(f"/api/v1/exports/attacks.hxl.csv?{query}"))
    summary = api.get(f"/api/v1/stats/summary?{query}").json()
    assert summary["attacks"] == len(listed)
    timeline = api.get(f"/api/v1/stats/timeline?{query}&interval=month").json()["results"]
    assert sum(period["attacks"] for period in timeline) == len(listed)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "region=UA-63",
        "bbox=30,50,31,51",
        "facility_kind=chp",
        "search=substation",
        "started_after=2026-02-01",
        "weapon_type=ballistic_missile",
        "verification_status=corroborated",
        "status=operational",
    ],
)
def test_one_query_string_selects_the_same_facilities_everywhere(api, strikes, query):
    listed = page_ids(api, f"/api/v1/facilities/?{query}&page_size={MAX_PAGE_SIZE}")
    assert listed == csv_ids(api.get(f"/api/v1/facilities/?{query}&format=csv"))
    assert listed == layer_ids(api, f"/api/v1/map/facilities.geojson?{query}")
    assert listed == csv_ids(api.get(f"/api/v1/exports/facilities.csv?{query}"))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "region=UA-63",
        "service=heating",
        "as_of_after=2026-02-01",
        "as_of_before=2026-02-01",
        "as_of_after=2026-02-01&as_of_before=2026-01-01",
        "search=darnytsia",
        "bbox=35,49,37,51",
    ],
)
def test_one_query_string_selects_the_same_outage_figures_everywhere(api, strikes, query):
    listed = page_ids(api, f"/api/v1/outages/?{query}&page_size={MAX_PAGE_SIZE}")
    assert listed == csv_ids(api.get(f"/api/v1/outages/?{query}&format=csv"))
    assert listed == csv_ids(api.get(f"/api/v1/exports/outages.csv?{query}"))


def test_an_attack_is_in_a_bbox_by_its_impact_point_only(api, strikes):
    # The Kharkiv strike damaged a substation in Kharkiv but struck, say, near Poltava.
    strike = strikes["kharkiv"]
    strike.impact_location = POLTAVA
    strike.save()
    kharkiv_box = "bbox=36,49.8,36.5,50.2"
    assert page_ids(api, f"/api/v1/attacks/?{kharkiv_box}") == set()
    assert layer_ids(api, f"/api/v1/map/attacks.geojson?{kharkiv_box}") == set()
    poltava_box = "bbox=34,49,35,50"
    assert page_ids(api, f"/api/v1/attacks/?{poltava_box}") == {
        strike.pk,
        strikes["combined"].pk,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/attacks/",
        "/api/v1/attacks/?format=csv",
        "/api/v1/sources/",
        "/api/v1/deleted/",
        "/api/v1/map/attacks.geojson",
        "/api/v1/map/regions.geojson",
        "/api/v1/stats/summary",
        "/api/v1/stats/timeline",
        "/api/v1/exports/outages.csv",
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it_and_the_accepted_ones(api, strikes, url):
    joiner = "&" if "?" in url else "?"
    response = api.get(f"{url}{joiner}from=2025-01-01")
    assert response.status_code == 400
    message = response.json()["from"][0]
    assert "Unknown parameter 'from'" in message
    assert "page_size" in message
    assert "format" in message


def test_the_accepted_list_names_the_collections_own_filters(api, strikes):
    message = api.get("/api/v1/attacks/?from=2025-01-01").json()["from"][0]
    for name in ("started_after", "bbox", "weapon_type", "cursor", "search", "fields"):
        assert name in message


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/attacks/?page_size=10&ordering=started_at&search=strike&fields=id",
        "/api/v1/sources/?page=1&format=json",
        "/api/v1/stats/summary?format=json&search=strike",
        "/api/v1/map/attacks.geojson?format=geojson",
        # The dashboard's public-view switch adds it to every request.
        "/api/v1/map/attacks.geojson?view=public",
        "/api/v1/stats/timeline?view=public",
    ],
)
def test_the_general_parameters_are_accepted_everywhere(api, strikes, url):
    response = api.get(url)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        # PostgreSQL refuses a -20:10 offset: this was a 500 on the CSV export.
        (
            "/api/v1/sources/?format=csv&published_after=0203-02-17T02:29:55-20:10",
            "published_after",
        ),
        # … and a 400 quoting PostgreSQL's error, SQL included.
        ("/api/v1/sources/?updated_since=0203-02-17T02:29:55-20:10", "updated_since"),
        ("/api/v1/attacks/?started_after=2026-02-17T02:29:55%2B14:30", "started_after"),
        ("/api/v1/attacks/?started_after=2026-02-17T02:29:55-14:01", "started_after"),
        ("/api/v1/attacks/?started_before=1899-12-31", "started_before"),
        ("/api/v1/map/attacks.geojson?started_before=2101-01-01", "started_before"),
        ("/api/v1/stats/summary?started_after=9999-12-31", "started_after"),
        ("/api/v1/exports/outages.csv?as_of_before=9999-12-31", "as_of_before"),
        ("/api/v1/deleted/?since=0001-01-01", "since"),
        (
            "/api/v1/outages/series?region=UA-30&service=heating&started_after=0203-01-01",
            "started_after",
        ),
    ],
)
def test_a_date_out_of_range_is_a_400_naming_it(api, strikes, url, parameter):
    response = api.get(url)
    assert response.status_code == 400, body(response)
    assert list(response.json()) == [parameter]
    assert "SELECT" not in str(response.json())


def test_dates_within_the_ranges_are_accepted(api, strikes):
    for value in (
        "1900-01-01",
        "2100-12-31",
        "2026-02-04T03:00:00%2B14:00",
        "2026-02-04T03:00-14:00",
    ):
        response = api.get(f"/api/v1/sources/?format=csv&published_after={value}")
        assert response.status_code == 200, (value, body(response))


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/attacks/?updated_since=", "updated_since"),
        ("/api/v1/sources/?published_before=", "published_before"),
        ("/api/v1/map/attacks.geojson?region=", "region"),
        ("/api/v1/stats/summary?bbox=", "bbox"),
        ("/api/v1/damages/?attack=", "attack"),
        ("/api/v1/weapon-uses/?weapon_type=", "weapon_type"),
        ("/api/v1/attacks/?format=", "format"),
        ("/api/v1/facilities/1/?format=", "format"),
        ("/api/v1/map/attacks.geojson?format=", "format"),
    ],
)
def test_an_empty_value_is_refused(api, strikes, url, parameter):
    response = api.get(url)
    assert response.status_code == 400
    assert response.json() == {parameter: ["Give a value, or leave the parameter out."]}


def test_too_many_region_codes_are_refused_with_the_same_limit_everywhere(api, strikes):
    codes = ",".join(f"UA-{n:02d}" for n in range(51))
    for url in ("/api/v1/attacks/", "/api/v1/map/attacks.geojson", "/api/v1/damages/"):
        response = api.get(f"{url}?region={codes}")
        assert response.status_code == 400
        assert response.json()["region"] == ["Give at most 50 region codes; got 51."]


def test_a_record_id_out_of_range_is_a_400_not_a_database_error(api, strikes):
    response = api.get(f"/api/v1/damages/?attack={2**63}")
    assert response.status_code == 400
    assert list(response.json()) == ["attack"]


# --------------------------------------------------------------------------- the schema


def _parameters(openapi: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p for p in openapi["paths"][path]["get"]["parameters"]}


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_states_the_constraints_the_parser_enforces(openapi):
    attacks = _parameters(openapi, "/api/v1/attacks/")
    assert attacks["bbox"]["schema"]["pattern"].startswith("^")
    assert attacks["started_after"]["schema"]["pattern"].startswith("^")
    assert attacks["started_after"]["schema"]["minLength"] == 1
    assert set(attacks["weapon_type"]["schema"]["items"]["enum"]) == set(WeaponUse.WeaponType)
    assert attacks["page_size"]["schema"]["minimum"] == 1
    # Larger page sizes are capped, not refused: the description says so.
    assert "maximum" not in attacks["page_size"]["schema"]
    assert f"more than {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE}" in attacks["page_size"]["description"]
    assert _parameters(openapi, "/api/v1/sources/")["page"]["schema"]["minimum"] == 1
    damages = _parameters(openapi, "/api/v1/damages/")
    assert damages["attack"]["schema"]["type"] == "integer"
    assert damages["attack"]["schema"]["minimum"] == 1
    series = _parameters(openapi, "/api/v1/outages/series")
    assert series["region"]["required"] and series["service"]["required"]


def test_the_layers_exports_and_statistics_document_the_filters_of_their_collection(openapi):
    collection = set(_parameters(openapi, "/api/v1/attacks/")) - {"cursor", "page_size"}
    collection -= {"format", "ordering"}
    for path in (
        "/api/v1/map/attacks.geojson",
        "/api/v1/exports/attacks.csv",
        "/api/v1/stats/summary",
        "/api/v1/stats/timeline",
    ):
        assert collection <= set(_parameters(openapi, path)), path


# The last days of every month in a common year, leap years of both centuries, the
# centuries' edges (2000 is a leap year, 1900 and 2100 are not) and a day past each.
EDGE_DAYS = [
    f"{year}-{month:02d}-{day:02d}"
    for year in (1900, 1904, 1999, 2000, 2023, 2024, 2096, 2100)
    for month in range(0, 14)
    for day in (0, 1, 28, 29, 30, 31, 32)
]
DATE_SAMPLES = [
    "1912-02-30",
    "2100-02-30",
    "1956-02-31T20:28:09.960",
    "2000-02-29T23:59:59.999999-14:00",
    "1900-02-29T00:00",
    "2026-02-04",
    "2026-02-04T03:00",
    "2026-02-04T03:00:00Z",
    "2026-02-04 03:00:00.5+02:00",
    "2026-02-04T03:00-1400",
    "2100-12-31T23:59:59+14:00",
    "1900-01-01T00:00:00-13:59",
    "1899-12-31",
    "2101-01-01",
    "2026-13-01",
    "2026-02-04T24:00",
    "2026-02-04T03:00+14:30",
    "2026-02-04T03:00-20:10",
    "0203-02-17T02:29:55-20:10",
    "2026-2-4",
    "today",
]
SEARCH_SAMPLES = [
    "drone",
    " two words ",
    "a b c d e f g h i j",
    "a b c d e f g h i j k",
    "   ",
    # PostgreSQL cannot compare text holding NUL: a 400 naming search, not a database error.
    "dro\x00ne",
]


def _parses_as_date(value: str) -> bool:
    from incidents.api.query import parse_moment

    try:
        parse_moment("started_after", value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("value", DATE_SAMPLES)
def test_the_parser_accepts_a_date_exactly_when_the_schema_pattern_does(db, value):
    from incidents.api.query import DATE_PATTERN

    assert _parses_as_date(value) == bool(re.match(DATE_PATTERN, value))


def test_the_parser_and_the_schema_pattern_agree_on_every_edge_day(db):
    from incidents.api.query import DATE_PATTERN

    disagreements = [
        day for day in EDGE_DAYS if _parses_as_date(day) != bool(re.match(DATE_PATTERN, day))
    ]
    assert disagreements == []
    assert re.match(DATE_PATTERN, "2000-02-29") and re.match(DATE_PATTERN, "2096-02-29")
    assert not re.match(DATE_PATTERN, "1900-02-29") and not re.match(DATE_PATTERN, "2100-02-29")


@pytest.mark.parametrize("value", SEARCH_SAMPLES)
def test_the_api_accepts_a_search_exactly_when_the_schema_does(api, strikes, value):
    from incidents.api.query import SEARCH_PATTERN

    response = api.get("/api/v1/attacks/", {"search": value})
    assert (response.status_code == 200) == bool(re.match(SEARCH_PATTERN, value))


BBOX_SAMPLES = [
    "22.1,44.3,40.2,52.4",
    "40.2,52.4,22.1,44.3",
    "30,50,30,50",
    "-180,-90,180,90",
    "180.0,90.00,-180.000,-90",
    "-018.82,-67,014.9,-83.11",
    "099.5,089.9,1,0",
    "-0,0,-0.5,0",
    "180.0001,0,0,0",
    "0,90.5,0,0",
    "-181,0,0,0",
    "0,-91,0,0",
    "314.9,-67,0,0",
    "7,-306,0,680",
    "0,0,0",
    "0,0,0,0,0",
    "1e2,0,0,0",
    "0,0,0,",
    "z",
]


@pytest.mark.parametrize("value", BBOX_SAMPLES)
def test_the_parser_accepts_a_bbox_exactly_when_the_schema_pattern_does(value):
    from incidents.api.query import BBOX_PATTERN, parse_bbox

    try:
        parse_bbox(value)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(re.match(BBOX_PATTERN, value))


def test_a_bbox_is_the_box_its_corners_span_in_either_order():
    from incidents.api.query import parse_bbox

    box = (22.1, 44.3, 40.2, 52.4)
    assert parse_bbox("22.1,44.3,40.2,52.4") == box
    assert parse_bbox("40.2,52.4,22.1,44.3") == box
    assert parse_bbox("22.1,52.4,40.2,44.3") == box
    assert parse_bbox("30,50,30,50") == (30, 50, 30, 50)


RANGES = {
    "attacks": "started",
    "damages": "started",
    "facilities": "started",
    "weapon-uses": "started",
    "responses": "started",
    "outages": "as_of",
    "sources": "published",
}


@pytest.mark.parametrize(("collection", "prefix"), RANGES.items())
def test_a_range_that_ends_before_it_starts_selects_nothing(api, strikes, collection, prefix):
    query = {f"{prefix}_after": "2026-02-19", f"{prefix}_before": "2026-01-01"}
    response = api.get(f"/api/v1/{collection}/", query)
    assert response.status_code == 200, body(response)
    assert response.json()["results"] == []


def test_the_statistics_of_an_empty_range_are_zero(api, strikes):
    empty = "started_after=2026-02-19&started_before=2026-02-19"
    summary = api.get(f"/api/v1/stats/summary?{empty}")
    assert summary.status_code == 200, body(summary)
    assert summary.json()["attacks"] == 0
    for path in ("timeline", "weapons"):
        response = api.get(f"/api/v1/stats/{path}?{empty}")
        assert response.status_code == 200, body(response)
        assert response.json()["results"] == []
    series = api.get(f"/api/v1/outages/series?region=UA-30&service=heating&{empty}")
    assert series.status_code == 200, body(series)
    assert series.json()["results"] == []
    layer = api.get(f"/api/v1/map/attacks.geojson?{empty}")
    assert json.loads(layer.content)["features"] == []


ORDERING_SAMPLES = ["started_at", "-started_at", "-updated_at,id", "id,id", "", " id", "id,", "-"]


@pytest.mark.parametrize("value", [*ORDERING_SAMPLES, "summary", "-started_at,summary"])
def test_the_api_accepts_an_ordering_exactly_when_the_schema_pattern_does(
    api, strikes, openapi, value
):
    pattern = _parameters(openapi, "/api/v1/attacks/")["ordering"]["schema"]["pattern"]
    response = api.get("/api/v1/attacks/", {"ordering": value})
    assert (response.status_code == 200) == bool(re.match(pattern, value)), body(response)
    if response.status_code == 400:
        assert "started_at, updated_at" in response.json()["ordering"][0]


def test_the_schema_lists_each_collections_ordering_fields(openapi):
    from incidents.api.views import FacilityViewSet

    pattern = _parameters(openapi, "/api/v1/facilities/")["ordering"]["schema"]["pattern"]
    for name in FacilityViewSet.ordering_fields:
        assert re.match(pattern, name) and re.match(pattern, f"-{name},id")
    assert not re.match(pattern, "started_at")


def test_the_schema_lists_the_stored_region_codes(api, strikes):
    response = api.get("/api/schema/?format=json")
    schema = response.json()
    for path in ("/api/v1/attacks/", "/api/v1/map/attacks.geojson", "/api/v1/stats/summary"):
        region = _parameters(schema, path)["region"]["schema"]
        assert region["items"]["enum"] == ["UA-30", "UA-63"]
        assert region["maxItems"] == 50
    assert _parameters(schema, "/api/v1/outages/series")["region"]["schema"]["enum"] == [
        "UA-30",
        "UA-63",
    ]
    # A known code repeated past the limit is refused as the schema's maxItems says.
    response = api.get("/api/v1/attacks/", {"region": ["UA-30"] * 51})
    assert response.status_code == 400
    assert response.json()["region"] == ["Give at most 50 region codes; got 51."]
    response = api.get("/api/v1/attacks/", {"region": "UA-99"})
    assert response.status_code == 400
    assert response.json()["region"][0].startswith("Unknown region code(s): UA-99.")


@pytest.mark.parametrize("value", ["json", "hxl", "c\U000f2f10c"])
def test_an_export_url_refuses_a_format_other_than_its_own(api, strikes, value):
    response = api.get("/api/v1/exports/outages.csv", {"format": value})
    assert response.status_code == 400
    assert response.json() == {"format": ["This URL gives csv only; leave format out."]}
    assert api.get("/api/v1/exports/outages.csv", {"format": "csv"}).status_code == 200
