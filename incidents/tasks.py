"""Background work of the incidents app."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from incidents import services
from incidents.models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def run_import(self, job_id: int) -> str:
    """Run one import job; safe to deliver twice or after a worker died mid-file.

    The message is acknowledged only when the task returns (acks_late), and a
    worker that is killed gives it back (reject_on_worker_lost). The claim lets
    exactly one worker run the job; a job still held by a live worker is tried
    again once that worker would count as gone, and a job that is done needs
    nothing more. A job started IMPORT_MAX_ATTEMPTS times already is marked
    failed by the claim rather than run again, on this path as on every other.
    """
    job = services.import_job_claim(job_id=job_id)
    if job is None:
        status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status == ImportJob.Status.RUNNING:
            raise self.retry(countdown=settings.IMPORT_STALE_SECONDS, queue=settings.IMPORT_QUEUE)
        return status or "missing"
    job = services.import_job_run(job=job)
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
        job_ids = services.requeue_running_imports()
    except Exception:  # A worker must start even when the database is not up yet.
        logger.exception("Could not look for running import jobs.")
        return
    if job_ids:
        logger.info("Queued running import jobs again: %s", job_ids)
