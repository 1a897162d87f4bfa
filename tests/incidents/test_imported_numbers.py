"""Numbers from imported files keep the form they mean: a year is a year, an id an integer."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.urls import reverse

from incidents.imports.base import year_text
from incidents.imports.facilities_geojson import tag_text
from incidents.models import Facility
from tests.factories import FacilityFactory
from tests.incidents.importing import DATA, run_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("1970.0", "1970"),
        ("1970", "1970"),
        (" 2014.00 ", "2014"),
        ("1978.6667", "about 1979"),
        ("1985.25", "about 1985"),
        ("1970s", "1970s"),
        ("", ""),
        ("nan", "nan"),
    ],
)
def test_a_year_is_written_as_a_year(typed, shown):
    assert year_text(typed) == shown


@pytest.mark.parametrize(
    ("value", "text"), [(1970.0, "1970"), (12345, "12345"), (1.5, "1.5"), (" a ", "a")]
)
def test_a_geojson_property_that_is_a_whole_number_reads_as_an_integer(value, text):
    assert tag_text(value) == text


def test_the_power_plant_database_year_is_stored_and_shown_as_a_year(oblasts, client, viewer):
    # The file writes Burshtyn's year as pandas does: 1965.0.
    assert ",1965.0," in (DATA / "gppd_ukraine.csv").read_text(encoding="utf-8-sig")

    run_import("gppd", "gppd_ukraine.csv")

    burshtyn = Facility.objects.get(external_source="gppd", external_id="WRI1001")
    assert "Commissioned: 1965." in burshtyn.notes
    assert "1965.0" not in burshtyn.notes
    client.force_login(viewer)
    page = client.get(reverse("facility-detail", args=[burshtyn.pk])).content.decode()
    assert "Commissioned: 1965." in page
    assert "1965.0" not in page


def test_a_geojson_id_and_capacity_written_as_floats_are_read_as_integers(oblasts, tmp_path):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "osm_type": "way",
                    "osm_id": 4242.0,
                    "name": "Darnytsia CHP",
                    "plant:output:electricity": 160.0,
                },
                "geometry": {"type": "Point", "coordinates": [30.64, 50.446]},
            }
        ],
    }

    run_import("facilities-geojson", "floats.geojson", content=json.dumps(collection).encode())

    facility = Facility.objects.get()
    assert facility.external_id == "way/4242"
    assert facility.electric_capacity_mw == 160


def test_the_migration_writes_stored_years_as_years():
    migration = importlib.import_module("incidents.migrations.0011_imported_years_as_years")
    whole = FacilityFactory(notes="Primary fuel: Coal. Commissioned: 1970.0. Source: GEODB")
    weighted = FacilityFactory(notes="Commissioned: 1978.6667.")
    typed = FacilityFactory(notes="Commissioned: 1932.")

    migration.years_as_years(apps, None)

    whole.refresh_from_db()
    weighted.refresh_from_db()
    typed.refresh_from_db()
    assert whole.notes == "Primary fuel: Coal. Commissioned: 1970. Source: GEODB"
    assert weighted.notes == "Commissioned: about 1979."
    assert typed.notes == "Commissioned: 1932."
