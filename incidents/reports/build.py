"""The report of a period: one function reads everything a report says."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.models import (
    Attack,
    Damage,
    OutageReport,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)


@dataclass(frozen=True)
class Period:
    """Whole days in Kyiv time, `first` to `last` inclusive, optionally a few regions."""

    first: date
    last: date
    regions: tuple[Region, ...] = ()

    @property
    def is_day(self) -> bool:
        return self.first == self.last and not self.regions

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    @property
    def region_codes(self) -> tuple[str, ...]:
        return tuple(region.code for region in self.regions)


@dataclass(frozen=True)
class WeaponLine:
    """Weapons of one type over the period's attacks; None where no number is known."""

    weapon_type: str
    label: str
    models: tuple[str, ...]
    launched: int | None
    intercepted: int | None
    attacks: int


@dataclass(frozen=True)
class OutageLine:
    """The latest figure of one series (region, service, unit) in the period, and the one before."""

    latest: OutageReport
    previous_count: int | None
    previous_as_of: datetime | None

    @property
    def change(self) -> int | None:
        if self.previous_count is None:
            return None
        return self.latest.count - self.previous_count


@dataclass(frozen=True)
class Report:
    period: Period
    attacks: list[Attack]
    weapons: list[WeaponLine]
    regions: list[Region]
    reported_region_count: int | None
    coldest: Attack | None
    damages: list[Damage]
    outages: list[OutageLine]
    responses: list[ResponseMeasure]
    sources: list[Source] = field(default_factory=list)

    @property
    def statements(self) -> list[Source]:
        """What officials said: sources with a speaker and their words."""
        return [source for source in self.sources if source.speaker and source.quote]

    @property
    def temperature_c(self) -> Decimal | None:
        return self.coldest.ambient_temperature_c if self.coldest else None

    @property
    def is_empty(self) -> bool:
        return not (self.attacks or self.damages or self.outages or self.responses)

    @property
    def regions_unnamed(self) -> int:
        """How many more regions the sources count than they name."""
        if self.reported_region_count is None:
            return 0
        return max(self.reported_region_count - len(self.regions), 0)


def _in_regions(codes: tuple[str, ...]) -> Q:
    """Attacks filed under one of the regions."""
    through = Attack.regions.through
    return Q(Exists(through.objects.filter(attack_id=OuterRef("pk"), region__code__in=codes)))


def _sources() -> Prefetch:
    return Prefetch("sources", queryset=Source.objects.order_by("published_at", "id"))


def _attacks(period: Period) -> list[Attack]:
    queryset = Attack.objects.filter(
        started_at__gte=period.starts_at, started_at__lt=period.ends_at
    )
    if period.regions:
        queryset = queryset.filter(_in_regions(period.region_codes))
    return list(
        queryset.prefetch_related(
            Prefetch(
                "regions",
                # name_uk too: the page names a region in the reader's language.
                queryset=Region.objects.only("code", "name_en", "name_uk").order_by("name_en"),
            ),
            Prefetch("weapons", queryset=WeaponUse.objects.order_by("weapon_type", "model")),
            _sources(),
        ).order_by("started_at", "id")
    )


def _weapons(attacks: Iterable[Attack]) -> list[WeaponLine]:
    totals: dict[str, dict] = {}
    for attack in attacks:
        for weapon in attack.weapons.all():
            line = totals.setdefault(
                weapon.weapon_type,
                {"models": [], "launched": None, "intercepted": None, "attacks": set()},
            )
            if weapon.model and weapon.model not in line["models"]:
                line["models"].append(weapon.model)
            for figure in ("launched", "intercepted"):
                value = getattr(weapon, figure)
                if value is not None:
                    line[figure] = (line[figure] or 0) + value
            line["attacks"].add(attack.pk)
    labels = dict(WeaponUse.WeaponType.choices)
    order = list(labels)
    return [
        WeaponLine(
            weapon_type=kind,
            label=str(labels[kind]),
            models=tuple(line["models"]),
            launched=line["launched"],
            intercepted=line["intercepted"],
            attacks=len(line["attacks"]),
        )
        for kind, line in sorted(totals.items(), key=lambda item: order.index(item[0]))
    ]


def _damages(period: Period, attack_ids: list[int]) -> list[Damage]:
    queryset = Damage.objects.filter(attack_id__in=attack_ids)
    if period.regions:
        queryset = queryset.filter(facility__region__code__in=period.region_codes)
    return list(
        queryset.select_related("facility__region", "attack")
        .prefetch_related(_sources())
        .order_by("attack__started_at", "facility__name", "id")
    )


def _outages(period: Period) -> list[OutageLine]:
    """Per series, the latest figure of the period, with the series' figure before it."""
    queryset = OutageReport.objects.filter(as_of__gte=period.starts_at, as_of__lt=period.ends_at)
    if period.regions:
        queryset = queryset.filter(region__code__in=period.region_codes)
    earlier = OutageReport.objects.filter(
        region_id=OuterRef("region_id"), service=OuterRef("service"), unit=OuterRef("unit")
    ).filter(Q(as_of__lt=OuterRef("as_of")) | Q(as_of=OuterRef("as_of"), id__lt=OuterRef("id")))
    earlier = earlier.order_by("-as_of", "-id")
    latest = (
        queryset.annotate(
            previous_count=Subquery(earlier.values("count")[:1]),
            previous_as_of=Subquery(earlier.values("as_of")[:1]),
        )
        .select_related("region", "attack")
        .prefetch_related(_sources())
        .order_by("region_id", "service", "unit", "-as_of", "-id")
        .distinct("region_id", "service", "unit")
    )
    lines = [
        OutageLine(
            latest=report,
            previous_count=report.previous_count,
            previous_as_of=report.previous_as_of,
        )
        for report in latest
    ]
    services = list(OutageReport.Service.values)
    lines.sort(
        key=lambda line: (
            services.index(line.latest.service),
            -line.latest.count,
            line.latest.region.name_en,
        )
    )
    return lines


def _responses(period: Period, attack_ids: list[int]) -> list[ResponseMeasure]:
    """Measures taken about the period's attacks, or started in the period (in its regions)."""
    started = Q(started_at__gte=period.starts_at, started_at__lt=period.ends_at)
    queryset = ResponseMeasure.objects.filter(Q(attack_id__in=attack_ids) | started)
    if period.regions:
        queryset = queryset.filter(
            Q(region__code__in=period.region_codes)
            | Q(region__isnull=True, attack_id__in=attack_ids)
        )
    kinds = list(ResponseMeasure.Kind.values)
    measures = list(
        queryset.select_related("region", "attack")
        .prefetch_related(_sources())
        .order_by("started_at", "id")
    )
    measures.sort(key=lambda measure: kinds.index(measure.kind))
    return measures


def _cited(*groups: Iterable) -> list[Source]:
    """Every source the records cite, once each, oldest first."""
    found: dict[int, Source] = {}
    for group in groups:
        for record in group:
            for source in record.sources.all():
                found.setdefault(source.pk, source)
    return sorted(
        found.values(),
        key=lambda source: (source.published_at or datetime.max.replace(tzinfo=UTC), source.pk),
    )


def build_report(period: Period) -> Report:
    """Everything the report of `period` says, read as the current audience may read it."""
    attacks = _attacks(period)
    attack_ids = [attack.pk for attack in attacks]
    damages = _damages(period, attack_ids)
    outages = _outages(period)
    responses = _responses(period, attack_ids)
    regions: dict[str, Region] = {}
    for attack in attacks:
        for region in attack.regions.all():
            regions.setdefault(region.code, region)
    reported = [attack.reported_region_count for attack in attacks if attack.reported_region_count]
    with_temperature = [a for a in attacks if a.ambient_temperature_c is not None]
    return Report(
        period=period,
        attacks=attacks,
        weapons=_weapons(attacks),
        regions=sorted(regions.values(), key=lambda region: region.name_en),
        reported_region_count=max(reported) if reported else None,
        coldest=min(with_temperature, key=lambda a: a.ambient_temperature_c, default=None),
        damages=damages,
        outages=outages,
        responses=responses,
        sources=_cited(attacks, damages, [line.latest for line in outages], responses),
    )


def days_with_data(*, limit: int) -> list[date]:
    """The most recent Kyiv days on which an attack started or an outage figure was given."""
    tz = timezone.get_default_timezone()

    def days(queryset: QuerySet, column: str) -> QuerySet:
        return (
            queryset.annotate(day=TruncDate(column, tzinfo=tz))
            .order_by("-day")
            .values_list("day", flat=True)
            .distinct()[:limit]
        )

    found = {*days(Attack.objects.all(), "started_at"), *days(OutageReport.objects.all(), "as_of")}
    return sorted(found, reverse=True)[:limit]
