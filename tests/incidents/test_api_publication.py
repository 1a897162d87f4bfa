"""Publication through the API: the state on records, the transitions per role, the
state filter and `?view=public`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Attack, OutageReport, PublicationState, ResponseMeasure
from incidents.services import publication
from tests.factories import (
    AttackFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    ResponseMeasureFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

State = PublicationState
# The publishable collections: their URL name and a factory of a draft record.
COLLECTIONS = {
    "attacks": ("attack", lambda: AttackFactory()),
    "outages": ("outagereport", lambda: OutageReportFactory(region=RegionFactory())),
    "responses": ("responsemeasure", lambda: ResponseMeasureFactory(region=RegionFactory())),
}
MODELS = {"attacks": Attack, "outages": OutageReport, "responses": ResponseMeasure}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def list_url(collection: str) -> str:
    return reverse(f"api:{COLLECTIONS[collection][0]}-list")


def detail_url(collection: str, pk: int) -> str:
    return reverse(f"api:{COLLECTIONS[collection][0]}-detail", args=[pk])


def move_url(collection: str, pk: int, step: str) -> str:
    return f"{detail_url(collection, pk)}{step}/"


def draft(collection: str):
    return COLLECTIONS[collection][1]()


def state_of(record) -> str:
    record.refresh_from_db()
    return record.publication_state


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --------------------------------------------------------------------------- the fields


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_logged_in_users_see_the_state_and_when_it_was_published(viewer, collection):
    record = draft(collection)
    rows = client_for(viewer).get(list_url(collection)).json()["results"]
    row = next(row for row in rows if row["id"] == record.pk)
    assert row["publication_state"] == "draft"
    assert row["published_at"] is None
    publication.publish(record=record, user=None)
    row = client_for(viewer).get(detail_url(collection, record.pk)).json()
    assert row["publication_state"] == "published"
    assert row["published_at"] is not None


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("field", ["publication_state", "published_at"])
def test_clients_cannot_set_the_state_by_writing_the_record(analyst, collection, field):
    record = draft(collection)
    value = "published" if field == "publication_state" else "2026-02-04T09:30:00+02:00"
    response = client_for(analyst).patch(
        detail_url(collection, record.pk), {field: value}, format="json"
    )
    assert response.status_code == 400
    assert "read-only" in response.json()[field][0]
    assert state_of(record) == State.DRAFT


def test_a_record_created_through_the_api_is_a_draft(analyst):
    response = client_for(analyst).post(
        list_url("attacks"),
        {"started_at": "2026-02-04T05:00:00+02:00", "summary": "Drone strike on a substation"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["publication_state"] == "draft"
    assert Attack.objects.get(pk=response.json()["id"]).publication_state == State.DRAFT


def test_sources_carry_confidential_and_facilities_public_region_only(analyst):
    client = client_for(analyst)
    source = SourceFactory()
    response = client.patch(
        reverse("api:source-detail", args=[source.pk]), {"confidential": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["confidential"] is True
    source.refresh_from_db()
    assert source.confidential
    facility = FacilityFactory(region=RegionFactory())
    response = client.patch(
        reverse("api:facility-detail", args=[facility.pk]),
        {"public_region_only": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["public_region_only"] is True
    facility.refresh_from_db()
    assert facility.public_region_only


# --------------------------------------------------------------------------- transitions


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_an_analyst_submits_and_a_reviewer_publishes(analyst, reviewer, collection):
    record = draft(collection)
    response = client_for(analyst).post(move_url(collection, record.pk, "submit"))
    assert response.status_code == 200, response.content
    assert response.json()["publication_state"] == "in_review"
    assert response.json()["id"] == record.pk
    response = client_for(reviewer).post(move_url(collection, record.pk, "publish"))
    assert response.status_code == 200, response.content
    assert response.json()["publication_state"] == "published"
    assert response.json()["published_at"]
    assert state_of(record) == State.PUBLISHED


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize(
    ("role", "step", "allowed"),
    [
        ("viewer", "submit", False),
        ("viewer", "publish", False),
        ("viewer", "withdraw", False),
        ("analyst", "submit", True),
        ("analyst", "publish", False),
        ("analyst", "withdraw", False),
        ("reviewer", "submit", True),
        ("reviewer", "publish", True),
    ],
)
def test_each_role_may_take_only_its_steps(request, collection, role, step, allowed):
    record = draft(collection)
    response = client_for(request.getfixturevalue(role)).post(move_url(collection, record.pk, step))
    if allowed:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403, response.content
        assert state_of(record) == State.DRAFT


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_reviewers_send_back(request, role):
    record = draft("attacks")
    publication.submit_for_review(record=record, user=None)
    response = client_for(request.getfixturevalue(role)).post(
        move_url("attacks", record.pk, "send-back"), {"comment": "Add a source."}, format="json"
    )
    assert response.status_code == 403
    assert state_of(record) == State.IN_REVIEW


def test_anonymous_visitors_take_no_step(settings):
    settings.PUBLIC_READ = True
    record = draft("attacks")
    response = APIClient().post(move_url("attacks", record.pk, "submit"))
    assert response.status_code in (401, 403)
    assert state_of(record) == State.DRAFT


def test_the_last_changer_may_not_publish_but_another_reviewer_may(reviewer, django_user_model):
    record = draft("attacks")
    client = client_for(reviewer)
    edited = client.patch(
        detail_url("attacks", record.pk),
        {"summary": "Missile strike on the Darnytsia plant"},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    response = client.post(move_url("attacks", record.pk, "publish"))
    assert response.status_code == 400
    assert "four eyes" in response.json()["publication_state"][0]
    assert state_of(record) == State.DRAFT

    second = django_user_model.objects.create_user("iryna.reviewer", password="x" * 12)
    second.groups.set(reviewer.groups.all())
    response = client_for(second).post(move_url("attacks", record.pk, "publish"))
    assert response.status_code == 200, response.content
    assert state_of(record) == State.PUBLISHED


def test_review_self_publish_lifts_the_four_eyes_rule(reviewer, settings):
    settings.REVIEW_SELF_PUBLISH = True
    record = draft("outages")
    client = client_for(reviewer)
    edited = client.patch(detail_url("outages", record.pk), {"count": 1200}, format="json")
    assert edited.status_code == 200, edited.content
    response = client.post(move_url("outages", record.pk, "publish"))
    assert response.status_code == 200, response.content
    assert state_of(record) == State.PUBLISHED


@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "   "}])
def test_send_back_needs_a_comment(reviewer, body):
    record = draft("responses")
    publication.submit_for_review(record=record, user=None)
    response = client_for(reviewer).post(
        move_url("responses", record.pk, "send-back"), body, format="json"
    )
    assert response.status_code == 400
    assert "comment" in response.json()
    assert state_of(record) == State.IN_REVIEW


def test_send_back_returns_the_record_to_draft_with_the_comment(reviewer):
    record = draft("attacks")
    publication.submit_for_review(record=record, user=None)
    response = client_for(reviewer).post(
        move_url("attacks", record.pk, "send-back"),
        {"comment": "Which plant? Add the source."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["publication_state"] == "draft"
    record.refresh_from_db()
    assert record.review_comment == "Which plant? Add the source."


def test_a_step_the_state_does_not_allow_is_a_400_naming_the_state(reviewer):
    record = draft("attacks")
    client = client_for(reviewer)
    response = client.post(move_url("attacks", record.pk, "withdraw"))
    assert response.status_code == 400
    assert "nothing to withdraw" in response.json()["publication_state"][0]
    publication.publish(record=record, user=None)
    response = client.post(move_url("attacks", record.pk, "submit"))
    assert response.status_code == 400
    assert "Only drafts" in response.json()["publication_state"][0]
    response = client.post(move_url("attacks", record.pk, "withdraw"))
    assert response.status_code == 200, response.content
    assert response.json()["publication_state"] == "withdrawn"


@pytest.mark.parametrize("method", ["get", "put", "delete", "trace"])
def test_a_step_takes_post_only(reviewer, method):
    record = draft("attacks")
    response = getattr(client_for(reviewer), method)(move_url("attacks", record.pk, "publish"))
    assert response.status_code == 405
    assert state_of(record) == State.DRAFT


@pytest.mark.parametrize("key", ["987654", "abc"])
def test_a_step_on_an_unknown_record_is_a_404(reviewer, key):
    response = client_for(reviewer).post(f"{list_url('attacks')}{key}/publish/")
    assert response.status_code == 404


# --------------------------------------------------------------------------- the filter


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_the_collections_filter_by_publication_state(viewer, collection):
    drafted, submitted, published = draft(collection), draft(collection), draft(collection)
    publication.submit_for_review(record=submitted, user=None)
    publication.publish(record=published, user=None)
    client = client_for(viewer)
    url = list_url(collection)
    assert ids(client.get(url, {"publication_state": "draft"})) == {drafted.pk}
    assert ids(client.get(url, {"publication_state": "in_review,published"})) == {
        submitted.pk,
        published.pk,
    }
    response = client.get(url, {"publication_state": "public"})
    assert response.status_code == 400
    assert "publication_state" in response.json()


# --------------------------------------------------------------------------- the public view


@pytest.fixture
def public_and_draft(db) -> tuple[Attack, Attack]:
    two_days_ago = timezone.now() - timedelta(days=2)
    public = AttackFactory(started_at=two_days_ago, summary="Strike on the Kyiv CHP-6")
    publication.publish(record=public, user=None)
    drafted = AttackFactory(started_at=two_days_ago, summary="Unconfirmed drone strike")
    return public, drafted


def test_view_public_answers_a_logged_in_user_as_the_public_sees_it(analyst, public_and_draft):
    public, drafted = public_and_draft
    client = client_for(analyst)
    assert ids(client.get(list_url("attacks"))) == {public.pk, drafted.pk}
    assert ids(client.get(list_url("attacks"), {"view": "public"})) == {public.pk}
    row = client.get(list_url("attacks"), {"view": "public"}).json()["results"][0]
    assert row["publication_state"] == "published"
    assert row["published_at"] is not None
    detail = detail_url("attacks", drafted.pk)
    assert client.get(detail).status_code == 200
    assert client.get(detail, {"view": "public"}).status_code == 404


def test_an_api_token_sees_drafts_unless_it_asks_for_the_public_view(analyst, public_and_draft):
    public, drafted = public_and_draft
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=analyst).key}")
    assert ids(client.get(list_url("attacks"))) == {public.pk, drafted.pk}
    assert ids(client.get(list_url("attacks"), {"view": "public"})) == {public.pk}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/attacks/",
        "/api/v1/sources/",
        "/api/v1/map/attacks.geojson",
        "/api/v1/stats/summary",
        "/api/v1/deleted/",
        "/api/v1/exports/attacks.csv",
    ],
)
def test_every_read_accepts_view_public_and_refuses_another_view(analyst, url):
    client = client_for(analyst)
    assert client.get(url, {"view": "public"}).status_code == 200
    response = client.get(url, {"view": "everything"})
    assert response.status_code == 400
    assert "public" in response.json()["view"][0]


# --------------------------------------------------------------------------- the schema


@pytest.fixture
def openapi(viewer) -> dict:
    return client_for(viewer).get("/api/schema/", {"format": "json"}).json()


def test_the_schema_shows_the_publication_fields_read_only(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("Attack", "OutageReport", "ResponseMeasure"):
        for field in ("publication_state", "published_at"):
            assert schemas[name]["properties"][field]["readOnly"], (name, field)
            assert field not in schemas[f"{name}Request"]["properties"], (name, field)
    assert "confidential" in schemas["SourceRequest"]["properties"]
    assert "public_region_only" in schemas["FacilityRequest"]["properties"]


def test_the_schema_describes_the_steps_the_filter_and_the_view(openapi):
    paths = openapi["paths"]
    for collection in COLLECTIONS:
        for step in ("submit", "publish", "send-back", "withdraw"):
            operation = paths[f"/api/v1/{collection}/{{id}}/{step}/"]["post"]
            assert {"200", "400", "403", "404"} <= set(operation["responses"])
        assert "requestBody" in paths[f"/api/v1/{collection}/{{id}}/send-back/"]["post"]
        listed = {p["name"]: p for p in paths[f"/api/v1/{collection}/"]["get"]["parameters"]}
        assert set(listed["publication_state"]["schema"]["items"]["enum"]) == set(State.values)
        assert listed["view"]["schema"]["enum"] == ["public"]
        assert "anonymous visitor" in listed["view"]["description"]
        detail = paths[f"/api/v1/{collection}/{{id}}/"]["get"]["parameters"]
        assert "view" in {p["name"] for p in detail}


def test_an_attacks_detail_gives_the_state_of_its_outage_figures_and_measures(viewer):
    attack = AttackFactory()
    outage = OutageReportFactory(region=RegionFactory(), attack=attack)
    ResponseMeasureFactory(region=RegionFactory(), attack=attack)
    publication.publish(record=outage, user=None)
    body = client_for(viewer).get(detail_url("attacks", attack.pk)).json()
    assert [o["publication_state"] for o in body["outages"]] == ["published"]
    assert body["outages"][0]["published_at"] is not None
    assert [r["publication_state"] for r in body["responses"]] == ["draft"]
