"""An outage figure is worded one way everywhere: pages, admin list and the dashboard's script."""

import json
import re

import pytest
from django.urls import reverse

from incidents.models import OutageReport
from tests.factories import OutageReportFactory
from tests.incidents.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

WORDED = {
    OutageReport.Qualifier.EXACT: "1,100 buildings",
    OutageReport.Qualifier.AT_LEAST: "over 1,100 buildings",
    OutageReport.Qualifier.ABOUT: "about 1,100 buildings",
    OutageReport.Qualifier.UP_TO: "up to 1,100 buildings",
}


def test_every_qualifier_has_its_wording():
    assert set(OutageReport.FIGURE_WORDING) == set(OutageReport.Qualifier)


@pytest.mark.parametrize(("qualifier", "text"), WORDED.items())
def test_the_region_page_and_the_admin_list_word_the_figure_as_the_model_does(
    client, superuser, qualifier, text
):
    report = OutageReportFactory(count=1100, count_qualifier=qualifier)
    assert report.figure() == text
    assert report.figure(with_unit=False) == text.removesuffix(" buildings")
    client.force_login(superuser)
    page = client.get(reverse("region-detail", args=[report.region.code])).content.decode()
    assert text in page
    listing = client.get(admin_url("outagereport", "changelist")).content.decode()
    assert f'<td class="field-figure">{text}</td>' in listing


def test_the_dashboard_script_gets_the_wording_from_the_model(client, viewer):
    client.force_login(viewer)
    html = client.get(reverse("dashboard")).content.decode()
    config = re.search(r'<script id="tracker-config" type="application/json">(.*?)</script>', html)
    wording = json.loads(config[1])["labels"]["figure_wording"]
    assert wording == {str(key): value for key, value in OutageReport.FIGURE_WORDING.items()}
