"""The importer of each format an ImportJob names."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from incidents.imports import acled, facilities_geojson, gppd, missile_attacks, outages
from incidents.imports.base import CsvImporter, Importer, publication_refusal
from incidents.imports.options import PUBLISHED, ImportOption, clean_options
from incidents.models import ImportJob

IMPORTERS: dict[str, type[Importer]] = {
    ImportJob.Format.FACILITIES_GEOJSON: facilities_geojson.FacilitiesGeoJsonImporter,
    ImportJob.Format.GPPD: gppd.GppdImporter,
    ImportJob.Format.ACLED: acled.AcledImporter,
    ImportJob.Format.MISSILE_ATTACKS: missile_attacks.MissileAttacksImporter,
    ImportJob.Format.OUTAGES_CSV: outages.OutagesImporter,
}


def clean_format_options(fmt: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The options of a job of format `fmt`, checked and completed with their defaults.

    Raises ValidationError keyed "options" for one the format does not take or a
    value that does not fit; an unknown format has no options to check.
    """
    importer = IMPORTERS.get(fmt)
    if importer is None:
        return dict(given)
    return clean_options(importer.accepts, given, label=importer.label)


def check_publication_state(fmt: str, options: Mapping[str, Any], *, user) -> None:
    """Refuse a job that would publish its records when `user` may not publish them.

    A ValidationError keyed "options" naming publication_state; a command (no user) may.
    """
    importer = IMPORTERS.get(fmt)
    if importer is None or options.get("publication_state") != PUBLISHED:
        return
    if refusal := publication_refusal(importer.publishes, user):
        raise ValidationError({"options": refusal})


def all_options() -> dict[str, tuple[ImportOption, str]]:
    """Every option any format takes, with the labels of the formats that take it."""
    found: dict[str, tuple[ImportOption, list[str]]] = {}
    for importer in IMPORTERS.values():
        for option in importer.accepts:
            found.setdefault(option.name, (option, []))[1].append(importer.label)
    return {name: (option, ", ".join(labels)) for name, (option, labels) in found.items()}


def is_csv(fmt: str) -> bool:
    return issubclass(IMPORTERS[fmt], CsvImporter)


def template_csv(fmt: str) -> str:
    """A CSV file of the format: its header (every column it reads) and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = IMPORTERS[fmt].columns
    writer.writerow([column.name for column in columns])
    writer.writerow([column.example for column in columns])
    return out.getvalue()


def columns_markdown() -> str:
    """The README's table of each format's columns, from the importers' declarations."""
    lines = []
    for fmt, importer in IMPORTERS.items():
        what = "columns" if issubclass(importer, CsvImporter) else "feature properties"
        lines += [f"`{fmt}` ({importer.label}), {what}:", "", "| column | required | meaning |"]
        lines.append("| --- | --- | --- |")
        for column in importer.columns:
            required = "yes" if column.required else ""
            lines.append(f"| `{column.name}` | {required} | {column.meaning} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
