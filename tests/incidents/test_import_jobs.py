"""An import job's life: the size limit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import ImportJob
from tests.incidents.importing import DATA, create_job

pytestmark = pytest.mark.django_db

FILE = "gppd_ukraine.csv"  # nine plants, 1.2 KB
SIZE = (DATA / FILE).stat().st_size


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


# --------------------------------------------------------------------------- the size limit


def test_the_service_refuses_a_file_over_the_size_limit_and_stores_nothing(settings):
    settings.IMPORT_MAX_BYTES = 1024

    with pytest.raises(ValidationError) as caught:
        create_job("gppd", FILE)

    assert caught.value.message_dict == {
        "file": [f"The file is {SIZE / 1024:.1f} KB; imports take at most 1 KB (IMPORT_MAX_BYTES)."]
    }
    assert ImportJob.objects.count() == 0
    assert stored_files(settings) == []


def test_a_file_exactly_at_the_limit_is_accepted(settings):
    settings.IMPORT_MAX_BYTES = SIZE

    job = create_job("gppd", FILE)

    assert job.status == ImportJob.Status.QUEUED


def test_a_file_just_over_the_limit_gives_both_sizes_in_bytes(settings):
    # Rounded, both would read "1.2 KB": the message must still show the difference.
    settings.IMPORT_MAX_BYTES = SIZE - 1

    with pytest.raises(ValidationError) as caught:
        create_job("gppd", FILE)

    assert caught.value.message_dict["file"] == [
        f"The file is {SIZE:,} bytes; imports take at most {SIZE - 1:,} bytes (IMPORT_MAX_BYTES)."
    ]


def test_the_default_limit_is_200_mb_and_the_message_names_the_setting():
    with pytest.raises(ValidationError) as caught:
        services.import_file_size_check(size=int(250.3 * 2**20))

    assert caught.value.message_dict == {
        "file": ["The file is 250.3 MB; imports take at most 200 MB (IMPORT_MAX_BYTES)."]
    }
    services.import_file_size_check(size=200 * 2**20)  # at the limit: no error
