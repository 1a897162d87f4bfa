"""A report rendered as text or as an HTML fragment, with links that start at `base_url`."""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.utils import timezone

from incidents.reports.build import Report


def report_context(report: Report, *, base_url: str, public: bool) -> dict[str, object]:
    """What every rendering of a report gets: the report, where its links point, whose view."""
    return {
        "report": report,
        "base": base_url.rstrip("/"),
        "public": public,
        "compiled_at": timezone.now(),
    }


def report_markdown(report: Report, *, base_url: str, public: bool) -> str:
    """The report in markdown, for messengers and e-mail."""
    context = report_context(report, base_url=base_url, public=public)
    text = render_to_string("incidents/reports/report.md", context)
    # The template's tags leave blank lines behind; a paragraph break is one blank line.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def report_fragment(report: Report, *, base_url: str, public: bool) -> str:
    """The report's body in HTML, without the page around it (feed entries, e-mail)."""
    context = report_context(report, base_url=base_url, public=public)
    return render_to_string("incidents/reports/_report_body.html", context)
