"""What the admin tells about imports: each format's columns, a template file, a missing worker."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from incidents.imports.base import with_article
from incidents.imports.formats import IMPORTERS, columns_markdown, is_csv, template_csv
from incidents.models import ImportJob
from tests.conftest import REPO
from tests.incidents.importing import create_job, run_import

CSV_FORMATS = [fmt for fmt in IMPORTERS if is_csv(fmt)]


def test_the_readme_lists_each_formats_columns_as_the_importers_declare_them():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- import-columns:start -->\n(.*?)<!-- import-columns:end -->", readme, re.S
    )
    assert found, "README.md has no import-columns section"
    assert found.group(1) == columns_markdown(), (
        "README.md's columns of each format differ from the importers' declarations; "
        "paste incidents.imports.formats.columns_markdown() between the markers"
    )


@pytest.mark.parametrize(
    ("label", "phrase"),
    [
        ("outage figures", "an outage figures"),
        ("ACLED", "an ACLED"),
        ("missile attacks", "a missile attacks"),
        ("Global Power Plant Database", "a Global Power Plant Database"),
        ("facilities GeoJSON", "a facilities GeoJSON"),
        ("unit list", "a unit list"),
        ("MSF", "an MSF"),
    ],
)
def test_a_format_is_named_with_the_article_it_is_said_with(label, phrase):
    assert with_article(label) == phrase


@pytest.mark.django_db
def test_a_file_without_the_columns_is_not_an_outage_figures_file(oblasts):
    job = run_import("outages-csv", "wrong.csv", content=b"place,number\nKyiv,3\n")
    assert job.status == ImportJob.Status.FAILED
    assert job.error_message.startswith("This is not an outage figures file: the column(s) region")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_each_csv_formats_template_imports_its_example_row(fmt, oblasts, analyst):
    rows = list(csv.reader(io.StringIO(template_csv(fmt))))
    importer = IMPORTERS[fmt]
    assert rows[0] == [column.name for column in importer.columns]
    assert set(importer.required_columns) <= set(rows[0])
    job = run_import(fmt, f"{fmt}-template.csv", user=analyst, content=template_csv(fmt).encode())
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert (job.rows_total, job.rows_rejected) == (1, 0), job.row_errors
    assert job.rows_created == 1


@pytest.mark.django_db
def test_the_import_form_names_each_formats_required_and_optional_columns(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("admin:incidents_importjob_add"))
    page = response.content.decode()
    for fmt, importer in IMPORTERS.items():
        assert f'id="import-format-{fmt}"' in page
        for column in importer.columns:
            assert f"<code>{column.name}</code>" in page
    for fmt in CSV_FORMATS:
        assert reverse("admin:incidents_importjob_template", args=[fmt]) in page
    assert "Download a template CSV" in page


@pytest.mark.django_db
def test_the_template_is_served_as_a_csv_download_to_importers_only(client, analyst, viewer):
    url = reverse("admin:incidents_importjob_template", args=["outages-csv"])
    client.force_login(analyst)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="outages-csv-template.csv"' in response["Content-Disposition"]
    assert response.content.decode() == template_csv("outages-csv")
    assert (
        client.get(reverse("admin:incidents_importjob_template", args=["gppd-x"])).status_code
        == 404
    )
    geojson = reverse("admin:incidents_importjob_template", args=["facilities-geojson"])
    assert client.get(geojson).status_code == 404
    client.force_login(viewer)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_a_queued_job_says_no_worker_is_answering_when_none_consumes_its_queue(
    client, analyst, settings
):
    settings.IMPORT_QUEUE = "test-no-worker-here"
    job = create_job(
        "outages-csv", "x.csv", user=analyst, content=template_csv("outages-csv").encode()
    )
    client.force_login(analyst)
    status = client.get(reverse("admin:incidents_importjob_progress", args=[job.pk])).json()
    assert status["status"] == "queued"
    assert status["worker_hint"].startswith("No worker is answering (The broker answers, but no")
    assert "celery -A infra_tracker worker -Q test-no-worker-here" in status["worker_hint"]


def test_a_queued_job_shows_no_hint_while_a_worker_consumes_its_queue(worker, client, analyst):
    worker.start()
    job = create_job("outages-csv", "x.csv", user=analyst, content=b"region\n")
    client.force_login(analyst)
    from incidents.imports.workers import why_no_worker

    assert why_no_worker(worker.queue) is None
    status = client.get(reverse("admin:incidents_importjob_progress", args=[job.pk])).json()
    assert status["worker_hint"] is None
