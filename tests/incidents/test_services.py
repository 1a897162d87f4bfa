from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from incidents import selectors
from incidents.models import Attack, Damage, Facility, OutageReport
from incidents.services import attacks, facilities
from tests.factories import (
    DARNYTSIA,
    KHARKIV,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

Sev, Res, Status = Damage.Severity, Damage.Restoration, Facility.Status


def test_a_service_records_who_created_and_changed_a_row(analyst, reviewer):
    attack = attacks.attack_create(
        created_by=analyst,
        started_at=datetime(2026, 2, 4, 3, tzinfo=UTC),
        summary="Strike on Darnytsia",
    )
    attacks.attack_update(instance=attack, updated_by=reviewer, summary="Strike on Darnytsia CHP")
    attack.refresh_from_db()
    assert (attack.created_by, attack.updated_by) == (analyst, reviewer)
    history = list(attack.history.order_by("history_date"))
    assert [h.history_user for h in history] == [analyst, reviewer]
    assert history[-1].summary == "Strike on Darnytsia CHP"


def test_a_service_refuses_invalid_rows_and_writes_nothing(analyst):
    attack = AttackFactory()
    with pytest.raises(ValidationError) as excinfo:
        attacks.weapon_use_create(
            created_by=analyst,
            attack=attack,
            weapon_type="cruise_missile",
            launched=3,
            intercepted=4,
        )
    assert "intercepted" in excinfo.value.message_dict
    assert not attack.weapons.exists()


def test_an_analyst_cannot_mark_an_attack_verified(analyst):
    attack = AttackFactory()
    with pytest.raises(ValidationError) as excinfo:
        attacks.attack_update(instance=attack, updated_by=analyst, verification_status="verified")
    assert excinfo.value.message_dict["verification_status"] == [
        "Only reviewers can mark an attack verified or disputed."
    ]
    attack.refresh_from_db()
    assert attack.verification_status == Attack.Verification.REPORTED


def test_a_reviewer_can_verify_and_an_analysts_edit_takes_it_back_to_corroborated(
    analyst, reviewer
):
    attack = AttackFactory()
    attacks.attack_update(instance=attack, updated_by=reviewer, verification_status="verified")
    attacks.attack_update(instance=attack, updated_by=analyst, summary="Corrected summary")
    attack.refresh_from_db()
    assert (attack.verification_status, attack.summary) == ("corroborated", "Corrected summary")


@pytest.mark.parametrize(
    ("damages", "expected"),
    [
        ([], Status.OPERATIONAL),
        ([(Sev.NONE, Res.NOT_STARTED)], Status.OPERATIONAL),
        ([(Sev.SEVERE, Res.NOT_STARTED)], Status.DAMAGED),
        ([(Sev.DESTROYED, Res.NOT_STARTED)], Status.DESTROYED),
        ([(Sev.DESTROYED, Res.IN_PROGRESS)], Status.UNDER_REPAIR),
        ([(Sev.MODERATE, Res.PARTIAL)], Status.UNDER_REPAIR),
        ([(Sev.SEVERE, Res.RESTORED)], Status.RESTORED),
        ([(Sev.SEVERE, Res.RESTORED), (Sev.MINOR, Res.NOT_STARTED)], Status.DAMAGED),
        ([(Sev.DESTROYED, Res.NOT_STARTED), (Sev.MINOR, Res.IN_PROGRESS)], Status.DESTROYED),
    ],
)
def test_a_facility_status_follows_from_its_damage_history(damages, expected):
    records = [Damage(severity=s, restoration_status=r) for s, r in damages]
    assert facilities.derive_facility_status(records) == expected


def test_saving_and_deleting_damage_keeps_the_facility_status_in_step(analyst, reviewer):
    facility = FacilityFactory()
    damage = facilities.damage_create(
        created_by=analyst, attack=AttackFactory(), facility=facility, severity="severe"
    )
    facility.refresh_from_db()
    assert facility.status == Status.DAMAGED
    facilities.damage_update(
        instance=damage,
        updated_by=analyst,
        restoration_status=Res.RESTORED,
        restored_at=datetime(2026, 2, 20, tzinfo=UTC),
    )
    facility.refresh_from_db()
    assert facility.status == Status.RESTORED
    facilities.damage_delete(instance=damage, user=reviewer)
    facility.refresh_from_db()
    assert facility.status == Status.OPERATIONAL


def test_moving_a_damage_record_to_another_facility_refreshes_both(analyst):
    first, second = FacilityFactory(), FacilityFactory(name="Kharkiv CHP-5", location=KHARKIV)
    damage = DamageFactory(facility=first)
    facilities.facility_refresh_status(facility_id=first.pk)
    facilities.damage_update(instance=damage, updated_by=analyst, facility=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.OPERATIONAL, Status.DAMAGED)


def test_a_facility_in_use_cannot_be_deleted_and_says_why(reviewer):
    damage = DamageFactory()
    with pytest.raises(ValidationError, match="cannot be deleted while other records refer"):
        facilities.facility_delete(instance=damage.facility, user=reviewer)
    assert Facility.objects.filter(pk=damage.facility_id).exists()


def test_a_facility_region_is_filled_from_its_location(analyst, oblasts):
    facility = facilities.facility_create(
        created_by=analyst, name="Darnytsia heating plant", kind="heating", location=DARNYTSIA
    )
    assert facility.region.code == "UA-30"


def test_a_facility_outside_its_chosen_region_is_rejected_with_the_right_region(analyst, oblasts):
    with pytest.raises(ValidationError) as excinfo:
        facilities.facility_create(
            created_by=analyst,
            name="Kharkiv CHP-5",
            kind="chp",
            location=KHARKIV,
            region=oblasts["UA-30"],
        )
    message = excinfo.value.message_dict["location"][0]
    assert "Kharkiv Oblast (UA-63)" in message
    assert not Facility.objects.exists()


def test_a_point_just_across_a_border_is_accepted_within_the_tolerance(analyst, oblasts):
    # About 1 km east of Kyiv city's boundary near Darnytsia, inside Kyiv Oblast.
    point = Point(30.835, 50.43, srid=4326)
    inside = selectors.region_containing(point)
    other = oblasts["UA-30"] if inside.code == "UA-32" else oblasts["UA-32"]
    distance = selectors.region_distance_m(other, point)
    assert 0 < distance < 5000
    facility = facilities.facility_create(
        created_by=analyst, name="Boiler house", kind="heating", location=point, region=other
    )
    assert facility.region == other


def test_current_outages_are_the_latest_figures_not_a_sum():
    kyiv = RegionFactory()
    OutageReportFactory(region=kyiv, count=1100, as_of=datetime(2026, 2, 4, 9, tzinfo=UTC))
    OutageReportFactory(region=kyiv, count=600, as_of=datetime(2026, 2, 5, 9, tzinfo=UTC))
    OutageReportFactory(
        region=kyiv, count=300_000, unit="people", as_of=datetime(2026, 2, 4, 9, tzinfo=UTC)
    )
    current = {(o.service, o.unit): o.count for o in selectors.current_outages()}
    assert current == {("heating", "buildings"): 600, ("heating", "people"): 300_000}
    assert OutageReport.objects.count() == 3


# Lviv, far in the west; Darnytsia is in Kyiv city, about 470 km east.
LVIV = Point(24.0316, 49.8429, srid=4326)


def strike(analyst, **fields) -> Attack:
    """An attack on the night of February 4, filed by the analyst."""
    return attacks.attack_create(
        created_by=analyst, started_at=datetime(2026, 2, 4, 3, tzinfo=UTC), **fields
    )


def test_an_attack_point_outside_its_regions_is_refused_naming_the_region_it_lies_in(
    analyst, oblasts
):
    with pytest.raises(ValidationError) as excinfo:
        strike(
            analyst,
            summary="Strike on Darnytsia",
            impact_location=DARNYTSIA,
            regions=[oblasts["UA-46"]],
        )
    message = excinfo.value.message_dict["impact_location"][0]
    assert message.startswith("The impact point lies in Kyiv (UA-30), ")
    assert "km from Lviv Oblast (UA-46)" in message
    assert not Attack.objects.exists()


def test_an_attack_point_in_any_of_its_regions_is_accepted(analyst, oblasts):
    attack = strike(
        analyst,
        summary="Strikes on Lviv and Kyiv",
        impact_location=LVIV,
        regions=[oblasts["UA-30"], oblasts["UA-46"]],
    )
    assert set(attack.regions.values_list("code", flat=True)) == {"UA-30", "UA-46"}


def test_an_attack_without_regions_gets_them_from_its_point(analyst, oblasts):
    attack = strike(
        analyst,
        summary="Strike on Darnytsia",
        impact_location=DARNYTSIA,
    )
    assert list(attack.regions.values_list("code", flat=True)) == ["UA-30"]


def test_moving_an_attack_point_out_of_its_stored_regions_is_refused(analyst, oblasts):
    attack = strike(
        analyst,
        summary="Strike on Darnytsia",
        impact_location=DARNYTSIA,
    )
    with pytest.raises(ValidationError) as excinfo:
        attacks.attack_update(instance=attack, updated_by=analyst, impact_location=LVIV)
    assert excinfo.value.message_dict["impact_location"][0].startswith(
        "The impact point lies in Lviv Oblast (UA-46), "
    )


def test_fewer_reported_regions_than_linked_ones_is_refused_by_the_service(analyst):
    kyiv, kharkiv = RegionFactory(), RegionFactory(code="UA-63", name_en="Kharkiv")
    with pytest.raises(ValidationError) as excinfo:
        strike(
            analyst,
            summary="Strikes on Kyiv and Kharkiv",
            regions=[kyiv, kharkiv],
            reported_region_count=1,
        )
    assert excinfo.value.message_dict["reported_region_count"] == [
        "2 regions are linked, more than the reported 1. Raise the count or leave it empty."
    ]
    assert not Attack.objects.exists()
