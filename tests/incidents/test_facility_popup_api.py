"""The attacks a facility's map popup lists: latest first, a few, only what the reader may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.services import publication
from tests.factories import AttackFactory, DamageFactory, FacilityFactory

pytestmark = pytest.mark.django_db


def url(facility_id: int) -> str:
    return reverse("api:map-facility-attacks", args=[facility_id])


@pytest.fixture
def plant_and_attacks(db):
    """A heating plant hit by a published attack and, later, by a draft one."""
    plant = FacilityFactory(name="Darnytsia CHP")
    days_ago = timezone.now() - timedelta(days=3)
    published = AttackFactory(started_at=days_ago, summary="Missile strike on Darnytsia CHP")
    DamageFactory(attack=published, facility=plant, severity="severe")
    publication.publish(record=published, user=None)
    drafted = AttackFactory(
        started_at=days_ago + timedelta(days=1), summary="Unconfirmed drone strike"
    )
    DamageFactory(attack=drafted, facility=plant, severity="minor")
    return plant, published, drafted


def summaries(response) -> list[str]:
    return [attack["summary"] for attack in response.json()["attacks"]]


def test_a_logged_in_reader_sees_every_attack_on_the_facility_latest_first(
    viewer, plant_and_attacks
):
    plant, published, drafted = plant_and_attacks
    client = APIClient()
    client.force_login(viewer)

    response = client.get(url(plant.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert summaries(response) == [drafted.summary, published.summary]
    first = body["attacks"][0]
    assert first["url"] == reverse("attack-detail", args=[drafted.pk])
    assert (first["severity"], first["severity_label"]) == ("minor", "Minor")
    assert body["url"] == reverse("facility-detail", args=[plant.pk])


def test_the_public_sees_only_the_published_attack(client, settings, plant_and_attacks):
    settings.PUBLIC_READ = True
    plant, published, _ = plant_and_attacks

    response = client.get(url(plant.pk))

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert summaries(response) == [published.summary]


def test_a_logged_in_reader_asking_for_the_public_view_sees_what_the_public_sees(
    viewer, plant_and_attacks
):
    plant, published, _ = plant_and_attacks
    client = APIClient()
    client.force_login(viewer)

    response = client.get(url(plant.pk), {"view": "public"})

    assert summaries(response) == [published.summary]


def test_without_public_read_an_anonymous_visitor_is_refused(client, settings, plant_and_attacks):
    settings.PUBLIC_READ = False
    plant, _, _ = plant_and_attacks

    assert client.get(url(plant.pk)).status_code in (401, 403)


def test_many_attacks_are_cut_at_the_limit_and_counted_in_full(viewer):
    plant = FacilityFactory()
    start = timezone.now() - timedelta(days=30)
    for day in range(7):
        DamageFactory(attack=AttackFactory(started_at=start + timedelta(days=day)), facility=plant)
    client = APIClient()
    client.force_login(viewer)

    with CaptureQueriesContext(connection) as queries:
        body = client.get(url(plant.pk)).json()
    many = client.get(url(plant.pk), {"limit": "20"}).json()

    assert (body["count"], len(body["attacks"])) == (7, 5)
    starts = [attack["started_at"] for attack in body["attacks"]]
    assert starts == sorted(starts, reverse=True)
    assert len(many["attacks"]) == 7
    # The session, the user, the facility, its attacks and their count; not one per attack.
    assert len(queries) <= 6


@pytest.mark.parametrize("limit", ["0", "21", "five", "", "-2", "²", " 5"])
def test_a_bad_limit_is_a_400_naming_it(viewer, limit):
    client = APIClient()
    client.force_login(viewer)

    response = client.get(url(FacilityFactory().pk), {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()


def test_an_unknown_parameter_is_a_400_naming_it(viewer):
    client = APIClient()
    client.force_login(viewer)

    response = client.get(url(FacilityFactory().pk), {"started_after": "2026-02-01"})

    assert response.status_code == 400
    assert "limit" in response.json()["started_after"][0]


@pytest.mark.parametrize("key", ["999999", "x", "9" * 30, "-1", "١٢"])
def test_an_unknown_or_malformed_facility_is_a_json_404(viewer, key):
    client = APIClient()
    client.force_login(viewer)

    response = client.get(f"/api/v1/map/facilities/{key}/attacks")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such facility."}
