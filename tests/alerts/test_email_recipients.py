"""Alert e-mails go only to registered users and to the allowed domains."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError

from alerts.models import AlertRule, Delivery
from incidents.models import Damage, Facility
from incidents.services import facilities
from tests.factories import AttackFactory


def _rule(**fields) -> AlertRule:
    return AlertRule(name="Any verified attack", kind=AlertRule.Kind.ATTACK_VERIFIED, **fields)


def _refusal(rule: AlertRule) -> str:
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    return " ".join(refused.value.message_dict["emails"])


def test_a_registered_users_address_is_accepted_whatever_its_case(duty_officer):
    _rule(emails=["Iryna.Duty@Example.ORG"]).full_clean()


def test_addresses_of_no_registered_user_are_refused_each_by_name(duty_officer, settings):
    settings.ALERTS_EMAIL_DOMAINS = []
    rule = _rule(emails=["tips@newsdesk.example", "iryna.duty@example.org", "anyone@mail.example"])

    assert _refusal(rule) == (
        "Alerts go only to addresses of registered users. "
        "Not allowed: tips@newsdesk.example, anyone@mail.example."
    )


def test_addresses_in_an_allowed_domain_are_accepted_and_only_that_domain(db, settings):
    settings.ALERTS_EMAIL_DOMAINS = ["ministry.example"]
    _rule(emails=["situation.room@Ministry.Example"]).full_clean()

    lookalikes = [
        "desk@ministry.example.net",
        "desk@fake-ministry.example",
        "desk@sub.ministry.example",
    ]
    assert _refusal(_rule(emails=lookalikes)).endswith(f"Not allowed: {', '.join(lookalikes)}.")


def test_a_deactivated_users_address_is_refused(duty_officer):
    duty_officer.is_active = False
    duty_officer.save()
    assert "Not allowed: iryna.duty@example.org." in _refusal(
        _rule(emails=["iryna.duty@example.org"])
    )


@pytest.mark.usefixtures("eager_tasks")
def test_a_rule_saved_before_the_check_does_not_mail_an_outside_address(
    analyst, duty_officer, darnytsia_chp, django_capture_on_commit_callbacks, settings
):
    settings.ALERTS_EMAIL_DOMAINS = ["ministry.example"]
    # Saved without validation, as rules written before the check were.
    rule = AlertRule.objects.create(
        name="Heating plants hit",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.CHP],
        emails=["tips@newsdesk.example", "iryna.duty@example.org", "desk@ministry.example"],
    )
    departed = User.objects.create_user(username="left", email="left@example.org", is_active=False)
    rule.emails.append(departed.email)
    rule.save()

    with django_capture_on_commit_callbacks(execute=True):
        facilities.damage_create(
            created_by=analyst,
            attack=AttackFactory(),
            facility=darnytsia_chp,
            severity=Damage.Severity.SEVERE,
        )

    assert sorted(Delivery.objects.values_list("email", flat=True)) == [
        "desk@ministry.example",
        "iryna.duty@example.org",
    ]
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "desk@ministry.example",
        "iryna.duty@example.org",
    ]
