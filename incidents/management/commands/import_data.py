"""Import a file: `manage.py import_data FORMAT PATH [--country UKR] [--energy-only] [--sync]`."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.imports import jobs
from incidents.models import ImportJob


def broker_answers(timeout: float = 2.0) -> bool:
    from infra_tracker.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception:  # Any failure to reach the broker means: run here instead.
        return False
    return True


class Command(BaseCommand):
    help = (
        "Import a file as an import job and print its counts. Runs on a worker when the "
        "broker answers (waiting for the result), else in this process; exits with an "
        "error when the file as a whole cannot be used."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=ImportJob.Format.values)
        parser.add_argument("path", type=Path)
        parser.add_argument("--country", help="GPPD: the ISO 3166-1 alpha-3 code (default UKR).")
        parser.add_argument(
            "--energy-only",
            action="store_true",
            help="ACLED: keep only events whose notes mention energy infrastructure.",
        )
        parser.add_argument("--external-source", help="GeoJSON: the data set's name.")
        parser.add_argument(
            "--sync", action="store_true", help="Run in this process, not on a worker."
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            jobs.import_file_size_check(size=path.stat().st_size)
        except ValidationError as exc:
            raise CommandError(f"{path}: {' '.join(exc.messages)}") from None
        job_options: dict[str, object] = {}
        if options["country"]:
            job_options["country"] = options["country"]
        if options["energy_only"]:
            job_options["energy_only"] = True
        if options["external_source"]:
            job_options["external_source"] = options["external_source"]
        in_process = options["sync"] or not broker_answers()
        with path.open("rb") as handle:
            job = jobs.import_job_create(
                created_by=None,
                format=options["format"],
                file=File(handle, name=path.name),
                options=job_options,
                enqueue=not in_process,
            )
        if in_process:
            claimed = jobs.import_job_claim(job_id=job.pk)
            if claimed is None:
                raise CommandError(f"Import job {job.pk} was taken by a worker.")
            job = jobs.import_job_run(job=claimed)
        else:
            self.stdout.write(f"Import job {job.pk} queued; waiting for a worker…")
            job = self._wait(job)
        self._report(job)

    def _wait(self, job: ImportJob) -> ImportJob:
        last = -1
        while not job.is_finished:
            time.sleep(1)
            job.refresh_from_db()
            if job.rows_processed != last and self.verbosity > 1:
                self.stdout.write(f"  {job.rows_processed:,} / {job.rows_total or 0:,} rows")
                last = job.rows_processed
        return job

    def _report(self, job: ImportJob) -> None:
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import job {job.pk} failed: {job.error_message}")
        self.stdout.write(
            f"Import job {job.pk} done: {job.rows_total:,} rows, {job.rows_created:,} created, "
            f"{job.rows_updated:,} updated, {job.rows_skipped:,} skipped, "
            f"{job.rows_rejected:,} rejected."
        )
        for error in job.row_errors[:50]:
            self.stdout.write(f"  line {error['line']}: {error['reason']}")
        if len(job.row_errors) > 50:
            self.stdout.write(f"  … and {len(job.row_errors) - 50:,} more rejected rows.")
