"""File importers, one module per format; `run_job` runs a claimed ImportJob."""

from __future__ import annotations

from incidents.importers import acled, base, facilities_geojson, gppd, missile_attacks, outages
from incidents.models import ImportJob

IMPORTERS: dict[str, type[base.Importer]] = {
    ImportJob.Format.FACILITIES_GEOJSON: facilities_geojson.FacilitiesGeoJsonImporter,
    ImportJob.Format.GPPD: gppd.GppdImporter,
    ImportJob.Format.ACLED: acled.AcledImporter,
    ImportJob.Format.MISSILE_ATTACKS: missile_attacks.MissileAttacksImporter,
    ImportJob.Format.OUTAGES_CSV: outages.OutagesImporter,
}


def run_job(job: ImportJob) -> ImportJob:
    return base.run(job, IMPORTERS[job.format])
