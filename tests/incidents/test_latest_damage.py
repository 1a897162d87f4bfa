"""Each facility's latest damage on the facilities layer, found through the damage rows'
copy of their attack's start (migration 0008), whatever path wrote or moved them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from incidents.models import Attack, Damage
from incidents.services import attacks, publication
from tests.bench.generate import generate_attacks
from tests.factories import AttackFactory, DamageFactory, FacilityFactory

FACILITIES = "/api/v1/map/facilities.geojson"
JANUARY = datetime(2026, 1, 10, 3, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 4, 3, tzinfo=UTC)


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def plant(db):
    return FacilityFactory(name="Darnytsia heating plant", location=Point(30.64, 50.446))


def latest(client, plant, query: str = "") -> tuple[str | None, str | None] | None:
    """The facility's (last_severity, last_attack_at) on the layer; None when not on it."""
    response = client.get(FACILITIES + query)
    assert response.status_code == 200, response.content
    for feature in response.json()["features"]:
        if feature["id"] == plant.pk:
            properties = feature["properties"]
            return properties["last_severity"], properties["last_attack_at"]
    return None


FACTS = ("started_at", "verification_status", "publication_state", "weapon_mask")


def stale_facts(schema: str = "public") -> list[tuple]:
    """Damage rows whose copy of their attack's facts differs from the attack's."""
    copies = ", ".join(f"d.attack_{name}" for name in FACTS)
    facts = ", ".join(f"a.{name}" for name in FACTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id, {copies}, {facts} FROM {schema}.incidents_damage d "  # noqa: S608
            f"JOIN {schema}.incidents_attack a ON a.id = d.attack_id "
            f"WHERE ({copies}) IS DISTINCT FROM ({facts})"
        )
        return cursor.fetchall()


def test_the_latest_damage_follows_an_attack_moved_in_time(logged_in, plant):
    january = AttackFactory(started_at=JANUARY)
    february = AttackFactory(started_at=FEBRUARY)
    DamageFactory(attack=january, facility=plant, severity=Damage.Severity.MINOR)
    DamageFactory(attack=february, facility=plant, severity=Damage.Severity.SEVERE)

    assert latest(logged_in, plant) == ("severe", "2026-02-04T03:00:00Z")

    # The February strike turns out to have been in December.
    february.started_at = datetime(2025, 12, 20, 3, tzinfo=UTC)
    february.save()

    assert latest(logged_in, plant) == ("minor", "2026-01-10T03:00:00Z")
    assert stale_facts() == []


def test_the_latest_damage_follows_a_damage_row_moved_to_another_attack(logged_in, plant):
    january = AttackFactory(started_at=JANUARY)
    february = AttackFactory(started_at=FEBRUARY)
    damage = DamageFactory(attack=january, facility=plant, severity=Damage.Severity.MODERATE)

    assert latest(logged_in, plant) == ("moderate", "2026-01-10T03:00:00Z")

    Damage.objects.filter(pk=damage.pk).update(attack=february)

    assert latest(logged_in, plant) == ("moderate", "2026-02-04T03:00:00Z")
    assert stale_facts() == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ("severe", "2026-02-04T03:00:00Z")),
        ("?started_before=2026-02-01", ("minor", "2026-01-10T03:00:00Z")),
        ("?started_after=2026-01-01&started_before=2026-01-31", ("minor", "2026-01-10T03:00:00Z")),
        ("?started_after=2026-02-01", ("severe", "2026-02-04T03:00:00Z")),
        # Filters the damage rows do not carry are checked on their attacks.
        ("?verification_status=verified", ("minor", "2026-01-10T03:00:00Z")),
        ("?weapon_type=cruise_missile", ("severe", "2026-02-04T03:00:00Z")),
        ("?weapon_type=cruise_missile&started_before=2026-02-01", None),
        ("?started_after=2026-03-01", None),
    ],
)
def test_the_latest_damage_is_the_latest_by_a_matching_attack(logged_in, plant, query, expected):
    january = AttackFactory(started_at=JANUARY, verification_status=Attack.Verification.VERIFIED)
    february = AttackFactory(started_at=FEBRUARY, verification_status=Attack.Verification.REPORTED)
    february.weapons.create(weapon_type="cruise_missile", launched=4)
    DamageFactory(attack=january, facility=plant, severity=Damage.Severity.MINOR)
    DamageFactory(attack=february, facility=plant, severity=Damage.Severity.SEVERE)

    assert latest(logged_in, plant, query) == expected


def test_the_rows_follow_their_attack_s_verification_and_weapons(logged_in, plant):
    attack = AttackFactory(started_at=JANUARY)
    DamageFactory(attack=attack, facility=plant, severity=Damage.Severity.MINOR)

    assert latest(logged_in, plant, "?verification_status=verified") is None
    assert latest(logged_in, plant, "?weapon_type=attack_drone") is None

    attack.verification_status = Attack.Verification.VERIFIED
    attack.save()
    attack.weapons.create(weapon_type="attack_drone", launched=12)

    assert latest(logged_in, plant, "?verification_status=verified") == (
        "minor",
        "2026-01-10T03:00:00Z",
    )
    assert latest(logged_in, plant, "?weapon_type=attack_drone")[0] == "minor"
    assert stale_facts() == []

    attack.weapons.all().delete()

    assert latest(logged_in, plant, "?weapon_type=attack_drone") is None
    assert stale_facts() == []


def test_rows_written_in_one_statement_with_their_attacks_carry_the_start(db, plant):
    # The benchmark generator writes attacks and their damage in a single statement.
    generate_attacks(200, damage_every=4)

    assert Damage.objects.count() == 50
    assert stale_facts() == []


def test_the_public_view_shows_the_latest_published_damage(
    client, settings, oblasts, analyst, reviewer, plant
):
    settings.PUBLIC_READ = True
    settings.PUBLIC_DELAY_HOURS = 12
    now = timezone.now()

    def strike(hours_ago: float, severity: str) -> Attack:
        attack = attacks.attack_create(
            created_by=analyst,
            started_at=now - timedelta(hours=hours_ago),
            summary=f"Strike {hours_ago} hours ago",
        )
        DamageFactory(attack=attack, facility=plant, severity=severity)
        return attack

    published = strike(72, Damage.Severity.MINOR)
    publication.publish(record=published, user=reviewer)
    # Newer, but a draft: the public never learns of it.
    strike(48, Damage.Severity.DESTROYED)
    # Published, but still under the delay.
    young = strike(2, Damage.Severity.SEVERE)
    publication.publish(record=young, user=reviewer)

    severity, at = latest(client, plant)

    assert severity == "minor"
    assert abs(datetime.fromisoformat(at) - published.started_at) < timedelta(minutes=1)
    assert stale_facts() == []
    assert stale_facts("published") == []
