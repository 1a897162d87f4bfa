"""Small helpers for the pages: figures, unknown counts, attack times, module preloads."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html_join

from incidents.models import Attack, OutageReport

register = template.Library()


@register.filter
def count(value: int | None, unknown: str = "unknown") -> str:
    """A count with thousands separators; an empty value is unknown, not zero."""
    if value is None or value == "":
        return unknown
    return intcomma(value)


@register.filter
def celsius(value: Decimal | None) -> str:
    """A temperature with a true minus sign (U+2212) rather than a hyphen."""
    if value is None:
        return "–"
    text = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
    return text.replace("-", "\u2212") + " °C"


@register.simple_tag
def outage_figure(outage: OutageReport, with_unit: bool = True) -> str:
    return outage.figure(with_unit=with_unit)


def _part_of_day(hour: int) -> str:
    if hour < 5:
        return "night"
    if hour < 12:
        return "morning"
    if hour < 17:
        return "afternoon"
    return "evening"


@register.simple_tag
def attack_when(attack: Attack) -> str:
    """When the attack began, in Kyiv time, only as precisely as it is known."""
    local = timezone.localtime(attack.started_at)
    day = date_format(local, "j F Y")
    precision = attack.time_precision
    if precision == Attack.TimePrecision.DAY:
        return day
    if precision == Attack.TimePrecision.PART_OF_DAY:
        return f"{day}, {_part_of_day(local.hour)} (about {date_format(local, 'H:i')})"
    if precision == Attack.TimePrecision.HOUR:
        return f"{day}, about {date_format(local, 'H:i')}"
    return f"{day}, {date_format(local, 'H:i')}"


@cache
def _modules_under(folders: tuple[str, ...]) -> tuple[str, ...]:
    """The static paths of the .js files under `folders`, as the finders see them."""
    paths = set()
    for finder in finders.get_finders():
        for path, _storage in finder.list(ignore_patterns=[]):
            if path.endswith(".js") and any(path.startswith(f + "/") for f in folders):
                paths.add(path)
    return tuple(sorted(paths))


@register.simple_tag
def module_preloads(*folders: str) -> str:
    """<link rel="modulepreload"> for every module under `folders` (static paths).

    The browser then fetches a page's whole module tree at once, instead of learning
    each level of imports from the one before; the folders are the only list kept.
    """
    return format_html_join(
        "\n  ",
        '<link rel="modulepreload" href="{}">',
        ((static(path),) for path in _modules_under(tuple(folders))),
    )


# Decimals of a coordinate on a page: four (about 10 m) for the full data, and no
# more than the public view holds when the page shows it.
PAGE_COORDINATE_DECIMALS = 4


@register.simple_tag(takes_context=True)
def coordinates(context, point) -> str:
    """A point as "50.45° N, 30.64° E", or a dash without one."""
    if point is None:
        return "–"
    request = context.get("request")
    decimals = PAGE_COORDINATE_DECIMALS
    if getattr(request, "public_view", False):
        decimals = min(decimals, settings.PUBLIC_COORDINATE_DECIMALS)
    return point_text(point, decimals)


def point_text(point, decimals: int) -> str:
    """Latitude then longitude with their hemispheres, e.g. "50.1351° N, 30.7380° E"."""
    lat, lon = point.y, point.x
    return (
        f"{abs(lat):.{decimals}f}° {'N' if lat >= 0 else 'S'}, "
        f"{abs(lon):.{decimals}f}° {'E' if lon >= 0 else 'W'}"
    )
