"""The attack form's entry aids, through the test client: typed coordinates, sources on
every row by default, a new row with nothing but sources is empty, save as new."""

import pytest
from django.contrib.gis.geos import Point

from incidents.models import Attack, Damage, Facility, OutageReport, PublicationState
from tests.factories import FacilityFactory, SourceFactory
from tests.incidents.admin_helpers import (
    admin_url,
    attack_data,
    form_post_data,
    management_form,
    records,  # noqa: F401 (a fixture)
    weapon_row,
)


def test_typed_coordinates_set_the_impact_point(client, analyst, oblasts):
    client.force_login(analyst)
    data = attack_data(
        reported_region_count="", impact_coordinates="50°08′06″N 30°44′17″E", impact_location=""
    )

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 302
    attack = Attack.objects.get()
    assert attack.impact_location.y == pytest.approx(50.135)
    assert attack.impact_location.x == pytest.approx(30.738055, abs=1e-6)
    # Regions left empty are filled from the point, as with a point placed on the map.
    assert [region.code for region in attack.regions.all()] == ["UA-32"]


def test_typed_coordinates_win_over_the_map_and_bad_ones_are_named(client, analyst, oblasts):
    client.force_login(analyst)
    map_point = '{"type": "Point", "coordinates": [24.03, 49.84]}'
    data = attack_data(
        reported_region_count="", impact_location=map_point, impact_coordinates="30.738, 50.135"
    )
    assert client.post(admin_url("attack", "add"), data).status_code == 302
    point = Attack.objects.get().impact_location
    assert (point.y, point.x) == (50.135, 30.738)  # swapped: only that order lies in Ukraine

    data["summary"] = "A second strike"
    data["impact_coordinates"] = "50.135 N 30.738 N"
    response = client.post(admin_url("attack", "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["impact_coordinates"] == [
        "Both coordinates are marked as latitude (N/S); one must be N/S, the other E/W."
    ]


def test_the_change_form_shows_the_stored_point_as_coordinates(client, analyst, records):  # noqa: F811
    attack = records["attack"]
    attack.impact_location = Point(30.64, 50.446, srid=4326)
    attack.save()
    client.force_login(analyst)
    response = client.get(admin_url("attack", "change", attack.pk))
    assert response.context["adminform"].form["impact_coordinates"].value() == "50.446, 30.64"


def test_rows_saved_without_sources_cite_the_attacks(client, analyst, oblasts):
    client.force_login(analyst)
    statement, news = SourceFactory(), SourceFactory(title="A news report")
    plant = FacilityFactory(region=oblasts["UA-30"])
    data = attack_data(sources=[statement.pk], reported_region_count="")
    data |= management_form("damages", total=1) | management_form("outages", total=1)
    data |= {
        "damages-0-facility": plant.pk,
        "damages-0-severity": "severe",
        "damages-0-restoration_status": "not_started",
        "outages-0-region": oblasts["UA-30"].pk,
        "outages-0-service": "electricity",
        "outages-0-unit": "customers",
        "outages-0-count_qualifier": "exact",
        "outages-0-count": "48000",
        "outages-0-as_of_0": "2026-02-04",
        "outages-0-as_of_1": "09:00:00",
        # Chosen by hand: kept.
        "outages-0-sources": [news.pk],
    }

    response = client.post(admin_url("attack", "add"), data)

    assert response.status_code == 302
    assert list(Damage.objects.get().sources.all()) == [statement]
    assert list(OutageReport.objects.get().sources.all()) == [news]


def test_a_new_row_with_only_the_preselected_sources_is_an_empty_row(client, analyst, records):  # noqa: F811
    attack = records["attack"]
    client.force_login(analyst)
    form = client.get(admin_url("attack", "change", attack.pk)).context["adminform"].form
    data = form_post_data(form) | change_page_formsets(client, attack)
    # The script pre-selected the attack's source in the spare damage row; nothing else.
    data["damages-1-sources"] = [str(records["source"].pk)]

    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert Damage.objects.filter(attack=attack).count() == 1


def change_page_formsets(client, attack) -> dict:
    """The inline formsets of the change page as the browser posts them back unchanged
    (spare rows included, with their defaults)."""
    response = client.get(admin_url("attack", "change", attack.pk))
    data: dict = {}
    for formset in response.context["inline_admin_formsets"]:
        data |= {
            key: value
            for key, value in form_post_data(formset.formset.management_form).items()
            if key != "_save"
        }
        for form in formset.formset.forms:
            data |= {k: v for k, v in form_post_data(form).items() if k != "_save"}
    return data


def test_save_as_new_copies_regions_weapons_and_sources_into_a_draft(
    client,
    reviewer,
    records,  # noqa: F811
):
    attack = records["attack"]
    attack.verification_status = Attack.Verification.VERIFIED
    attack.external_source, attack.external_id = "acled", "UKR-1"
    attack.save()
    client.force_login(reviewer)
    data = form_post_data(
        client.get(admin_url("attack", "change", attack.pk)).context["adminform"].form
    )
    data |= change_page_formsets(client, attack)
    data.pop("_save")
    data["_saveasnew"] = "Save as new"
    data["summary"] = "The next strike"

    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 302
    copy = Attack.objects.get(summary="The next strike")
    assert copy.pk != attack.pk
    assert (copy.publication_state, copy.verification_status) == (
        PublicationState.DRAFT,
        Attack.Verification.REPORTED,
    )
    assert (copy.external_source, copy.external_id) == ("", "")
    assert list(copy.regions.all()) == list(attack.regions.all())
    assert list(copy.sources.all()) == [records["source"]]
    assert copy.weapons.count() == attack.weapons.count() == 1
    assert not copy.damages.exists() and not copy.outages.exists() and not copy.responses.exists()
    assert Attack.objects.get(pk=attack.pk).damages.count() == 1


def test_the_facility_form_takes_typed_coordinates(client, analyst, oblasts):
    client.force_login(analyst)
    data = {
        "name": "Trypilska TPP",
        "name_uk": "Трипільська ТЕС",
        "kind": "thermal",
        "use": "civilian",
        "operator": "",
        "location_coordinates": "N 50.135 E 30.738",
        "location": "",
        "region": "",
        "locality": "Ukrainka",
        "electric_capacity_mw": "",
        "thermal_capacity_mw": "",
        "notes": "",
        "external_source": "",
        "external_id": "",
    }
    response = client.post(admin_url("facility", "add"), data)
    assert response.status_code == 302
    plant = Facility.objects.get()
    assert (plant.location.y, plant.location.x, plant.region.code) == (50.135, 30.738, "UA-32")


def test_weapon_rows_still_post_as_before(client, analyst):
    client.force_login(analyst)
    data = attack_data(**management_form("weapons", total=1), **weapon_row(0))
    assert client.post(admin_url("attack", "add"), data).status_code == 302
