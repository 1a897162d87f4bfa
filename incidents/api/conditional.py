"""Conditional responses: an ETag over the body, a 304 when the client has it, and gzip.

The ETag is a hash of the bytes sent, so it is right whatever changed (a row, a
link table, a derived status), and a client that already has a map layer
receives a body-less 304.
"""

from __future__ import annotations

import gzip
import hashlib
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

# Level 1 is several times faster than the default level 6 and still shrinks a
# layer several-fold; the layers are big and change often.
GZIP_LEVEL = 1
GZIP_MIN_BYTES = 1024
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """Weak comparison (RFC 9110): W/"x" and "x" name the same content."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))


def body_etag(body: bytes) -> str:
    # md5 here is a fingerprint of the body, not security.
    return f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'


def accepts_gzip(request: HttpRequest) -> bool:
    return bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def cacheable_response(request: HttpRequest, body: bytes, content_type: str) -> HttpResponse:
    """Answer with the body, or 304 when the client has it; gzip when the client accepts it."""
    return conditional_response(request, body_etag(body), content_type, body, compressed=False)


def conditional_response(
    request: HttpRequest, etag: str, content_type: str, body: bytes, *, compressed: bool
) -> HttpResponse:
    """Answer with a body whose ETag is known (`compressed`: the body is gzipped already),
    or 304 when the client has it."""
    if etag_matches(request, etag):
        return not_modified(request, etag)
    if compressed and not accepts_gzip(request):
        body, compressed = gzip.decompress(body), False
    elif not compressed and len(body) >= GZIP_MIN_BYTES and accepts_gzip(request):
        body, compressed = gzipped(body), True
    response = HttpResponse(body, content_type=content_type)
    if compressed:
        response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(response.content))
    return _validators(request, response, etag)


def not_modified(request: HttpRequest, etag: str) -> HttpResponse:
    return _validators(request, HttpResponseNotModified(), etag)


def _validators(request: HttpRequest, response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # Revalidate every time: the ETag makes an unchanged layer cost one query and no bytes.
    # Only the public view may be kept by shared caches; what a logged-in user sees is theirs.
    public = settings.PUBLIC_READ and getattr(request, "public_view", False)
    response["Cache-Control"] = "no-cache" if public else "private, no-cache"
    patch_vary_headers(response, ["Accept-Encoding", "Accept", "Cookie"])
    return response
