"""The interface in Ukrainian and English: choosing the language, remembering it per user,
Accept-Language, Ukrainian names, numbers and dates, and the API's messages."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from preferences.models import UserPreference
from tests.factories import (
    DARNYTSIA,
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
PASSWORD = "correct horse battery"


@pytest.fixture
def strike():
    """The February 4 strike on the Darnytsia plant, with its Ukrainian names."""
    kyiv = RegionFactory()
    attack = AttackFactory(
        summary="Strike on the Darnytsia heating plant", impact_location=DARNYTSIA
    )
    attack.regions.add(kyiv)
    plant = FacilityFactory(region=kyiv, name_uk="Дарницька ТЕЦ")
    DamageFactory(attack=attack, facility=plant)
    OutageReportFactory(region=kyiv, attack=attack)
    return attack


def test_a_page_without_accept_language_is_in_english(client, viewer, strike):
    client.force_login(viewer)
    page = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="en">' in page
    assert "Damage map" in page
    assert "Мапа пошкоджень" not in page


def test_accept_language_uk_gives_a_ukrainian_dashboard(client, viewer, strike):
    client.force_login(viewer)
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="uk,en;q=0.5")
    page = response.content.decode()
    assert response["Content-Language"] == "uk"
    assert '<html lang="uk">' in page
    assert "Мапа пошкоджень" in page
    assert "Без опалення зараз" in page
    assert "Damage map" not in page
    # The region filter names the region in Ukrainian; its value stays the code.
    assert '<option value="UA-30">Київ</option>' in page
    # Choice labels follow the language too.
    assert ">ТЕЦ</label>" in page or "> ТЕЦ</label>" in page


def test_an_attack_page_in_ukrainian_names_dates_and_facilities_in_ukrainian(
    client, viewer, strike
):
    client.force_login(viewer)
    page = client.get(strike.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "Де і як" in page
    # 03:00 UTC is 05:00 in Kyiv, on 4 February (the genitive month name).
    assert "4 лютого 2026" in page
    assert "Дарницька ТЕЦ" in page
    assert ">Київ</a>" in page
    assert f"понад 1{NBSP}100 (будинки)" in page
    assert "−25 °C" in page
    assert "Where and how" not in page


def test_an_attack_page_in_english_keeps_english_names_and_numbers(client, viewer, strike):
    client.force_login(viewer)
    page = client.get(strike.get_absolute_url()).content.decode()
    assert "4 February 2026" in page
    assert "Darnytsia heating plant" in page
    assert "Дарницька ТЕЦ" not in page
    assert "over 1,100 buildings" in page


def test_a_facility_page_in_ukrainian_shows_its_ukrainian_name_first(client, viewer, strike):
    client.force_login(viewer)
    plant = strike.damages.get().facility
    page = client.get(plant.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "<h1>Дарницька ТЕЦ</h1>" in page
    assert "Назва англійською" in page
    assert "Darnytsia heating plant" in page


def test_numbers_are_grouped_with_a_no_break_space_in_ukrainian_and_a_comma_in_english():
    template = Template("{% load tracker %}{{ n|count }}")
    with translation.override("uk"):
        assert template.render(Context({"n": 1100})) == f"1{NBSP}100"
    with translation.override("en"):
        assert template.render(Context({"n": 1100})) == "1,100"


def test_a_ukrainian_date_uses_the_genitive_month_name():
    template = Template("{% load tracker %}{{ d|day }}")
    with translation.override("uk"):
        assert template.render(Context({"d": date(2026, 2, 4)})) == "4 лютого 2026"
    with translation.override("en"):
        assert template.render(Context({"d": date(2026, 2, 4)})) == "4 Feb 2026"


def test_the_map_layers_name_records_in_the_requested_language(client, viewer, strike):
    client.force_login(viewer)
    uk = client.get("/api/v1/map/facilities.geojson", HTTP_ACCEPT_LANGUAGE="uk").json()
    en = client.get("/api/v1/map/facilities.geojson", HTTP_ACCEPT_LANGUAGE="en").json()
    assert uk["features"][0]["properties"]["name"] == "Дарницька ТЕЦ"
    assert uk["features"][0]["properties"]["kind_label"] == "ТЕЦ"
    assert en["features"][0]["properties"]["name"] == "Darnytsia heating plant"
    attacks = client.get("/api/v1/map/attacks.geojson", HTTP_ACCEPT_LANGUAGE="uk").json()
    assert attacks["features"][0]["properties"]["facility_names"] == ["Дарницька ТЕЦ"]


def test_api_error_messages_follow_accept_language(client, viewer):
    client.force_login(viewer)
    bad = client.get("/api/v1/map/attacks.geojson?bbox=nonsense", HTTP_ACCEPT_LANGUAGE="uk")
    assert bad.status_code == 400
    assert bad.json()["bbox"] == [
        "Вкажіть чотири числа lon,lat,lon,lat, напр. 22.1,44.3,40.2,52.4."
    ]
    missing = client.get("/api/v1/attacks/999999/", HTTP_ACCEPT_LANGUAGE="uk")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Не знайдено."
    english = client.get("/api/v1/map/attacks.geojson?bbox=nonsense")
    assert english.json()["bbox"][0].startswith("Give four numbers")


def test_an_api_validation_error_from_a_service_is_in_ukrainian(client, analyst, strike):
    client.force_login(analyst)
    response = client.patch(
        f"/api/v1/attacks/{strike.pk}/",
        data=json.dumps({"ended_at": "2026-02-01T00:00:00Z"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="uk",
    )
    assert response.status_code == 400, response.content
    assert "Кінець раніше за початок." in json.dumps(response.json(), ensure_ascii=False)


def test_a_token_client_gets_its_users_saved_language_unless_it_asks_for_another(analyst):
    UserPreference.objects.create(user=analyst, language="uk")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=analyst).key}")
    saved = api.get("/api/v1/map/attacks.geojson?bbox=nonsense")
    assert saved.json()["bbox"][0].startswith("Вкажіть чотири числа")
    asked = api.get("/api/v1/map/attacks.geojson?bbox=nonsense", HTTP_ACCEPT_LANGUAGE="en")
    assert asked.json()["bbox"][0].startswith("Give four numbers")


def test_the_header_switch_changes_the_language_and_remembers_it_for_the_user(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'action="/i18n/setlang/"' in page
    response = client.post(
        reverse("set_language"), {"language": "uk", "next": reverse("dashboard")}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"
    assert UserPreference.objects.get(user=viewer).language == "uk"
    assert "Мапа пошкоджень" in client.get(reverse("dashboard")).content.decode()

    # Log out, forget the cookie (another browser), log in again: Ukrainian again.
    client.post(reverse("admin:logout"))
    client.cookies.clear()
    login = client.post(
        reverse("admin:login"),
        {"username": viewer.username, "password": PASSWORD, "next": "/"},
    )
    assert login.status_code == 302
    assert login.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"
    assert "Мапа пошкоджень" in client.get(reverse("dashboard")).content.decode()


def test_an_anonymous_switch_sets_only_the_cookie(client, settings):
    settings.PUBLIC_READ = True
    response = client.post(reverse("set_language"), {"language": "uk", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"
    assert not UserPreference.objects.exists()
    assert "Мапа пошкоджень" in client.get("/").content.decode()


def test_an_unknown_language_is_not_saved(client, viewer):
    client.force_login(viewer)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert not UserPreference.objects.filter(user=viewer).exists()


def test_the_admin_header_has_the_language_switch(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert "Введення даних" in page
    assert "Вийти" in page  # Django's own admin words, in Ukrainian too.


def test_the_script_catalogue_is_served_in_the_page_language(client):
    script = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="uk")
    assert script.status_code == 200
    body = script.content.decode()
    # The catalogue writes its strings as JSON (non-ASCII as \\u escapes).
    assert '"Legend": ' + json.dumps("Легенда") in body
    assert (
        "application/javascript" in script["Content-Type"]
        or "text/javascript" in (script["Content-Type"])
    )
