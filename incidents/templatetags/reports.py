"""How a report words its figures, localised: grouping, qualifiers, units, changes.

Numbers go through Django's number formatting with grouping forced, so each
language's separators apply (1,100 in English); every word is translatable.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import apnumber
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, ngettext, npgettext, pgettext

from incidents.models import OutageReport
from incidents.reports.build import OutageLine, Period, Report

register = template.Library()


@register.filter
def grouped(value: int | None) -> str:
    """A count with the language's thousands separator; an empty value is unknown, not zero."""
    if value is None or value == "":
        return gettext("unknown")
    return number_format(value, force_grouping=True)


@register.filter
def temperature(value: Decimal | None) -> str:
    """-25 °C with the language's decimal mark and a true minus sign (U+2212)."""
    if value is None:
        return "–"
    value = Decimal(value).normalize()
    places = max(-value.as_tuple().exponent, 0)
    text = number_format(abs(value), decimal_pos=places, force_grouping=True)
    sign = "\u2212" if value < 0 else ""
    return gettext("%(value)s °C") % {"value": sign + text}


def unit_words(unit: str, count: int) -> str:
    # A context of their own: "user" is also the account ("користувач", not "споживач").
    words = {
        OutageReport.Unit.BUILDINGS: npgettext("outage unit", "building", "buildings", count),
        OutageReport.Unit.CUSTOMERS: npgettext("outage unit", "user", "users", count),
        OutageReport.Unit.HOUSEHOLDS: npgettext("outage unit", "household", "households", count),
        OutageReport.Unit.PEOPLE: npgettext("outage unit", "person", "people", count),
        OutageReport.Unit.SETTLEMENTS: npgettext("outage unit", "settlement", "settlements", count),
    }
    return words.get(unit, unit)


@register.filter
def figure(report: OutageReport) -> str:
    """The figure as the source worded it: "over 1,100 buildings"."""
    count = grouped(report.count)
    units = unit_words(report.unit, report.count)
    wording = {
        OutageReport.Qualifier.AT_LEAST: pgettext("outage figure", "over %(count)s %(units)s"),
        OutageReport.Qualifier.ABOUT: pgettext("outage figure", "about %(count)s %(units)s"),
        OutageReport.Qualifier.UP_TO: pgettext("outage figure", "up to %(count)s %(units)s"),
    }.get(report.count_qualifier, pgettext("outage figure", "%(count)s %(units)s"))
    return wording % {"count": count, "units": units}


@register.filter
def service_lost(service: str) -> str:
    """What the figure's people are without: "without heating"."""
    return {
        OutageReport.Service.HEATING: gettext("without heating"),
        OutageReport.Service.ELECTRICITY: gettext("without power"),
        OutageReport.Service.WATER: gettext("without water"),
        OutageReport.Service.GAS: gettext("without gas"),
    }.get(service, service)


@register.filter
def change(line: OutageLine) -> str:
    """The change from the series' figure before: "+300", "-200" (a true minus), "no change",
    or "first figure"."""
    difference = line.change
    if difference is None:
        return gettext("first figure")
    if difference == 0:
        return gettext("no change")
    sign = "+" if difference > 0 else "\u2212"
    return sign + number_format(abs(difference), force_grouping=True)


@register.simple_tag
def period_title(period: Period) -> str:
    """One day, or the first and last day, in the language's date format."""
    if period.first == period.last:
        return date_format(period.first, "DATE_FORMAT")
    return gettext("%(first)s to %(last)s") % {
        "first": date_format(period.first, "DATE_FORMAT"),
        "last": date_format(period.last, "DATE_FORMAT"),
    }


_MARKDOWN_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>#|"})


@register.filter
def md(value: object) -> str:
    """Text safe inside markdown: its markup characters escaped, line breaks kept as spaces."""
    # Only line breaks and tabs: a non-breaking space (1 100 in Ukrainian) stays as it is.
    return re.sub(r"[ \t\r\n]+", " ", str(value)).strip().translate(_MARKDOWN_SPECIAL)


@register.simple_tag
def brief(report: Report) -> str:
    """The report's opening sentences: attacks, regions named and counted, cold, facilities."""
    attacks = len(report.attacks)
    sentences = [
        ngettext("%(count)s attack was recorded.", "%(count)s attacks were recorded.", attacks)
        % {"count": grouped(attacks)}
    ]
    if report.regions_unnamed:
        sentences.append(
            ngettext(
                "Sources report %(reported)s region affected, of which %(named)s are named.",
                "Sources report %(reported)s regions affected, of which %(named)s are named.",
                report.reported_region_count,
            )
            % {
                "reported": apnumber(report.reported_region_count),
                "named": apnumber(len(report.regions)),
            }
        )
    elif report.regions:
        named = len(report.regions)
        sentences.append(
            ngettext("%(count)s region was affected.", "%(count)s regions were affected.", named)
            % {"count": grouped(named)}
        )
    if report.coldest:
        sentences.append(
            gettext("The lowest temperature recorded at the time of an attack was %(value)s.")
            % {"value": temperature(report.temperature_c)}
        )
    if report.damages:
        hit = len(report.damages)
        sentences.append(
            ngettext("%(count)s facility was hit.", "%(count)s facilities were hit.", hit)
            % {"count": grouped(hit)}
        )
    return " ".join(sentences)


@register.filter
def outage_sentence(report: OutageReport) -> str:
    """ "over 1,100 buildings in Kyiv without heating": the figure, the place, the service."""
    return gettext("%(figure)s in %(place)s %(without)s") % {
        "figure": figure(report),
        "place": report.locality or report.region.display_name,
        "without": service_lost(report.service),
    }
