"""Bad input in the admin: the form comes back with a message and what the user typed."""

from __future__ import annotations

import json

import pytest

from incidents.models import Attack, Facility, OutageReport, ResponseMeasure, Source
from tests.factories import AttackFactory, FacilityFactory, RegionFactory
from tests.incidents.admin_helpers import admin_url, attack_data, management_form, weapon_row


def errors_of(response) -> dict:
    return response.context["adminform"].form.errors


def test_more_intercepted_than_launched_in_the_weapon_inline_is_refused(client, analyst):
    client.force_login(analyst)
    data = attack_data(
        **management_form("weapons", total=1), **weapon_row(launched="10", intercepted="12")
    )

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "More weapons intercepted than launched (12 &gt; 10)." in page
    assert 'name="weapons-0-intercepted" value="12"' in page
    assert data["summary"] in page
    assert not Attack.objects.exists()


def test_a_negative_outage_count_is_refused(client, analyst):
    client.force_login(analyst)
    region = RegionFactory()
    data = {
        "region": region.pk,
        "locality": "Kyiv, Darnytsia district",
        "service": "heating",
        "unit": "buildings",
        "count_qualifier": "exact",
        "count": "-5",
        "as_of_0": "2026-02-04",
        "as_of_1": "14:00:00",
    }

    response = client.post(admin_url("outagereport", "add"), data)

    assert response.status_code == 200
    assert errors_of(response)["count"] == ["Ensure this value is greater than or equal to 0."]
    assert 'value="-5"' in response.content.decode()
    assert "Kyiv, Darnytsia district" in response.content.decode()
    assert not OutageReport.objects.exists()


def test_an_outage_figure_dated_in_the_future_is_refused(client, analyst):
    client.force_login(analyst)
    data = {
        "region": RegionFactory().pk,
        "service": "electricity",
        "unit": "customers",
        "count_qualifier": "at_least",
        "count": "110000",
        "as_of_0": "2099-02-04",
        "as_of_1": "14:00:00",
    }

    response = client.post(admin_url("outagereport", "add"), data)

    assert response.status_code == 200
    assert errors_of(response)["as_of"] == ["This time is in the future."]
    assert 'value="2099-02-04"' in response.content.decode()
    assert not OutageReport.objects.exists()


def test_an_attack_ending_before_it_starts_is_refused(client, analyst):
    client.force_login(analyst)
    data = attack_data(ended_at_0="2026-02-04", ended_at_1="04:00:00")

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 200
    assert errors_of(response)["ended_at"] == ["The end is before the start."]
    assert 'value="04:00:00"' in response.content.decode()
    assert not Attack.objects.exists()


def test_a_response_measure_ending_before_it_starts_is_refused(client, analyst):
    client.force_login(analyst)
    data = {
        "kind": "power_cuts",
        "region": RegionFactory().pk,
        "description": "Emergency power cuts in Kyiv",
        "started_at_0": "2026-02-04",
        "started_at_1": "08:00:00",
        "ended_at_0": "2026-02-03",
        "ended_at_1": "08:00:00",
    }

    response = client.post(admin_url("responsemeasure", "add"), data)

    assert response.status_code == 200
    assert errors_of(response)["ended_at"] == ["The end is before the start."]
    assert "Emergency power cuts in Kyiv" in response.content.decode()
    assert not ResponseMeasure.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("reliability", "G"), ("credibility", "7"), ("credibility", "0")]
)
def test_a_grade_outside_the_admiralty_code_is_refused(client, analyst, field, value):
    client.force_login(analyst)
    data = {
        "kind": "news_report",
        "title": "Kharkiv left without heating",
        "reliability": "B",
        "credibility": "2",
        field: value,
    }

    response = client.post(admin_url("source", "add"), data)

    assert response.status_code == 200
    assert errors_of(response)[field] == [
        f"Select a valid choice. {value} is not one of the available choices."
    ]
    assert "Kharkiv left without heating" in response.content.decode()
    assert not Source.objects.exists()


def test_coordinates_outside_wgs84_are_refused(client, analyst):
    client.force_login(analyst)
    data = {
        "name": "Darnytsia heating plant",
        "kind": "chp",
        "use": "civilian",
        "location": json.dumps({"type": "Point", "coordinates": [200, 50]}),
    }

    response = client.post(admin_url("facility", "add"), data)

    assert response.status_code == 200
    message = errors_of(response)["location"][0]
    assert message.startswith("Longitude 200")
    page = response.content.decode()
    assert "Darnytsia heating plant" in page
    assert "200" in page.split('name="location"')[1][:400]
    assert not Facility.objects.exists()


def test_a_facility_outside_its_chosen_region_is_refused(client, analyst, oblasts):
    client.force_login(analyst)
    kharkiv_point = {"type": "Point", "coordinates": [36.2304, 49.9935]}
    data = {
        "name": "Kharkiv CHP-5",
        "kind": "chp",
        "use": "civilian",
        "location": json.dumps(kharkiv_point),
        "region": oblasts["UA-30"].pk,
        "locality": "Kharkiv",
    }

    response = client.post(admin_url("facility", "add"), data)

    assert response.status_code == 200
    message = errors_of(response)["location"][0]
    assert message.startswith("The point lies in ")
    assert "from Kyiv" in message
    page = response.content.decode()
    assert "Kharkiv CHP-5" in page
    assert "36.2304" in page
    assert not Facility.objects.exists()


def test_a_facility_without_a_region_gets_it_from_the_location(client, analyst, oblasts):
    client.force_login(analyst)
    data = {
        "name": "Kharkiv CHP-5",
        "kind": "chp",
        "use": "civilian",
        "location": json.dumps({"type": "Point", "coordinates": [36.2304, 49.9935]}),
        "region": "",
    }

    response = client.post(admin_url("facility", "add"), data)

    assert response.status_code == 302
    assert Facility.objects.get().region.code == "UA-63"


def test_fewer_reported_regions_than_linked_ones_is_refused(client, analyst):
    client.force_login(analyst)
    kyiv = RegionFactory()
    kharkiv = RegionFactory(code="UA-63", name_en="Kharkiv")
    data = attack_data(regions=[kyiv.pk, kharkiv.pk], reported_region_count="1")

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 200
    assert errors_of(response)["reported_region_count"] == [
        "2 regions are linked, more than the reported 1. Raise the count or leave it empty."
    ]
    assert not Attack.objects.exists()


def test_a_rule_found_only_while_saving_an_inline_is_shown_on_the_form(client, analyst):
    """Restored before the attack: the inline cannot see the new attack's time until saving."""
    client.force_login(analyst)
    plant = FacilityFactory()
    data = attack_data(**management_form("damages", total=1))
    data |= {
        "damages-0-facility": plant.pk,
        "damages-0-severity": "moderate",
        "damages-0-restoration_status": "restored",
        "damages-0-restored_at_0": "2026-02-01",
        "damages-0-restored_at_1": "12:00:00",
    }

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 200
    assert "Restored before the attack happened." in response.content.decode()
    assert 'value="2026-02-01"' in response.content.decode()
    assert not Attack.objects.exists()
    plant.refresh_from_db()
    assert plant.status == Facility.Status.OPERATIONAL


def test_an_existing_attack_keeps_its_data_when_a_change_is_refused(client, analyst):
    attack = AttackFactory(summary="Strike on Darnytsia")
    client.force_login(analyst)
    data = attack_data(summary="Changed summary", ended_at_0="2026-02-03", ended_at_1="00:00:00")

    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 200
    assert "Changed summary" in response.content.decode()
    attack.refresh_from_db()
    assert attack.summary == "Strike on Darnytsia"


DARNYTSIA_GEOJSON = json.dumps({"type": "Point", "coordinates": [30.64, 50.446]})


def test_an_attack_point_outside_its_regions_is_refused_naming_the_region(client, analyst, oblasts):
    client.force_login(analyst)
    data = attack_data(impact_location=DARNYTSIA_GEOJSON, regions=[oblasts["UA-46"].pk])

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 200
    message = errors_of(response)["impact_location"][0]
    assert message.startswith("The impact point lies in Kyiv (UA-30), ")
    assert "from Lviv Oblast (UA-46)" in message
    assert not Attack.objects.exists()


def test_an_attack_added_without_regions_keeps_the_regions_filled_from_its_point(
    client, analyst, oblasts
):
    client.force_login(analyst)
    data = attack_data(impact_location=DARNYTSIA_GEOJSON)

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 302, errors_of(response)
    assert list(Attack.objects.get().regions.values_list("code", flat=True)) == ["UA-30"]
