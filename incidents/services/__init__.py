"""Every write goes through here: the admin, the API, importers, the demo and tasks alike.

One module per family of models, each with explicit, keyword-only services per
model (`attack_create`, `attack_update`, `attack_delete`, `attack_upsert`, and
`attack_save` for a row already built, as the admin and the API have it):

- `attacks`: attacks and their weapons, and the regions an impact point
  must lie in;
- `verification`: who may verify, and how editing an attack or one of its
  parts (`part_save`, `part_delete`) takes a verification back;
- `facilities`: facilities (their region from the location) and damage
  (their status from it);
- `outages`: outage figures and response measures;
- `sources`, `regions`: sources and regions;
- `base`: the steps every service takes (author, validation, save, links,
  the `incidents.signals.record_changed` signal).

Each service validates the whole row (`full_clean`), runs in a transaction,
records who made the change (for the audit fields and the history) and keeps
derived data (a facility's region and status) in step.
"""

from incidents.services.base import CONFLICT_MESSAGE, User

__all__ = ["CONFLICT_MESSAGE", "User"]
