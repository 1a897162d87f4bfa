"""Finding a facility as analysts type it: either language, transliterations, kinds, towns."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from incidents.models import Facility
from incidents.selectors import facility_search, facility_search_terms
from tests.factories import FacilityFactory


@pytest.fixture
def plants(oblasts):
    kyiv_oblast = oblasts["UA-32"]
    trypilska = FacilityFactory(
        name="Trypilska TPP",
        name_uk="Трипільська ТЕС",
        kind=Facility.Kind.THERMAL,
        location=Point(30.738, 50.135, srid=4326),
        region=kyiv_oblast,
        locality="Ukrainka",
        operator="Centrenergo",
    )
    # Neighbours a loose search could rank first.
    FacilityFactory(
        name="Zmiivska TPP",
        name_uk="Зміївська ТЕС",
        kind=Facility.Kind.THERMAL,
        location=Point(36.36, 49.59, srid=4326),
        region=oblasts["UA-63"],
        locality="Slobozhanske",
        operator="Centrenergo",
    )
    FacilityFactory(
        name="Trypillia substation",
        kind=Facility.Kind.SUBSTATION,
        location=Point(30.78, 50.11, srid=4326),
        region=kyiv_oblast,
        locality="Trypillia",
    )
    FacilityFactory(
        name="Ukrainka boiler house",
        kind=Facility.Kind.HEATING,
        location=Point(30.74, 50.14, srid=4326),
        region=kyiv_oblast,
        locality="Ukrainka",
    )
    FacilityFactory(region=oblasts["UA-30"])  # the Darnytsia heating plant
    return trypilska


def names(term: str) -> list[str]:
    return [facility.name for facility in facility_search(Facility.objects.all(), term)]


@pytest.mark.parametrize(
    "term",
    [
        "Trypilska TPP",
        "Trypilska thermal power plant",
        "Tripilska",
        "Ukrainka",
        "trypilska",
        "Трипільська ТЕС",
        "Трипільська",
        "ТЕС Трипільська",
        "Tripilska TES",
        "Trypilska Centrenergo",
    ],
)
def test_each_way_of_naming_the_plant_finds_it_first(plants, term):
    found = names(term)
    assert found and found[0] == "Trypilska TPP", found


def test_a_kind_abbreviation_narrows_to_that_kind(plants):
    assert names("Ukrainka TPP") == ["Trypilska TPP"]
    assert names("TPP") == ["Trypilska TPP", "Zmiivska TPP"]
    assert names("ТЕЦ") == ["Darnytsia heating plant"]


def test_a_kind_that_matches_nothing_still_lets_the_words_decide(plants):
    # Filed as a thermal plant; someone calls it a CHP.
    assert names("Trypilska CHP")[0] == "Trypilska TPP"


def test_every_word_must_match(plants):
    assert names("Trypilska Kharkiv") == []
    assert names("Zmiivska") == ["Zmiivska TPP"]


def test_kind_words_and_abbreviations_are_read_off_the_term():
    assert facility_search_terms("Trypilska thermal power plant") == ("thermal", ["trypilska"])
    assert facility_search_terms("Трипільська ТЕС") == ("thermal", ["трипільська"])
    assert facility_search_terms("Kyiv CHP-5") == ("chp", ["kyiv", "5"])
    assert facility_search_terms("Kakhovka HPP") == ("hydro", ["kakhovka"])
    assert facility_search_terms("Zaporizhzhia NPP") == ("nuclear", ["zaporizhzhia"])


def test_the_autocomplete_suggests_kind_locality_and_region_and_the_point(plants, analyst, client):
    client.force_login(analyst)
    response = client.get(
        reverse("admin:incidents_facility_autocomplete"),
        {
            "term": "Trypilska TPP",
            "app_label": "incidents",
            "model_name": "damage",
            "field_name": "facility",
        },
    )
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first == {
        "id": str(plants.pk),
        "text": "Trypilska TPP — Thermal power plant, Ukrainka, Kyiv Oblast",
        "name": "Trypilska TPP",
        "latitude": 50.135,
        "longitude": 30.738,
    }


def test_the_autocomplete_refuses_who_may_not_see_facilities(plants, client, django_user_model):
    outsider = django_user_model.objects.create_user("outsider", password="x", is_staff=True)
    client.force_login(outsider)
    response = client.get(
        reverse("admin:incidents_facility_autocomplete"),
        {"term": "Try", "app_label": "incidents", "model_name": "damage", "field_name": "facility"},
    )
    assert response.status_code == 403
