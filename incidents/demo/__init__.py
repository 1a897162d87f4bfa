"""The demo data set: the February 4, 2026 strike in full, plus illustrative data for the charts.

Every fact of the news report about the strike on the Darnytsia heating plant
has a row here; nothing the report does not say is invented (counts it leaves
open stay empty). Around it, a deterministic set of clearly marked
illustrative facilities, attacks and outages gives the map and the charts
something to show.

Loading is idempotent: rows are found again by `external_source` +
`external_id` (attacks, facilities, sources, outages) or by their natural key
(weapon uses, damages, response measures), and a row whose values did not
change is not written, so a re-run adds no history.

The February 4 case is published; the illustrative attacks, outages and measures
are spread over every publication state, so the review queue has something in it
(they never reach the public view, whatever their state). States are set through
the publication services once everything is written, and only on drafts no person
has handled: a re-run keeps every state (`Writer.settle_states`).
"""

from __future__ import annotations

from django.db import transaction

from incidents.demo.illustrative import load_illustrative
from incidents.demo.seed import load_seed
from incidents.demo.writing import DemoError, DemoResult, Writer, regions_by_code

__all__ = ["DemoError", "DemoResult", "load_demo"]


@transaction.atomic
def load_demo(*, illustrative: bool = True) -> DemoResult:
    """Load (or refresh) the demo data set; all or nothing."""
    writer = Writer()
    regions = regions_by_code()
    load_seed(writer, regions)
    if illustrative:
        load_illustrative(writer, regions)
    writer.settle_states()
    return writer.result
