"""An import job from upload to end: store, queue, claim, run in batches, finish.

A job is created from an uploaded file (`import_job_create`) and handed to a
worker after commit (the `run_import` task). One conditional UPDATE claims it
(`import_job_claim`), so two workers never run the same job. The run reads the
file twice as a stream, never whole into memory: a first pass checks its
structure and counts its records, a second feeds them to the format's importer
in batches; each batch's writes and the job's counters, progress and rejected
rows are committed in one transaction. A worker that dies mid-file therefore
leaves the job exactly at the end of its last committed batch, and the next
run skips that many records and goes on: no row is lost, and because every
write is an upsert on (external source, external id), none is doubled. Any
error a run does not expect ends the job as failed, with a message, never
leaving it "running".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from incidents.imports.base import (
    CREATED,
    MAX_REPORTED_ERRORS,
    REJECTED,
    SKIPPED,
    UPDATED,
    FileUnusable,
    Importer,
    JobLost,
    Record,
    check_not_empty,
)
from incidents.imports.formats import IMPORTERS, check_publication_state, clean_format_options
from incidents.models import ImportJob
from incidents.services.base import User, record_save

logger = logging.getLogger(__name__)


def file_size_text(size: int) -> str:
    """A size as people read it: "812 bytes", "14.2 KB", "250.3 MB", "1.4 GB"."""
    for unit, factor in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= factor:
            return f"{size / factor:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} bytes"


def import_file_size_check(*, size: int) -> None:
    """Refuse a file larger than IMPORT_MAX_BYTES, saying how large it is and what the limit is.

    The admin form, the API and the command call this before anything is stored,
    and `import_job_create` once more, for any other caller.
    """
    limit = settings.IMPORT_MAX_BYTES
    if size <= limit:
        return
    shown, most = file_size_text(size), file_size_text(limit)
    if shown == most:  # Rounded alike, they would not show why the file is refused.
        shown, most = f"{size:,} bytes", f"{limit:,} bytes"
    raise ValidationError(
        {
            "file": ValidationError(
                f"The file is {shown}; imports take at most {most} (IMPORT_MAX_BYTES).",
                code="file_too_large",
            )
        }
    )


# What a run counts as it goes; written with each batch, read back after an error.
_JOB_COUNTERS = [
    "rows_total",
    "rows_processed",
    "rows_created",
    "rows_updated",
    "rows_skipped",
    "rows_rejected",
    "row_errors",
]


def import_job_create(
    *,
    created_by: User,
    format: str,
    file: File,
    options: Mapping[str, Any] | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Store an uploaded file as a queued import and hand it to a worker after commit."""
    import_file_size_check(size=file.size)
    job = ImportJob(format=format, options=clean_format_options(format, options or {}))
    check_publication_state(format, job.options, user=created_by)
    job.file.save(os.path.basename(file.name or "upload"), file, save=False)
    try:
        record_save(instance=job, user=created_by)
    except ValidationError:
        job.file.delete(save=False)
        raise
    if enqueue:
        transaction.on_commit(lambda: import_job_enqueue(job_id=job.pk))
    return job


def import_job_enqueue(*, job_id: int) -> None:
    run_import.apply_async(args=[job_id], queue=settings.IMPORT_QUEUE)


def import_job_claim(*, job_id: int) -> ImportJob | None:
    """Take a queued job, or a running one whose worker stopped reporting; None if taken.

    One conditional UPDATE decides, so two workers never run the same job. A job
    already started IMPORT_MAX_ATTEMPTS times is not started again: its last
    worker stopped without finishing it (a file that exhausts the memory or
    crashes the parser takes its worker down with no handler running), and the
    next one would most likely go the same way. It is marked failed instead.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    claimable = ImportJob.objects.filter(pk=job_id).filter(
        Q(status=ImportJob.Status.QUEUED)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=stale_before)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__isnull=True)
    )
    claimed = claimable.filter(attempts__lt=settings.IMPORT_MAX_ATTEMPTS).update(
        status=ImportJob.Status.RUNNING,
        started_at=Coalesce("started_at", Value(now)),
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if claimed == 1:
        return ImportJob.objects.select_related("created_by").get(pk=job_id)
    # The same condition takes the job to be given up, so only one caller records it; in
    # one transaction, so no reader sees the job failed without its message.
    with transaction.atomic():
        given_up = claimable.update(status=ImportJob.Status.FAILED, heartbeat_at=None)
        if given_up == 1:
            job = ImportJob.objects.select_related("created_by").get(pk=job_id)
            import_job_finish(job=job, status=ImportJob.Status.FAILED, error_message=_gave_up(job))
    return None


def _gave_up(job: ImportJob) -> str:
    message = (
        f"The import was tried {job.attempts} times and the last attempt did not finish: its "
        "worker stopped, which a file can cause (for example by exhausting the memory). It "
        "will not be tried again (IMPORT_MAX_ATTEMPTS)."
    )
    return message + _rows_kept(job)


def _rows_kept(job: ImportJob) -> str:
    if not job.rows_processed:
        return ""
    total = f" of {job.rows_total:,}" if job.rows_total else ""
    return f" {job.rows_processed:,}{total} rows were processed before it stopped; they are kept."


def import_job_failed_unexpectedly(*, job: ImportJob, error: BaseException) -> ImportJob:
    """End a run that raised something no importer expects, with a message for a person.

    The counters are read back first: the batch that was being written when the
    error came was rolled back, so only committed rows count.
    """
    job.refresh_from_db(fields=_JOB_COUNTERS)
    detail = " ".join(str(error).split())
    if len(detail) > 300:
        detail = detail[:299] + "…"
    what = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return import_job_finish(
        job=job,
        status=ImportJob.Status.FAILED,
        error_message=(
            f"The import stopped on an unexpected error ({what}); the file was not fully "
            "imported." + _rows_kept(job)
        ),
    )


def import_job_finish(*, job: ImportJob, status: str, error_message: str = "") -> ImportJob:
    """Record how a run ended (through save, so the history keeps it)."""
    job.status = status
    job.error_message = error_message
    job.finished_at = timezone.now()
    if job.started_at is None or job.started_at > job.finished_at:
        job.started_at = job.finished_at
    job._history_user = job.created_by
    job.save(
        update_fields=[
            "status",
            "error_message",
            "finished_at",
            "started_at",
            *_JOB_COUNTERS,
            "updated_at",
        ]
    )
    return job


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a claimed job to its end in this process (or resume it); returns it finished."""
    return run(job, IMPORTERS[job.format])


def requeue_running_imports() -> list[int]:
    """Queue again every job marked running; workers call this when they start.

    A worker that was killed mid-file leaves its job "running" and its message
    unacknowledged until the broker's visibility timeout. Queuing it again is
    harmless: the task's claim skips a job another live worker still holds
    (it retries once that worker's heartbeat would be stale) and a finished one,
    and gives up a job that has had all its attempts.
    """
    job_ids = list(
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING).values_list("pk", flat=True)
    )
    for job_id in job_ids:
        import_job_enqueue(job_id=job_id)
    return job_ids


# --------------------------------------------------------------------------- the loop


def run(job: ImportJob, importer_class: type[Importer]) -> ImportJob:
    """Import (or resume importing) a claimed, running job with `importer_class`."""
    try:
        importer = importer_class(job=job)
        check_not_empty(job)
        total = importer.count()
        if total <= 0:
            raise FileUnusable(gettext("The file has a header but no rows."))
        importer.prepare()
        ImportJob.objects.filter(pk=job.pk).update(rows_total=total)
        job.rows_total = total
        _process(job, importer, importer.records())
    except FileUnusable as exc:
        return import_job_finish(job=job, status=ImportJob.Status.FAILED, error_message=str(exc))
    except JobLost:
        logger.warning("Import job %s was taken over by another worker.", job.pk)
        job.refresh_from_db()
        return job
    except Exception as exc:  # Whatever it was, the job must end, and say why.
        logger.exception("Import job %s stopped on an unexpected error.", job.pk)
        return import_job_failed_unexpectedly(job=job, error=exc)
    return import_job_finish(job=job, status=ImportJob.Status.DONE)


def _process(job: ImportJob, importer: Importer, records: Iterable[Record]) -> None:
    # Records committed by an earlier run of this job are read again but not written.
    already = job.rows_processed
    batch: list[Record] = []
    for index, record in enumerate(records):
        if index < already:
            continue
        batch.append(record)
        if len(batch) >= importer.batch_size:
            _commit_batch(job, importer, batch)
            batch = []
    if batch:
        _commit_batch(job, importer, batch)


@transaction.atomic
def _commit_batch(job: ImportJob, importer: Importer, batch: Sequence[Record]) -> None:
    outcomes = importer.handle_batch(batch)
    importer.publish_written()
    for outcome in outcomes:
        if outcome.result == CREATED:
            job.rows_created += 1
        elif outcome.result == UPDATED:
            job.rows_updated += 1
        elif outcome.result == SKIPPED:
            job.rows_skipped += 1
        else:
            job.rows_rejected += 1
            if len(job.row_errors) < MAX_REPORTED_ERRORS:
                job.row_errors.append({"line": outcome.line, "reason": outcome.reason})
    job.rows_processed += len(batch)
    job.heartbeat_at = timezone.now()
    fields = {
        "rows_processed": job.rows_processed,
        "rows_created": job.rows_created,
        "rows_updated": job.rows_updated,
        "rows_skipped": job.rows_skipped,
        "rows_rejected": job.rows_rejected,
        "heartbeat_at": job.heartbeat_at,
    }
    if any(outcome.result == REJECTED for outcome in outcomes):
        fields["row_errors"] = job.row_errors
    # Only the run holding the job (same attempt) may write; a superseded run rolls back.
    updated = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.RUNNING, attempts=job.attempts
    ).update(**fields)
    if updated != 1:
        raise JobLost()


# --------------------------------------------------------------------------- the task


# Named as it was when it lived in incidents/tasks.py, so messages already queued still run.
@shared_task(
    name="incidents.tasks.run_import",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def run_import(self, job_id: int) -> str:
    """Run one import job; safe to deliver twice or after a worker died mid-file.

    The message is acknowledged only when the task returns (acks_late), and a
    worker that is killed gives it back (reject_on_worker_lost). The claim lets
    exactly one worker run the job; a job still held by a live worker is tried
    again once that worker would count as gone, and a job that is done needs
    nothing more. A job started IMPORT_MAX_ATTEMPTS times already is marked
    failed by the claim rather than run again, on this path as on every other.
    """
    job = import_job_claim(job_id=job_id)
    if job is None:
        status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status == ImportJob.Status.RUNNING:
            raise self.retry(countdown=settings.IMPORT_STALE_SECONDS, queue=settings.IMPORT_QUEUE)
        return status or "missing"
    job = import_job_run(job=job)
    logger.info(
        "Import job %s %s: %s created, %s updated, %s skipped, %s rejected.",
        job.pk,
        job.status,
        job.rows_created,
        job.rows_updated,
        job.rows_skipped,
        job.rows_rejected,
    )
    return job.status


@worker_ready.connect
def requeue_stale_imports_on_start(**kwargs) -> None:
    """A worker that starts picks up the imports of workers that died."""
    try:
        job_ids = requeue_running_imports()
    except Exception:  # A worker must start even when the database is not up yet.
        logger.exception("Could not look for running import jobs.")
        return
    if job_ids:
        logger.info("Queued running import jobs again: %s", job_ids)
