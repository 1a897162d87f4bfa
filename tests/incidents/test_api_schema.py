"""The OpenAPI description matches what the API really answers."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.incidents.test_api_resources import (
    RESOURCES,
    create_payload,
    detail_key,
    world,  # noqa: F401 - the fixture, shared with the resource tests.
)


def _strict(node):
    """Forbid properties the schema does not name, so an undocumented field fails."""
    if isinstance(node, dict):
        types = node.get("type")
        is_object = types == "object" or (isinstance(types, list) and "object" in types)
        if is_object and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)
    return node


@pytest.fixture
def openapi(viewer) -> dict:
    client = APIClient()
    client.force_login(viewer)
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    return _strict(copy.deepcopy(document))


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def assert_conforms(document: dict, path: str, method: str, response) -> None:
    """Validate the body against the schema the document gives for this status."""
    operation = document["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method.upper()} {path} answered {status}"
    content = operation["responses"][status].get("content")
    if content is None:
        assert not response.content
        return
    media = response["Content-Type"].split(";")[0]
    assert media in content, f"{media} not documented for {method.upper()} {path} {status}"
    # The whole document is the root, so "#/components/..." references resolve.
    schema = {
        **document,
        "$ref": _pointer("paths", path, method, "responses", status, "content", media, "schema"),
    }
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def _template(resource: str, detail: bool) -> str:
    path = f"/api/v1/{resource}/"
    if detail:
        path += "{code}/" if resource == "regions" else "{id}/"
    return path


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_and_detail_responses_match_the_schema(openapi, world, analyst, resource):  # noqa: F811
    client = APIClient()
    client.force_login(analyst)
    listed = client.get(f"/api/v1/{resource}/")
    assert_conforms(openapi, _template(resource, False), "get", listed)
    assert listed.json()["results"]
    detail = client.get(f"/api/v1/{resource}/{detail_key(resource, world)}/")
    assert_conforms(openapi, _template(resource, True), "get", detail)


@pytest.mark.parametrize("resource", RESOURCES)
def test_create_and_error_responses_match_the_schema(openapi, world, analyst, resource):  # noqa: F811
    client = APIClient()
    client.force_login(analyst)
    created = client.post(f"/api/v1/{resource}/", create_payload(resource, world), format="json")
    assert created.status_code == 201
    assert_conforms(openapi, _template(resource, False), "post", created)
    rejected = client.post(f"/api/v1/{resource}/", {}, format="json")
    assert rejected.status_code == 400
    assert_conforms(openapi, _template(resource, False), "post", rejected)
    missing = client.get(f"/api/v1/{resource}/{'XX-0' if resource == 'regions' else 0}/")
    assert_conforms(openapi, _template(resource, True), "get", missing)


def test_the_deleted_feed_matches_the_schema(openapi, world, reviewer):  # noqa: F811
    client = APIClient()
    client.force_login(reviewer)
    client.delete(f"/api/v1/damages/{world['damage'].pk}/")
    response = client.get("/api/v1/deleted/")
    assert response.json()["count"] == 1
    assert_conforms(openapi, "/api/v1/deleted/", "get", response)


def test_the_schema_documents_the_filters(openapi):
    parameters = {p["name"] for p in openapi["paths"]["/api/v1/attacks/"]["get"]["parameters"]}
    assert {
        "started_after",
        "started_before",
        "region",
        "facility_kind",
        "weapon_type",
        "severity",
        "verification_status",
        "service",
        "bbox",
        "search",
        "updated_since",
        "ordering",
        "cursor",
        "page_size",
    } <= parameters
    outages = {p["name"] for p in openapi["paths"]["/api/v1/outages/"]["get"]["parameters"]}
    assert {"as_of_after", "as_of_before", "service", "region", "updated_since"} <= outages


def test_the_docs_page_serves_swagger_ui_from_the_apps_own_static_files(viewer):
    client = APIClient()
    client.force_login(viewer)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn." not in page
    assert "unpkg" not in page


@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_the_schema_and_its_docs_follow_the_apis_read_rule(settings, viewer, name):
    settings.PUBLIC_READ = False
    assert APIClient().get(reverse(name)).status_code in (401, 403)
    client = APIClient()
    client.force_login(viewer)
    assert client.get(reverse(name)).status_code == 200
    token = Token.objects.create(user=viewer)
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert machine.get(reverse(name)).status_code == 200

    settings.PUBLIC_READ = True
    assert APIClient().get(reverse(name)).status_code == 200
