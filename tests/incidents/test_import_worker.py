"""Imports on a real Celery worker against the Redis on this machine.

The worker runs as a subprocess on the test database, consuming a queue of its
own on the configured broker (CELERY_BROKER_URL), so no other worker takes these
tasks. Jobs are created through `import_job_create`, which queues the task
after commit, exactly as the admin and the API do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from incidents import services
from incidents.models import Attack, Facility, ImportJob
from infra_tracker.celery import app as celery_app
from tests.incidents.acled_files import write_acled_file
from tests.incidents.importing import DATA

REPO = Path(__file__).resolve().parents[2]
# Short enough for the test, longer than a batch takes on a busy machine.
STALE_SECONDS = 5


@pytest.fixture
def worker_queue(settings, tmp_path) -> str:
    queue = f"imports-test-{uuid.uuid4().hex[:8]}"
    settings.IMPORT_QUEUE = queue
    settings.MEDIA_ROOT = tmp_path / "media"
    return queue


class Worker:
    def __init__(
        self,
        queue: str,
        media_root: Path,
        log: Path,
        *,
        env: dict[str, str] | None = None,
        include: str | None = None,
    ) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            # The same broker this process sends to; the queue name is the test's own.
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "CELERY_RESULT_BACKEND": celery_app.conf.broker_url,
            "IMPORT_QUEUE": queue,
            "IMPORT_STALE_SECONDS": str(STALE_SECONDS),
            "MEDIA_ROOT": str(media_root),
            "DEBUG": "true",
            **(env or {}),
        }
        self.queue, self.log, self.include = queue, log, include
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
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
                "--loglevel=INFO",
                # A module of the test's own, imported by the worker when it starts.
                *(["--include", self.include] if self.include else []),
            ],
            cwd=REPO,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def tail(self) -> str:
        """The end of the worker's log, to show when a test fails."""
        return self.log.read_text()[-3000:]

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(worker_queue, settings, tmp_path):
    started = Worker(worker_queue, settings.MEDIA_ROOT, tmp_path / "worker.log")
    yield started
    started.stop()


def wait_for(predicate, *, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def wait_until_finished(job: ImportJob, worker: Worker, *, timeout: float, what: str) -> None:
    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=timeout, what=what, log=worker.log)


def submit(fmt: str, name: str, content: bytes, user) -> ImportJob:
    return services.import_job_create(
        created_by=user, format=fmt, file=ContentFile(content, name=name), options={}
    )


def test_a_worker_imports_a_file_end_to_end(transactional_db, oblasts, worker, analyst):
    worker.start()

    job = submit("acled", "acled.csv", (DATA / "acled_ukraine_messy.csv").read_bytes(), analyst)

    wait_until_finished(job, worker, timeout=90, what="the import to finish")
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_created, job.rows_skipped, job.rows_rejected) == (6, 2, 4)
    assert job.attempts == 1
    assert Attack.objects.filter(external_source="acled").count() == 6
    assert Attack.objects.filter(external_source="acled").first().created_by == analyst


def test_a_worker_killed_mid_import_and_restarted_finishes_without_duplicates_or_losses(
    transactional_db, oblasts, worker, analyst, tmp_path
):
    rows = 12_000
    path = write_acled_file(tmp_path / "acled-large.csv", rows)
    worker.start()

    job = submit("acled", path.name, path.read_bytes(), analyst)

    def part_done():
        job.refresh_from_db()
        return job.status == ImportJob.Status.RUNNING and 0 < job.rows_processed < rows // 2

    wait_for(part_done, timeout=120, what="the import to get going", log=worker.log)
    worker.kill()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    assert job.rows_processed < rows

    # The restarted worker finds the job stale (its heartbeat stopped) and resumes
    # it after the last committed batch.
    worker.start()

    wait_until_finished(job, worker, timeout=240, what="the resumed import to finish")
    assert job.status == ImportJob.Status.DONE
    assert job.attempts == 2
    assert (job.rows_total, job.rows_processed, job.rows_created) == (rows, rows, rows)
    assert (job.rows_updated, job.rows_skipped, job.rows_rejected) == (0, 0, 0)
    attacks = Attack.objects.filter(external_source="acled")
    assert attacks.count() == rows
    assert attacks.values("external_id").distinct().count() == rows
    assert Attack.regions.through.objects.filter(attack__in=attacks).count() == rows


def test_a_file_that_kills_every_worker_reading_it_is_failed_after_the_maximum_attempts(
    transactional_db, worker_queue, settings, tmp_path, analyst
):
    # The worker's gppd importer kills its own process on the first row, as a file that
    # exhausts the memory would: no handler runs and the job is left "running".
    worker = Worker(
        worker_queue,
        settings.MEDIA_ROOT,
        tmp_path / "worker.log",
        env={"IMPORT_MAX_ATTEMPTS": "2"},
        include="tests.incidents.worker_killing_importer",
    )
    job = submit("gppd", "gppd.csv", (DATA / "gppd_ukraine.csv").read_bytes(), analyst)
    try:
        for attempt in (1, 2):
            worker.start()
            wait_for(
                lambda: not worker.alive, timeout=120, what=f"try {attempt} to stop", log=worker.log
            )
            job.refresh_from_db()
            assert (job.status, job.attempts) == (ImportJob.Status.RUNNING, attempt), worker.tail()

        # The third worker finds the job running with a stale heartbeat and fails it.
        worker.start()

        wait_until_finished(job, worker, timeout=120, what="the job to be given up")
        assert (job.status, job.attempts) == (ImportJob.Status.FAILED, 2), worker.tail()
        assert job.error_message.startswith(
            "The import was tried 2 times and the last attempt did not finish"
        )
        assert worker.alive, worker.tail()
        assert Facility.objects.count() == 0
    finally:
        worker.stop()


def test_a_worker_starting_fails_a_stale_job_at_the_attempt_limit_instead_of_running_it(
    transactional_db, worker, analyst
):
    job = services.import_job_create(
        created_by=analyst,
        format="gppd",
        file=ContentFile((DATA / "gppd_ukraine.csv").read_bytes(), name="gppd.csv"),
        enqueue=False,
    )
    # Left by a worker that died on the third and last attempt.
    silent = timezone.now() - timedelta(seconds=STALE_SECONDS * 4)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, attempts=3, heartbeat_at=silent, started_at=silent
    )

    worker.start()

    wait_until_finished(job, worker, timeout=90, what="the job to be given up")
    assert (job.status, job.attempts) == (ImportJob.Status.FAILED, 3)
    assert "tried 3 times" in job.error_message
    assert Facility.objects.count() == 0
