"""Run each request against the public view or the full data, decided once per request.

Anonymous visitors always get the public view (they see anything at all only
with PUBLIC_READ). Logged-in users, by session or API token, get it when a
read asks for `?view=public`, outside the admin. The choice sets the database
session's search_path, so everything the request reads, through the ORM or raw
SQL, comes from the `public_view` views; see incidents.public. With a read
replica (incidents.database), its connection gets the same search_path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from incidents.database import replica_connections
from incidents.public.schema import DECIMALS_SETTING, DELAY_SETTING, PUBLIC_VIEW, session_values

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def requesting_user(request: HttpRequest):
    """The user of a session, or of an API token, without waiting for the API view."""
    user = getattr(request, "user", None) or AnonymousUser()
    if user.is_authenticated or "HTTP_AUTHORIZATION" not in request.META:
        return user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return AnonymousUser()
    return found[0] if found else AnonymousUser()


def wants_public_view(request: HttpRequest) -> bool:
    if not requesting_user(request).is_authenticated:
        return True
    if request.path.startswith("/admin/"):
        return False
    return request.method in SAFE_METHODS and request.GET.get("view") == "public"


def _request_connections() -> list:
    """The primary's connection, and the replica's when this request reads it (or it is open)."""
    return [connection, *replica_connections()]


def _driver_execute(sql: str, params: list[str] | None = None) -> None:
    for each in _request_connections():
        each.ensure_connection()
        # On the driver's connection: session set-up, not one of the view's queries.
        each.connection.execute(sql, params)


def use_public_view() -> None:
    """Read the public view: its schema first, before the session's usual search_path."""
    values = session_values()
    _driver_execute("RESET search_path")
    _driver_execute(
        "SELECT set_config('search_path', %s || ', ' || current_setting('search_path'), false), "
        "set_config(%s, %s, false), set_config(%s, %s, false)",
        [
            PUBLIC_VIEW,
            DELAY_SETTING,
            values[DELAY_SETTING],
            DECIMALS_SETTING,
            values[DECIMALS_SETTING],
        ],
    )


def use_full_data() -> None:
    """Back to the session's own search_path (whatever the server or role sets)."""
    _driver_execute(f"RESET search_path; RESET {DELAY_SETTING}; RESET {DECIMALS_SETTING}")


def _reset_quietly() -> None:
    try:
        use_full_data()
    except Exception:
        for each in _request_connections():
            each.close()


def _streamed(content: Iterator[bytes]) -> Iterator[bytes]:
    use_public_view()
    try:
        yield from content
    finally:
        _reset_quietly()


class PublicViewMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        public = wants_public_view(request)
        request.public_view = public
        if not public:
            use_full_data()
            return self.get_response(request)
        use_public_view()
        try:
            response = self.get_response(request)
        finally:
            _reset_quietly()
        if response.streaming:
            # The body is read from the database while it is sent, after this returns.
            response.streaming_content = _streamed(iter(response.streaming_content))
        return response
