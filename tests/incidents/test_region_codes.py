"""Region codes are ISO 3166-2 and fixed once made; region names are unique, whatever the case."""

from __future__ import annotations

import importlib

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from incidents.models import Region
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def kyiv(db) -> Region:
    return RegionFactory(code="UA-30", name_en="Kyiv", name_uk="Київ", kind=Region.Kind.CITY)


@pytest.fixture
def volyn(db) -> Region:
    return RegionFactory(code="UA-07", name_en="Volyn Oblast", name_uk="Волинська область")


@pytest.mark.parametrize(
    "code",
    ["\x01\x02\x03", "UA 30", "ua-30", "UA-", "UA-1234", "UKR-30", "UA_30", "UA-3\x000"],
)
def test_the_api_refuses_a_code_that_is_not_iso_3166_2(analyst, code):
    payload = {"code": code, "name_en": "Somewhere", "kind": "oblast"}
    response = client_for(analyst).post("/api/v1/regions/", payload, format="json")
    assert response.status_code == 400, response.content
    assert "ISO 3166-2" in " ".join(response.json()["code"])
    assert not Region.objects.filter(name_en="Somewhere").exists()


def test_the_api_refuses_a_ukrainian_code_that_names_no_region(analyst):
    payload = {"code": "UA-99", "name_en": "Somewhere", "kind": "oblast"}
    response = client_for(analyst).post("/api/v1/regions/", payload, format="json")
    assert response.status_code == 400
    assert "not a Ukrainian region's ISO 3166-2 code" in response.json()["code"][0]


def test_the_api_takes_another_countrys_code_in_the_iso_form(analyst):
    payload = {"code": "MD-CU", "name_en": "Chișinău", "kind": "city"}
    response = client_for(analyst).post("/api/v1/regions/", payload, format="json")
    assert response.status_code == 201, response.content
    assert Region.objects.get(code="MD-CU").name_en == "Chișinău"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_existing_regions_code_cannot_be_changed_through_the_api(analyst, volyn, method):
    payload = {"code": "UA-26", "name_en": "Volyn Oblast", "kind": "oblast"}
    response = getattr(client_for(analyst), method)(
        "/api/v1/regions/UA-07/", payload, format="json"
    )
    assert response.status_code == 400
    assert "cannot be changed (it is UA-07)" in response.json()["code"][0]
    volyn.refresh_from_db()
    assert volyn.code == "UA-07"


def test_a_control_character_code_on_update_is_refused_and_nothing_changes(analyst, volyn):
    response = client_for(analyst).patch(
        "/api/v1/regions/UA-07/", {"code": "\x07\x08"}, format="json"
    )
    assert response.status_code == 400
    assert Region.objects.filter(code="UA-07").count() == 1


def test_an_update_may_send_the_code_unchanged(analyst, volyn):
    payload = {"code": "UA-07", "name_en": "Volyn Oblast", "name_uk": "Волинь", "kind": "oblast"}
    response = client_for(analyst).put("/api/v1/regions/UA-07/", payload, format="json")
    assert response.status_code == 200, response.content
    volyn.refresh_from_db()
    assert volyn.name_uk == "Волинь"


@pytest.mark.parametrize(
    ("field", "value"),
    [("name_en", "kyiv"), ("name_en", "KYIV"), ("name_uk", "київ")],
)
def test_a_second_region_of_the_same_name_is_refused_with_the_field_named(
    analyst, kyiv, field, value
):
    payload = {"code": "UA-32", "name_en": "Kyiv Oblast", "kind": "oblast", field: value}
    response = client_for(analyst).post("/api/v1/regions/", payload, format="json")
    assert response.status_code in (400, 409), response.content
    assert "Another region already has this" in response.json()[field][0]
    assert not Region.objects.filter(code="UA-32").exists()


def test_renaming_a_region_to_anothers_name_is_refused_not_a_500(analyst, kyiv, volyn):
    response = client_for(analyst).patch(
        "/api/v1/regions/UA-07/", {"name_en": "KYIV"}, format="json"
    )
    assert response.status_code in (400, 409)
    assert "English name" in response.json()["name_en"][0]


def test_regions_without_a_ukrainian_name_may_be_many(analyst):
    for code, name in (("MD-CU", "Chișinău"), ("MD-BA", "Bălți")):
        payload = {"code": code, "name_en": name, "kind": "city"}
        response = client_for(analyst).post("/api/v1/regions/", payload, format="json")
        assert response.status_code == 201, response.content


def test_the_database_refuses_a_bad_code_and_a_duplicate_name_written_past_the_model(kyiv):
    with pytest.raises(IntegrityError, match="region_code_iso_3166_2"), transaction.atomic():
        Region.objects.filter(pk=kyiv.pk).update(code="\x01UA")
    with pytest.raises(IntegrityError, match="region_name_en_unique_ci"), transaction.atomic():
        Region.objects.create(code="UA-32", name_en="KYIV")
    with pytest.raises(IntegrityError, match="region_name_uk_unique_ci"), transaction.atomic():
        Region.objects.create(code="UA-32", name_en="Kyiv Oblast", name_uk="КИЇВ")


def test_the_admin_shows_a_bad_code_and_a_taken_name_on_their_fields(client, superuser, kyiv):
    client.force_login(superuser)
    response = client.post(
        "/admin/incidents/region/add/",
        {"code": "UA 32", "name_en": "kyiv", "name_uk": "", "kind": "oblast"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "ISO 3166-2" in errors["code"][0]
    assert "Another region already has this English name." in errors["name_en"]


# --------------------------------------------------------------------------- the migration

migration = importlib.import_module("incidents.migrations.0010_region_code_and_unique_names")


class _Apps:
    """The migration's model lookups, answered with today's model (same table and fields)."""

    @staticmethod
    def get_model(app_label: str, name: str):
        return Region


def _drop_region_rules() -> None:
    with connection.cursor() as cursor:
        for name in ("region_code_iso_3166_2", "region_name_en_unique_ci"):
            cursor.execute(f"ALTER TABLE incidents_region DROP CONSTRAINT IF EXISTS {name}")
        cursor.execute("DROP INDEX IF EXISTS region_name_en_unique_ci")


def test_the_migration_repairs_codes_it_can_read_and_refuses_duplicates_by_name(db):
    _drop_region_rules()  # rolled back with the test's transaction
    garbled = Region.objects.create(code="ua-26\x00"[:5] + "\x01", name_en="Ivano-Frankivsk Oblast")
    by_name = Region.objects.create(code="\x02\x03", name_en="Volyn Oblast")
    migration.repair_codes_or_refuse(_Apps, None)
    garbled.refresh_from_db()
    by_name.refresh_from_db()
    assert (garbled.code, by_name.code) == ("UA-26", "UA-07")

    Region.objects.create(code="UA-74", name_en="Chernihiv Oblast")
    duplicate = Region.objects.create(code="\x04", name_en="CHERNIHIV OBLAST")
    with pytest.raises(RuntimeError) as refused:
        migration.repair_codes_or_refuse(_Apps, None)
    message = str(refused.value)
    assert f"region id {duplicate.pk}" in message
    assert "UA-74 is taken by another region" in message
    assert "share the name_en 'chernihiv oblast'" in message
    assert "run migrate again" in message


def test_the_dashboard_lists_each_region_once(client, viewer, oblasts):
    client.force_login(viewer)
    response = client.get("/")
    names = [region.name_en for region in response.context["regions"]]
    assert len(names) == len(set(names)) == 27
