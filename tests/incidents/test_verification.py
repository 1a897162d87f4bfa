"""A verified attack keeps its badge only while what a reviewer verified stays as it was.

An edit by someone who may not verify (an analyst) takes the attack back to
"corroborated" in the same transaction, whether it touches the attack itself or
one of its parts (weapons, damages, outage figures, responses); a reviewer's
edit keeps it verified, and only a reviewer can verify it again.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.models import Attack
from incidents.services import attacks, verification
from tests.factories import (
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    ResponseMeasureFactory,
    WeaponUseFactory,
    delete,
)
from tests.incidents.admin_helpers import (
    INLINE_PREFIXES,
    admin_url,
    form_post_data,
    management_form,
)
from tests.incidents.importing import DATA, run_import

VERIFIED, CORROBORATED = Attack.Verification.VERIFIED, Attack.Verification.CORROBORATED
PARTS = ("weapon-uses", "damages", "outages", "responses")
ACLED_FILE = "acled_ukraine_messy.csv"


@pytest.fixture
def verified(reviewer) -> Attack:
    """A strike a reviewer verified, with one record of each of its parts."""
    attack = AttackFactory()
    region = RegionFactory()
    attack.regions.add(region)
    WeaponUseFactory(attack=attack)
    DamageFactory(attack=attack, facility=FacilityFactory())
    OutageReportFactory(attack=attack, region=region)
    ResponseMeasureFactory(attack=attack, region=region)
    return attacks.attack_update(instance=attack, updated_by=reviewer, verification_status=VERIFIED)


def status_of(attack: Attack) -> str:
    attack.refresh_from_db()
    return attack.verification_status


def part_of(attack: Attack, resource: str):
    return {
        "weapon-uses": attack.weapons,
        "damages": attack.damages,
        "outages": attack.outages,
        "responses": attack.responses,
    }[resource].get()


# --------------------------------------------------------------------------- services


def test_an_analysts_edit_takes_a_verified_attack_back_to_corroborated_in_its_history(
    analyst, verified
):
    attacks.attack_update(instance=verified, updated_by=analyst, summary="Strike on Darnytsia")

    assert status_of(verified) == CORROBORATED
    latest = verified.history.first()
    assert (latest.summary, latest.verification_status, latest.history_user) == (
        "Strike on Darnytsia",
        CORROBORATED,
        analyst,
    )
    assert latest.history_change_reason == verification.UNVERIFIED_REASON
    assert latest.prev_record.verification_status == VERIFIED


def test_a_reviewers_edit_keeps_the_attack_verified(reviewer, verified):
    attacks.attack_update(instance=verified, updated_by=reviewer, summary="Strike on Darnytsia")

    assert status_of(verified) == VERIFIED


def test_a_save_that_changes_nothing_keeps_the_attack_verified(analyst, verified):
    attacks.attack_update(instance=verified, updated_by=analyst, regions=verified.regions.all())

    assert status_of(verified) == VERIFIED
    assert verified.history.first().verification_status == VERIFIED


def test_an_analyst_changing_only_the_regions_corroborates_the_attack(analyst, verified):
    attacks.attack_update(
        instance=verified, updated_by=analyst, regions=[RegionFactory(code="UA-63")]
    )

    assert status_of(verified) == CORROBORATED


def test_imports_and_commands_without_a_user_keep_the_attack_verified(verified):
    attacks.attack_update(instance=verified, updated_by=None, killed=2)

    assert status_of(verified) == VERIFIED


def test_a_disputed_attack_stays_disputed_when_an_analyst_edits_it(analyst, reviewer):
    attack = attacks.attack_update(
        instance=AttackFactory(), updated_by=reviewer, verification_status="disputed"
    )

    attacks.attack_update(instance=attack, updated_by=analyst, summary="Contested report")

    assert status_of(attack) == Attack.Verification.DISPUTED


@pytest.mark.parametrize("resource", PARTS)
def test_an_analyst_deleting_a_part_corroborates_the_attack(analyst, verified, resource):
    delete(part_of(verified, resource), user=analyst)

    assert status_of(verified) == CORROBORATED
    latest = verified.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        analyst,
        verification.UNVERIFIED_REASON,
    )


def test_moving_a_part_to_another_attack_corroborates_both(analyst, reviewer, verified):
    other = attacks.attack_update(
        instance=AttackFactory(summary="Night drone attack on Odesa"),
        updated_by=reviewer,
        verification_status=VERIFIED,
    )

    attacks.weapon_use_update(instance=verified.weapons.get(), updated_by=analyst, attack=other)

    assert (status_of(verified), status_of(other)) == (CORROBORATED, CORROBORATED)


def test_an_analyst_cannot_set_it_back_but_a_reviewer_can(analyst, reviewer, verified):
    attacks.attack_update(instance=verified, updated_by=analyst, killed=3)
    with pytest.raises(ValidationError, match="Only reviewers"):
        attacks.attack_update(instance=verified, updated_by=analyst, verification_status=VERIFIED)

    attacks.attack_update(instance=verified, updated_by=reviewer, verification_status=VERIFIED)

    assert status_of(verified) == VERIFIED


# --------------------------------------------------------------------------- admin


def attack_form_post(client, attack: Attack, **changes) -> dict:
    """The attack's change form as shown, with empty inline formsets and some fields changed."""
    form = client.get(admin_url("attack", "change", attack.pk)).context["adminform"].form
    data = form_post_data(form)
    for prefix in INLINE_PREFIXES:
        data |= management_form(prefix)
    return data | changes


@pytest.mark.parametrize(("role", "expected"), [("analyst", CORROBORATED), ("reviewer", VERIFIED)])
def test_an_edit_in_the_admin_form(client, request, verified, role, expected):
    user = request.getfixturevalue(role)
    client.force_login(user)
    data = attack_form_post(client, verified, summary="Strike on Darnytsia CHP")

    response = client.post(admin_url("attack", "change", verified.pk), data, follow=True)

    assert response.redirect_chain, response.context["adminform"].form.errors
    assert status_of(verified) == expected
    assert verified.summary == "Strike on Darnytsia CHP"
    notice = "back to corroborated until a reviewer verifies it again"
    assert (notice in response.content.decode()) is (expected == CORROBORATED)


def test_an_analyst_changing_only_the_regions_in_the_admin_corroborates_the_attack(
    client, analyst, verified
):
    client.force_login(analyst)
    kharkiv = RegionFactory(code="UA-63", name_en="Kharkiv Oblast")
    data = attack_form_post(client, verified, regions=[kharkiv.pk])

    response = client.post(admin_url("attack", "change", verified.pk), data)

    assert response.status_code == 302
    assert list(verified.regions.all()) == [kharkiv]
    assert status_of(verified) == CORROBORATED


def test_saving_the_admin_form_unchanged_keeps_the_attack_verified(client, analyst, verified):
    client.force_login(analyst)

    response = client.post(
        admin_url("attack", "change", verified.pk), attack_form_post(client, verified)
    )

    assert response.status_code == 302
    assert status_of(verified) == VERIFIED


@pytest.mark.parametrize(("role", "expected"), [("analyst", CORROBORATED), ("reviewer", VERIFIED)])
def test_an_edit_of_an_inline_row_on_the_attack_page(client, request, verified, role, expected):
    client.force_login(request.getfixturevalue(role))
    weapon = verified.weapons.get()
    data = attack_form_post(client, verified) | management_form("weapons", total=1, initial=1)
    data |= {
        "weapons-0-id": weapon.pk,
        "weapons-0-attack": verified.pk,
        "weapons-0-weapon_type": weapon.weapon_type,
        "weapons-0-model": weapon.model,
        "weapons-0-launched": weapon.launched,
        "weapons-0-intercepted": weapon.intercepted - 1,
    }

    response = client.post(admin_url("attack", "change", verified.pk), data)

    assert response.status_code == 302
    assert status_of(verified) == expected


def test_an_analysts_edit_of_a_weapon_on_its_own_page_corroborates_the_attack(
    client, analyst, verified
):
    weapon = verified.weapons.get()
    client.force_login(analyst)
    form = client.get(admin_url("weaponuse", "change", weapon.pk)).context["adminform"].form

    response = client.post(
        admin_url("weaponuse", "change", weapon.pk), form_post_data(form) | {"launched": 12}
    )

    assert response.status_code == 302
    assert status_of(verified) == CORROBORATED


def test_the_analyst_form_warns_that_saving_corroborates_and_offers_no_way_back(
    client, analyst, verified
):
    client.force_login(analyst)
    form = client.get(admin_url("attack", "change", verified.pk)).context["adminform"].form
    assert "back to corroborated" in str(form.fields["verification_status"].help_text)

    attacks.attack_update(instance=verified, updated_by=analyst, killed=1)
    form = client.get(admin_url("attack", "change", verified.pk)).context["adminform"].form

    choices = {value for value, _ in form.fields["verification_status"].choices}
    assert choices == {"reported", "corroborated"}


# --------------------------------------------------------------------------- API


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def attack_url(attack: Attack) -> str:
    return reverse("api:attack-detail", args=[attack.pk])


@pytest.mark.parametrize(("role", "expected"), [("analyst", CORROBORATED), ("reviewer", VERIFIED)])
def test_a_patch_through_the_api(request, verified, role, expected):
    client = api(request.getfixturevalue(role))

    response = client.patch(attack_url(verified), {"killed": 4}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["verification_status"] == expected
    assert status_of(verified) == expected


@pytest.mark.parametrize(("role", "expected"), [("analyst", CORROBORATED), ("reviewer", VERIFIED)])
def test_a_put_through_the_api(request, verified, role, expected):
    client = api(request.getfixturevalue(role))
    body = client.get(attack_url(verified)).json()
    payload = {
        "started_at": body["started_at"],
        "summary": "Strike on Darnytsia CHP",
        "regions": body["regions"],
        "verification_status": VERIFIED,
    }

    response = client.put(attack_url(verified), payload, format="json")

    assert response.status_code == 200, response.content
    assert status_of(verified) == expected


def test_an_analyst_patching_verified_back_is_refused(analyst, verified):
    client = api(analyst)
    client.patch(attack_url(verified), {"killed": 4}, format="json")

    response = client.patch(attack_url(verified), {"verification_status": VERIFIED}, format="json")

    assert response.status_code == 400
    assert "verification_status" in response.json()
    assert status_of(verified) == CORROBORATED


@pytest.mark.parametrize("resource", PARTS)
@pytest.mark.parametrize(("role", "expected"), [("analyst", CORROBORATED), ("reviewer", VERIFIED)])
def test_a_change_to_a_part_through_the_api(request, verified, resource, role, expected):
    client = api(request.getfixturevalue(role))
    part = part_of(verified, resource)
    basename = type(part)._meta.model_name
    change = {
        "weapon-uses": {"intercepted": 7},
        "damages": {"description": "Boiler hall destroyed"},
        "outages": {"count": 1200},
        "responses": {"description": "Forty generators sent to hospitals"},
    }[resource]

    response = client.patch(
        reverse(f"api:{basename}-detail", args=[part.pk]), change, format="json"
    )

    assert response.status_code == 200, response.content
    assert status_of(verified) == expected


@pytest.mark.parametrize(("role", "expected"), [("analyst", CORROBORATED), ("reviewer", VERIFIED)])
def test_a_new_weapon_posted_through_the_api(request, verified, role, expected):
    client = api(request.getfixturevalue(role))
    payload = {
        "attack": verified.pk,
        "weapon_type": "attack_drone",
        "model": "Shahed-136",
        "launched": 50,
        "intercepted": 41,
    }

    response = client.post(reverse("api:weaponuse-list"), payload, format="json")

    assert response.status_code == 201, response.content
    assert status_of(verified) == expected


# --------------------------------------------------------------------------- imports


@pytest.fixture
def acled_attacks(oblasts) -> None:
    run_import("acled", ACLED_FILE)


def reimport_with_one_death_more(user):
    """The ACLED file again, with event UKR150002 now reporting two people killed."""
    changed = (
        (DATA / ACLED_FILE)
        .read_text(encoding="utf-8-sig")
        .replace('1 person was killed.",1.0', '2 people were killed.",2')
    )
    return run_import("acled", "changed.csv", user=user, content=changed.encode())


@pytest.mark.parametrize(("role", "expected"), [("analyst", CORROBORATED), ("reviewer", VERIFIED)])
def test_an_import_that_changes_a_verified_attack(request, reviewer, acled_attacks, role, expected):
    attack = Attack.objects.get(external_id="UKR150002")
    attacks.attack_update(instance=attack, updated_by=reviewer, verification_status=VERIFIED)

    job = reimport_with_one_death_more(request.getfixturevalue(role))

    assert job.rows_updated == 1
    assert status_of(attack) == expected
    assert attack.killed == 2
    assert attack.history.first().verification_status == expected


def test_an_import_that_changes_other_events_keeps_their_status(analyst, reviewer, acled_attacks):
    untouched = Attack.objects.get(external_id="UKR150001")
    attacks.attack_update(instance=untouched, updated_by=reviewer, verification_status=VERIFIED)

    reimport_with_one_death_more(analyst)

    assert status_of(untouched) == VERIFIED
