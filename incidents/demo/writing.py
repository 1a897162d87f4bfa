"""Writing the demo: each model's upsert service, then the publication services, counting
what changed; shared constants."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import models

from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    PublicationState,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)
from incidents.services import publication
from incidents.services.attacks import attack_upsert, weapon_use_upsert
from incidents.services.base import UPSERT_CREATED, UPSERT_UNCHANGED, UPSERT_UPDATED
from incidents.services.facilities import damage_upsert, facility_upsert
from incidents.services.outages import outage_report_upsert, response_measure_upsert
from incidents.services.sources import source_upsert

M = TypeVar("M", bound=models.Model)

KYIV = ZoneInfo("Europe/Kyiv")
DEMO = "demo"
ILLUSTRATIVE = "illustrative"
ILLUSTRATIVE_TAG = "(illustrative)"
SEED_REGION_CODES = ("UA-30", "UA-63", "UA-12", "UA-14", "UA-51", "UA-05")


class DemoError(Exception):
    """The demo cannot be loaded, e.g. because regions it needs are missing."""


def kyiv_time(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KYIV)


# The report gives only the day for the statements, the visit and the outage
# figures; they are stored at midday Kyiv time so they sort on the right day
# in every time zone the dashboard is read in.
FEB_4 = kyiv_time(2026, 2, 4)


# --------------------------------------------------------------------------- writing


@dataclass
class DemoResult:
    tally: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # Publication states the loader set, and drafts it left alone because a person handled them.
    states: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        lines = [
            f"{name}: created {c['created']}, updated {c['updated']}, unchanged {c['unchanged']}"
            for name, c in self.tally.items()
        ]
        moved = ", ".join(
            f"{PublicationState(state).label.lower()} {self.states[state]}"
            for state in PublicationState.values
            if self.states[state]
        )
        line = f"Publication states set: {moved or 'none'}"
        if self.states["kept"]:
            line += f"; {self.states['kept']} drafts kept as a person left them"
        return [*lines, line]


class Writer:
    """Upserts through the services, writing only what changed, and counts the outcomes."""

    OUTCOMES = {
        UPSERT_CREATED: "created",
        UPSERT_UPDATED: "updated",
        UPSERT_UNCHANGED: "unchanged",
    }
    # Each model's own upsert service; the keyword arguments of `m2m` are its links.
    SERVICES: Mapping[type[models.Model], Callable[..., tuple[Any, str]]] = {
        Source: source_upsert,
        Facility: facility_upsert,
        Attack: attack_upsert,
        WeaponUse: weapon_use_upsert,
        Damage: damage_upsert,
        OutageReport: outage_report_upsert,
        ResponseMeasure: response_measure_upsert,
    }

    def __init__(self) -> None:
        self.result = DemoResult()
        self.wanted_states: list[tuple[models.Model, str]] = []

    def upsert(
        self,
        model: type[M],
        *,
        lookup: Mapping[str, Any],
        fields: Mapping[str, Any],
        m2m: Mapping[str, Iterable[models.Model]] | None = None,
    ) -> M:
        instance, outcome = self.SERVICES[model](
            user=None, key=lookup, values=fields, **(m2m or {})
        )
        self.result.tally[model._meta.verbose_name_plural.capitalize()][self.OUTCOMES[outcome]] += 1
        return instance

    def want_state(self, record: models.Model, state: str) -> None:
        """Give `record` this publication state once everything is written (`settle_states`)."""
        self.wanted_states.append((record, state))

    def settle_states(self) -> None:
        """Move each draft to the state it should have, through the publication services.

        The upserts leave new records, and records they changed, as drafts; only those
        move, and only while no person has handled them since (their last history entry
        has no user): a draft a reviewer sent back, or an analyst edited, stays as it is,
        and so does a record already in review, published or withdrawn. A re-run
        therefore moves nothing. The loader publishes as no one (user=None), so the four
        eyes rule, which is about people, does not apply. Records go in the order given:
        an attack before the outage figures and measures that name it.
        """
        for record, state in self.wanted_states:
            record.refresh_from_db()
            # Only drafts move, and a draft is where every state starts.
            draft = PublicationState.DRAFT
            if record.publication_state != draft or state == draft:
                continue
            if _last_changed_by_a_person(record):
                self.result.states["kept"] += 1
                continue
            if state == PublicationState.IN_REVIEW:
                publication.submit_for_review(record=record, user=None)
            else:
                publication.publish(record=record, user=None)
                if state == PublicationState.WITHDRAWN:
                    publication.withdraw(record=record, user=None)
            self.result.states[state] += 1


def _last_changed_by_a_person(record: models.Model) -> bool:
    latest = (
        record.history.order_by("-history_date", "-history_id")
        .values_list("history_user_id", flat=True)
        .first()
    )
    return latest is not None


# --------------------------------------------------------------------------- regions


def regions_by_code() -> dict[str, Region]:
    return Region.objects.in_bulk(field_name="code")


def need(regions: Mapping[str, Region], code: str) -> Region:
    try:
        return regions[code]
    except KeyError:
        raise DemoError(
            f"Region {code} is missing; load the regions first (manage.py load_regions)."
        ) from None
