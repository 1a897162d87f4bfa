"""The Content-Security-Policy every response carries (sent by django-csp's middleware).

Scripts run only from the site's own files: no inline script, no eval. Whatever an
analyst typed or an import brought must reach the page as text; should some of it ever
reach the page as markup, the browser still refuses to run it.
"""

import re
from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

# A host name label, once the template's placeholders are gone.
_LABEL = re.compile(r"^[a-z0-9-]+$")


def tile_image_source(url: str) -> str | None:
    """The CSP source that lets the map load its tiles from `url`, a Leaflet URL template.

    Placeholders in the host name ("https://{s}.tile.example.org") become a wildcard
    ("https://*.tile.example.org"), the only form CSP has for several subdomains. Tiles
    served by the site itself ("/tiles/{z}/{x}/{y}.png") need no source beyond 'self':
    the answer is None.
    """

    def refuse(why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"MAP_TILES_URL={url!r} {why}")

    if url.startswith("/") and not url.startswith("//"):
        return None
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", ""):
        raise refuse("must be an http:// or https:// URL or a path on this site")
    if not parts.netloc:
        raise refuse("must be an http:// or https:// URL or a path on this site")
    if "@" in parts.netloc:
        raise refuse("must not carry a user name or password")
    host, _, port = parts.netloc.rpartition(":") if ":" in parts.netloc else (parts.netloc, "", "")
    if port and not port.isdigit():
        raise refuse("has a port that is not a number")
    labels = host.lower().split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label or "}" in label]
    if templated:
        labels = labels[templated[-1] + 1 :]
        if not labels:
            raise refuse("has no fixed part in its host name to allow")
    if not all(_LABEL.match(label) for label in labels):
        raise refuse("has an invalid host name")
    source = ("*." if templated else "") + ".".join(labels) + (f":{port}" if port else "")
    return f"{scheme}://{source}" if scheme else source


def content_security_policy(*, tiles_url: str) -> dict[str, object]:
    """django-csp's CONTENT_SECURITY_POLICY setting for a map whose tiles come from `tiles_url`."""
    images = [SELF, "data:"]
    tiles = tile_image_source(tiles_url)
    if tiles:
        images.append(tiles)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            # Leaflet positions its panes and our markers carry their colours in style
            # attributes; styles cannot run code.
            "style-src": [SELF, UNSAFE_INLINE],
            "img-src": images,
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "frame-ancestors": [NONE],
            "form-action": [SELF],
        }
    }
