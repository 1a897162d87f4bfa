"""Daily rollups: every write keeps them equal to the raw rows, and the statistics they
serve are exactly the statistics the raw rows give (logged in and in the public view)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.imports import jobs
from incidents.models import Attack, AttackRollup, ImportJob, WeaponUse
from incidents.rollups import maintenance, queries
from incidents.services import attacks as attack_services
from incidents.services import publication
from tests.bench.generate import generate_attacks
from tests.factories import AttackFactory, DamageFactory, FacilityFactory, WeaponUseFactory
from tests.incidents.admin_helpers import (
    admin_url,
    attack_data,
    form_post_data,
    management_form,
    weapon_row,
)
from tests.incidents.importing import DATA
from tests.workers import Worker

STATS = ("summary", "timeline", "weapons", "regions")


def verify() -> tuple[int, str]:
    """`manage.py rollups --verify`: its exit status and output."""
    out, err = StringIO(), StringIO()
    try:
        call_command("rollups", "--verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def stat(client, name: str, query: str = "") -> dict:
    response = client.get(reverse(f"api:stats-{name}") + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.content
    return response.json()


# --------------------------------------------------------------------------- every write path


def change_form_data(response) -> dict:
    """The attack change page posted back as shown, inline formsets included."""
    data = form_post_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= form_post_data(formset.management_form)
        for form in formset.forms:
            data |= form_post_data(form)
    data.pop("_save", None)
    return {key: value for key, value in data.items() if value is not None} | {"_save": "Save"}


def test_every_write_path_keeps_the_rollups_equal_to_the_raw_rows(
    transactional_db, oblasts, analyst, reviewer, worker: Worker, settings
):
    """Each step commits (the rollups follow at commit); --verify finds nothing after each."""
    # The reviewer deletes a weapon below, and then publishes that attack.
    settings.REVIEW_SELF_PUBLISH = True
    steps: list[str] = []

    def check(step: str) -> None:
        status, output = verify()
        assert status == 0, f"after {step} (following {steps}):\n{output}"
        steps.append(step)

    plant = FacilityFactory()
    second_plant = FacilityFactory(name="Kharkiv CHP-5", location=Point(36.23, 49.99))

    # The admin: an attack with weapons and damage entered on its page, then edited there.
    browser = APIClient()
    browser.force_login(analyst)
    data = attack_data(
        regions=[oblasts["UA-30"].pk, oblasts["UA-63"].pk],
        **management_form("weapons", total=2),
        **weapon_row(0),
        **weapon_row(1, weapon_type="attack_drone", model="Shahed-136", launched="50"),
        **management_form("damages", total=1),
    )
    data |= {
        "damages-0-facility": plant.pk,
        "damages-0-severity": "severe",
        "damages-0-restoration_status": "not_started",
    }
    assert browser.post(admin_url("attack", "add"), data).status_code == 302
    attack = Attack.objects.get(summary=data["summary"])
    check("admin add with inlines")

    # A reviewer, who may delete the inline rows too.
    browser.force_login(reviewer)
    page = browser.get(admin_url("attack", "change", attack.pk))
    edited = change_form_data(page)
    drone = attack.weapons.get(weapon_type="attack_drone")
    cruise = attack.weapons.get(weapon_type="cruise_missile")
    [weapons] = [
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.prefix == "weapons"
    ]
    prefix = {form.instance.pk: form.prefix for form in weapons.forms if form.instance.pk}
    assert weapons.can_delete
    edited[f"{prefix[drone.pk]}-launched"] = "70"
    edited[f"{prefix[drone.pk]}-intercepted"] = "66"
    edited[f"{prefix[cruise.pk]}-DELETE"] = "on"
    edited["started_at_0"] = "2026-02-03"
    edited["regions"] = [str(oblasts["UA-30"].pk)]
    response = browser.post(admin_url("attack", "change", attack.pk), edited)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert list(attack.weapons.values_list("launched", flat=True)) == [70]
    check("admin change: inline edited and deleted, day and regions moved")

    # The API: create, update and delete an attack and a weapon use.
    api = APIClient()
    api.force_login(analyst)
    created = api.post(
        reverse("api:attack-list"),
        {
            "started_at": "2026-01-15T21:30:00Z",
            "summary": "Ballistic missile strike on Kharkiv",
            "regions": ["UA-63"],
            "impact_location": {"type": "Point", "coordinates": [36.23, 49.99]},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    api_attack = created.json()["id"]
    weapon = api.post(
        reverse("api:weaponuse-list"),
        {"attack": api_attack, "weapon_type": "ballistic_missile", "launched": 4, "intercepted": 1},
        format="json",
    )
    assert weapon.status_code == 201, weapon.content
    check("API create")
    changed = api.patch(
        reverse("api:attack-detail", args=[api_attack]),
        {"started_at": "2026-01-16T12:00:00Z", "killed": 3},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    api.patch(
        reverse("api:weaponuse-detail", args=[weapon.json()["id"]]),
        {"launched": 6, "intercepted": 6},
        format="json",
    )
    damage = api.post(
        reverse("api:damage-list"),
        {"attack": api_attack, "facility": second_plant.pk, "severity": "destroyed"},
        format="json",
    )
    assert damage.status_code == 201, damage.content
    check("API update")
    api.force_login(reviewer)
    deleted = api.delete(reverse("api:weaponuse-detail", args=[weapon.json()["id"]]))
    assert deleted.status_code == 204
    check("API delete of a weapon use")

    # An import run by a real worker (the bulk COPY path).
    worker.start()
    job = jobs.import_job_create(
        created_by=analyst,
        format="acled",
        file=ContentFile((DATA / "acled_ukraine_messy.csv").read_bytes(), name="acled.csv"),
        options={},
    )

    def finished() -> bool:
        job.refresh_from_db()
        return job.is_finished

    worker.wait_for(finished, timeout=90, what="the import to finish")
    assert job.status == ImportJob.Status.DONE
    assert Attack.objects.filter(external_source="acled").count() == 6
    check("import by a worker")

    # Publication: review, publish, an edit after publication, publish again, withdraw.
    publication.submit_for_review(record=attack, user=analyst)
    publication.publish(record=attack, user=reviewer)
    check("publish")
    attack.refresh_from_db()
    attack_services.attack_save(attack, user=analyst)
    WeaponUseFactory(
        attack=attack, weapon_type="guided_bomb", model="KAB-500", launched=3, intercepted=1
    )
    publication.submit_for_review(record=Attack.objects.get(pk=attack.pk), user=analyst)
    publication.publish(record=Attack.objects.get(pk=attack.pk), user=reviewer)
    check("edit and publish again")
    second = Attack.objects.get(pk=api_attack)
    publication.submit_for_review(record=second, user=analyst)
    publication.publish(record=Attack.objects.get(pk=api_attack), user=reviewer)
    publication.withdraw(record=Attack.objects.get(pk=api_attack), user=reviewer)
    check("publish and withdraw")

    # Raw SQL: rows written by the bench generator, then deleted with their children.
    generate_attacks(40, damage_every=3)
    check("raw INSERT of attacks, weapons and damage")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_weaponuse SET launched = launched + 1 WHERE attack_id IN "
            "(SELECT id FROM incidents_attack WHERE external_source = 'bench' ORDER BY id LIMIT 5)"
        )
        cursor.execute(
            "UPDATE incidents_attack SET started_at = started_at + interval '20 hours', "
            "verification_status = 'disputed' WHERE external_source = 'bench' AND id % 4 = 0"
        )
    check("raw UPDATE")
    with connection.cursor() as cursor:
        doomed = "SELECT id FROM incidents_attack WHERE external_source = 'bench' AND id % 2 = 0"
        for table in ("incidents_weaponuse", "incidents_damage", "incidents_attack_regions"):
            cursor.execute(f"DELETE FROM {table} WHERE attack_id IN ({doomed})")  # noqa: S608
        cursor.execute(f"DELETE FROM incidents_attack WHERE id IN ({doomed})")  # noqa: S608
    check("raw DELETE with the children")

    # Deleting through the service cascades to weapons, damage and region links.
    attack_services.attack_delete(instance=Attack.objects.get(pk=attack.pk), user=reviewer)
    check("delete of a published attack with its rows")
    assert not AttackRollup.objects.filter(attacks__lte=0).exists()


def test_a_large_write_applies_its_attacks_once_at_commit(transactional_db, oblasts):
    """One commit-time trigger per transaction, not one per attack: each would look up
    the transaction's rows again after the first had applied and deleted them, and a
    write of n attacks would take time in n squared."""
    with transaction.atomic():
        generate_attacks(300)
        for attack in Attack.objects.order_by("id")[:5]:
            attack.killed = (attack.killed or 0) + 1
            attack.save(update_fields=["killed"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE first_of_tx) "
                "FROM incidents_rolluppending WHERE tx = txid_current()"
            )
            pending, firing = cursor.fetchone()
    assert (pending, firing) == (300, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_rolluppending")
        assert cursor.fetchone()[0] == 0
    assert verify() == (0, "The rollups match the raw rows (live and published).\n")


def test_concurrent_writers_of_one_day_both_count(transactional_db, oblasts):
    """Two transactions add attacks to the same rollup rows and commit together."""
    ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            with transaction.atomic():
                for number in range(5):
                    attack = AttackFactory(
                        started_at=datetime(2026, 2, 4, 3, writer, number, tzinfo=UTC),
                        summary=f"Strike {writer}.{number}",
                    )
                    attack.regions.set([oblasts["UA-30"]])
                    WeaponUseFactory(attack=attack)
                # Both commit (and apply their changes) at the same moment.
                ready.wait(timeout=30)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)

    assert errors == []
    assert verify()[0] == 0
    day = AttackRollup.objects.get(day="2026-02-04", region_ids__isnull=True)
    assert (day.attacks, Attack.objects.count()) == (10, 10)


# --------------------------------------------------------------------------- same answers


NOW = timezone.now()


@pytest.fixture
def spread(oblasts, analyst, reviewer, settings):
    """Attacks over two months and the last hours, in one or two regions, with one or
    two weapon types, some damage, several states; some published, some of those
    still inside the publication delay."""
    settings.REVIEW_SELF_PUBLISH = True
    plant = FacilityFactory()
    other_plant = FacilityFactory(name="Kharkiv CHP-5", location=Point(36.23, 49.99))
    verifications = list(Attack.Verification.values)
    first = datetime(2026, 1, 1, 21, 30, tzinfo=UTC)
    moments = [first + timedelta(hours=29 * n) for n in range(48)]
    moments += [NOW - timedelta(hours=hours) for hours in (1, 5, 13, 20, 30, 47)]
    for number, started_at in enumerate(moments):
        attack = AttackFactory(
            started_at=started_at,
            summary=f"Strike {number}",
            verification_status=verifications[number % 4],
            impact_location=None if number % 5 == 0 else Point(30.6, 50.4),
            killed=number % 3 or None,
        )
        attack.regions.set(
            [oblasts["UA-30"], oblasts["UA-63"]][: 1 + number % 2] if number % 7 else []
        )
        WeaponUseFactory(attack=attack, launched=None if number % 6 == 0 else 8 + number)
        if number % 3 == 0:
            WeaponUseFactory(
                attack=attack,
                weapon_type=WeaponUse.WeaponType.DRONE,
                model="Shahed-136",
                launched=20 + number,
                intercepted=None if number % 9 == 0 else 15,
            )
        if number % 4 == 0:
            DamageFactory(
                attack=attack,
                facility=plant if number % 8 else other_plant,
                severity=["minor", "destroyed", "severe", "none"][number % 16 // 4],
            )
        if number % 3 != 1:
            publication.publish(record=Attack.objects.get(pk=attack.pk), user=reviewer)
    # The spread is committed as far as the rollups go: reads see their rows, not the
    # transaction's pending changes.
    maintenance.flush()


FILTERS = [
    "",
    "started_after=2026-01-10&started_before=2026-01-31",
    "started_after=2026-01-10T13:15:00Z&started_before=2026-02-11T02:00:00%2B02:00",
    "region=UA-30",
    "region=UA-30,UA-63",
    "weapon_type=cruise_missile",
    "weapon_type=attack_drone,cruise_missile",
    "verification_status=verified,disputed",
    "publication_state=published",
    "region=UA-63&weapon_type=attack_drone&started_after=2026-01-20",
    "facility_kind=chp",
    "bbox=30,50,31,51",
]


def raw_answers(client, monkeypatch, name: str, query: str) -> dict:
    """The answer from the raw rows alone: no rollups, and not the cached rollup answer."""
    with monkeypatch.context() as patch:
        patch.setattr(queries, "coverage", lambda filters: None)
        patch.setattr(django_settings, "RESPONSE_CACHE_SECONDS", 0)
        return stat(client, name, query)


def region_attacks(client, query: str) -> dict[str, int]:
    """The attacks the regions layer counts in each region."""
    response = client.get(reverse("api:map-regions") + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.content
    features = json.loads(b"".join(response) if response.streaming else response.content)
    return {f["id"]: f["properties"]["attacks"] for f in features["features"]}


def raw_region_attacks(client, monkeypatch, query: str) -> dict[str, int]:
    with monkeypatch.context() as patch:
        patch.setattr(queries, "coverage", lambda filters: None)
        patch.setattr(django_settings, "RESPONSE_CACHE_SECONDS", 0)
        return region_attacks(client, query)


# Every filter in one test: the spread takes longer to write than all of them to read.
def test_the_rollups_answer_as_the_raw_rows_do_for_a_logged_in_user(spread, viewer, monkeypatch):
    client = APIClient()
    client.force_login(viewer)
    for query in FILTERS:
        for name in STATS:
            assert stat(client, name, query) == raw_answers(client, monkeypatch, name, query), (
                f"{name}?{query}"
            )
        for interval in ("week", "month"):
            weekly = f"{query}&interval={interval}"
            assert stat(client, "timeline", weekly) == raw_answers(
                client, monkeypatch, "timeline", weekly
            ), f"timeline?{weekly}"
        counts = region_attacks(client, query)
        assert counts == raw_region_attacks(client, monkeypatch, query), f"regions?{query}"
        assert any(counts.values()) or "bbox" in query or "facility_kind" in query, query


def test_the_rollups_answer_as_the_raw_rows_do_in_the_public_view(spread, settings, monkeypatch):
    settings.PUBLIC_READ = True
    client = APIClient()
    for query in FILTERS:
        # Anonymous reads are throttled per address: each filter starts with none used.
        cache.clear()
        for name in STATS:
            assert stat(client, name, query) == raw_answers(client, monkeypatch, name, query), (
                f"{name}?{query}"
            )
        assert region_attacks(client, query) == raw_region_attacks(client, monkeypatch, query), (
            f"regions?{query}"
        )
    # Published, and past the 12 hours' delay: 2 of every 3 of the 48 older attacks and 3
    # of the 6 recent ones (13, 20, 30 and 47 hours old, less the unpublished).
    published = Attack.objects.filter(publication_state="published")
    visible = published.filter(started_at__lte=NOW - timedelta(hours=12))
    assert stat(client, "summary")["attacks"] == visible.count() < published.count()


def test_the_statistics_are_read_from_the_rollups(spread, viewer):
    client = APIClient()
    client.force_login(viewer)
    before = stat(client, "summary")["attacks"]

    # A change the rollups do not know of (no trigger on them) shows in the answer.
    AttackRollup.objects.filter(region_ids__isnull=True).update(attacks=0)

    assert before > 0
    assert stat(client, "summary")["attacks"] == 0


# --------------------------------------------------------------------------- the command


def test_verify_prints_each_difference_and_fails_until_a_rebuild(spread):
    assert verify() == (0, "The rollups match the raw rows (live and published).\n")
    row = AttackRollup.objects.filter(region_ids__isnull=True).order_by("day").first()
    AttackRollup.objects.filter(pk=row.pk).update(attacks=row.attacks + 2)

    status, output = verify()

    assert status == 1
    assert f"live attacks day={row.day} region_ids=None" in output
    assert f"attacks stored {row.attacks + 2} expected {row.attacks}" in output
    assert "1 difference(s)" in output

    out = StringIO()
    call_command("rollups", "--rebuild", stdout=out)
    assert "Rebuilt the live rollups" in out.getvalue()
    assert "Rebuilt the published rollups" in out.getvalue()
    assert verify()[0] == 0


def test_the_command_needs_an_action():
    with pytest.raises(Exception, match="one of the arguments --verify --rebuild is required"):
        call_command("rollups")
