"""Publication: the states, four eyes, and the published copies the public view reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from incidents.imports.bulk import AttackRow, attacks_upsert_batch
from incidents.models import Attack, OutageReport, PublicationState, ResponseMeasure, Source
from incidents.public.middleware import use_full_data, use_public_view
from incidents.services import publication
from incidents.services.facilities import damage_save
from incidents.services.outages import outage_report_save
from tests.factories import (
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    ResponseMeasureFactory,
    SourceFactory,
    WeaponUseFactory,
    delete,
    update,
)

pytestmark = pytest.mark.django_db

State = PublicationState
TWO_DAYS_AGO = timezone.now() - timedelta(days=2)


class PublicView:
    """Read as a public request does, then back to the full data."""

    def __enter__(self):
        use_public_view()
        return self

    def __exit__(self, *exc):
        use_full_data()


def public(model, **filters):
    with PublicView():
        return list(model.objects.filter(**filters))


def public_deletions(model) -> list[int]:
    with PublicView():
        return list(model.history.filter(history_type="-").values_list("id", flat=True))


@pytest.fixture
def attack(oblasts, analyst):
    attack = AttackFactory(
        started_at=TWO_DAYS_AGO,
        summary="Strike on the Darnytsia heating plant",
        impact_location=Point(30.641234, 50.446789, srid=4326),
    )
    return update(attack, user=analyst, description="Written by the analyst")


def test_new_records_start_as_drafts(attack):
    assert attack.publication_state == State.DRAFT
    assert OutageReportFactory().publication_state == State.DRAFT
    assert ResponseMeasureFactory().publication_state == State.DRAFT
    assert public(Attack) == []


def test_the_workflow_from_draft_to_public(attack, analyst, reviewer):
    publication.submit_for_review(record=attack, user=analyst)
    attack.refresh_from_db()
    assert attack.publication_state == State.IN_REVIEW
    assert public(Attack) == []

    publication.publish(record=attack, user=reviewer)
    attack.refresh_from_db()
    assert attack.publication_state == State.PUBLISHED
    assert attack.published_by == reviewer
    assert attack.published_at is not None
    [seen] = public(Attack)
    assert seen.summary == attack.summary
    # Coarsened to two decimals, the author and internal fields blanked.
    assert (seen.impact_location.x, seen.impact_location.y) == (30.64, 50.45)
    assert seen.updated_by_id is None and seen.created_by_id is None


def test_whoever_changed_a_record_last_cannot_publish_it(attack, analyst, reviewer, settings):
    update(attack, user=reviewer, summary="Edited by the reviewer")
    with pytest.raises(ValidationError, match="four eyes"):
        publication.publish(record=attack, user=reviewer)
    assert public(Attack) == []
    settings.REVIEW_SELF_PUBLISH = True
    publication.publish(record=attack, user=reviewer)
    assert len(public(Attack)) == 1


def test_editing_a_weapon_counts_as_changing_the_attack(attack, reviewer, django_user_model):
    weapon = WeaponUseFactory(attack=attack)
    update(weapon, user=reviewer, launched=12)
    with pytest.raises(ValidationError, match="four eyes"):
        publication.publish(record=attack, user=reviewer)


def test_analysts_cannot_publish_send_back_or_withdraw(attack, analyst):
    publication.submit_for_review(record=attack, user=analyst)
    for action, extra in (
        (publication.publish, {}),
        (publication.send_back, {"comment": "Check the time"}),
        (publication.withdraw, {}),
    ):
        with pytest.raises(ValidationError, match="Only reviewers"):
            action(record=attack, user=analyst, **extra)


def test_an_edit_reopens_a_published_record_and_the_public_keeps_its_version(
    attack, analyst, reviewer
):
    publication.publish(record=attack, user=reviewer)
    update(attack, user=analyst, summary="Corrected summary")
    attack.refresh_from_db()
    assert attack.publication_state == State.DRAFT
    assert attack.published_at is not None
    [seen] = public(Attack)
    assert seen.summary == "Strike on the Darnytsia heating plant"

    publication.submit_for_review(record=attack, user=analyst)
    publication.publish(record=attack, user=reviewer)
    [seen] = public(Attack)
    assert seen.summary == "Corrected summary"


def test_a_save_that_changes_nothing_keeps_the_state(attack, reviewer, analyst):
    publication.publish(record=attack, user=reviewer)
    update(attack, user=analyst)
    attack.refresh_from_db()
    assert attack.publication_state == State.PUBLISHED


def test_send_back_needs_a_comment_and_tells_the_author(attack, analyst, reviewer):
    from incidents.signals import sent_back

    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    sent_back.connect(receiver)
    try:
        publication.submit_for_review(record=attack, user=analyst)
        with pytest.raises(ValidationError, match="Say what the author should change"):
            publication.send_back(record=attack, user=reviewer, comment="  ")
        publication.send_back(record=attack, user=reviewer, comment="Which plant was hit?")
    finally:
        sent_back.disconnect(receiver)
    attack.refresh_from_db()
    assert attack.publication_state == State.DRAFT
    assert attack.review_comment == "Which plant was hit?"
    assert heard[0]["author"] == analyst and heard[0]["comment"] == "Which plant was hit?"


def test_withdrawing_removes_the_record_and_lists_it_as_deleted(attack, reviewer):
    weapon = WeaponUseFactory(attack=attack)
    attack.refresh_from_db()
    publication.publish(record=attack, user=reviewer)
    assert len(public(Attack)) == 1
    publication.withdraw(record=attack, user=reviewer)
    attack.refresh_from_db()
    assert attack.publication_state == State.WITHDRAWN
    assert public(Attack) == []
    assert public_deletions(Attack) == [attack.pk]
    from incidents.models import WeaponUse

    assert public_deletions(WeaponUse) == [weapon.pk]
    # Published again: no longer listed as deleted.
    publication.publish(record=attack, user=reviewer)
    assert public_deletions(Attack) == []


def test_deleting_a_published_record_takes_it_out_of_the_public_view(attack, reviewer):
    publication.publish(record=attack, user=reviewer)
    attack_id = attack.pk
    delete(attack, user=None)
    assert public(Attack) == []
    assert public_deletions(Attack) == [attack_id]


def test_attacks_are_public_only_after_the_delay(oblasts, reviewer, settings):
    young = AttackFactory(started_at=timezone.now() - timedelta(hours=3), summary="Young")
    publication.publish(record=young, user=None)
    assert public(Attack) == []
    settings.PUBLIC_DELAY_HOURS = 2
    assert [a.summary for a in public(Attack)] == ["Young"]


def test_parts_follow_their_attack_and_hidden_sources_stay_hidden(attack, reviewer):
    open_source = SourceFactory(title="Ministry statement")
    secret = SourceFactory(title="Informant in the plant", confidential=True)
    damage = DamageFactory(attack=attack, facility=FacilityFactory(notes="Guarded by …"))
    damage_save(damage, user=None, links={"sources": [open_source, secret]})
    outage = OutageReportFactory(attack=attack)
    outage_report_save(outage, user=None, links={"sources": [secret]})
    attack.refresh_from_db()
    publication.publish(record=attack, user=reviewer)
    publication.publish(record=outage, user=reviewer)
    with PublicView():
        assert [s.title for s in Source.objects.all()] == ["Ministry statement"]
        [seen] = Attack.objects.all()
        [seen_damage] = seen.damages.all()
        assert [s.title for s in seen_damage.sources.all()] == ["Ministry statement"]
        assert seen_damage.facility.notes == ""
        assert seen_damage.facility.status == "damaged"
        assert OutageReport.objects.get().sources.count() == 0


def test_a_young_attack_does_not_show_in_its_facility_status(oblasts, reviewer):
    facility = FacilityFactory()
    attack = AttackFactory(started_at=timezone.now() - timedelta(hours=1))
    DamageFactory(attack=attack, facility=facility)
    attack.refresh_from_db()
    publication.publish(record=attack, user=None)
    with PublicView():
        assert type(facility).objects.get().status == "operational"


def test_a_region_only_facility_has_no_public_point_nor_do_attacks_on_it(attack, reviewer):
    facility = FacilityFactory(public_region_only=True)
    DamageFactory(attack=attack, facility=facility)
    attack.refresh_from_db()
    publication.publish(record=attack, user=reviewer)
    with PublicView():
        assert type(facility).objects.get().location is None
        assert Attack.objects.get().impact_location is None


def test_illustrative_records_never_reach_the_public(oblasts):
    attack = AttackFactory(started_at=TWO_DAYS_AGO, is_illustrative=True)
    publication.publish(record=attack, user=None)
    assert public(Attack) == []


def test_outage_linked_to_a_young_attack_waits_for_it(oblasts):
    attack = AttackFactory(started_at=timezone.now() - timedelta(hours=1))
    outage = OutageReportFactory(attack=attack)
    measure = ResponseMeasureFactory(attack=attack)
    publication.publish(record=attack, user=None)
    publication.publish(record=outage, user=None)
    publication.publish(record=measure, user=None)
    assert public(OutageReport) == [] and public(ResponseMeasure) == []


def test_bulk_transitions_report_each_refusal(oblasts, reviewer):
    mine = update(AttackFactory(started_at=TWO_DAYS_AGO), user=reviewer, summary="Mine")
    theirs = AttackFactory(started_at=TWO_DAYS_AGO, summary="Theirs")
    result = publication.bulk(publication.publish, [mine, theirs], user=reviewer)
    assert [r.pk for r in result.done] == [theirs.pk]
    assert [r.pk for r, _ in result.refused] == [mine.pk]
    assert "four eyes" in result.refused[0][1]


def test_a_bulk_import_that_changes_a_published_attack_reopens_it(oblasts, reviewer):
    fields = {
        "external_source": "acled",
        "external_id": "UKR1",
        "started_at": TWO_DAYS_AGO,
        "summary": "Imported strike",
    }
    [outcome] = attacks_upsert_batch(user=None, rows=[AttackRow(fields=fields)])
    assert outcome == "created"
    attack = Attack.objects.get(external_id="UKR1")
    publication.publish(record=attack, user=reviewer)
    [outcome] = attacks_upsert_batch(
        user=None, rows=[AttackRow(fields=fields | {"summary": "Imported strike, corrected"})]
    )
    assert outcome == "updated"
    attack.refresh_from_db()
    assert attack.publication_state == State.DRAFT
    assert [a.summary for a in public(Attack)] == ["Imported strike"]


def test_public_requests_read_nothing_else(attack, reviewer):
    """The search_path is the whole mechanism: check it names the public view first."""
    with PublicView(), connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0].startswith("public_view")
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert not cursor.fetchone()[0].startswith("public_view")


def test_deleting_an_attack_takes_its_public_measures_with_it(attack, reviewer):
    measure = ResponseMeasureFactory(attack=attack)
    publication.publish(record=attack, user=reviewer)
    publication.publish(record=measure, user=reviewer)
    assert len(public(ResponseMeasure)) == 1
    measure_id = measure.pk
    delete(Attack.objects.get(pk=attack.pk), user=None)
    assert public(ResponseMeasure) == []
    assert public_deletions(ResponseMeasure) == [measure_id]


def test_a_stale_copy_cannot_undo_a_publication(attack, analyst, reviewer):
    stale = Attack.objects.get(pk=attack.pk)
    publication.publish(record=attack, user=reviewer)
    update(stale, user=analyst, description="Edited from a form opened before publishing")
    stale.refresh_from_db()
    assert stale.publication_state == State.DRAFT
    assert stale.published_at is not None and stale.published_by == reviewer


def test_the_public_copy_says_published_with_its_time(attack, analyst, reviewer):
    publication.submit_for_review(record=attack, user=analyst)
    publication.publish(record=attack, user=reviewer)
    attack.refresh_from_db()
    [seen] = public(Attack)
    assert seen.publication_state == State.PUBLISHED
    assert seen.published_at == attack.published_at
    assert seen.published_by_id is None and seen.review_comment == ""


def test_a_logged_in_reader_of_a_page_in_the_public_view_is_told(client, attack, analyst):
    client.force_login(analyst)
    url = attack.get_absolute_url()
    assert "You are seeing what the public sees" not in client.get(url).content.decode()
    # Not published: the public view has no such page.
    assert client.get(url, {"view": "public"}).status_code == 404
    publication.publish(record=attack, user=None)
    page = client.get(url, {"view": "public"}).content.decode()
    assert "You are seeing what the public sees" in page
    assert "Written by the analyst" in page


def test_pages_in_the_public_view_write_coordinates_with_the_public_decimals(
    client, attack, settings
):
    settings.PUBLIC_READ = True
    publication.publish(record=attack, user=None)
    page = client.get(attack.get_absolute_url()).content.decode()
    assert "50.45° N, 30.64° E" in page
    assert "50.4468" not in page and "50.4500" not in page


def test_sync_clients_find_a_record_once_the_public_can_see_it(oblasts, reviewer, settings):
    edited_long_ago = timezone.now() - timedelta(days=3)
    attack = AttackFactory(started_at=timezone.now() - timedelta(hours=2), summary="Late")
    Attack.objects.filter(pk=attack.pk).update(updated_at=edited_long_ago)
    publication.publish(record=Attack.objects.get(pk=attack.pk), user=None)
    settings.PUBLIC_DELAY_HOURS = 1
    [seen] = public(Attack)
    # Not the old edit: the publication, or the moment the delay let the public see it.
    assert seen.updated_at >= attack.started_at + timedelta(hours=1)
    assert seen.updated_at > edited_long_ago + timedelta(days=2)
