"""Imports and publication: a job's records are drafts unless a reviewer imports them as
published; the API, the admin form and the command offer the choice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.models import Attack, ImportJob, OutageReport, PublicationState
from tests.incidents.importing import DATA, create_job, run_import

pytestmark = pytest.mark.django_db

State = PublicationState
# Each format whose records have a publication state, with a file and the model it fills.
FORMATS = {
    "acled": ("acled_ukraine_messy.csv", Attack),
    "missile-attacks": ("missile_attacks.csv", Attack),
    "outages-csv": ("outages.csv", OutageReport),
}
REFUSAL = "publication_state: only reviewers (who may publish) can import records as published"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def regions(oblasts):
    return oblasts


def states(model) -> set[str]:
    return set(model.objects.values_list("publication_state", flat=True))


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="text/csv")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_makes_drafts_by_default(regions, analyst, fmt):
    filename, model = FORMATS[fmt]
    job = run_import(fmt, filename, user=analyst)
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert job.options["publication_state"] == "draft"
    assert model.objects.exists()
    assert states(model) == {State.DRAFT}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_reviewer_imports_records_as_published(regions, reviewer, fmt):
    filename, model = FORMATS[fmt]
    job = run_import(fmt, filename, user=reviewer, options={"publication_state": "published"})
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert job.rows_created == model.objects.count() > 0
    assert states(model) == {State.PUBLISHED}
    assert set(model.objects.values_list("published_by", flat=True)) == {reviewer.pk}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_analyst_may_not_import_as_published(regions, analyst, fmt):
    filename, _ = FORMATS[fmt]
    with pytest.raises(ValidationError) as refused:
        create_job(fmt, filename, user=analyst, options={"publication_state": "published"})
    assert REFUSAL in refused.value.message_dict["options"][0]
    assert ImportJob.objects.count() == 0


def test_a_format_without_publication_refuses_the_option(reviewer):
    with pytest.raises(ValidationError) as refused:
        create_job("gppd", "gppd_ukraine.csv", options={"publication_state": "published"})
    assert "has no option 'publication_state'" in refused.value.message_dict["options"][0]


def test_a_state_other_than_draft_or_published_is_refused(reviewer):
    with pytest.raises(ValidationError) as refused:
        create_job("acled", "acled_ukraine_messy.csv", options={"publication_state": "in_review"})
    assert "publication_state: give one of draft, published" in str(refused.value)


def test_a_job_whose_author_lost_the_permission_fails_saying_why(regions, reviewer):
    job = create_job(
        "outages-csv", "outages.csv", user=reviewer, options={"publication_state": "published"}
    )
    reviewer.groups.clear()
    from incidents.imports import jobs

    job = jobs.import_job_run(job=jobs.import_job_claim(job_id=job.pk))
    assert job.status == ImportJob.Status.FAILED
    assert REFUSAL in job.error_message
    assert not OutageReport.objects.exists()


def test_a_reimport_keeps_the_state_of_unchanged_rows_and_reopens_changed_ones(
    regions, reviewer, analyst
):
    filename = "acled_ukraine_messy.csv"
    run_import("acled", filename, user=reviewer, options={"publication_state": "published"})
    published = set(Attack.objects.values_list("pk", flat=True))
    assert states(Attack) == {State.PUBLISHED}

    job = run_import("acled", filename, user=analyst)
    assert job.rows_created == job.rows_updated == 0
    assert states(Attack) == {State.PUBLISHED}

    # One event's notes changed at the source: its attack is a draft again, the others stay.
    text = (DATA / filename).read_text(encoding="utf-8")
    changed, note = next(
        (attack, attack.description.split("\n\n")[0])
        for attack in Attack.objects.order_by("pk")
        if text.count(attack.description.split("\n\n")[0]) == 1
    )
    edited = text.replace(note, note + " Confirmed by the operator.")
    job = run_import("acled", filename, user=analyst, content=edited.encode())
    assert job.rows_updated == 1, job.row_errors
    changed.refresh_from_db()
    assert changed.publication_state == State.DRAFT
    others = Attack.objects.filter(pk__in=published - {changed.pk})
    assert set(others.values_list("publication_state", flat=True)) == {State.PUBLISHED}

    # A published re-import leaves the row as it is: unchanged, it keeps its state too.
    run_import(
        "acled",
        filename,
        user=reviewer,
        options={"publication_state": "published"},
        content=edited.encode(),
    )
    changed.refresh_from_db()
    assert changed.publication_state == State.DRAFT
    # A row it changes, it publishes.
    again = edited.replace("Confirmed by the operator.", "Confirmed by the operator twice.")
    job = run_import(
        "acled",
        filename,
        user=reviewer,
        options={"publication_state": "published"},
        content=again.encode(),
    )
    assert job.rows_updated == 1
    changed.refresh_from_db()
    assert changed.publication_state == State.PUBLISHED


# --------------------------------------------------------------------------- where it is chosen


def test_the_api_takes_the_state_from_a_reviewer(client, reviewer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(reviewer)
    response = client.post(
        reverse("import-job-list"),
        {
            "format": "acled",
            "file": upload("acled_ukraine_messy.csv"),
            "options": '{"publication_state": "published"}',
        },
    )
    assert response.status_code == 202, response.content
    assert response.json()["options"]["publication_state"] == "published"


def test_the_api_refuses_published_from_an_analyst_naming_the_option(client, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("import-job-list"),
        {
            "format": "outages-csv",
            "file": upload("outages.csv"),
            "options": '{"publication_state": "published"}',
        },
    )
    assert response.status_code == 400
    assert REFUSAL in response.json()["options"][0]
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(("role", "accepted"), [("analyst", False), ("reviewer", True)])
def test_the_admin_form_offers_the_state_and_refuses_published_to_analysts(
    request, client, settings, role, accepted
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("admin:incidents_importjob_add"))
    assert 'name="publication_state"' in page.content.decode()

    response = client.post(
        reverse("admin:incidents_importjob_add"),
        {
            "format": "outages-csv",
            "file": upload("outages.csv"),
            "publication_state": "published",
            "property_map": "",
        },
    )
    if accepted:
        assert response.status_code == 302
        assert ImportJob.objects.get().options == {"publication_state": "published"}
    else:
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert REFUSAL in errors["publication_state"][0]
        assert ImportJob.objects.count() == 0


def test_the_command_imports_as_published_with_state(regions, capsys):
    call_command(
        "import_data", "outages-csv", str(DATA / "outages.csv"), "--state", "published", "--sync"
    )
    assert OutageReport.objects.exists()
    assert states(OutageReport) == {State.PUBLISHED}
    assert ImportJob.objects.get().options == {"publication_state": "published"}


def test_the_command_refuses_a_state_for_a_format_without_one(db):
    with pytest.raises(CommandError, match="has no option 'publication_state'"):
        call_command(
            "import_data", "gppd", str(DATA / "gppd_ukraine.csv"), "--state", "published", "--sync"
        )
