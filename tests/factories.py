"""Factories with fixed, meaningful defaults: a Kyiv heating plant, not random noise.

They create through the write services, as the admin and the API do, so a test
only ever starts from a state the site itself can reach.
"""

from datetime import UTC, datetime
from typing import Any

import factory
from django.contrib.gis.geos import Point
from django.db import models

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
from incidents.services import attacks, facilities, outages, regions, sources
from incidents.services.base import User, Writes, assign

WRITES: dict[type[models.Model], Writes] = {
    Region: regions.REGION_WRITES,
    Source: sources.SOURCE_WRITES,
    Facility: facilities.FACILITY_WRITES,
    Attack: attacks.ATTACK_WRITES,
    WeaponUse: attacks.WEAPON_USE_WRITES,
    Damage: facilities.DAMAGE_WRITES,
    OutageReport: outages.OUTAGE_REPORT_WRITES,
    ResponseMeasure: outages.RESPONSE_MEASURE_WRITES,
}


def update(instance: models.Model, *, user: User, **changes: Any) -> models.Model:
    """Change a row of any model through its service (for tests that cover every model)."""
    return WRITES[type(instance)].save(assign(instance, changes), user=user)


def delete(instance: models.Model, *, user: User) -> None:
    WRITES[type(instance)].delete(instance=instance, user=user)


class ServiceFactory(factory.django.DjangoModelFactory):
    """Saves through the model's service, by no one (as a command or an import would)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> models.Model:
        return WRITES[model_class].save(model_class(*args, **kwargs), user=None)


# Darnytsia district, on the left bank of the Dnipro in Kyiv.
DARNYTSIA = Point(30.6400, 50.4460, srid=4326)
KHARKIV = Point(36.2304, 49.9935, srid=4326)


class RegionFactory(ServiceFactory):
    class Meta:
        model = Region

    @classmethod
    def _create(cls, model_class: type[Region], *args: Any, **kwargs: Any) -> Region:
        # One region per code: asking again for a code gives the stored region.
        stored = Region.objects.filter(code=kwargs["code"]).first()
        return stored or super()._create(model_class, *args, **kwargs)

    code = "UA-30"
    # Names are unique: another code made without a name gets one of its own.
    name_en = factory.LazyAttribute(
        lambda region: "Kyiv" if region.code == "UA-30" else f"Region {region.code}"
    )
    # Likewise another region made without one gets no Ukrainian name.
    name_uk = factory.LazyAttribute(lambda region: "Київ" if region.code == "UA-30" else "")
    kind = Region.Kind.CITY


class SourceFactory(ServiceFactory):
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


class FacilityFactory(ServiceFactory):
    class Meta:
        model = Facility

    name = "Darnytsia heating plant"
    kind = Facility.Kind.CHP
    location = DARNYTSIA
    locality = "Kyiv, Darnytsia district"
    use = Facility.Use.CIVILIAN


class AttackFactory(ServiceFactory):
    class Meta:
        model = Attack

    started_at = datetime(2026, 2, 4, 3, 0, tzinfo=UTC)
    time_precision = Attack.TimePrecision.PART_OF_DAY
    summary = "Missile and drone strike on energy facilities"
    ambient_temperature_c = -25


class WeaponUseFactory(ServiceFactory):
    class Meta:
        model = WeaponUse

    attack = factory.SubFactory(AttackFactory)
    weapon_type = WeaponUse.WeaponType.CRUISE
    model = "Kh-101"
    launched = 10
    intercepted = 8


class DamageFactory(ServiceFactory):
    class Meta:
        model = Damage

    attack = factory.SubFactory(AttackFactory)
    facility = factory.SubFactory(FacilityFactory)
    severity = Damage.Severity.SEVERE


class OutageReportFactory(ServiceFactory):
    class Meta:
        model = OutageReport

    region = factory.SubFactory(RegionFactory)
    service = OutageReport.Service.HEATING
    unit = OutageReport.Unit.BUILDINGS
    count = 1100
    count_qualifier = OutageReport.Qualifier.AT_LEAST
    as_of = datetime(2026, 2, 4, 12, 0, tzinfo=UTC)


class ResponseMeasureFactory(ServiceFactory):
    class Meta:
        model = ResponseMeasure

    kind = ResponseMeasure.Kind.GENERATORS
    region = factory.SubFactory(RegionFactory)
    description = "Mobile generators sent to critical sites"
