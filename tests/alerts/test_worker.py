"""End to end through a real Celery worker, real Redis and a real HTTP receiver.

The worker runs as a separate process against the test database, so the test
uses committed transactions (transactional_db) and polls the database for the
outcome.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alerts.models import AlertRule, Delivery, WebhookEndpoint
from incidents.models import Damage, Facility
from incidents.services import attacks, facilities
from tests.factories import AttackFactory
from tests.workers import Worker

RETRY_BASE_MS = 200


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that checks signatures and answers per path."""

    secrets: dict[str, str] = field(default_factory=dict)
    answers: dict[str, list[int]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            timestamp = self.headers["X-Tracker-Timestamp"]
            secret = receiver.secrets[self.path]
            expected = hmac.new(
                secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
            signed = hmac.compare_digest(f"sha256={expected}", self.headers["X-Tracker-Signature"])
            answers = receiver.answers[self.path]
            status = answers.pop(0) if len(answers) > 1 else answers[0]
            if not signed:
                status = 401
            receiver.requests.append(
                {
                    "path": self.path,
                    "signed": signed,
                    "fresh": abs(time.time() - int(timestamp)) < 60,
                    "event": self.headers["X-Tracker-Event"],
                    "delivery": self.headers["X-Tracker-Delivery"],
                    "body": json.loads(body),
                    "status": status,
                }
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args) -> None:
            pass  # Keep the test output for failures.

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker(start_worker) -> Worker:
    return start_worker(
        "ALERTS_QUEUE",
        env={
            "ALERTS_RETRY_BASE_MS": str(RETRY_BASE_MS),
            "ALERTS_MAX_ATTEMPTS": "4",
            "ALERTS_WEBHOOK_TIMEOUT": "5",
            # The receivers listen on 127.0.0.1, which production refuses.
            "ALERTS_ALLOW_PRIVATE_WEBHOOKS": "true",
        },
    )


def test_a_damage_reaches_signed_webhooks_through_a_worker_and_a_failing_one_is_retried(
    worker, receiver, analyst, kyiv
):
    steady = WebhookEndpoint.objects.create(name="Partner dashboard", url=receiver.url("/ok"))
    flaky = WebhookEndpoint.objects.create(name="Flaky newsroom", url=receiver.url("/flaky"))
    receiver.secrets = {"/ok": steady.secret, "/flaky": flaky.secret}
    receiver.answers = {"/ok": [200], "/flaky": [500, 500, 200]}
    rule = AlertRule.objects.create(
        name="Heating plants hit",
        kind=AlertRule.Kind.FACILITY_DAMAGED,
        facility_kinds=[Facility.Kind.CHP],
    )
    rule.webhooks.set([steady, flaky])
    facility = Facility.objects.create(
        name="Darnytsia heating plant",
        kind=Facility.Kind.CHP,
        location="SRID=4326;POINT(30.64 50.446)",
        region=kyiv,
    )

    damage = facilities.damage_create(
        created_by=analyst,
        attack=AttackFactory(),
        facility=facility,
        severity=Damage.Severity.SEVERE,
    )

    def settled() -> bool:
        statuses = list(Delivery.objects.values_list("status", flat=True))
        return len(statuses) == 2 and set(statuses) <= {"sent", "failed"}

    worker.wait_for(settled, timeout=60, what="both deliveries to settle")

    steady_delivery = Delivery.objects.get(endpoint=steady)
    flaky_delivery = Delivery.objects.get(endpoint=flaky)
    assert (steady_delivery.status, steady_delivery.attempts) == ("sent", 1)
    assert (flaky_delivery.status, flaky_delivery.attempts) == ("sent", 3)
    attempts = list(flaky_delivery.attempt_log.order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert attempts[0].error == "HTTP 500 Internal Server Error"
    # Exponential backoff: 2**1 and then 2**2 times the base between tries.
    gaps = [
        (later.attempted_at - earlier.attempted_at).total_seconds()
        for earlier, later in itertools.pairwise(attempts)
    ]
    assert gaps[0] >= 2 * RETRY_BASE_MS / 1000
    assert gaps[1] >= 4 * RETRY_BASE_MS / 1000

    assert len(receiver.requests) == 4
    assert all(request["signed"] and request["fresh"] for request in receiver.requests)
    assert {request["event"] for request in receiver.requests} == {"facility_damaged"}
    flaky_requests = [request for request in receiver.requests if request["path"] == "/flaky"]
    assert {request["delivery"] for request in flaky_requests} == {str(flaky_delivery.pk)}
    body = flaky_requests[-1]["body"]
    assert body["rule"] == {"id": rule.pk, "name": "Heating plants hit"}
    assert body["data"]["damage"]["id"] == damage.pk
    assert body["data"]["facility"]["name"] == "Darnytsia heating plant"


def test_a_worker_gives_up_after_the_last_attempt_and_logs_each(worker, receiver, analyst, kyiv):
    broken = WebhookEndpoint.objects.create(name="Broken", url=receiver.url("/down"))
    receiver.secrets = {"/down": broken.secret}
    receiver.answers = {"/down": [503]}
    rule = AlertRule.objects.create(name="Any verified attack", kind=AlertRule.Kind.ATTACK_VERIFIED)
    rule.webhooks.set([broken])

    attacks.attack_create(
        created_by=None,
        started_at=AttackFactory.started_at,
        summary="Strike on Kyiv CHP",
        regions=[kyiv],
        verification_status="verified",
    )

    worker.wait_for(
        lambda: Delivery.objects.filter(status="failed").exists(),
        timeout=60,
        what="the delivery to fail",
    )
    delivery = Delivery.objects.get()
    assert delivery.attempts == 4
    assert delivery.last_status_code == 503
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [503] * 4
    assert len(receiver.requests) == 4
