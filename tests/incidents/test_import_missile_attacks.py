import pytest

from incidents.models import Attack, ImportJob, WeaponUse
from tests.incidents.importing import reasons, run_import

pytestmark = pytest.mark.django_db

FILE = "missile_attacks.csv"


@pytest.fixture
def regions(oblasts):
    return oblasts


def test_it_imports_one_attack_per_row_with_its_weapons(regions, analyst):
    job = run_import("missile-attacks", FILE, user=analyst)

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_created, job.rows_skipped, job.rows_rejected) == (8, 4, 1, 3)
    found = reasons(job)
    assert "More intercepted than launched (3 destroyed > 2 launched)" in found[5]
    assert "'12.5' is not a whole number" in found[6]
    assert "'not a date' is not a date" in found[9]
    cruise = WeaponUse.objects.get(model="Kh-101/Kh-555 and Kalibr")
    assert (cruise.weapon_type, cruise.launched, cruise.intercepted) == ("cruise_missile", 45, 38)
    drones = WeaponUse.objects.get(model="Shahed-136/131", launched=20)
    assert drones.weapon_type == WeaponUse.WeaponType.DRONE
    assert WeaponUse.objects.get(model="Iskander-M").weapon_type == "ballistic_missile"


def test_it_links_only_the_oblasts_a_target_names(regions):
    run_import("missile-attacks", FILE)

    cruise = Attack.objects.get(weapons__model="Kh-101/Kh-555 and Kalibr")
    assert sorted(cruise.regions.values_list("code", flat=True)) == ["UA-30", "UA-46", "UA-63"]
    assert cruise.time_precision == Attack.TimePrecision.EXACT
    drones = Attack.objects.get(weapons__model="Shahed-136/131", started_at__day=7)
    assert drones.regions.count() == 0
    assert "Reported area: south, east." in drones.description
    assert drones.reported_region_count is None
    iskander = Attack.objects.get(weapons__model="Iskander-M")
    assert iskander.time_precision == Attack.TimePrecision.DAY  # no hour in the file


def test_reimporting_the_file_creates_nothing_new(regions):
    run_import("missile-attacks", FILE)
    counts = (Attack.objects.count(), WeaponUse.objects.count(), Attack.history.count())

    again = run_import("missile-attacks", FILE)

    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 5)
    assert (Attack.objects.count(), WeaponUse.objects.count(), Attack.history.count()) == counts
