"""Which period a report covers, read from its address; every mistake is a named 400."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from incidents.api.declarations import REPORT_DAY, REPORTS
from incidents.api.query import parse_moment
from incidents.models import Region
from incidents.reports.build import Period

# The longest period one report covers, and the days a period without `from` covers.
MAX_DAYS = 366
DEFAULT_DAYS = 7
# What `?format=` may ask the report pages for.
PAGE_FORMATS = ("html", "md")


def _day(moment) -> date:
    return timezone.localdate(moment)


def day_period(day: str, query: QueryDict) -> Period:
    """The report of one Kyiv day, from the address's YYYY-MM-DD."""
    REPORT_DAY.parse(query)
    moment = parse_moment("date", day)
    return Period(first=_day(moment), last=_day(moment))


def query_period(query: QueryDict) -> Period:
    """`from` and `to` (dates, both included) and `region` codes; every error at once."""
    filters = REPORTS.parse(query)
    today = timezone.localdate()
    # `to` arrives as the first instant after its day (a bare date includes the whole day).
    last = (
        _day(filters.started_before - timedelta(microseconds=1))
        if filters.started_before
        else today
    )
    first = (
        _day(filters.started_after)
        if filters.started_after
        else last - timedelta(days=DEFAULT_DAYS - 1)
    )
    if last < first:
        message = gettext("The period ends (%(last)s) before it starts (%(first)s).")
        raise ValidationError({"to": [message % {"last": last, "first": first}]})
    days = (last - first).days + 1
    if days > MAX_DAYS:
        message = gettext("A report covers at most %(most)s days; this period has %(days)s.")
        raise ValidationError({"to": [message % {"most": MAX_DAYS, "days": days}]})
    regions = tuple(Region.objects.filter(code__in=filters.regions).order_by("name_en"))
    return Period(first=first, last=last, regions=regions)


def page_format(query: QueryDict) -> str:
    value = query.get("format") or "html"
    if value not in PAGE_FORMATS:
        message = gettext("%(value)r is not one of: %(formats)s.")
        raise ValidationError(
            {"format": [message % {"value": value[:20], "formats": ", ".join(PAGE_FORMATS)}]}
        )
    return value
