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

Where a request may go is checked when it is sent: only http and https, and,
unless private receivers are allowed, only to public addresses. The host is
looked up once, every address it resolves to is checked, and the connection
goes to a checked address, so a second DNS answer cannot point it elsewhere.
Every attempt has a total deadline besides the timeout of each network
operation, so a receiver that answers one byte at a time cannot hold a worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from types import TracebackType

SIGNATURE_HEADER = "X-Tracker-Signature"
TIMESTAMP_HEADER = "X-Tracker-Timestamp"
EVENT_HEADER = "X-Tracker-Event"
DELIVERY_HEADER = "X-Tracker-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300
SCHEMES = ("http", "https")


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


# --------------------------------------------------------------------------- where a webhook may go

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The instance metadata services of the large clouds: they hand out credentials.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # Carrier-grade NAT, RFC 6598.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # IPv4-mapped, 6to4 and NAT64 addresses reach the IPv4 address inside them.
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not go to this address (e.g. "a loopback address"); None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_refusal(embedded)
    checks = (
        (address in _METADATA, "a cloud metadata address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_multicast, "a multicast address"),
        (address in _SHARED, "a carrier-grade NAT address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def scheme_refusal(url: str) -> str | None:
    """Why a webhook may not be sent to this URL's scheme; None for http and https."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in SCHEMES:
        return None
    used = f"{scheme}://" if scheme else "no scheme"
    return f"Webhooks are sent over http:// or https:// only; this URL has {used}."


class Refused(Exception):
    """The URL, or an address its host resolves to, may not receive webhooks."""


class DeadlineExceeded(Exception):
    """The attempt's total time is up."""


class _Deadline:
    """The total time one attempt may take, across the lookup, connecting and the answer.

    The timeout of each network operation alone would let a receiver that sends
    a byte every few seconds hold the worker for ever. When the time is up the
    sockets of the attempt are shut down, which wakes whatever read or write is
    waiting on them.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ends_at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        left = self._ends_at - time.monotonic()
        if left <= 0 or self.expired:
            raise DeadlineExceeded
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                sock.close()
                raise DeadlineExceeded
            self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                # The plain socket's shutdown, also for TLS: it acts on the descriptor
                # without touching the TLS state another thread is reading through.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple]


def _resolve(host: str, port: int, *, deadline: _Deadline) -> list[AddressInfo]:
    """The host's addresses, looked up in a thread so a slow DNS server meets the deadline too."""
    answer: list[list[AddressInfo] | OSError] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            answer.append(exc)

    thread = threading.Thread(target=lookup, name=f"webhook-dns-{host}", daemon=True)
    thread.start()
    thread.join(deadline.remaining())
    if not answer:
        raise DeadlineExceeded
    if isinstance(answer[0], OSError):
        raise answer[0]
    return answer[0]


def _checked_addresses(
    host: str, port: int, *, allow_private: bool, deadline: _Deadline
) -> list[AddressInfo]:
    addresses = _resolve(host, port, deadline=deadline)
    if allow_private:
        return addresses
    for info in addresses:
        address = ipaddress.ip_address(info[4][0])
        reason = address_refusal(address)
        if reason is not None:
            where = f"{host} is" if host == str(address) else f"{host} resolves to {address},"
            raise Refused(
                f"{where} {reason}: webhooks go only to public addresses "
                "unless ALERTS_ALLOW_PRIVATE_WEBHOOKS=true."
            )
    return addresses


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to addresses that were already looked up and checked.

    The host is never looked up again (a second answer could point elsewhere),
    while the Host header, and for HTTPS the SNI name and the certificate check,
    still use the URL's host name.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        addresses: list[AddressInfo],
        deadline: _Deadline,
        timeout: float,
        tls: ssl.SSLContext | None,
    ) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses
        self._deadline = deadline
        self._tls = tls

    def connect(self) -> None:
        sock = self._connect_any()
        if self._tls is not None:
            sock = self._tls.wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
            self._deadline.watch(sock)
            self.sock = sock  # So that close() closes it when the handshake fails.
            sock.do_handshake()
        self.sock = sock

    def _connect_any(self) -> socket.socket:
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in self._addresses:
            budget = min(self.timeout, self._deadline.remaining())
            sock = socket.socket(family, kind, proto)
            self._deadline.watch(sock)
            try:
                sock.settimeout(budget)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sock.settimeout(self.timeout)
            return sock
        raise error or OSError(f"{self.host} has no address")


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int
    permanent: bool = False  # Refused before anything was sent: trying again cannot help.


def _exchange(
    *,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    deadline: _Deadline,
    allow_private: bool,
) -> tuple[int, str]:
    """POST the body and return the answer's status and reason; redirects are not followed."""
    refusal = scheme_refusal(url)
    if refusal:
        raise Refused(refusal)
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise Refused(f"The URL's port is not valid: {exc}.") from None
    if not parts.hostname:
        raise Refused("The URL has no host name.")
    addresses = _checked_addresses(
        parts.hostname, port, allow_private=allow_private, deadline=deadline
    )
    connection = _PinnedConnection(
        parts.hostname,
        port,
        addresses=addresses,
        deadline=deadline,
        timeout=timeout,
        tls=ssl.create_default_context() if parts.scheme.lower() == "https" else None,
    )
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(1024)
        return response.status, response.reason
    finally:
        connection.close()


def post(
    *,
    url: str,
    secret: str,
    body: bytes,
    event: str,
    delivery_id: int,
    timeout: float,
    deadline: float,
    allow_private: bool = False,
) -> PostResult:
    """Send one signed POST; any answer other than 2xx, or no answer, is a failure.

    `timeout` bounds each network operation, `deadline` the whole attempt.
    A redirect is a failure too: it would turn the POST into a GET elsewhere.
    """
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "infra-tracker-webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status: int | None = None
    error = ""
    permanent = cut_off = False
    limit = _Deadline(deadline)
    try:
        with limit:
            status, reason = _exchange(
                url=url,
                body=body,
                headers=headers,
                timeout=timeout,
                deadline=limit,
                allow_private=allow_private,
            )
    except Refused as exc:
        error, permanent = f"Refused: {exc}", True
    except DeadlineExceeded:
        cut_off = True
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    else:
        error = "" if 200 <= status < 300 else f"HTTP {status} {reason}".strip()
    if cut_off or limit.expired:
        # Cut off: whatever was read before is not a complete answer.
        status = None
        error = f"No complete answer within the {deadline:g} s deadline (ALERTS_WEBHOOK_DEADLINE)."
    duration_ms = round((time.monotonic() - started) * 1000)
    ok = not error and status is not None
    return PostResult(
        ok=ok, status_code=status, error=error, duration_ms=duration_ms, permanent=permanent
    )
