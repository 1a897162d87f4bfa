from decimal import Decimal

import pytest

from incidents.models import Facility, ImportJob
from tests.incidents.importing import load_ukraine_regions, reasons, run_import

pytestmark = pytest.mark.django_db

FILE = "facilities_osm.geojson"


@pytest.fixture
def regions():
    return load_ukraine_regions()


def test_it_imports_points_and_polygons_and_reports_bad_features(regions, analyst):
    job = run_import("facilities-geojson", FILE, user=analyst, options={"external_source": "osm"})

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_created, job.rows_skipped, job.rows_rejected) == (9, 4, 1, 4)
    found = reasons(job)
    assert "swapped" in found[4]
    assert "no name" in found[5]
    assert "no geometry" in found[6]
    assert "LineString" in found[7]


def test_it_maps_osm_tags_to_the_facility(regions):
    run_import("facilities-geojson", FILE, options={"external_source": "osm"})

    darnytsia = Facility.objects.get(external_source="osm", external_id="way/100001")
    assert darnytsia.name == "Darnytsia CHP"
    assert darnytsia.name_uk == "Дарницька ТЕЦ"
    assert darnytsia.kind == Facility.Kind.CHP
    assert darnytsia.location_approximate  # the centroid of the plant's outline
    assert darnytsia.region.code == "UA-30"
    assert darnytsia.electric_capacity_mw == Decimal("160.00")
    trypilska = Facility.objects.get(external_id="way/300003")
    assert (trypilska.kind, trypilska.electric_capacity_mw) == ("thermal", Decimal("1800.00"))
    assert Facility.objects.get(external_id="node/200002").kind == Facility.Kind.SUBSTATION
    assert Facility.objects.get(external_id="node/800008").kind == Facility.Kind.HYDRO


def test_reimporting_the_file_creates_nothing_new(regions):
    run_import("facilities-geojson", FILE)

    again = run_import("facilities-geojson", FILE)

    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 5)
    assert Facility.objects.filter(external_source="geojson").count() == 4


def test_a_file_that_is_not_json_fails_with_its_position(regions):
    job = run_import("facilities-geojson", "broken.geojson")

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith("The file is not valid JSON (line 1")
