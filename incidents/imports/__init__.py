"""Imports: files turned into records through the services, as jobs on a worker.

- `jobs`: an ImportJob's life (size check, create, queue, claim, run in batches,
  finish) and the Celery task that runs it;
- `base`: what every format shares: the Importer class, reading files as
  streams, parsing values, the options a format accepts;
- `bulk`: many attacks validated in Python and written with COPY;
- `formats`: the importer of each format; one module per format
  (`acled`, `facilities_geojson`, `gppd`, `missile_attacks`, `outages`).
"""
