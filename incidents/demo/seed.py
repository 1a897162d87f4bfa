"""The February 4, 2026 strike on the Darnytsia heating plant, fact by fact from the report.

A real event from public statements: the attack, its outage figures and the response
measures are published, and every source is public (an official's statement, a post on
an official's public account, a news report), so the public view shows the case in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import Point

from incidents.demo.writing import DEMO, FEB_4, SEED_REGION_CODES, Writer, kyiv_time, need
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


def load_seed(writer: Writer, regions: Mapping[str, Region]) -> None:
    def source(external_id: str, **fields: Any) -> Source:
        # Statements made in public: nothing to keep from the public view.
        return writer.upsert(
            Source,
            lookup={"external_source": DEMO, "external_id": external_id},
            fields={**fields, "confidential": False},
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
    kyiv = need(regions, "UA-30")
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

    # Another plant that strikes hit again and again; the report does not name it, but
    # analysts look it up by its English or Ukrainian name, its kind or its town.
    writer.upsert(
        Facility,
        lookup={"external_source": DEMO, "external_id": "trypilska-thermal-power-plant"},
        fields={
            "name": "Trypilska TPP",
            "name_uk": "Трипільська ТЕС",
            "kind": Facility.Kind.THERMAL,
            "location": Point(30.738, 50.135, srid=4326),
            "location_approximate": True,
            "region": need(regions, "UA-32"),
            "locality": "Ukrainka",
            "operator": "Centrenergo",
            "use": Facility.Use.CIVILIAN,
            "notes": "Near Ukrainka, south of Kyiv on the Dnipro.",
            "is_illustrative": False,
        },
    )

    attack = writer.upsert(
        Attack,
        lookup={"external_source": DEMO, "external_id": "2026-02-04-energy-strike"},
        fields={
            # "In the early morning": the hour is not known, hence part_of_day.
            "started_at": kyiv_time(2026, 2, 4, 5, 0),
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
            "regions": [need(regions, code) for code in SEED_REGION_CODES],
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
    writer.want_state(attack, PublicationState.PUBLISHED)
    for external_id, code, locality, unit, count in outages:
        outage = writer.upsert(
            OutageReport,
            lookup={"external_source": DEMO, "external_id": external_id},
            fields={
                "region": need(regions, code),
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
        writer.want_state(outage, PublicationState.PUBLISHED)

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
        measure = writer.upsert(
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
        writer.want_state(measure, PublicationState.PUBLISHED)
