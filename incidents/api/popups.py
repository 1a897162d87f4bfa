"""What a map popup asks for when it opens: the attacks that hit one facility.

The facilities layer stays as light as it is (a popup's list is not in every
feature); a click costs one small request. A public request reads the public
view, as every read does, so it lists published attacks only.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.negotiation import ReadOnlyAPIView
from incidents.api.schema import ERROR_RESPONSES
from incidents.models import Facility
from incidents.selectors import facility_attacks

# A popup shows a few; the facility's page shows them all.
DEFAULT_LIMIT = 5
MAX_LIMIT = 20


def limit_of(request: Request) -> int:
    text = request.query_params.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_LIMIT:
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
            OpenApiTypes.INT,
            description=f"How many attacks to list, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
        )
    ],
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERROR_RESPONSES},
)
class FacilityAttacksView(ReadOnlyAPIView):
    renderer_classes = [JSONRenderer]

    def get(self, request: Request, pk: int) -> Response:
        limit = limit_of(request)
        facility = get_object_or_404(Facility.objects.only("id"), pk=pk)
        attacks, count = facility_attacks(facility_id=facility.pk, limit=limit)
        return Response(
            {
                "facility": facility.pk,
                "count": count,
                "attacks": attacks,
                "url": reverse("facility-detail", args=[facility.pk]),
            }
        )
