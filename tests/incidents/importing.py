"""Helpers shared by the import tests: uploaded files, running a job."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from django.core.files.base import ContentFile

from incidents.imports import jobs
from incidents.models import ImportJob

DATA = Path(__file__).resolve().parent / "data"


def create_job(fmt: str, filename: str, *, user=None, options=None, content=None) -> ImportJob:
    data = content if content is not None else (DATA / filename).read_bytes()
    return jobs.import_job_create(
        created_by=user,
        format=fmt,
        file=ContentFile(data, name=filename),
        options=options or {},
        enqueue=False,
    )


def run_import(fmt: str, filename: str, *, user=None, options=None, content=None) -> ImportJob:
    """Create a job for a file and run it in this process, as `import_data --sync` does."""
    job = create_job(fmt, filename, user=user, options=options, content=content)
    claimed = jobs.import_job_claim(job_id=job.pk)
    assert claimed is not None
    return jobs.import_job_run(job=claimed)


def run_measuring_memory(job: ImportJob) -> tuple[ImportJob, int]:
    """Run a created job here; return it finished and the most memory Python held meanwhile."""
    tracemalloc.start()
    try:
        finished = jobs.import_job_run(job=jobs.import_job_claim(job_id=job.pk))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return finished, peak


def reasons(job: ImportJob) -> dict[int, str]:
    return {error["line"]: error["reason"] for error in job.row_errors}
