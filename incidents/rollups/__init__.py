"""Daily rollups of attacks: kept by PostgreSQL, read by the statistics.

- `schema`: the functions and triggers that keep the rollup tables
  (incidents.models.rollups) equal to the raw rows in the same transaction as
  every write, whatever writes (admin, API, bulk imports, raw SQL);
- `maintenance`: rebuilding and verifying them (`manage.py rollups`);
- `queries`: the rows the statistics add up, from the rollups for whole days
  and from the raw rows for the rest.

Two grains are kept: "live" over the app's tables, and "published" over the
snapshots in the `published` schema, which the public view reads (only for days
wholly past the publication delay; the recent days come from its raw rows).
"""
