"""Factories with fixed, meaningful defaults: a Kyiv heating plant, not random noise."""

from datetime import UTC, datetime

import factory
from django.contrib.gis.geos import Point

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

# Darnytsia district, on the left bank of the Dnipro in Kyiv.
DARNYTSIA = Point(30.6400, 50.4460, srid=4326)
KHARKIV = Point(36.2304, 49.9935, srid=4326)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "UA-30"
    name_en = "Kyiv"
    name_uk = "Київ"
    kind = Region.Kind.CITY


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    kind = Source.Kind.OFFICIAL_STATEMENT
    title = "Statement on the strike on the Darnytsia heating plant"
    publisher = "Telegram"
    speaker = "Denys Shmyhal"
    speaker_role = "Minister of Energy of Ukraine"
    published_at = datetime(2026, 2, 4, 7, 30, tzinfo=UTC)
    reliability = "B"
    credibility = "2"


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    name = "Darnytsia heating plant"
    kind = Facility.Kind.CHP
    location = DARNYTSIA
    locality = "Kyiv, Darnytsia district"
    use = Facility.Use.CIVILIAN


class AttackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attack

    started_at = datetime(2026, 2, 4, 3, 0, tzinfo=UTC)
    time_precision = Attack.TimePrecision.PART_OF_DAY
    summary = "Missile and drone strike on energy facilities"
    ambient_temperature_c = -25


class WeaponUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeaponUse

    attack = factory.SubFactory(AttackFactory)
    weapon_type = WeaponUse.WeaponType.CRUISE
    model = "Kh-101"
    launched = 10
    intercepted = 8


class DamageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Damage

    attack = factory.SubFactory(AttackFactory)
    facility = factory.SubFactory(FacilityFactory)
    severity = Damage.Severity.SEVERE


class OutageReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutageReport

    region = factory.SubFactory(RegionFactory)
    service = OutageReport.Service.HEATING
    unit = OutageReport.Unit.BUILDINGS
    count = 1100
    count_qualifier = OutageReport.Qualifier.AT_LEAST
    as_of = datetime(2026, 2, 4, 12, 0, tzinfo=UTC)


class ResponseMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponseMeasure

    kind = ResponseMeasure.Kind.GENERATORS
    region = factory.SubFactory(RegionFactory)
    description = "Mobile generators sent to critical sites"
