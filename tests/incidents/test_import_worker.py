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
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from incidents import services
from incidents.models import Attack, ImportJob
from infra_tracker.celery import app as celery_app
from tests.incidents.acled_files import write_acled_file
from tests.incidents.importing import DATA, load_ukraine_regions

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
    def __init__(self, queue: str, media_root: Path, log: Path) -> None:
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
        }
        self.queue, self.log = queue, log
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
            ],
            cwd=REPO,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
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


def submit(fmt: str, name: str, content: bytes, user) -> ImportJob:
    return services.import_job_create(
        created_by=user, format=fmt, file=ContentFile(content, name=name), options={}
    )


def test_a_worker_imports_a_file_end_to_end(transactional_db, worker, analyst):
    load_ukraine_regions()
    worker.start()

    job = submit("acled", "acled.csv", (DATA / "acled_ukraine_messy.csv").read_bytes(), analyst)

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=90, what="the import to finish", log=worker.log)
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_created, job.rows_skipped, job.rows_rejected) == (6, 2, 4)
    assert job.attempts == 1
    assert Attack.objects.filter(external_source="acled").count() == 6
    assert Attack.objects.filter(external_source="acled").first().created_by == analyst


def test_a_worker_killed_mid_import_and_restarted_finishes_without_duplicates_or_losses(
    transactional_db, worker, analyst, tmp_path
):
    rows = 12_000
    load_ukraine_regions()
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

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=240, what="the resumed import to finish", log=worker.log)
    assert job.status == ImportJob.Status.DONE
    assert job.attempts == 2
    assert (job.rows_total, job.rows_processed, job.rows_created) == (rows, rows, rows)
    assert (job.rows_updated, job.rows_skipped, job.rows_rejected) == (0, 0, 0)
    attacks = Attack.objects.filter(external_source="acled")
    assert attacks.count() == rows
    assert attacks.values("external_id").distinct().count() == rows
    assert Attack.regions.through.objects.filter(attack__in=attacks).count() == rows
