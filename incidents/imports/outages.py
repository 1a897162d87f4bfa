"""Outage figures (CSV): region, locality, service, unit, count, as_of, source URL."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext

from incidents.imports.base import (
    SKIPPED,
    Column,
    CsvImporter,
    Record,
    RowRejected,
    occurrence_id,
    parse_datetime,
    parse_int,
)
from incidents.imports.options import PUBLICATION_STATE
from incidents.models import OutageReport, Source
from incidents.region_names import region_code
from incidents.services.outages import outage_report_upsert
from incidents.services.sources import source_create

EXTERNAL_SOURCE = "outages-csv"

SERVICES = {
    "heating": "heating",
    "heat": "heating",
    "опалення": "heating",
    "electricity": "electricity",
    "power": "electricity",
    "electric": "electricity",
    "світло": "electricity",
    "електроенергія": "electricity",
    "water": "water",
    "вода": "water",
    "gas": "gas",
    "газ": "gas",
}
UNITS = {
    "buildings": "buildings",
    "building": "buildings",
    "houses": "buildings",
    "customers": "customers",
    "customer": "customers",
    "users": "customers",
    "consumers": "customers",
    "subscribers": "customers",
    "households": "households",
    "household": "households",
    "people": "people",
    "persons": "people",
    "residents": "people",
    "settlements": "settlements",
    "settlement": "settlements",
    "localities": "settlements",
}
QUALIFIERS = {
    "over": OutageReport.Qualifier.AT_LEAST,
    "more than": OutageReport.Qualifier.AT_LEAST,
    "at least": OutageReport.Qualifier.AT_LEAST,
    "about": OutageReport.Qualifier.ABOUT,
    "around": OutageReport.Qualifier.ABOUT,
    "approximately": OutageReport.Qualifier.ABOUT,
    "up to": OutageReport.Qualifier.UP_TO,
}
_QUALIFIED = re.compile(r"^(over|more than|at least|about|around|approximately|up to)\s+(.*)$")


def choice(value: str, table: dict[str, str], what: str) -> str:
    found = table.get(value.strip().casefold())
    if found is None:
        raise RowRejected(
            gettext("Unknown %(what)s %(value)s; use one of %(choices)s.")
            % {
                "what": what,
                "value": repr(value),
                "choices": ", ".join(sorted(set(table.values()))),
            }
        )
    return found


class OutagesImporter(CsvImporter):
    label = "outage figures"
    needs_regions = True
    columns = (
        Column(
            "region",
            "the region, in any usual spelling (Kyiv, Kharkiv Oblast, Одеська…).",
            "Kharkiv Oblast",
            True,
        ),
        Column("service", "heating, electricity, water or gas.", "heating", True),
        Column(
            "unit", "buildings, customers, households, people or settlements.", "customers", True
        ),
        Column("count", 'how many, e.g. 110000 or "over 110,000".', "over 110000", True),
        Column(
            "as_of",
            "when the figure held (Kyiv time unless a zone is given).",
            "2024-02-04 12:00",
            True,
        ),
        Column("locality", "the city or district.", "Kharkiv"),
        Column("count_qualifier", "exact, at_least, about or up_to, if not in the count.", ""),
        Column(
            "source_url",
            "the web address of the report, cited by the figure.",
            "https://example.org/news/kharkiv-heating",
        ),
        Column(
            "source_title",
            "the report's title (default: the site's name).",
            "Kharkiv without heating",
        ),
    )
    publishes = (OutageReport,)
    accepts = (PUBLICATION_STATE,)

    def records(self) -> Iterator[Record]:
        """Each row read into a figure, with its id.

        Rows giving the same region, locality, service, unit and time are one
        figure when they agree (a row written twice) and figures of their own
        when they do not: neither overwrites the other, on any run. A row that
        cannot be read is rejected when its turn comes.
        """
        variants: dict[str, list[tuple]] = {}
        for record in super().records():
            try:
                figure, key = self.figure(record.data)
            except RowRejected as exc:
                yield Record(record.line, exc)
                continue
            seen = variants.setdefault(key, [])
            signature = (*figure.values(), *self.source_of(record.data))
            if signature not in seen:
                seen.append(signature)
            occurrence = seen.index(signature) + 1
            yield Record(record.line, (record.data, figure, occurrence_id(key, occurrence)))

    def figure(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        """The outage figure a row gives, and its natural key."""
        value = self.value
        name = value(data, "region")
        code = region_code(name, bare_kyiv_is_city=True)
        if code is None:
            raise RowRejected(
                gettext("Unknown region %(region)s.") % {"region": repr(name)}
                if name
                else gettext("The region is empty.")
            )
        region = self.region_by_code(code)
        service = choice(value(data, "service"), SERVICES, "service")
        unit = choice(value(data, "unit"), UNITS, "unit")
        count_text = value(data, "count")
        qualifier = OutageReport.Qualifier.EXACT
        if match := _QUALIFIED.match(count_text.casefold()):
            qualifier, count_text = QUALIFIERS[match.group(1)], match.group(2)
        if explicit := value(data, "count_qualifier"):
            named = {**QUALIFIERS, **{q: q for q in OutageReport.Qualifier.values}}
            qualifier = choice(explicit, named, "qualifier")
        count = parse_int(count_text, "count", required=True)
        as_of, _ = parse_datetime(value(data, "as_of"), "as_of")
        locality = value(data, "locality")[:200]
        key = "|".join([code, locality.casefold(), service, unit, as_of.isoformat()])
        figure = {
            "region": region,
            "locality": locality,
            "service": service,
            "unit": unit,
            "count": count,
            "count_qualifier": qualifier,
            "as_of": as_of,
        }
        return figure, key

    def source_of(self, data: Mapping[str, Any]) -> tuple[str, str]:
        """The web address and title of the row's source ("" when it names none)."""
        value = self.value
        return value(data, "source_url") or value(data, "source"), value(data, "source_title")

    def import_record(self, record: Record) -> str:
        if isinstance(record.data, RowRejected):
            raise record.data
        data, figure, row_id = record.data
        sources = []
        url, title = self.source_of(data)
        if url:
            sources.append(self.source_for(url, title))
        report, result = outage_report_upsert(
            user=self.user,
            key={"external_source": EXTERNAL_SOURCE, "external_id": row_id},
            values=figure,
            sources=sources,
        )
        if result != SKIPPED:
            self.wrote(OutageReport, [report.pk])
        return result

    def source_for(self, url: str, title: str) -> Source:
        if not urlsplit(url).scheme.startswith("http"):
            raise RowRejected(
                gettext("The source %(url)s is not a web address (http…).") % {"url": repr(url)}
            )
        # Looked up per row, not cached: a source created for a row that is then
        # rejected is rolled back with it.
        source = Source.objects.filter(url=url).order_by("pk").first()
        if source is None:
            source = source_create(
                created_by=self.user,
                kind=Source.Kind.NEWS_REPORT,
                title=(title or urlsplit(url).netloc or url)[:300],
                url=url,
            )
        return source
