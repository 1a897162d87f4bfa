from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail

from alerts import services
from alerts.models import DigestSubscription, Flag
from incidents.models import Attack, Damage, OutageReport
from tests.factories import AttackFactory, DamageFactory, OutageReportFactory

NOW = datetime(2026, 2, 6, 6, 0, tzinfo=UTC)


def _outage(region, *, count, hours_ago, service=OutageReport.Service.HEATING):
    return OutageReportFactory(
        region=region, service=service, count=count, as_of=NOW - timedelta(hours=hours_ago)
    )


def test_an_open_outage_without_a_new_figure_for_a_day_is_flagged_once_per_day(kyiv, kharkiv):
    stale = _outage(kyiv, count=1100, hours_ago=30)
    _outage(kyiv, count=1500, hours_ago=50)  # An older figure of the same series.
    _outage(kharkiv, count=110_000, hours_ago=3)  # Fresh.
    _outage(kyiv, count=40, hours_ago=60, service=OutageReport.Service.WATER)
    _outage(kyiv, count=0, hours_ago=26, service=OutageReport.Service.WATER)  # Over.

    assert services.flag_stale_outages(now=NOW) == 1
    assert services.flag_stale_outages(now=NOW + timedelta(hours=1)) == 0
    flag = Flag.objects.get()
    assert flag.kind == Flag.Kind.STALE_OUTAGE
    assert flag.content_object == stale
    assert flag.region == kyiv
    assert flag.day == date(2026, 2, 6)
    assert "1,100 buildings" in flag.message
    assert "more than 24 hours old" in flag.message

    # The next day Kyiv's figure is still stale and Kharkiv's has gone stale too.
    assert services.flag_stale_outages(now=NOW + timedelta(days=1)) == 2
    assert Flag.objects.filter(object_id=stale.pk).count() == 2


def test_a_damage_past_its_expected_restoration_is_flagged_unless_restored(kyiv):
    overdue = DamageFactory(
        facility__region=kyiv,
        expected_restoration=date(2026, 2, 5),
        restoration_status=Damage.Restoration.IN_PROGRESS,
    )
    DamageFactory(
        facility__name="Kyiv CHP-5",
        expected_restoration=date(2026, 2, 5),
        restoration_status=Damage.Restoration.RESTORED,
    )
    DamageFactory(facility__name="Kyiv CHP-6", expected_restoration=date(2026, 2, 6))

    assert services.flag_overdue_restorations(now=NOW) == 1
    assert services.flag_overdue_restorations(now=NOW) == 0
    flag = Flag.objects.get()
    assert flag.kind == Flag.Kind.RESTORATION_OVERDUE
    assert flag.content_object == overdue
    assert flag.message == (
        "Darnytsia heating plant: restoration was expected by 2026-02-05 and is in progress."
    )


@pytest.fixture
def subscriber(db) -> User:
    user = User.objects.create_user(
        username="journalist", email="desk@example.org", password="correct horse battery"
    )
    DigestSubscription.objects.create(user=user)
    return user


def test_the_digest_sends_the_report_of_the_day_before(subscriber, kyiv, kharkiv):
    # NOW is 08:00 on February 6 in Kyiv: the digest carries the report of February 5.
    attack = AttackFactory(started_at=NOW - timedelta(hours=20), summary="Strike on Darnytsia CHP")
    attack.regions.set([kyiv])
    DamageFactory(attack=attack, facility__region=kyiv)
    AttackFactory(started_at=NOW - timedelta(days=2), summary="Older strike on Odesa")
    AttackFactory(started_at=NOW - timedelta(hours=1), summary="Strike this morning")
    _outage(kharkiv, count=110_000, hours_ago=18)
    _outage(kyiv, count=1100, hours_ago=12)
    DigestSubscription.objects.create(
        user=User.objects.create_user(username="paused", email="paused@example.org"),
        active=False,
    )

    due = services.digest_subscriptions_due(now=NOW)
    assert due == [subscriber.digest_subscription.pk]
    assert services.digest_send(subscription_id=due[0], now=NOW) is True

    message = mail.outbox[0]
    assert message.to == ["desk@example.org"]
    assert message.subject.endswith("Daily digest for 2026-02-06")
    body = message.body
    # The day's report in its markdown, as /reports/2026-02-05/?format=md words it.
    assert "the report for Feb. 5, 2026" in body
    assert "http://127.0.0.1:8000/reports/2026-02-05/" in body
    assert "# Attacks on civilian infrastructure: Feb. 5, 2026" in body
    assert f"[Strike on Darnytsia CHP](http://127.0.0.1:8000/attacks/{attack.pk}/)" in body
    assert "Older strike on Odesa" not in body
    assert "Strike this morning" not in body
    assert "[Darnytsia heating plant](http://127.0.0.1:8000/facilities/" in body
    assert "- over 110,000 buildings in Kharkiv Oblast without heating (" in body
    assert "- over 1,100 buildings in Kyiv without heating (" in body
    # And the same report as the HTML part.
    html, media = message.alternatives[0]
    assert media == "text/html"
    assert '<h2 id="r-outages">Outages</h2>' in html
    assert "110,000 buildings" in html
    assert f'href="http://127.0.0.1:8000/attacks/{attack.pk}/"' in html


def test_the_digest_is_sent_once_a_day(subscriber):
    subscription = subscriber.digest_subscription

    assert services.digest_send(subscription_id=subscription.pk, now=NOW) is True
    assert services.digest_send(subscription_id=subscription.pk, now=NOW) is False
    assert services.digest_subscriptions_due(now=NOW) == []
    assert "Nothing was recorded for this day" in mail.outbox[0].body
    assert len(mail.outbox) == 1

    assert services.digest_send(subscription_id=subscription.pk, now=NOW + timedelta(days=1))
    assert len(mail.outbox) == 2


def test_a_delivery_taken_by_one_worker_is_not_taken_by_another(db, kyiv):
    from alerts.models import AlertRule, Delivery, Notification

    rule = AlertRule.objects.create(name="Verified", kind=AlertRule.Kind.ATTACK_VERIFIED)
    attack = AttackFactory(verification_status=Attack.Verification.VERIFIED)
    notification = Notification.objects.create(
        rule=rule, content_object=attack, event_key="verified", payload={"title": "Verified"}
    )
    delivery = Delivery.objects.create(
        notification=notification, channel=Delivery.Channel.EMAIL, email="desk@example.org"
    )

    assert services.delivery_claim(delivery_id=delivery.pk) is not None
    assert services.delivery_claim(delivery_id=delivery.pk) is None
