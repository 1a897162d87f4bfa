"""WRI's Global Power Plant Database (CSV) → facilities of one country."""

from __future__ import annotations

from django.utils.translation import gettext

from incidents.imports.base import (
    SKIPPED,
    Column,
    CsvImporter,
    Record,
    RowRejected,
    parse_decimal,
    point_from_text,
    year_text,
)
from incidents.imports.options import ImportOption
from incidents.models import Facility
from incidents.services import facilities

EXTERNAL_SOURCE = "gppd"

FUEL_KINDS = {
    "coal": Facility.Kind.THERMAL,
    "gas": Facility.Kind.THERMAL,
    "oil": Facility.Kind.THERMAL,
    "petcoke": Facility.Kind.THERMAL,
    "cogeneration": Facility.Kind.CHP,
    "hydro": Facility.Kind.HYDRO,
    "nuclear": Facility.Kind.NUCLEAR,
    "solar": Facility.Kind.SOLAR,
    "wind": Facility.Kind.WIND,
}


class GppdImporter(CsvImporter):
    label = "Global Power Plant Database"
    columns = (
        Column(
            "country",
            "ISO 3166-1 alpha-3 country; rows of other countries are skipped.",
            "UKR",
            True,
        ),
        Column("name", "the plant's name.", "Darnytsia CHP", True),
        Column(
            "gppd_idnr",
            "the database's id of the plant; a re-import matches on it.",
            "WRI1001234",
            True,
        ),
        Column("capacity_mw", "electric capacity in MW.", "160", True),
        Column("latitude", "WGS84 latitude.", "50.4162", True),
        Column("longitude", "WGS84 longitude.", "30.6869", True),
        Column(
            "primary_fuel",
            "the main fuel (Coal, Gas, Hydro, Nuclear…), which sets the kind.",
            "Cogeneration",
            True,
        ),
        Column("owner", "the operator.", "Kyivteploenergo"),
        Column("other_fuel1", "further fuels, noted (also other_fuel2, other_fuel3).", "Gas"),
        Column("commissioning_year", "the year it started, noted.", "1954"),
        Column("source", "where the database has the plant from, noted.", "WRI"),
        Column("url", "the source's web address, noted.", "https://example.org/plants/darnytsia"),
    )

    accepts = (
        ImportOption(
            "country",
            "text",
            "the country's ISO 3166-1 alpha-3 code, e.g. UKR.",
            default="UKR",
            max_length=3,
            pattern="[A-Z]{3}",
            upper=True,
        ),
    )

    def __init__(self, *, job) -> None:
        super().__init__(job=job)
        self.country = self.options["country"]

    def import_record(self, record: Record) -> str:
        data, value = record.data, self.value
        if value(data, "country").upper() != self.country:
            return SKIPPED
        gppd_id = value(data, "gppd_idnr")
        if not gppd_id:
            raise RowRejected(gettext("gppd_idnr is missing."))
        name = value(data, "name")
        if not name:
            raise RowRejected(gettext("The plant has no name."))
        fuel = value(data, "primary_fuel")
        point = point_from_text(value(data, "longitude"), value(data, "latitude"), required=True)
        capacity = parse_decimal(value(data, "capacity_mw"), "capacity_mw")
        notes = [f"Primary fuel: {fuel}." if fuel else ""]
        others = [value(data, f"other_fuel{n}") for n in (1, 2, 3)]
        if any(others):
            notes.append(f"Other fuels: {', '.join(filter(None, others))}.")
        if year := year_text(value(data, "commissioning_year")):
            notes.append(f"Commissioned: {year}.")
        if source := value(data, "source"):
            notes.append(f"Source: {source} {value(data, 'url')}".strip())
        _, result = facilities.facility_upsert(
            user=self.user,
            key={"external_source": EXTERNAL_SOURCE, "external_id": gppd_id[:100]},
            values={
                "name": name[:200],
                "kind": FUEL_KINDS.get(fuel.casefold(), Facility.Kind.OTHER),
                "location": point,
                "operator": value(data, "owner")[:200],
                "electric_capacity_mw": capacity,
                "notes": " ".join(filter(None, notes)),
            },
        )
        return result
