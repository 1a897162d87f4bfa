from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    # A logged-in user reading a page with ?view=public sees what the public sees, and is told.
    shown = bool(getattr(request, "public_view", False) and request.user.is_authenticated)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "PUBLIC_READ": settings.PUBLIC_READ,
        "showing_public_view": shown,
        "PUBLIC_DELAY_HOURS": settings.PUBLIC_DELAY_HOURS,
    }
