"""ACLED import throughput: 100,000 rows must import at ≥ 1,000 rows per second.

Run with `pytest -m bench tests/bench` (make bench); skipped otherwise.
"""

import threading
import time

import pytest
from django.db import connections

from incidents.models import Attack, ImportJob
from tests.bench.targets import ACLED_ROWS_PER_S, check
from tests.incidents.acled_files import write_acled_file
from tests.incidents.importing import run_import

ROWS = 100_000

pytestmark = pytest.mark.bench


@pytest.fixture(autouse=True)
def only_when_asked(request):
    if "bench" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m bench")


def test_acled_import_of_100000_rows_runs_at_1000_rows_per_second(
    transactional_db, oblasts, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_acled_file(tmp_path / "acled.csv", ROWS)
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
        job = run_import("acled", path.name, content=path.read_bytes())
    finally:
        done.set()
        watcher.join()
    elapsed = time.perf_counter() - started

    rate = ROWS / elapsed
    print(f"\nACLED import: {ROWS:,} rows in {elapsed:.1f} s = {rate:,.0f} rows/s")
    assert job.status == ImportJob.Status.DONE
    assert job.rows_created == ROWS
    assert Attack.objects.filter(external_source="acled").count() == ROWS
    visible = [p for p in progress if 0 < p < ROWS]
    assert len(set(visible)) >= 3, f"progress seen while running: {progress}"
    check((ACLED_ROWS_PER_S, rate))
