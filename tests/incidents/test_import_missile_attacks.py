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
    # Lines 4 and 8 are the same wave written twice: each row is an attack of its own.
    assert (job.rows_total, job.rows_created, job.rows_skipped, job.rows_rejected) == (8, 5, 0, 3)
    found = reasons(job)
    assert "More intercepted than launched (3 destroyed > 2 launched)" in found[5]
    assert "'12.5' is not a whole number" in found[6]
    assert "'not a date' is not a date" in found[9]
    cruise = WeaponUse.objects.get(model="Kh-101/Kh-555 and Kalibr")
    assert (cruise.weapon_type, cruise.launched, cruise.intercepted) == ("cruise_missile", 45, 38)
    drones = WeaponUse.objects.get(model="Shahed-136/131", launched=20)
    assert drones.weapon_type == WeaponUse.WeaponType.DRONE
    assert set(
        WeaponUse.objects.filter(model="Iskander-M").values_list("weapon_type", flat=True)
    ) == {"ballistic_missile"}


def test_it_links_only_the_oblasts_a_target_names(regions):
    run_import("missile-attacks", FILE)

    cruise = Attack.objects.get(weapons__model="Kh-101/Kh-555 and Kalibr")
    assert sorted(cruise.regions.values_list("code", flat=True)) == ["UA-30", "UA-46", "UA-63"]
    assert cruise.time_precision == Attack.TimePrecision.EXACT
    drones = Attack.objects.get(weapons__model="Shahed-136/131", started_at__day=7)
    assert drones.regions.count() == 0
    assert "Reported area: south, east." in drones.description
    assert drones.reported_region_count is None
    iskander = Attack.objects.filter(weapons__model="Iskander-M").first()
    assert iskander.time_precision == Attack.TimePrecision.DAY  # no hour in the file


def test_reimporting_the_file_creates_nothing_new(regions):
    run_import("missile-attacks", FILE)
    counts = (Attack.objects.count(), WeaponUse.objects.count(), Attack.history.count())

    again = run_import("missile-attacks", FILE)

    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 5)
    assert (Attack.objects.count(), WeaponUse.objects.count(), Attack.history.count()) == counts


HEADER = "time_start,time_end,model,launch_place,target,launched,destroyed,source\n"
SAME_WAVE_TWO_LAUNCH_SITES = (
    HEADER
    + "2024-03-01 02:00,2024-03-01 08:00,Shahed-136/131,Kursk oblast,Ukraine,20,18,t.me/kpszsu/1\n"
    + "2024-03-01 02:00,2024-03-01 08:00,Shahed-136/131,Primorsko-Akhtarsk,Ukraine,15,12,"
    + "t.me/kpszsu/1\n"
).encode()


def test_rows_sharing_time_model_and_target_are_each_an_attack_and_reimport_changes_nothing(
    regions,
):
    first = run_import("missile-attacks", "waves.csv", content=SAME_WAVE_TWO_LAUNCH_SITES)

    assert (first.rows_created, first.rows_updated, first.rows_rejected) == (2, 0, 0)
    weapons = WeaponUse.objects.filter(model="Shahed-136/131")
    assert sorted(weapons.values_list("launched", "intercepted")) == [(15, 12), (20, 18)]
    assert Attack.objects.filter(description__contains="Primorsko-Akhtarsk").count() == 1
    counts = (Attack.objects.count(), WeaponUse.objects.count(), Attack.history.count())

    again = run_import("missile-attacks", "waves.csv", content=SAME_WAVE_TWO_LAUNCH_SITES)

    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 2)
    assert (Attack.objects.count(), WeaponUse.objects.count(), Attack.history.count()) == counts
