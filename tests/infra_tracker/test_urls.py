"""The project's URLs: uploaded files are never served, not even on a development machine."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import infra_tracker.urls
from tests.incidents.importing import create_job


@pytest.fixture
def debug_urls(settings, tmp_path) -> Iterator[None]:
    """The URLconf as a DEBUG=true process builds it at start-up."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with override_settings(DEBUG=True):
        importlib.reload(infra_tracker.urls)
        clear_url_caches()
        try:
            yield
        finally:
            importlib.reload(infra_tracker.urls)
            clear_url_caches()


def test_an_uploaded_import_file_is_not_served_even_with_debug(client, superuser, debug_urls):
    job = create_job("acled", "acled_ukraine_messy.csv", user=superuser)
    assert job.file.storage.exists(job.file.name)
    client.force_login(superuser)

    response = client.get(job.file.url)

    assert response.status_code == 404
    assert b"event_id_cnty" not in response.content


def test_the_import_job_page_names_its_file_without_a_link_to_it(
    client, analyst, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = create_job("acled", "acled_ukraine_messy.csv", user=analyst)
    client.force_login(analyst)

    page = client.get(reverse("admin:incidents_importjob_change", args=[job.pk])).content.decode()

    assert job.file.name.rsplit("/", 1)[-1] in page
    assert job.file.url not in page
