"""The data-entry admin: map widgets, inlines, autocomplete, history.

Every save and delete goes through the model's service (`incidents.services`),
so the admin obeys the same rules as the API and the importers. Rules that
need more than the row are checked in the forms (incidents/forms.py) first, so
a broken rule is a field message, never a server error.

- `base`: the shared admin classes (writes through the services, history, filters);
- `sources`, `regions`, `facilities`, `attacks` (with its inlines), `parts`
  (weapons, damages, outage figures, responses): one admin per model;
- `review`: publication states, the transition buttons and bulk actions, the review
  queue's order; `changes`: what changed since the published version;
- `imports`: import jobs (upload a file, choose its format and options, watch it run);
- `secrets`: the guard that keeps secrets out of list filters and searches.

Importing the modules registers their admins.
"""

from incidents.admin import attacks, facilities, imports, parts, regions, sources

__all__ = ["attacks", "facilities", "imports", "parts", "regions", "sources"]
