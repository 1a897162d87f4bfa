import io
import os
import re
import threading
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import ImportJob
from tests.incidents.acled_files import write_acled_file
from tests.incidents.importing import DATA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_command_imports_a_file_in_this_process(capsys):
    call_command("import_data", "gppd", str(DATA / "gppd_ukraine.csv"), "--sync")

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE
    assert f"Import job {job.pk} done: 9 rows, 5 created" in capsys.readouterr().out


def test_the_command_refuses_a_file_over_the_size_limit_before_storing_it(settings):
    settings.IMPORT_MAX_BYTES = 1024
    path = DATA / "gppd_ukraine.csv"  # 1,197 bytes

    with pytest.raises(CommandError) as caught:
        call_command("import_data", "gppd", str(path), "--sync")

    assert str(caught.value) == (
        f"{path}: The file is 1.2 KB; imports take at most 1 KB (IMPORT_MAX_BYTES)."
    )
    assert ImportJob.objects.count() == 0
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*.csv"))


# --------------------------------------------------------------------------- on a worker

# The rate and the time left follow once the count has moved.
PROGRESS_LINE = re.compile(
    r"^  [\d,]+ / 6,000 rows \(\d+ %\)(, [\d,]+ rows/s, about \d+:\d\d left)?$"
)
PROGRESS_BAR = re.compile(
    r"\r  \[[#.]{30}\] +\d+ %  [\d,]+ / 6,000 rows  [\d,]+ rows/s  \d+:\d\d left"
)


@pytest.fixture
def acled_file(oblasts, tmp_path) -> Path:
    return write_acled_file(tmp_path / "acled.csv", 6000)


def test_the_command_waits_for_a_worker_and_prints_progress_lines(
    import_worker, acled_file, transactional_db
):
    worker = import_worker()
    worker.start()
    out = io.StringIO()

    call_command("import_data", "acled", str(acled_file), stdout=out)

    job = ImportJob.objects.get()
    text = out.getvalue()
    assert text.startswith(f"Import job {job.pk} queued; waiting for a worker…\n"), text
    assert any(PROGRESS_LINE.match(line) for line in text.splitlines()), text
    assert f"Import job {job.pk} done: 6,000 rows, 6,000 created, 0 updated" in text
    assert (job.status, job.attempts) == (ImportJob.Status.DONE, 1)
    # The worker ran it, not this process (its log line may come a moment after the commit).
    ran = f"Import job {job.pk} done: 6000 created"
    worker.wait_for(lambda: ran in worker.tail(), timeout=10, what="the worker's log line")


def test_on_a_terminal_the_command_draws_a_progress_bar(
    import_worker, acled_file, transactional_db
):
    import_worker().start()
    master, replica = os.openpty()
    received: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # The terminal's other end was closed.
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with os.fdopen(replica, "w") as terminal:
            call_command("import_data", "acled", str(acled_file), stdout=terminal)
    finally:
        reader.join(timeout=10)
        os.close(master)

    text = b"".join(received).decode()
    assert PROGRESS_BAR.search(text), text
    assert "Import job" in text and "done: 6,000 rows, 6,000 created" in text


def test_with_no_worker_on_its_queue_the_command_says_so_and_imports_here(
    settings, transactional_db
):
    settings.IMPORT_QUEUE = f"test-nobody-{uuid.uuid4().hex[:10]}"
    out = io.StringIO()

    call_command("import_data", "gppd", str(DATA / "gppd_ukraine.csv"), stdout=out)

    job = ImportJob.objects.get()
    assert out.getvalue().startswith(
        f"The broker answers, but no worker consumes the queue '{settings.IMPORT_QUEUE}'; "
        "importing in this process.\n"
    )
    assert (job.status, job.rows_created, job.attempts) == (ImportJob.Status.DONE, 5, 1)


def test_when_its_worker_dies_the_command_finishes_the_import_here(
    import_worker, settings, transactional_db
):
    # This worker's gppd importer kills its process on the first row.
    worker = import_worker(include="tests.incidents.worker_killing_importer")
    worker.start()
    settings.IMPORT_STALE_SECONDS = 2
    out = io.StringIO()

    call_command("import_data", "gppd", str(DATA / "gppd_ukraine.csv"), stdout=out)

    job = ImportJob.objects.get()
    assert not worker.alive
    assert (
        f"The worker running import job {job.pk} stopped reporting (nothing for over 2 s, "
        "IMPORT_STALE_SECONDS); importing in this process." in out.getvalue()
    )
    assert (job.status, job.rows_created, job.attempts) == (ImportJob.Status.DONE, 5, 2)


def test_the_command_refuses_a_flag_of_another_format_naming_the_format_s_own():
    with pytest.raises(CommandError) as caught:
        call_command("import_data", "gppd", str(DATA / "gppd_ukraine.csv"), "--energy-only")

    assert str(caught.value) == (
        "The Global Power Plant Database import has no option 'energy_only'; it takes country."
    )
    assert ImportJob.objects.count() == 0


def test_the_command_passes_a_format_s_options_to_its_job(capsys):
    call_command(
        "import_data",
        "facilities-geojson",
        str(DATA / "facilities_osm.geojson"),
        "--external-source=osm",
        '--property-map={"name": "NAME_EN"}',
        "--sync",
    )

    job = ImportJob.objects.get()
    assert job.options == {"external_source": "osm", "property_map": {"name": "NAME_EN"}}
    assert job.status == ImportJob.Status.DONE
