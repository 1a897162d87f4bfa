"""No admin list may filter or search on a secret.

The admin lets a list be filtered through the URL on any field of its own
model (`?secret__startswith=a`), so anyone who may open a list could read a
secret one character at a time by watching the row count. Django's UserAdmin
refuses `password` lookups for that reason; this module does the same for
every registered admin and every secret the product keeps, also through
relations (`?endpoint__secret__startswith=`). At start-up each registered admin
is wrapped (`guard_registered_admins`), and a system check reports an admin
that was not, or that lists a secret in its search or filters.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.checks import Error, Tags, register
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP

# Fields whose value grants access or proves identity, by lower-case model label.
SECRET_FIELDS: dict[str, frozenset[str]] = {
    settings.AUTH_USER_MODEL.lower(): frozenset({"password"}),
    "alerts.webhookendpoint": frozenset({"secret"}),
    "authtoken.token": frozenset({"key"}),
    "sessions.session": frozenset({"session_key", "session_data"}),
}
# Marks a lookup_allowed that already refuses secrets.
GUARDED = "refuses_secret_lookups"
# The prefixes search_fields may carry: ^ starts with, = exact, @ full-text.
SEARCH_PREFIXES = "^=@"


def secret_in_lookup(model: type[models.Model], lookup: str) -> str | None:
    """The secret field a lookup path reaches ("app.Model.field"), or None.

    The path is followed the way the ORM follows it: across foreign keys,
    many-to-many and reverse relations, with `pk` meaning the primary key
    (an API token's primary key is its key).
    """
    for part in lookup.split(LOOKUP_SEP):
        opts = model._meta
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return None  # A transform or a lookup such as "startswith": the path ends here.
        concrete = opts.concrete_model._meta
        if field.name in SECRET_FIELDS.get(concrete.label_lower, ()):
            return f"{concrete.label}.{field.name}"
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return None


def guard_admin(model_admin: admin.ModelAdmin) -> None:
    """Make one registered admin refuse lookups that reach a secret (the list answers 400)."""
    allowed = model_admin.lookup_allowed
    if getattr(allowed, GUARDED, False):
        return

    @functools.wraps(allowed)
    def lookup_allowed(lookup: str, value: Any, request: Any = None) -> bool:
        if secret_in_lookup(model_admin.model, lookup):
            return False
        return allowed(lookup, value, request)

    setattr(lookup_allowed, GUARDED, True)
    model_admin.lookup_allowed = lookup_allowed


def guard_registered_admins(site: admin.AdminSite = admin.site) -> None:
    for model_admin in site._registry.values():
        guard_admin(model_admin)


def _listed_paths(model_admin: admin.ModelAdmin) -> Iterator[str]:
    """The field paths an admin offers to search, filter or drill down by."""
    yield from model_admin.search_fields or ()
    for item in model_admin.list_filter or ():
        # A SimpleListFilter subclass builds its own query; the rest name a field path.
        if isinstance(item, str):
            yield item
        elif isinstance(item, list | tuple):
            yield item[0]
    if model_admin.date_hierarchy:
        yield model_admin.date_hierarchy


def secret_lookup_problems(site: admin.AdminSite) -> list[Error]:
    problems = []
    for model_admin in site._registry.values():
        name = type(model_admin).__name__
        if not getattr(model_admin.lookup_allowed, GUARDED, False):
            problems.append(
                Error(
                    f"{name} does not refuse lookups on secrets: it was registered after "
                    "start-up. Call incidents.admin.secrets.guard_admin on it.",
                    obj=model_admin,
                    id="incidents.E010",
                )
            )
        for path in _listed_paths(model_admin):
            secret = secret_in_lookup(model_admin.model, path.lstrip(SEARCH_PREFIXES))
            if secret:
                problems.append(
                    Error(
                        f"{name} searches or filters on {secret} ({path}).",
                        hint="Search and filter on fields that are not secret.",
                        obj=model_admin,
                        id="incidents.E011",
                    )
                )
    return problems


@register(Tags.admin, Tags.security)
def check_admin_secrets(app_configs: Any, **kwargs: Any) -> list[Error]:
    return secret_lookup_problems(admin.site)
