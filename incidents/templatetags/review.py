"""The review queue on the admin index page."""

from __future__ import annotations

from django import template

from incidents.selectors import review_queue as queue_for

register = template.Library()


@register.simple_tag(takes_context=True)
def review_queue(context: template.Context) -> list[dict[str, object]]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return queue_for(user=request.user)
