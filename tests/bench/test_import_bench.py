"""Import throughput: ACLED (100,000 rows) and missile attacks (20,000 rows) must import
at ≥ 1,000 rows per second.

Run with `pytest -m bench tests/bench` (make bench); skipped otherwise.
"""

import threading
import time
from pathlib import Path

import pytest
from django.db import connections

from incidents.models import Attack, ImportJob, WeaponUse
from tests.bench.targets import ACLED_ROWS_PER_S, MISSILE_ROWS_PER_S, check
from tests.incidents.acled_files import write_acled_file
from tests.incidents.importing import run_import
from tests.incidents.missile_files import write_missile_file

ROWS = 100_000
MISSILE_ROWS = 20_000

pytestmark = pytest.mark.bench


@pytest.fixture(autouse=True)
def only_when_asked(request):
    if "bench" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m bench")


@pytest.fixture
def regions(transactional_db, oblasts, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def timed_import(fmt: str, path: Path, rows: int) -> tuple[ImportJob, float, list[int]]:
    """Run an import job here and print its rate; return the job, the rate (rows per
    second) and the progress another connection saw meanwhile."""
    progress: list[int] = []
    done = threading.Event()

    def watch() -> None:
        # Another connection sees the committed progress while the import runs.
        try:
            while not done.wait(1.0):
                job = ImportJob.objects.order_by("-pk").first()
                if job is not None:
                    progress.append(job.rows_processed)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    try:
        job = run_import(fmt, path.name, content=path.read_bytes())
    finally:
        done.set()
        watcher.join()
    elapsed = time.perf_counter() - started
    print(f"\n{fmt} import: {rows:,} rows in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s")
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert (job.rows_created, job.rows_rejected) == (rows, 0), job.row_errors[:5]
    return job, rows / elapsed, progress


def test_acled_import_of_100000_rows_runs_at_1000_rows_per_second(regions, tmp_path):
    path = write_acled_file(tmp_path / "acled.csv", ROWS)

    _, rate, progress = timed_import("acled", path, ROWS)

    assert Attack.objects.filter(external_source="acled").count() == ROWS
    visible = [p for p in progress if 0 < p < ROWS]
    assert len(set(visible)) >= 3, f"progress seen while running: {progress}"
    check((ACLED_ROWS_PER_S, rate))


def test_missile_attacks_import_of_20000_rows_runs_at_1000_rows_per_second(regions, tmp_path):
    path = write_missile_file(tmp_path / "missile-attacks.csv", MISSILE_ROWS)

    _, rate, _ = timed_import("missile-attacks", path, MISSILE_ROWS)

    assert Attack.objects.filter(external_source="missile-attacks").count() == MISSILE_ROWS
    assert WeaponUse.objects.count() == MISSILE_ROWS
    check((MISSILE_ROWS_PER_S, rate))
