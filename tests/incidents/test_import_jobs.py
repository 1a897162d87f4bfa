"""An import job's life: the size limit, errors during a run, and the cap on attempts."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import tasks
from incidents.imports import jobs
from incidents.imports.gppd import GppdImporter
from incidents.models import Facility, ImportJob
from infra_tracker.celery import app as celery_app
from tests.incidents.importing import DATA, create_job, run_import

pytestmark = pytest.mark.django_db

FILE = "gppd_ukraine.csv"  # nine plants, 1.2 KB
SIZE = (DATA / FILE).stat().st_size


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def make_stale(job: ImportJob, settings) -> None:
    """As if the job's worker stopped reporting long ago."""
    silent = timedelta(seconds=settings.IMPORT_STALE_SECONDS * 2)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - silent)


# --------------------------------------------------------------------------- the size limit


def test_the_service_refuses_a_file_over_the_size_limit_and_stores_nothing(settings):
    settings.IMPORT_MAX_BYTES = 1024

    with pytest.raises(ValidationError) as caught:
        create_job("gppd", FILE)

    assert caught.value.message_dict == {
        "file": [f"The file is {SIZE / 1024:.1f} KB; imports take at most 1 KB (IMPORT_MAX_BYTES)."]
    }
    assert ImportJob.objects.count() == 0
    assert stored_files(settings) == []


def test_a_file_exactly_at_the_limit_is_accepted(settings):
    settings.IMPORT_MAX_BYTES = SIZE

    job = create_job("gppd", FILE)

    assert job.status == ImportJob.Status.QUEUED


def test_a_file_just_over_the_limit_gives_both_sizes_in_bytes(settings):
    # Rounded, both would read "1.2 KB": the message must still show the difference.
    settings.IMPORT_MAX_BYTES = SIZE - 1

    with pytest.raises(ValidationError) as caught:
        create_job("gppd", FILE)

    assert caught.value.message_dict["file"] == [
        f"The file is {SIZE:,} bytes; imports take at most {SIZE - 1:,} bytes (IMPORT_MAX_BYTES)."
    ]


def test_the_default_limit_is_200_mb_and_the_message_names_the_setting():
    with pytest.raises(ValidationError) as caught:
        jobs.import_file_size_check(size=int(250.3 * 2**20))

    assert caught.value.message_dict == {
        "file": ["The file is 250.3 MB; imports take at most 200 MB (IMPORT_MAX_BYTES)."]
    }
    jobs.import_file_size_check(size=200 * 2**20)  # at the limit: no error


# --------------------------------------------------------------------------- errors during a run


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (RuntimeError("the disk went away"), "RuntimeError: the disk went away"),
        (RecursionError("maximum recursion depth exceeded"), "RecursionError: maximum recursion"),
        (MemoryError(), "MemoryError"),
    ],
)
def test_any_error_during_a_run_ends_the_job_failed_with_a_message_keeping_committed_rows(
    monkeypatch, caplog, error, shown
):
    # Three rows a batch; the fifth row raises, so the first batch is committed and stays.
    monkeypatch.setattr(GppdImporter, "batch_size", 3)
    import_record = GppdImporter.import_record

    def raise_on_fifth_row(self, record):
        if record.line == 6:
            raise error
        return import_record(self, record)

    monkeypatch.setattr(GppdImporter, "import_record", raise_on_fifth_row)

    with caplog.at_level(logging.ERROR, logger="incidents.imports.jobs"):
        job = run_import("gppd", FILE)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith(f"The import stopped on an unexpected error ({shown}")
    assert "the file was not fully imported" in job.error_message
    assert "3 of 9 rows" in job.error_message
    assert (job.rows_total, job.rows_processed) == (9, 3)
    assert job.rows_created == Facility.objects.filter(external_source="gppd").count() == 3
    assert job.finished_at is not None
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failures and failures[0].exc_info[0] is type(error)


def test_an_error_before_the_first_row_fails_the_job_with_no_rows_counted(monkeypatch):
    def unreadable_options(self, *, job):
        raise TypeError("'list' object is not a mapping")

    monkeypatch.setattr(GppdImporter, "__init__", unreadable_options)

    job = run_import("gppd", FILE)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "(TypeError: 'list' object is not a mapping)" in job.error_message
    assert job.rows_processed == 0


def test_a_job_whose_importer_raises_on_every_run_fails_once_and_is_never_run_again(monkeypatch):
    runs = []

    def always_raise(self, record):
        runs.append(record.line)
        raise ValueError("this file always breaks the importer")

    monkeypatch.setattr(GppdImporter, "import_record", always_raise)
    job = create_job("gppd", FILE)

    # The message may be delivered more than once (a redelivery, a requeue on start).
    results = [tasks.run_import.apply(args=[job.pk]).get() for _ in range(3)]

    job.refresh_from_db()
    assert results == ["failed", "failed", "failed"]
    assert runs == [2]
    assert (job.status, job.attempts) == (ImportJob.Status.FAILED, 1)
    assert "ValueError: this file always breaks the importer" in job.error_message


def test_the_import_task_keeps_the_name_that_queued_messages_carry():
    # Messages queued before the task moved to incidents.imports name it so.
    registered = celery_app.tasks["incidents.tasks.run_import"]
    assert registered.run.__module__ == "incidents.imports.jobs"
    assert registered.run.__name__ == "run_import"


# --------------------------------------------------------------------------- attempts


class WorkerKilled(BaseException):
    """Stands for the worker's process dying mid-file (killed for memory, a crash in C):
    no handler in the process runs, so the job is left "running"."""


def test_a_job_that_kills_its_worker_every_time_is_failed_after_the_maximum_attempts(
    monkeypatch, settings
):
    settings.IMPORT_MAX_ATTEMPTS = 3

    def kill_the_worker(self, record):
        raise WorkerKilled

    monkeypatch.setattr(GppdImporter, "import_record", kill_the_worker)
    job = create_job("gppd", FILE)

    for attempt in (1, 2, 3):
        claimed = jobs.import_job_claim(job_id=job.pk)
        assert claimed is not None
        with pytest.raises(WorkerKilled):
            jobs.import_job_run(job=claimed)
        job.refresh_from_db()
        assert (job.status, job.attempts) == (ImportJob.Status.RUNNING, attempt)
        make_stale(job, settings)

    assert jobs.import_job_claim(job_id=job.pk) is None

    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJob.Status.FAILED, 3)
    assert job.error_message.startswith(
        "The import was tried 3 times and the last attempt did not finish"
    )
    assert job.finished_at is not None
    assert job.history.first().status == ImportJob.Status.FAILED


def test_the_task_fails_a_stale_job_at_the_attempt_limit_instead_of_running_it(
    monkeypatch, settings
):
    settings.IMPORT_MAX_ATTEMPTS = 2
    job = create_job("gppd", FILE)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, attempts=2, rows_total=9, rows_processed=3
    )
    make_stale(job, settings)

    def must_not_run(self, record):
        raise AssertionError("the job was run again")

    monkeypatch.setattr(GppdImporter, "import_record", must_not_run)

    result = tasks.run_import.apply(args=[job.pk]).get()

    job.refresh_from_db()
    assert result == "failed"
    assert (job.status, job.attempts, job.rows_processed) == (ImportJob.Status.FAILED, 2, 3)
    assert "tried 2 times" in job.error_message
    assert "3 of 9 rows" in job.error_message


def test_a_job_below_the_attempt_limit_is_resumed(settings):
    settings.IMPORT_MAX_ATTEMPTS = 3
    job = create_job("gppd", FILE)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=2)
    make_stale(job, settings)

    claimed = jobs.import_job_claim(job_id=job.pk)

    assert claimed is not None and claimed.attempts == 3
    assert jobs.import_job_run(job=claimed).status == ImportJob.Status.DONE


def test_a_job_still_held_by_a_live_worker_is_left_alone_even_at_the_limit(settings):
    settings.IMPORT_MAX_ATTEMPTS = 1
    job = create_job("gppd", FILE)
    assert jobs.import_job_claim(job_id=job.pk) is not None  # its heartbeat is fresh

    assert jobs.import_job_claim(job_id=job.pk) is None

    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJob.Status.RUNNING, 1)
