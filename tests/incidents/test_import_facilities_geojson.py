import json
from decimal import Decimal

import pytest

from incidents.models import Facility, ImportJob
from tests.incidents.importing import (
    DATA,
    create_job,
    reasons,
    run_import,
    run_measuring_memory,
)

pytestmark = pytest.mark.django_db

FILE = "facilities_osm.geojson"


@pytest.fixture
def regions(oblasts):
    return oblasts


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


def features_of(filename: str = FILE) -> list[dict]:
    return json.loads((DATA / filename).read_text(encoding="utf-8"))["features"]


def collection(*features: bytes) -> bytes:
    return b'{"type": "FeatureCollection", "features": [' + b", ".join(features) + b"]}"


def test_a_100000_deep_nested_array_fails_at_once_as_not_a_feature_collection():
    deep = b"[" * 100_000 + b"]" * 100_000

    job = run_import("facilities-geojson", "deep.geojson", content=deep)

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message == "This is not a GeoJSON FeatureCollection."


def test_a_feature_nested_100000_deep_is_rejected_and_the_others_are_imported(regions):
    darnytsia = json.dumps(features_of()[0]).encode()
    deep = b'{"type": "Feature", "properties": {"name": "Deep", "x": %s%s}}' % (
        b"[" * 100_000,
        b"]" * 100_000,
    )

    job = run_import("facilities-geojson", "deep.geojson", content=collection(deep, darnytsia))

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_created, job.rows_rejected) == (2, 1, 1)
    assert reasons(job)[1] == "The feature is nested more than 64 levels deep."
    assert Facility.objects.get().name == "Darnytsia CHP"


def test_the_collection_type_may_come_after_its_features(regions):
    features = json.dumps(features_of()[:3])
    content = f'{{"features": {features}, "name": "osm", "type": "FeatureCollection"}}'

    job = run_import("facilities-geojson", "late-type.geojson", content=content.encode())

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_created) == (3, 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "Feature", "geometry": null}', "This is not a GeoJSON FeatureCollection."),
        (b'"FeatureCollection"', "This is not a GeoJSON FeatureCollection."),
        (
            b'{"type": "FeatureCollection", "features": {}}',
            "The FeatureCollection has no list of features.",
        ),
        (b'{"type": "FeatureCollection"}', "The FeatureCollection has no list of features."),
        (b"  \n\t ", "The file is empty."),
        (b"", "The file is empty."),
    ],
)
def test_a_file_that_is_not_a_feature_collection_fails_saying_so(content, message):
    job = run_import("facilities-geojson", "wrong.geojson", content=content)

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message == message


def test_a_json_error_is_reported_on_its_line(regions):
    content = b'{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature", oops}\n]}'

    job = run_import("facilities-geojson", "oops.geojson", content=content)

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith("The file is not valid JSON (line 3: ")


def test_a_file_with_a_byte_order_mark_is_read(regions):
    content = "\ufeff".encode() + (DATA / FILE).read_bytes()

    job = run_import("facilities-geojson", "bom.geojson", content=content)

    assert (job.status, job.rows_total, job.rows_created) == (ImportJob.Status.DONE, 9, 4)


def test_a_geojson_file_that_is_not_utf8_fails_naming_the_line(regions):
    text = json.dumps({"type": "FeatureCollection", "features": features_of()}, indent=1)
    content = text.replace("Trypilska TPP", "Трипільська ТЕС").encode("cp1251")
    line = text[: text.index("Trypilska")].count("\n") + 1

    job = run_import("facilities-geojson", "cp1251.geojson", content=content)

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith("The file is not UTF-8 text")
    assert f"on line {line} " in job.error_message


def test_a_large_file_is_read_as_a_stream_not_whole_into_memory():
    # 4,000 unnamed features of 5 KB each (20 MB); every one is rejected without a query.
    # What stays in memory is a batch of features and the report, not the file.
    unnamed = json.dumps(
        {"type": "Feature", "properties": {"note": "x" * 5000}, "geometry": None}
    ).encode()
    content = collection(*[unnamed] * 4000)
    job = create_job("facilities-geojson", "large.geojson", content=content)
    size, content = len(content), None

    job, peak = run_measuring_memory(job)

    assert (job.status, job.rows_total, job.rows_rejected) == (ImportJob.Status.DONE, 4000, 4000)
    # Holding the file once, as bytes or as text, would take its whole size.
    assert peak < size / 2, f"{peak:,} bytes at the peak for a file of {size:,}"
