"""An Atom feed of the daily reports: one entry per recent day that has data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.reports.build import Period, Report, build_report, days_with_data
from incidents.reports.render import report_fragment
from incidents.views import read_access

# How many days with data the feed lists, newest first.
FEED_DAYS = 14


class DailyReportsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Daily reports on attacks on civilian infrastructure")
    subtitle = _("One report per day (Kyiv time) on which attacks or outages were recorded.")

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def link(self) -> str:
        return reverse("report-period")

    def items(self) -> list[Report]:
        return [
            build_report(Period(first=day, last=day)) for day in days_with_data(limit=FEED_DAYS)
        ]

    def item_title(self, item: Report) -> str:
        return gettext("Report for %(day)s") % {
            "day": date_format(item.period.first, "DATE_FORMAT")
        }

    def item_link(self, item: Report) -> str:
        return reverse("report-day", args=[item.period.first.isoformat()])

    def item_guid(self, item: Report) -> str:
        return self.request.build_absolute_uri(self.item_link(item))

    def item_description(self, item: Report) -> str:
        return report_fragment(
            item,
            base_url=self.request.build_absolute_uri("/"),
            public=getattr(self.request, "public_view", False),
        )

    def item_pubdate(self, item: Report) -> datetime:
        return _end_of(item.period.first)

    def item_updateddate(self, item: Report) -> datetime:
        return _end_of(item.period.first)


def _end_of(day: date) -> datetime:
    """A day's report is dated at the day's end (Kyiv time), or now while the day lasts."""
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return min(end, timezone.now())


@read_access
def daily_reports_feed(request: HttpRequest) -> HttpResponse:
    return DailyReportsFeed()(request)
