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
from django.utils.formats import number_format
from django.utils.html import format_html_join
from django.utils.translation import get_language, gettext, pgettext

from incidents.models import Attack, OutageReport

register = template.Library()


@register.filter
def count(value: int | None, unknown: str | None = None) -> str:
    """A count with thousands separators (1,100; in Ukrainian 1 100 with a no-break
    space); an empty value is unknown, not zero."""
    if value is None or value == "":
        return gettext("unknown") if unknown is None else unknown
    return intcomma(value)


# Dates on the pages, per language: "4 Feb 2026" and "4 лютого 2026" (the genitive month
# name, E, that a Ukrainian date needs; F would give the nominative "лютий").
DATE_FORMATS = {
    "en": {"day": "j M Y", "moment": "j M Y, H:i", "long": "j F Y"},
    "uk": {"day": "j E Y", "moment": "j E Y, H:i", "long": "j E Y"},
}


def _date_format(kind: str) -> str:
    language = (get_language() or "en").split("-")[0]
    return DATE_FORMATS.get(language, DATE_FORMATS["en"])[kind]


@register.filter
def day(value) -> str:
    """A date (or a time's date, in Kyiv time) as the pages write it."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return date_format(value, _date_format("day"))


@register.filter
def moment(value) -> str:
    """A time in Kyiv time as the pages write it: "4 Feb 2026, 06:30"."""
    if not value:
        return ""
    return date_format(timezone.localtime(value), _date_format("moment"))


@register.filter
def celsius(value: Decimal | None) -> str:
    """A temperature with a true minus sign (U+2212) rather than a hyphen."""
    if value is None:
        return "–"
    text = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
    if (get_language() or "").startswith("uk"):
        text = text.replace(".", ",")
    return text.replace("-", "\u2212") + " °C"


@register.simple_tag
def outage_figure(outage: OutageReport, with_unit: bool = True) -> str:
    return outage.figure(with_unit=with_unit)


def _part_of_day(hour: int) -> str:
    if hour < 5:
        return pgettext("part of day", "night")
    if hour < 12:
        return pgettext("part of day", "morning")
    if hour < 17:
        return pgettext("part of day", "afternoon")
    return pgettext("part of day", "evening")


@register.simple_tag
def attack_when(attack: Attack) -> str:
    """When the attack began, in Kyiv time, only as precisely as it is known."""
    local = timezone.localtime(attack.started_at)
    words = {"day": date_format(local, _date_format("long")), "time": date_format(local, "H:i")}
    precision = attack.time_precision
    if precision == Attack.TimePrecision.DAY:
        return words["day"]
    if precision == Attack.TimePrecision.PART_OF_DAY:
        words["part"] = _part_of_day(local.hour)
        return gettext("%(day)s, %(part)s (about %(time)s)") % words
    if precision == Attack.TimePrecision.HOUR:
        return gettext("%(day)s, about %(time)s") % words
    return gettext("%(day)s, %(time)s") % words


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
    """Latitude then longitude with their hemispheres, e.g. "50.1351° N, 30.7380° E", with
    the language's decimal sign (50,1351 in Ukrainian)."""
    lat, lon = point.y, point.x
    values = {
        "lat": number_format(round(abs(lat), decimals), decimal_pos=decimals),
        "lng": number_format(round(abs(lon), decimals), decimal_pos=decimals),
    }
    if lat >= 0 and lon >= 0:
        # Translators: latitude north and longitude east, e.g. "50.45° N, 30.64° E".
        return gettext("%(lat)s° N, %(lng)s° E") % values
    return gettext("%(lat)s° %(ns)s, %(lng)s° %(ew)s") % {
        **values,
        "ns": pgettext("hemisphere", "N") if lat >= 0 else pgettext("hemisphere", "S"),
        "ew": pgettext("hemisphere", "E") if lon >= 0 else pgettext("hemisphere", "W"),
    }
