"""Reports: periods and regions, bad addresses, formats, the feed, links, and who sees what."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from incidents.models import OutageReport
from incidents.reports.build import Period, build_report
from incidents.reports.render import report_markdown
from tests.factories import (
    AttackFactory,
    DamageFactory,
    OutageReportFactory,
    RegionFactory,
    ResponseMeasureFactory,
    SourceFactory,
)
from tests.incidents.test_public_view import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def reader(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def two_strikes(db):
    """A strike on Kyiv and one on Odesa on February 4, and Kyiv's heating figures."""
    kyiv = RegionFactory()
    odesa = RegionFactory(code="UA-51", name_en="Odesa Oblast", name_uk="Одеська область")
    statement = SourceFactory(quote="Heating will be restored as soon as possible.")
    on_kyiv = AttackFactory(summary="Strike on the Darnytsia heating plant")
    on_kyiv.regions.set([kyiv])
    on_kyiv.sources.set([statement])
    DamageFactory(attack=on_kyiv, facility__region=kyiv)
    on_odesa = AttackFactory(
        summary="Drone strike on an Odesa substation",
        started_at=datetime(2026, 2, 4, 20, 0, tzinfo=UTC),
        ambient_temperature_c=-4,
    )
    on_odesa.regions.set([odesa])
    OutageReportFactory(region=kyiv, count=1500, as_of=datetime(2026, 2, 4, 8, 0, tzinfo=UTC))
    OutageReportFactory(region=kyiv, count=1100, as_of=datetime(2026, 2, 4, 12, 0, tzinfo=UTC))
    ResponseMeasureFactory(region=kyiv, attack=on_kyiv)
    return on_kyiv, on_odesa


def test_a_day_without_records_says_so(reader):
    response = reader.get(reverse("report-day", args=["2026-03-01"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was recorded for this day" in text
    assert "In brief" not in text and "Outages" not in text
    markdown = reader.get(reverse("report-day", args=["2026-03-01"]), {"format": "md"})
    assert "Nothing was recorded for this day" in markdown.content.decode()


def test_the_report_of_a_day_words_the_latest_figure_and_its_change(reader, two_strikes):
    text = reader.get(reverse("report-day", args=["2026-02-04"])).content.decode()
    assert "2 attacks were recorded." in text
    assert "over 1,100 buildings" in text
    # The earlier figure of the same series is the change's base, not a second line.
    assert "\u2212400" in text
    assert "over 1,500 buildings" not in text
    assert "−25 °C" in text  # The colder of the two attacks.
    assert "Mobile generators deployed" in text
    assert "Denys Shmyhal" in text and "Heating will be restored" in text


def test_a_period_report_keeps_to_the_regions_asked_for(reader, two_strikes):
    on_kyiv, on_odesa = two_strikes
    query = {"from": "2026-02-01", "to": "2026-02-07", "region": "UA-51"}
    response = reader.get(reverse("report-period"), query)
    assert response.status_code == 200
    text = response.content.decode()
    assert on_odesa.summary in text
    assert on_kyiv.summary not in text
    assert "Darnytsia heating plant" not in text
    assert "1,100" not in text
    assert "Odesa Oblast" in text
    both = reader.get(reverse("report-period"), {**query, "region": "UA-51,UA-30"})
    assert on_kyiv.summary in both.content.decode()


def test_a_period_outside_the_records_is_empty(reader, two_strikes):
    response = reader.get(reverse("report-period"), {"from": "2026-02-05", "to": "2026-02-09"})
    assert "Nothing was recorded for this period" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "query", "named"),
    [
        ("/reports/2026-02-30/", {}, "date"),
        ("/reports/4-feb/", {}, "date"),
        ("/reports/2026-02-04/", {"format": "pdf"}, "format"),
        ("/reports/2026-02-04/", {"colour": "red"}, "colour"),
        ("/reports/", {"from": "yesterday"}, "from"),
        ("/reports/", {"from": "2026-02-07", "to": "2026-02-01"}, "to"),
        ("/reports/", {"from": "2024-01-01", "to": "2026-02-01"}, "to"),
        ("/reports/", {"region": "UA-99"}, "region"),
        ("/reports/", {"from": ""}, "from"),
        ("/reports/", {"view": "secret"}, "view"),
    ],
)
def test_a_bad_address_is_a_400_that_names_the_problem(reader, url, query, named):
    response = reader.get(url, query)
    assert response.status_code == 400
    assert f"<code>{named}</code>" in response.content.decode()
    api = APIClient()
    api.force_login(response.wsgi_request.user)
    answer = api.get("/api/v1" + url, query)
    if named != "format":  # The API's format is its own (json only), also a 400.
        assert answer.status_code == 400
        assert named in answer.json()
    else:
        assert answer.status_code == 400


def test_the_markdown_escapes_what_would_be_markup(reader, two_strikes):
    on_kyiv, _ = two_strikes
    on_kyiv.summary = "Strike on *Kyiv* [plant]"
    on_kyiv.save()
    response = reader.get(reverse("report-day", args=["2026-02-04"]), {"format": "md"})
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert f"[Strike on \\*Kyiv\\* \\[plant\\]](http://testserver/attacks/{on_kyiv.pk}/)" in text
    assert "| Cruise missile" not in text  # No weapons recorded: no table.
    assert "\n\n\n" not in text


def test_the_period_report_in_json(two_strikes, viewer):
    client = APIClient()
    client.force_login(viewer)
    response = client.get("/api/v1/reports/", {"from": "2026-02-04", "to": "2026-02-04"})
    assert response.status_code == 200
    data = response.json()
    assert len(data["attacks"]) == 2
    assert data["region_filter"] == []
    (outage,) = data["outages"]
    assert (outage["count"], outage["previous_count"], outage["change"]) == (1100, 1500, -400)


def test_the_feed_has_one_entry_per_day_with_data(reader, two_strikes):
    OutageReportFactory(count=900, as_of=datetime(2026, 2, 6, 9, 0, tzinfo=UTC))
    response = reader.get(reverse("report-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - the site's own feed
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text
    entries = feed.findall(f"{ATOM}entry")
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert links == [
        "http://testserver/reports/2026-02-06/",
        "http://testserver/reports/2026-02-04/",
    ]
    for entry in entries:
        assert entry.find(f"{ATOM}id").text
        assert entry.find(f"{ATOM}updated").text
    summary = entries[1].find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "over 1,100 buildings" in summary.text
    assert "Strike on the Darnytsia heating plant" in summary.text


def test_the_attack_page_links_to_the_report_of_its_day(reader):
    # 23:30 UTC on February 4 is already February 5 in Kyiv.
    attack = AttackFactory(started_at=datetime(2026, 2, 4, 23, 30, tzinfo=UTC))
    html = reader.get(attack.get_absolute_url()).content.decode()
    assert 'id="attack-report-link" href="/reports/2026-02-05/"' in html


def test_the_dashboard_links_to_the_report_of_its_filters(reader):
    RegionFactory(code="UA-51", name_en="Odesa Oblast", name_uk="Одеська область")
    html = reader.get(
        "/", {"started_after": "2026-02-01", "started_before": "2026-02-07", "region": "UA-51"}
    ).content.decode()
    assert 'href="/reports/?from=2026-02-01&amp;to=2026-02-07&amp;region=UA-51"' in html
    assert 'href="/reports/"' in reader.get("/").content.decode()


def test_reports_need_a_login_unless_the_site_is_public(client, settings, two_strikes):
    settings.PUBLIC_READ = False
    for url in ("/reports/2026-02-04/", "/reports/", "/reports/feed.atom"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert client.get("/api/v1/reports/2026-02-04/").status_code in (401, 403)


# --------------------------------------------------------------------------- who sees what


def _recent() -> dict[str, str]:
    today = timezone.localdate()
    return {"from": (today - timedelta(days=3)).isoformat(), "to": today.isoformat()}


def test_anonymous_readers_get_neither_unpublished_attacks_nor_confidential_sources(
    client,
    settings,
    world,  # noqa: F811
):
    settings.PUBLIC_READ = True
    for output in ("html", "md"):
        text = client.get(reverse("report-period"), {**_recent(), "format": output})
        body = text.content.decode()
        assert world.published.summary in body
        assert "Xylodraft" not in body  # A draft attack.
        assert "Kestrel" not in body  # A confidential source, title and quote.
        assert "Draftdamage" not in body and "Draftmeasure" not in body
    data = APIClient().get("/api/v1/reports/", _recent()).json()
    assert "Xylodraft" not in str(data) and "Kestrel" not in str(data)
    assert world.published.pk in {attack["id"] for attack in data["attacks"]}
    feed = client.get(reverse("report-feed")).content.decode()
    assert "Xylodraft" not in feed and "Kestrel" not in feed


def test_logged_in_readers_see_them_and_can_ask_for_the_public_edition(
    client,
    analyst,
    world,  # noqa: F811
):
    client.force_login(analyst)
    body = client.get(reverse("report-period"), _recent()).content.decode()
    assert "Xylodraft" in body
    assert "Kestrel briefing" in body
    public = client.get(reverse("report-period"), {**_recent(), "view": "public"})
    assert "Xylodraft" not in public.content.decode()
    assert "Kestrel" not in public.content.decode()
    assert "Public edition" in public.content.decode()


def test_the_report_is_read_in_a_fixed_number_of_queries(
    two_strikes, django_assert_max_num_queries
):
    period = Period(first=datetime(2026, 2, 4).date(), last=datetime(2026, 2, 4).date())
    with django_assert_max_num_queries(12):
        report = build_report(period)
        [line.latest.region.name_en for line in report.outages]
        [s.title for s in report.sources]
    assert report.outages[0].latest.service == OutageReport.Service.HEATING


def test_numbers_and_dates_follow_the_language_of_the_reader(two_strikes):
    report = build_report(
        Period(first=datetime(2026, 2, 4).date(), last=datetime(2026, 2, 4).date())
    )
    with translation.override("uk"):
        text = report_markdown(report, base_url="https://tracker.example", public=False)
    # Ukrainian groups thousands with a non-breaking space, words the figure in Ukrainian
    # (the genitive plural after 1 100) and writes its own dates, as the pages do.
    assert "понад 1\xa0100 будинків без опалення" in text
    assert "1,100" not in text and "buildings" not in text
    assert "4 лютого 2026" in text and "Feb." not in text
    # Regions by their Ukrainian names.
    assert "Одеська область" in text and "Odesa Oblast" not in text


def test_a_day_with_outage_figures_only_leaves_out_the_empty_sections(reader):
    OutageReportFactory(count=900, as_of=datetime(2026, 2, 6, 9, 0, tzinfo=UTC))
    for output in ("html", "md"):
        text = reader.get("/reports/2026-02-06/", {"format": output}).content.decode()
        assert "over 900 buildings" in text
        assert "Facilities hit" not in text and "Statements" not in text
        assert "## Attacks" not in text and 'id="r-attacks"' not in text
