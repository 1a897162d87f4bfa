"""Illustrative facilities, attacks and outages for the map and the charts.

Deterministic (a fixed random seed) and clearly marked as made up. Attacks, outage
figures and measures take the publication states in turn, by their index, so the
review queue shows every state; one of the three sources is confidential.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.gis.geos import Point

from incidents.demo.writing import ILLUSTRATIVE, ILLUSTRATIVE_TAG, KYIV, Writer, kyiv_time, need
from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    PublicationState,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)

# Cities well inside their region (longitude, latitude), for illustrative points.
# Occupied Crimea, Sevastopol and Luhansk are left out on purpose.
CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("UA-30", "Kyiv", 30.523, 50.450),
    ("UA-32", "Bila Tserkva", 30.112, 49.795),
    ("UA-63", "Kharkiv", 36.230, 49.994),
    ("UA-12", "Dnipro", 35.046, 48.465),
    ("UA-14", "Kramatorsk", 37.556, 48.738),
    ("UA-51", "Odesa", 30.700, 46.470),
    ("UA-05", "Vinnytsia", 28.468, 49.233),
    ("UA-23", "Zaporizhzhia", 35.139, 47.838),
    ("UA-48", "Mykolaiv", 31.995, 46.975),
    ("UA-65", "Kherson", 32.617, 46.650),
    ("UA-59", "Sumy", 34.800, 50.907),
    ("UA-74", "Chernihiv", 31.289, 51.494),
    ("UA-53", "Poltava", 34.551, 49.589),
    ("UA-71", "Cherkasy", 32.059, 49.444),
    ("UA-35", "Kropyvnytskyi", 32.262, 48.508),
    ("UA-18", "Zhytomyr", 28.658, 50.254),
    ("UA-46", "Lviv", 24.030, 49.842),
    ("UA-26", "Ivano-Frankivsk", 24.711, 48.923),
    ("UA-56", "Rivne", 26.251, 50.620),
    ("UA-07", "Lutsk", 25.325, 50.747),
    ("UA-61", "Ternopil", 25.594, 49.553),
    ("UA-68", "Khmelnytskyi", 26.987, 49.422),
    ("UA-77", "Chernivtsi", 25.936, 48.292),
    ("UA-21", "Uzhhorod", 22.296, 48.621),
)
# Regions near the front line, where guided aerial bombs reach.
FRONTLINE = {"UA-63", "UA-14", "UA-23", "UA-65", "UA-59", "UA-12"}

F = Facility.Kind
FACILITY_KINDS: tuple[tuple[str, str], ...] = (
    (F.CHP, "CHP"),
    (F.SUBSTATION, "substation"),
    (F.HEATING, "boiler house"),
    (F.THERMAL, "thermal power plant"),
    (F.SUBSTATION, "330 kV substation"),
    (F.GAS, "gas compressor station"),
    (F.WATER, "water pumping station"),
    (F.HYDRO, "hydroelectric plant"),
    (F.SOLAR, "solar park"),
    (F.WIND, "wind farm"),
    (F.TRANSMISSION, "transmission line"),
)
W = WeaponUse.WeaponType
WEAPONS: tuple[tuple[str, tuple[str, ...], int, int], ...] = (
    # type, models, fewest and most launched in one wave
    (W.DRONE, ("Shahed-136", "Geran-2"), 20, 200),
    (W.CRUISE, ("Kh-101", "Kalibr", "Kh-555"), 2, 40),
    (W.BALLISTIC, ("Iskander-M", "KN-23"), 1, 12),
    (W.HYPERSONIC, ("Kinzhal", "Zircon"), 1, 6),
    (W.GUIDED_BOMB, ("KAB-500", "KAB-1500"), 1, 10),
)
# Midnight of October 1 in Kyiv, held in UTC: arithmetic on Kyiv wall-clock time
# would shift by an hour across daylight-saving changes and differ between runs.
PERIOD_START = kyiv_time(2025, 10, 1, 0, 0).astimezone(UTC)
PERIOD_DAYS = 142  # up to 2026-02-20
OUTAGE_REGIONS = ("UA-30", "UA-63", "UA-12", "UA-51", "UA-23", "UA-48", "UA-59", "UA-74")
SEED = 20260204
# The n-th illustrative attack, outage figure or measure takes STATES[n % 4].
STATES = (
    PublicationState.PUBLISHED,
    PublicationState.IN_REVIEW,
    PublicationState.DRAFT,
    PublicationState.WITHDRAWN,
)


def _state(index: int) -> str:
    return STATES[index % len(STATES)]


def _tagged(text: str) -> str:
    return f"{text} {ILLUSTRATIVE_TAG}"


def _point(rng: random.Random, lon: float, lat: float, spread: float) -> Point:
    return Point(
        round(lon + rng.uniform(-spread, spread), 5),
        round(lat + rng.uniform(-spread, spread), 5),
        srid=4326,
    )


def _temperature(rng: random.Random, when: datetime) -> Decimal:
    low, high = {10: (2, 15), 11: (-5, 8), 12: (-12, 3), 1: (-22, -2), 2: (-25, 0)}[when.month]
    return Decimal(rng.randint(low, high))


def _sources(writer: Writer) -> tuple[Source, Source, Source]:
    """A public statement, a news report and a confidential field report."""

    def source(external_id: str, **fields: object) -> Source:
        return writer.upsert(
            Source,
            lookup={"external_source": ILLUSTRATIVE, "external_id": external_id},
            fields={"published_at": PERIOD_START, "language": "uk", **fields},
        )

    statement = source(
        "source-statement",
        kind=Source.Kind.OFFICIAL_STATEMENT,
        title=_tagged("Regional military administration on overnight strikes"),
        publisher="Telegram",
        speaker="Head of the regional military administration",
        speaker_role="Regional military administration",
        quote=_tagged("Energy infrastructure was hit overnight; crews are at work."),
        reliability=Source.Reliability.B,
        credibility=Source.Credibility.PROBABLY_TRUE,
        confidential=False,
    )
    news = source(
        "source-news",
        kind=Source.Kind.NEWS_REPORT,
        title=_tagged("Strikes on energy facilities leave districts without power"),
        publisher="Regional news site",
        speaker="",
        speaker_role="",
        quote="",
        reliability=Source.Reliability.C,
        credibility=Source.Credibility.POSSIBLY_TRUE,
        confidential=False,
    )
    field_report = source(
        "source-field-report",
        kind=Source.Kind.FIELD_REPORT,
        title=_tagged("Grid operator's damage assessment, shared in confidence"),
        publisher="",
        speaker="Grid operator's repair crew",
        speaker_role="",
        quote=_tagged("Two transformers lost; repair needs parts from abroad."),
        reliability=Source.Reliability.B,
        credibility=Source.Credibility.CONFIRMED,
        # What the operator shares in confidence must never reach the public view.
        confidential=True,
    )
    return statement, news, field_report


def load_illustrative(writer: Writer, regions: Mapping[str, Region]) -> None:
    rng = random.Random(SEED)  # noqa: S311 - demo data must be the same on every run.
    statement, news, field_report = _sources(writer)

    facilities: list[Facility] = []
    for index in range(40):
        code, city, lon, lat = CITIES[index % len(CITIES)]
        kind, label = FACILITY_KINDS[index % len(FACILITY_KINDS)]
        electric = kind in (F.CHP, F.THERMAL, F.HYDRO, F.SOLAR, F.WIND)
        thermal = kind in (F.CHP, F.HEATING)
        spread = 0.04 if code == "UA-30" else 0.02
        facilities.append(
            writer.upsert(
                Facility,
                lookup={"external_source": ILLUSTRATIVE, "external_id": f"facility-{index:02d}"},
                fields={
                    "name": _tagged(f"{city} {label} No. {index // len(CITIES) + 1}"),
                    "kind": kind,
                    "location": _point(rng, lon, lat, spread),
                    "location_approximate": False,
                    "region": need(regions, code),
                    "locality": city,
                    "operator": "",
                    "electric_capacity_mw": Decimal(rng.randrange(20, 1800, 10))
                    if electric
                    else None,
                    "thermal_capacity_mw": Decimal(rng.randrange(50, 2000, 10))
                    if thermal
                    else None,
                    "use": rng.choice([Facility.Use.CIVILIAN] * 4 + [Facility.Use.DUAL_USE]),
                    "notes": "Made-up facility for demonstrations.",
                    "is_illustrative": True,
                },
            )
        )

    attacks_by_region: dict[str, list[Attack]] = defaultdict(list)
    precisions = list(Attack.TimePrecision.values)
    verifications = [
        Attack.Verification.REPORTED,
        Attack.Verification.CORROBORATED,
        Attack.Verification.VERIFIED,
    ]
    for index in range(120):
        started = PERIOD_START + timedelta(
            days=rng.randrange(PERIOD_DAYS), hours=rng.randrange(24), minutes=rng.randrange(60)
        )
        targets = rng.sample(facilities, rng.choice([1, 1, 2, 3]))
        attack_regions = list({target.region_id: target.region for target in targets}.values())
        codes = {region.code for region in attack_regions}
        choices = [w for w in WEAPONS if w[0] != W.GUIDED_BOMB or codes & FRONTLINE]
        weapons = rng.sample(choices, rng.choice([1, 2, 2, 3]))
        names = ", ".join(region.name_en for region in attack_regions)
        # Drawn from the index, not from rng, so the rest of the data stays as it was.
        sources = [news if index % 2 else statement]
        if index % 5 == 0:
            sources.append(field_report)
        kinds = " and ".join(sorted({w[0].label.lower() for w in weapons}))
        attack = writer.upsert(
            Attack,
            lookup={"external_source": ILLUSTRATIVE, "external_id": f"attack-{index:03d}"},
            fields={
                "started_at": started,
                "ended_at": started + timedelta(hours=rng.randint(1, 6)),
                "time_precision": rng.choice(precisions),
                "perpetrator": "Russian Armed Forces",
                "summary": _tagged(f"Strike with {kinds} on energy facilities in {names}"),
                "description": "Made-up attack for demonstrations; not a real event.",
                "reported_region_count": None,
                "impact_location": targets[0].location,
                "ambient_temperature_c": _temperature(rng, started),
                "killed": rng.choice([None, 0, 0, 1, 2]),
                "injured": rng.choice([None, 0, 1, 3, 5]),
                "verification_status": rng.choice(verifications),
                "is_illustrative": True,
            },
            m2m={"regions": attack_regions, "sources": sources},
        )
        writer.want_state(attack, _state(index))
        for code in codes:
            attacks_by_region[code].append(attack)
        for weapon_type, models_, fewest, most in weapons:
            launched = rng.randint(fewest, most)
            # Guided bombs are rarely intercepted; the others mostly are.
            intercepted = (
                None if weapon_type == W.GUIDED_BOMB else round(launched * rng.uniform(0.5, 0.95))
            )
            writer.upsert(
                WeaponUse,
                lookup={"attack": attack, "weapon_type": weapon_type, "model": rng.choice(models_)},
                fields={"launched": launched, "intercepted": intercepted},
            )
        for target in targets:
            _illustrative_damage(writer, rng, attack, target)
        if index % 12 == 0:
            measure = _illustrative_response(writer, rng, attack, attack_regions[0])
            writer.want_state(measure, _state(index // 12))

    _illustrative_outages(writer, rng, regions, attacks_by_region)


def _illustrative_damage(
    writer: Writer, rng: random.Random, attack: Attack, facility: Facility
) -> None:
    Sev, Res = Damage.Severity, Damage.Restoration
    severity = rng.choice(
        [Sev.MINOR, Sev.MINOR, Sev.MODERATE, Sev.MODERATE, Sev.SEVERE, Sev.DESTROYED]
    )
    restoration = rng.choice([Res.NOT_STARTED, Res.IN_PROGRESS, Res.PARTIAL, Res.RESTORED])
    if severity == Sev.DESTROYED:
        restoration = rng.choice([Res.NOT_STARTED, Res.IN_PROGRESS])
    restored_at = (
        attack.started_at + timedelta(days=rng.randint(1, 21), hours=rng.randrange(24))
        if restoration == Res.RESTORED
        else None
    )
    expected = (
        (attack.started_at + timedelta(days=rng.randint(7, 90))).astimezone(KYIV).date()
        if restoration in (Res.IN_PROGRESS, Res.PARTIAL)
        else None
    )
    writer.upsert(
        Damage,
        lookup={"attack": attack, "facility": facility},
        fields={
            "severity": severity,
            "description": _tagged(f"{Sev(severity).label} damage."),
            "restoration_status": restoration,
            "restored_at": restored_at,
            "expected_restoration": expected,
        },
        m2m={"sources": []},
    )


def _illustrative_response(
    writer: Writer, rng: random.Random, attack: Attack, region: Region
) -> ResponseMeasure:
    R = ResponseMeasure.Kind
    kind = rng.choice([R.GENERATORS, R.HEATING_POINTS, R.REPAIR_CREWS, R.POWER_CUTS])
    quantity = rng.randint(5, 120) if kind in (R.GENERATORS, R.HEATING_POINTS) else None
    return writer.upsert(
        ResponseMeasure,
        lookup={"attack": attack, "region": region, "kind": kind},
        fields={
            "description": _tagged(f"{R(kind).label} in {region.name_en}."),
            "actor": "Regional military administration",
            "quantity": quantity,
            "started_at": attack.started_at + timedelta(hours=rng.randint(2, 12)),
            "ended_at": None,
        },
        m2m={"sources": []},
    )


def _illustrative_outages(
    writer: Writer,
    rng: random.Random,
    regions: Mapping[str, Region],
    attacks_by_region: Mapping[str, list[Attack]],
) -> None:
    series = (
        (OutageReport.Service.ELECTRICITY, OutageReport.Unit.CUSTOMERS, 5000, 400000),
        (OutageReport.Service.HEATING, OutageReport.Unit.BUILDINGS, 20, 2500),
    )
    index = 0
    for code in OUTAGE_REGIONS:
        region = need(regions, code)
        for service, unit, low, high in series:
            for step in range(6):
                as_of = PERIOD_START + timedelta(
                    days=10 + step * 24 + rng.randrange(5), hours=rng.randrange(6, 20)
                )
                # Link the figure to the attack it most likely follows, if one came
                # in the three days before it.
                recent = [
                    attack
                    for attack in attacks_by_region.get(code, [])
                    if timedelta(0) <= as_of - attack.started_at <= timedelta(days=3)
                ]
                outage = writer.upsert(
                    OutageReport,
                    lookup={
                        "external_source": ILLUSTRATIVE,
                        "external_id": f"outage-{code}-{service}-{step}",
                    },
                    fields={
                        "region": region,
                        "locality": "",
                        "attack": max(recent, key=lambda a: a.started_at) if recent else None,
                        "service": service,
                        "unit": unit,
                        "count": rng.randint(low, high),
                        "count_qualifier": rng.choice(list(OutageReport.Qualifier.values)),
                        "as_of": as_of,
                        "is_illustrative": True,
                    },
                    m2m={"sources": []},
                )
                writer.want_state(outage, _state(index))
                index += 1
