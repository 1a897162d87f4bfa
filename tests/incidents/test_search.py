"""Word search (`?search=`) is answered by trigram indexes, in Ukrainian and in English."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import geojson
from incidents.api import declarations
from incidents.api.filtering import SEARCH_KEYS_UP_TO, apply_lookups
from incidents.models import Attack, Source
from incidents.public.schema import PUBLIC_VIEW, PUBLISHED, session_values, sync_public_schema
from incidents.services import attacks, publication
from tests.factories import AttackFactory, FacilityFactory, SourceFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def found(user, url: str, words: str) -> list[int]:
    response = client_for(user).get(url, {"search": words})
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["features"] if "features" in body else body["results"]
    return sorted(row["id"] for row in rows)


def plan(sql: str, params: list[object], *, verbose: bool = False) -> str:
    """The plan PostgreSQL makes when it may not read a whole table or index, as on a big
    table (a GIN index is read by bitmap scans only)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {'(VERBOSE) ' if verbose else ''}{sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def search_filters(words: str, declaration=declarations.ATTACKS):
    return declaration.parse(QueryDict(urlencode({"search": words})))


@pytest.fixture
def strikes(analyst) -> dict[str, Attack]:
    return {
        "uk": AttackFactory(
            summary="Ракетний удар по ТЕЦ",
            description="Пошкоджено Дарницьку ТЕЦ, Київ залишився без тепла",
        ),
        "en": AttackFactory(summary="Drone strike on a Kyiv substation"),
        "other": AttackFactory(summary="Strike on the Kharkiv grid"),
    }


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Київ", {"uk"}),
        ("КИЇВ", {"uk"}),
        ("київ", {"uk"}),
        ("тец тепла", {"uk"}),
        ("Kyiv", {"en"}),
        ("KYIV substation", {"en"}),
        ("strike", {"en", "other"}),
        ("Kyiv Київ", set()),
    ],
)
def test_words_are_found_in_any_case_in_ukrainian_and_english(viewer, strikes, words, expected):
    wanted = sorted(strikes[key].pk for key in expected)
    assert found(viewer, reverse("api:attack-list"), words) == wanted
    assert found(viewer, reverse("api:map-attacks"), words) == sorted(
        strikes[key].pk for key in expected if strikes[key].impact_location
    )


def test_cyrillic_letters_are_word_characters_for_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('Київ'), show_trgm('КИЇВ'), show_trgm('Kyiv')")
        lower, upper, latin = cursor.fetchone()
    # Four letters in a word make five trigrams ("  к", " ки", "киї", "иїв", "їв "),
    # the same in either case: the index finds "Київ" whatever case is searched.
    assert len(lower) == 5 and lower == upper
    assert len(latin) == 5


def test_a_facility_is_found_by_its_ukrainian_name_locality_operator_and_notes(viewer):
    plant = FacilityFactory(
        name="Darnytsia heating plant",
        name_uk="Дарницька ТЕЦ",
        locality="Kyiv, Darnytsia district",
        operator="Kyivteploenergo",
        notes="Backup feed under the yard",
    )
    FacilityFactory(name="Zmiiv thermal plant", locality="Zmiiv")
    for words in ("дарницька", "darnytsia district", "kyivteplo", "backup feed"):
        assert found(viewer, reverse("api:facility-list"), words) == [plant.pk]
        assert found(viewer, reverse("api:map-facilities"), words) == [plant.pk]


def test_a_search_word_is_matched_literally_not_as_a_pattern(viewer):
    literal = AttackFactory(summary="Substation 110_kV hit, 100% of the district cut off")
    AttackFactory(summary="Substation 110 kV hit")
    assert found(viewer, reverse("api:attack-list"), "110_kV") == [literal.pk]
    assert found(viewer, reverse("api:attack-list"), "100%") == [literal.pk]


def test_a_common_word_is_found_by_walking_the_list_and_a_rare_one_from_the_index(
    viewer, monkeypatch
):
    # With a small limit both paths run on a few rows: above it the list walks its order.
    monkeypatch.setattr("incidents.api.filtering.SEARCH_KEYS_UP_TO", 2)
    common = [AttackFactory(summary=f"Shahed strike {n}") for n in range(3)]
    rare = AttackFactory(summary="Shahed strike on Ukrenergo")
    assert SEARCH_KEYS_UP_TO > 2
    assert found(viewer, reverse("api:attack-list"), "shahed") == sorted(
        attack.pk for attack in [*common, rare]
    )
    assert found(viewer, reverse("api:attack-list"), "ukrenergo") == [rare.pk]


def test_the_attack_search_reads_the_trigram_indexes():
    AttackFactory(summary="Strike on Kyiv", description="Київ без тепла")
    sql, params = geojson.attacks_selection(search_filters("Kyiv")).ids()
    shown = plan(sql, params)
    assert "attack_summary_trgm" in shown and "attack_description_trgm" in shown


def test_the_facility_search_reads_the_trigram_indexes():
    FacilityFactory(name_uk="Дарницька ТЕЦ")
    selection = geojson.facilities_selection(search_filters("ТЕЦ", declarations.FACILITIES))
    shown = plan(*selection.ids())
    for column in ("name", "name_uk", "locality", "operator", "notes"):
        assert f"facility_{column}_trgm" in shown


def test_the_orm_search_of_other_collections_reads_the_trigram_indexes():
    SourceFactory(title="Ukrenergo statement on the Darnytsia plant")
    queryset = apply_lookups(
        Source.objects.all(),
        declarations.SOURCES,
        search_filters("ukrenergo", declarations.SOURCES),
    )
    sql, params = queryset.values("id").query.sql_with_params()
    assert " ILIKE " in sql
    shown = plan(sql, list(params))
    for column in ("title", "publisher", "speaker", "quote"):
        assert f"source_{column}_trgm" in shown


def test_the_published_snapshots_have_the_search_indexes(analyst, reviewer):
    attack = attacks.attack_create(
        created_by=analyst,
        started_at=timezone.now() - timedelta(days=2),
        summary="Strike on the Darnytsia heating plant, Київ",
    )
    publication.publish(record=attack, user=reviewer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
            [PUBLISHED, Attack._meta.db_table],
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert any("gin_trgm_ops" in d and "(summary" in d for d in definitions)
    assert any("gin_trgm_ops" in d and "(description" in d for d in definitions)
    # The public view finds it, reading the snapshot through its view...
    sql, params = geojson.attacks_selection(search_filters("Київ")).ids()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('search_path', %s || ', ' || current_setting('search_path'), true)",
            [PUBLIC_VIEW],
        )
        for name, value in session_values().items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(sql, params)
        assert [row[0] for row in cursor.fetchall()] == [attack.pk]
    # ...whose search conditions the snapshot's own trigram indexes answer.
    snapshot = f"{PUBLISHED}.{Attack._meta.db_table}"
    where = geojson.Where()
    where.search(["summary", "description"], ["Київ"])
    query = f"SELECT id FROM {snapshot} WHERE {where.sql()}"  # noqa: S608 (fixed fragments)
    shown = plan(query, where.params, verbose=True)
    for column in ("summary", "description"):
        (index,) = [d.split()[2] for d in definitions if f"({column} gin_trgm_ops)" in d]
        assert f"Bitmap Index Scan on {index}" in shown
    assert f"Bitmap Heap Scan on {snapshot}" in shown


def test_syncing_gives_the_snapshots_an_index_the_app_table_gained_later():
    table = Attack._meta.db_table

    def published_indexes() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
                [PUBLISHED, table],
            )
            return [row[0] for row in cursor.fetchall()]

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX attack_perpetrator_trgm ON {table} USING gin (perpetrator gin_trgm_ops)"
        )
    assert not any("(perpetrator" in d for d in published_indexes())
    sync_public_schema()
    sync_public_schema()
    added = [d for d in published_indexes() if "(perpetrator" in d]
    assert len(added) == 1, added
    assert f"ON {PUBLISHED}.{table} USING gin (perpetrator gin_trgm_ops)" in added[0]
