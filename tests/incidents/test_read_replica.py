"""Reads go to the read replica, and only when that cannot show a request stale or full data.

The `replica` alias is added for these tests and points at the test database itself
(as TEST MIRROR does when DATABASE_REPLICA_URL is set): the same rows through a
second connection, so every test can tell which connection a read went through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from incidents.database import (
    REPLICA,
    PrimaryReplicaRouter,
    ReplicaReadsMiddleware,
    reading_alias,
    reading_connection,
)
from incidents.models import Attack, Source
from incidents.services import publication
from tests.incidents.test_public_view import (
    ATTACK_POINT,
    PLANT_POINT,
    _attack,
    ids_in,
    parse,
)

router = PrimaryReplicaRouter()


@pytest.fixture(scope="class")
def replica_alias(django_db_setup) -> Iterator[str]:
    """A `replica` alias reading the test database through a connection of its own.

    Class-scoped, so that it exists before each test's database access is set up:
    only aliases known then may be named in the test's `databases`.
    """
    mirror = {**connections.settings[DEFAULT_DB_ALIAS], "TEST": {"MIRROR": DEFAULT_DB_ALIAS}}
    connections.settings[REPLICA] = mirror
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def during_request(
    action: Callable[[], object], method: str = "get", path: str = "/api/v1/attacks/"
) -> object:
    """What `action` returns when run as the view of a request through the middleware."""
    result = {}

    def view(request: HttpRequest) -> HttpResponse:
        result["value"] = action()
        return HttpResponse()

    request = getattr(RequestFactory(), method)(path)
    ReplicaReadsMiddleware(view)(request)
    return result["value"]


def read_alias() -> str:
    """Where a read of attacks goes now, by the router and by the raw SQL helper."""
    ours = router.db_for_read(Attack)
    assert reading_connection().alias == ours == reading_alias()
    return ours


def write_a_source(user: User) -> None:
    Source.objects.create(kind=Source.Kind.OFFICIAL_STATEMENT, title="Statement", created_by=user)


@pytest.mark.usefixtures("replica_alias")
# Committed rows: the replica's connection sees only what the primary's committed.
@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
class TestWithAReplica:
    def test_a_read_in_a_request_that_only_reads_goes_to_the_replica(self):
        assert during_request(read_alias) == REPLICA
        assert during_request(lambda: Attack.objects.all().db) == REPLICA

    def test_writes_go_to_the_primary(self):
        assert during_request(lambda: router.db_for_write(Attack)) == DEFAULT_DB_ALIAS

    def test_a_read_after_a_write_in_the_same_request_goes_to_the_primary(self, analyst):
        def write_then_read() -> tuple[str, str]:
            before = read_alias()
            write_a_source(analyst)
            return before, read_alias()

        assert during_request(write_then_read) == (REPLICA, DEFAULT_DB_ALIAS)
        # The next request starts on the replica again.
        assert during_request(read_alias) == REPLICA

    def test_everything_inside_a_transaction_goes_to_the_primary(self):
        def in_a_transaction() -> tuple[str, str]:
            with transaction.atomic():
                inside = read_alias()
            return inside, read_alias()

        assert during_request(in_a_transaction) == (DEFAULT_DB_ALIAS, REPLICA)

    @pytest.mark.parametrize(
        ("method", "path"),
        [("post", "/api/v1/attacks/"), ("delete", "/api/v1/attacks/1/"), ("get", "/admin/")],
    )
    def test_requests_that_write_and_the_admin_read_from_the_primary(self, method, path):
        assert during_request(read_alias, method, path) == DEFAULT_DB_ALIAS

    def test_accounts_sessions_and_tokens_are_read_from_the_primary(self):
        assert during_request(lambda: User.objects.all().db) == DEFAULT_DB_ALIAS
        # Outside any request (tasks, commands) everything is read from the primary.
        assert read_alias() == DEFAULT_DB_ALIAS

    def test_anonymous_reads_through_the_replica_see_only_the_public_view(
        self, client, settings, analyst, reviewer
    ):
        settings.PUBLIC_READ = True
        shown = set()
        for hours in (48, 47):
            attack = _attack(analyst, "Strike on the Darnytsia plant", hours, PLANT_POINT)
            publication.publish(record=attack, user=reviewer)
            shown.add(attack.pk)
        _attack(analyst, "Xylodraft strike", 48, ATTACK_POINT)
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            listed = client.get("/api/v1/attacks/")
            layer = client.get("/api/v1/map/attacks.geojson")
            summary = client.get("/api/v1/stats/summary")
            exported = client.get("/api/v1/exports/attacks.csv")
            read = parse("/api/v1/exports/attacks.csv", exported)
        assert len(on_replica) >= 4, "the reads must have gone through the replica"
        assert {row["id"] for row in listed.json()["results"]} == shown
        assert {feature["id"] for feature in layer.json()["features"]} == shown
        assert summary.json()["attacks"] == len(shown)
        assert ids_in(read) == shown
        for body in (listed.content, layer.content, read.body.encode()):
            assert b"Xylodraft" not in body and b"30.654321" not in body
        # The replica's connection is back on the full data for the next request.
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SHOW search_path")
            assert "public_view" not in cursor.fetchone()[0]

    def test_a_logged_in_read_through_the_replica_sees_the_full_data(
        self, client, settings, analyst, viewer
    ):
        settings.PUBLIC_READ = True
        draft = _attack(analyst, "Xylodraft strike", 48, ATTACK_POINT)
        client.force_login(viewer)
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            listed = client.get("/api/v1/attacks/").json()
        assert on_replica.captured_queries
        assert [row["id"] for row in listed["results"]] == [draft.pk]


@pytest.mark.django_db(transaction=True)
def test_without_a_replica_every_read_goes_to_the_primary():
    assert REPLICA not in connections.settings
    assert during_request(read_alias) == DEFAULT_DB_ALIAS
    assert during_request(lambda: Attack.objects.all().db) == DEFAULT_DB_ALIAS


def test_the_replica_is_never_migrated():
    assert router.allow_migrate(REPLICA, "incidents") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "incidents") is True
