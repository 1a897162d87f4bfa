import pytest
from django.urls import reverse

from alerts.models import AlertRule, WebhookEndpoint


@pytest.fixture
def endpoint(db) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="Partner", url="https://partner.example.org/hook")


@pytest.mark.parametrize(
    "model", ["alertrule", "webhookendpoint", "notification", "delivery", "flag"]
)
def test_the_alert_lists_open_for_an_administrator(client, superuser, model):
    client.force_login(superuser)
    response = client.get(reverse(f"admin:alerts_{model}_changelist"))
    assert response.status_code == 200


def test_an_analyst_defines_a_rule_in_the_admin(client, analyst, kyiv, endpoint, settings):
    settings.ALERTS_EMAIL_DOMAINS = ["example.org"]
    client.force_login(analyst)
    response = client.post(
        reverse("admin:alerts_alertrule_add"),
        {
            "name": "Kyiv heating plants hit",
            "kind": "facility_damaged",
            "active": "on",
            "facility_kinds": ["chp", "heating"],
            "region": kyiv.pk,
            "service": "",
            "threshold": "",
            "days": "30",
            "emails": "desk@example.org, duty@example.org",
            "webhooks": [endpoint.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = AlertRule.objects.get()
    assert rule.facility_kinds == ["chp", "heating"]
    assert rule.emails == ["desk@example.org", "duty@example.org"]
    assert list(rule.webhooks.all()) == [endpoint]


def test_an_outage_rule_without_a_threshold_is_refused_with_a_field_message(client, analyst, kyiv):
    client.force_login(analyst)
    response = client.post(
        reverse("admin:alerts_alertrule_add"),
        {"name": "Kyiv outages", "kind": "outage_above", "region": kyiv.pk, "days": "30"},
    )
    assert response.status_code == 200
    assert "An outage rule needs a threshold." in response.content.decode()
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "reviewer", "viewer"])
def test_only_an_administrator_opens_the_webhook_endpoints(client, request, role, endpoint):
    client.force_login(request.getfixturevalue(role))

    for url in (
        reverse("admin:alerts_webhookendpoint_changelist"),
        reverse("admin:alerts_webhookendpoint_change", args=[endpoint.pk]),
        reverse("admin:alerts_webhookendpoint_add"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert endpoint.secret not in response.content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:alerts_webhookendpoint_changelist") not in index


@pytest.mark.parametrize("role", ["analyst", "reviewer", "viewer"])
def test_no_role_can_change_or_rotate_a_webhook_endpoint(client, request, role, endpoint):
    secret = endpoint.secret
    client.force_login(request.getfixturevalue(role))

    changed = client.post(
        reverse("admin:alerts_webhookendpoint_change", args=[endpoint.pk]),
        {"name": "Attacker", "url": "https://attacker.example.org/", "active": "on"},
    )
    rotated = client.post(
        reverse("admin:alerts_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )

    assert (changed.status_code, rotated.status_code) == (403, 403)
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.secret) == ("Partner", secret)


def test_an_administrator_manages_endpoints_and_sees_their_secret(client, superuser, endpoint):
    client.force_login(superuser)

    listing = client.get(reverse("admin:alerts_webhookendpoint_changelist"))
    page = client.get(reverse("admin:alerts_webhookendpoint_change", args=[endpoint.pk]))

    assert listing.status_code == 200
    assert "Partner" in listing.content.decode()
    assert page.status_code == 200
    assert endpoint.secret in page.content.decode()


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
def test_a_rule_editor_picks_endpoints_by_name_without_seeing_their_secrets(
    client, request, role, endpoint
):
    client.force_login(request.getfixturevalue(role))
    rule = AlertRule.objects.create(
        name="Verified attacks", kind="attack_verified", facility_kinds=[]
    )
    rule.webhooks.add(endpoint)

    for url in (
        reverse("admin:alerts_alertrule_add"),
        reverse("admin:alerts_alertrule_change", args=[rule.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        choices = dict(response.context["adminform"].form.fields["webhooks"].choices)
        assert choices == {endpoint.pk: "Partner"}
        assert endpoint.secret not in response.content.decode()


def test_a_viewer_cannot_open_the_rules(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("admin:alerts_alertrule_changelist"))
    assert response.status_code == 403


def test_an_endpoint_with_an_ftp_url_is_refused_with_a_field_message(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:alerts_webhookendpoint_add"),
        {"name": "Partner drop", "url": "ftp://files.partner.example/drop", "active": "on"},
    )
    assert response.status_code == 200
    assert (
        "Webhooks are sent over http:// or https:// only; this URL has ftp://."
        in response.content.decode()
    )
    assert not WebhookEndpoint.objects.exists()


def test_a_rule_mailing_an_outside_address_is_refused_naming_it(client, analyst, settings):
    settings.ALERTS_EMAIL_DOMAINS = ["ministry.example"]
    client.force_login(analyst)
    response = client.post(
        reverse("admin:alerts_alertrule_add"),
        {
            "name": "Any verified attack",
            "kind": "attack_verified",
            "active": "on",
            "days": "30",
            "emails": "desk@ministry.example, tips@newsdesk.example",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Alerts go only to addresses of registered users, or addresses in ministry.example. "
        "Not allowed: tips@newsdesk.example." in page
    )
    assert not AlertRule.objects.exists()


def test_the_rule_form_says_which_domains_alerts_may_go_to(client, analyst, settings):
    settings.ALERTS_EMAIL_DOMAINS = ["ministry.example", "energy.example"]
    client.force_login(analyst)
    response = client.get(reverse("admin:alerts_alertrule_add"))
    assert "addresses in ministry.example, energy.example" in response.content.decode()
