"""The steps every write service takes, whatever the model.

A model's service (attacks, facilities, outages, sources, regions) runs its
own rules around these: `stamp` records the author, `write` saves the row and
its links and tells the rest of the site (`incidents.signals.record_changed`),
`remove` deletes. `record_save` and `record_delete` are the whole write for a
model with no rules beyond its own `full_clean`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from incidents.models import Tracked
from incidents.signals import record_changed

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)
User = AbstractBaseUser | AnonymousUser | None
Links = Mapping[str, Iterable[models.Model]]

UPSERT_CREATED, UPSERT_UPDATED, UPSERT_UNCHANGED = "created", "updated", "skipped"

CONFLICT_MESSAGE = _(
    "The record conflicts with stored data; another change may have come first. "
    "Reload it and try again."
)


def real_user(user: User) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def database_rule_message(instance: models.Model, exc: IntegrityError) -> str:
    """The model's own message for the constraint the database enforced, else a plain one.

    Only messages written for users qualify: a constraint's default message names it.
    """
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    for constraint in instance._meta.constraints:
        if (
            constraint.name == name
            and constraint.violation_error_message != constraint.default_violation_error_message
        ):
            return constraint.get_violation_error_message()
    return CONFLICT_MESSAGE


def stamp(instance: models.Model, user: User) -> None:
    """Record who created (when new) and who last changed the row."""
    if isinstance(instance, Tracked):
        if instance._state.adding:
            instance.created_by = real_user(user)
        instance.updated_by = real_user(user)


def write(
    instance: M,
    *,
    user: User,
    links: Links | None = None,
    previous: Mapping[str, Any] | None = None,
) -> M:
    """Save a validated row and its many-to-many links, then send `record_changed`."""
    # django-simple-history reads the author from here outside a request.
    instance._history_user = real_user(user)
    try:
        instance.save()
    except IntegrityError as exc:
        # A concurrent writer got past full_clean's checks first. The database's text
        # names constraints and values: it goes to the log, the user gets the rule.
        logger.warning(
            "Saving %s %s broke a database rule: %s", instance._meta.label, instance.pk, exc
        )
        raise ValidationError(database_rule_message(instance, exc)) from exc
    for field, values in (links or {}).items():
        getattr(instance, field).set(list(values))
    record_changed.send(type(instance), instance=instance, action="saved", previous=previous or {})
    return instance


def remove(instance: models.Model, *, user: User) -> None:
    """Delete a row; a row others still refer to raises ValidationError naming them."""
    instance._history_user = real_user(user)
    try:
        instance.delete()
    except ProtectedError as exc:
        names = ", ".join(sorted({str(obj) for obj in exc.protected_objects})[:5])
        raise ValidationError(
            f"{instance} cannot be deleted while other records refer to it: {names}."
        ) from exc
    record_changed.send(type(instance), instance=instance, action="deleted", previous={})


@transaction.atomic
def record_save(*, instance: M, user: User, m2m: Links | None = None) -> M:
    """Validate and save a row of a model whose service adds no rules of its own."""
    stamp(instance, user)
    instance.full_clean()
    return write(instance, user=user, links=m2m)


def stored_equals(instance: models.Model, name: str, value: Any) -> bool:
    """Whether the row already holds `value` in field `name`.

    Foreign keys compare by id (no query to load the related row); geometries
    compare coordinates, allowing for the rounding of a database round trip.
    """
    field = instance._meta.get_field(name)
    if field.is_relation and name == field.name:
        stored = getattr(instance, field.attname)
        return stored == (value.pk if isinstance(value, models.Model) else value)
    stored = getattr(instance, name)
    if isinstance(stored, GEOSGeometry) or isinstance(value, GEOSGeometry):
        if stored is None or value is None:
            return stored is value
        return stored.equals_exact(value, 1e-9)
    return stored == value


def same_links(instance: models.Model, links: Links) -> bool:
    for field, values in links.items():
        stored = set(getattr(instance, field).values_list("pk", flat=True))
        if stored != {value.pk for value in values}:
            return False
    return True


def differs_from_stored(instance: models.Model, links: Links | None) -> bool:
    """Whether saving `instance` (and `links`) changes what is stored; a new row always does.

    The audit fields are left out: a save that changes nothing else is no edit.
    """
    stored = type(instance).objects.filter(pk=instance.pk).first() if instance.pk else None
    if stored is None:
        return True
    for field in instance._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        if not stored_equals(stored, field.name, getattr(instance, field.attname)):
            return True
    return not same_links(stored, {name: list(values) for name, values in (links or {}).items()})


@transaction.atomic
def upsert(
    model: type[M],
    *,
    user: User,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    links: Links,
    save: Callable[..., M],
) -> tuple[M, str]:
    """Create the row identified by `key`, or update it when `values` or `links` differ.

    `save(instance, user=, links=)` is the model's own service. Returns the row
    and "created", "updated" or "skipped" (already as given), so a re-import of
    the same data writes nothing and adds no history.
    """
    links = {field: list(items) for field, items in links.items()}
    instance = model.objects.select_for_update().filter(**key).first()
    if instance is None:
        return save(model(**key, **values), user=user, links=links), UPSERT_CREATED
    if all(stored_equals(instance, name, value) for name, value in values.items()) and same_links(
        instance, links
    ):
        return instance, UPSERT_UNCHANGED
    for name, value in values.items():
        setattr(instance, name, value)
    return save(instance, user=user, links=links), UPSERT_UPDATED


def assign(instance: M, changes: Mapping[str, Any]) -> M:
    for name, value in changes.items():
        setattr(instance, name, value)
    return instance


@dataclass(frozen=True)
class Writes(Generic[M]):
    """A model's services for a row already built, as the admin's forms and the API hold it.

    `save(instance, user=, links=)` writes a new or changed row with its links
    (`links=None` keeps the stored ones); `delete(instance=, user=)` removes it.
    """

    save: Callable[..., M]
    delete: Callable[..., None]
