"""The report pages: one day, or a period and regions; HTML (printable) or markdown."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from rest_framework.exceptions import ValidationError

from incidents.reports import periods
from incidents.reports.build import Period, build_report
from incidents.reports.render import report_context, report_markdown
from incidents.views import read_access

MARKDOWN = "text/markdown; charset=utf-8"


def report_address(period: Period, *, view: str = "") -> str:
    """The report page of `period`, as a path with its query."""
    from urllib.parse import urlencode

    if period.is_day:
        path = reverse("report-day", args=[period.first.isoformat()])
        query: list[tuple[str, str]] = []
    else:
        path = reverse("report-period")
        query = [("from", period.first.isoformat()), ("to", period.last.isoformat())]
        query += [("region", code) for code in period.region_codes]
    if view:
        query.append(("view", view))
    return path + ("?" + urlencode(query) if query else "")


def _bad_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    problems = error.detail if isinstance(error.detail, dict) else {"": error.detail}
    messages = [
        (name, [str(message) for message in (values if isinstance(values, list) else [values])])
        for name, values in problems.items()
    ]
    return render(request, "incidents/reports/bad_request.html", {"problems": messages}, status=400)


def _respond(request: HttpRequest, make_period) -> HttpResponse:
    try:
        period = make_period()
        output = periods.page_format(request.GET)
    except ValidationError as error:
        return _bad_request(request, error)
    report = build_report(period)
    public = bool(getattr(request, "public_view", False))
    base = request.build_absolute_uri("/")
    if output == "md":
        return HttpResponse(
            report_markdown(report, base_url=base, public=public), content_type=MARKDOWN
        )
    view = "public" if public and request.user.is_authenticated else ""
    context = report_context(report, base_url="", public=public) | {
        "markdown_url": _with_format(report_address(period, view=view), "md"),
        "json_url": _api_address(period, view=view),
    }
    return render(request, "incidents/reports/report.html", context)


def _with_format(address: str, output: str) -> str:
    return address + ("&" if "?" in address else "?") + f"format={output}"


def _api_address(period: Period, *, view: str) -> str:
    address = report_address(period, view=view)
    return "/api/v1" + address


@read_access
def report_day(request: HttpRequest, day: str) -> HttpResponse:
    return _respond(request, lambda: periods.day_period(day, request.GET))


@read_access
def report_period(request: HttpRequest) -> HttpResponse:
    return _respond(request, lambda: periods.query_period(request.GET))
