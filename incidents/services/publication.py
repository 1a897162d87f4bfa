"""Publication: drafts go to review, reviewers publish, send back or withdraw.

The state of attacks (with their weapons and damage), outage reports and
response measures moves draft → in_review → published, and published →
withdrawn. Publishing copies the record into the public view
(`incidents.public.snapshots`); editing a published record makes it a draft
again while the public keeps the published version. Whoever last changed a
record may not publish it (four eyes), unless REVIEW_SELF_PUBLISH is true.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.models import Attack, OutageReport, PublicationState, ResponseMeasure
from incidents.public import snapshots
from incidents.services.base import User, real_user
from incidents.signals import sent_back

State = PublicationState
PUBLISHABLE: tuple[type[models.Model], ...] = (Attack, OutageReport, ResponseMeasure)
# The columns only this service writes; a change of state also moves updated_at.
PUBLICATION_FIELDS = [
    "publication_state",
    "published_at",
    "published_by_id",
    "state_changed_at",
    "review_comment",
]
STATE_FIELDS = [*PUBLICATION_FIELDS, "updated_at"]
# An edit makes a record with these states a draft again (the public keeps its version).
REOPENED_BY_EDIT = {State.PUBLISHED, State.WITHDRAWN}


def publish_permission(model: type[models.Model]) -> str:
    return f"incidents.publish_{model._meta.model_name}"


def may_publish(user: User, model: type[models.Model]) -> bool:
    """Commands and imports run without a user; people need the reviewer's permission."""
    return user is None or user.has_perm(publish_permission(model))


def four_eyes_refusal(record: models.Model, user: User) -> str | None:
    """Why `user` may not publish `record` because they changed it last, or None."""
    person = real_user(user)
    if person is None or settings.REVIEW_SELF_PUBLISH:
        return None
    if record.updated_by_id == person.pk:
        return (
            "You made the last change to this record, so another reviewer must publish it "
            "(four eyes). REVIEW_SELF_PUBLISH=true lifts this rule for one-person teams."
        )
    return None


def _save_state(record: models.Model, user: User, **values: object) -> None:
    for name, value in values.items():
        setattr(record, name, value)
    record.state_changed_at = timezone.now()
    record._history_user = real_user(user)
    record.save(update_fields=STATE_FIELDS)


def _locked(record: models.Model) -> models.Model:
    return type(record).objects.select_for_update().get(pk=record.pk)


def _refuse(message: str, code: str) -> None:
    raise ValidationError({"publication_state": message}, code=code)


@transaction.atomic
def submit_for_review(*, record: models.Model, user: User) -> models.Model:
    """A draft (or a withdrawn record) goes to the reviewers' queue."""
    record = _locked(record)
    if record.publication_state not in (State.DRAFT, State.WITHDRAWN):
        state = record.get_publication_state_display().lower()
        _refuse(
            gettext("Only drafts go to review; this record is %(state)s.") % {"state": state},
            "not_draft",
        )
    _save_state(record, user, publication_state=State.IN_REVIEW, review_comment="")
    return record


@transaction.atomic
def publish(*, record: models.Model, user: User) -> models.Model:
    """Make the record's current version the public one."""
    model = type(record)
    if not may_publish(user, model):
        _refuse(_("Only reviewers can publish."), "permission")
    record = _locked(record)
    if record.publication_state == State.PUBLISHED:
        _refuse(_("This version is published already."), "published")
    refusal = four_eyes_refusal(record, user)
    if refusal:
        _refuse(refusal, "four_eyes")
    _save_state(
        record,
        user,
        publication_state=State.PUBLISHED,
        published_at=timezone.now(),
        published_by=real_user(user),
        review_comment="",
    )
    # After the state: the public copy says "published", with this publication's time.
    snapshots.publish(model, [record.pk])
    return record


@transaction.atomic
def send_back(*, record: models.Model, user: User, comment: str) -> models.Model:
    """Return a record in review to its author, with the reviewer's comment."""
    model = type(record)
    if not may_publish(user, model):
        _refuse(_("Only reviewers can send a record back."), "permission")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": _("Say what the author should change.")}, code="comment_required"
        )
    record = _locked(record)
    if record.publication_state != State.IN_REVIEW:
        _refuse(_("Only records in review can be sent back."), "not_in_review")
    author = record.updated_by
    _save_state(record, user, publication_state=State.DRAFT, review_comment=comment)
    sent_back.send(model, instance=record, reviewer=real_user(user), comment=comment, author=author)
    return record


@transaction.atomic
def withdraw(*, record: models.Model, user: User) -> models.Model:
    """Take the record out of the public view; the public deletion feed lists it."""
    model = type(record)
    if not may_publish(user, model):
        _refuse(_("Only reviewers can withdraw."), "permission")
    record = _locked(record)
    if record.published_at is None or record.publication_state == State.WITHDRAWN:
        _refuse(_("This record is not public, so there is nothing to withdraw."), "not_public")
    snapshots.withdraw(model, [record.pk])
    _save_state(record, user, publication_state=State.WITHDRAWN)
    return record


def reopen_on_edit(record: models.Model, *, changed: bool) -> None:
    """Called by the write services before saving a record.

    The publication fields are the publication service's alone: whatever an edit
    form or a stale copy holds, the stored ones are kept. A published or withdrawn
    record that `changed` becomes a draft; the public keeps what was published.
    """
    if record.pk is None:
        return
    stored = type(record).objects.filter(pk=record.pk).values(*PUBLICATION_FIELDS).first()
    if stored is None:
        return
    for name, value in stored.items():
        setattr(record, name, value)
    if changed and record.publication_state in REOPENED_BY_EDIT:
        record.publication_state = State.DRAFT
        record.state_changed_at = timezone.now()


def reopen_attacks(attack_ids: Iterable[int | None], *, user: User) -> None:
    """An attack's weapons or damage changed: a published attack is a draft again, last
    changed by `user` (which four eyes then counts)."""
    ids = set(attack_ids) - {None}
    if not ids:
        return
    Attack.objects.filter(pk__in=ids, publication_state__in=REOPENED_BY_EDIT).update(
        publication_state=State.DRAFT, state_changed_at=timezone.now()
    )
    if real_user(user) is not None:
        Attack.objects.filter(pk__in=ids).update(
            updated_by=real_user(user), updated_at=timezone.now()
        )


def forget_public_versions(model: type[models.Model], ids: Iterable[int]) -> None:
    """Records are being deleted: their public versions go, and the deletion feed lists them."""
    # Whatever the copies in hand say: what is published is in the published tables.
    snapshots.withdraw(model, list(ids))


@dataclass
class BulkResult:
    done: list[models.Model] = field(default_factory=list)
    refused: list[tuple[models.Model, str]] = field(default_factory=list)


def bulk(action, records: Iterable[models.Model], *, user: User, **kwargs: object) -> BulkResult:
    """Apply a transition to each record; each one that is refused is listed with why."""
    result = BulkResult()
    for record in records:
        try:
            result.done.append(action(record=record, user=user, **kwargs))
        except ValidationError as error:
            result.refused.append((record, " ".join(error.messages)))
    return result


def publish_imported(model: type[models.Model], ids: Iterable[int], *, user: User) -> None:
    """An import a reviewer ran with the state 'published': publish its rows as they are."""
    ids = list(ids)
    if not ids:
        return
    if not may_publish(user, model):
        raise ValidationError(_("Only reviewers can import straight to published."))
    now = timezone.now()
    model.objects.filter(pk__in=ids).update(
        publication_state=State.PUBLISHED,
        published_at=now,
        published_by=real_user(user),
        state_changed_at=now,
        review_comment="",
    )
    # Illustrative rows take the state but never reach the public view (snapshots skip them).
    snapshots.publish(model, ids)
