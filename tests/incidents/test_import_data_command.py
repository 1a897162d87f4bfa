import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import ImportJob
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
