"""Ceilings on how much one request may read, checked before the expensive statement runs.

A map layer or an export first counts the rows it is made of, stopping one past
its ceiling. Over the ceiling, the answer is a 400 that says how to narrow the
request, instead of a response of hundreds of megabytes that ties up a web
process and the database for half a minute.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from incidents.geojson import Selection, count_rows


def ensure_within(rows: Selection | QuerySet, ceiling: int, *, what: str, bbox: bool) -> None:
    """Raise a 400 when there are more than `ceiling` rows.

    `what` names the rows in the message ("features", "rows"); `bbox` says whether
    the endpoint takes a bbox, in which case the message is keyed by it.
    """
    if isinstance(rows, QuerySet):
        counted = rows.order_by().values("pk")[: ceiling + 1].count()
    else:
        counted = count_rows(rows, up_to=ceiling + 1)
    if counted <= ceiling:
        return
    if bbox:
        raise ValidationError(
            {"bbox": [f"More than {ceiling:,} {what} match: narrow the bbox or the filters."]}
        )
    raise ValidationError(
        {
            api_settings.NON_FIELD_ERRORS_KEY: [
                f"More than {ceiling:,} {what} match: narrow the filters."
            ]
        }
    )
