"""Statistics on a small data set whose figures are worked out by hand."""

from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point

from incidents.models import Damage, Facility, OutageReport, WeaponUse
from tests.factories import (
    KHARKIV,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    WeaponUseFactory,
)

SUMMARY = "/api/v1/stats/summary"
TIMELINE = "/api/v1/stats/timeline"
REGIONS = "/api/v1/stats/regions"
WEAPONS = "/api/v1/stats/weapons"
SERIES = "/api/v1/outages/series"
DRONE = WeaponUse.WeaponType.DRONE


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def data(db):
    """Two strikes and a later attack in Kyiv and Kharkiv, with outage series.

    Weapons: Kyiv 10 cruise (8 down), 20 drones (15 down), 4 ballistic (unknown
    how many down); Kharkiv 5 drones (2 down); the later attack an unknown weapon
    in unknown numbers. Facilities: one damaged and one destroyed in Kyiv, one
    damaged and one untouched ("none") in Kharkiv.
    """
    kyiv = RegionFactory()
    kharkiv = RegionFactory(code="UA-63", name_en="Kharkiv", name_uk="Харківська область")

    feb4 = AttackFactory(impact_location=Point(30.64, 50.446))
    feb4.regions.add(kyiv)
    WeaponUseFactory(attack=feb4, weapon_type=WeaponUse.WeaponType.CRUISE)
    WeaponUseFactory(
        attack=feb4, weapon_type=DRONE, model="Shahed-136", launched=20, intercepted=15
    )
    WeaponUseFactory(
        attack=feb4,
        weapon_type=WeaponUse.WeaponType.BALLISTIC,
        model="",
        launched=4,
        intercepted=None,
    )
    DamageFactory(attack=feb4, facility=FacilityFactory(region=kyiv))
    DamageFactory(
        attack=feb4,
        facility=FacilityFactory(name="Kyiv boiler house", kind=Facility.Kind.HEATING, region=kyiv),
        severity=Damage.Severity.DESTROYED,
    )

    jan10 = AttackFactory(started_at=datetime(2026, 1, 10, 18, tzinfo=UTC), impact_location=KHARKIV)
    jan10.regions.add(kharkiv)
    WeaponUseFactory(attack=jan10, weapon_type=DRONE, model="", launched=5, intercepted=2)
    substation = FacilityFactory(
        name="Kharkiv substation", kind=Facility.Kind.SUBSTATION, location=KHARKIV, region=kharkiv
    )
    DamageFactory(attack=jan10, facility=substation, severity=Damage.Severity.MODERATE)
    DamageFactory(
        attack=jan10,
        facility=FacilityFactory(name="Kharkiv CHP-5", location=KHARKIV, region=kharkiv),
        severity=Damage.Severity.NONE,
    )

    feb6 = AttackFactory(started_at=datetime(2026, 2, 6, 10, tzinfo=UTC))
    feb6.regions.add(kyiv)
    WeaponUseFactory(
        attack=feb6,
        weapon_type=WeaponUse.WeaponType.UNKNOWN,
        model="",
        launched=None,
        intercepted=None,
    )

    OutageReportFactory(region=kyiv, count=1100, as_of=datetime(2026, 2, 4, 9, tzinfo=UTC))
    OutageReportFactory(
        region=kyiv, count=600, as_of=datetime(2026, 2, 6, 9, tzinfo=UTC), attack=feb6
    )
    OutageReportFactory(region=kharkiv, count=200, as_of=datetime(2026, 2, 4, 9, tzinfo=UTC))
    OutageReportFactory(
        region=kharkiv,
        unit=OutageReport.Unit.CUSTOMERS,
        count=110000,
        as_of=datetime(2026, 2, 4, 10, tzinfo=UTC),
    )
    return {"feb4": feb4, "jan10": jan10, "feb6": feb6}


# --------------------------------------------------------------------------- summary


def test_the_summary_adds_up_attacks_facilities_weapons_and_current_outages(logged_in, data):
    summary = logged_in.get(SUMMARY).json()

    assert summary == {
        "attacks": 3,
        "facilities_damaged": 2,
        "facilities_destroyed": 1,
        # Kyiv's latest heating figure (600, not 1100 + 600) plus Kharkiv's 200.
        "outages_current": [
            {"service": "heating", "unit": "buildings", "count": 800, "regions": 2},
            {"service": "heating", "unit": "customers", "count": 110000, "regions": 1},
        ],
        "weapons_launched": 39,
        "weapons_intercepted": 25,
        # Over the rows where both figures are known: 25 of 35.
        "interception_rate": 0.7143,
        # One of the three attacks has no impact point: the map cannot draw it.
        "not_on_map": [{"figure": "attacks", "count": 1, "reason": "no_impact_point"}],
    }


def test_the_summary_honours_the_filters(logged_in, data):
    kharkiv = logged_in.get(SUMMARY + "?region=UA-63").json()
    cruise = logged_in.get(SUMMARY + "?weapon_type=cruise_missile").json()
    before = logged_in.get(SUMMARY + "?started_before=2026-02-05").json()

    assert (kharkiv["attacks"], kharkiv["facilities_damaged"]) == (1, 1)
    assert (kharkiv["weapons_launched"], kharkiv["interception_rate"]) == (5, 0.4)
    assert [o["count"] for o in kharkiv["outages_current"]] == [200, 110000]
    assert (cruise["attacks"], cruise["weapons_launched"], cruise["weapons_intercepted"]) == (
        1,
        10,
        8,
    )
    # Before 6 February, Kyiv's current heating figure is still 1100.
    assert before["outages_current"][0] == {
        "service": "heating",
        "unit": "buildings",
        "count": 1300,
        "regions": 2,
    }


def test_the_summary_of_nothing_is_zeros_and_no_rate(logged_in, db):
    assert logged_in.get(SUMMARY).json() == {
        "attacks": 0,
        "facilities_damaged": 0,
        "facilities_destroyed": 0,
        "outages_current": [],
        "weapons_launched": 0,
        "weapons_intercepted": 0,
        "interception_rate": None,
        "not_on_map": [],
    }


# --------------------------------------------------------------------------- timeline


def test_the_monthly_timeline_counts_attacks_and_weapons(logged_in, data):
    body = logged_in.get(TIMELINE + "?interval=month").json()

    assert body == {
        "interval": "month",
        "results": [
            {
                "period": "2026-01-01",
                "attacks": 1,
                "launched": 5,
                "intercepted": 2,
                "by_weapon_type": {"attack_drone": 5},
            },
            {
                "period": "2026-02-01",
                "attacks": 2,
                "launched": 34,
                "intercepted": 23,
                # Where no number is known, the number of attacks that used the type.
                "by_weapon_type": {
                    "attack_drone": 20,
                    "ballistic_missile": 4,
                    "cruise_missile": 10,
                    "unknown": 1,
                },
            },
        ],
    }


def test_the_daily_timeline_fills_quiet_days_with_zeros(logged_in, data):
    results = logged_in.get(TIMELINE + "?interval=day&started_after=2026-02-01").json()["results"]

    assert [(r["period"], r["attacks"], r["launched"]) for r in results] == [
        ("2026-02-04", 1, 34),
        ("2026-02-05", 0, 0),
        ("2026-02-06", 1, 0),
    ]
    assert results[1]["by_weapon_type"] == {}


def test_weeks_start_on_monday(logged_in, data):
    results = logged_in.get(TIMELINE + "?interval=week").json()["results"]

    assert [r["period"] for r in results] == [
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
        "2026-02-02",
    ]
    assert [r["attacks"] for r in results] == [1, 0, 0, 0, 2]


def test_the_timeline_defaults_to_days_and_rejects_other_intervals(logged_in, data):
    assert logged_in.get(TIMELINE).json()["interval"] == "day"
    response = logged_in.get(TIMELINE + "?interval=year&bbox=1")

    assert response.status_code == 400
    assert set(response.json()) == {"interval", "bbox"}


# --------------------------------------------------------------------------- regions


def test_region_figures_give_current_and_peak_outages(logged_in, data):
    results = {r["code"]: r for r in logged_in.get(REGIONS).json()["results"]}

    kyiv = results["UA-30"]
    assert (kyiv["attacks"], kyiv["facilities_damaged"], kyiv["facilities_destroyed"]) == (2, 1, 1)
    assert [(o["service"], o["unit"], o["count"]) for o in kyiv["outages_current"]] == [
        ("heating", "buildings", 600)
    ]
    assert [(o["count"], o["as_of"]) for o in kyiv["outages_peak"]] == [
        (1100, "2026-02-04T09:00:00Z")
    ]
    kharkiv = results["UA-63"]
    assert (kharkiv["attacks"], kharkiv["facilities_damaged"], kharkiv["name"]) == (
        1,
        1,
        "Kharkiv",
    )
    assert [o["count"] for o in kharkiv["outages_current"]] == [200, 110000]


def test_region_figures_honour_the_filters(logged_in, data):
    results = logged_in.get(REGIONS + "?region=UA-30&started_after=2026-02-05").json()["results"]

    (kyiv,) = results
    assert (kyiv["attacks"], kyiv["facilities_damaged"], kyiv["facilities_destroyed"]) == (1, 0, 0)
    assert [o["count"] for o in kyiv["outages_peak"]] == [600]


# --------------------------------------------------------------------------- weapons


def test_weapons_per_type_and_month(logged_in, data):
    results = logged_in.get(WEAPONS).json()["results"]

    assert [
        (r["month"], r["weapon_type"], r["attacks"], r["launched"], r["intercepted"], r["rate"])
        for r in results
    ] == [
        ("2026-01", "attack_drone", 1, 5, 2, 0.4),
        ("2026-02", "attack_drone", 1, 20, 15, 0.75),
        ("2026-02", "ballistic_missile", 1, 4, 0, None),
        ("2026-02", "cruise_missile", 1, 10, 8, 0.8),
        ("2026-02", "unknown", 1, 0, 0, None),
    ]


def test_the_weapon_type_filter_keeps_only_that_type(logged_in, data):
    results = logged_in.get(WEAPONS + "?weapon_type=cruise_missile").json()["results"]

    assert [(r["month"], r["weapon_type"], r["launched"]) for r in results] == [
        ("2026-02", "cruise_missile", 10)
    ]


# --------------------------------------------------------------------------- outage series


def test_the_outage_series_lists_every_figure_oldest_first(logged_in, data):
    body = logged_in.get(SERIES + "?region=UA-30&service=heating").json()

    assert body == {
        "region": "UA-30",
        "service": "heating",
        "results": [
            {
                "as_of": "2026-02-04T09:00:00Z",
                "count": 1100,
                "unit": "buildings",
                "count_qualifier": "at_least",
                "attack": None,
            },
            {
                "as_of": "2026-02-06T09:00:00Z",
                "count": 600,
                "unit": "buildings",
                "count_qualifier": "at_least",
                "attack": data["feb6"].pk,
            },
        ],
    }


def test_the_outage_series_honours_the_period(logged_in, data):
    body = logged_in.get(SERIES + "?region=UA-30&service=heating&started_after=2026-02-05").json()

    assert [point["count"] for point in body["results"]] == [600]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("service=heating", "region"),
        ("region=UA-30", "service"),
        ("region=UA-30&region=UA-63&service=heating", "region"),
        ("region=UA-99&service=heating", "region"),
        ("region=UA-30&service=internet", "service"),
        ("region=UA-30&service=heating&started_after=yesterday", "started_after"),
    ],
)
def test_the_outage_series_rejects_a_bad_query(logged_in, data, query, parameter):
    response = logged_in.get(f"{SERIES}?{query}")

    assert response.status_code == 400
    assert parameter in response.json()


# --------------------------------------------------------------------------- access, counts


@pytest.mark.parametrize("url", [SUMMARY, TIMELINE, REGIONS, WEAPONS])
def test_statistics_need_a_login_and_reject_malformed_filters(client, logged_in, data, url):
    assert logged_in.get(url + "?bbox=1,2,3").status_code == 400
    logged_in.logout()
    assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        SUMMARY + "?region=UA-30",
        TIMELINE + "?region=UA-30",
        REGIONS + "?region=UA-30",
        WEAPONS + "?region=UA-30",
        SERIES + "?region=UA-30&service=heating",
    ],
)
def test_each_statistic_runs_a_fixed_number_of_queries(
    logged_in, data, django_assert_num_queries, url
):
    # Session, user, the data version (the cache key), the region-code check, and the one
    # statement that computes the figures.
    with django_assert_num_queries(5):
        assert logged_in.get(url).status_code == 200
    for number in range(5):
        attack = AttackFactory(started_at=datetime(2026, 1, 20 + number, tzinfo=UTC))
        WeaponUseFactory(attack=attack)
        OutageReportFactory(count=number, as_of=datetime(2026, 1, 20 + number, tzinfo=UTC))
    with django_assert_num_queries(5):
        assert logged_in.get(url).status_code == 200
    # Asked again of the same data: session, user and the data version only.
    with django_assert_num_queries(3):
        assert logged_in.get(url).status_code == 200
