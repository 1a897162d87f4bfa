"""Every rule holds twice: full_clean gives a field message, the database refuses the row."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import Attack, Damage, OutageReport, Region, Source, WeaponUse
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

pytestmark = pytest.mark.django_db


def refused_by_database(queryset, **values) -> bool:
    """Bypass model validation and ask PostgreSQL directly."""
    try:
        with transaction.atomic():
            queryset.update(**values)
    except IntegrityError:
        return True
    return False


def field_errors(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


def test_it_rejects_more_intercepted_than_launched():
    weapon = WeaponUseFactory.build(attack=AttackFactory(), launched=5, intercepted=6)
    assert "More weapons intercepted than launched (6 > 5)." in field_errors(weapon)["intercepted"]
    saved = WeaponUseFactory(launched=5, intercepted=5)
    assert refused_by_database(WeaponUse.objects.filter(pk=saved.pk), intercepted=6)


def test_it_accepts_interceptions_when_the_launch_count_is_unknown():
    weapon = WeaponUseFactory(launched=None, intercepted=12)
    weapon.full_clean()


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (WeaponUseFactory, "launched"),
        (WeaponUseFactory, "intercepted"),
        (OutageReportFactory, "count"),
        (AttackFactory, "killed"),
        (AttackFactory, "injured"),
        (ResponseMeasureFactory, "quantity"),
    ],
)
def test_it_rejects_negative_counts(factory, field):
    instance = factory()
    setattr(instance, field, -1)
    assert field in field_errors(instance)
    assert refused_by_database(type(instance).objects.filter(pk=instance.pk), **{field: -1})


def test_it_rejects_an_attack_that_ends_before_it_starts():
    attack = AttackFactory()
    attack.ended_at = attack.started_at - timedelta(hours=1)
    assert field_errors(attack)["ended_at"] == ["The end is before the start."]
    assert refused_by_database(
        Attack.objects.filter(pk=attack.pk), ended_at=attack.started_at - timedelta(hours=1)
    )


def test_it_rejects_a_response_that_ends_before_it_starts():
    start = datetime(2026, 2, 4, 8, tzinfo=UTC)
    response = ResponseMeasureFactory(started_at=start)
    response.ended_at = start - timedelta(days=1)
    assert "ended_at" in field_errors(response)


def test_it_rejects_a_response_linked_to_nothing():
    response = ResponseMeasureFactory.build(region=None, attack=None)
    assert "region" in field_errors(response)


def test_it_rejects_an_outage_figure_dated_in_the_future():
    outage = OutageReportFactory.build(
        region=RegionFactory(), as_of=timezone.now() + timedelta(days=1)
    )
    assert field_errors(outage)["as_of"] == ["This time is in the future."]


@pytest.mark.parametrize(("field", "value"), [("reliability", "G"), ("credibility", "7")])
def test_it_rejects_a_grade_outside_the_admiralty_code(field, value):
    source = SourceFactory()
    setattr(source, field, value)
    assert field in field_errors(source)
    assert refused_by_database(Source.objects.filter(pk=source.pk), **{field: value})


def test_a_source_shows_its_grade_as_letter_and_digit():
    assert SourceFactory(reliability="B", credibility="2").grade == "B2"


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (Point(200, 50, srid=4326), "Longitude 200"),
        (Point(30.5, 95, srid=4326), "Did you swap longitude and latitude?"),
    ],
)
def test_it_rejects_coordinates_outside_wgs84(point, message):
    facility = FacilityFactory.build(location=point)
    assert message in field_errors(facility)["location"][0]


def test_it_allows_one_damage_record_per_attack_and_facility():
    damage = DamageFactory()
    duplicate = Damage(attack=damage.attack, facility=damage.facility, severity="minor")
    assert "edit it instead" in str(field_errors(duplicate))
    with pytest.raises(IntegrityError), transaction.atomic():
        Damage.objects.create(attack=damage.attack, facility=damage.facility, severity="minor")


def test_region_codes_are_unique():
    RegionFactory(code="UA-30")
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="UA-30", name_en="Kyiv again")


def test_external_ids_are_unique_per_source_but_blank_ids_may_repeat():
    first = AttackFactory(external_source="acled", external_id="UKR1")
    AttackFactory(external_source="", external_id="")
    AttackFactory(external_source="", external_id="")
    # Past the service's checks, straight to the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        Attack.objects.create(
            started_at=first.started_at,
            summary=first.summary,
            external_source="acled",
            external_id="UKR1",
        )
    AttackFactory(external_source="other", external_id="UKR1")


def test_a_restoration_time_needs_the_status_restored():
    damage = DamageFactory()
    damage.restored_at = datetime(2026, 2, 10, tzinfo=UTC)
    assert "restored_at" in field_errors(damage)
    assert refused_by_database(
        Damage.objects.filter(pk=damage.pk), restored_at=datetime(2026, 2, 10, tzinfo=UTC)
    )


def test_it_rejects_an_implausible_temperature():
    attack = AttackFactory()
    attack.ambient_temperature_c = -120
    assert "ambient_temperature_c" in field_errors(attack)
    assert refused_by_database(Attack.objects.filter(pk=attack.pk), ambient_temperature_c=-120)


def test_outage_counts_keep_how_the_report_worded_them():
    outage = OutageReportFactory(count=1100, count_qualifier=OutageReport.Qualifier.AT_LEAST)
    assert outage.get_count_qualifier_display() == "Over / at least"
