"""What changed in a record since its published version, read from its history.

The reviewer compares the latest historical version with state 'published'
against the current one; for an attack also the weapon uses and damage rows
added, changed or deleted since it was published (they have no state of their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext, ngettext, pgettext_lazy

from incidents.models import Attack, Damage, PublicationState, WeaponUse

# The attack's parts whose history counts as a change of the attack.
ATTACK_PARTS: tuple[tuple[type[models.Model], str], ...] = (
    (WeaponUse, "weapon use"),
    (Damage, "damage"),
)
# The kinds of part as a reviewer reads them, in the active language.
_KIND_LABELS = {
    "weapon use": pgettext_lazy("part of an attack", "weapon use"),
    "damage": pgettext_lazy("part of an attack", "damage"),
}


def _part_count(kind: str, action: str, n: int) -> str:
    """ "2 weapon use added": how many parts of a kind the summary names, by action."""
    texts = {
        ("weapon use", "added"): ngettext(
            "%(count)d weapon use added", "%(count)d weapon use added", n
        ),
        ("weapon use", "changed"): ngettext(
            "%(count)d weapon use changed", "%(count)d weapon use changed", n
        ),
        ("weapon use", "deleted"): ngettext(
            "%(count)d weapon use deleted", "%(count)d weapon use deleted", n
        ),
        ("damage", "added"): ngettext("%(count)d damage added", "%(count)d damage added", n),
        ("damage", "changed"): ngettext("%(count)d damage changed", "%(count)d damage changed", n),
        ("damage", "deleted"): ngettext("%(count)d damage deleted", "%(count)d damage deleted", n),
    }
    text = texts.get((kind, action))
    return text % {"count": n} if text else f"{n} {kind} {action}"


# Every historical row carries these; they are not part of what the public sees.
_HISTORY_ONLY = {"updated_at", "updated_by", "created_at", "created_by"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class PartChange:
    kind: str  # "weapon use", "damage"
    name: str
    action: str  # "added", "changed", "deleted"
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        """The kind in the active language ("weapon use" stays the key)."""
        return str(_KIND_LABELS.get(self.kind, self.kind))


@dataclass
class Changes:
    """The differences a reviewer should read before publishing again."""

    is_new: bool
    published_at: Any = None
    fields: list[FieldChange] = field(default_factory=list)
    parts: list[PartChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.is_new and not self.fields and not self.parts

    def summary(self) -> str:
        """One line for the review queue."""
        if self.is_new:
            return gettext("New: never published")
        if self.is_empty:
            return gettext("No change since published")
        words = [change.label for change in self.fields]
        counts: dict[tuple[str, str], int] = {}
        for part in self.parts:
            key = (part.kind, part.action)
            counts[key] = counts.get(key, 0) + 1
        words += [_part_count(kind, action, n) for (kind, action), n in counts.items()]
        return gettext("Changed: %(changes)s") % {"changes": ", ".join(words)}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(sorted(str(item) for item in value)) or "—"
    return str(value)


def _m2m_names(model: type[models.Model], field_name: str, rows: list[dict]) -> list[str]:
    """The related objects of m2m history rows (dicts of the through table), by name."""
    related = model._meta.get_field(field_name).related_model
    column = related._meta.model_name
    ids = [row.get(column) for row in rows if row.get(column) is not None]
    return [str(obj) for obj in related.objects.filter(pk__in=ids).defer(*_heavy(related))]


def _heavy(model: type[models.Model]) -> list[str]:
    # A region's boundary is megabytes; its name is all a diff shows.
    return ["boundary"] if any(f.name == "boundary" for f in model._meta.fields) else []


def _field_changes(model: type[models.Model], new: Any, old: Any) -> list[FieldChange]:
    delta = new.diff_against(old, excluded_fields=_HISTORY_ONLY)
    m2m = {f.name for f in model._meta.many_to_many}
    changes = []
    for change in delta.changes:
        model_field = model._meta.get_field(change.field)
        label = str(model_field.verbose_name)
        if change.field in m2m:
            old_value = _m2m_names(model, change.field, change.old)
            new_value = _m2m_names(model, change.field, change.new)
        elif model_field.choices:
            labels = dict(model_field.flatchoices)
            old_value = labels.get(change.old, change.old)
            new_value = labels.get(change.new, change.new)
        else:
            old_value, new_value = change.old, change.new
        if _shown(old_value) != _shown(new_value):
            changes.append(FieldChange(label, _shown(old_value), _shown(new_value)))
    return changes


def _name(version: Any) -> str:
    try:
        return str(version.instance)
    except ObjectDoesNotExist:  # A facility the row named is gone too.
        return f"#{version.id}"


def _part_changes(model: type[models.Model], kind: str, attack: Attack) -> list[PartChange]:
    """The attack's rows of `model` added, changed or deleted since it was published."""
    since = attack.published_at
    history = model.history.filter(attack_id=attack.pk)
    changed_ids = set(history.filter(history_date__gt=since).values_list("id", flat=True))
    if not changed_ids:
        return []
    parts: list[PartChange] = []
    for row_id in sorted(changed_ids):
        versions = model.history.filter(id=row_id).order_by("history_date", "history_id")
        before = versions.filter(history_date__lte=since).last()
        latest = versions.last()
        existed = before is not None and before.history_type != "-"
        exists = latest.history_type != "-"
        if not existed and not exists:
            continue  # Added and deleted again since: the public never saw it.
        name = _name(latest)
        if not existed:
            parts.append(PartChange(kind, name, "added"))
        elif not exists:
            parts.append(PartChange(kind, name, "deleted"))
        else:
            fields = _field_changes(model, latest, before)
            if fields:
                parts.append(PartChange(kind, name, "changed", fields))
    return parts


def changes_since_published(record: models.Model) -> Changes:
    """The record's current version against its published one (or: it is new)."""
    if record.published_at is None:
        return Changes(is_new=True)
    newest_first = record.history.order_by("-history_date", "-history_id")
    published = newest_first.filter(publication_state=PublicationState.PUBLISHED).first()
    if published is None:
        # An import published its rows in place, leaving no history of the step:
        # the published version is the one stored when it was published.
        published = newest_first.filter(history_date__lte=record.published_at).first()
    current = newest_first.first()
    if published is None or current is None:
        return Changes(is_new=True)
    changes = Changes(is_new=False, published_at=record.published_at)
    changes.fields = _field_changes(type(record), current, published)
    if isinstance(record, Attack):
        for model, kind in ATTACK_PARTS:
            changes.parts += _part_changes(model, kind, record)
    return changes
