"""Who may verify an attack, and how editing what was verified takes the verification back.

A verified attack edited by someone who may not verify goes back to
corroborated, and so does one whose weapons, damages, outage figures or
responses (its parts) are edited or deleted: what a reviewer verified is no
longer what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from incidents.models import Attack, Damage, OutageReport, ResponseMeasure, WeaponUse
from incidents.services.base import Links, User, differs_from_stored, remove, stamp, write
from incidents.services.publication import (
    forget_public_versions,
    reopen_attacks,
    reopen_on_edit,
)

VERIFY_PERMISSION = "incidents.verify_attack"
UNVERIFIED_REASON = "Edited by someone who may not verify: back to corroborated"

Part = TypeVar("Part", WeaponUse, Damage, OutageReport, ResponseMeasure)


def may_verify(user: User) -> bool:
    """Commands and imports run without a user; people need the reviewer's permission."""
    return user is None or user.has_perm(VERIFY_PERMISSION)


def check_attack_verification(attack: Attack, user: User) -> None:
    if attack.verification_status not in Attack.REVIEWER_STATES:
        return
    stored = None
    if attack.pk is not None:
        stored = (
            Attack.objects.filter(pk=attack.pk)
            .values_list("verification_status", flat=True)
            .first()
        )
    if stored == attack.verification_status:
        return
    if not may_verify(user):
        raise ValidationError(
            {"verification_status": _("Only reviewers can mark an attack verified or disputed.")}
        )


@transaction.atomic
def attacks_unverify(*, attack_ids: Iterable[int], user: User) -> None:
    """Take verified attacks back to corroborated because one of their parts was edited."""
    attacks = Attack.objects.select_for_update().filter(
        pk__in=set(attack_ids), verification_status=Attack.Verification.VERIFIED
    )
    for attack in attacks:
        attack.verification_status = Attack.Verification.CORROBORATED
        attack._change_reason = UNVERIFIED_REASON
        stamp(attack, user)
        attack.full_clean()
        write(attack, user=user, previous={"verification_status": Attack.Verification.VERIFIED})


def _edit_unverifies(user: User, attack_ids: Iterable[int | None]) -> bool:
    """Whether an edit by `user` touches a verified attack that it must take back."""
    ids = set(attack_ids) - {None}
    if not ids or may_verify(user):
        return False
    verified = Attack.objects.filter(pk__in=ids, verification_status=Attack.Verification.VERIFIED)
    return verified.exists()


def stored_values(part: Part, *names: str) -> dict[str, Any]:
    if part.pk is None:
        return {}
    return type(part).objects.filter(pk=part.pk).values(*names).first() or {}


@transaction.atomic
def part_save(
    part: Part, *, user: User, links: Links | None = None, previous: Mapping[str, Any]
) -> Part:
    """Validate and save a part of an attack; editing it edits what a reviewer verified."""
    stamp(part, user)
    part.full_clean()
    attack_ids = {part.attack_id, previous.get("attack_id")}
    if _edit_unverifies(user, attack_ids) and differs_from_stored(part, links):
        attacks_unverify(attack_ids=set(attack_ids) - {None}, user=user)
    _reopen_on_part_edit(part, user=user, links=links, attack_ids=attack_ids)
    return write(part, user=user, links=links, previous=previous)


def _reopen_on_part_edit(part: Part, *, user: User, links: Links | None, attack_ids) -> None:
    """Weapons and damage are published with their attack, which an edit reopens; outage
    figures and measures are published on their own, and an edit reopens them."""
    if isinstance(part, WeaponUse | Damage):
        if differs_from_stored(part, links):
            reopen_attacks(attack_ids, user=user)
    else:
        reopen_on_edit(part, changed=part.pk is not None and differs_from_stored(part, links))


@transaction.atomic
def part_delete(part: Part, *, user: User) -> None:
    if _edit_unverifies(user, {part.attack_id}):
        attacks_unverify(attack_ids={part.attack_id}, user=user)
    if isinstance(part, WeaponUse | Damage):
        reopen_attacks({part.attack_id}, user=user)
    else:
        forget_public_versions(type(part), [part.pk])
    remove(part, user=user)
