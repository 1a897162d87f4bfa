"""Helpers shared by the import tests: regions, uploaded files, running a job."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry
from django.core.files.base import ContentFile

from incidents import services
from incidents.imports import jobs
from incidents.models import ImportJob, Region
from tests.conftest import OBLASTS_GEOJSON

DATA = Path(__file__).resolve().parent / "data"


def load_ukraine_regions() -> dict[str, Region]:
    """The 27 first-level units with their polygons, from the shared GeoJSON."""
    document = json.loads(OBLASTS_GEOJSON.read_text(encoding="utf-8"))
    for feature in document["features"]:
        properties = feature["properties"]
        services.region_upsert(
            user=None,
            code=properties["shapeISO"],
            name_en=properties["shapeName"],
            kind=Region.Kind.OBLAST,
            boundary=GEOSGeometry(json.dumps(feature["geometry"]), srid=4326),
        )
    return {region.code: region for region in Region.objects.all()}


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
