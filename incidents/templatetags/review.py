"""The review queue on the admin index page."""

from __future__ import annotations

from django import template

from incidents.selectors import review_queue as queue_for

register = template.Library()


@register.simple_tag(takes_context=True)
def review_queue(context: template.Context) -> dict[str, object]:
    """Per model what waits for the user; `waiting` is the reviewers' total (None for others)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"entries": [], "waiting": None}
    entries = queue_for(user=request.user)
    counts = [entry["waiting"] for entry in entries if "waiting" in entry]
    return {"entries": entries, "waiting": sum(counts) if counts else None}
