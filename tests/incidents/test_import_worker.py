"""Imports on a real Celery worker against the Redis on this machine.

The worker (tests/workers.py) runs as a subprocess on the test database,
consuming a queue of its own on the configured broker, so no other worker takes
these tasks. Jobs are created through `import_job_create`, which queues the task
after commit, exactly as the admin and the API do.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from incidents.imports import jobs
from incidents.models import Attack, Facility, ImportJob
from tests.incidents.acled_files import write_acled_file
from tests.incidents.conftest import STALE_SECONDS
from tests.incidents.importing import DATA
from tests.workers import Worker


def wait_until_finished(job: ImportJob, worker: Worker, *, timeout: float, what: str) -> None:
    def finished():
        job.refresh_from_db()
        return job.is_finished

    worker.wait_for(finished, timeout=timeout, what=what)


def submit(fmt: str, name: str, content: bytes, user) -> ImportJob:
    return jobs.import_job_create(
        created_by=user, format=fmt, file=ContentFile(content, name=name), options={}
    )


def test_a_worker_imports_a_file_end_to_end(oblasts, worker, analyst):
    worker.start()

    job = submit("acled", "acled.csv", (DATA / "acled_ukraine_messy.csv").read_bytes(), analyst)

    wait_until_finished(job, worker, timeout=90, what="the import to finish")
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_created, job.rows_skipped, job.rows_rejected) == (6, 2, 4)
    assert job.attempts == 1
    assert Attack.objects.filter(external_source="acled").count() == 6
    assert Attack.objects.filter(external_source="acled").first().created_by == analyst


def test_a_worker_killed_mid_import_and_restarted_finishes_without_duplicates_or_losses(
    oblasts, worker, analyst, tmp_path
):
    rows = 12_000
    path = write_acled_file(tmp_path / "acled-large.csv", rows)
    worker.start()

    job = submit("acled", path.name, path.read_bytes(), analyst)

    def part_done():
        job.refresh_from_db()
        return job.status == ImportJob.Status.RUNNING and 0 < job.rows_processed < rows // 2

    worker.wait_for(part_done, timeout=120, what="the import to get going")
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
    import_worker, analyst
):
    # The worker's gppd importer kills its own process on the first row, as a file that
    # exhausts the memory would: no handler runs and the job is left "running".
    worker = import_worker(
        env={"IMPORT_MAX_ATTEMPTS": "2"}, include="tests.incidents.worker_killing_importer"
    )
    job = submit("gppd", "gppd.csv", (DATA / "gppd_ukraine.csv").read_bytes(), analyst)
    for attempt in (1, 2):
        worker.start()
        worker.wait_for(lambda: not worker.alive, timeout=120, what=f"try {attempt} to stop")
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


def test_a_worker_starting_fails_a_stale_job_at_the_attempt_limit_instead_of_running_it(
    worker, analyst
):
    job = jobs.import_job_create(
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
