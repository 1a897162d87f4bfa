"""Signed webhook requests.

Every webhook is a POST with a JSON body and these headers:

- ``X-Tracker-Event``: the rule kind that matched, e.g. ``facility_damaged``;
- ``X-Tracker-Delivery``: the delivery's id, the same on every retry of it;
- ``X-Tracker-Timestamp``: when this try was signed, in Unix seconds;
- ``X-Tracker-Signature``: ``sha256=`` and the hex HMAC-SHA256, keyed with the
  endpoint's secret, of the timestamp, a full stop and the raw body bytes
  (``f"{timestamp}.".encode() + body``).

A receiver recomputes the HMAC over the bytes it received, compares it in
constant time, and rejects a timestamp more than a few minutes old: because
the timestamp is part of what is signed, a captured request cannot be
replayed later with a fresh timestamp. `verify_signature` does all of that.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

SIGNATURE_HEADER = "X-Tracker-Signature"
TIMESTAMP_HEADER = "X-Tracker-Timestamp"
EVENT_HEADER = "X-Tracker-Event"
DELIVERY_HEADER = "X-Tracker-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Tracker-Signature value for a body sent at `timestamp`."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    *,
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether a received request was signed with `secret` recently enough."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=sent_at, body=body), signature)


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET elsewhere; the receiver must answer itself.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(
    *, url: str, secret: str, body: bytes, event: str, delivery_id: int, timeout: float
) -> PostResult:
    """Send one signed POST; any answer other than 2xx, or no answer, is a failure."""
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310  (URLs are http(s), checked by the model)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "infra-tracker-webhooks/1",
            EVENT_HEADER: event,
            DELIVERY_HEADER: str(delivery_id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body),
        },
    )
    started = time.monotonic()
    status: int | None = None
    error = ""
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as exc:
        status = exc.code
        error = f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        error = f"{type(exc).__name__}: {reason}"
    duration_ms = round((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    if not ok and not error:
        error = f"HTTP {status}"
    return PostResult(ok=ok, status_code=status, error=error, duration_ms=duration_ms)
