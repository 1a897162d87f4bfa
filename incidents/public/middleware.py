"""Run each request against the public view or the full data, decided once per request.

Anonymous visitors always get the public view (they see anything at all only
with PUBLIC_READ). Logged-in users, by session or API token, get it when a
read asks for `?view=public`, outside the admin. The choice sets the database
session's search_path, so everything the request reads, through the ORM or raw
SQL, comes from the `public_view` views; see incidents.public.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from incidents.public.schema import session_values

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PRIVATE_VALUES = {"search_path": '"$user", public'}


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


def _apply(values: dict[str, str]) -> None:
    connection.ensure_connection()
    names = list(values)
    calls = ", ".join("set_config(%s, %s, false)" for _ in names)
    params: list[str] = []
    for name in names:
        params += [name, values[name]]
    # On the driver's connection: session set-up, not one of the view's queries.
    connection.connection.execute(f"SELECT {calls}", params)


def use_public_view() -> None:
    _apply(session_values())


def use_full_data() -> None:
    values = {name: "" for name in session_values()} | PRIVATE_VALUES
    _apply(values)


def _reset_quietly() -> None:
    try:
        use_full_data()
    except Exception:
        connection.close()


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
