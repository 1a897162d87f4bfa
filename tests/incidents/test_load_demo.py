from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command

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
from incidents.public.middleware import use_full_data, use_public_view
from incidents.services import publication

MODELS = (Region, Source, Facility, Attack, WeaponUse, Damage, OutageReport, ResponseMeasure)


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def seed_attack() -> Attack:
    return Attack.objects.get(external_source="demo", external_id="2026-02-04-energy-strike")


def snapshot() -> dict[str, list[int]]:
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS}


def history_counts() -> dict[str, int]:
    return {model.__name__: model.history.count() for model in MODELS}


def states() -> dict[str, dict[int, str]]:
    return {
        model.__name__: dict(model.objects.values_list("pk", "publication_state"))
        for model in (Attack, OutageReport, ResponseMeasure)
    }


@contextmanager
def public_view() -> Iterator[None]:
    """Read as an anonymous visitor does, for the length of the block."""
    use_public_view()
    try:
        yield
    finally:
        use_full_data()


def test_every_fact_of_the_february_4_report_is_loaded(oblasts):
    load_demo("--no-illustrative")

    attack = seed_attack()
    assert sorted(attack.regions.values_list("code", flat=True)) == sorted(
        ["UA-30", "UA-63", "UA-12", "UA-14", "UA-51", "UA-05"]
    )
    assert attack.reported_region_count == 8
    assert attack.ambient_temperature_c == -25
    assert attack.time_precision == Attack.TimePrecision.PART_OF_DAY
    assert attack.perpetrator == "Russian Armed Forces"
    assert attack.verification_status == Attack.Verification.CORROBORATED
    assert attack.started_at.date().isoformat() == "2026-02-04"
    assert not attack.is_illustrative
    assert sorted(attack.weapons.values_list("weapon_type", "launched")) == [
        ("attack_drone", None),
        ("ballistic_missile", None),
        ("cruise_missile", None),
    ]

    damage = Damage.objects.get(attack=attack)
    assert damage.severity == Damage.Severity.SEVERE
    assert damage.restoration_status == Damage.Restoration.NOT_STARTED
    plant = damage.facility
    assert plant.status == Facility.Status.DAMAGED
    assert plant.region.code == "UA-30"
    assert plant.locality == "Kyiv, Darnytsia district"
    assert plant.use == Facility.Use.CIVILIAN
    assert plant.location_approximate
    assert attack.impact_location.equals_exact(plant.location, 1e-9)

    outages = {o.region.code: o for o in attack.outages.select_related("region")}
    assert (outages["UA-30"].count, outages["UA-30"].unit) == (1100, "buildings")
    assert (outages["UA-63"].count, outages["UA-63"].unit) == (110000, "customers")
    assert outages["UA-63"].locality == "Kharkiv"
    assert {o.count_qualifier for o in outages.values()} == {"at_least"}
    assert {o.service for o in outages.values()} == {"heating"}

    graded = {
        s.speaker: (s.kind, s.publisher, s.grade)
        for s in Source.objects.filter(external_source="demo")
    }
    assert graded["Mark Rutte"] == ("social_media", "Social media", "B2")
    assert graded["Denys Shmyhal"] == ("official_statement", "Telegram", "B2")
    assert graded["Andrii Sybiha"][2] == "B1"
    assert graded["Oleksiy Kuleba"][0] == "social_media"
    news = Source.objects.get(external_source="demo", kind=Source.Kind.NEWS_REPORT)
    assert news.quote.startswith("Lute inspects Kyiv’s damaged heating facilities")
    assert "war crimes" in Source.objects.get(speaker="Denys Shmyhal").quote
    assert set(outages["UA-30"].sources.values_list("speaker", flat=True)) >= {"Oleksiy Kuleba"}

    kinds = set(attack.responses.values_list("kind", flat=True))
    assert kinds == {
        "resources",
        "power_cuts",
        "generators",
        "repair_crews",
        "air_defence_request",
        "official_visit",
    }
    visit = attack.responses.get(kind="official_visit")
    assert visit.region.code == "UA-30"
    assert "Rutte" in visit.actor
    assert visit.sources.filter(speaker="Mark Rutte").exists()
    assert (
        attack.responses.get(kind="air_defence_request")
        .sources.filter(speaker="Andrii Sybiha")
        .exists()
    )


def test_running_twice_gives_the_same_rows_and_no_new_history(oblasts):
    load_demo()
    rows, history = snapshot(), history_counts()

    out = load_demo()

    assert snapshot() == rows
    assert history_counts() == history
    assert "created 0, updated 0" in out
    assert Attack.objects.count() > 100
    assert Facility.objects.count() > 35


def check_illustrative_rows_are_all_flagged() -> None:
    illustrative_attacks = Attack.objects.filter(external_source="illustrative")
    assert illustrative_attacks.count() == 120
    assert not illustrative_attacks.filter(is_illustrative=False).exists()
    assert not illustrative_attacks.exclude(summary__contains="(illustrative)").exists()
    facilities = Facility.objects.filter(external_source="illustrative")
    assert facilities.count() == 40
    assert not facilities.filter(is_illustrative=False).exists()
    assert not facilities.exclude(name__contains="(illustrative)").exists()
    outages = OutageReport.objects.filter(external_source="illustrative")
    assert outages.exists()
    assert not outages.filter(is_illustrative=False).exists()
    # Only the February 4 case is real.
    assert set(
        Attack.objects.filter(is_illustrative=False).values_list("external_id", flat=True)
    ) == {"2026-02-04-energy-strike"}
    assert (
        not Damage.objects.filter(attack__is_illustrative=True)
        .exclude(description__contains="(illustrative)")
        .exists()
    )
    assert set(facilities.values_list("kind", flat=True)) >= {
        "chp",
        "thermal",
        "hydro",
        "substation",
        "heating",
        "solar",
        "wind",
        "gas",
        "water",
    }
    weapons = WeaponUse.objects.filter(attack__is_illustrative=True)
    assert set(weapons.values_list("model", flat=True)) >= {"Kh-101", "Iskander-M", "Shahed-136"}
    assert not weapons.filter(launched__isnull=True).exists()


def check_illustrative_facilities_lie_in_their_region() -> None:
    for facility in Facility.objects.filter(is_illustrative=True).select_related("region"):
        assert facility.region.boundary.distance(facility.location) < 0.05, facility


def test_it_loads_without_region_polygons(db, settings):
    settings.REGIONS_GEOJSON = ""
    err = StringIO()
    call_command("load_demo", stdout=StringIO(), stderr=err)

    assert Region.objects.count() == 27
    assert not Region.objects.filter(boundary__isnull=False).exists()
    assert "cannot be placed into regions" in err.getvalue()
    attack = seed_attack()
    assert attack.regions.count() == 6
    assert Damage.objects.get(attack=attack).facility.region.code == "UA-30"


def test_it_loads_the_regions_from_a_given_file_when_none_exist(db):
    from tests.conftest import OBLASTS_GEOJSON

    load_demo("--no-illustrative", "--regions", str(OBLASTS_GEOJSON))

    assert Region.objects.filter(boundary__isnull=False).count() == 27
    assert seed_attack().regions.count() == 6


@pytest.mark.parametrize("missing", ["UA-63"])
def test_a_missing_region_is_a_clear_error(oblasts, missing):
    from django.core.management import CommandError

    Region.objects.filter(code=missing).delete()

    with pytest.raises(CommandError, match=f"Region {missing} is missing"):
        load_demo("--no-illustrative")
    assert not Attack.objects.exists()


def test_the_february_4_case_is_published_with_public_sources_only(oblasts):
    load_demo("--no-illustrative")

    attack = seed_attack()
    records = [attack, *attack.outages.all(), *attack.responses.all()]
    assert len(records) == 1 + 2 + 6
    for record in records:
        assert record.publication_state == PublicationState.PUBLISHED, record
        assert record.published_at is not None
        # Published by the loader, as no one: four eyes is about people.
        assert record.published_by is None
    sources = Source.objects.filter(external_source="demo")
    assert sources.count() == 5
    assert not sources.filter(confidential=True).exists()
    # Statements made in public: by officials (on their channels) and in the news.
    assert set(sources.values_list("kind", flat=True)) == {
        "official_statement",
        "social_media",
        "news_report",
    }
    assert all(source.speaker or source.kind == "news_report" for source in sources)

    with public_view():
        public = Attack.objects.get()
        assert public.pk == attack.pk
        assert public.regions.count() == 6
        assert public.weapons.count() == 3
        assert public.damages.count() == 1
        assert public.outages.count() == 2
        assert public.responses.count() == 6
        assert public.sources.count() == 4
        assert Source.objects.count() == 5


def check_illustrative_records_take_every_publication_state_and_never_reach_the_public() -> None:
    illustrative = {
        "attacks": Attack.objects.filter(is_illustrative=True),
        "outages": OutageReport.objects.filter(is_illustrative=True),
        "measures": ResponseMeasure.objects.filter(attack__is_illustrative=True),
    }
    for name, records in illustrative.items():
        spread = Counter(records.values_list("publication_state", flat=True))
        assert set(spread) == set(PublicationState.values), name
    # Taken in turn by index: as many attacks in each state.
    assert set(
        Counter(illustrative["attacks"].values_list("publication_state", flat=True)).values()
    ) == {30}
    withdrawn = illustrative["attacks"].filter(publication_state=PublicationState.WITHDRAWN)
    assert not withdrawn.filter(published_at__isnull=True).exists()

    confidential = Source.objects.filter(confidential=True)
    assert [source.external_source for source in confidential] == ["illustrative"]
    assert confidential.get().attacks.exists()
    assert "(illustrative)" in confidential.get().title

    real = seed_attack().pk
    with public_view():
        assert list(Attack.objects.values_list("pk", flat=True)) == [real]
        assert not OutageReport.objects.filter(is_illustrative=True).exists()
        assert OutageReport.objects.count() == 2
        # A measure has no flag of its own: it follows its made-up attack.
        assert ResponseMeasure.objects.count() == 6
        assert not ResponseMeasure.objects.filter(description__contains="(illustrative)").exists()
        assert not Source.objects.filter(confidential=True).exists()
        assert not Source.objects.filter(external_source="illustrative").exists()
        assert not Facility.objects.filter(name__contains="(illustrative)").exists()


# The illustrative rows, loaded once for the three checks: the loader takes a while.
def test_illustrative_rows_are_flagged_placed_in_their_region_and_never_public(oblasts):
    load_demo()

    check_illustrative_rows_are_all_flagged()
    check_illustrative_facilities_lie_in_their_region()
    check_illustrative_records_take_every_publication_state_and_never_reach_the_public()


def test_a_rerun_keeps_every_state_a_reviewer_gave(oblasts, reviewer):
    load_demo()
    in_review = Attack.objects.filter(
        is_illustrative=True, publication_state=PublicationState.IN_REVIEW
    ).first()
    publication.send_back(record=in_review, user=reviewer, comment="Which sources say so?")
    withdrawn = seed_attack().outages.first()
    publication.withdraw(record=withdrawn, user=reviewer)
    before, history = states(), history_counts()

    out = load_demo()

    assert states() == before
    assert history_counts() == history
    assert before["Attack"][in_review.pk] == PublicationState.DRAFT
    assert before["OutageReport"][withdrawn.pk] == PublicationState.WITHDRAWN
    assert "Publication states set: none" in out


def test_a_draft_the_loader_itself_reopened_is_given_its_state_again(oblasts):
    load_demo("--no-illustrative")
    attack = seed_attack()
    # A change to the demo's facts: the loader's own edit makes the attack a draft.
    Attack.objects.filter(pk=attack.pk).update(killed=1)
    weapon = attack.weapons.first()
    WeaponUse.objects.filter(pk=weapon.pk).update(launched=3)

    load_demo("--no-illustrative")

    attack.refresh_from_db()
    assert attack.killed is None
    assert attack.publication_state == PublicationState.PUBLISHED
    with public_view():
        assert Attack.objects.get().weapons.get(pk=weapon.pk).launched is None
