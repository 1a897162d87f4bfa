"""A time limit on every database statement a web request runs.

A request that asks for too much (a country-wide export, a pathological search)
must not hold a database connection and a web process for minutes. Web requests
get PostgreSQL's statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS); Celery
workers, management commands and migrations never pass through here and keep
the server's default, so long imports and schema changes are not cut short.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

from incidents.database import REPLICA, replica_allowed

# The timeout each open PostgreSQL connection was given, by the connection itself: a
# session setting lasts as long as the connection, which may serve many requests.
_applied: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()


def apply_statement_timeout(connection: BaseDatabaseWrapper = connection) -> None:
    """Give this thread's database connection the web requests' statement timeout."""
    milliseconds = settings.DATABASE_STATEMENT_TIMEOUT_MS
    connection.ensure_connection()
    raw = connection.connection
    if _applied.get(raw) == milliseconds:
        return
    # Straight on the driver's connection: this is connection set-up, not a query of
    # the view, so it neither shows in query logs nor counts in query-count tests.
    raw.execute("SELECT set_config('statement_timeout', %s, false)", [str(milliseconds)])
    if connection.in_atomic_block:
        # A rollback would undo the setting (only tests wrap requests in a transaction):
        # set it again on the next request instead of trusting it is still there.
        _applied.pop(raw, None)
    else:
        _applied[raw] = milliseconds


def forget_statement_timeout(raw: object) -> bool:
    """Forget that this driver connection was given the timeout; whether it had been."""
    return _applied.pop(raw, None) is not None


class StatementTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        apply_statement_timeout()
        # The read replica's too, when this request may read from it.
        if replica_allowed():
            apply_statement_timeout(connections[REPLICA])
        return self.get_response(request)
