"""The API does what its OpenAPI schema says, found by the schemathesis run and pinned here."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.api.pagination import CURSOR_PATTERN
from incidents.models import Attack, Region
from tests.factories import AttackFactory, RegionFactory, SourceFactory

ATTACKS = "/api/v1/attacks/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def attack_payload(**extra) -> dict:
    return {"started_at": "2026-02-04T03:00:00Z", "summary": "Strike on Kyiv", **extra}


@pytest.fixture
def schema(analyst) -> dict:
    return client_for(analyst).get(reverse("api-schema"), {"format": "json"}).json()


def test_an_unknown_body_field_is_a_400_naming_it(analyst):
    RegionFactory()
    response = client_for(analyst).post(ATTACKS, attack_payload(summery="typo"), format="json")
    assert response.status_code == 400
    assert "Unknown field" in response.json()["summery"][0]
    assert not Attack.objects.exists()


def test_a_read_only_body_field_is_a_400_naming_it(analyst):
    response = client_for(analyst).post(ATTACKS, attack_payload(created_at="x"), format="json")
    assert response.status_code == 400
    assert response.json() == {"created_at": ["This field is read-only; leave it out."]}


def test_request_bodies_refuse_unknown_fields_in_the_schema(schema):
    assert schema["components"]["schemas"]["AttackRequest"]["additionalProperties"] is False
    assert schema["components"]["schemas"]["PatchedAttackRequest"]["additionalProperties"] is False


def test_writes_take_json_only(analyst):
    response = client_for(analyst).post(ATTACKS, attack_payload(), format="multipart")
    assert response.status_code == 415


def test_write_operations_document_json_only(schema):
    post = schema["paths"][ATTACKS]["post"]
    assert list(post["requestBody"]["content"]) == ["application/json"]
    assert list(post["responses"]["201"]["content"]) == ["application/json"]


def test_a_created_record_answers_with_its_location(analyst):
    response = client_for(analyst).post(ATTACKS, attack_payload(), format="json")
    assert response.status_code == 201, response.json()
    assert response["Location"] == f"http://testserver{ATTACKS}{response.json()['id']}/"


def test_a_region_code_another_region_holds_is_a_409(analyst):
    RegionFactory()
    payload = {"code": "UA-30", "name_en": "Kyiv again", "kind": "city"}
    response = client_for(analyst).post("/api/v1/regions/", payload, format="json")
    assert response.status_code == 409
    assert "code" in response.json()
    assert Region.objects.count() == 1


@pytest.mark.parametrize(
    "location",
    [
        {"type": "Point", "coordinates": [200, 50]},
        {"type": "Point", "coordinates": [30, 50, 100]},
        {"type": "Point", "coordinates": [30, 50], "crs": "x"},
        {},
    ],
)
def test_an_impossible_point_is_a_400_naming_the_field(analyst, location):
    body = attack_payload(impact_location=location)
    response = client_for(analyst).post(ATTACKS, body, format="json")
    assert response.status_code == 400
    assert "impact_location" in response.json()


def test_a_page_past_the_last_is_a_404_and_documented(analyst, schema):
    response = client_for(analyst).get("/api/v1/regions/", {"page": 99})
    assert response.status_code == 404
    assert "404" in schema["paths"]["/api/v1/regions/"]["get"]["responses"]


def test_the_paging_parameters_are_described(schema):
    def parameter(path, name):
        found = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        return found[0]["schema"]

    assert parameter("/api/v1/regions/", "page") == {"type": "integer", "minimum": 1}
    assert parameter("/api/v1/regions/", "page_size") == {"type": "integer", "minimum": 1}
    assert parameter(ATTACKS, "cursor")["pattern"] == CURSOR_PATTERN


def test_a_well_formed_cursor_this_api_did_not_write_is_a_404(analyst):
    response = client_for(analyst).get(ATTACKS, {"cursor": "//79"})
    assert re.fullmatch(CURSOR_PATTERN, "//79")
    assert response.status_code == 404


def test_the_next_link_cursor_matches_the_documented_pattern(analyst):
    AttackFactory()
    AttackFactory()
    response = client_for(analyst).get(ATTACKS, {"page_size": 1})
    cursor = re.search(r"cursor=([^&]+)", response.json()["next"]).group(1)
    assert re.fullmatch(CURSOR_PATTERN, unquote(cursor))


def test_text_with_a_nul_and_decimals_out_of_range_are_described(schema):
    attack = schema["components"]["schemas"]["AttackRequest"]["properties"]
    assert attack["perpetrator"]["oneOf"][0]["pattern"] == "^[^\\x00]*$"
    assert not re.fullmatch(attack["summary"]["pattern"], "\x1d ")
    assert re.fullmatch(attack["summary"]["pattern"], " Strike ")
    assert re.fullmatch(attack["ambient_temperature_c"]["pattern"], "-70")
    assert not re.fullmatch(attack["ambient_temperature_c"]["pattern"], "-71")
    facility = schema["components"]["schemas"]["FacilityRequest"]["properties"]
    assert not re.fullmatch(facility["thermal_capacity_mw"]["pattern"], "-1")
    assert not re.fullmatch(facility["thermal_capacity_mw"]["pattern"], "")


def test_cross_field_rules_are_described(schema):
    weapon = schema["components"]["schemas"]["WeaponUseRequest"]["properties"]
    assert "At most launched." in weapon["intercepted"]["description"]
    attack = schema["components"]["schemas"]["AttackRequest"]["properties"]
    assert "Not before started_at." in attack["ended_at"]["description"]


def test_a_source_id_in_a_write_is_checked(analyst):
    SourceFactory()
    response = client_for(analyst).post(ATTACKS, attack_payload(sources=[999]), format="json")
    assert response.status_code == 400
    assert "sources" in response.json()


def test_an_unsupported_method_is_a_405_whatever_format_it_names(analyst):
    response = client_for(analyst).generic("TRACE", f"{ATTACKS}?format=csv")
    assert response.status_code == 405


def test_an_empty_boundary_is_a_400(analyst):
    payload = {
        "code": "UA-63",
        "name_en": "Kharkiv Oblast",
        "boundary": {"type": "MultiPolygon", "coordinates": []},
    }
    response = client_for(analyst).post("/api/v1/regions/", payload, format="json")
    assert response.status_code == 400
    assert "boundary" in response.json()


def test_the_schema_describes_the_api_not_its_own_page(schema):
    assert "/api/schema/" not in schema["paths"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("summary", 0),
        ("killed", "3"),
        ("killed", True),
        ("is_illustrative", 0),
        ("sources", {}),
        ("regions", "UA-30"),
        ("started_at", 20260204),
        ("ambient_temperature_c", ""),
        ("ambient_temperature_c", -5),
        ("ambient_temperature_c", "  "),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_400_naming_the_field(analyst, field, value):
    RegionFactory()
    response = client_for(analyst).post(ATTACKS, attack_payload(**{field: value}), format="json")
    assert response.status_code == 400
    assert "Expected" in response.json()[field][0]


def test_a_whole_number_written_with_a_fraction_of_zero_is_a_whole_number(analyst):
    RegionFactory()
    response = client_for(analyst).post(ATTACKS, attack_payload(killed=3.0), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["killed"] == 3
