"""The reviewers' workflow in the admin: queue, buttons, bulk actions, diff, send back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from alerts.models import Delivery, Notification
from incidents.models import Attack, OutageReport, PublicationState, ResponseMeasure
from incidents.services import attacks, publication
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
from tests.incidents.admin_helpers import admin_url

State = PublicationState


def transition_url(model: str, pk: int, transition: str) -> str:
    return admin_url(model, "publication", pk, transition)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post_transition(client: Client, model: str, record, transition: str, **data):
    return client.post(transition_url(model, record.pk, transition), data, follow=True)


def state_of(record) -> str:
    record.refresh_from_db()
    return record.publication_state


def in_review(record, *, by=None):
    return publication.submit_for_review(record=record, user=by)


@pytest.fixture
def attack(db, analyst) -> Attack:
    """An attack an analyst drafted (so the analyst made its last change)."""
    attack = AttackFactory()
    return update(attack, user=analyst, summary="Strike on the Darnytsia heating plant")


# --------------------------------------------------------------------------- the queue


@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_the_index_shows_reviewers_how_many_records_wait_across_the_three_models(
    client, request, analyst, role
):
    in_review(update(AttackFactory(), user=analyst, summary="One"))
    in_review(update(AttackFactory(), user=analyst, summary="Two"))
    in_review(OutageReportFactory())
    ResponseMeasureFactory()  # A draft: not waiting.
    client.force_login(request.getfixturevalue(role))

    page = client.get(admin_url("attack", "changelist").rsplit("incidents/", 1)[0])

    assert page.context["queue"]["waiting"] == 3
    queue = {entry["name"]: entry for entry in page.context["queue"]["entries"]}
    assert queue["attacks"]["waiting"] == 2
    assert queue["outage reports"]["waiting"] == 1
    assert queue["response measures"]["waiting"] == 0
    html = page.content.decode()
    assert '<span id="review-waiting-total">3 waiting for review</span>' in html
    assert "2 waiting for review" in html
    assert f"{admin_url('attack', 'changelist')}?publication_state__exact=in_review" in html


def test_analysts_see_no_queue_count_only_their_records_sent_back(client, analyst, reviewer):
    mine = in_review(update(AttackFactory(), user=analyst, summary="Mine"))
    in_review(OutageReportFactory())
    publication.send_back(record=mine, user=reviewer, comment="Name the source.")
    client.force_login(analyst)

    page = client.get("/admin/")

    html = page.content.decode()
    assert "waiting for review" not in html
    assert page.context["queue"]["waiting"] is None
    assert [entry["name"] for entry in page.context["queue"]["entries"]] == ["attacks"]
    assert "1 sent back to you" in html
    sent_back = client.get(admin_url("attack", "changelist") + "?sent_back=mine")
    assert [obj.pk for obj in sent_back.context["cl"].result_list] == [mine.pk]


def test_viewers_see_no_review_queue(client, viewer):
    in_review(OutageReportFactory())
    client.force_login(viewer)

    page = client.get("/admin/")

    assert page.context["queue"] == {"entries": [], "waiting": None}
    assert 'id="review-queue"' not in page.content.decode()


def test_the_queue_lists_records_in_review_oldest_first_with_what_changed(
    client, reviewer, analyst
):
    older = in_review(update(AttackFactory(), user=analyst, summary="Older"))
    newer = in_review(update(AttackFactory(), user=analyst, summary="Newer"))
    AttackFactory(summary="A draft")
    # The newer attack was created first but went to review last.
    Attack.objects.filter(pk=older.pk).update(state_changed_at=timezone.now() - timedelta(hours=3))
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "changelist") + "?publication_state__exact=in_review")

    assert page.status_code == 200
    assert [obj.pk for obj in page.context["cl"].result_list] == [older.pk, newer.pk]
    assert "New: never published" in page.content.decode()


# --------------------------------------------------------------------------- buttons


def test_an_analyst_sees_only_send_for_review_and_sends_a_draft(client, analyst, attack):
    client.force_login(analyst)

    page = client.get(admin_url("attack", "change", attack.pk))
    labels = [t.label for t, _ in page.context["publication"]["transitions"]]
    assert labels == ["Send for review"]

    response = post_transition(client, "attack", attack, "submit")

    assert response.status_code == 200
    assert state_of(attack) == State.IN_REVIEW
    assert any("sent for review" in m for m in messages_of(response))


def test_an_analyst_cannot_publish_and_is_told_why(client, analyst, attack):
    in_review(attack)
    client.force_login(analyst)

    response = post_transition(client, "attack", attack, "publish")

    assert response.status_code == 200
    assert state_of(attack) == State.IN_REVIEW
    assert "Not published: Only reviewers can publish." in messages_of(response)


def test_a_reviewer_sees_publish_and_send_back_and_publishes(client, reviewer, attack):
    in_review(attack)
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "change", attack.pk))
    labels = [t.label for t, _ in page.context["publication"]["transitions"]]
    assert labels == ["Publish", "Send back"]
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()

    response = post_transition(client, "attack", attack, "publish")

    assert state_of(attack) == State.PUBLISHED
    assert attack.published_by == reviewer
    assert any("was published" in m for m in messages_of(response))
    assert [t.label for t, _ in response.context["publication"]["transitions"]] == ["Withdraw"]


def test_a_transition_needs_a_post_with_the_csrf_token(reviewer, attack):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    in_review(attack)

    assert client.get(transition_url("attack", attack.pk, "publish")).status_code == 405
    assert client.post(transition_url("attack", attack.pk, "publish")).status_code == 403
    assert state_of(attack) == State.IN_REVIEW


@pytest.mark.parametrize("model", ["outagereport", "responsemeasure"])
def test_outage_reports_and_responses_have_the_same_buttons(client, reviewer, analyst, model):
    factory = {"outagereport": OutageReportFactory, "responsemeasure": ResponseMeasureFactory}
    record = factory[model]()
    client.force_login(analyst)
    post_transition(client, model, record, "submit")
    assert state_of(record) == State.IN_REVIEW

    client.force_login(reviewer)
    response = post_transition(client, model, record, "publish")

    assert state_of(record) == State.PUBLISHED
    assert "Published" in response.content.decode()


def test_four_eyes_a_reviewer_cannot_publish_their_own_change(client, reviewer, attack):
    update(attack, user=reviewer, summary="Reviewer's own wording")
    in_review(attack)
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "change", attack.pk))
    assert "four eyes" in page.context["publication"]["four_eyes"]
    assert 'id="four-eyes"' in page.content.decode()

    response = post_transition(client, "attack", attack, "publish")

    assert state_of(attack) == State.IN_REVIEW
    [message] = messages_of(response)
    assert message.startswith("Not published: You made the last change to this record")
    assert "four eyes" in message


def test_review_self_publish_lifts_four_eyes(client, reviewer, attack, settings):
    settings.REVIEW_SELF_PUBLISH = True
    update(attack, user=reviewer, summary="Reviewer's own wording")
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "change", attack.pk))
    assert page.context["publication"]["four_eyes"] is None
    post_transition(client, "attack", attack, "publish")

    assert state_of(attack) == State.PUBLISHED


def test_send_back_needs_a_comment(client, reviewer, attack):
    in_review(attack)
    client.force_login(reviewer)

    response = post_transition(client, "attack", attack, "send_back", comment="  ")

    assert state_of(attack) == State.IN_REVIEW
    assert "Not sent back to its author: Say what the author should change." in messages_of(
        response
    )
    assert not Notification.objects.exists()


def test_send_back_returns_the_record_and_notifies_its_author(
    client, reviewer, analyst, attack, django_capture_on_commit_callbacks
):
    analyst.email = "olena@example.org"
    analyst.save()
    in_review(attack)
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_transition(
            client, "attack", attack, "send_back", comment="Which plant? Name the source."
        )

    assert state_of(attack) == State.DRAFT
    assert attack.review_comment == "Which plant? Name the source."
    assert any("sent back to its author" in m for m in messages_of(response))
    notification = Notification.objects.get()
    assert notification.rule is None
    assert notification.recipient == analyst
    assert notification.content_type == ContentType.objects.get_for_model(Attack)
    assert notification.object_id == attack.pk
    assert notification.event_key == "sent_back"
    assert notification.payload["comment"] == "Which plant? Name the source."
    assert notification.payload["reviewer"] == reviewer.username
    delivery = Delivery.objects.get()
    assert (delivery.notification, delivery.channel, delivery.email) == (
        notification,
        Delivery.Channel.EMAIL,
        "olena@example.org",
    )
    assert delivery.status == Delivery.Status.PENDING
    assert callbacks, "the e-mail is queued once the transaction commits"

    # The author sees the comment on the record's change page.
    client.force_login(analyst)
    page = client.get(admin_url("attack", "change", attack.pk))
    html = page.content.decode()
    assert 'id="review-comment"' in html
    assert "Which plant? Name the source." in html
    assert f"Sent back by {reviewer.username}" in html


def test_send_back_without_an_author_address_records_the_notification_only(
    client, reviewer, analyst, attack
):
    in_review(attack)
    client.force_login(reviewer)

    post_transition(client, "attack", attack, "send_back", comment="Check the date.")

    assert Notification.objects.get().recipient == analyst
    assert not Delivery.objects.exists()


def test_the_sent_back_email_says_who_and_why(reviewer, analyst, attack, mailoutbox):
    from alerts.services import delivery_attempt

    analyst.email = "olena@example.org"
    analyst.save()
    in_review(attack)
    publication.send_back(record=attack, user=reviewer, comment="Check the date.")

    delivery_attempt(delivery_id=Delivery.objects.get().pk)

    [mail] = mailoutbox
    assert mail.to == ["olena@example.org"]
    assert "Sent back: attack" in mail.subject
    assert "Check the date." in mail.body
    assert f"/admin/incidents/attack/{attack.pk}/change/" in mail.body


def test_a_reviewer_withdraws_a_published_attack(client, reviewer, attack):
    publication.publish(record=attack, user=None)
    client.force_login(reviewer)

    response = post_transition(client, "attack", attack, "withdraw")

    assert state_of(attack) == State.WITHDRAWN
    assert any("was withdrawn" in m for m in messages_of(response))
    labels = [t.label for t, _ in response.context["publication"]["transitions"]]
    assert labels == ["Send for review", "Publish"]


def test_withdrawing_a_record_never_published_is_refused_with_a_message(client, reviewer, attack):
    client.force_login(reviewer)

    response = post_transition(client, "attack", attack, "withdraw")

    assert state_of(attack) == State.DRAFT
    assert messages_of(response) == [
        "Not withdrawn: This record is not public, so there is nothing to withdraw."
    ]


def test_the_change_page_shows_publication_fields_read_only(client, reviewer, attack):
    publication.publish(record=attack, user=None)
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "change", attack.pk))

    readonly = page.context["adminform"].readonly_fields
    assert {"publication_state", "published_at"} <= set(readonly)
    assert "published_at" not in page.context["adminform"].form.fields


def test_the_changelist_has_a_state_column_and_filter(client, reviewer, attack):
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "changelist") + "?publication_state__exact=draft")

    assert page.status_code == 200
    assert "publication_state" in page.context["cl"].list_display
    assert [obj.pk for obj in page.context["cl"].result_list] == [attack.pk]


# --------------------------------------------------------------------------- bulk actions


def bulk_action(client: Client, model: str, action: str, records) -> list[str]:
    response = client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [record.pk for record in records]},
        follow=True,
    )
    assert response.status_code == 200
    return messages_of(response)


def test_bulk_publish_publishes_what_it_may_and_lists_the_four_eyes_refusals(
    client, reviewer, analyst
):
    theirs = in_review(update(AttackFactory(), user=analyst, summary="By the analyst"))
    own = in_review(update(AttackFactory(), user=reviewer, summary="By the reviewer"))
    client.force_login(reviewer)

    messages = bulk_action(client, "attack", "publish_selected", [theirs, own])

    assert state_of(theirs) == State.PUBLISHED
    assert state_of(own) == State.IN_REVIEW
    assert messages[0] == "1 record(s) published."
    assert len(messages) == 2
    assert messages[1].startswith(f"Not published – {own}: You made the last change")


def test_bulk_publish_with_review_self_publish(client, reviewer, settings):
    settings.REVIEW_SELF_PUBLISH = True
    own = update(AttackFactory(), user=reviewer, summary="By the reviewer")
    client.force_login(reviewer)

    assert bulk_action(client, "attack", "publish_selected", [own]) == ["1 record(s) published."]
    assert state_of(own) == State.PUBLISHED


def test_bulk_send_for_review_and_withdraw(client, reviewer, analyst):
    drafts = [OutageReportFactory(), OutageReportFactory(count=2000)]
    client.force_login(analyst)
    assert bulk_action(client, "outagereport", "submit_selected", drafts) == [
        "2 record(s) sent for review."
    ]
    assert {state_of(r) for r in drafts} == {State.IN_REVIEW}

    publication.publish(record=drafts[0], user=None)
    client.force_login(reviewer)
    messages = bulk_action(client, "outagereport", "withdraw_selected", drafts)

    assert state_of(drafts[0]) == State.WITHDRAWN
    assert messages[0] == "1 record(s) withdrawn."
    assert "nothing to withdraw" in messages[1]


def test_analysts_are_not_offered_publish_or_withdraw_actions(client, analyst, attack):
    client.force_login(analyst)

    page = client.get(admin_url("responsemeasure", "changelist"))

    choices = [value for value, _ in page.context["action_form"].fields["action"].choices]
    assert "submit_selected" in choices
    assert "publish_selected" not in choices
    assert "withdraw_selected" not in choices
    assert ResponseMeasure.objects.count() == 0


# --------------------------------------------------------------------------- the diff


def test_a_never_published_record_is_new(client, reviewer, attack):
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "change", attack.pk))

    assert page.context["publication"]["changes"].is_new
    assert "this record has never been published" in page.content.decode()


def test_the_diff_shows_what_changed_since_an_attack_was_published(client, reviewer, analyst):
    attack = AttackFactory(summary="Strike on Kyiv", killed=1)
    kept = WeaponUseFactory(attack=attack, model="Kh-101", launched=10)
    removed = WeaponUseFactory(attack=attack, model="Kalibr", launched=4, intercepted=2)
    damage = DamageFactory(attack=attack, facility=FacilityFactory())
    publication.publish(record=attack, user=None)

    source = SourceFactory()
    attacks.attack_update(
        instance=Attack.objects.get(pk=attack.pk),
        updated_by=analyst,
        summary="Strike on Kyiv CHP-6",
        sources=[source],
    )
    update(kept, user=analyst, launched=12)
    delete(removed, user=analyst)
    WeaponUseFactory(
        attack=attack, model="Shahed-136", weapon_type="attack_drone", launched=40, intercepted=30
    )
    update(damage, user=analyst, severity="destroyed")
    attack.refresh_from_db()
    assert attack.publication_state == State.DRAFT
    client.force_login(reviewer)

    page = client.get(admin_url("attack", "change", attack.pk))

    changes = page.context["publication"]["changes"]
    assert not changes.is_new
    assert [(c.label, c.old, c.new) for c in changes.fields] == [
        ("sources", "—", str(source)),
        ("summary", "Strike on Kyiv", "Strike on Kyiv CHP-6"),
    ]
    parts = {(p.kind, p.action): p for p in changes.parts}
    assert set(parts) == {
        ("weapon use", "changed"),
        ("weapon use", "deleted"),
        ("weapon use", "added"),
        ("damage", "changed"),
    }
    assert [(c.label, c.old, c.new) for c in parts["weapon use", "changed"].fields] == [
        ("launched", "10", "12")
    ]
    assert parts["weapon use", "deleted"].name.startswith("Kalibr")
    assert parts["weapon use", "added"].name.startswith("Shahed-136")
    assert [(c.label, c.old, c.new) for c in parts["damage", "changed"].fields] == [
        ("severity", "Severe", "Destroyed")
    ]
    html = page.content.decode()
    assert "Strike on Kyiv CHP-6" in html and "Destroyed" in html

    # The queue entry sums the same changes up.
    in_review(attack)
    queue = client.get(admin_url("attack", "changelist") + "?publication_state__exact=in_review")
    assert "Changed: sources, summary, 1 weapon use changed" in queue.content.decode()


def test_a_record_an_import_published_is_compared_with_the_version_it_published(
    client, reviewer, analyst
):
    report = OutageReportFactory(count=1100)
    publication.publish_imported(OutageReport, [report.pk], user=None)
    update(OutageReport.objects.get(pk=report.pk), user=analyst, count=1400)
    client.force_login(reviewer)

    page = client.get(admin_url("outagereport", "change", report.pk))

    changes = page.context["publication"]["changes"]
    assert not changes.is_new
    assert [(c.label, c.old, c.new) for c in changes.fields] == [("count", "1100", "1400")]
