from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from alerts.models import AlertRule, Delivery, Notification
from incidents.models import Attack, Damage, Facility, OutageReport
from incidents.services import attacks, facilities, outages
from tests.factories import AttackFactory

pytestmark = pytest.mark.usefixtures("eager_tasks")

FEB_4 = datetime(2026, 2, 4, 3, 0, tzinfo=UTC)


def _damage(analyst, attack, facility, severity=Damage.Severity.SEVERE):
    return facilities.damage_create(
        created_by=analyst, attack=attack, facility=facility, severity=severity
    )


def test_damage_to_a_facility_of_a_watched_kind_notifies_the_rule_recipients(
    analyst, darnytsia_chp, make_rule, django_capture_on_commit_callbacks, settings
):
    settings.ALERTS_EMAIL_DOMAINS = ["example.org"]
    rule = make_rule(
        name="Heating plants hit",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.CHP, Facility.Kind.HEATING],
        emails=["desk@example.org"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        damage = _damage(analyst, AttackFactory(), darnytsia_chp)

    notification = Notification.objects.get()
    assert notification.rule == rule
    assert notification.content_object == damage
    assert notification.payload["facility"]["name"] == "Darnytsia heating plant"
    assert notification.payload["facility"]["region"] == "UA-30"
    assert sorted(mail.outbox[0].to + mail.outbox[1].to) == [
        "desk@example.org",
        "iryna.duty@example.org",
    ]
    assert "Severe damage to Darnytsia heating plant" in mail.outbox[0].subject
    assert "Darnytsia heating plant" in mail.outbox[0].body
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_damage_to_a_facility_of_another_kind_or_region_notifies_no_one(
    analyst, darnytsia_chp, kharkiv_substation, kyiv, make_rule, django_capture_on_commit_callbacks
):
    make_rule(
        name="Heating plants hit",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.CHP],
    )
    make_rule(
        name="Kyiv substations",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.SUBSTATION],
        region=kyiv,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _damage(analyst, AttackFactory(), kharkiv_substation)
        _damage(analyst, AttackFactory(), darnytsia_chp, severity=Damage.Severity.NONE)

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_saving_the_same_damage_twice_notifies_once(
    analyst, darnytsia_chp, make_rule, django_capture_on_commit_callbacks
):
    make_rule(
        name="Heating plants hit",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.CHP],
    )
    with django_capture_on_commit_callbacks(execute=True):
        damage = _damage(analyst, AttackFactory(), darnytsia_chp)
    with django_capture_on_commit_callbacks(execute=True):
        facilities.damage_update(
            instance=damage, updated_by=analyst, description="Turbine hall destroyed."
        )

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_facility_hit_again_within_the_window_notifies_with_the_earlier_hit(
    analyst, darnytsia_chp, make_rule, django_capture_on_commit_callbacks
):
    rule = make_rule(name="Repeat strikes", kind=AlertRule.Kind.HIT_AGAIN, days=30)
    first = _damage(analyst, AttackFactory(started_at=FEB_4 - timedelta(days=40)), darnytsia_chp)
    second = _damage(analyst, AttackFactory(started_at=FEB_4 - timedelta(days=12)), darnytsia_chp)
    with django_capture_on_commit_callbacks(execute=True):
        third = _damage(analyst, AttackFactory(started_at=FEB_4), darnytsia_chp)

    notification = Notification.objects.get(rule=rule)
    assert notification.object_id == third.pk
    assert notification.event_key == "hit-again"
    assert [hit["damage_id"] for hit in notification.payload["earlier_hits"]] == [second.pk]
    assert first.pk not in [hit["damage_id"] for hit in notification.payload["earlier_hits"]]
    assert "hit again within 30 days" in mail.outbox[0].subject


def test_a_first_hit_or_one_outside_the_window_is_not_a_repeat(
    analyst, darnytsia_chp, make_rule, django_capture_on_commit_callbacks
):
    make_rule(name="Repeat strikes", kind=AlertRule.Kind.HIT_AGAIN, days=7)
    with django_capture_on_commit_callbacks(execute=True):
        _damage(analyst, AttackFactory(started_at=FEB_4 - timedelta(days=8)), darnytsia_chp)
        _damage(analyst, AttackFactory(started_at=FEB_4), darnytsia_chp)

    assert Notification.objects.count() == 0


def test_an_outage_figure_above_the_threshold_in_the_region_notifies(
    analyst, kyiv, kharkiv, make_rule, django_capture_on_commit_callbacks
):
    rule = make_rule(
        name="Kyiv heating over 1,000 buildings",
        kind=AlertRule.Kind.OUTAGE_ABOVE,
        region=kyiv,
        service=OutageReport.Service.HEATING,
        threshold=1000,
    )
    with django_capture_on_commit_callbacks(execute=True):
        below = outages.outage_report_create(
            created_by=analyst,
            region=kyiv,
            service=OutageReport.Service.HEATING,
            unit=OutageReport.Unit.BUILDINGS,
            count=900,
            as_of=FEB_4,
        )
        above = outages.outage_report_create(
            created_by=analyst,
            region=kyiv,
            service=OutageReport.Service.HEATING,
            unit=OutageReport.Unit.BUILDINGS,
            count=1100,
            as_of=FEB_4 + timedelta(hours=6),
        )
        outages.outage_report_create(
            created_by=analyst,
            region=kharkiv,
            service=OutageReport.Service.HEATING,
            unit=OutageReport.Unit.CUSTOMERS,
            count=110_000,
            as_of=FEB_4,
        )
        outages.outage_report_create(
            created_by=analyst,
            region=kyiv,
            service=OutageReport.Service.ELECTRICITY,
            unit=OutageReport.Unit.CUSTOMERS,
            count=50_000,
            as_of=FEB_4,
        )

    notification = Notification.objects.get()
    assert notification.rule == rule
    assert notification.object_id == above.pk != below.pk
    assert notification.payload["outage"]["count"] == 1100
    assert "1,100 buildings without heating" in mail.outbox[0].subject


def test_an_old_figure_loaded_after_a_newer_one_does_not_notify(
    analyst, kyiv, make_rule, django_capture_on_commit_callbacks
):
    make_rule(name="Kyiv outages", kind=AlertRule.Kind.OUTAGE_ABOVE, region=kyiv, threshold=10)
    outages.outage_report_create(
        created_by=analyst,
        region=kyiv,
        service=OutageReport.Service.HEATING,
        unit=OutageReport.Unit.BUILDINGS,
        count=0,
        as_of=FEB_4 + timedelta(days=3),
    )
    with django_capture_on_commit_callbacks(execute=True):
        outages.outage_report_create(
            created_by=analyst,
            region=kyiv,
            service=OutageReport.Service.HEATING,
            unit=OutageReport.Unit.BUILDINGS,
            count=1100,
            as_of=FEB_4,
        )

    assert Notification.objects.count() == 0


def test_an_attack_becoming_verified_notifies_once(
    analyst, reviewer, kyiv, kharkiv, make_rule, django_capture_on_commit_callbacks
):
    rule = make_rule(name="Verified in Kyiv", kind=AlertRule.Kind.ATTACK_VERIFIED, region=kyiv)
    make_rule(name="Verified in Kharkiv", kind=AlertRule.Kind.ATTACK_VERIFIED, region=kharkiv)
    with django_capture_on_commit_callbacks(execute=True):
        attack = attacks.attack_create(
            created_by=analyst, started_at=FEB_4, summary="Strike on Kyiv CHP", regions=[kyiv]
        )
    assert Notification.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        attacks.attack_update(
            instance=attack,
            updated_by=reviewer,
            verification_status=Attack.Verification.VERIFIED,
        )
    with django_capture_on_commit_callbacks(execute=True) as later_edits:
        attacks.attack_update(instance=attack, updated_by=reviewer, killed=1)

    notification = Notification.objects.get()
    assert notification.rule == rule
    assert notification.event_key == "verified"
    assert notification.payload["attack"]["regions"] == ["UA-30"]
    assert later_edits == []  # An edit of a verified attack is not news.
    assert len(mail.outbox) == 1


def test_an_inactive_rule_is_not_matched(
    analyst, darnytsia_chp, make_rule, django_capture_on_commit_callbacks
):
    make_rule(
        name="Paused",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.CHP],
        active=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _damage(analyst, AttackFactory(), darnytsia_chp)

    assert Notification.objects.count() == 0


class Rollback(Exception):
    pass


def test_a_rolled_back_write_queues_nothing_and_sends_nothing(
    analyst, darnytsia_chp, make_rule, django_capture_on_commit_callbacks
):
    make_rule(
        name="Heating plants hit",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.CHP],
    )
    attack = AttackFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        _damage(analyst, attack, darnytsia_chp)
        raise Rollback

    assert callbacks == []
    assert not Damage.objects.exists()
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_rule_needs_the_parameters_of_its_kind(kyiv):
    rule = AlertRule(name="Outages", kind=AlertRule.Kind.OUTAGE_ABOVE)
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert set(excinfo.value.message_dict) == {"region", "threshold"}

    damage_rule = AlertRule(name="Plants", kind=AlertRule.Kind.FACILITY_DAMAGED)
    with pytest.raises(ValidationError) as excinfo:
        damage_rule.full_clean()
    assert "facility_kinds" in excinfo.value.message_dict


def test_without_a_rule_that_could_match_a_write_queues_nothing(
    analyst, darnytsia_chp, make_rule, django_capture_on_commit_callbacks
):
    make_rule(name="Verified attacks", kind=AlertRule.Kind.ATTACK_VERIFIED)
    with django_capture_on_commit_callbacks() as callbacks:
        _damage(analyst, AttackFactory(), darnytsia_chp)

    assert callbacks == []
