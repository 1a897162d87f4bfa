import hashlib
import hmac
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from alerts import services, webhooks
from alerts.models import AlertRule, Delivery, WebhookEndpoint
from infra_tracker.celery import app as celery_app
from tests.factories import AttackFactory

SECRET = "s3cr3t-for-the-partner-dashboard"
BODY = b'{"event":"facility_damaged","data":{"facility":{"name":"Darnytsia"}}}'
SENT_AT = 1_770_000_000


def test_the_signature_is_the_hmac_of_the_timestamp_and_the_raw_body():
    expected = hmac.new(SECRET.encode(), b"1770000000." + BODY, hashlib.sha256).hexdigest()
    assert webhooks.sign(secret=SECRET, timestamp=SENT_AT, body=BODY) == f"sha256={expected}"


def test_a_receiver_accepts_a_fresh_correctly_signed_request():
    signature = webhooks.sign(secret=SECRET, timestamp=SENT_AT, body=BODY)
    assert webhooks.verify_signature(
        secret=SECRET, body=BODY, timestamp=str(SENT_AT), signature=signature, now=SENT_AT + 30
    )


def test_a_receiver_rejects_a_changed_body_another_secret_or_a_forged_timestamp():
    signature = webhooks.sign(secret=SECRET, timestamp=SENT_AT, body=BODY)
    check = {"timestamp": str(SENT_AT), "signature": signature, "now": SENT_AT}
    assert not webhooks.verify_signature(secret=SECRET, body=BODY + b" ", **check)
    assert not webhooks.verify_signature(secret="another", body=BODY, **check)
    # Moving the timestamp forward to replay an old request breaks the signature.
    assert not webhooks.verify_signature(
        secret=SECRET,
        body=BODY,
        timestamp=str(SENT_AT + 600),
        signature=signature,
        now=SENT_AT + 600,
    )
    assert not webhooks.verify_signature(
        secret=SECRET, body=BODY, timestamp="yesterday", signature=signature, now=SENT_AT
    )


def test_a_replayed_request_is_rejected_once_its_timestamp_is_old():
    signature = webhooks.sign(secret=SECRET, timestamp=SENT_AT, body=BODY)
    assert not webhooks.verify_signature(
        secret=SECRET, body=BODY, timestamp=str(SENT_AT), signature=signature, now=SENT_AT + 301
    )


def test_a_refused_connection_is_a_failed_post_not_an_exception():
    # Port 9 (discard) on the loopback address: nothing listens there.
    result = webhooks.post(
        url="http://127.0.0.1:9/hook",
        secret=SECRET,
        body=BODY,
        event="x",
        delivery_id=1,
        timeout=2,
        deadline=5,
        allow_private=True,
    )
    assert not result.ok
    assert result.status_code is None
    assert "Connection refused" in result.error
    assert not result.permanent


def test_every_scheduled_task_exists():
    celery_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


# --------------------------------------------------------------------------- where webhooks may go


@dataclass
class LocalReceiver:
    """A webhook receiver on 127.0.0.1 that counts connections and records requests."""

    status: int = 200
    answer_headers: dict[str, str] = field(default_factory=dict)
    connections: int = 0
    requests: list[dict[str, str]] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook", *, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


class _ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: LocalReceiver, tls: ssl.SSLContext | None = None) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, **self.headers})
                self.send_response(receiver.status)
                for name, value in receiver.answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.receiver = receiver
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)

    def verify_request(self, request, client_address) -> bool:
        self.receiver.connections += 1
        return True


@contextmanager
def _serving(receiver: LocalReceiver, tls: ssl.SSLContext | None = None) -> Iterator[None]:
    server = _ReceiverServer(receiver, tls)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[LocalReceiver]:
    receiver = LocalReceiver()
    with _serving(receiver):
        yield receiver


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[str]]:
    """Answers for made-up host names (name -> addresses, one list per lookup in turn).

    The last list keeps being the answer; every lookup of a made-up name is
    counted under "lookups:<name>". Other names are looked up as usual.
    """
    answers: dict[str, list] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        answers[f"lookups:{host}"] = answers.get(f"lookups:{host}", 0) + 1
        turns = answers[host]
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def no_connections(monkeypatch) -> list[object]:
    """Refuses and records every outgoing connection, so a test can show none was tried."""
    attempts: list[object] = []

    def connect(sock, address):
        attempts.append(address)
        raise ConnectionRefusedError("connections are forbidden in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def _post(url: str, **options) -> webhooks.PostResult:
    arguments = {"timeout": 5, "deadline": 10, "allow_private": False} | options
    return webhooks.post(
        url=url, secret=SECRET, body=BODY, event="facility_damaged", delivery_id=7, **arguments
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.9.9.9"])
def test_a_loopback_receiver_is_refused_without_a_connection(receiver, host):
    result = _post(receiver.url(host=host))

    assert not result.ok
    assert result.permanent
    assert "a loopback address" in result.error
    assert "ALERTS_ALLOW_PRIVATE_WEBHOOKS=true" in result.error
    assert receiver.connections == 0
    assert receiver.requests == []


def test_localhost_is_refused_because_of_the_address_it_resolves_to(receiver):
    result = _post(receiver.url(host="localhost"))
    assert result.error.startswith("Refused: localhost resolves to ")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.20.30.40/hook", "a private address"),
        ("https://192.168.1.10:8443/hook", "a private address"),
        ("http://172.16.5.4/hook", "a private address"),
        ("http://[fd12:3456::1]/hook", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "a cloud metadata address"),
        ("http://[::ffff:169.254.169.254]/latest/meta-data/", "a cloud metadata address"),
        ("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "a cloud metadata address"),
        ("http://169.254.10.1/hook", "a link-local address"),
        ("http://[fe80::1]/hook", "a link-local address"),
        ("http://100.64.12.1/hook", "a carrier-grade NAT address"),
        ("http://0.0.0.0:8000/hook", "an unspecified address"),
        ("http://224.0.0.251/hook", "a multicast address"),
        ("http://[::1]/hook", "a loopback address"),
        ("http://[::ffff:127.0.0.1]/hook", "a loopback address"),
        ("http://[::ffff:10.0.0.1]/hook", "a private address"),
    ],
)
def test_private_and_metadata_addresses_are_refused_before_any_connection(
    no_connections, url, reason
):
    result = _post(url)

    assert not result.ok
    assert result.permanent
    assert reason in result.error
    assert no_connections == []


def test_a_public_name_that_resolves_to_a_private_address_is_refused(dns, no_connections):
    dns["hooks.partner.example"] = [["10.1.2.3"]]
    result = _post("https://hooks.partner.example/tracker")

    assert result.error == (
        "Refused: hooks.partner.example resolves to 10.1.2.3, a private address: webhooks go "
        "only to public addresses unless ALERTS_ALLOW_PRIVATE_WEBHOOKS=true."
    )
    assert no_connections == []


def test_one_private_address_among_public_ones_is_enough_to_refuse(dns, no_connections):
    dns["mixed.partner.example"] = [["8.8.8.8", "169.254.169.254"]]
    result = _post("https://mixed.partner.example/tracker")

    assert "resolves to 169.254.169.254, a cloud metadata address" in result.error
    assert no_connections == []


def test_private_receivers_are_reached_when_allowed(receiver):
    result = _post(receiver.url(host="localhost"), allow_private=True)

    assert result.ok, result.error
    assert receiver.requests[0]["X-Tracker-Delivery"] == "7"


def test_the_host_is_looked_up_once_and_the_checked_address_is_the_one_connected(receiver, dns):
    # A second lookup would answer 127.0.0.2, where nothing listens.
    dns["rebinding.partner.example"] = [["127.0.0.1"], ["127.0.0.2"]]
    result = _post(receiver.url(host="rebinding.partner.example"), allow_private=True)

    assert result.ok, result.error
    assert dns["lookups:rebinding.partner.example"] == 1
    assert receiver.requests[0]["Host"] == f"rebinding.partner.example:{receiver.port}"


@pytest.mark.parametrize("url", ["ftp://files.partner.example/drop", "file:///etc/passwd"])
def test_a_url_that_is_not_http_is_refused_when_sending(no_connections, url):
    result = _post(url, allow_private=True)

    assert not result.ok
    assert result.permanent
    assert "http:// or https:// only" in result.error
    assert no_connections == []


def test_a_redirect_is_a_failure_and_is_not_followed(receiver):
    receiver.status = 302
    receiver.answer_headers = {"Location": receiver.url("/elsewhere")}
    result = _post(receiver.url("/hook"), allow_private=True)

    assert not result.ok
    assert (result.status_code, result.error) == (302, "HTTP 302 Found")
    assert [request["path"] for request in receiver.requests] == ["/hook"]


# --------------------------------------------------------------------------- HTTPS


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Self-signed certificates (certificate, key) for two host names."""
    folder = tmp_path_factory.mktemp("tls")
    made = {}
    for name in ("hooks.partner.example", "other.partner.example"):
        cert, key = folder / f"{name}.crt", folder / f"{name}.key"
        subprocess.run(  # noqa: S603  (fixed arguments)
            [
                shutil.which("openssl") or "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                f"/CN={name}",
                "-addext",
                f"subjectAltName=DNS:{name}",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        made[name] = (cert, key)
    return made


@contextmanager
def _tls_receiver(certificate: tuple[Path, Path]) -> Iterator[LocalReceiver]:
    receiver = LocalReceiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda sock, name, ctx: receiver.server_names.append(name)
    with _serving(receiver, tls=context):
        yield receiver


def test_https_keeps_the_host_name_for_sni_the_host_header_and_the_certificate(
    certificates, dns, monkeypatch
):
    certificate = certificates["hooks.partner.example"]
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    dns["hooks.partner.example"] = [["127.0.0.1"]]
    with _tls_receiver(certificate) as receiver:
        url = receiver.url(host="hooks.partner.example", scheme="https")
        result = _post(url, allow_private=True)

    assert result.ok, result.error
    assert receiver.server_names == ["hooks.partner.example"]
    assert receiver.requests[0]["Host"] == f"hooks.partner.example:{receiver.port}"


def test_https_to_a_receiver_whose_certificate_names_another_host_fails(
    certificates, dns, monkeypatch
):
    # The certificate is trusted, but it is for another name than the URL's.
    other = certificates["other.partner.example"]
    monkeypatch.setenv("SSL_CERT_FILE", str(other[0]))
    dns["hooks.partner.example"] = [["127.0.0.1"]]
    with _tls_receiver(other) as receiver:
        result = _post(
            receiver.url(host="hooks.partner.example", scheme="https"), allow_private=True
        )

    assert not result.ok
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert "hooks.partner.example" in result.error
    assert receiver.requests == []


# --------------------------------------------------------------------------- the deadline


@contextmanager
def _trickling_receiver() -> Iterator[int]:
    """Answers "200 OK" and then one byte of a header every 0.2 s, for at most 10 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        listener.settimeout(10)
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        started = time.monotonic()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slowly: ")
            while not stop.is_set() and time.monotonic() - started < 10:
                try:
                    connection.sendall(b"z")
                except OSError:
                    break
                stop.wait(0.2)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=15)
        listener.close()


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline():
    with _trickling_receiver() as port:
        # Each byte comes well within the per-operation timeout: only the deadline helps.
        result = _post(f"http://127.0.0.1:{port}/hook", allow_private=True, timeout=5, deadline=1)

    assert not result.ok
    assert result.status_code is None
    assert result.error == ("No complete answer within the 1 s deadline (ALERTS_WEBHOOK_DEADLINE).")
    assert 900 <= result.duration_ms < 3000
    assert not result.permanent


def test_a_slow_delivery_is_logged_as_a_failed_attempt_and_tried_again(settings, db):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    settings.ALERTS_WEBHOOK_DEADLINE = 1
    with _trickling_receiver() as port:
        delivery = _webhook_delivery(f"http://127.0.0.1:{port}/hook")
        retry_in = services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert retry_in is not None
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    attempt = delivery.attempt_log.get()
    assert not attempt.succeeded
    assert "1 s deadline" in attempt.error
    assert attempt.duration_ms < 3000


# --------------------------------------------------------------------------- through the service


def _webhook_delivery(url: str) -> Delivery:
    endpoint = WebhookEndpoint.objects.create(name="Partner dashboard", url=url)
    rule = AlertRule.objects.create(name="Verified attacks", kind=AlertRule.Kind.ATTACK_VERIFIED)
    rule.webhooks.add(endpoint)
    attack = AttackFactory(verification_status="verified")
    notification = services.notification_create(
        rule=rule, record=attack, event_key="verified", payload={"title": "Verified: strike"}
    )
    return notification.deliveries.get()


def test_a_delivery_to_a_loopback_endpoint_fails_at_once_without_a_connection(
    settings, db, receiver
):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    delivery = _webhook_delivery(receiver.url())

    retry_in = services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert retry_in is None
    # Refused is final: retrying would only be refused again.
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert "127.0.0.1 is a loopback address" in delivery.last_error
    assert receiver.connections == 0


def test_a_delivery_to_a_loopback_endpoint_is_sent_when_private_webhooks_are_allowed(
    settings, db, receiver
):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    delivery = _webhook_delivery(receiver.url())

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(receiver.requests) == 1


# --------------------------------------------------------------------------- the endpoint's URL


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("ftp://files.partner.example/drop", "ftp://"), ("file:///etc/passwd", "file://")],
)
def test_an_endpoint_url_that_is_not_http_or_https_is_refused(db, url, scheme):
    endpoint = WebhookEndpoint(name="Partner", url=url)
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert (
        f"Webhooks are sent over http:// or https:// only; this URL has {scheme}."
        in refused.value.message_dict["url"]
    )


@pytest.mark.parametrize("url", ["https://partner.example.org/hook", "http://10.0.0.5:8080/in"])
def test_an_http_or_https_endpoint_url_is_accepted(db, url):
    # Addresses are checked when sending: a name's address can change after saving.
    WebhookEndpoint(name="Partner", url=url).full_clean()
