"""What a map popup asks for when it opens: the attacks that hit one facility.

The facilities layer stays as light as it is (a popup's list is not in every
feature); a click costs one small request. A public request reads the public
view, as every read does, so it lists published attacks only.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.negotiation import ReadOnlyAPIView
from incidents.api.schema import ERROR_RESPONSES
from incidents.models import Facility
from incidents.selectors import facility_attacks

# The largest id a bigint column holds; a larger one names no facility.
MAX_ID = 2**63 - 1
# A popup shows a few; the facility's page shows them all.
DEFAULT_LIMIT = 5
MAX_LIMIT = 20


# What the endpoint reads; `view` is read by PublicViewMiddleware, `format` by negotiation.
ACCEPTED = ("limit", "view", "format")


def limit_of(request: Request) -> int:
    unknown = sorted(set(request.query_params) - set(ACCEPTED))
    if unknown:
        raise ValidationError(
            {unknown[0][:40]: [f"Not a parameter here; accepted: {', '.join(ACCEPTED)}."]}
        )
    text = request.query_params.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise ValidationError(
            {"limit": [gettext("Give a whole number from 1 to %(most)s.") % {"most": MAX_LIMIT}]}
        )
    return int(text)


@extend_schema(
    tags=["map"],
    summary="The attacks that hit a facility",
    description="The latest attacks that damaged the facility (latest first, at most "
    "`limit`), how many did in all, and the facility's page, which lists them all. "
    "Times are UTC (ISO 8601).",
    parameters=[
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            description=f"How many attacks to list, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
        )
    ],
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT),
        (404, "application/json"): OpenApiResponse(
            OpenApiTypes.OBJECT, description="No such facility (or not in the public view)."
        ),
        **ERROR_RESPONSES,
    },
)
class FacilityAttacksView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    def get(self, request: Request, pk: str) -> Response:
        limit = limit_of(request)
        # Any segment reaches the view, so a malformed id is a JSON 404, as for the resources.
        found = pk.isascii() and pk.isdigit() and int(pk) <= MAX_ID
        facility = Facility.objects.only("id").filter(pk=int(pk)).first() if found else None
        if facility is None:
            raise NotFound("No such facility.")
        attacks, count = facility_attacks(facility_id=facility.pk, limit=limit)
        return Response(
            {
                "facility": facility.pk,
                "count": count,
                "attacks": attacks,
                "url": reverse("facility-detail", args=[facility.pk]),
            }
        )
