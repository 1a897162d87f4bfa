"""The export files under /api/v1/exports/: the collections' own CSV and HXL exports."""

import csv
import io
from datetime import UTC, datetime

import pytest

from incidents.api.exports import CSVRenderer
from incidents.models import Damage, Facility, OutageReport, WeaponUse
from tests.factories import (
    DARNYTSIA,
    KHARKIV,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    WeaponUseFactory,
)

ATTACKS_CSV = "/api/v1/exports/attacks.csv"
ATTACKS_HXL = "/api/v1/exports/attacks.hxl.csv"
OUTAGES_CSV = "/api/v1/exports/outages.csv"
OUTAGES_HXL = "/api/v1/exports/outages.hxl.csv"
FACILITIES_CSV = "/api/v1/exports/facilities.csv"


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def data(db):
    kyiv = RegionFactory()
    kharkiv = RegionFactory(code="UA-63", name_en="Kharkiv")
    strike = AttackFactory(impact_location=DARNYTSIA, killed=1, injured=3)
    strike.regions.add(kyiv)
    WeaponUseFactory(attack=strike)
    WeaponUseFactory(
        attack=strike,
        weapon_type=WeaponUse.WeaponType.DRONE,
        model="Shahed-136",
        launched=20,
        intercepted=15,
    )
    DamageFactory(attack=strike, facility=FacilityFactory(region=kyiv))
    earlier = AttackFactory(
        started_at=datetime(2026, 1, 10, 18, tzinfo=UTC),
        impact_location=KHARKIV,
        summary="Drone strike on a substation",
    )
    earlier.regions.add(kharkiv)
    WeaponUseFactory(
        attack=earlier, weapon_type=WeaponUse.WeaponType.DRONE, model="", launched=5, intercepted=2
    )
    DamageFactory(
        attack=earlier,
        facility=FacilityFactory(
            name="Kharkiv substation",
            kind=Facility.Kind.SUBSTATION,
            location=KHARKIV,
            region=kharkiv,
            status=Facility.Status.DESTROYED,
        ),
        severity=Damage.Severity.DESTROYED,
    )
    OutageReportFactory(region=kyiv, count=1100, attack=strike)
    OutageReportFactory(region=kyiv, count=600, as_of=datetime(2026, 2, 5, 9, tzinfo=UTC))
    OutageReportFactory(
        region=kharkiv,
        unit=OutageReport.Unit.CUSTOMERS,
        count=110000,
        locality="Kharkiv",
        as_of=datetime(2026, 2, 4, 10, tzinfo=UTC),
    )
    return {"strike": strike, "earlier": earlier}


def test_attacks_export_as_csv_with_every_matching_attack(logged_in, data):
    table = rows(logged_in.get(ATTACKS_CSV))

    header, *records = table
    assert header[:3] == ["id", "started_at", "ended_at"]
    assert len(records) == 2
    record = dict(zip(header, records[0], strict=True))
    assert record["id"] == str(data["strike"].pk)
    assert record["started_at"] == "2026-02-04T03:00:00Z"
    assert (record["region_codes"], record["region_names"]) == ("UA-30", "Kyiv")
    assert (record["latitude"], record["longitude"]) == ("50.446", "30.64")
    assert record["weapon_types"] == "attack_drone;cruise_missile"
    assert record["weapon_models"] == "Kh-101;Shahed-136"
    assert (record["launched"], record["intercepted"]) == ("30", "23")
    assert (record["facilities_hit"], record["facility_names"]) == ("1", "Darnytsia heating plant")
    assert (record["killed"], record["injured"]) == ("1", "3")
    assert record["url"] == f"/attacks/{data['strike'].pk}/"


def test_the_attacks_hxl_export_has_a_hashtag_row_under_the_header(logged_in, data):
    header, hashtags, *records = rows(logged_in.get(ATTACKS_HXL + "?region=UA-63"))

    assert len(header) == len(hashtags)
    tags = dict(zip(header, hashtags, strict=True))
    assert tags["started_at"] == "#date+start"
    assert tags["region_codes"] == "#adm1+code"
    assert tags["region_names"] == "#adm1+name"
    assert tags["latitude"] == "#geo+lat"
    assert tags["longitude"] == "#geo+lon"
    assert tags["killed"] == "#affected+killed"
    assert tags["time_precision"] == "#meta+time_precision"
    assert all(tag.startswith("#") for tag in hashtags)
    assert [record[0] for record in records] == [str(data["earlier"].pk)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?started_after=2026-02-01", {"strike"}),
        ("?weapon_type=cruise_missile", {"strike"}),
        ("?facility_kind=substation", {"earlier"}),
        ("?bbox=35,49,37,51", {"earlier"}),
        ("?service=heating", {"strike"}),
    ],
)
def test_the_attacks_export_honours_the_filters(logged_in, data, query, expected):
    _, *records = rows(logged_in.get(ATTACKS_CSV + query))

    assert {record[0] for record in records} == {str(data[name].pk) for name in expected}


def test_outages_export_every_figure_of_the_series(logged_in, data):
    header, *records = rows(logged_in.get(OUTAGES_CSV))

    assert header[:10] == [
        "id",
        "as_of",
        "region_code",
        "region_name",
        "locality",
        "service",
        "unit",
        "count",
        "count_qualifier",
        "attack",
    ]
    assert [(r[2], r[7]) for r in records] == [
        ("UA-30", "600"),
        ("UA-30", "1100"),
        ("UA-63", "110000"),
    ]
    assert records[1][9] == str(data["strike"].pk)


def test_the_outages_hxl_export_tags_outage_columns_and_honours_filters(logged_in, data):
    header, hashtags, *records = rows(logged_in.get(OUTAGES_HXL + "?region=UA-63"))

    tags = dict(zip(header, hashtags, strict=True))
    assert tags["as_of"] == "#date+reported"
    assert tags["region_code"] == "#adm1+code"
    assert tags["region_name"] == "#adm1+name"
    assert tags["count"] == "#indicator+num+outage"
    assert tags["service"] == "#service"
    assert [(r[2], r[4], r[7]) for r in records] == [("UA-63", "Kharkiv", "110000")]


def test_the_outage_files_still_take_the_dates_by_their_old_names(logged_in, data):
    _, *records = rows(logged_in.get(OUTAGES_CSV + "?started_after=2026-02-05"))
    refused = logged_in.get(OUTAGES_CSV + "?started_after=soon")

    assert [r[7] for r in records] == ["600"]
    assert refused.status_code == 400
    assert list(refused.json()) == ["started_after"]


def test_facilities_export_honours_status_and_kind(logged_in, data):
    header, *records = rows(logged_in.get(FACILITIES_CSV + "?status=destroyed"))
    _, *by_kind = rows(logged_in.get(FACILITIES_CSV + "?facility_kind=chp"))

    assert [dict(zip(header, r, strict=True))["name"] for r in records] == ["Kharkiv substation"]
    assert dict(zip(header, records[0], strict=True))["last_severity"] == "destroyed"
    assert [r[1] for r in by_kind] == ["Darnytsia heating plant"]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised(logged_in, data):
    AttackFactory(summary='=HYPERLINK("http://example.org")', killed=0)

    header, *records = rows(logged_in.get(ATTACKS_CSV + "?started_after=2026-02-04"))

    summaries = [dict(zip(header, record, strict=True))["summary"] for record in records]
    assert '\'=HYPERLINK("http://example.org")' in summaries


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (ATTACKS_CSV, "started_before"),
        (ATTACKS_HXL, "started_before"),
        (OUTAGES_CSV, "as_of_before"),
        (OUTAGES_HXL, "started_before"),
        (FACILITIES_CSV, "updated_since"),
    ],
)
def test_an_export_rejects_a_malformed_filter_with_json(logged_in, data, url, parameter):
    response = logged_in.get(url, {parameter: "soon"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [parameter]


@pytest.mark.parametrize("url", [ATTACKS_CSV, OUTAGES_HXL, FACILITIES_CSV])
def test_exports_need_a_login(client, data, url):
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("url", [ATTACKS_CSV, OUTAGES_CSV, FACILITIES_CSV])
def test_each_export_runs_a_fixed_number_of_queries(
    logged_in, data, django_assert_num_queries, url
):
    # Session, user, counting the rows against the ceiling, and the export's statement
    # inside the transaction it is read in (here, in the test's, a savepoint and its release).
    with django_assert_num_queries(6):
        rows(logged_in.get(url))
    for _ in range(5):
        WeaponUseFactory()
        OutageReportFactory()
        FacilityFactory()
    with django_assert_num_queries(6):
        rows(logged_in.get(url))


def test_the_renderer_writes_a_record_that_is_no_export_one_column_per_key():
    page = {"count": 1, "results": [{"id": 7, "regions": ["UA-30"], "summary": "=1+1"}]}

    assert CSVRenderer().render(page).decode() == 'id,regions,summary\n7,"[""UA-30""]",\'=1+1\n'
    assert CSVRenderer().render(b"id\n7\n") == b"id\n7\n"
