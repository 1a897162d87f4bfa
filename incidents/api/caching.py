"""Responses that depend only on the request, kept in the cache until the data changes.

The map layers and the statistics are the same for everyone who asks the same
question of the same data. Their bodies are cached (Django's cache: Redis with
CACHE_URL) under a key made of everything the body depends on:

- the data version (incidents.data_version), which every committed write changes,
  and, for the public view, the moment its latest visible record became visible;
- the path and the query (parameters sorted by name), the format and the language;
- whether the request reads the public view or the full data: never the same entry;
- the database (its name, and an epoch drawn when it was made), the code and the
  settings that shape a body, so no two deployments or test databases share an entry.

So nothing is ever invalidated by deleting: a write moves the version and the next
request misses. RESPONSE_CACHE_SECONDS only lets Redis drop entries no key reaches
any more; 0 turns the cache off (responses still carry ETags).

A request whose If-None-Match names the cached ETag gets a 304 without the body
being read from the cache, let alone built.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils import translation
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import data_version
from incidents.api.conditional import (
    GZIP_MIN_BYTES,
    body_etag,
    conditional_response,
    etag_matches,
    gzipped,
    not_modified,
)

logger = logging.getLogger(__name__)

# Formats whose bodies are cached (a layer's CSV is an export, streamed as it is read).
CACHED_FORMATS = {"json", "geojson"}
# Bodies larger than this (after gzip) are answered but not kept.
MAX_CACHED_BYTES = 32 * 1024 * 1024
PACKAGE = Path(__file__).resolve().parent.parent

# (ETag, content type, body, whether the body is gzipped)
Entry = tuple[str, str, bytes, bool]


@functools.cache
def code_version() -> str:
    """A fingerprint of the code: a deploy never serves an entry an earlier version made."""
    digest = hashlib.md5(usedforsecurity=False)
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def shaping_settings() -> dict[str, str]:
    """The settings a body depends on (the public delay and coordinates, the map's limits)."""
    return {
        name: repr(getattr(settings, name))
        for name in dir(settings)
        if name.startswith(("PUBLIC_", "MAP_")) or name in ("TIME_ZONE", "LANGUAGE_CODE")
    }


def cache_key(request: Request) -> str:
    public = bool(getattr(request._request, "public_view", False))
    parts = {
        "database": connection.settings_dict["NAME"],
        "code": code_version(),
        "settings": shaping_settings(),
        "version": data_version.current(public=public),
        "view": "public" if public else "full",
        "path": request._request.path,
        "query": sorted(request._request.GET.lists()),
        "format": request.accepted_renderer.format,
        "language": translation.get_language(),
    }
    digest = hashlib.md5(json.dumps(parts, sort_keys=True).encode(), usedforsecurity=False)
    return f"response:{digest.hexdigest()}"


def entry_of(view, request: Request, response: HttpResponse) -> Entry | None:
    """What to keep of a successful response; None for anything else (errors, streams)."""
    if response.status_code != 200 or response.streaming:
        return None
    if isinstance(response, Response):
        # A statistics answer: rendered here, as DRF would render it after the view.
        renderer = request.accepted_renderer
        body = renderer.render(
            response.data, request.accepted_media_type, view.get_renderer_context()
        )
        content_type = renderer.media_type
        if renderer.charset:
            content_type += f"; charset={renderer.charset}"
        etag, compressed = body_etag(body), False
    else:
        # A layer: built, tagged and possibly gzipped by incidents.api.conditional.
        body, content_type = response.content, response["Content-Type"]
        compressed = response.get("Content-Encoding") == "gzip"
        etag = response.get("ETag") or body_etag(gzip.decompress(body) if compressed else body)
    if not compressed and len(body) >= GZIP_MIN_BYTES:
        body, compressed = gzipped(body), True
    return etag, content_type, body, compressed


def _cache_get(key: str) -> object:
    try:
        return cache.get(key)
    except Exception:
        # Without the cache the answer is slower, not wrong.
        logger.warning("Response cache unavailable", exc_info=True)
        return None


def _cache_set(entries: dict[str, object]) -> None:
    try:
        cache.set_many(entries, settings.RESPONSE_CACHE_SECONDS)
    except Exception:
        logger.warning("Response cache unavailable", exc_info=True)


def cached_response(get: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a read-only view's `get`: answer from the cache, or build and keep.

    It runs after DRF has authenticated the request, checked its permissions and
    throttles and chosen the format, so a cached answer is given only to whoever
    may have it.
    """

    @functools.wraps(get)
    def cached_get(view, request: Request, *args, **kwargs) -> HttpResponse:
        django_request = request._request
        cacheable = (
            settings.RESPONSE_CACHE_SECONDS > 0
            and request.accepted_renderer.format in CACHED_FORMATS
        )
        key = cache_key(request) if cacheable else ""
        if cacheable:
            if "If-None-Match" in django_request.headers:
                etag = _cache_get(f"{key}:etag")
                if etag and etag_matches(django_request, etag):
                    return not_modified(django_request, etag)
            hit = _cache_get(key)
            if hit is not None:
                etag, content_type, body, compressed = hit
                return conditional_response(
                    django_request, etag, content_type, body, compressed=compressed
                )
        # Built without the client's If-None-Match, so there is a body to keep.
        if_none_match = django_request.META.pop("HTTP_IF_NONE_MATCH", None)
        try:
            response = get(view, request, *args, **kwargs)
        finally:
            if if_none_match is not None:
                django_request.META["HTTP_IF_NONE_MATCH"] = if_none_match
        entry = entry_of(view, request, response)
        if entry is None:
            return response
        etag, content_type, body, compressed = entry
        if cacheable and len(body) <= MAX_CACHED_BYTES:
            _cache_set({key: entry, f"{key}:etag": etag})
        return conditional_response(django_request, etag, content_type, body, compressed=compressed)

    return cached_get
