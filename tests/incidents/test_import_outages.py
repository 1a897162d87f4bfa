import pytest

from incidents.models import ImportJob, OutageReport, Source
from tests.incidents.importing import reasons, run_import

pytestmark = pytest.mark.django_db

FILE = "outages.csv"


@pytest.fixture
def regions(oblasts):
    return oblasts


def test_it_imports_outage_figures_and_reports_bad_rows(regions, analyst):
    job = run_import("outages-csv", FILE, user=analyst)

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_created, job.rows_skipped, job.rows_rejected) == (8, 3, 1, 4)
    found = reasons(job)
    assert found[5] == "Unknown region 'Narnia'."
    assert "'-5' is negative" in found[7]
    assert "future" in found[8]
    assert "Unknown service 'steam'" in found[9]


def test_it_reads_counts_units_and_regions_as_people_write_them(regions):
    run_import("outages-csv", FILE)

    kyiv = OutageReport.objects.get(region__code="UA-30")
    assert (kyiv.count, kyiv.unit, kyiv.locality) == (1100, "buildings", "Darnytsia district")
    assert kyiv.sources.get().title == "Vitali Klitschko on Telegram"
    kharkiv = OutageReport.objects.get(region__code="UA-63")
    assert (kharkiv.count, kharkiv.unit) == (110000, "customers")
    odesa = OutageReport.objects.get(region__code="UA-51")
    assert (odesa.count, odesa.count_qualifier) == (50000, OutageReport.Qualifier.AT_LEAST)
    assert odesa.as_of.day == 4 and odesa.as_of.month == 2  # 04/02/2024 is 4 February


def test_reimporting_the_file_creates_nothing_new(regions):
    run_import("outages-csv", FILE)

    again = run_import("outages-csv", FILE)

    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 4)
    assert OutageReport.objects.count() == 3
    assert Source.objects.count() == 3


def test_two_figures_for_the_same_place_and_time_are_both_kept_and_reimport_changes_nothing(
    regions,
):
    content = (
        b"region,locality,service,unit,count,as_of\n"
        b"Kyiv,,heating,buildings,100,2024-02-04 12:00\n"
        b"Kyiv,,heating,buildings,120,2024-02-04 12:00\n"
        b"Kyiv,,heating,buildings,100,2024-02-04 12:00\n"
    )

    first = run_import("outages-csv", "kyiv.csv", content=content)
    again = run_import("outages-csv", "kyiv.csv", content=content)

    # The row written twice is one figure; the one that disagrees is a figure of its own.
    assert (first.rows_created, first.rows_updated, first.rows_skipped) == (2, 0, 1)
    assert sorted(OutageReport.objects.values_list("count", flat=True)) == [100, 120]
    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 3)
