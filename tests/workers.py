"""A real Celery worker for tests: a subprocess against the test database and the real broker.

Each worker consumes a queue of its own (a fresh name per test, set in this
process's settings too), so no other worker on the same broker takes the
test's tasks and the test's worker takes no one else's. Tests that use one need
committed data (`transactional_db`) and poll the database for the outcome; the
`start_worker` fixture stops the worker before the tables are flushed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from infra_tracker.celery import app as celery_app
from tests.conftest import REPO, database_url

T = TypeVar("T")


class Worker:
    """One `celery worker` process (solo pool) on `queue`; `start` again after `kill` or `stop`."""

    def __init__(
        self, *, queue: str, log: Path, env: dict[str, str], include: str | None = None
    ) -> None:
        self.queue, self.log, self.include = queue, log, include
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            # The broker this process sends to.
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "CELERY_RESULT_BACKEND": celery_app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, *, wait: float = 60) -> None:
        """Start the worker and wait until it consumes its queue (its log says "ready")."""
        ready_before = self._log_text().count(" ready.")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "infra_tracker",
                    "worker",
                    "--pool=solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-Q",
                    self.queue,
                    # A node name of its own, so remote-control replies are told apart.
                    "-n",
                    f"{self.queue}@%h",
                    "--loglevel=INFO",
                    # A module of the test's own, imported by the worker when it starts.
                    *(["--include", self.include] if self.include else []),
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for(
            lambda: self._log_text().count(" ready.") > ready_before,
            timeout=wait,
            what="the worker to start",
        )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """Stop it at once, as the kernel would: no handler runs, messages stay unacknowledged."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, chars: int = 3000) -> str:
        """The end of the worker's log, to show when a test fails."""
        return self._log_text()[-chars:]

    def wait_for(self, predicate: Callable[[], T], *, timeout: float, what: str) -> T:
        """Poll `predicate` until it returns something true; fail with the log's end if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        pytest.fail(f"Timed out waiting for {what}; the worker's log ends:\n{self.tail()}")

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def start_worker(transactional_db, settings, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Make workers: `start_worker("IMPORT_QUEUE", env={…})` sets that queue setting to a
    fresh name here and in the worker, starts it (unless `start=False`: the test starts
    it later with `worker.start()`), and stops it when the test ends.

    It depends on transactional_db, so the workers stop before the tables are flushed.
    """
    started: list[Worker] = []

    def start(
        queue_setting: str,
        *,
        env: dict[str, str] | None = None,
        include: str | None = None,
        start: bool = True,
    ) -> Worker:
        queue = f"test-{queue_setting.lower()}-{uuid.uuid4().hex[:10]}"
        setattr(settings, queue_setting, queue)
        worker = Worker(
            queue=queue,
            log=tmp_path / f"worker-{len(started)}.log",
            env={queue_setting: queue, **(env or {})},
            include=include,
        )
        started.append(worker)
        if start:
            worker.start()
        return worker

    yield start
    for worker in started:
        worker.stop()
