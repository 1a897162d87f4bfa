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


@pytest.fixture
def regions(oblasts):
    return oblasts


def test_it_imports_the_plants_of_one_country_and_reports_bad_rows(regions, analyst):
    job = run_import("gppd", "gppd_ukraine.csv", user=analyst)

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_created, job.rows_skipped, job.rows_rejected) == (9, 5, 2, 2)
    found = reasons(job)
    assert "swapped" in found[6]
    assert found[7] == "Coordinates are missing."
    assert not Facility.objects.filter(external_id="WRI2001").exists()  # Poland


def test_it_maps_the_primary_fuel_to_a_facility_kind_and_fills_the_region(regions):
    run_import("gppd", "gppd_ukraine.csv")

    burshtyn = Facility.objects.get(external_source="gppd", external_id="WRI1001")
    assert burshtyn.kind == Facility.Kind.THERMAL
    assert burshtyn.electric_capacity_mw == Decimal("2400.00")
    assert burshtyn.operator == "DTEK Zakhidenergo"
    assert burshtyn.region.code == "UA-26"
    kinds = dict(Facility.objects.values_list("external_id", "kind"))
    assert kinds["WRI1002"] == Facility.Kind.HYDRO
    assert kinds["WRI1003"] == Facility.Kind.NUCLEAR
    assert kinds["WRI1004"] == Facility.Kind.WIND
    assert kinds["WRI1007"] == Facility.Kind.SOLAR


def test_the_country_option_selects_another_country(regions):
    job = run_import("gppd", "gppd_ukraine.csv", options={"country": "POL"})

    assert (job.rows_created, job.rows_skipped) == (0, 8)
    assert "outside Ukraine" in reasons(job)[8]


def test_reimporting_the_file_creates_nothing_new(regions):
    run_import("gppd", "gppd_ukraine.csv")
    history = Facility.history.count()

    again = run_import("gppd", "gppd_ukraine.csv")

    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 7)
    assert Facility.objects.count() == 5
    assert Facility.history.count() == history


def test_a_large_file_is_read_as_a_stream_not_whole_into_memory(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    # 5,000 plants of another country with long notes (20 MB); each is skipped without a query.
    header = (DATA / "gppd_ukraine.csv").read_bytes().splitlines()[0]
    row = b"POL,Poland,Plant,WRI9,10,52.2,21.0,Coal,,,,1970,Owner,%s,,GEODB" % (b"x" * 4000)
    content = b"\n".join([header, *[row] * 5_000]) + b"\n"
    job = create_job("gppd", "large.csv", content=content)
    size, content = len(content), None

    job, peak = run_measuring_memory(job)

    assert (job.status, job.rows_total, job.rows_skipped) == (ImportJob.Status.DONE, 5_000, 5_000)
    # Holding the file once, as bytes or as text, would take its whole size.
    assert peak < size / 2, f"{peak:,} bytes at the peak for a file of {size:,}"
