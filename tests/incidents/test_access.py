"""Where each role lands after logging in; what a refused page says; read-only points."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.urls import reverse

from incidents.access import refusal
from incidents.roles import ANALYST, REVIEWER, VIEWER, role_granting
from tests.factories import AttackFactory, FacilityFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def log_in(client, username: str, next_url: str | None = None):
    url = reverse("admin:login") + (f"?next={next_url}" if next_url is not None else "")
    data = {"username": username, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return client.post(url, data)


@pytest.mark.parametrize(
    ("role", "next_url", "landing"),
    [
        ("viewer", None, "/"),
        ("viewer", "/admin/", "/"),
        ("viewer", "/attacks/1/", "/attacks/1/"),
        ("viewer", "/admin/incidents/attack/", "/admin/incidents/attack/"),
        ("viewer", "https://evil.example/", "/"),
        ("analyst", None, "/admin/"),
        ("analyst", "/admin/", "/admin/"),
        ("analyst", "/?region=UA-30", "/?region=UA-30"),
        ("reviewer", None, "/admin/"),
        ("admin", None, "/admin/"),
        ("admin", "/admin/login/", "/admin/"),
    ],
)
def test_each_role_lands_where_it_works_or_where_it_asked_to_go(
    client, viewer, analyst, reviewer, superuser, role, next_url, landing
):
    username = {
        "viewer": viewer,
        "analyst": analyst,
        "reviewer": reviewer,
        "admin": superuser,
    }[role].username
    response = log_in(client, username, next_url)
    assert response.status_code == 302
    assert response["Location"] == landing


def test_an_account_without_admin_access_can_log_in_and_lands_on_the_dashboard(client):
    User.objects.create_user("reader", password=PASSWORD)
    response = log_in(client, "reader", "/admin/")
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_the_login_form_again(client, viewer):
    response = client.post(reverse("admin:login"), {"username": viewer.username, "password": "x"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_the_roles_needed_are_read_from_the_role_definitions():
    assert role_granting("incidents.view_attack") == VIEWER
    assert role_granting("incidents.change_attack") == ANALYST
    assert role_granting("incidents.add_importjob") == ANALYST
    assert role_granting("incidents.delete_attack") == REVIEWER
    assert role_granting("incidents.publish_attack") == REVIEWER
    assert role_granting("alerts.change_flag") == REVIEWER
    assert role_granting("alerts.view_webhookendpoint") is None


@pytest.mark.parametrize(
    ("role", "url", "needs"),
    [
        ("viewer", "/admin/incidents/attack/add/", "Adding attacks needs the Analyst role."),
        ("viewer", "/admin/incidents/importjob/add/", "Adding import jobs needs the Analyst role."),
        ("viewer", "/admin/alerts/alertrule/", "Viewing alert rules needs the Analyst role."),
        ("analyst", "/admin/alerts/webhookendpoint/", "for administrators only"),
        ("reviewer", "/admin/alerts/webhookendpoint/add/", "for administrators only"),
    ],
)
def test_a_refused_admin_page_names_the_role_it_needs_and_links_back(
    client, viewer, analyst, reviewer, role, url, needs
):
    user = {"viewer": viewer, "analyst": analyst, "reviewer": reviewer}[role]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert needs in page
    label = {"viewer": "Viewer", "analyst": "Analyst", "reviewer": "Reviewer"}[role]
    assert f"You are signed in as {user.username} ({label})." in page
    assert 'href="/"' in page and 'href="/admin/"' in page
    assert 'id="nav-sidebar"' in page or "breadcrumbs" in page  # the admin's layout


def test_a_viewer_posting_a_change_is_told_changing_needs_the_analyst_role(client, viewer):
    attack = AttackFactory()
    client.force_login(viewer)
    url = reverse("admin:incidents_attack_change", args=[attack.pk])
    response = client.post(url, {"summary": "Changed"})
    assert response.status_code == 403
    assert "Changing attacks needs the Analyst role." in response.content.decode()


def test_an_analyst_deleting_is_told_deleting_needs_the_reviewer_role(client, analyst):
    attack = AttackFactory()
    client.force_login(analyst)
    response = client.get(reverse("admin:incidents_attack_delete", args=[attack.pk]))
    assert response.status_code == 403
    assert "Deleting attacks needs the Reviewer role." in response.content.decode()


def test_refusals_outside_the_admin_name_no_model(rf, viewer):
    request = rf.get("/")
    request.resolver_match = None
    assert refusal(request).needs is None


def test_an_api_refusal_stays_json(client, viewer):
    client.force_login(viewer)
    response = client.post("/api/v1/attacks/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("model", "field", "make"),
    [
        ("attack", "impact_location", lambda p: AttackFactory(impact_location=p)),
        ("facility", "location", lambda p: FacilityFactory(location=p)),
    ],
)
def test_a_viewer_sees_a_point_as_latitude_and_longitude_with_a_map(
    client, viewer, model, field, make
):
    obj = make(Point(30.738029, 50.135104, srid=4326))
    client.force_login(viewer)
    response = client.get(reverse(f"admin:incidents_{model}_change", args=[obj.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "SRID=4326" not in page and "POINT (" not in page
    assert "50.135104° N, 30.738029° E" in page
    assert 'class="readonly-geometry-map"' in page
    assert "incidents/readonly-geometry.js" in page


def test_an_analyst_still_gets_the_map_widget_to_place_the_point(client, analyst):
    attack = AttackFactory(impact_location=Point(30.738029, 50.135104, srid=4326))
    client.force_login(analyst)
    page = client.get(reverse("admin:incidents_attack_change", args=[attack.pk])).content.decode()
    assert "readonly-geometry-map" not in page
    assert 'data-leaflet-field="id_impact_location"' in page or "id_impact_location" in page


def test_a_refused_page_outside_the_admin_has_the_sites_layout(rf, viewer):
    from django.core.exceptions import PermissionDenied

    from incidents.access import permission_denied

    request = rf.get("/attacks/1/")
    request.user = viewer
    request.resolver_match = None
    response = permission_denied(request, PermissionDenied())
    page = response.content.decode()
    assert response.status_code == 403
    assert 'class="site-header"' in page
    assert "You are signed in as maria.viewer (Viewer)." in page
    assert 'href="/"' in page
