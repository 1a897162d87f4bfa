"""The admin as analysts, reviewers and viewers use it: pages, saves, history, query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)
from incidents.regions import UKRAINE_UNITS
from tests.factories import (
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    ResponseMeasureFactory,
    SourceFactory,
    WeaponUseFactory,
)
from tests.incidents import admin_helpers
from tests.incidents.admin_helpers import (
    MODELS,
    admin_url,
    attack_data,
    management_form,
    weapon_row,
)

records = admin_helpers.records

KYIV_POINT = json.dumps({"type": "Point", "coordinates": [30.64, 50.446]})


def add_data(model: str, records: dict) -> dict:
    """A realistic add form for each model, as the browser posts it."""
    region, attack = records["region"], records["attack"]
    return {
        "region": {"code": "UA-63", "name_en": "Kharkiv", "name_uk": "Харків", "kind": "oblast"},
        "facility": {
            "name": "Kharkiv CHP-5",
            "kind": "chp",
            "use": "civilian",
            "location": json.dumps({"type": "Point", "coordinates": [36.37, 49.93]}),
            "region": "",
            "locality": "Kharkiv",
        },
        "attack": attack_data(**management_form("weapons", total=1), **weapon_row()),
        "weaponuse": {
            "attack": attack.pk,
            "weapon_type": "ballistic_missile",
            "model": "Iskander-M",
            "launched": "5",
            "intercepted": "3",
        },
        "damage": {
            "attack": attack.pk,
            "facility": FacilityFactory(name="Kyiv CHP-6").pk,
            "severity": "moderate",
            "restoration_status": "in_progress",
        },
        "outagereport": {
            "region": region.pk,
            "service": "heating",
            "unit": "buildings",
            "count_qualifier": "at_least",
            "count": "1100",
            "as_of_0": "2026-02-04",
            "as_of_1": "14:00:00",
        },
        "source": {
            "kind": "social_media",
            "title": "Minister on Telegram about the Darnytsia plant",
            "publisher": "Telegram",
            "reliability": "B",
            "credibility": "2",
        },
        "responsemeasure": {
            "kind": "generators",
            "region": region.pk,
            "description": "Mobile generators sent to hospitals",
            "quantity": "40",
        },
    }[model]


MODEL_CLASSES = {
    "region": Region,
    "facility": Facility,
    "attack": Attack,
    "weaponuse": WeaponUse,
    "damage": Damage,
    "outagereport": OutageReport,
    "source": Source,
    "responsemeasure": ResponseMeasure,
}


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
@pytest.mark.parametrize("model", MODELS)
def test_changelist_add_change_and_history_pages_render_for_editors(
    client, request, records, role, model
):
    client.force_login(request.getfixturevalue(role))
    pk = records[model].pk
    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", pk),
        admin_url(model, "history", pk),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
@pytest.mark.parametrize("model", MODELS)
def test_an_editor_adds_a_record_through_the_admin_form(client, request, records, role, model):
    user = request.getfixturevalue(role)
    client.force_login(user)
    model_class = MODEL_CLASSES[model]
    data = add_data(model, records)
    before = model_class.objects.count()

    response = client.post(admin_url(model, "add"), data)

    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors
    assert model_class.objects.count() == before + 1
    created = model_class.objects.order_by("-pk").first()
    assert created.created_by == user
    assert created.history.first().history_user == user


def test_the_attack_add_page_saves_the_attack_with_its_weapons_and_regions(
    client, analyst, records
):
    client.force_login(analyst)
    kharkiv = RegionFactory(code="UA-63", name_en="Kharkiv")
    data = attack_data(
        regions=[records["region"].pk, kharkiv.pk],
        sources=[records["source"].pk],
        **management_form("weapons", total=2),
        **weapon_row(0),
        **weapon_row(1, weapon_type="attack_drone", model="Shahed-136", launched="50"),
    )
    data["weapons-1-intercepted"] = "41"

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 302
    attack = Attack.objects.get(summary=data["summary"])
    assert set(attack.regions.values_list("code", flat=True)) == {"UA-30", "UA-63"}
    assert list(attack.sources.all()) == [records["source"]]
    assert sorted(attack.weapons.values_list("launched", "intercepted")) == [(10, 8), (50, 41)]
    assert attack.weapons.first().created_by == analyst


def test_a_damage_entered_on_the_attack_page_updates_the_facility_status(client, analyst):
    client.force_login(analyst)
    plant = FacilityFactory()
    data = attack_data(**management_form("damages", total=1))
    data |= {
        "damages-0-facility": plant.pk,
        "damages-0-severity": "destroyed",
        "damages-0-restoration_status": "not_started",
    }

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 302
    plant.refresh_from_db()
    assert plant.status == Facility.Status.DESTROYED


def test_a_response_measure_entered_on_a_new_attack_needs_no_region(client, analyst):
    client.force_login(analyst)
    data = attack_data(**management_form("responses", total=1))
    data |= {
        "responses-0-kind": "air_defence_request",
        "responses-0-description": "The minister asked partners for air defence",
        "responses-0-region": "",
    }

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 302
    assert ResponseMeasure.objects.get().attack == Attack.objects.get()


def test_deleting_a_damage_in_the_admin_restores_the_facility_status(client, reviewer):
    damage = DamageFactory(severity="destroyed")
    plant = damage.facility
    plant.status = Facility.Status.DESTROYED
    plant.save()
    client.force_login(reviewer)

    response = client.post(admin_url("damage", "delete", damage.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Damage.objects.exists()
    plant.refresh_from_db()
    assert plant.status == Facility.Status.OPERATIONAL


def test_the_facility_status_is_shown_read_only(client, analyst, records):
    client.force_login(analyst)

    response = client.get(admin_url("facility", "change", records["facility"].pk))

    form = response.context["adminform"].form
    assert "status" not in form.fields
    # Derived from the record's severe damage, not typed in.
    assert "Damaged" in response.content.decode()


def test_the_map_widgets_use_leaflet_from_the_app_itself(client, analyst, records):
    client.force_login(analyst)

    for model in ("facility", "attack", "region"):
        page = client.get(admin_url(model, "change", records[model].pk)).content.decode()
        assert "/static/leaflet/leaflet.js" in page
        assert "unpkg.com" not in page
        assert "cdn" not in page.lower()


# --------------------------------------------------------------------------- viewer


@pytest.mark.parametrize("model", MODELS)
def test_a_viewer_reads_pages_but_cannot_add_change_or_delete(client, viewer, records, model):
    client.force_login(viewer)
    obj = records[model]

    assert client.get(admin_url(model, "changelist")).status_code == 200
    change_page = client.get(admin_url(model, "change", obj.pk))
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "add"), add_data(model, records)).status_code == 403
    assert client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    assert client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert MODEL_CLASSES[model].objects.filter(pk=obj.pk).exists()


def test_an_analyst_cannot_delete(client, analyst, records):
    client.force_login(analyst)
    attack = records["attack"]

    response = client.post(admin_url("attack", "delete", attack.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Attack.objects.filter(pk=attack.pk).exists()


# --------------------------------------------------------------------------- verification


def test_an_analyst_cannot_mark_an_attack_verified(client, analyst):
    client.force_login(analyst)
    data = attack_data(verification_status="verified")

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["verification_status"] == [
        "Only reviewers can mark an attack verified or disputed."
    ]
    assert not Attack.objects.exists()
    assert data["summary"] in response.content.decode()


def test_an_analyst_cannot_change_a_reported_attack_to_disputed(client, analyst):
    attack = AttackFactory()
    client.force_login(analyst)
    data = attack_data(summary=attack.summary, verification_status="disputed")

    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 200
    assert "verification_status" in response.context["adminform"].form.errors
    attack.refresh_from_db()
    assert attack.verification_status == Attack.Verification.REPORTED


def test_the_analyst_form_offers_no_reviewer_states(client, analyst, reviewer):
    client.force_login(analyst)
    analyst_form = client.get(admin_url("attack", "add")).context["adminform"].form
    client.force_login(reviewer)
    reviewer_form = client.get(admin_url("attack", "add")).context["adminform"].form

    analyst_choices = {value for value, _ in analyst_form.fields["verification_status"].choices}
    reviewer_choices = {value for value, _ in reviewer_form.fields["verification_status"].choices}
    assert analyst_choices == {"reported", "corroborated"}
    assert {"verified", "disputed"} <= reviewer_choices


def test_a_reviewer_can_mark_an_attack_verified(client, reviewer):
    client.force_login(reviewer)

    response = client.post(admin_url("attack", "add"), attack_data(verification_status="verified"))

    assert response.status_code == 302
    assert Attack.objects.get().verification_status == Attack.Verification.VERIFIED


def test_an_analysts_edit_takes_an_attack_a_reviewer_verified_back_to_corroborated(client, analyst):
    attack = AttackFactory(verification_status="verified")
    client.force_login(analyst)
    data = attack_data(summary="Strike on Darnytsia CHP", verification_status="verified")

    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 302
    attack.refresh_from_db()
    assert (attack.summary, attack.verification_status) == (
        "Strike on Darnytsia CHP",
        "corroborated",
    )


def test_the_corroborate_action_is_open_to_analysts(client, analyst):
    attacks = [AttackFactory(), AttackFactory(summary="Drone strike on Odesa substation")]
    client.force_login(analyst)

    response = client.post(
        admin_url("attack", "changelist"),
        {"action": "mark_corroborated", "_selected_action": [a.pk for a in attacks]},
    )

    assert response.status_code == 302
    assert set(Attack.objects.values_list("verification_status", flat=True)) == {"corroborated"}
    assert Attack.objects.first().history.first().history_user == analyst


def test_only_reviewers_get_the_verify_action(client, analyst, reviewer):
    attack = AttackFactory()
    post = {"action": "mark_verified", "_selected_action": [attack.pk]}

    client.force_login(analyst)
    client.post(admin_url("attack", "changelist"), post)
    attack.refresh_from_db()
    assert attack.verification_status == Attack.Verification.REPORTED

    client.force_login(reviewer)
    client.post(admin_url("attack", "changelist"), post)
    attack.refresh_from_db()
    assert attack.verification_status == Attack.Verification.VERIFIED


# --------------------------------------------------------------------------- history


def test_the_history_records_who_changed_what(client, analyst, records):
    attack = records["attack"]
    client.force_login(analyst)
    data = attack_data(
        summary="Strike on the Darnytsia heating plant at -25 °C",
        regions=[records["region"].pk],
        **management_form("weapons", total=1, initial=1),
        **weapon_row(0, id=str(records["weaponuse"].pk), attack=str(attack.pk), intercepted="9"),
        **management_form("damages", total=1, initial=1),
        **{
            "damages-0-id": str(records["damage"].pk),
            "damages-0-attack": str(attack.pk),
            "damages-0-facility": str(records["facility"].pk),
            "damages-0-severity": "severe",
            "damages-0-restoration_status": "in_progress",
        },
        **management_form("outages", total=1, initial=1),
        **{
            "outages-0-id": str(records["outagereport"].pk),
            "outages-0-attack": str(attack.pk),
            "outages-0-region": str(records["region"].pk),
            "outages-0-service": "heating",
            "outages-0-unit": "buildings",
            "outages-0-count_qualifier": "at_least",
            "outages-0-count": "1100",
            "outages-0-as_of_0": "2026-02-04",
            "outages-0-as_of_1": "14:00:00",
        },
        **management_form("responses", total=1, initial=1),
        **{
            "responses-0-id": str(records["responsemeasure"].pk),
            "responses-0-attack": str(attack.pk),
            "responses-0-kind": "generators",
            "responses-0-region": str(records["region"].pk),
            "responses-0-description": "Mobile generators sent to critical sites",
        },
    )

    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    attack.refresh_from_db()
    latest = attack.history.first()
    assert latest.history_user == analyst
    assert latest.summary == "Strike on the Darnytsia heating plant at -25 °C"
    assert attack.updated_by == analyst
    weapon = records["weaponuse"]
    assert weapon.history.first().history_user == analyst
    assert weapon.history.first().intercepted == 9
    damage_history = records["damage"].history.first()
    assert (damage_history.history_user, damage_history.restoration_status) == (
        analyst,
        "in_progress",
    )
    page = client.get(admin_url("attack", "history", attack.pk))
    assert page.status_code == 200
    assert analyst.username in page.content.decode()


# --------------------------------------------------------------------------- query counts


def _add_rows(model: str, first: int, n: int) -> None:
    """n more rows of the model, each with the relations its list page shows."""
    for i in range(first, first + n):
        unit = UKRAINE_UNITS[i % len(UKRAINE_UNITS)]
        region = RegionFactory(code=unit.code, name_en=unit.name_en)
        attack = AttackFactory(summary=f"Strike {i}")
        attack.regions.add(region)
        source = SourceFactory(title=f"Statement {i}")
        attack.sources.add(source)
        facility = FacilityFactory(name=f"Substation {i}", region=region)
        WeaponUseFactory(attack=attack)
        DamageFactory(attack=attack, facility=facility)
        OutageReportFactory(region=region, attack=attack)
        ResponseMeasureFactory(region=region, attack=attack)


@pytest.mark.parametrize("model", MODELS)
def test_a_changelist_runs_the_same_number_of_queries_for_one_row_or_many(client, reviewer, model):
    client.force_login(reviewer)
    url = admin_url(model, "changelist")
    _add_rows(model, 0, 1)
    client.get(url)  # Warm the permission and content-type caches.
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(url).status_code == 200

    _add_rows(model, 1, 7)
    with CaptureQueriesContext(connection) as many_rows:
        response = client.get(url)
        assert response.status_code == 200

    assert response.context["cl"].result_count == 8
    assert len(many_rows) == len(one_row), [q["sql"][:120] for q in many_rows.captured_queries]
