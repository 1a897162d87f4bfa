"""Content negotiation, and the base of the read-only endpoints built on it.

`?format=` names the format outright; an unknown one is a 400 naming `format`, and so
is one other than the format a URL names itself (exports/attacks.csv?format=json).
The map layers, statistics and exports serve their first format when the Accept
header names none they have, and always answer errors as JSON.
"""

from __future__ import annotations

from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.permissions import ReadAccess


class FormatNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is a mistake in the URL: a 400 naming `format`, not a 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        asked = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if asked is not None and not asked.strip():
            # As for every parameter: an empty value is a mistake, not the default.
            raise ValidationError({"format": ["Give a value, or leave the parameter out."]})
        if format_suffix and asked is not None and asked != format_suffix:
            # A URL that names its format (exports/attacks.csv) gives only that one.
            raise ValidationError(
                {"format": [f"This URL gives {format_suffix} only; leave format out."]}
            )
        requested = format_suffix or asked
        if requested:
            for renderer in renderers:
                if renderer.format == requested:
                    return renderer, renderer.media_type
            formats = ", ".join(renderer.format for renderer in renderers)
            raise ValidationError({"format": [f"{requested[:20]!r} is not one of: {formats}."]})
        return super().select_renderer(request, renderers, format_suffix)


class LenientNegotiation(FormatNegotiation):
    """Serve the first format when the Accept header names none we have.

    Browsers and map libraries send all sorts of Accept headers; a layer is
    better than a 406.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


class ReadOnlyAPIView(APIView):
    """Shared behaviour: read access, lenient negotiation, errors always as JSON."""

    permission_classes = [ReadAccess]
    content_negotiation_class = LenientNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors (and OPTIONS) are DRF Responses; render them as JSON whatever
        # format the client asked for, as the schema declares.
        if isinstance(response, Response) and not isinstance(
            getattr(request, "accepted_renderer", None), JSONRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
