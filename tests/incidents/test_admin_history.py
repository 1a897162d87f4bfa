"""The history pages' revert form: read-only for viewers, a service write for editors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import Attack, Damage, Facility
from incidents.services import attacks, facilities
from tests.factories import AttackFactory, FacilityFactory, update
from tests.incidents import admin_helpers
from tests.incidents.admin_helpers import MODELS, form_post_data

records = admin_helpers.records

# One field per model that a later edit changes, so the first version differs from the row.
LATER_EDIT: dict[str, dict[str, Any]] = {
    "region": {"name_en": "Kyiv city"},
    "facility": {"locality": "Kyiv, Darnytsia"},
    "attack": {"summary": "Strike on the Darnytsia heating plant"},
    "weaponuse": {"model": "Kh-101M"},
    "damage": {"description": "Boiler hall destroyed"},
    "outagereport": {"count": 1200},
    "source": {"title": "Minister of Energy on Telegram"},
    "responsemeasure": {"description": "Forty mobile generators sent to hospitals"},
}


def revert_url(obj: Any, history_id: int) -> str:
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, history_id]
    )


def row(obj: Any) -> dict[str, Any]:
    return type(obj).objects.filter(pk=obj.pk).values().get()


def edited_twice(obj: Any, model: str, user) -> int:
    """Change the row once more; returns the id of its first history version."""
    first = obj.history.earliest().history_id
    update(obj, user=user, **LATER_EDIT[model])
    return first


def test_every_admin_with_history_is_covered_by_these_tests():
    with_history = {
        model._meta.model_name
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    }

    assert with_history == set(MODELS) == set(LATER_EDIT)


@pytest.mark.parametrize("model", MODELS)
def test_a_viewer_posting_the_revert_form_gets_403_and_nothing_changes(
    client, viewer, superuser, records, model
):
    obj = records[model]
    first = edited_twice(obj, model, superuser)
    before, versions = row(obj), obj.history.count()
    # The old version's values as an editor's revert form would post them.
    client.force_login(superuser)
    data = form_post_data(client.get(revert_url(obj, first)).context["adminform"].form)
    client.force_login(viewer)

    response = client.post(revert_url(obj, first), data)

    assert response.status_code == 403
    assert row(obj) == before
    assert obj.history.count() == versions


@pytest.mark.parametrize("model", MODELS)
def test_a_viewer_sees_an_old_version_read_only(client, viewer, superuser, records, model):
    obj = records[model]
    first = edited_twice(obj, model, superuser)
    client.force_login(viewer)

    response = client.get(revert_url(obj, first))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    for field in LATER_EDIT[model]:
        assert f'name="{field}"' not in page


def test_a_user_without_any_role_cannot_open_or_post_the_revert_form(client, records):
    outsider = User.objects.create_user(
        username="guest.staff", password="correct horse battery", is_staff=True
    )
    attack = records["attack"]
    first = attack.history.earliest().history_id
    client.force_login(outsider)

    assert client.get(revert_url(attack, first)).status_code == 403
    assert client.post(revert_url(attack, first), {}).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "reviewer", "superuser"])
def test_an_editor_reverts_a_damage_and_the_facility_status_follows(client, request, role):
    user = request.getfixturevalue(role)
    facility = FacilityFactory()
    damage = facilities.damage_create(
        created_by=user, attack=AttackFactory(), facility=facility, severity="severe"
    )
    first = damage.history.earliest()
    facilities.damage_update(instance=damage, updated_by=user, restoration_status="restored")
    facility.refresh_from_db()
    assert facility.status == Facility.Status.RESTORED
    client.force_login(user)
    form = client.get(revert_url(damage, first.history_id)).context["adminform"].form

    response = client.post(revert_url(damage, first.history_id), form_post_data(form))

    assert response.status_code == 302
    damage.refresh_from_db()
    facility.refresh_from_db()
    assert damage.restoration_status == Damage.Restoration.NOT_STARTED
    assert facility.status == Facility.Status.DAMAGED
    assert damage.updated_by == user
    assert damage.history.first().history_user == user


def test_an_analyst_cannot_revert_an_attack_to_a_verified_version(client, analyst, reviewer):
    attack = AttackFactory()
    attacks.attack_update(instance=attack, updated_by=reviewer, verification_status="verified")
    verified = attack.history.first()
    attacks.attack_update(instance=attack, updated_by=reviewer, verification_status="disputed")
    client.force_login(analyst)
    form = client.get(revert_url(attack, verified.history_id)).context["adminform"].form

    response = client.post(revert_url(attack, verified.history_id), form_post_data(form))

    assert response.status_code == 200
    assert "verification_status" in response.context["adminform"].form.errors
    attack.refresh_from_db()
    assert attack.verification_status == Attack.Verification.DISPUTED


def test_a_viewer_cannot_bring_back_a_deleted_row_through_its_history(
    client, viewer, reviewer, superuser
):
    attack = AttackFactory()
    attack_id = attack.pk
    url = revert_url(attack, attack.history.earliest().history_id)
    client.force_login(superuser)
    data = form_post_data(client.get(url).context["adminform"].form)
    attacks.attack_delete(instance=attack, user=reviewer)
    client.force_login(viewer)

    response = client.post(url, data)

    assert response.status_code == 403
    assert not Attack.objects.filter(pk=attack_id).exists()


def test_a_revert_keeps_the_regions_the_service_fills_from_the_impact_point(
    client, analyst, oblasts
):
    darnytsia = Point(30.64, 50.446, srid=4326)
    attack = attacks.attack_create(
        created_by=analyst,
        started_at=datetime(2026, 2, 4, 3, tzinfo=UTC),
        summary="Strike on Darnytsia",
        impact_location=darnytsia,
    )
    first = attack.history.earliest().history_id
    attacks.attack_update(instance=attack, updated_by=analyst, summary="Strike on Kyiv")
    client.force_login(analyst)
    data = form_post_data(client.get(revert_url(attack, first)).context["adminform"].form)
    data["regions"] = []  # Cleared in the revert form: to be filled from the point again.

    response = client.post(revert_url(attack, first), data)

    assert response.status_code == 302
    attack.refresh_from_db()
    assert attack.summary == "Strike on Darnytsia"
    assert list(attack.regions.values_list("code", flat=True)) == ["UA-30"]
