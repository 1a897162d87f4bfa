"""Database errors reach API clients as plain messages; the details go to the log."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from incidents.api.views import WeaponUseViewSet
from incidents.models import WeaponUse
from incidents.services import CONFLICT_MESSAGE, attacks
from incidents.services.attacks import weapon_use_delete
from incidents.services.base import Writes
from tests.factories import AttackFactory
from tests.incidents.test_api_resources import list_url

DATABASE_WORDS = (
    "weaponuse_",
    "incidents_",
    "violates",
    "constraint",
    "INSERT",
    "DETAIL",
    "integer",
)


@pytest.fixture
def analyst_client(analyst) -> APIClient:
    client = APIClient()
    client.force_login(analyst)
    return client


def drone_rows(attack, **overrides) -> dict:
    return {
        "attack": attack.pk,
        "weapon_type": "attack_drone",
        "model": "Shahed-136",
        "launched": 20,
        "intercepted": 15,
        **overrides,
    }


def assert_no_database_text(response) -> None:
    body = response.content.decode()
    for word in DATABASE_WORDS:
        assert word not in body, body


def save_without_validation(instance, *, user, links=None):
    """A write path that skips every check in Python, so only the database stands guard."""
    instance.save()
    return instance


UNCHECKED_WEAPON_USE_WRITES = Writes(save=save_without_validation, delete=weapon_use_delete)


def test_a_constraint_only_the_database_caught_is_a_400_with_the_rules_own_message(
    analyst_client, monkeypatch, caplog
):
    # As if a concurrent writer changed the row between the checks and the insert.
    monkeypatch.setattr(WeaponUse, "full_clean", lambda self, *args, **kwargs: None)
    attack = AttackFactory()

    with caplog.at_level(logging.WARNING, logger="incidents.services"):
        response = analyst_client.post(
            list_url("weapon-uses"), drone_rows(attack, intercepted=25), format="json"
        )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["More weapons intercepted than launched."]}
    assert_no_database_text(response)
    assert "weaponuse_intercepted_lte_launched" in caplog.text
    assert not WeaponUse.objects.exists()


def test_a_conflict_the_model_has_no_message_for_says_so_plainly(db, monkeypatch, caplog):
    monkeypatch.setattr(WeaponUse, "full_clean", lambda self, *args, **kwargs: None)
    attack = AttackFactory()

    with (
        caplog.at_level(logging.WARNING, logger="incidents.services"),
        pytest.raises(ValidationError) as raised,
    ):
        attacks.weapon_use_save(
            WeaponUse(attack=attack, weapon_type="attack_drone", launched=-1), user=None
        )

    (message,) = raised.value.messages
    assert "weaponuse_" not in message
    assert "conflicts with stored data" in message
    assert "violates check constraint" in caplog.text


def test_an_integrity_error_from_the_database_is_a_generic_409_and_logged(
    analyst_client, monkeypatch, caplog
):
    monkeypatch.setattr(WeaponUseViewSet, "writes", UNCHECKED_WEAPON_USE_WRITES)
    attack = AttackFactory()

    with caplog.at_level(logging.WARNING, logger="incidents.api"):
        response = analyst_client.post(
            list_url("weapon-uses"), drone_rows(attack, intercepted=25), format="json"
        )

    assert response.status_code == 409
    assert response.json() == {"detail": CONFLICT_MESSAGE}
    assert CONFLICT_MESSAGE.startswith("The record conflicts with stored data")
    assert_no_database_text(response)
    assert "weaponuse_intercepted_lte_launched" in caplog.text
    assert list_url("weapon-uses") in caplog.text


def test_a_value_the_database_cannot_store_is_a_generic_400_and_logged(
    analyst_client, monkeypatch, caplog
):
    monkeypatch.setattr(WeaponUseViewSet, "writes", UNCHECKED_WEAPON_USE_WRITES)
    monkeypatch.setattr(WeaponUse, "full_clean", lambda self, *args, **kwargs: None)
    attack = AttackFactory()
    # Past what the serializer checks: the column is a 32-bit integer.
    monkeypatch.setattr(
        "rest_framework.fields.IntegerField.run_validators", lambda self, value: None
    )

    with caplog.at_level(logging.WARNING, logger="incidents.api"):
        response = analyst_client.post(
            list_url("weapon-uses"),
            drone_rows(attack, launched=2**40, intercepted=1),
            format="json",
        )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A value is out of range or malformed."]}
    assert_no_database_text(response)
    assert "out of range" in caplog.text
