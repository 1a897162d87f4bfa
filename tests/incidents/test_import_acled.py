from datetime import date

import pytest
from django.contrib.gis.geos import Point

from incidents.models import Attack, ImportJob, Source
from tests.incidents.importing import DATA, reasons, run_import

pytestmark = pytest.mark.django_db

FILE = "acled_ukraine_messy.csv"


@pytest.fixture
def regions(oblasts):
    return oblasts


def test_it_imports_the_good_rows_and_reports_each_bad_one_with_its_line(regions, analyst):
    job = run_import("acled", FILE, user=analyst)

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_created, job.rows_updated) == (12, 6, 0)
    assert (job.rows_skipped, job.rows_rejected, job.rows_processed) == (2, 4, 12)
    found = reasons(job)
    assert set(found) == {5, 6, 7, 11}
    assert "swapped" in found[5]
    assert "'2024-13-45' is not a date" in found[6]
    assert "Unknown region 'Narnia Oblast'" in found[7]
    assert "out of range" in found[11]
    assert Attack.objects.filter(external_source="acled").count() == 6


def test_it_matches_regions_spelled_in_many_ways(regions):
    run_import("acled", FILE)

    def region_of(event_id: str) -> str:
        return Attack.objects.get(external_id=event_id).regions.get().code

    assert region_of("UKR150001") == "UA-63"  # Kharkiv
    assert region_of("UKR150002") == "UA-23"  # Zaporizhia
    assert region_of("UKR150003") == "UA-30"  # Kyiv City
    assert region_of("UKR150007") == "UA-12"  # Dnipropetrovsk
    assert region_of("UKR150010") == "UA-32"  # Kiev, ACLED's name for the oblast
    assert region_of("UKR150008") == "UA-68"  # Khmelnitskiy


def test_it_keeps_the_facts_of_an_event(regions):
    run_import("acled", FILE)

    dnipro = Attack.objects.get(external_id="UKR150002")
    assert dnipro.killed == 1  # "1.0" in the file
    assert dnipro.time_precision == Attack.TimePrecision.DAY
    assert dnipro.started_at.date() == date(2024, 3, 21)  # Kyiv midnight, stored in UTC
    assert dnipro.impact_location.equals_exact(Point(35.0870, 47.8686, srid=4326), 1e-9)
    assert dnipro.summary == "Air/drone strike in Zaporizhzhia, Zaporizkyi"
    assert "DniproHES" in dnipro.description

    kyiv = Attack.objects.get(external_id="UKR150003")
    assert kyiv.impact_location is None  # no coordinates in the file
    assert "time precision: week" in kyiv.description

    khmelnytskyi = Attack.objects.get(external_id="UKR150008")
    assert "repairs are under way" in khmelnytskyi.description  # a quoted multi-line note
    assert "geo-precision 2" in khmelnytskyi.description


def test_it_files_each_acled_source_once_with_a_kind_from_its_scale(regions):
    run_import("acled", FILE)

    sources = Source.objects.filter(external_source="acled-source")
    assert sorted(sources.values_list("title", flat=True)) == [
        "Suspilne",
        "Telegram channel of the Kyiv oblast administration",
        "Ukrainska Pravda; Suspilne",
    ]
    assert sources.get(title="Suspilne").kind == Source.Kind.NEWS_REPORT
    telegram = sources.get(title__startswith="Telegram")
    assert telegram.kind == Source.Kind.SOCIAL_MEDIA
    assert list(Attack.objects.get(external_id="UKR150010").sources.all()) == [telegram]


def test_energy_only_skips_events_that_do_not_mention_energy(regions):
    job = run_import("acled", FILE, options={"energy_only": True})

    assert (job.rows_created, job.rows_skipped) == (5, 3)
    assert not Attack.objects.filter(external_id="UKR150007").exists()


def test_reimporting_the_file_creates_nothing_new(regions):
    run_import("acled", FILE)
    attacks = Attack.objects.count()
    history = Attack.history.count()

    again = run_import("acled", FILE)

    assert again.status == ImportJob.Status.DONE
    assert (again.rows_created, again.rows_updated) == (0, 0)
    assert (again.rows_skipped, again.rows_rejected) == (8, 4)
    assert Attack.objects.count() == attacks
    assert Attack.history.count() == history
    assert Source.objects.filter(external_source="acled-source").count() == 3


def test_a_changed_event_is_updated_not_duplicated(regions):
    run_import("acled", FILE)
    text = (
        (DATA / FILE)
        .read_text(encoding="utf-8-sig")
        .replace('1 person was killed.",1.0', '2 people were killed.",2')
    )

    job = run_import("acled", "changed.csv", content=text.encode())

    assert (job.rows_created, job.rows_updated) == (0, 1)
    assert Attack.objects.get(external_id="UKR150002").killed == 2
    assert Attack.objects.filter(external_id="UKR150002").count() == 1


def test_a_file_with_the_wrong_columns_fails_naming_them(regions):
    job = run_import("acled", "acled_wrong_columns.csv")

    assert job.status == ImportJob.Status.FAILED
    assert "event_id_cnty, event_date, event_type, admin1, latitude, longitude, notes" in (
        job.error_message
    )
    assert "are missing" in job.error_message


def test_a_file_that_is_not_utf8_fails_with_a_clear_message(regions):
    job = run_import("acled", "acled_cp1251.csv")

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith("The file is not UTF-8 text")
    assert "line 2" in job.error_message
    assert Attack.objects.count() == 0


def test_a_byte_that_is_not_utf8_far_into_the_file_is_reported_on_its_line(regions):
    # Far beyond the first block the file is decoded in.
    lines = (DATA / FILE).read_text(encoding="utf-8-sig").splitlines()
    text = "\n".join([lines[0], *[lines[1]] * 2000, "UKR9,01/02/2024,Київ"]) + "\n"

    job = run_import("acled", "late-cp1251.csv", content=text.encode("cp1251"))

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith("The file is not UTF-8 text (byte 0xca on line 2002 ")
    assert Attack.objects.count() == 0


def test_a_file_with_a_header_but_no_rows_fails(regions):
    header = (DATA / FILE).read_bytes().splitlines()[0] + b"\r\n\r\n"

    job = run_import("acled", "header.csv", content=header)

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message == "The file has a header but no rows."


def test_a_malformed_csv_fails_naming_the_line(regions, settings):
    lines = (DATA / FILE).read_text(encoding="utf-8-sig").splitlines()
    text = "\n".join([lines[0], lines[1], 'UKR9,"' + "x" * 200_000 + '"']) + "\n"

    job = run_import("acled", "huge-field.csv", content=text.encode())

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith("Line 3: the CSV is malformed (field larger than")
    assert Attack.objects.count() == 0


def test_an_empty_file_fails(regions):
    job = run_import("acled", "empty.csv")

    assert job.status == ImportJob.Status.FAILED
    assert job.error_message == "The file is empty."


def test_it_fails_when_no_regions_are_loaded():
    job = run_import("acled", FILE)

    assert job.status == ImportJob.Status.FAILED
    assert "load_regions" in job.error_message
