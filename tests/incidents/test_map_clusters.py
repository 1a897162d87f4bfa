"""Clustered map layers: `zoom`, the MAP_CLUSTER_ABOVE threshold, counts, bounds, the
dominant type, filters, and the public view's clusters."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from incidents import mapgrid
from incidents.models import Attack, Facility, WeaponUse
from incidents.services import attacks, publication
from tests.factories import AttackFactory, FacilityFactory, WeaponUseFactory

ATTACKS = "/api/v1/map/attacks.geojson"
FACILITIES = "/api/v1/map/facilities.geojson"
REGIONS = "/api/v1/map/regions.geojson"
# Kyiv and its surroundings; the whole country.
KYIV_BOX = "30.2,50.2,30.9,50.7"
COUNTRY_BOX = "22.1,44.3,40.3,52.4"
DRONE = WeaponUse.WeaponType.DRONE
CRUISE = WeaponUse.WeaponType.CRUISE

pytestmark = pytest.mark.django_db


def collection(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def clusters(response) -> list[dict]:
    data = collection(response)
    assert data.get("clustered") is True, data
    for feature in data["features"]:
        assert feature["properties"]["cluster"] is True
    return data["features"]


def strike(x: float, y: float, *weapons: str, **fields) -> Attack:
    attack = AttackFactory(impact_location=Point(x, y, srid=4326), **fields)
    for weapon in weapons:
        WeaponUseFactory(attack=attack, weapon_type=weapon, model=weapon)
    return attack


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def kyiv_strikes(db) -> list[Attack]:
    """Five strikes in and around Kyiv: three drone strikes, one with cruise missiles too,
    and two cruise missile strikes."""
    return [
        strike(30.52, 50.45, DRONE),
        strike(30.53, 50.46, DRONE),
        strike(30.54, 50.44, DRONE, CRUISE),
        strike(30.60, 50.40, CRUISE),
        strike(30.61, 50.41, CRUISE),
    ]


# --------------------------------------------------------------------------- the parameter


@pytest.mark.parametrize("layer", [ATTACKS, FACILITIES])
@pytest.mark.parametrize("zoom", ["abc", "-1", "23", "5.5", "1e3", "99999999999999"])
def test_a_zoom_that_is_not_a_whole_number_from_0_to_22_is_a_400(logged_in, layer, zoom):
    response = logged_in.get(layer, {"zoom": zoom})
    assert response.status_code == 400
    assert response.json()["zoom"] == [f"Give a whole number from 0 to 22; got {zoom!r}."]


@pytest.mark.parametrize("layer", [ATTACKS, FACILITIES])
def test_zoom_is_given_once(logged_in, layer):
    response = logged_in.get(f"{layer}?zoom=5&zoom=6")
    assert response.status_code == 400
    assert response.json()["zoom"] == ["Give this parameter once."]


def test_the_regions_layer_does_not_take_a_zoom(logged_in):
    response = logged_in.get(REGIONS, {"zoom": "6"})
    assert response.status_code == 400
    assert "zoom" in response.json()


def test_the_schema_documents_zoom_on_the_two_clustered_layers(logged_in):
    schema = logged_in.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for path in ("/api/v1/map/attacks.geojson", "/api/v1/map/facilities.geojson"):
        zoom = next(p for p in paths[path]["get"]["parameters"] if p["name"] == "zoom")
        assert zoom["schema"] == {"type": "integer", "minimum": 0, "maximum": 22}
        assert "MAP_CLUSTER_ABOVE" in zoom["description"]
    regions = paths["/api/v1/map/regions.geojson"]["get"]["parameters"]
    assert "zoom" not in {p["name"] for p in regions}


# --------------------------------------------------------------------------- threshold


def test_at_or_below_the_threshold_the_layer_gives_the_features(logged_in, kyiv_strikes):
    with override_settings(MAP_CLUSTER_ABOVE=5):
        data = collection(logged_in.get(ATTACKS, {"zoom": 6, "bbox": KYIV_BOX}))
    assert "clustered" not in data
    assert {f["id"] for f in data["features"]} == {a.id for a in kyiv_strikes}


def test_above_the_threshold_the_layer_gives_clusters_that_count_every_feature(
    logged_in, kyiv_strikes
):
    features = collection(logged_in.get(ATTACKS, {"bbox": KYIV_BOX}))["features"]
    with override_settings(MAP_CLUSTER_ABOVE=4):
        for zoom in (0, 6, 9, 12, 16, 22):
            found = clusters(logged_in.get(ATTACKS, {"zoom": zoom, "bbox": KYIV_BOX}))
            assert sum(c["properties"]["count"] for c in found) == len(features) == 5
    # At the country's zoom the five strikes are one cluster; at a street's, five.
    with override_settings(MAP_CLUSTER_ABOVE=4):
        assert len(clusters(logged_in.get(ATTACKS, {"zoom": 6, "bbox": KYIV_BOX}))) == 1
        assert len(clusters(logged_in.get(ATTACKS, {"zoom": 16, "bbox": KYIV_BOX}))) == 5


def test_without_zoom_the_layer_gives_features_whatever_the_threshold(logged_in, kyiv_strikes):
    with override_settings(MAP_CLUSTER_ABOVE=1):
        data = collection(logged_in.get(ATTACKS, {"bbox": KYIV_BOX}))
    assert "clustered" not in data
    assert len(data["features"]) == 5


def test_the_clustered_layer_runs_a_fixed_number_of_queries(
    logged_in, kyiv_strikes, django_assert_num_queries
):
    # Session, user, the data version (the cache key), counting one past the threshold,
    # and the statement of the clusters.
    with override_settings(MAP_CLUSTER_ABOVE=1), django_assert_num_queries(5):
        clusters(logged_in.get(ATTACKS, {"zoom": 6, "bbox": KYIV_BOX}))
    for index in range(10):
        strike(30.3 + index / 50, 50.3, DRONE)
    with override_settings(MAP_CLUSTER_ABOVE=1), django_assert_num_queries(5):
        clusters(logged_in.get(ATTACKS, {"zoom": 6, "bbox": KYIV_BOX}))
    FacilityFactory(name="Darnytsia plant", location=Point(30.64, 50.45, srid=4326))
    FacilityFactory(name="Kharkiv plant", location=Point(36.2, 50.0, srid=4326))
    with override_settings(MAP_CLUSTER_ABOVE=1), django_assert_num_queries(5):
        clusters(logged_in.get(FACILITIES, {"zoom": 6}))


# --------------------------------------------------------------------------- one cluster


def test_a_cluster_has_its_members_bounds_centre_and_dominant_weapon_type(logged_in, kyiv_strikes):
    with override_settings(MAP_CLUSTER_ABOVE=1):
        (cluster,) = clusters(logged_in.get(ATTACKS, {"zoom": 5, "bbox": KYIV_BOX}))
    properties = cluster["properties"]
    assert properties["count"] == 5
    # Three of the five used drones, three cruise missiles: a tie goes to the first
    # type in the model's order (missiles before drones).
    assert properties["weapon_type"] == CRUISE
    assert properties["weapon_type_label"] == "Cruise missile"
    west, south, east, north = properties["bounds"]
    # The members' box, to within one cell of the finest grid (about 25 m here).
    cell = Decimal("0.0004")
    assert abs(Decimal(str(west)) - Decimal("30.52")) < cell
    assert abs(Decimal(str(east)) - Decimal("30.61")) < cell
    assert abs(Decimal(str(south)) - Decimal("50.40")) < cell
    assert abs(Decimal(str(north)) - Decimal("50.46")) < cell
    lon, lat = cluster["geometry"]["coordinates"]
    assert cluster["geometry"]["type"] == "Point"
    assert lon == pytest.approx((30.52 + 30.53 + 30.54 + 30.60 + 30.61) / 5, abs=0.001)
    assert lat == pytest.approx((50.45 + 50.46 + 50.44 + 50.40 + 50.41) / 5, abs=0.001)


def test_the_dominant_weapon_type_is_the_one_most_attacks_used(logged_in, kyiv_strikes):
    strike(30.55, 50.45, DRONE)
    with override_settings(MAP_CLUSTER_ABOVE=1):
        (cluster,) = clusters(logged_in.get(ATTACKS, {"zoom": 5, "bbox": KYIV_BOX}))
    assert cluster["properties"]["weapon_type"] == DRONE
    assert cluster["properties"]["weapon_type_label"] == "Attack drone"


def test_an_attack_without_weapons_counts_but_gives_no_type(logged_in):
    strike(30.52, 50.45)
    strike(30.53, 50.45)
    with override_settings(MAP_CLUSTER_ABOVE=1):
        (cluster,) = clusters(logged_in.get(ATTACKS, {"zoom": 5}))
    assert cluster["properties"]["count"] == 2
    assert cluster["properties"]["weapon_type"] is None


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"weapon_type": "cruise_missile"}, 3),
        ({"weapon_type": "attack_drone"}, 3),
        ({"verification_status": "verified"}, 1),
        ({"bbox": "30.5,50.43,30.56,50.47"}, 3),
        ({"started_after": "2026-03-01"}, 0),
    ],
)
def test_filters_narrow_the_clusters_as_they_narrow_the_features(
    logged_in, kyiv_strikes, query, expected
):
    kyiv_strikes[0].verification_status = Attack.Verification.VERIFIED
    kyiv_strikes[0].save()
    # An attack outside Kyiv counts only where the box holds it.
    strike(36.23, 49.99, DRONE)
    features = collection(logged_in.get(ATTACKS, {"bbox": KYIV_BOX, **query}))["features"]
    assert len(features) == expected
    with override_settings(MAP_CLUSTER_ABOVE=0):
        data = collection(logged_in.get(ATTACKS, {"zoom": 9, "bbox": KYIV_BOX, **query}))
    if not expected:
        # Nothing is not more than nothing: no cluster, no feature.
        assert data == {"type": "FeatureCollection", "features": []}
        return
    assert data["clustered"] is True
    assert sum(c["properties"]["count"] for c in data["features"]) == expected


def test_the_box_is_exact_at_its_edges(logged_in):
    # About 7 m either side of the box's edges: well within one cell of the finest grid.
    inside = [strike(30.2001, 50.4), strike(30.4, 50.6999), strike(30.9, 50.2)]
    strike(30.1999, 50.4)
    strike(30.4, 50.7001)
    strike(30.9001, 50.2)
    features = collection(logged_in.get(ATTACKS, {"bbox": KYIV_BOX}))["features"]
    assert {f["id"] for f in features} == {a.id for a in inside}
    with override_settings(MAP_CLUSTER_ABOVE=0):
        for zoom in (3, 10, 20):
            found = clusters(logged_in.get(ATTACKS, {"zoom": zoom, "bbox": KYIV_BOX}))
            assert sum(c["properties"]["count"] for c in found) == len(inside)


# --------------------------------------------------------------------------- facilities


def test_facilities_cluster_with_their_dominant_kind(logged_in, oblasts):
    for index in range(3):
        FacilityFactory(
            name=f"Substation {index}",
            kind=Facility.Kind.SUBSTATION,
            location=Point(30.5 + index / 100, 50.45, srid=4326),
        )
    FacilityFactory(name="Heating plant", kind=Facility.Kind.CHP, location=Point(30.6, 50.4))
    FacilityFactory(name="Kharkiv plant", kind=Facility.Kind.CHP, location=Point(36.2, 50.0))
    with override_settings(MAP_CLUSTER_ABOVE=4):
        found = clusters(logged_in.get(FACILITIES, {"zoom": 6, "bbox": COUNTRY_BOX}))
        inside_kyiv = collection(logged_in.get(FACILITIES, {"zoom": 6, "bbox": KYIV_BOX}))
    by_count = sorted(found, key=lambda c: -c["properties"]["count"])
    assert [c["properties"]["count"] for c in by_count] == [4, 1]
    kyiv = by_count[0]["properties"]
    assert kyiv["kind"] == Facility.Kind.SUBSTATION
    assert kyiv["kind_label"] == "Substation"
    assert kyiv["bounds"] == [30.5, 50.4, 30.6, 50.45]
    # Four in the Kyiv box is not more than four: the facilities themselves.
    assert "clustered" not in inside_kyiv
    assert len(inside_kyiv["features"]) == 4


# --------------------------------------------------------------------------- the database


def test_every_weapon_type_has_a_bit_in_the_weapon_mask():
    assert set(mapgrid.WEAPON_BITS) == set(WeaponUse.WeaponType.values)


def _mask(attack: Attack) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT weapon_mask FROM incidents_attack WHERE id = %s", [attack.id])
        return cursor.fetchone()[0]


def test_the_weapon_mask_follows_every_write_of_weapon_uses(analyst):
    attack = strike(30.5, 50.4)
    assert _mask(attack) == 0
    drone = attacks.weapon_use_create(created_by=analyst, attack=attack, weapon_type=DRONE)
    drone_bit = 1 << mapgrid.WEAPON_BITS.index(DRONE)
    cruise_bit = 1 << mapgrid.WEAPON_BITS.index(CRUISE)
    assert _mask(attack) == drone_bit
    # Saving the attack (Django writes every field it knows) leaves the mask alone.
    attack.refresh_from_db()
    attack.summary = "Edited"
    attack.save()
    assert _mask(attack) == drone_bit
    attacks.weapon_use_update(instance=drone, updated_by=analyst, weapon_type=CRUISE)
    assert _mask(attack) == cruise_bit
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_weaponuse (created_at, updated_at, weapon_type, model, "
            "attack_id) VALUES (now(), now(), 'attack_drone', 'raw', %s)",
            [attack.id],
        )
    assert _mask(attack) == cruise_bit | drone_bit
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_weaponuse WHERE attack_id = %s", [attack.id])
    assert _mask(attack) == 0


def test_the_cell_follows_the_point_whoever_writes_it(db):
    attack = strike(30.5234, 50.4501)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_attack SET impact_location = ST_SetSRID(ST_MakePoint(36.23, 49.99), "
            "4326) WHERE id = %s RETURNING map_x, map_y",
            [attack.id],
        )
        map_x, map_y = cursor.fetchone()
    # The tile of Kharkiv at zoom 20, as any web map numbers it.
    assert (map_x >> 10, map_y >> 10) == (615, 347)


# --------------------------------------------------------------------------- public view


@pytest.fixture
def public_world(analyst, reviewer, oblasts):
    """Published strikes at six-decimal points, a draft, and one still under the delay."""
    now = timezone.now()

    def create(summary: str, xy: tuple[float, float], hours_ago: float, weapon: str) -> Attack:
        attack = attacks.attack_create(
            created_by=analyst,
            started_at=now - timedelta(hours=hours_ago),
            summary=summary,
            impact_location=Point(*xy, srid=4326),
        )
        attacks.weapon_use_create(created_by=analyst, attack=attack, weapon_type=weapon)
        return attack

    published = [
        create("Published one", (30.523456, 50.451234), 48, DRONE),
        create("Published two", (30.534567, 50.462345), 48, DRONE),
        create("Published three", (30.545678, 50.443456), 48, CRUISE),
    ]
    young = create("Under the delay", (30.556789, 50.454567), 1, CRUISE)
    for attack in [*published, young]:
        publication.publish(record=attack, user=reviewer)
    # Drafts, many of them cruise missiles: they must not tip the dominant type either.
    for index in range(3):
        create(f"Draft {index}", (30.567891 + index / 1000, 50.465432), 30, CRUISE)
    return published


def _decimals(value: float) -> int:
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    return max(0, -exponent)


def test_the_public_clusters_count_only_what_the_public_view_holds_at_its_coarse_points(
    client, settings, public_world
):
    settings.PUBLIC_READ = True
    settings.PUBLIC_DELAY_HOURS = 24
    settings.PUBLIC_COORDINATE_DECIMALS = 2
    settings.MAP_CLUSTER_ABOVE = 0
    for zoom in (5, 12, 18, 22):
        found = clusters(client.get(ATTACKS, {"zoom": zoom, "bbox": KYIV_BOX}))
        assert sum(c["properties"]["count"] for c in found) == 3
        for cluster in found:
            numbers = [*cluster["geometry"]["coordinates"], *cluster["properties"]["bounds"]]
            assert all(_decimals(number) <= 2 for number in numbers), cluster
    (whole,) = clusters(client.get(ATTACKS, {"zoom": 5, "bbox": KYIV_BOX}))
    # The bounds are those of the coarsened points, not of the stored ones.
    assert whole["properties"]["bounds"] == [30.52, 50.44, 30.55, 50.46]
    assert whole["properties"]["weapon_type"] == DRONE
    # At a street's zoom a cluster of one is at its coarsened point, never finer.
    points = {
        tuple(c["geometry"]["coordinates"])
        for c in clusters(client.get(ATTACKS, {"zoom": 22, "bbox": KYIV_BOX}))
    }
    assert points == {(30.52, 50.45), (30.53, 50.46), (30.55, 50.44)}


def test_a_logged_in_reader_clusters_everything_and_with_view_public_what_the_public_sees(
    client, viewer, settings, public_world
):
    settings.PUBLIC_DELAY_HOURS = 24
    settings.MAP_CLUSTER_ABOVE = 0
    client.force_login(viewer)
    (everything,) = clusters(client.get(ATTACKS, {"zoom": 5, "bbox": KYIV_BOX}))
    assert everything["properties"]["count"] == 7
    assert everything["properties"]["weapon_type"] == CRUISE
    (public,) = clusters(client.get(ATTACKS, {"zoom": 5, "bbox": KYIV_BOX, "view": "public"}))
    assert public["properties"]["count"] == 3
    assert public["properties"]["weapon_type"] == DRONE


def test_the_published_copy_has_the_cell_of_its_coarsened_point(settings, public_world):
    first = public_world[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.map_x, p.map_y, p.weapon_mask, a.map_x, a.map_y "
            "FROM published.incidents_attack p JOIN incidents_attack a ON a.id = p.id "
            "WHERE p.id = %s",
            [first.id],
        )
        public_x, public_y, mask, live_x, live_y = cursor.fetchone()
        cursor.execute(f"SELECT {mapgrid.cell_x_sql('30.52')}, {mapgrid.cell_y_sql('50.45')}")
        assert (public_x, public_y) == cursor.fetchone()
    assert (public_x, public_y) != (live_x, live_y)
    assert mask == 1 << mapgrid.WEAPON_BITS.index(DRONE)


def test_the_published_copy_has_a_covering_index_of_cells_for_the_public_view(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'published' "
            "AND tablename = 'incidents_attack' AND indexdef LIKE '%%(map_x, map_y)%%'"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    # One, with public_from, so that the public view's visibility test reads the index too.
    assert len(definitions) == 1, definitions
    assert "INCLUDE (public_from, weapon_mask)" in definitions[0]
