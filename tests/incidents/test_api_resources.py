"""The REST API's resources: who may do what, writes through the services, filters, sync."""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from incidents.models import Attack, Damage, Facility, OutageReport, WeaponUse
from incidents.services import attacks, outages, publication
from tests.factories import (
    KHARKIV,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    ResponseMeasureFactory,
    SourceFactory,
    WeaponUseFactory,
)

RESOURCES = (
    "regions",
    "facilities",
    "attacks",
    "weapon-uses",
    "damages",
    "outages",
    "sources",
    "responses",
)
BASENAMES = {
    "regions": "region",
    "facilities": "facility",
    "attacks": "attack",
    "weapon-uses": "weaponuse",
    "damages": "damage",
    "outages": "outagereport",
    "sources": "source",
    "responses": "responsemeasure",
}


def list_url(resource: str) -> str:
    return reverse(f"api:{BASENAMES[resource]}-list")


def detail_url(resource: str, key) -> str:
    return reverse(f"api:{BASENAMES[resource]}-detail", args=[key])


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(db) -> dict:
    """One record of every kind around the strike on the Darnytsia plant."""
    kyiv = RegionFactory()
    source = SourceFactory()
    facility = FacilityFactory(region=kyiv)
    attack = AttackFactory()
    attack.regions.set([kyiv])
    attack.sources.set([source])
    return {
        "region": kyiv,
        "source": source,
        "facility": facility,
        "second_facility": FacilityFactory(
            name="Kharkiv CHP-5", location=KHARKIV, locality="Kharkiv"
        ),
        "attack": attack,
        "weapon": WeaponUseFactory(attack=attack),
        "damage": DamageFactory(attack=attack, facility=facility),
        "outage": OutageReportFactory(region=kyiv, attack=attack),
        "response": ResponseMeasureFactory(region=kyiv, attack=attack),
    }


def detail_key(resource: str, world: dict):
    key = {
        "regions": "region",
        "facilities": "facility",
        "attacks": "attack",
        "weapon-uses": "weapon",
        "damages": "damage",
        "outages": "outage",
        "sources": "source",
        "responses": "response",
    }[resource]
    obj = world[key]
    return obj.code if resource == "regions" else obj.pk


def deletable_key(resource: str, world: dict):
    """A record nothing else refers to, so a permitted delete succeeds."""
    if resource == "regions":
        return RegionFactory(code="UA-48", name_en="Mykolaiv Oblast").code
    if resource == "facilities":
        return FacilityFactory(name="Unused substation", kind="substation").pk
    if resource == "attacks":
        return AttackFactory(summary="Night drone attack").pk
    if resource == "weapon-uses":
        return WeaponUseFactory(attack=world["attack"], model="Iskander-M").pk
    if resource == "damages":
        return DamageFactory(attack=world["attack"], facility=world["second_facility"]).pk
    if resource == "outages":
        return OutageReportFactory(region=world["region"]).pk
    if resource == "sources":
        return SourceFactory(title="Unused report").pk
    return ResponseMeasureFactory(region=world["region"]).pk


def create_payload(resource: str, world: dict) -> dict:
    return {
        "regions": {"code": "UA-63", "name_en": "Kharkiv Oblast", "kind": "oblast"},
        "facilities": {
            "name": "Kharkiv CHP-5",
            "kind": "chp",
            "location": {"type": "Point", "coordinates": [36.23, 49.99]},
            "locality": "Kharkiv",
        },
        "attacks": {
            "started_at": "2026-02-04T03:00:00Z",
            "summary": "Ballistic missile strike on Kharkiv",
            "regions": ["UA-30"],
            "sources": [world["source"].pk],
            "impact_location": {"type": "Point", "coordinates": [36.23, 49.99]},
        },
        "weapon-uses": {
            "attack": world["attack"].pk,
            "weapon_type": "attack_drone",
            "model": "Shahed-136",
            "launched": 50,
            "intercepted": 41,
        },
        "damages": {
            "attack": world["attack"].pk,
            "facility": world["second_facility"].pk,
            "severity": "moderate",
            "sources": [world["source"].pk],
        },
        "outages": {
            "region": "UA-30",
            "service": "heating",
            "unit": "buildings",
            "count": 1100,
            "count_qualifier": "at_least",
            "as_of": "2026-02-04T12:00:00Z",
        },
        "sources": {
            "kind": "news_report",
            "title": "Strike leaves Kyiv districts without heating",
            "publisher": "Ukrinform",
            "reliability": "B",
            "credibility": "2",
        },
        "responses": {
            "kind": "generators",
            "region": "UA-30",
            "description": "Mobile generators sent to hospitals",
            "quantity": 12,
        },
    }[resource]


PATCHES = {
    "regions": {"name_uk": "Київ"},
    "facilities": {"operator": "Kyivteploenergo"},
    "attacks": {"killed": 0, "injured": 3},
    "weapon-uses": {"intercepted": 9},
    "damages": {"restoration_status": "in_progress"},
    "outages": {"count": 1200},
    "sources": {"credibility": "1"},
    "responses": {"quantity": 30},
}

METHODS = ("list", "retrieve", "create", "partial_update", "destroy")
EXPECTED = {
    "anonymous": {m: 401 for m in METHODS},
    "viewer": {"list": 200, "retrieve": 200, "create": 403, "partial_update": 403, "destroy": 403},
    "analyst": {"list": 200, "retrieve": 200, "create": 201, "partial_update": 200, "destroy": 403},
    "reviewer": {
        "list": 200,
        "retrieve": 200,
        "create": 201,
        "partial_update": 200,
        "destroy": 204,
    },
}


def call(client: APIClient, method: str, resource: str, world: dict):
    if method == "list":
        return client.get(list_url(resource))
    if method == "retrieve":
        return client.get(detail_url(resource, detail_key(resource, world)))
    if method == "create":
        return client.post(list_url(resource), create_payload(resource, world), format="json")
    if method == "partial_update":
        url = detail_url(resource, detail_key(resource, world))
        return client.patch(url, PATCHES[resource], format="json")
    return client.delete(detail_url(resource, deletable_key(resource, world)))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_the_expected_status_on_every_endpoint(
    request, world, role: str, resource: str, method: str
):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = call(client_for(user), method, resource, world)
    assert response.status_code == EXPECTED[role][method], response.content


@pytest.mark.parametrize("resource", RESOURCES)
def test_public_read_lets_anonymous_read_but_not_write(settings, world, resource):
    settings.PUBLIC_READ = True
    client = APIClient()
    url = detail_url(resource, detail_key(resource, world))
    # Regions and facilities are reference data; everything else waits for a reviewer.
    unpublished = 200 if resource in ("regions", "facilities") else 404
    assert client.get(url).status_code == unpublished
    # Anonymous visitors read the public view: published records, and what they cite.
    settings.PUBLIC_DELAY_HOURS = 0
    for record in (world["attack"], world["outage"], world["response"]):
        publication.publish(record=record, user=None)
    assert client.get(list_url(resource)).status_code == 200
    assert client.get(url).status_code == 200
    posted = client.post(list_url(resource), create_payload(resource, world), format="json")
    assert posted.status_code == 401


# --------------------------------------------------------------------------- writes


def test_a_facility_posted_as_geojson_gets_its_region_from_the_location(analyst, oblasts):
    response = client_for(analyst).post(
        list_url("facilities"),
        {
            "name": "Darnytsia heating plant",
            "kind": "chp",
            "location": {"type": "Point", "coordinates": [30.64, 50.446]},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["region"] == "UA-30"
    assert response.json()["location"] == {"type": "Point", "coordinates": [30.64, 50.446]}
    facility = Facility.objects.get(pk=response.json()["id"])
    assert facility.created_by == analyst
    assert facility.history.first().history_user == analyst


# An attack at the Darnytsia heating plant, in Kyiv city (UA-30).
STRIKE_ON_DARNYTSIA = {
    "started_at": "2026-02-04T03:00:00Z",
    "summary": "Strike on Darnytsia",
    "impact_location": {"type": "Point", "coordinates": [30.64, 50.446]},
}


def test_an_attack_whose_point_lies_outside_its_regions_is_a_400_naming_the_region(
    analyst, oblasts
):
    response = client_for(analyst).post(
        list_url("attacks"), STRIKE_ON_DARNYTSIA | {"regions": ["UA-46"]}, format="json"
    )
    assert response.status_code == 400, response.content
    message = response.json()["impact_location"][0]
    assert message.startswith("The impact point lies in Kyiv (UA-30), ")
    assert "from Lviv Oblast (UA-46)" in message
    assert not Attack.objects.exists()


def test_an_attack_posted_without_regions_gets_them_from_its_point(analyst, oblasts):
    response = client_for(analyst).post(list_url("attacks"), STRIKE_ON_DARNYTSIA, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["regions"] == ["UA-30"]


def test_an_attack_with_fewer_reported_regions_than_linked_ones_is_a_400(analyst, world):
    second = RegionFactory(code="UA-63", name_en="Kharkiv")
    response = client_for(analyst).patch(
        detail_url("attacks", world["attack"].pk),
        {"regions": ["UA-30", second.code], "reported_region_count": 1},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["reported_region_count"] == [
        "2 regions are linked, more than the reported 1. Raise the count or leave it empty."
    ]
    assert list(world["attack"].regions.values_list("code", flat=True)) == ["UA-30"]


def test_it_rejects_more_intercepted_than_launched(analyst, world):
    payload = create_payload("weapon-uses", world) | {"launched": 5, "intercepted": 6}
    response = client_for(analyst).post(list_url("weapon-uses"), payload, format="json")
    assert response.status_code == 400
    assert "intercepted" in response.json()
    assert not WeaponUse.objects.filter(model="Shahed-136").exists()


def test_it_rejects_an_outage_figure_dated_in_the_future(analyst, world):
    future = (timezone.now() + timedelta(days=2)).isoformat()
    payload = create_payload("outages", world) | {"as_of": future}
    response = client_for(analyst).post(list_url("outages"), payload, format="json")
    assert response.status_code == 400
    assert "as_of" in response.json()


@pytest.mark.parametrize(
    "location",
    [
        {"type": "Point", "coordinates": [30.64]},
        {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 50]]]},
        {"type": "Point", "coordinates": [50.446, 130.64]},
        "not geojson",
    ],
)
def test_it_rejects_a_facility_location_that_is_not_a_valid_point(analyst, db, location):
    payload = {"name": "Kyiv CHP-6", "kind": "chp", "location": location}
    response = client_for(analyst).post(list_url("facilities"), payload, format="json")
    assert response.status_code == 400
    assert "location" in response.json()


def test_an_analyst_cannot_mark_an_attack_verified(analyst, world):
    url = detail_url("attacks", world["attack"].pk)
    response = client_for(analyst).patch(url, {"verification_status": "verified"}, format="json")
    assert response.status_code == 400
    assert "verification_status" in response.json()


def test_a_reviewer_can_mark_an_attack_verified(reviewer, world):
    url = detail_url("attacks", world["attack"].pk)
    response = client_for(reviewer).patch(url, {"verification_status": "verified"}, format="json")
    assert response.status_code == 200
    world["attack"].refresh_from_db()
    assert world["attack"].verification_status == "verified"


def test_a_region_still_referred_to_cannot_be_deleted_and_the_answer_says_why(reviewer, world):
    response = client_for(reviewer).delete(detail_url("regions", "UA-30"))
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_damage_posted_through_the_api_updates_the_facility_status(analyst, world):
    payload = create_payload("damages", world) | {"severity": "destroyed"}
    response = client_for(analyst).post(list_url("damages"), payload, format="json")
    assert response.status_code == 201, response.content
    world["second_facility"].refresh_from_db()
    assert world["second_facility"].status == Facility.Status.DESTROYED


def test_a_duplicate_damage_for_the_same_attack_and_facility_is_a_409(analyst, world):
    payload = create_payload("damages", world) | {"facility": world["facility"].pk}
    response = client_for(analyst).post(list_url("damages"), payload, format="json")
    assert response.status_code == 409
    assert "already has a damage record" in str(response.json())
    assert Damage.objects.filter(attack=world["attack"]).count() == 1


# --------------------------------------------------------------------------- reads


def test_the_attack_detail_nests_what_the_attack_did(viewer, world):
    response = client_for(viewer).get(detail_url("attacks", world["attack"].pk))
    body = response.json()
    assert body["regions"] == ["UA-30"]
    assert body["weapons"][0]["model"] == "Kh-101"
    assert body["damages"][0]["facility"] == {
        "id": world["facility"].pk,
        "name": "Darnytsia heating plant",
        "kind": "chp",
        "status": Facility.Status.DAMAGED,  # by the world's severe damage
    }
    assert body["outages"][0]["count"] == 1100
    assert body["sources"][0]["grade"] == "B2"
    assert body["responses"][0]["kind"] == "generators"


def test_the_attack_list_stays_flat(viewer, world):
    body = client_for(viewer).get(list_url("attacks")).json()
    (attack,) = body["results"]
    assert attack["regions"] == ["UA-30"]
    assert attack["sources"] == [world["source"].pk]
    assert "damages" not in attack


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("started_after=2026-02-04", True),
        ("started_after=2026-02-05", False),
        ("started_before=2026-02-04", True),
        ("started_before=2026-02-03T23:00:00Z", False),
        ("region=UA-30", True),
        ("region=UA-63", False),
        ("region=UA-63&region=UA-30", True),
        ("weapon_type=cruise_missile", True),
        ("weapon_type=attack_drone", False),
        ("facility_kind=chp", True),
        ("severity=destroyed", False),
        ("severity=severe,destroyed", True),
        ("verification_status=reported", True),
        ("service=heating", True),
        ("service=water", False),
        ("bbox=30.5,50.3,30.8,50.6", True),
        ("bbox=36,49.8,36.5,50.2", False),
        ("search=drone", True),
        ("search=earthquake", False),
        ("updated_since=2020-01-01", True),
        ("ordering=started_at", True),
    ],
)
def test_the_attack_filters_select_what_analysts_ask_for(viewer, world, query, found):
    RegionFactory(code="UA-63", name_en="Kharkiv Oblast")
    world["attack"].impact_location = Point(30.64, 50.446, srid=4326)
    world["attack"].save()
    response = client_for(viewer).get(f"{list_url('attacks')}?{query}")
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == ([world["attack"].pk] if found else [])


@pytest.mark.parametrize(
    ("resource", "query", "parameter"),
    [
        ("attacks", "bbox=30,50,181,51", "bbox"),
        ("attacks", "bbox=30,50,31", "bbox"),
        ("attacks", "bbox=a,b,c,d", "bbox"),
        ("attacks", "bbox=30,95,31,96", "bbox"),
        ("facilities", "bbox=nan,50,31,51", "bbox"),
        ("attacks", "started_after=yesterday", "started_after"),
        ("attacks", "started_before=2026-02-30", "started_before"),
        ("attacks", "region=UA-99", "region"),
        ("facilities", "region=%25s%25d", "region"),
        ("attacks", "started_after=%25Y", "started_after"),
        ("attacks", "weapon_type=catapult", "weapon_type"),
        ("attacks", "severity=apocalyptic", "severity"),
        ("attacks", "ordering=summary", "ordering"),
        ("attacks", "cursor=garbage", "cursor"),
        ("attacks", "page_size=-3", "page_size"),
        ("facilities", "page_size=%C2%B2", "page_size"),
        ("outages", "as_of_after=2026-13-01", "as_of_after"),
        ("outages", "service=internet", "service"),
        ("damages", "updated_since=soon", "updated_since"),
        ("regions", "page=0", "page"),
        ("facilities", "facility_kind=castle", "facility_kind"),
        ("sources", "reliability=Z", "reliability"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_the_parameter(
    viewer, world, resource, query, parameter
):
    response = client_for(viewer).get(f"{list_url(resource)}?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


def test_the_facility_bbox_filter_keeps_points_inside_the_box(viewer, world):
    response = client_for(viewer).get(f"{list_url('facilities')}?bbox=36,49.8,36.5,50.2")
    assert [row["name"] for row in response.json()["results"]] == ["Kharkiv CHP-5"]


def test_the_outage_date_filters_bound_the_series(viewer, world):
    OutageReportFactory(region=world["region"], as_of=datetime(2026, 2, 6, 9, tzinfo=UTC))
    url = list_url("outages")
    client = client_for(viewer)
    after = client.get(f"{url}?as_of_after=2026-02-05").json()["results"]
    before = client.get(f"{url}?as_of_before=2026-02-05").json()["results"]
    assert [row["as_of"] for row in after] == ["2026-02-06T11:00:00+02:00"]
    assert [row["id"] for row in before] == [world["outage"].pk]


def test_the_page_size_is_capped(viewer, world):
    response = client_for(viewer).get(f"{list_url('regions')}?page_size=100000")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_cursor_pages_follow_each_other_without_overlap(viewer, world):
    for day in range(5, 10):
        AttackFactory(started_at=datetime(2026, 2, day, 3, tzinfo=UTC))
    client = client_for(viewer)
    first = client.get(f"{list_url('attacks')}?page_size=4").json()
    second = client.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == Attack.objects.count()
    assert second["next"] is None


# --------------------------------------------------------------------------- query counts


def make_rows(resource: str, count: int) -> None:
    """`count` records of one kind, each with its links filled in."""
    kyiv = RegionFactory()
    source = SourceFactory()
    for i in range(count):
        if resource == "regions":
            RegionFactory(code=f"XX-{i}", name_en=f"Region {i}")
        elif resource == "facilities":
            FacilityFactory(name=f"Substation {i}", region=kyiv)
        elif resource == "sources":
            SourceFactory(title=f"Report {i}")
        else:
            attack = AttackFactory(summary=f"Strike {i}")
            attack.regions.set([kyiv])
            attack.sources.set([source])
            if resource == "weapon-uses":
                WeaponUseFactory(attack=attack)
            elif resource == "damages":
                damage = DamageFactory(attack=attack, facility=FacilityFactory(name=f"Plant {i}"))
                damage.sources.set([source])
            elif resource == "outages":
                OutageReportFactory(region=kyiv, attack=attack).sources.set([source])
            elif resource == "responses":
                ResponseMeasureFactory(region=kyiv, attack=attack).sources.set([source])


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_list_runs_the_same_number_of_queries_for_1_and_20_rows(
    viewer, resource, django_assert_num_queries
):
    client = client_for(viewer)
    make_rows(resource, 1)
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(list_url(resource)).status_code == 200
    make_rows(resource, 19)
    with django_assert_num_queries(len(one_row.captured_queries)):
        response = client.get(list_url(resource))
    assert len(response.json()["results"]) >= 20


# --------------------------------------------------------------------------- sync


def test_the_deleted_feed_lists_a_deleted_damage(reviewer, world):
    before = timezone.now()
    damage_id = world["damage"].pk
    client = client_for(reviewer)
    assert client.delete(detail_url("damages", damage_id)).status_code == 204
    response = client.get(f"{reverse('api:deleted-list')}?since={before.isoformat()}")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["model"], row["id"]) for row in rows] == [("damages", damage_id)]
    assert datetime.fromisoformat(rows[0]["deleted_at"]) >= before


def test_the_deleted_feed_filters_by_collection_and_time(reviewer, world):
    attacks.weapon_use_delete(instance=world["weapon"], user=reviewer)
    client = client_for(reviewer)
    url = reverse("api:deleted-list")
    assert client.get(f"{url}?model=damages").json()["count"] == 0
    assert client.get(f"{url}?model=weapon-uses").json()["count"] == 1
    assert client.get(f"{url}?since=2099-01-01").json()["count"] == 0
    assert client.get(f"{url}?model=planets").status_code == 400
    assert client.get(f"{url}?since=later").status_code == 400


def test_updated_since_returns_only_records_changed_since(viewer, world):
    cutoff = timezone.now()
    outages.outage_report_update(instance=world["outage"], updated_by=None, count=900)
    OutageReportFactory(region=world["region"], as_of=datetime(2026, 1, 1, tzinfo=UTC))
    OutageReport.objects.exclude(pk=world["outage"].pk).update(updated_at=cutoff - timedelta(1))
    response = client_for(viewer).get(f"{list_url('outages')}?updated_since={cutoff.isoformat()}")
    assert [row["id"] for row in response.json()["results"]] == [world["outage"].pk]


# --------------------------------------------------------------------------- tokens


def test_a_token_authenticates_until_it_is_revoked(analyst, world):
    token = Token.objects.create(user=analyst)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(list_url("attacks")).status_code == 200
    created = client.post(list_url("sources"), create_payload("sources", world), format="json")
    assert created.status_code == 201
    token.delete()
    assert client.get(list_url("attacks")).status_code == 401


def test_anonymous_requests_are_throttled_per_address(settings, world):
    settings.PUBLIC_READ = True
    limit = AnonRateThrottle().num_requests
    client = APIClient()
    statuses = [client.get(list_url("sources")).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit
    assert statuses[limit] == 429


def test_a_forged_x_forwarded_for_does_not_escape_the_anonymous_throttle(
    settings, monkeypatch, world
):
    settings.PUBLIC_READ = True
    monkeypatch.setattr(AnonRateThrottle, "rate", "60/minute", raising=False)
    forger = random.Random(6)
    client = APIClient()
    statuses = [
        client.get(
            list_url("sources"),
            HTTP_X_FORWARDED_FOR=str(ipaddress.IPv4Address(forger.getrandbits(32))),
        ).status_code
        for _ in range(100)
    ]
    assert statuses.count(200) == 60
    assert statuses[60:] == [429] * 40


def test_behind_one_proxy_each_client_address_the_proxy_saw_has_its_own_allowance(
    settings, monkeypatch, world
):
    settings.PUBLIC_READ = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    client = APIClient()

    def get(forwarded_for: str) -> int:
        return client.get(list_url("sources"), HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # The proxy appends the address it saw; whatever the client put before it is ignored.
    assert [get(f"10.0.0.{n}, 198.51.100.7") for n in range(3)] == [200, 200, 429]
    assert get("198.51.100.8") == 200


def test_an_admin_issues_and_revokes_a_users_token_in_the_admin(client, superuser, analyst):
    client.force_login(superuser)
    issued = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": analyst.pk})
    assert issued.status_code == 302
    token = Token.objects.get(user=analyst)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(list_url("regions")).status_code == 200
    # The admin addresses a token by its user (one token per user).
    revoke_url = reverse("admin:authtoken_tokenproxy_delete", args=[analyst.pk])
    assert client.post(revoke_url, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=analyst).exists()
    assert api.get(list_url("regions")).status_code == 401
