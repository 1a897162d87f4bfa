"""Dates typed day first or as ISO, in English and Ukrainian, in the admin and the API.

The admin says once per section that its times are Kyiv time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from incidents.forms import DATE_MESSAGE, TIME_MESSAGE, ServiceCheckedForm
from incidents.models import Attack, Damage, OutageReport, ResponseMeasure
from tests.factories import AttackFactory, FacilityFactory
from tests.incidents.admin_helpers import admin_url, attack_data, management_form

pytestmark = pytest.mark.django_db


class DamageForm(ServiceCheckedForm):
    class Meta:
        model = Damage
        fields = ("expected_restoration",)


@pytest.mark.parametrize("language", ["en", "en-gb", "uk"])
@pytest.mark.parametrize("typed", ["12.11.2026", "2026-11-12", "12/11/2026"])
def test_a_date_is_read_day_first_or_as_iso_in_every_language(language, typed):
    with translation.override(language):
        assert forms.DateField().clean(typed) == date(2026, 11, 12)


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("typed", ["12.11.2026 14:30", "2026-11-12 14:30"])
def test_a_date_and_time_in_one_field_is_read_day_first_or_as_iso(language, typed):
    with translation.override(language):
        value = forms.DateTimeField().clean(typed)
    # 14:30 in Kyiv (UTC+2 in November).
    assert value == datetime(2026, 11, 12, 12, 30, tzinfo=UTC)


def test_a_month_first_date_is_not_guessed():
    with translation.override("en"), pytest.raises(forms.ValidationError):
        forms.DateField().clean("11/13/2026")


def test_a_date_that_cannot_be_read_names_the_formats():
    form = DamageForm(data={"expected_restoration": "November 12th"})

    assert form.errors["expected_restoration"] == [DATE_MESSAGE]
    assert "DD.MM.YYYY or YYYY-MM-DD" in str(DATE_MESSAGE)


def test_the_attack_form_takes_a_day_first_start(client, analyst):
    client.force_login(analyst)

    response = client.post(
        admin_url("attack", "add"), attack_data(started_at_0="04.02.2026", started_at_1="05:00")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    attack = Attack.objects.get()
    assert attack.started_at == datetime(2026, 2, 4, 3, 0, tzinfo=UTC)


def test_the_attack_form_names_the_formats_of_a_date_and_a_time_it_cannot_read(client, analyst):
    client.force_login(analyst)

    response = client.post(
        admin_url("attack", "add"), attack_data(started_at_0="4 Feb", started_at_1="5 am")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["started_at"]
    assert errors == [str(DATE_MESSAGE), str(TIME_MESSAGE)]
    assert not Attack.objects.exists()


def test_an_inline_date_that_cannot_be_read_names_the_formats(client, analyst):
    client.force_login(analyst)
    facility = FacilityFactory()
    data = attack_data(
        **management_form("damages", total=1),
        **{
            "damages-0-facility": str(facility.pk),
            "damages-0-severity": Damage.Severity.SEVERE,
            "damages-0-restoration_status": Damage.Restoration.NOT_STARTED,
            "damages-0-restored_at_0": "",
            "damages-0-restored_at_1": "",
            "damages-0-expected_restoration": "next week",
            "damages-0-description": "",
        },
    )

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 200
    assert str(DATE_MESSAGE) in response.content.decode()


def test_each_section_with_times_says_kyiv_time_once(client, analyst):
    client.force_login(analyst)
    attack = AttackFactory()

    page = client.get(admin_url("attack", "change", attack.pk)).content.decode()

    assert "When (Kyiv time)" in page
    # The groups of rows with a time column: outage figures (as of), responses, damages.
    for model in (OutageReport, ResponseMeasure, Damage):
        assert f"{str(model._meta.verbose_name_plural).capitalize()} (Kyiv time)" in page
    # Sections without a time are not labelled.
    assert "Toll (Kyiv time)" not in page
    # The one note is written by the page's script, which the form loads.
    assert "incidents/admin/time-zone.js" in page
    assert "incidents/admin/admin.css" in page


def test_an_unnamed_section_with_a_time_says_so_in_its_description(client, analyst):
    client.force_login(analyst)

    page = client.get(admin_url("source", "add")).content.decode()

    assert "Times are Kyiv time." in page


def test_the_api_takes_a_day_first_start_as_kyiv_time(analyst):
    client = APIClient()
    client.force_login(analyst)

    response = client.post(
        reverse("api:attack-list"),
        {"started_at": "12.11.2026 10:00", "summary": "Strike typed day first"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Attack.objects.get().started_at == datetime(2026, 11, 12, 8, 0, tzinfo=UTC)


def test_the_api_names_the_formats_of_a_date_it_cannot_read(analyst):
    client = APIClient()
    client.force_login(analyst)

    response = client.post(
        reverse("api:attack-list"),
        {"started_at": "11/13/2026 10:00", "summary": "Strike typed month first"},
        format="json",
    )

    assert response.status_code == 400
    message = response.json()["started_at"][0]
    assert "YYYY-MM-DDThh:mm" in message and "DD.MM.YYYY hh:mm" in message
    assert not Attack.objects.exists()
