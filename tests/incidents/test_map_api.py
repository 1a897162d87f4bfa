"""The map layers: GeoJSON built by PostgreSQL, filters, ETag, gzip, fixed query counts."""

import gzip
import json
from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings

from incidents.models import Attack, Damage, Facility, OutageReport, WeaponUse
from tests.factories import (
    DARNYTSIA,
    KHARKIV,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    WeaponUseFactory,
)

FACILITIES = "/api/v1/map/facilities.geojson"
ATTACKS = "/api/v1/map/attacks.geojson"
REGIONS = "/api/v1/map/regions.geojson"
LAYERS = [FACILITIES, ATTACKS, REGIONS]

ATTACK_PROPERTIES = {
    "id",
    "started_at",
    "time_precision",
    "summary",
    "verification_status",
    "weapon_types",
    "launched",
    "intercepted",
    "facilities_hit",
    "facility_names",
    "killed",
    "injured",
    "url",
}
FACILITY_PROPERTIES = {
    "id",
    "name",
    "kind",
    "kind_label",
    "status",
    "status_label",
    "region",
    "locality",
    "last_severity",
    "last_attack_at",
    "url",
}


def geojson(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def ids(response) -> set:
    return {feature["id"] for feature in geojson(response)["features"]}


@pytest.fixture
def kyiv_strike(oblasts) -> Attack:
    """The February 4 strike: cruise missiles and drones, the Darnytsia plant severely hit."""
    attack = AttackFactory(
        impact_location=DARNYTSIA,
        verification_status=Attack.Verification.VERIFIED,
        killed=1,
        injured=3,
    )
    attack.regions.add(oblasts["UA-30"])
    WeaponUseFactory(attack=attack, weapon_type=WeaponUse.WeaponType.CRUISE, launched=10)
    WeaponUseFactory(
        attack=attack,
        weapon_type=WeaponUse.WeaponType.DRONE,
        model="Shahed-136",
        launched=20,
        intercepted=15,
    )
    plant = FacilityFactory(region=oblasts["UA-30"], status=Facility.Status.DAMAGED)
    DamageFactory(attack=attack, facility=plant, severity=Damage.Severity.SEVERE)
    return attack


@pytest.fixture
def kharkiv_strike(oblasts) -> Attack:
    """An earlier drone strike on a Kharkiv substation, only reported so far."""
    attack = AttackFactory(
        started_at=datetime(2026, 1, 10, 18, 0, tzinfo=UTC),
        impact_location=KHARKIV,
        summary="Drone strike on a substation",
    )
    attack.regions.add(oblasts["UA-63"])
    WeaponUseFactory(
        attack=attack, weapon_type=WeaponUse.WeaponType.DRONE, model="", launched=5, intercepted=2
    )
    substation = FacilityFactory(
        name="Kharkiv substation",
        kind=Facility.Kind.SUBSTATION,
        location=KHARKIV,
        region=oblasts["UA-63"],
        status=Facility.Status.DESTROYED,
    )
    DamageFactory(attack=attack, facility=substation, severity=Damage.Severity.DESTROYED)
    return attack


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


# --------------------------------------------------------------------------- attacks


def test_the_attacks_layer_is_a_feature_collection_with_the_contracted_properties(
    logged_in, kyiv_strike
):
    collection = geojson(logged_in.get(ATTACKS))

    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == kyiv_strike.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [30.64, 50.446]}
    properties = feature["properties"]
    assert set(properties) == ATTACK_PROPERTIES
    assert properties["started_at"] == "2026-02-04T03:00:00Z"
    assert properties["weapon_types"] == ["attack_drone", "cruise_missile"]
    assert properties["launched"] == 30
    assert properties["intercepted"] == 23
    assert properties["facilities_hit"] == 1
    assert properties["facility_names"] == ["Darnytsia heating plant"]
    assert (properties["killed"], properties["injured"]) == (1, 3)
    assert properties["verification_status"] == "verified"
    assert properties["url"] == f"/attacks/{kyiv_strike.pk}/"


def test_attacks_without_an_impact_location_are_not_on_the_map(logged_in, kyiv_strike):
    AttackFactory(impact_location=None, summary="Strikes in eight regions")

    assert ids(logged_in.get(ATTACKS)) == {kyiv_strike.pk}


def test_an_attack_lists_at_most_five_facility_names(logged_in, kyiv_strike):
    for number in range(6):
        DamageFactory(attack=kyiv_strike, facility=FacilityFactory(name=f"Boiler house {number}"))

    (feature,) = geojson(logged_in.get(ATTACKS))["features"]

    assert feature["properties"]["facilities_hit"] == 7
    assert len(feature["properties"]["facility_names"]) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"kyiv", "kharkiv"}),
        ("?started_after=2026-02-01", {"kyiv"}),
        ("?started_before=2026-01-10", {"kharkiv"}),
        ("?started_before=2026-01-09", set()),
        ("?started_after=2026-02-04T05:00:00%2B02:00", {"kyiv"}),
        ("?region=UA-63", {"kharkiv"}),
        ("?region=UA-30&region=UA-63", {"kyiv", "kharkiv"}),
        ("?weapon_type=cruise_missile", {"kyiv"}),
        ("?weapon_type=attack_drone", {"kyiv", "kharkiv"}),
        ("?facility_kind=substation", {"kharkiv"}),
        ("?verification_status=verified", {"kyiv"}),
        ("?bbox=35,49,37,51", {"kharkiv"}),
        ("?bbox=30,50,31,51&weapon_type=attack_drone", {"kyiv"}),
    ],
)
def test_filters_narrow_the_attacks_layer(logged_in, kyiv_strike, kharkiv_strike, query, expected):
    names = {kyiv_strike.pk: "kyiv", kharkiv_strike.pk: "kharkiv"}

    assert {names[pk] for pk in ids(logged_in.get(ATTACKS + query))} == expected


def test_the_service_filter_keeps_attacks_linked_to_outages_of_that_service(
    logged_in, oblasts, kyiv_strike, kharkiv_strike
):
    OutageReportFactory(region=oblasts["UA-30"], attack=kyiv_strike)

    assert ids(logged_in.get(ATTACKS + "?service=heating")) == {kyiv_strike.pk}


# --------------------------------------------------------------------------- facilities


def test_the_facilities_layer_gives_status_and_the_latest_damage(logged_in, kyiv_strike, oblasts):
    earlier = AttackFactory(started_at=datetime(2025, 12, 1, tzinfo=UTC))
    plant = Facility.objects.get(name="Darnytsia heating plant")
    DamageFactory(attack=earlier, facility=plant, severity=Damage.Severity.MINOR)
    untouched = FacilityFactory(name="Trypillia thermal plant", kind=Facility.Kind.THERMAL)

    features = {f["id"]: f for f in geojson(logged_in.get(FACILITIES))["features"]}

    hit = features[plant.pk]["properties"]
    assert set(hit) == FACILITY_PROPERTIES
    assert hit["kind"] == "chp"
    assert hit["kind_label"] == "Combined heat and power plant"
    assert (hit["status"], hit["status_label"]) == ("damaged", "Damaged")
    assert hit["region"] == "UA-30"
    assert hit["last_severity"] == "severe"
    assert hit["last_attack_at"] == "2026-02-04T03:00:00Z"
    assert hit["url"] == f"/facilities/{plant.pk}/"
    assert features[plant.pk]["geometry"]["coordinates"] == [30.64, 50.446]
    quiet = features[untouched.pk]["properties"]
    assert (quiet["last_severity"], quiet["last_attack_at"]) == (None, None)
    assert quiet["region"] == "UA-30"  # filled from its location, in Kyiv


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Darnytsia heating plant", "Kharkiv substation", "Trypillia thermal plant"}),
        ("?status=destroyed", {"Kharkiv substation"}),
        (
            "?facility_kind=chp&facility_kind=thermal",
            {"Darnytsia heating plant", "Trypillia thermal plant"},
        ),
        ("?region=UA-63", {"Kharkiv substation"}),
        ("?bbox=30,50,31,51", {"Darnytsia heating plant", "Trypillia thermal plant"}),
        # Attack filters narrow the layer to facilities damaged in matching attacks.
        ("?started_after=2026-02-01", {"Darnytsia heating plant"}),
        ("?weapon_type=attack_drone", {"Darnytsia heating plant", "Kharkiv substation"}),
        ("?verification_status=reported", {"Kharkiv substation"}),
    ],
)
def test_filters_narrow_the_facilities_layer(
    logged_in, kyiv_strike, kharkiv_strike, query, expected
):
    FacilityFactory(
        name="Trypillia thermal plant", kind=Facility.Kind.THERMAL, location=Point(30.7, 50.1)
    )

    features = geojson(logged_in.get(FACILITIES + query))["features"]

    assert {feature["properties"]["name"] for feature in features} == expected


# --------------------------------------------------------------------------- regions


def test_the_regions_layer_shows_the_latest_outage_figure_not_the_sum(logged_in, oblasts):
    kyiv = oblasts["UA-30"]
    OutageReportFactory(region=kyiv, count=1100, as_of=datetime(2026, 2, 4, 9, tzinfo=UTC))
    OutageReportFactory(region=kyiv, count=600, as_of=datetime(2026, 2, 5, 9, tzinfo=UTC))
    OutageReportFactory(
        region=kyiv,
        service=OutageReport.Service.ELECTRICITY,
        unit=OutageReport.Unit.CUSTOMERS,
        count=50000,
        count_qualifier=OutageReport.Qualifier.ABOUT,
        as_of=datetime(2026, 2, 4, 9, tzinfo=UTC),
    )

    features = {f["id"]: f for f in geojson(logged_in.get(REGIONS))["features"]}

    assert len(features) == 27
    kyiv_properties = features["UA-30"]["properties"]
    assert kyiv_properties["outages"] == [
        {
            "service": "electricity",
            "unit": "customers",
            "count": 50000,
            "count_qualifier": "about",
            "as_of": "2026-02-04T09:00:00Z",
        },
        {
            "service": "heating",
            "unit": "buildings",
            "count": 600,
            "count_qualifier": "at_least",
            "as_of": "2026-02-05T09:00:00Z",
        },
    ]
    assert kyiv_properties["code"] == "UA-30"
    assert kyiv_properties["url"] == "/regions/UA-30/"
    assert features["UA-30"]["geometry"]["type"] == "MultiPolygon"
    assert features["UA-63"]["properties"]["outages"] == []


def test_the_regions_layer_honours_service_period_region_and_viewport(
    logged_in, oblasts, kyiv_strike, kharkiv_strike
):
    kyiv = oblasts["UA-30"]
    OutageReportFactory(region=kyiv, count=1100, as_of=datetime(2026, 2, 4, 9, tzinfo=UTC))
    OutageReportFactory(region=kyiv, count=600, as_of=datetime(2026, 2, 6, 9, tzinfo=UTC))
    OutageReportFactory(region=kyiv, service=OutageReport.Service.WATER, count=40)

    by_period = geojson(logged_in.get(REGIONS + "?service=heating&started_before=2026-02-05"))
    kyiv_feature = next(f for f in by_period["features"] if f["id"] == "UA-30")

    assert [o["count"] for o in kyiv_feature["properties"]["outages"]] == [1100]
    assert ids(logged_in.get(REGIONS + "?region=UA-30&region=UA-63")) == {"UA-30", "UA-63"}
    assert "UA-30" in ids(logged_in.get(REGIONS + "?bbox=30.5,50.4,30.6,50.5"))
    assert "UA-63" not in ids(logged_in.get(REGIONS + "?bbox=30.5,50.4,30.6,50.5"))
    counts = {
        f["id"]: f["properties"]["attacks"]
        for f in geojson(logged_in.get(REGIONS + "?weapon_type=attack_drone"))["features"]
    }
    assert (counts["UA-30"], counts["UA-63"], counts["UA-46"]) == (1, 1, 0)


# --------------------------------------------------------------------------- errors, access


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("bbox=30,50,31", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=-180.5,50,30,51", "bbox"),
        ("bbox=30,95,31,96", "bbox"),
        ("bbox=nan,50,31,51", "bbox"),
        ("started_after=4.2.2026", "started_after"),
        ("started_before=2026-02-30", "started_before"),
        ("weapon_type=slingshot", "weapon_type"),
        ("facility_kind=castle", "facility_kind"),
        ("verification_status=rumoured", "verification_status"),
        ("service=internet", "service"),
        ("started_before=9999-12-31", "started_before"),
        ("region=UA-99", "region"),
        ("region=UA-3%00", "region"),
        ("format=xml", "format"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_the_parameter(logged_in, layer, query, parameter):
    response = logged_in.get(f"{layer}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == [parameter]
    assert isinstance(body[parameter], list)
    assert body[parameter][0]


def test_an_unknown_facility_status_is_a_400(logged_in):
    response = logged_in.get(FACILITIES + "?status=vaporised")

    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize("layer", LAYERS)
def test_anonymous_visitors_need_to_log_in_unless_the_site_is_public(client, db, layer):
    assert client.get(layer).status_code == 401
    with override_settings(PUBLIC_READ=True):
        assert client.get(layer).status_code == 200


# --------------------------------------------------------------------------- caching, gzip


@pytest.mark.parametrize("layer", LAYERS)
def test_an_unchanged_layer_answers_a_conditional_get_with_304(logged_in, kyiv_strike, layer):
    first = logged_in.get(layer)
    etag = first["ETag"]

    again = logged_in.get(layer, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_the_etag_changes_when_the_data_changes(logged_in, kyiv_strike):
    etag = logged_in.get(ATTACKS)["ETag"]
    Attack.objects.filter(pk=kyiv_strike.pk).update(summary="Strike on the Darnytsia CHP")

    response = logged_in.get(ATTACKS, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Darnytsia CHP" in response.content.decode()


def test_the_etag_depends_on_the_filters(logged_in, kyiv_strike, kharkiv_strike):
    everything = logged_in.get(ATTACKS)["ETag"]

    assert logged_in.get(ATTACKS + "?region=UA-30")["ETag"] != everything


def test_a_layer_is_gzipped_for_clients_that_accept_it(logged_in, kyiv_strike, kharkiv_strike):
    for number in range(20):
        FacilityFactory(name=f"Boiler house {number}")
    plain = logged_in.get(FACILITIES)

    compressed = logged_in.get(FACILITIES, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 3
    assert compressed["ETag"] == plain["ETag"]


# --------------------------------------------------------------------------- CSV


def test_a_layer_comes_as_csv_with_format_csv_or_accept_text_csv(
    logged_in, kyiv_strike, kharkiv_strike
):
    by_format = logged_in.get(ATTACKS + "?format=csv&region=UA-30")
    by_accept = logged_in.get(ATTACKS + "?region=UA-30", HTTP_ACCEPT="text/csv")

    for response in (by_format, by_accept):
        assert response["Content-Type"].startswith("text/csv")
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert lines[0].startswith("id,started_at,")
        assert len(lines) == 2
        assert lines[1].startswith(f"{kyiv_strike.pk},2026-02-04T03:00:00Z,")


def test_the_regions_layer_as_csv_has_the_regions_export_columns_one_row_per_region(
    logged_in, oblasts
):
    OutageReportFactory(region=oblasts["UA-30"], count=1100)
    OutageReportFactory(region=oblasts["UA-30"], service=OutageReport.Service.WATER, count=40)

    response = logged_in.get(REGIONS + "?format=csv&region=UA-30&region=UA-63")
    regions = logged_in.get("/api/v1/regions/?format=csv&search=UA-30")
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert lines[0] == b"".join(regions.streaming_content).decode().splitlines()[0]
    assert [line.split(",")[1] for line in lines[1:]] == ["UA-30", "UA-63"]


# --------------------------------------------------------------------------- query counts


def _more_data(oblasts, number: int) -> None:
    for index in range(number):
        attack = AttackFactory(impact_location=Point(30 + index / 10, 50))
        attack.regions.add(oblasts["UA-32"])
        WeaponUseFactory(attack=attack)
        DamageFactory(attack=attack, facility=FacilityFactory(name=f"Plant {index}"))
        OutageReportFactory(region=oblasts["UA-32"], count=index)


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_runs_a_fixed_number_of_queries(
    logged_in, oblasts, kyiv_strike, django_assert_num_queries, layer
):
    # Session, user, the data version (the cache key), counting the features against the
    # ceiling, and the one statement that builds the layer.
    with django_assert_num_queries(5):
        geojson(logged_in.get(layer + "?weapon_type=cruise_missile"))
    _more_data(oblasts, 8)
    with django_assert_num_queries(5):
        geojson(logged_in.get(layer + "?weapon_type=cruise_missile"))
    # A region filter costs one more query: checking that the codes exist.
    with django_assert_num_queries(6):
        geojson(logged_in.get(layer + "?region=UA-32"))
    # Asked again of the same data: session, user and the data version only.
    with django_assert_num_queries(3):
        geojson(logged_in.get(layer + "?region=UA-32"))
