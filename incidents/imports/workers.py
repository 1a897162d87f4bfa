"""Whether a worker is there to run imports: asked of the workers themselves through the broker.

The command imports in its own process when none is; the admin's progress page
says so, and how to start one, while a job waits.
"""

from __future__ import annotations

from django.core.cache import cache

from infra_tracker.celery import app

# Seconds to wait for the broker and for the workers' replies.
BROKER_TIMEOUT = 2.0
# Seconds the admin keeps an answer: the progress page asks every second.
ANSWER_SECONDS = 5


def why_no_worker(queue: str, *, timeout: float = BROKER_TIMEOUT) -> str | None:
    """None when a worker consumes `queue`; else what is missing, as a sentence."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception:  # Any failure to reach the broker means: run here instead.
        return "The broker does not answer"
    try:
        replies = app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception:  # A broker that cannot carry the question has no worker to ask.
        return "The broker answers, but the workers cannot be asked"
    for queues in replies.values():
        if any(consumed.get("name") == queue for consumed in queues or ()):
            return None
    return f"The broker answers, but no worker consumes the queue {queue!r}"


def why_no_worker_lately(queue: str) -> str | None:
    """why_no_worker, asked at most once every ANSWER_SECONDS (shared by every web process)."""
    key = f"imports:why-no-worker:{queue}"
    answer = cache.get(key)
    if answer is None:
        answer = why_no_worker(queue, timeout=1.0) or ""
        cache.set(key, answer, ANSWER_SECONDS)
    return answer or None
