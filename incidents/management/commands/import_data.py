"""Import a file: `manage.py import_data FORMAT PATH [format options] [--sync]`.

The import runs on a worker when one consumes IMPORT_QUEUE, else in this
process. While a worker runs it, the command shows its progress: a bar on a
terminal, a line every few seconds otherwise. It never waits for nobody: a job
no worker takes, or one whose worker stops reporting, is finished here.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils import timezone

from incidents.imports import jobs
from incidents.imports.formats import all_options, clean_format_options
from incidents.imports.workers import why_no_worker
from incidents.models import ImportJob

# Seconds between looks at the job while a worker runs it.
POLL_SECONDS = 0.5
# Seconds a job may stay queued before the command asks again whether any worker is there.
RECHECK_SECONDS = 10.0
# At most one plain progress line this often (seconds), when the output is not a terminal.
PLAIN_EVERY = 2.0
BAR_WIDTH = 30


def duration_text(seconds: float) -> str:
    """ "0:07", "3:25", "1:02:03"."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class Progress:
    """Shows a running job's progress: rows done of total, the rate, the time left.

    On a terminal one line is redrawn in place (a bar); elsewhere (a log, a pipe)
    a plain line is written when the count moved, at most every PLAIN_EVERY seconds.
    """

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out
        self.tty = out.isatty()
        self.first: tuple[float, int] | None = None  # when the count was first seen, and it
        self.shown = -1
        self.shown_at = 0.0
        self.drawn = False

    def show(self, job: ImportJob) -> None:
        now, done = time.monotonic(), job.rows_processed
        if job.status != ImportJob.Status.RUNNING or not job.rows_total:
            return
        if self.first is None:
            self.first = (now, done)
        if done == self.shown or (not self.tty and now - self.shown_at < PLAIN_EVERY):
            return
        self.shown, self.shown_at = done, now
        total = job.rows_total
        elapsed, counted = now - self.first[0], done - self.first[1]
        rate = counted / elapsed if elapsed > 0 and counted > 0 else None
        figures = f"{done:,} / {total:,} rows"
        percent = min(100, done * 100 // total)
        if self.tty:
            filled = BAR_WIDTH * percent // 100
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            speed = f"{rate:,.0f} rows/s" if rate else "… rows/s"
            left = f"{duration_text((total - done) / rate)} left" if rate else "… left"
            self.out.write(f"\r  [{bar}] {percent:3d} %  {figures}  {speed}  {left}  ", ending="")
            self.out.flush()
            self.drawn = True
        else:
            line = f"  {figures} ({percent} %)"
            if rate:
                line += f", {rate:,.0f} rows/s, about {duration_text((total - done) / rate)} left"
            self.out.write(line)

    def end(self) -> None:
        if self.drawn:
            self.out.write("")  # the line after the bar
            self.drawn = False


class Command(BaseCommand):
    help = (
        "Import a file as an import job and print its counts. Runs on a worker when one "
        "consumes IMPORT_QUEUE (showing its progress), else in this process; exits with "
        "an error when the file as a whole cannot be used."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=ImportJob.Format.values)
        parser.add_argument("path", type=Path)
        for option, label in all_options().values():
            option.add_argument(parser, label)
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
        # The flags given (a flag of another format is refused by name).
        job_options = {
            name: options[name] for name in all_options() if options[name] not in (None, False)
        }
        try:
            clean_format_options(options["format"], job_options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        in_process = options["sync"] or settings.CELERY_TASK_ALWAYS_EAGER
        if not in_process and (reason := why_no_worker(settings.IMPORT_QUEUE)):
            self.stdout.write(f"{reason}; importing in this process.")
            in_process = True
        with path.open("rb") as handle:
            job = jobs.import_job_create(
                created_by=None,
                format=options["format"],
                file=File(handle, name=path.name),
                options=job_options,
                enqueue=not in_process,
            )
        if in_process:
            job = self._run_here(job)
            if job is None:
                raise CommandError("The import job was taken by a worker.")
        else:
            self.stdout.write(f"Import job {job.pk} queued; waiting for a worker…")
            job = self._wait(job)
        self._report(job)

    def _run_here(self, job: ImportJob) -> ImportJob | None:
        """Claim the job and run it in this process; None when someone else holds it."""
        claimed = jobs.import_job_claim(job_id=job.pk)
        return jobs.import_job_run(job=claimed) if claimed is not None else None

    def _wait(self, job: ImportJob) -> ImportJob:
        """Follow the job to its end; finish it here if no worker takes it or its worker stops."""
        progress = Progress(self.stdout)
        asked_at = time.monotonic()
        while True:
            time.sleep(POLL_SECONDS)
            job.refresh_from_db()
            if job.is_finished:
                progress.end()
                return job
            progress.show(job)
            reason = None
            if job.status == ImportJob.Status.QUEUED:
                if time.monotonic() - asked_at >= RECHECK_SECONDS:
                    asked_at = time.monotonic()
                    reason = why_no_worker(settings.IMPORT_QUEUE)
            elif job.heartbeat_at is None or (
                (timezone.now() - job.heartbeat_at).total_seconds() > settings.IMPORT_STALE_SECONDS
            ):
                reason = (
                    f"The worker running import job {job.pk} stopped reporting "
                    f"(nothing for over {settings.IMPORT_STALE_SECONDS} s, IMPORT_STALE_SECONDS)"
                )
            if reason is None:
                continue
            progress.end()
            self.stdout.write(f"{reason}; importing in this process.")
            finished = self._run_here(job)
            if finished is not None:
                return finished
            # A worker claimed it first after all: keep following it.

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
