"""Layers and statistics are cached until a write changes what they show (incidents.api.caching).

Most tests run against the real Redis and again against the local-memory cache
used without CACHE_URL.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import data_version
from incidents.api import caching
from incidents.models import Attack
from incidents.public.schema import PUBLISHED
from incidents.services import attacks, publication
from tests.factories import DARNYTSIA, AttackFactory
from tests.incidents.admin_helpers import admin_url, attack_data
from tests.incidents.importing import run_import

SUMMARY = "api:stats-summary"
LAYER = "api:map-attacks"
REDIS = "django.core.cache.backends.redis.RedisCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@pytest.fixture(params=["redis", "locmem"])
def backend(request):
    """The real Redis (CACHE_URL, else the broker's server) and the cache used without it."""
    if request.param == "redis":
        location = settings.CACHE_URL or settings.CELERY_BROKER_URL
        config = {"BACKEND": REDIS, "LOCATION": location, "KEY_PREFIX": "cache-tests"}
    else:
        config = {"BACKEND": LOCMEM, "LOCATION": "cache-tests"}
    with override_settings(CACHES={"default": config}):
        yield request.param


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def body_queries(client: APIClient, url: str, **extra) -> tuple[object, list[str]]:
    """The response, and the queries it made of the records (not of sessions or the version)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    queries = [
        query["sql"]
        for query in captured.captured_queries
        if "incidents_" in query["sql"] and "incidents_data_version" not in query["sql"]
    ]
    return response, queries


def attack_count(client: APIClient) -> int:
    response = client.get(reverse(SUMMARY))
    assert response.status_code == 200, response.content
    return response.json()["attacks"]


def layer_ids(client: APIClient, **params) -> list[int]:
    response = client.get(reverse(LAYER), params)
    assert response.status_code == 200, response.content
    return sorted(f["id"] for f in json.loads(response.content)["features"])


def kyiv_strike(analyst, *, hours_ago: float = 48, **fields) -> Attack:
    return attacks.attack_create(
        created_by=analyst,
        started_at=timezone.now() - timedelta(hours=hours_ago),
        summary="Strike on the Darnytsia heating plant",
        impact_location=DARNYTSIA,
        **fields,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", [SUMMARY, LAYER, "api:stats-timeline", "api:stats-weapons"])
def test_a_second_identical_request_is_answered_from_the_cache(backend, viewer, name):
    AttackFactory(impact_location=DARNYTSIA)
    client = client_for(viewer)
    first, built = body_queries(client, reverse(name))
    assert first.status_code == 200 and built
    second, queries = body_queries(client, reverse(name))
    assert second.status_code == 200
    assert queries == []
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == "private, no-cache"


@pytest.mark.django_db
def test_the_query_is_part_of_the_key_in_any_order(backend, viewer):
    AttackFactory(summary="Strike on Kyiv", impact_location=DARNYTSIA)
    client = client_for(viewer)
    url = reverse(SUMMARY)
    assert client.get(url, {"search": "Kyiv"}).json()["attacks"] == 1
    assert client.get(url, {"search": "Kharkiv"}).json()["attacks"] == 0
    client.get(f"{url}?search=Kyiv&verification_status=reported")
    response, queries = body_queries(client, f"{url}?verification_status=reported&search=Kyiv")
    assert queries == [] and response.json()["attacks"] == 1


@pytest.mark.django_db
def test_if_none_match_with_the_cached_etag_answers_304_without_the_body(backend, viewer):
    AttackFactory(impact_location=DARNYTSIA)
    client = client_for(viewer)
    etag = client.get(reverse(LAYER))["ETag"]
    response, queries = body_queries(client, reverse(LAYER), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag and queries == []
    # A stale tag gets the body.
    response = client.get(reverse(LAYER), HTTP_IF_NONE_MATCH='W/"stale"')
    assert response.status_code == 200 and response["ETag"] == etag


@pytest.mark.django_db
def test_a_conditional_first_request_still_fills_the_cache(backend, viewer):
    AttackFactory(impact_location=DARNYTSIA)
    client = client_for(viewer)
    etag = client_for(viewer).get(reverse(SUMMARY))["ETag"]
    with override_settings(CACHES={"default": {"BACKEND": LOCMEM, "LOCATION": "empty"}}):
        assert client.get(reverse(SUMMARY), HTTP_IF_NONE_MATCH=etag).status_code == 304
        response, queries = body_queries(client, reverse(SUMMARY))
        assert response.status_code == 200 and queries == []


@pytest.mark.django_db
def test_the_stats_carry_an_etag_and_gzip_also_without_the_cache(viewer):
    AttackFactory(impact_location=DARNYTSIA)
    client = client_for(viewer)
    with override_settings(RESPONSE_CACHE_SECONDS=0):
        first = client.get(reverse("api:stats-timeline"), HTTP_ACCEPT_ENCODING="gzip")
        response, queries = body_queries(
            client, reverse("api:stats-timeline"), HTTP_IF_NONE_MATCH=first["ETag"]
        )
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    assert response.status_code == 304 and queries


@pytest.mark.django_db
def test_a_client_without_gzip_gets_the_plain_body_of_a_gzipped_entry(backend, viewer):
    for n in range(20):
        AttackFactory(summary=f"Strike {n} on the Darnytsia plant", impact_location=DARNYTSIA)
    client = client_for(viewer)
    zipped = client.get(reverse(LAYER), HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    plain, queries = body_queries(client, reverse(LAYER))
    assert queries == [] and "Content-Encoding" not in plain
    assert len(json.loads(plain.content)["features"]) == 20


# --------------------------------------------------------------------------- invalidation


@pytest.mark.django_db
def test_a_write_through_the_api_invalidates(backend, analyst):
    client = client_for(analyst)
    assert attack_count(client) == 0
    response = client.post(
        reverse("api:attack-list"),
        {"started_at": "2026-02-04T03:00:00Z", "summary": "Strike on Kyiv"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert attack_count(client) == 1


@pytest.mark.django_db
def test_a_write_through_the_admin_invalidates(backend, analyst):
    client = client_for(analyst)
    assert attack_count(client) == 0
    response = client.post(admin_url("attack", "add"), attack_data())
    assert response.status_code == 302, response.content
    assert attack_count(client) == 1


@pytest.mark.django_db
def test_an_import_invalidates(backend, oblasts, analyst):
    client = client_for(analyst)
    assert attack_count(client) == 0
    run_import("acled", "acled_ukraine_messy.csv", user=analyst)
    assert attack_count(client) == 6


@pytest.mark.django_db
def test_a_delete_through_the_api_invalidates(backend, superuser):
    attack = AttackFactory(impact_location=DARNYTSIA)
    client = client_for(superuser)
    assert layer_ids(client) == [attack.pk]
    response = client.delete(reverse("api:attack-detail", args=[attack.pk]))
    assert response.status_code == 204, response.content
    assert layer_ids(client) == []


@pytest.mark.django_db
def test_a_write_in_raw_sql_invalidates(backend, viewer):
    attack = AttackFactory(impact_location=DARNYTSIA, verification_status="reported")
    client = client_for(viewer)
    assert layer_ids(client, verification_status="verified") == []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_attack SET verification_status = 'verified' WHERE id = %s",
            [attack.pk],
        )
    assert layer_ids(client, verification_status="verified") == [attack.pk]


@pytest.mark.django_db(transaction=True)
def test_the_committed_version_moves_when_a_write_commits_and_only_then():
    before = data_version.current(public=False)
    with transaction.atomic():
        AttackFactory()
        inside = data_version.current(public=False)
        # The writing transaction reads its own version; the committed one has not moved.
        assert inside != before and inside.split(".")[1].endswith("w")
    after = data_version.current(public=False)
    assert after not in (before, inside)
    with pytest.raises(RuntimeError), transaction.atomic():
        AttackFactory()
        raise RuntimeError("rolled back")
    assert data_version.current(public=False) == after


@pytest.mark.django_db
def test_every_table_of_the_app_and_every_snapshot_counts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE t.tgname = %s",
            [data_version.TRIGGER],
        )
        counted = {row[0] for row in cursor.fetchall()}
    assert "public.incidents_attack" in counted
    assert "public.incidents_attack_regions" in counted
    assert "public.incidents_historicalfacility" in counted
    assert f"{PUBLISHED}.incidents_attack" in counted
    assert f"{PUBLISHED}.incidents_outagereport" in counted
    assert "public.incidents_importjob" not in counted
    expected = {t.replace('"', "") for t in data_version.counted_tables()}
    assert expected <= counted


# --------------------------------------------------------------------------- public view


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True)
def test_the_public_and_the_full_data_never_share_an_entry(backend, analyst, reviewer):
    published = kyiv_strike(analyst)
    publication.publish(record=published, user=reviewer)
    draft = kyiv_strike(analyst)
    anonymous, logged_in = client_for(), client_for(analyst)

    public = anonymous.get(reverse(LAYER))
    assert public["Cache-Control"] == "no-cache"
    assert [f["id"] for f in json.loads(public.content)["features"]] == [published.pk]
    assert layer_ids(logged_in) == sorted([published.pk, draft.pk])
    assert layer_ids(anonymous) == [published.pk]
    # The same question asked for the public view by a logged-in user: the public answer.
    assert layer_ids(logged_in, view="public") == [published.pk]
    assert attack_count(anonymous) == 1 and attack_count(logged_in) == 2
    assert attack_count(anonymous) == 1


@pytest.mark.django_db
@override_settings(PUBLIC_READ=True)
def test_an_anonymous_request_is_cached_and_a_publication_invalidates_it(
    backend, analyst, reviewer
):
    attack = kyiv_strike(analyst)
    anonymous = client_for()
    assert layer_ids(anonymous) == []
    response, queries = body_queries(anonymous, reverse(LAYER))
    assert response.status_code == 200 and queries == []
    publication.publish(record=attack, user=reviewer)
    assert layer_ids(anonymous) == [attack.pk]
    publication.withdraw(record=attack, user=reviewer)
    assert layer_ids(anonymous) == []


@pytest.mark.django_db(transaction=True)
@override_settings(PUBLIC_READ=True)
def test_a_record_that_becomes_visible_after_the_delay_is_not_hidden_by_the_cache(
    analyst, reviewer
):
    # now() is the start of a transaction: each request here commits on its own.
    delay = timedelta(hours=settings.PUBLIC_DELAY_HOURS)
    soon = kyiv_strike(analyst, hours_ago=(delay - timedelta(seconds=3)) / timedelta(hours=1))
    publication.publish(record=soon, user=reviewer)
    anonymous = client_for()
    assert layer_ids(anonymous) == [] and attack_count(anonymous) == 0
    _, queries = body_queries(anonymous, reverse(LAYER))
    assert queries == []
    time.sleep(4)
    assert layer_ids(anonymous) == [soon.pk]
    assert attack_count(anonymous) == 1


# --------------------------------------------------------------------------- keys


@pytest.mark.django_db
def test_the_key_holds_the_database_so_test_databases_never_share_entries(viewer, monkeypatch):
    request = client_for(viewer).get(reverse(SUMMARY)).wsgi_request
    from rest_framework.request import Request

    drf_request = Request(request)
    drf_request.accepted_renderer = type("R", (), {"format": "json"})()
    key = caching.cache_key(drf_request)
    assert caching.cache_key(drf_request) == key
    monkeypatch.setitem(connection.settings_dict, "NAME", "test_infra_tracker_other")
    assert caching.cache_key(drf_request) != key
    with connection.cursor() as cursor:
        cursor.execute("SELECT epoch FROM incidents_data_version")
        (epoch,) = cursor.fetchone()
    assert data_version.current(public=False).startswith(f"{epoch}.")
