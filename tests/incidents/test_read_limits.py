"""Bounded reads: what one request may ask for, and how much it may get back."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.http import StreamingHttpResponse
from rest_framework.test import APIClient

from incidents import geojson
from incidents.api import export_tables, exports, layers
from incidents.api.views import AttackViewSet, SourceViewSet
from infra_tracker.middleware import StatementTimeoutMiddleware
from tests.conftest import REPO, database_url
from tests.factories import (
    DARNYTSIA,
    KHARKIV,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    ResponseMeasureFactory,
    SourceFactory,
    WeaponUseFactory,
)
from tests.incidents.test_api_resources import (  # noqa: F401 - world is a fixture.
    RESOURCES,
    list_url,
    world,
)

ELEVEN_WORDS = " ".join(["heat"] * 11)
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


# --------------------------------------------------------------------------- ceilings

LAYERS = [
    "/api/v1/map/facilities.geojson",
    "/api/v1/map/attacks.geojson",
    "/api/v1/map/regions.geojson",
]
# The export files, and the key of the 400 past the ceiling: their collections' own.
EXPORTS = [
    ("/api/v1/exports/attacks.csv", "bbox"),
    ("/api/v1/exports/attacks.hxl.csv", "bbox"),
    ("/api/v1/exports/outages.csv", "bbox"),
    ("/api/v1/exports/outages.hxl.csv", "bbox"),
    ("/api/v1/exports/facilities.csv", "bbox"),
    ("/api/v1/exports/regions.csv", "non_field_errors"),
]
COLLECTION_EXPORTS = [
    *[(resource, "csv") for resource in RESOURCES],
    ("attacks", "hxl"),
    ("outages", "hxl"),
    ("attacks", "geojson"),
    ("facilities", "geojson"),
    ("regions", "geojson"),
]
# Collections whose filters include a bbox; the others can only narrow by filters.
BBOX_FILTERED = ("facilities", "attacks", "damages", "outages")


def square(lon: float, lat: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5)), srid=4326)


@pytest.fixture
def twice(world):  # noqa: F811 - the fixture imported above.
    """Two records of every kind: Kyiv's strike and a Kharkiv one, each region with a boundary."""
    kyiv = world["region"]
    kyiv.boundary = square(30.6, 50.4)
    kyiv.save()
    kharkiv = RegionFactory(code="UA-63", name_en="Kharkiv Oblast", boundary=square(36.2, 50))
    world["attack"].impact_location = DARNYTSIA
    world["attack"].save()
    strike = AttackFactory(impact_location=KHARKIV, summary="Drone strike on Kharkiv")
    strike.regions.set([kharkiv])
    WeaponUseFactory(attack=strike)
    DamageFactory(attack=strike, facility=world["second_facility"])
    OutageReportFactory(region=kharkiv, attack=strike)
    ResponseMeasureFactory(region=kharkiv, attack=strike)
    SourceFactory(title="Kharkiv regional administration on Telegram")
    return {**world, "kharkiv": kharkiv, "kharkiv_strike": strike}


def csv_lines(response) -> list[str]:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode().splitlines()


def features(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return json.loads(response.content)["features"]


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_over_the_feature_ceiling_asks_to_narrow_the_bbox_or_the_filters(
    api, settings, twice, layer
):
    settings.MAP_MAX_FEATURES = 1

    response = api.get(layer)

    assert response.status_code == 400
    assert response.json() == {
        "bbox": ["More than 1 features match: narrow the bbox or the filters."]
    }
    assert len(features(api.get(layer, {"bbox": "35,49,37,51"}))) == 1


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_at_the_ceiling_is_served_whole(api, settings, twice, layer):
    settings.MAP_MAX_FEATURES = 2
    assert len(features(api.get(layer))) == 2


@pytest.mark.parametrize(
    ("url", "key"), [*EXPORTS, *[(layer + "?format=csv", "bbox") for layer in LAYERS]]
)
def test_an_export_over_the_row_ceiling_is_refused_before_it_starts(api, settings, twice, url, key):
    settings.EXPORT_MAX_ROWS = 1

    response = api.get(url)

    assert response.status_code == 400
    (message,) = response.json()[key]
    assert message.startswith("More than 1 rows match: narrow the ")
    settings.EXPORT_MAX_ROWS = 2
    assert len(csv_lines(api.get(url))) >= 3


@pytest.mark.parametrize(("resource", "export_format"), COLLECTION_EXPORTS)
def test_a_collection_export_over_the_row_ceiling_is_refused_before_it_starts(
    api, settings, twice, resource, export_format
):
    settings.EXPORT_MAX_ROWS = 1

    response = api.get(list_url(resource), {"format": export_format})

    assert response.status_code == 400
    key = "bbox" if resource in BBOX_FILTERED else "non_field_errors"
    (message,) = response.json()[key]
    assert message.startswith("More than 1 rows match: narrow the ")
    settings.EXPORT_MAX_ROWS = 2
    whole = api.get(list_url(resource), {"format": export_format})
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content)


# --------------------------------------------------------------------------- streaming


def open_server_side_cursors() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '\\_django\\_curs\\_%%'")
        return cursor.fetchone()[0]


def test_an_export_is_read_from_a_server_side_cursor_one_chunk_at_a_time(api, monkeypatch, twice):
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 1)

    response = api.get("/api/v1/exports/attacks.csv")

    assert isinstance(response, StreamingHttpResponse)
    chunks = iter(response.streaming_content)
    first = next(chunks)
    # The second row is still on the server, behind the open cursor.
    assert open_server_side_cursors() == 1
    rest = list(chunks)
    assert open_server_side_cursors() == 0
    assert [chunk.count(b"\n") for chunk in [first, *rest]] == [2, 1]
    lines = b"".join([first, *rest]).decode().splitlines()
    assert lines[0].startswith("id,started_at,ended_at,")
    newest_first = [twice["kharkiv_strike"].pk, twice["attack"].pk]
    assert [int(line.split(",")[0]) for line in lines[1:]] == newest_first


@pytest.mark.django_db(transaction=True)
def test_as_in_production_the_export_runs_in_the_view_and_streams_from_its_own_transaction(
    api, monkeypatch, twice
):
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 1)

    response = api.get("/api/v1/exports/attacks.csv")

    # The statement has run and the first row is read; the rest waits behind the cursor.
    assert connection.in_atomic_block
    assert open_server_side_cursors() == 1
    lines = csv_lines(response)
    assert not connection.in_atomic_block
    assert open_server_side_cursors() == 0
    newest_first = [twice["kharkiv_strike"].pk, twice["attack"].pk]
    assert [int(line.split(",")[0]) for line in lines[1:]] == newest_first


# --------------------------------------------------------------------------- statement timeout


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_web_request_runs_under_the_statement_timeout(api, settings):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 1234
    assert statement_timeout() != "1234ms"

    assert api.get(list_url("sources")).status_code == 200

    assert statement_timeout() == "1234ms"


@pytest.mark.django_db(transaction=True)
def test_the_timeout_is_set_once_per_database_connection(settings):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 4321
    middleware = StatementTimeoutMiddleware(lambda request: None)
    connection.close()

    middleware(None)
    first = connection.connection
    assert statement_timeout() == "4321ms"
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")
    middleware(None)
    # Still the default: the connection had its setting, so it was not sent again.
    assert connection.connection is first
    assert statement_timeout() != "4321ms"

    connection.close()
    middleware(None)
    assert statement_timeout() == "4321ms"
    connection.close()


def test_management_commands_keep_the_databases_default_timeout(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reset_val FROM pg_settings WHERE name = 'statement_timeout'")
        (default,) = cursor.fetchone()
    script = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute(\"SELECT setting FROM pg_settings WHERE name = 'statement_timeout'\")\n"
        "    print(cursor.fetchone()[0])\n"
    )
    result = subprocess.run(  # noqa: S603 - the project's own manage.py.
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=REPO,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "DATABASE_STATEMENT_TIMEOUT_MS": "1234",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == default


def sleeping(rows: geojson.Selection) -> geojson.Query:
    """A layer or export statement that outlasts the timeout the tests set."""
    return geojson.Query("SELECT pg_sleep(2)::text", [], rows)


@pytest.fixture
def tiny_statement_timeout(settings, transactional_db):
    # Outside a transaction, as web requests run, so the statement is cut short for real.
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 100
    yield
    # A new connection has the database's default again, for the tables' flush.
    connection.close()


def test_a_layer_query_cut_short_by_the_timeout_is_a_clear_503(
    tiny_statement_timeout, api, monkeypatch
):
    monkeypatch.setattr(
        layers.AttacksLayer,
        "build_geojson",
        staticmethod(lambda filters: sleeping(geojson.attacks_selection(filters))),
    )

    response = api.get("/api/v1/map/attacks.geojson")

    assert response.status_code == 503
    assert response.json() == {"detail": "The query took too long; narrow the filters."}


def slow_table(table: export_tables.Table) -> export_tables.Table:
    """The table with a column that takes seconds to compute, as a huge table would.

    Counting the rows does not compute it; reading them does.
    """
    slow = export_tables.Column("slow", "#meta+slow", "pg_sleep(2)::text")
    return dataclasses.replace(table, columns=[*table.columns, slow])


def test_an_export_cut_short_by_the_timeout_is_a_clear_503_not_a_truncated_file(
    tiny_statement_timeout, api, monkeypatch
):
    AttackFactory()
    monkeypatch.setattr(AttackViewSet, "export_table", slow_table(export_tables.ATTACKS))

    response = api.get("/api/v1/exports/attacks.csv")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The query took too long; narrow the filters."}


def test_a_collection_export_cut_short_by_the_timeout_is_a_clear_503(
    tiny_statement_timeout, api, monkeypatch
):
    SourceFactory(title="Kharkiv regional administration on Telegram")
    monkeypatch.setattr(SourceViewSet, "export_table", slow_table(export_tables.SOURCES))

    response = api.get(list_url("sources"), {"format": "csv"})

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The query took too long; narrow the filters."}
