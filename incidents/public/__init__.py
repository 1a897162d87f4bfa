"""The public view: what anonymous visitors (with PUBLIC_READ) and `?view=public` see.

Two PostgreSQL schemas hold it:

- `published` keeps the version of each attack (with its weapons, damage, regions
  and sources), outage report and response measure that a reviewer published,
  already coarsened and stripped of internal fields. Only the publish service
  (`incidents.public.snapshots`) writes there.
- `public_view` has one view for every table of this app, under the table's own
  name. Published records come from `published`, hidden until PUBLIC_DELAY_HOURS
  after an attack started; regions, facilities and sources are read live,
  coarsened, without illustrative records, confidential sources or internal
  fields; every other table (import jobs, change history) reads as empty.

A public request runs with `search_path = public_view, public`
(`incidents.public.middleware`), so every query it makes, through the ORM or raw
SQL, reads the public view and nothing else. The code that serves a page or an
endpoint is the same for both audiences; which tables it reads is decided once.
"""
