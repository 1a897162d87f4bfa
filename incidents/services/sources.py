"""Writing sources: the reports, statements and data sets that back each fact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from incidents.models import Source
from incidents.services.base import Links, User, Writes, record_save, remove, upsert


def source_save(source: Source, *, user: User, links: Links | None = None) -> Source:
    return record_save(instance=source, user=user, m2m=links)


def source_create(*, created_by: User, kind: str, title: str, **fields: Any) -> Source:
    return source_save(Source(kind=kind, title=title, **fields), user=created_by)


@transaction.atomic
def source_delete(*, instance: Source, user: User) -> None:
    remove(instance, user=user)


def source_upsert(
    *, user: User, key: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[Source, str]:
    return upsert(Source, user=user, key=key, values=values, links={}, save=source_save)


SOURCE_WRITES = Writes(save=source_save, delete=source_delete)
