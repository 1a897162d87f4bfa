import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.admin.imports import ImportJobForm
from incidents.imports.formats import IMPORTERS
from incidents.management.commands.import_data import Command as ImportDataCommand
from incidents.models import ImportJob
from tests.incidents.importing import DATA, create_job

pytestmark = pytest.mark.django_db


def upload(name: str = "acled_ukraine_messy.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="text/csv")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_analyst_posts_a_file_and_gets_202_with_a_queued_job(client, analyst, settings):
    # Eager mode here: the real worker is exercised in test_import_worker.py.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(analyst)

    response = client.post(
        reverse("import-job-list"),
        {"format": "gppd", "file": upload("gppd_ukraine.csv"), "options": '{"country": "UKR"}'},
    )

    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.format, job.options, job.created_by) == ("gppd", {"country": "UKR"}, analyst)
    detail = client.get(reverse("import-job-detail", args=[job.pk]))
    assert detail.status_code == 200
    assert detail.json()["status"] in {"queued", "running", "done", "failed"}


def test_a_bad_format_or_options_is_a_400_with_field_messages(client, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("import-job-list"), {"format": "excel", "file": upload(), "options": "{oops"}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"format", "options"}
    assert ImportJob.objects.count() == 0


def test_a_viewer_may_neither_post_nor_read_imports(client, viewer):
    job = create_job("acled", "acled_ukraine_messy.csv")
    client.force_login(viewer)

    assert (
        client.post(reverse("import-job-list"), {"format": "acled", "file": upload()}).status_code
        == 403
    )
    assert client.get(reverse("import-job-detail", args=[job.pk])).status_code == 403


def test_the_admin_page_shows_progress_and_its_json_status(client, analyst):
    job = create_job("acled", "acled_ukraine_messy.csv", user=analyst)
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_total=12, rows_processed=6)
    client.force_login(analyst)

    page = client.get(reverse("admin:incidents_importjob_change", args=[job.pk]))
    status = client.get(reverse("admin:incidents_importjob_progress", args=[job.pk]))

    assert page.status_code == 200
    assert b'id="import-progress-bar"' in page.content
    assert status.json()["progress_percent"] == 50


def test_the_admin_add_page_creates_a_job_through_the_service(client, analyst, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(analyst)

    response = client.post(
        reverse("admin:incidents_importjob_add"),
        {"format": "acled", "file": upload(), "energy_only": "on", "property_map": ""},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:incidents_importjob_change", args=[job.pk])
    assert job.options == {"energy_only": True, "publication_state": "draft"}
    assert job.created_by == analyst


def stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


TOO_LARGE = "The file is 4.1 KB; imports take at most 1 KB (IMPORT_MAX_BYTES)."


def test_the_api_refuses_a_file_over_the_size_limit_naming_the_file_field(
    client, analyst, settings
):
    settings.IMPORT_MAX_BYTES = 1024  # the ACLED file has 4,187 bytes
    client.force_login(analyst)

    response = client.post(reverse("import-job-list"), {"format": "acled", "file": upload()})

    assert response.status_code == 400
    assert response.json() == {"file": [TOO_LARGE]}
    assert ImportJob.objects.count() == 0
    assert stored_files(settings) == []


def test_the_admin_form_refuses_a_file_over_the_size_limit_with_a_field_error(
    client, analyst, settings
):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(analyst)

    response = client.post(
        reverse("admin:incidents_importjob_add"),
        {"format": "acled", "file": upload(), "property_map": ""},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"file": [TOO_LARGE]}
    assert TOO_LARGE in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert stored_files(settings) == []


# --------------------------------------------------------------------------- options


def test_each_format_declares_its_options_once_for_the_admin_form_and_the_command():
    parser = ImportDataCommand().create_parser("manage.py", "import_data")
    flags = {flag for action in parser._actions for flag in action.option_strings}
    declared = {option for importer in IMPORTERS.values() for option in importer.accepts}

    assert {option.name for option in declared} == {
        "country",
        "energy_only",
        "external_source",
        "property_map",
        "publication_state",
    }
    for option in declared:
        assert option.name in ImportJobForm.base_fields
        assert option.flag in flags
    assert ImportJobForm.base_fields["country"].help_text == (
        "Global Power Plant Database only: the country's ISO 3166-1 alpha-3 code, e.g. UKR."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            '{"energy_only": true}',
            "The Global Power Plant Database import has no option 'energy_only'; it takes country.",
        ),
        (
            '{"country": "U1"}',
            "country: 'U1' does not fit: the country's ISO 3166-1 alpha-3 code, e.g. UKR.",
        ),
    ],
)
def test_the_api_refuses_an_option_the_format_does_not_take_or_a_value_that_does_not_fit(
    client, analyst, options, message
):
    client.force_login(analyst)

    response = client.post(
        reverse("import-job-list"),
        {"format": "gppd", "file": upload("gppd_ukraine.csv"), "options": options},
    )

    assert response.status_code == 400
    assert response.json() == {"options": [message]}
    assert ImportJob.objects.count() == 0


def test_the_admin_stores_the_chosen_format_s_options_with_their_defaults(
    client, analyst, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(analyst)

    client.post(
        reverse("admin:incidents_importjob_add"),
        {
            "format": "gppd",
            "file": upload("gppd_ukraine.csv"),
            "country": "pol",
            "energy_only": "on",  # an ACLED option: not the chosen format's
            "property_map": "",
        },
    )

    assert ImportJob.objects.get().options == {"country": "POL"}
