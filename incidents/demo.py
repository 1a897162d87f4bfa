"""The demo data set: the February 4, 2026 strike in full, plus illustrative data for the charts.

Every fact of the news report about the strike on the Darnytsia heating plant
has a row here; nothing the report does not say is invented (counts it leaves
open stay empty). Around it, a deterministic set of clearly marked
illustrative facilities, attacks and outages gives the map and the charts
something to show.

Loading is idempotent: rows are found again by `external_source` +
`external_id` (attacks, facilities, sources, outages) or by their natural key
(weapon uses, damages, response measures), and a row whose values did not
change is not written, so a re-run adds no history.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.db import models, transaction

from incidents import services
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

M = TypeVar("M", bound=models.Model)

KYIV = ZoneInfo("Europe/Kyiv")
DEMO = "demo"
ILLUSTRATIVE = "illustrative"
ILLUSTRATIVE_TAG = "(illustrative)"
SEED_REGION_CODES = ("UA-30", "UA-63", "UA-12", "UA-14", "UA-51", "UA-05")


class DemoError(Exception):
    """The demo cannot be loaded, e.g. because regions it needs are missing."""


def _kyiv(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KYIV)


# The report gives only the day for the statements, the visit and the outage
# figures; they are stored at midday Kyiv time so they sort on the right day
# in every time zone the dashboard is read in.
FEB_4 = _kyiv(2026, 2, 4)


# --------------------------------------------------------------------------- writing


@dataclass
class DemoResult:
    tally: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def lines(self) -> list[str]:
        return [
            f"{name}: created {c['created']}, updated {c['updated']}, unchanged {c['unchanged']}"
            for name, c in self.tally.items()
        ]


class _Writer:
    """Upserts through the services, writing only what changed, and counts the outcomes."""

    OUTCOMES = {
        services.UPSERT_CREATED: "created",
        services.UPSERT_UPDATED: "updated",
        services.UPSERT_UNCHANGED: "unchanged",
    }

    def __init__(self) -> None:
        self.result = DemoResult()

    def upsert(
        self,
        model: type[M],
        *,
        lookup: Mapping[str, Any],
        fields: Mapping[str, Any],
        m2m: Mapping[str, Iterable[models.Model]] | None = None,
    ) -> M:
        instance, outcome = services.record_upsert(
            model=model, user=None, key=lookup, values=fields, m2m=m2m
        )
        self.result.tally[model._meta.verbose_name_plural.capitalize()][self.OUTCOMES[outcome]] += 1
        return instance


# --------------------------------------------------------------------------- regions


def regions_by_code() -> dict[str, Region]:
    return Region.objects.in_bulk(field_name="code")


def _need(regions: Mapping[str, Region], code: str) -> Region:
    try:
        return regions[code]
    except KeyError:
        raise DemoError(
            f"Region {code} is missing; load the regions first (manage.py load_regions)."
        ) from None


# --------------------------------------------------------------------------- the February 4 case


def _load_seed(writer: _Writer, regions: Mapping[str, Region]) -> None:
    def source(external_id: str, **fields: Any) -> Source:
        return writer.upsert(
            Source, lookup={"external_source": DEMO, "external_id": external_id}, fields=fields
        )

    # Grades follow the Admiralty code: reliability judges the speaker, credibility
    # judges this piece of information against what else is known.
    news = source(
        "2026-02-04-news-report",
        kind=Source.Kind.NEWS_REPORT,
        title="Rutte inspects Kyiv's damaged heating facilities, reaffirms NATO support",
        publisher="",
        speaker="",
        speaker_role="",
        published_at=FEB_4,
        language="en",
        # The headline as published, misspelling of Rutte's name included.
        quote="Lute inspects Kyiv’s damaged heating facilities, reaffirms NATO support.",
        # C: an unnamed outlet relaying officials second-hand, with slips in names
        # ("Lute", "Dnipro-Petrovsk"). 2: its facts agree with the officials it quotes.
        reliability=Source.Reliability.C,
        credibility=Source.Credibility.PROBABLY_TRUE,
    )
    rutte = source(
        "2026-02-04-rutte-social-media",
        kind=Source.Kind.SOCIAL_MEDIA,
        title="Mark Rutte on the strike on Kyiv's heating facility",
        publisher="Social media",
        speaker="Mark Rutte",
        speaker_role="Secretary General of NATO",
        published_at=FEB_4,
        language="en",
        quote="The facility had no military value whatsoever; the attacks were not for "
        "military purposes but deliberately targeted civilians to inflict suffering. "
        "Ukraine has shown strong resilience, and NATO will continue to stand with it.",
        # B: a senior international official, not a party to the conflict, who saw
        # the site himself. 2: his judgement of intent is an assessment, but the
        # civilian use is confirmed by the Ukrainian energy minister.
        reliability=Source.Reliability.B,
        credibility=Source.Credibility.PROBABLY_TRUE,
    )
    shmyhal = source(
        "2026-02-04-shmyhal-telegram",
        kind=Source.Kind.OFFICIAL_STATEMENT,
        title="Energy Minister Denys Shmyhal on the strike on the Darnytsia heating plant",
        publisher="Telegram",
        speaker="Denys Shmyhal",
        speaker_role="Minister of Energy of Ukraine",
        published_at=FEB_4,
        language="uk",
        quote="A power heating facility in the eastern outskirts of Kyiv, in the Darnytsia "
        "district, was severely damaged in a Russian missile attack in the early morning. "
        "It primarily served central heating and was purely civilian; the temperature was "
        "minus 25 °C. Such attacks should be classified as war crimes. Eight regions were "
        "hit with ballistic missiles, cruise missiles and drones. The government has "
        "urgently allocated resources to restore heating; comprehensive restoration will "
        "take time.",
        # B: the minister responsible for the sector, with first-hand reports, but a
        # party to the conflict. 2: the damage was seen on site by NATO's Secretary
        # General; the count of eight regions is not confirmed by anyone else.
        reliability=Source.Reliability.B,
        credibility=Source.Credibility.PROBABLY_TRUE,
    )
    sybiha = source(
        "2026-02-04-sybiha-meeting",
        kind=Source.Kind.OFFICIAL_STATEMENT,
        title="Foreign Minister Andrii Sybiha at the meeting with Mark Rutte",
        publisher="Meeting with the NATO Secretary General, Kyiv",
        speaker="Andrii Sybiha",
        speaker_role="Minister of Foreign Affairs of Ukraine",
        published_at=FEB_4,
        language="uk",
        quote="Reiterated the urgent need to strengthen air defence for heating and power "
        "facilities, including prompt delivery of air-defence systems and missile "
        "interceptors.",
        # B: a senior official. 1: the information is his own request, which the
        # report of the meeting confirms was made.
        reliability=Source.Reliability.B,
        credibility=Source.Credibility.CONFIRMED,
    )
    kuleba = source(
        "2026-02-04-kuleba-social-media",
        kind=Source.Kind.SOCIAL_MEDIA,
        title="Deputy Prime Minister Oleksiy Kuleba on heating outages",
        publisher="Social media",
        speaker="Oleksiy Kuleba",
        speaker_role="Deputy Prime Minister of Ukraine",
        published_at=FEB_4,
        language="uk",
        quote="The attacks left over 1,100 buildings in Kyiv and more than 110,000 users in "
        "Kharkiv without heating; the authorities are mobilising all efforts.",
        # B: the official who coordinates the restoration and has the utilities'
        # figures. 2: the figures are official but not independently counted.
        reliability=Source.Reliability.B,
        credibility=Source.Credibility.PROBABLY_TRUE,
    )

    plant_location = Point(30.64, 50.446, srid=4326)
    kyiv = _need(regions, "UA-30")
    plant = writer.upsert(
        Facility,
        lookup={"external_source": DEMO, "external_id": "darnytsia-heating-plant"},
        fields={
            "name": "Darnytsia heating plant",
            "name_uk": "Дарницька ТЕЦ",
            # "A power heating facility" that "primarily served central heating
            # functions" describes a combined heat and power plant.
            "kind": Facility.Kind.CHP,
            "location": plant_location,
            "location_approximate": True,
            "region": kyiv,
            "locality": "Kyiv, Darnytsia district",
            "use": Facility.Use.CIVILIAN,
            "notes": "On the eastern outskirts of Kyiv. Primarily served central heating; "
            "purely civilian energy infrastructure (Ministry of Energy).",
            "is_illustrative": False,
        },
    )

    attack = writer.upsert(
        Attack,
        lookup={"external_source": DEMO, "external_id": "2026-02-04-energy-strike"},
        fields={
            # "In the early morning": the hour is not known, hence part_of_day.
            "started_at": _kyiv(2026, 2, 4, 5, 0),
            "ended_at": None,
            "time_precision": Attack.TimePrecision.PART_OF_DAY,
            "perpetrator": "Russian Armed Forces",
            "summary": "Missile and drone strike on energy facilities in eight regions; "
            "Darnytsia heating plant in Kyiv severely damaged at −25 °C",
            "description": "Russian forces used ballistic missiles, cruise missiles and "
            "drones against residential buildings and thermal power plants used solely for "
            "heating. A heating plant in Kyiv's Darnytsia district was severely damaged in "
            "the early morning at −25 °C. Besides Kyiv, power generation facilities and "
            "distribution grids were damaged to varying degrees in Kharkiv, Dnipropetrovsk, "
            "Donetsk, Odesa, Vinnytsia and other regions; eight regions in all were "
            "affected. Over 1,100 buildings in Kyiv and more than 110,000 users in Kharkiv "
            "were left without heating.",
            # Only the regions the report names are linked; the count keeps the other two.
            "reported_region_count": 8,
            "impact_location": plant_location,
            "ambient_temperature_c": Decimal("-25.0"),
            "killed": None,
            "injured": None,
            # Corroborated, not verified: several officials (the energy minister, the
            # deputy prime minister, NATO's Secretary General after seeing the site)
            # report the strike independently, but no reviewer has checked it yet.
            "verification_status": Attack.Verification.CORROBORATED,
            "is_illustrative": False,
        },
        m2m={
            "regions": [_need(regions, code) for code in SEED_REGION_CODES],
            "sources": [shmyhal, rutte, kuleba, news],
        },
    )

    for weapon_type in (
        WeaponUse.WeaponType.BALLISTIC,
        WeaponUse.WeaponType.CRUISE,
        WeaponUse.WeaponType.DRONE,
    ):
        # The report names the weapon types but no numbers: launched stays unknown.
        writer.upsert(
            WeaponUse,
            lookup={"attack": attack, "weapon_type": weapon_type, "model": ""},
            fields={"launched": None, "intercepted": None},
        )

    writer.upsert(
        Damage,
        lookup={"attack": attack, "facility": plant},
        fields={
            "severity": Damage.Severity.SEVERE,
            "description": "Severely damaged by a Russian missile in the early morning at "
            "−25 °C. The government urgently allocated resources to restore heating for "
            "thousands of residents; comprehensive restoration will take time.",
            "restoration_status": Damage.Restoration.NOT_STARTED,
            "restored_at": None,
            "expected_restoration": None,
        },
        m2m={"sources": [shmyhal, rutte, news]},
    )

    outages = (
        ("2026-02-04-kyiv-heating", "UA-30", "Kyiv", OutageReport.Unit.BUILDINGS, 1100),
        ("2026-02-04-kharkiv-heating", "UA-63", "Kharkiv", OutageReport.Unit.CUSTOMERS, 110000),
    )
    for external_id, code, locality, unit, count in outages:
        writer.upsert(
            OutageReport,
            lookup={"external_source": DEMO, "external_id": external_id},
            fields={
                "region": _need(regions, code),
                "locality": locality,
                "attack": attack,
                "service": OutageReport.Service.HEATING,
                "unit": unit,
                "count": count,
                "count_qualifier": OutageReport.Qualifier.AT_LEAST,
                "as_of": FEB_4,
                "is_illustrative": False,
            },
            m2m={"sources": [kuleba, news]},
        )

    R = ResponseMeasure.Kind
    responses = (
        (
            R.RESOURCES,
            kyiv,
            "Government of Ukraine",
            "Resources urgently allocated to restore heating for thousands of residents as "
            "a priority.",
            [shmyhal, news],
        ),
        (
            R.POWER_CUTS,
            None,
            "Regional authorities and grid operators",
            "Emergency power reduction measures in several regions.",
            [news],
        ),
        (
            R.GENERATORS,
            None,
            "Ministry of Energy",
            "Mobile generators mobilised urgently to critical areas.",
            [news],
        ),
        (
            R.REPAIR_CREWS,
            None,
            "Ministry of Energy with government agencies, local authorities and public "
            "and private enterprises",
            "Joint repair work to speed up restoration; comprehensive restoration will take time.",
            [shmyhal, news],
        ),
        (
            R.AIR_DEFENCE_REQUEST,
            None,
            "Andrii Sybiha, Minister of Foreign Affairs",
            "Asked NATO for stronger air defence for heating and power facilities, including "
            "prompt delivery of air-defence systems and missile interceptors.",
            [sybiha, news],
        ),
        (
            R.OFFICIAL_VISIT,
            kyiv,
            "Mark Rutte, NATO Secretary General, with Energy Minister Denys Shmyhal",
            "NATO's Secretary General inspected the damaged heating plant in Kyiv and "
            "surveyed the damage on site with Ukraine's Minister of Energy.",
            [rutte, news],
        ),
    )
    for kind, region, actor, description, sources in responses:
        writer.upsert(
            ResponseMeasure,
            lookup={"attack": attack, "region": region, "kind": kind},
            fields={
                "description": description,
                "actor": actor,
                "quantity": None,
                "started_at": FEB_4,
                "ended_at": None,
            },
            m2m={"sources": sources},
        )


# --------------------------------------------------------------------------- illustrative data

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
PERIOD_START = _kyiv(2025, 10, 1, 0, 0).astimezone(UTC)
PERIOD_DAYS = 142  # up to 2026-02-20
OUTAGE_REGIONS = ("UA-30", "UA-63", "UA-12", "UA-51", "UA-23", "UA-48", "UA-59", "UA-74")
SEED = 20260204


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


def _load_illustrative(writer: _Writer, regions: Mapping[str, Region]) -> None:
    rng = random.Random(SEED)  # noqa: S311 - demo data must be the same on every run.

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
                    "region": _need(regions, code),
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
            m2m={"regions": attack_regions, "sources": []},
        )
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
            _illustrative_response(writer, rng, attack, attack_regions[0])

    _illustrative_outages(writer, rng, regions, attacks_by_region)


def _illustrative_damage(
    writer: _Writer, rng: random.Random, attack: Attack, facility: Facility
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
    writer: _Writer, rng: random.Random, attack: Attack, region: Region
) -> None:
    R = ResponseMeasure.Kind
    kind = rng.choice([R.GENERATORS, R.HEATING_POINTS, R.REPAIR_CREWS, R.POWER_CUTS])
    quantity = rng.randint(5, 120) if kind in (R.GENERATORS, R.HEATING_POINTS) else None
    writer.upsert(
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
    writer: _Writer,
    rng: random.Random,
    regions: Mapping[str, Region],
    attacks_by_region: Mapping[str, list[Attack]],
) -> None:
    series = (
        (OutageReport.Service.ELECTRICITY, OutageReport.Unit.CUSTOMERS, 5000, 400000),
        (OutageReport.Service.HEATING, OutageReport.Unit.BUILDINGS, 20, 2500),
    )
    for code in OUTAGE_REGIONS:
        region = _need(regions, code)
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
                writer.upsert(
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


# --------------------------------------------------------------------------- entry point


@transaction.atomic
def load_demo(*, illustrative: bool = True) -> DemoResult:
    """Load (or refresh) the demo data set; all or nothing."""
    writer = _Writer()
    regions = regions_by_code()
    _load_seed(writer, regions)
    if illustrative:
        _load_illustrative(writer, regions)
    return writer.result
