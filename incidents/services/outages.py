"""Writing outage figures and the response measures taken against outages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from incidents.models import OutageReport, Region, ResponseMeasure, Source
from incidents.services.base import Links, User, Writes, assign, upsert
from incidents.services.verification import part_delete, part_save, stored_values


def outage_report_save(
    outage: OutageReport, *, user: User, links: Links | None = None
) -> OutageReport:
    previous = stored_values(outage, "attack_id")
    return part_save(outage, user=user, links=links, previous=previous)


def outage_report_create(
    *,
    created_by: User,
    region: Region,
    service: str,
    unit: str,
    count: int,
    as_of: datetime,
    sources: Iterable[Source] = (),
    **fields: Any,
) -> OutageReport:
    outage = OutageReport(
        region=region, service=service, unit=unit, count=count, as_of=as_of, **fields
    )
    return outage_report_save(outage, user=created_by, links={"sources": sources})


def outage_report_update(
    *,
    instance: OutageReport,
    updated_by: User,
    sources: Iterable[Source] | None = None,
    **changes: Any,
) -> OutageReport:
    links = {} if sources is None else {"sources": sources}
    return outage_report_save(assign(instance, changes), user=updated_by, links=links)


def outage_report_delete(*, instance: OutageReport, user: User) -> None:
    part_delete(instance, user=user)


def outage_report_upsert(
    *,
    user: User,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    sources: Iterable[Source] = (),
) -> tuple[OutageReport, str]:
    links = {"sources": sources}
    return upsert(
        OutageReport, user=user, key=key, values=values, links=links, save=outage_report_save
    )


# --------------------------------------------------------------------------- responses


def response_measure_save(
    measure: ResponseMeasure, *, user: User, links: Links | None = None
) -> ResponseMeasure:
    previous = stored_values(measure, "attack_id")
    return part_save(measure, user=user, links=links, previous=previous)


def response_measure_delete(*, instance: ResponseMeasure, user: User) -> None:
    part_delete(instance, user=user)


def response_measure_upsert(
    *,
    user: User,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    sources: Iterable[Source] = (),
) -> tuple[ResponseMeasure, str]:
    links = {"sources": sources}
    return upsert(
        ResponseMeasure, user=user, key=key, values=values, links=links, save=response_measure_save
    )


OUTAGE_REPORT_WRITES = Writes(save=outage_report_save, delete=outage_report_delete)
RESPONSE_MEASURE_WRITES = Writes(save=response_measure_save, delete=response_measure_delete)
