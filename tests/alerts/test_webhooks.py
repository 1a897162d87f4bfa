import hashlib
import hmac

from django.conf import settings

from alerts import webhooks
from infra_tracker.celery import app as celery_app

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
    )
    assert not result.ok
    assert result.status_code is None
    assert "Connection refused" in result.error


def test_every_scheduled_task_exists():
    celery_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks
