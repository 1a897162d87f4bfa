"""Reads from a PostgreSQL replica, when there is one (DATABASE_REPLICA_URL).

The replica is the `replica` database alias. A web request that only reads (GET,
HEAD, OPTIONS, outside the admin) sends its reads there until it writes; then, and
for the rest of the request, everything goes to the primary (`default`), so a
request always sees its own writes. Writes always go to the primary, and so does
everything inside a transaction on the primary, everything outside a web request
(Celery tasks, management commands: they read what they are about to write), the
admin (analysts see what they have just saved), and the accounts, sessions,
tokens and login lockouts, which must be current the moment after they change.

Raw SQL reads through `reading_connection()`, which makes the same choice as the
router does for the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from asgiref.local import Local
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Apps whose rows decide who may do what right now: read from the primary always,
# since a replica may lag a moment behind a login, a new token or a lockout.
PRIMARY_ONLY_APPS = frozenset({"auth", "authtoken", "axes", "sessions", "admin"})

# Whether this request may still read from the replica (one per thread or task).
_request = Local()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_allowed() -> bool:
    """Whether reads may go to the replica at this moment of this request."""
    return (
        getattr(_request, "replica_reads", False)
        and replica_configured()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    )


def reading_alias() -> str:
    """The database alias that a read should use now."""
    return REPLICA if replica_allowed() else DEFAULT_DB_ALIAS


def reading_connection() -> BaseDatabaseWrapper:
    """The connection for a raw SQL read: the replica's or the primary's, as the router picks."""
    return connections[reading_alias()]


def replica_connections() -> list[BaseDatabaseWrapper]:
    """The replica's connection, if this request reads from it or it is open; else none.

    What a request sets on its connections (the public view's search_path) must be set
    on this one too, and reset on it afterwards.
    """
    if not replica_configured():
        return []
    replica = connections[REPLICA]
    return [replica] if replica_allowed() or replica.connection is not None else []


def stay_on_primary() -> None:
    """Send every further read of this request to the primary (after a write)."""
    _request.replica_reads = False


class PrimaryReplicaRouter:
    """Django's database router: reads to `reading_alias()`, writes to the primary."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        return reading_alias()

    def db_for_write(self, model, **hints) -> str:
        stay_on_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Both aliases hold the same rows.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        # The replica copies the primary's schema; it is never migrated itself.
        return db != REPLICA


def reads_replica(request: HttpRequest) -> bool:
    """Whether a request starts out reading from the replica."""
    return request.method in SAFE_METHODS and not request.path.startswith("/admin/")


class ReplicaReadsMiddleware:
    """Decide, per request, whether its reads may start on the replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _request.replica_reads = replica_configured() and reads_replica(request)
        try:
            response = self.get_response(request)
        except BaseException:
            stay_on_primary()
            raise
        if response.streaming:
            # The body is read from the database while it is sent, after this returns.
            response.streaming_content = _streamed(iter(response.streaming_content))
        else:
            # Outside a request (a task, a command) reads use the primary.
            stay_on_primary()
        return response


def _streamed(content: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from content
    finally:
        stay_on_primary()
