"""The importer of each format an ImportJob names."""

from __future__ import annotations

from incidents.imports import acled, facilities_geojson, gppd, missile_attacks, outages
from incidents.imports.base import Importer
from incidents.models import ImportJob

IMPORTERS: dict[str, type[Importer]] = {
    ImportJob.Format.FACILITIES_GEOJSON: facilities_geojson.FacilitiesGeoJsonImporter,
    ImportJob.Format.GPPD: gppd.GppdImporter,
    ImportJob.Format.ACLED: acled.AcledImporter,
    ImportJob.Format.MISSILE_ATTACKS: missile_attacks.MissileAttacksImporter,
    ImportJob.Format.OUTAGES_CSV: outages.OutagesImporter,
}
